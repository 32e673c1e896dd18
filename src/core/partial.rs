//! Partial refunds and reversals (backoffice spec §3): a refund or reversal
//! PayBook did not start, for less than the whole payment, never undoes a
//! trade; only one of the whole payment does. An operator decides the rest.
//!
//! How much went back is read from PayPal, never guessed:
//! - GetTransactionDetails says `Refunded` only once the whole payment was
//!   refunded (after one refund or several), `Partially-Refunded` before:
//!   the first is [`Share::Whole`], the second [`Standing::PartlyRefunded`];
//! - for `Reversed` (a chargeback) PayPal's answer carries no amount: the
//!   reversal's own notification does (`mc_gross`). A reversal is whole
//!   only when that message's amount is the payment's; a smaller one is
//!   [`Share::Part`]; without such a message (another message about the
//!   payment, or no message at all) it is [`Share::Unproven`], and an
//!   unproven reversal is treated as a partial one until its own message
//!   proves it whole.
//!
//! How a trade partly refunded or reversed is represented: the trade stands
//! (order code 2, the titles untouched, the public history unchanged) and
//! the order is marked for review: sub-state `needs_review` with
//! `failure_reason = 'partly_returned'` ([`REVIEW_PARTLY_RETURNED`]).
//! `/orders/{id}` says so to both parties; `/healthz` counts it among the
//! unresolved orders. The back office decides: `keep_trade` sets
//! the sub-state back to `done` with `failure_reason = 'partly_returned_kept'`
//! ([`REVIEW_KEPT`]), so that later messages about the same refund do not
//! mark it again; `undo_trade` runs [`super::chargeback::undo`] (which takes
//! any code-2 order, in review or not, to code -3). A whole refund or
//! reversal that comes later undoes the trade as any chargeback does; a
//! reversal canceled meanwhile (PayPal says the payment stands again)
//! clears the mark ([`clear_review`]).
//!
//! An order not recorded yet (code 0) whose payment was partly refunded
//! goes to `needs_review` (code 0) with the same `failure_reason`, its
//! title still claimed (`purchase::after_payment`).

use super::chargeback::TradeState;
use super::order::Substate;
use super::psp::notice::{Notice, PaymentState};
use super::purchase::PaymentAnswer;
use super::reconcile::Inquiry;
use super::sql::{guard_one_row_changed, outbox, Batch, Param, Stmt};

pub use super::purchase::REVIEW_PARTLY_RETURNED;

/// `failure_reason` of a processed order whose partial refund an operator
/// looked at and kept (the trade stands).
pub const REVIEW_KEPT: &str = "partly_returned_kept";

/// How much of a payment PayPal took back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Share {
    /// The whole payment: the trade is undone.
    Whole,
    /// Less than the payment: the trade stands, an operator looks.
    Part,
    /// A reversal whose amount no message has told yet: as `Part` until
    /// its own message says.
    Unproven,
}

/// Where PayPal says a payment stands, for a trade.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Completed, or its reversal canceled: the money is the seller's.
    Paid,
    /// `Partially-Refunded`: the payment stands, part of it went back.
    PartlyRefunded,
    /// `Refunded` or `Reversed`, and how much of it is known to be back.
    Returned(Share),
    /// Anything else (pending, failed, no usable answer, not this order's).
    Other,
}

/// Reads PayPal's answer about the payment; `n` is the message that made
/// PayBook ask (none for a look the platform started itself), and
/// `amount_cents` the order's amount.
pub fn standing(inquiry: &Inquiry, n: Option<&Notice>, amount_cents: i64) -> Standing {
    let state = match inquiry {
        Inquiry::Payment(PaymentAnswer::Completed { .. }) => return Standing::Paid,
        Inquiry::Payment(PaymentAnswer::PartlyRefunded { .. }) => return Standing::PartlyRefunded,
        Inquiry::Payment(PaymentAnswer::Failed { state, .. }) => *state,
        Inquiry::Payment(
            PaymentAnswer::Pending { .. }
            | PaymentAnswer::Refused { .. }
            | PaymentAnswer::Unrecognised { .. },
        )
        | Inquiry::NotPaidYet
        | Inquiry::Expired
        | Inquiry::Unknown
        | Inquiry::Mismatch(_) => return Standing::Other,
    };
    match state {
        PaymentState::Reversed => {}
        // PayPal says Refunded only once the whole payment went back.
        PaymentState::Refunded => return Standing::Returned(Share::Whole),
        PaymentState::Completed
        | PaymentState::Pending
        | PaymentState::Failed
        | PaymentState::PartlyRefunded
        | PaymentState::Unknown => return Standing::Other,
    }
    Standing::Returned(match n.and_then(returned_cents) {
        Some(cents) if cents >= amount_cents => Share::Whole,
        Some(_) => Share::Part,
        None => Share::Unproven,
    })
}

