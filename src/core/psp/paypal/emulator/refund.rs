//! RefundTransaction: who may refund which payment (its receiver, a full
//! refund of a payment whose money it holds), PayPal's refusals with their
//! real texts, and the answer, first or replayed for a repeated MSGSUBID
//! (11607 with the first answer's fields, as DoExpressCheckoutPayment).

use super::answer::{pairs, plain, push, push_error, Envelope, Request};
use super::later_event::{event_effect, LaterEvent};
use super::refusal::{ErrorText, Refusal};
use super::Fields;
use crate::core::psp::paypal::nvp::PaymentStatus;
use crate::core::sql::emulator::{Account, Transaction};

/// PayPal's short message of most refund refusals.
const REFUSED: &str = "Transaction refused";

/// Why a refund is refused, each with PayPal's code and texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundRefusal {
    /// Unknown TRANSACTIONID, or not the caller's payment to refund.
    InvalidTransactionId,
    /// REFUNDTYPE other than `Full` (the emulator refunds in full only).
    InvalidRefundType,
    AlreadyRefunded,
    /// A full refund after a partial one.
    AfterPartial,
    /// Pending, reversed, denied...: nothing settled to give back.
    NotRefundable,
    /// The receiver's balance does not hold the amount (balances never go
    /// negative in the emulator).
    InsufficientFunds,
}

impl RefundRefusal {
    pub fn error(self) -> ErrorText {
        let (code, short, long) = match self {
            RefundRefusal::InvalidTransactionId => return Refusal::InvalidTransactionId.error(),
            RefundRefusal::InvalidRefundType => ("10009", REFUSED, "Invalid Refund Type"),
            RefundRefusal::AlreadyRefunded => (
                "10009",
                REFUSED,
                "This transaction has already been fully refunded",
            ),
            RefundRefusal::AfterPartial => (
                "10009",
                REFUSED,
                "Can not do a full refund after a partial refund",
            ),
            RefundRefusal::NotRefundable => (
                "10009",
                REFUSED,
                "You can not refund this type of transaction",
            ),
            RefundRefusal::InsufficientFunds => (
                "10009",
                REFUSED,
                "You do not have sufficient funds to refund this transaction",
            ),
        };
        ErrorText {
            code: code.to_owned(),
            short: short.to_owned(),
            long: long.to_owned(),
        }
    }
}

/// The payment of TRANSACTIONID if its receiver (the caller) may refund
/// it in full now, and how much goes back.
pub fn check_refund<'t>(
    request: &Request,
    transaction: Option<&'t Transaction>,
    caller: &Account,
) -> Result<(&'t Transaction, i64), RefundRefusal> {
    let id = request
        .value("TRANSACTIONID")
        .ok_or(RefundRefusal::InvalidTransactionId)?;
    let t = transaction
        .filter(|t| t.id == id && t.receiver_account_id == caller.id)
        .ok_or(RefundRefusal::InvalidTransactionId)?;
    match request.value("REFUNDTYPE") {
        None | Some("Full") => {}
        Some(_) => return Err(RefundRefusal::InvalidRefundType),
    }
    match PaymentStatus::parse(&t.status) {
        PaymentStatus::Completed | PaymentStatus::CanceledReversal => {}
        PaymentStatus::Refunded => return Err(RefundRefusal::AlreadyRefunded),
        PaymentStatus::PartiallyRefunded => return Err(RefundRefusal::AfterPartial),
        PaymentStatus::None
        | PaymentStatus::Denied
        | PaymentStatus::Expired
        | PaymentStatus::Failed
        | PaymentStatus::InProgress
        | PaymentStatus::Pending
        | PaymentStatus::Processed
        | PaymentStatus::Reversed
        | PaymentStatus::Voided
        | PaymentStatus::CompletedFundsHeld
        | PaymentStatus::Unknown(_) => return Err(RefundRefusal::NotRefundable),
    }
    let moved = event_effect(t, LaterEvent::Refunded, None).moved_cents;
    if t.receiver_balance_cents < moved {
        return Err(RefundRefusal::InsufficientFunds);
    }
    Ok((t, moved))
}

/// The fields before the envelope in a refund's answer.
const BEFORE_ENVELOPE: usize = 6;

