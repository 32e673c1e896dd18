//! Later events on a payment (reversal, refund, canceled reversal, completion,
//! denial): their effect on the money and the status, and when they cannot
//! happen.

use crate::core::money::Amount;
use crate::core::psp::paypal::nvp::{PaymentOutcome, PaymentStatus};
use crate::core::sql::emulator::Transaction;

/// A later event on a payment, sent by `/transactions/{id}/reverse`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaterEvent {
    /// A chargeback: the money goes back to the payer.
    Reversed,
    /// The receiver refunded: the money goes back to the payer.
    Refunded,
    /// The chargeback was settled for the receiver: the money comes back.
    CanceledReversal,
}

/// Where a later event moves the payment's amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    ToPayer,
    ToReceiver,
}

impl LaterEvent {
    /// `Reversed`, `Refunded` or `Canceled_Reversal` (hyphen accepted).
    pub fn parse(text: &str) -> Option<LaterEvent> {
        match PaymentStatus::parse(text) {
            PaymentStatus::Reversed => Some(LaterEvent::Reversed),
            PaymentStatus::Refunded => Some(LaterEvent::Refunded),
            PaymentStatus::CanceledReversal => Some(LaterEvent::CanceledReversal),
            PaymentStatus::None
            | PaymentStatus::Completed
            | PaymentStatus::Denied
            | PaymentStatus::Expired
            | PaymentStatus::Failed
            | PaymentStatus::InProgress
            | PaymentStatus::PartiallyRefunded
            | PaymentStatus::Pending
            | PaymentStatus::Processed
            | PaymentStatus::Voided
            | PaymentStatus::CompletedFundsHeld
            | PaymentStatus::Unknown(_) => None,
        }
    }

    pub fn status(self) -> PaymentStatus {
        match self {
            LaterEvent::Reversed => PaymentStatus::Reversed,
            LaterEvent::Refunded => PaymentStatus::Refunded,
            LaterEvent::CanceledReversal => PaymentStatus::CanceledReversal,
        }
    }

    /// The IPN's `reason_code`.
    pub fn reason_code(self) -> &'static str {
        match self {
            LaterEvent::Reversed | LaterEvent::CanceledReversal => "chargeback",
            LaterEvent::Refunded => "refund",
        }
    }

    pub fn direction(self) -> Direction {
        match self {
            LaterEvent::Reversed | LaterEvent::Refunded => Direction::ToPayer,
            LaterEvent::CanceledReversal => Direction::ToReceiver,
        }
    }

    /// The status the payment must have for this event: a reversal or a
    /// refund takes back settled money (Completed, or Canceled-Reversal);
    /// only a reversal can be cancelled.
    pub fn applies_to(self, current: &PaymentStatus) -> bool {
        match self {
            LaterEvent::Reversed => matches!(
                current,
                PaymentStatus::Completed | PaymentStatus::CanceledReversal
            ),
            // A partly refunded payment can be refunded further.
            LaterEvent::Refunded => matches!(
                current,
                PaymentStatus::Completed
                    | PaymentStatus::CanceledReversal
                    | PaymentStatus::PartiallyRefunded
            ),
            LaterEvent::CanceledReversal => *current == PaymentStatus::Reversed,
        }
    }

    /// The event's `mc_gross`: negative when money goes back to the payer.
    pub fn gross_cents(self, amount_cents: i64) -> i64 {
        match self.direction() {
            Direction::ToPayer => -amount_cents,
            Direction::ToReceiver => amount_cents,
        }
    }
}

/// What a later event does to a payment: the amount that changes hands,
/// the status afterwards and the refunded total afterwards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventEffect {
    pub moved_cents: i64,
    pub status: PaymentStatus,
    pub refunded_cents: i64,
}

/// The effect of `event` with an optional `amount` (refunds only: what is
/// left to refund by default, less for a partial refund, after which
/// PayPal says `Partially-Refunded` until the whole payment is refunded).
/// A reversal or a canceled reversal moves the whole payment.
pub fn event_effect(t: &Transaction, event: LaterEvent, amount: Option<Amount>) -> EventEffect {
    match event {
        LaterEvent::Refunded => {
            let left = t.amount_cents - t.refunded_cents;
            let moved = amount.map_or(left, Amount::cents);
            let status = if moved >= left {
                PaymentStatus::Refunded
            } else {
                PaymentStatus::PartiallyRefunded
            };
            EventEffect {
                moved_cents: moved,
                status,
                refunded_cents: t.refunded_cents + moved,
            }
        }
        LaterEvent::Reversed | LaterEvent::CanceledReversal => EventEffect {
            moved_cents: t.amount_cents,
            status: event.status(),
            refunded_cents: t.refunded_cents,
        },
    }
}

/// Why a later event cannot happen now (the route answers 409): the payment
/// is not in a state the event applies to (`status`), a refund is for more
/// than is left to refund (`amount`), or the side that must give the money
/// lacks it (`insufficient_funds`: balances never go negative).
pub fn later_event_conflict(
    t: &Transaction,
    event: LaterEvent,
    effect: &EventEffect,
) -> Option<&'static str> {
    if !event.applies_to(&PaymentStatus::parse(&t.status)) {
        return Some("status");
    }
    if effect.moved_cents <= 0 || effect.refunded_cents > t.amount_cents {
        return Some("amount");
    }
    let giver_balance = match event.direction() {
        Direction::ToPayer => t.receiver_balance_cents,
        Direction::ToReceiver => t.payer_balance_cents,
    };
    (giver_balance < effect.moved_cents).then_some("insufficient_funds")
}

