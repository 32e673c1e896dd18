//! Cancelling an order (at PayPal or from the order page) before it claimed its title.

use crate::core::sql::{guard_one_row_changed, Batch, Param, Stmt};

/// Cancel at PayPal (or from the order page): only a pending order that
/// has not claimed its title.
pub fn cancel(order_id: &str, now: &str) -> Batch {
    vec![
        Stmt::new(
            "UPDATE orders SET code = -1, substate = 'done', updated_at = ?2 \
             WHERE id = ?1 AND code = 0 AND substate = 'awaiting_buyer'",
            vec![Param::from(order_id), Param::from(now)],
        ),
        guard_one_row_changed(),
    ]
}