/// What a refund or reversal message says went back (`mc_gross`, whose
/// sign the parser drops); none for any other message.
fn returned_cents(n: &Notice) -> Option<i64> {
    n.parent_reference.as_ref()?;
    match n.state {
        PaymentState::Reversed | PaymentState::Refunded => n.gross.map(|g| g.cents()),
        PaymentState::Completed
        | PaymentState::Pending
        | PaymentState::Failed
        | PaymentState::PartlyRefunded
        | PaymentState::Unknown => None,
    }
}

/// Whether a processed trade's order may be marked for review now: not in
/// review already, and not kept by an operator.
pub fn may_mark(t: &TradeState) -> bool {
    t.order_substate == Substate::Done && t.order_review.as_deref() != Some(REVIEW_KEPT)
}

/// Whether a processed trade's order is marked for review.
pub fn is_marked(t: &TradeState) -> bool {
    t.order_substate == Substate::NeedsReview
}

/// Marks a processed trade's order for review; the trade stands. The
/// operator is told (`event` keys the e-mail: once per message).
pub fn mark_for_review(
    t: &TradeState,
    event: &str,
    operator_email: Option<&str>,
    now: &str,
    delivered_on_write: bool,
) -> Batch {
    let mut b = vec![
        Stmt::new(
            "UPDATE orders SET substate = 'needs_review', failure_reason = ?2, updated_at = ?3 \
             WHERE id = ?1 AND code = 2 AND substate = 'done' AND COALESCE(failure_reason, '') <> ?4",
            vec![
                Param::from(t.order_id.as_str()),
                Param::from(REVIEW_PARTLY_RETURNED),
                Param::from(now),
                Param::from(REVIEW_KEPT),
            ],
        ),
        guard_one_row_changed(),
    ];
    if let Some(to) = operator_email {
        let key = format!("order:{}:partly_returned:{event}", t.order_id);
        let subject = format!(
            "PayBook: order {} was partly refunded at PayPal",
            t.order_id
        );
        let body = format!(
            "PayPal reports that part of the payment of order {} ({} cents {}, title {}) went back to the buyer. \
             The trade stands and the order waits for your review: keep the trade, or undo it.\n",
            t.order_id, t.amount_cents, t.currency, t.isin
        );
        b.push(outbox::insert(&outbox::Mail {
            event_key: &key,
            to,
            subject: &subject,
            body: &body,
            now,
            delivered_on_write,
        }));
    }
    b
}

/// PayPal says the payment stands again (a partial reversal canceled): the
/// mark goes.
pub fn clear_review(t: &TradeState, now: &str) -> Batch {
    vec![
        Stmt::new(
            "UPDATE orders SET substate = 'done', failure_reason = NULL, updated_at = ?2 \
             WHERE id = ?1 AND code = 2 AND substate = 'needs_review'",
            vec![Param::from(t.order_id.as_str()), Param::from(now)],
        ),
        guard_one_row_changed(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::psp::paypal::ipn;

    fn failed(status: &str) -> Inquiry {
        Inquiry::Payment(PaymentAnswer::Failed {
            transaction_id: "T1".into(),
            status: status.into(),
            state: crate::core::psp::paypal::nvp::PaymentStatus::parse(status).state(),
        })
    }

    fn message(body: &str) -> Notice {
        ipn::parse(body).expect("parses")
    }

    #[test]
    fn paypals_refunded_is_whole_and_partially_refunded_is_not() {
        let cent = message(
            "txn_id=R1&parent_txn_id=T1&payment_status=Refunded&mc_gross=-0.01&mc_currency=EUR",
        );
        assert_eq!(
            standing(&failed("Refunded"), Some(&cent), 150),
            Standing::Returned(Share::Whole),
            "the last of several refunds"
        );
        let partly = Inquiry::Payment(PaymentAnswer::PartlyRefunded {
            transaction_id: "T1".into(),
            receiver_id: None,
        });
        assert_eq!(
            standing(&partly, Some(&cent), 150),
            Standing::PartlyRefunded
        );
        assert_eq!(standing(&partly, None, 150), Standing::PartlyRefunded);
    }

    #[test]
    fn a_reversal_is_whole_only_when_its_message_says_the_whole_amount() {
        let whole = message(
            "txn_id=R1&parent_txn_id=T1&payment_status=Reversed&mc_gross=-1.50&mc_currency=EUR",
        );
        let part = message(
            "txn_id=R1&parent_txn_id=T1&payment_status=Reversed&mc_gross=-0.01&mc_currency=EUR",
        );
        let payment = message("txn_id=T1&payment_status=Completed&mc_gross=1.50&mc_currency=EUR");
        let reversed = failed("Reversed");
        assert_eq!(
            standing(&reversed, Some(&whole), 150),
            Standing::Returned(Share::Whole)
        );
        assert_eq!(
            standing(&reversed, Some(&part), 150),
            Standing::Returned(Share::Part)
        );
        assert_eq!(
            standing(&reversed, Some(&payment), 150),
            Standing::Returned(Share::Unproven)
        );
        assert_eq!(
            standing(&reversed, None, 150),
            Standing::Returned(Share::Unproven)
        );
        assert_eq!(
            standing(&failed("Denied"), Some(&whole), 150),
            Standing::Other
        );
    }
}
