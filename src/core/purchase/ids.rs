//! PayPal's ids for an order: INVNUM (unique across deployments) and
//! MSGSUBID (one per attempt, so a retried call never pays twice).

/// PayPal's INVNUM for an order: unique across deployments.
pub fn invnum(deployment_id: &str, order_id: &str) -> String {
    format!("PB-{deployment_id}-{order_id}")
}

/// MSGSUBID for an order's current attempt: the same for retries after a
/// lost answer, so PayPal never executes the payment twice.
pub fn msgsubid(order_id: &str, attempt: i64) -> String {
    format!("{order_id}-{attempt}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_for_paypal_have_their_documented_shapes() {
        assert_eq!(invnum("a1b2c3", "k3j4h5g6f7d8"), "PB-a1b2c3-k3j4h5g6f7d8");
        let m = msgsubid("k3j4h5g6f7d8", 12);
        assert_eq!(m, "k3j4h5g6f7d8-12");
        assert!(m.len() <= 38);
    }
}