/// The answer without envelope (what a replay repeats).
pub fn refund_answer_body(refund_id: &str, t: &Transaction, moved_cents: i64) -> Fields {
    let gross = plain(moved_cents);
    let mut fields = pairs(&[
        ("REFUNDTRANSACTIONID", refund_id),
        ("FEEREFUNDAMT", "0.00"),
        ("GROSSREFUNDAMT", &gross),
        ("NETREFUNDAMT", &gross),
        ("CURRENCYCODE", &t.currency),
        ("TOTALREFUNDEDAMT", &plain(t.refunded_cents + moved_cents)),
    ]);
    push(&mut fields, "REFUNDSTATUS", "Instant");
    push(&mut fields, "PENDINGREASON", "None");
    fields
}

/// The answer: the body with the envelope after its amounts, and for a
/// replay of MSGSUBID `SuccessWithWarning` with 11607.
pub fn refund_answer(envelope: &Envelope, body: &[(String, String)], msgsubid: Option<&str>, replay: bool) -> Fields {
    let split = body.len().min(BEFORE_ENVELOPE);
    let mut fields: Fields = body[..split].to_vec();
    if replay {
        fields.extend(envelope.fields("SuccessWithWarning"));
        let warning = ErrorText {
            code: "11607".to_owned(),
            short: "Duplicate request for specified Message Submission ID.".to_owned(),
            long: "The specified Message Submission ID (specified in MSGSUBID parameter) is a duplicate; result parameters of the original request are attached.".to_owned(),
        };
        push_error(&mut fields, &warning, "Warning");
    } else {
        fields.extend(envelope.fields("Success"));
    }
    fields.extend(body[split..].iter().cloned());
    if let Some(id) = msgsubid {
        push(&mut fields, "MSGSUBID", id);
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::psp::paypal::emulator::test_support::*;

    #[test]
    fn only_the_receiver_refunds_a_settled_payment_in_full_once() {
        let t = transaction("Completed");
        let ask = |extra: &[(&str, &str)]| {
            let mut list = vec![
                ("METHOD".to_string(), "RefundTransaction".to_string()),
                ("TRANSACTIONID".to_string(), t.id.clone()),
            ];
            list.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
            list
        };
        let full = ask(&[("REFUNDTYPE", "Full")]);
        let ok = check_refund(&Request::new(&full), Some(&t), &receiver());
        assert_eq!(ok.map(|(_, moved)| moved), Ok(t.amount_cents));
        assert_eq!(
            check_refund(&Request::new(&full), Some(&t), &Account { id: 2, ..other() }).map(|_| ()),
            Err(RefundRefusal::InvalidTransactionId),
            "the payer cannot refund himself"
        );
        let partial = ask(&[("REFUNDTYPE", "Partial")]);
        assert_eq!(
            check_refund(&Request::new(&partial), Some(&t), &receiver()).map(|_| ()),
            Err(RefundRefusal::InvalidRefundType)
        );
        let refunded = transaction("Refunded");
        assert_eq!(
            check_refund(&Request::new(&full), Some(&refunded), &receiver()).map(|_| ()),
            Err(RefundRefusal::AlreadyRefunded)
        );
        assert_eq!(RefundRefusal::AlreadyRefunded.error().code, "10009");
        let pending = transaction("Pending");
        assert_eq!(
            check_refund(&Request::new(&full), Some(&pending), &receiver()).map(|_| ()),
            Err(RefundRefusal::NotRefundable)
        );
    }

    #[test]
    fn a_replay_repeats_the_first_answer_with_11607() {
        let t = transaction("Completed");
        let body = refund_answer_body("R1", &t, t.amount_cents);
        let env = envelope();
        let first = refund_answer(&env, &body, Some("o1"), false);
        let again = refund_answer(&env, &body, Some("o1"), true);
        let get = |f: &Fields, n: &str| f.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        assert_eq!(get(&first, "ACK").as_deref(), Some("Success"));
        assert_eq!(get(&again, "ACK").as_deref(), Some("SuccessWithWarning"));
        assert_eq!(get(&again, "L_ERRORCODE0").as_deref(), Some("11607"));
        assert_eq!(get(&again, "REFUNDTRANSACTIONID").as_deref(), Some("R1"));
        assert_eq!(get(&first, "MSGSUBID").as_deref(), Some("o1"));
    }
}