/// Why a payment cannot complete now: it is not pending (`not_pending`),
/// or the payer no longer has the amount (`insufficient_funds`).
pub fn completion_conflict(t: &Transaction) -> Option<&'static str> {
    if PaymentStatus::parse(&t.status).outcome() != PaymentOutcome::Pending {
        return Some("not_pending");
    }
    (t.payer_balance_cents < t.amount_cents).then_some("insufficient_funds")
}

/// Why a payment cannot be denied now: it is not pending (`not_pending`).
/// A denial moves no money: a Pending payment's has not moved yet.
pub fn denial_conflict(t: &Transaction) -> Option<&'static str> {
    (PaymentStatus::parse(&t.status).outcome() != PaymentOutcome::Pending).then_some("not_pending")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::psp::paypal::emulator::test_support::*;

    #[test]
    fn later_events_move_money_the_right_way_from_the_right_states() {
        assert_eq!(LaterEvent::parse("Reversed"), Some(LaterEvent::Reversed));
        assert_eq!(LaterEvent::parse("Refunded"), Some(LaterEvent::Refunded));
        assert_eq!(
            LaterEvent::parse("Canceled_Reversal"),
            Some(LaterEvent::CanceledReversal)
        );
        assert_eq!(
            LaterEvent::parse("Canceled-Reversal"),
            Some(LaterEvent::CanceledReversal)
        );
        assert_eq!(LaterEvent::parse("Completed"), None);
        assert_eq!(LaterEvent::parse(""), None);
        assert!(LaterEvent::Reversed.applies_to(&PaymentStatus::Completed));
        assert!(LaterEvent::Refunded.applies_to(&PaymentStatus::CanceledReversal));
        assert!(!LaterEvent::Refunded.applies_to(&PaymentStatus::Pending));
        assert!(!LaterEvent::Reversed.applies_to(&PaymentStatus::Reversed));
        assert!(LaterEvent::CanceledReversal.applies_to(&PaymentStatus::Reversed));
        assert!(!LaterEvent::CanceledReversal.applies_to(&PaymentStatus::Refunded));
        assert_eq!(LaterEvent::Reversed.gross_cents(500), -500);
        assert_eq!(LaterEvent::CanceledReversal.gross_cents(500), 500);
        assert_eq!(LaterEvent::Refunded.reason_code(), "refund");
        assert_eq!(LaterEvent::Reversed.reason_code(), "chargeback");
        assert_eq!(LaterEvent::Refunded.direction(), Direction::ToPayer);
        assert_eq!(
            LaterEvent::CanceledReversal.status().as_ipn_str(),
            "Canceled_Reversal"
        );
        let conflict =
            |t: &Transaction, e: LaterEvent| later_event_conflict(t, e, &event_effect(t, e, None));
        let paid = transaction("Completed");
        assert_eq!(conflict(&paid, LaterEvent::Refunded), None);
        assert_eq!(
            conflict(&paid, LaterEvent::CanceledReversal),
            Some("status")
        );
        let spent = Transaction {
            receiver_balance_cents: 1_999,
            ..paid.clone()
        };
        assert_eq!(
            conflict(&spent, LaterEvent::Reversed),
            Some("insufficient_funds")
        );
        let reversed = Transaction {
            status: "Reversed".to_owned(),
            payer_balance_cents: 2_000,
            ..paid.clone()
        };
        assert_eq!(conflict(&reversed, LaterEvent::CanceledReversal), None);
        assert_eq!(completion_conflict(&paid), Some("not_pending"));
        let pending = Transaction {
            status: "Pending".to_owned(),
            ..paid
        };
        assert_eq!(completion_conflict(&pending), Some("insufficient_funds"));
        let funded = Transaction {
            payer_balance_cents: 2_000,
            ..pending
        };
        assert_eq!(completion_conflict(&funded), None);
    }

    #[test]
    fn a_partial_refund_leaves_the_payment_partly_refunded_until_all_is_refunded() {
        let paid = transaction("Completed");
        let cent = Amount::from_cents(1);
        let first = event_effect(&paid, LaterEvent::Refunded, cent);
        assert_eq!(
            first,
            EventEffect {
                moved_cents: 1,
                status: PaymentStatus::PartiallyRefunded,
                refunded_cents: 1
            }
        );
        assert_eq!(
            later_event_conflict(&paid, LaterEvent::Refunded, &first),
            None
        );
        let partly = Transaction {
            status: "Partially-Refunded".to_owned(),
            refunded_cents: 1,
            ..paid.clone()
        };
        assert!(!LaterEvent::Reversed.applies_to(&PaymentStatus::PartiallyRefunded));
        let rest = event_effect(&partly, LaterEvent::Refunded, None);
        assert_eq!(
            rest,
            EventEffect {
                moved_cents: 1_999,
                status: PaymentStatus::Refunded,
                refunded_cents: 2_000
            }
        );
        let too_much = event_effect(&partly, LaterEvent::Refunded, Amount::from_cents(2_000));
        assert_eq!(
            later_event_conflict(&partly, LaterEvent::Refunded, &too_much),
            Some("amount")
        );
    }

    #[test]
    fn only_a_pending_payment_can_be_denied() {
        assert_eq!(denial_conflict(&transaction("Pending")), None);
        assert_eq!(
            denial_conflict(&transaction("Completed")),
            Some("not_pending")
        );
        assert_eq!(denial_conflict(&transaction("Denied")), Some("not_pending"));
    }
}
