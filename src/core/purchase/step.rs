//! The buyer's return as a step machine: fail a changed title, claim order
//! and title in one guarded batch, or execute again under a payment lease.

use super::state::OrderState;
use crate::core::order::{OrderStatus, Substate};
use crate::core::sql::{guard_one_row_changed, Batch, Param, Stmt};
use crate::core::time::UtcTime;

/// What the buyer's return (or a retry of it) must do next.
#[derive(Debug, PartialEq)]
pub enum ReturnStep {
    /// Nothing: the order is final or waits on PayPal; show it.
    Show,
    /// The title changed or is being paid by someone else: fail the order
    /// before any payment, so no money moves.
    FailUnavailable(Batch),
    /// Claim order and title in one guarded batch, then execute the payment.
    Claim(Batch),
    /// The order already holds its claim (a refresh, a second return, a lost
    /// answer): execute the payment again with the same MSGSUBID.
    Execute,
}

pub fn on_return(order: &OrderState, payer_id: &str, now: &str) -> ReturnStep {
    if order.code != OrderStatus::Pending {
        return ReturnStep::Show;
    }
    match order.substate {
        // A card authorization the bank first called pending (Sips `60`)
        // holds no claim and no payment yet: it is claimed as a new one.
        Substate::AwaitingBuyer | Substate::PspPending if order.unclaimed_card_pending_or_new() => {
            if !order.title_unchanged() || order.title_claim_order_id.is_some() {
                ReturnStep::FailUnavailable(fail_unavailable(order, now))
            } else {
                ReturnStep::Claim(claim(order, payer_id, now))
            }
        }
        Substate::Confirming if order.holds_claim() && order.psp_payer_id.is_some() => {
            ReturnStep::Execute
        }
        Substate::AwaitingBuyer
        | Substate::Confirming
        | Substate::PspPending
        | Substate::NeedsReview
        | Substate::Done => ReturnStep::Show,
    }
}

fn fail_unavailable(order: &OrderState, now: &str) -> Batch {
    vec![
        Stmt::new(
            "UPDATE orders SET code = -2, substate = 'done', failure_reason = 'title_unavailable', updated_at = ?2 \
             WHERE id = ?1 AND code = 0 AND substate IN ('awaiting_buyer', 'psp_pending') \
             AND psp_transaction_id IS NULL",
            vec![Param::from(order.id.as_str()), Param::from(now)],
        ),
        guard_one_row_changed(),
    ]
}

fn claim(order: &OrderState, payer_id: &str, now: &str) -> Batch {
    vec![
        Stmt::new(
            "UPDATE orders SET substate = 'confirming', psp_payer_id = ?2, updated_at = ?3, \
             payment_lease_until = ?4 WHERE id = ?1 AND code = 0 \
             AND substate IN ('awaiting_buyer', 'psp_pending') AND psp_transaction_id IS NULL",
            vec![
                Param::from(order.id.as_str()),
                Param::from(payer_id),
                Param::from(now),
                Param::from(lease_until(now)),
            ],
        ),
        guard_one_row_changed(),
        Stmt::new(
            "UPDATE titles SET claim_order_id = ?1 WHERE id = ?2 AND holder_id = ?3 AND version = ?4 \
             AND value_cents = ?5 AND status = 'active' AND claim_order_id IS NULL",
            vec![
                Param::from(order.id.as_str()),
                Param::Int(order.title_id),
                Param::Int(order.seller_id),
                Param::Int(order.title_version),
                Param::Int(order.title_value_cents),
            ],
        ),
        guard_one_row_changed(),
    ]
}

/// How long a return holds the right to send the payment: longer than the
/// call's 30 s timeout, so that two calls for one order never overlap.
pub const PAYMENT_LEASE_SECONDS: i64 = 60;

fn lease_until(now: &str) -> String {
    match UtcTime::parse(now) {
        Some(t) => t.plus_seconds(PAYMENT_LEASE_SECONDS).to_string(),
        // An unparsable `now` gives a lease that has already passed.
        None => now.to_string(),
    }
}

/// The order as it stands once this return holds the payment lease taken at
/// `now` (by the claim or by `take_payment_lease`): its refusal batches are
/// guarded on that very lease.
pub fn lease_held(order: &OrderState, now: &str) -> OrderState {
    OrderState {
        payment_lease_until: Some(lease_until(now)),
        ..order.clone()
    }
}

/// Before sending the payment again for an order already confirming (a
/// refresh, a second return), take the payment lease: the batch's guard
/// fails while another call for the order may still be in flight, and the
/// order is then only shown.
pub fn take_payment_lease(order: &OrderState, now: &str) -> Batch {
    vec![
        Stmt::new(
            "UPDATE orders SET payment_lease_until = ?3 WHERE id = ?1 AND code = 0 \
             AND substate = 'confirming' AND attempt = ?2 \
             AND (payment_lease_until IS NULL OR payment_lease_until <= ?4)",
            vec![
                Param::from(order.id.as_str()),
                Param::Int(order.attempt),
                Param::from(lease_until(now)),
                Param::from(now),
            ],
        ),
        guard_one_row_changed(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::purchase::fixture::order;

    #[test]
    fn the_return_claims_once_and_fails_a_changed_title_before_paying() {
        let mut waiting = order();
        waiting.substate = Substate::AwaitingBuyer;
        waiting.title_claim_order_id = None;
        assert!(matches!(
            on_return(&waiting, "P", "t"),
            ReturnStep::Claim(_)
        ));
        let mut changed = waiting.clone();
        changed.title_current_version = 4;
        assert!(matches!(
            on_return(&changed, "P", "t"),
            ReturnStep::FailUnavailable(_)
        ));
        let mut taken = waiting.clone();
        taken.title_claim_order_id = Some("other".into());
        assert!(matches!(
            on_return(&taken, "P", "t"),
            ReturnStep::FailUnavailable(_)
        ));
        assert_eq!(
            on_return(&order(), "P", "t"),
            ReturnStep::Execute,
            "a refresh retries the same payment"
        );
        let mut done = order();
        done.code = OrderStatus::Processed;
        assert_eq!(on_return(&done, "P", "t"), ReturnStep::Show);
    }
}
