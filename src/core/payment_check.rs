//! Whether PayPal's record of a transaction (a GetTransactionDetails
//! answer) is the payment of the order it is checked for. A notification,
//! or a checkout, only *names* a transaction; before its answer moves an
//! order or a trade, the answer itself must say it is this order's: the
//! transaction asked about, this deployment's invoice number for this order
//! (`PB-<deployment id>-<order id>`, sent with SetExpressCheckout), the
//! seller's account as receiver (once PayPal reported it at payment time),
//! and the order's amount and currency. Anything else is a
//! [`Mismatch`]: nothing changes, the caller logs it (a notification's
//! outcome is then `mismatch`).
//!
//! A partly refunded payment keeps its original amount (`AMT`) in PayPal's
//! answer, so the amount check holds for refunds and reversals too.

use super::psp::paypal::nvp::{self, NvpResponse};
use super::purchase::{self, OrderState};
use super::reconcile::Inquiry;

/// Why a transaction is not the order's payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// PayPal described another transaction than the one asked about.
    Transaction,
    /// Its invoice number is not this deployment's for this order.
    Invoice,
    /// Its receiver is not the account that received the order's payment.
    Receiver,
    Amount,
    Currency,
}

impl Mismatch {
    pub fn as_str(self) -> &'static str {
        match self {
            Mismatch::Transaction => "transaction",
            Mismatch::Invoice => "invoice",
            Mismatch::Receiver => "receiver",
            Mismatch::Amount => "amount",
            Mismatch::Currency => "currency",
        }
    }
}

/// Checks a parsed GetTransactionDetails answer about `asked` against the
/// order, in this order: transaction, invoice, receiver, amount, currency.
pub fn check(
    order: &OrderState,
    deployment_id: &str,
    asked: &str,
    details: &nvp::TransactionDetails,
) -> Result<(), Mismatch> {
    if details.transaction_id != asked {
        return Err(Mismatch::Transaction);
    }
    if details.invnum.as_deref() != Some(purchase::invnum(deployment_id, &order.id).as_str()) {
        return Err(Mismatch::Invoice);
    }
    // Before the payment is recorded, the receiver is known only as the
    // account whose credentials asked (PayPal answers only its receiver
    // or payer); the invoice number then ties it to the order.
    let receiver_ok = match order.psp_receiver_id.as_deref() {
        Some(recorded) => details.receiver_id.as_deref() == Some(recorded),
        None => true,
    };
    if !receiver_ok {
        return Err(Mismatch::Receiver);
    }
    if details.amount != Some(order.amount()) {
        return Err(Mismatch::Amount);
    }
    if details.currency.as_deref() != Some(order.currency.as_str()) {
        return Err(Mismatch::Currency);
    }
    Ok(())
}

/// Reads a GetTransactionDetails answer about `asked` for the order: the
/// payment it describes when it is the order's, [`Inquiry::Mismatch`] when
/// it is another's, [`Inquiry::Unknown`] without a usable answer.
pub fn read_transaction_for(
    order: &OrderState,
    deployment_id: &str,
    asked: &str,
    answer: Option<&NvpResponse>,
) -> Inquiry {
    let Some(answer) = answer.filter(|a| a.is_success()) else {
        return Inquiry::Unknown;
    };
    let Ok(details) = nvp::transaction_details(answer) else {
        return Inquiry::Unknown;
    };
    if let Err(mismatch) = check(order, deployment_id, asked, &details) {
        return Inquiry::Mismatch(mismatch);
    }
    Inquiry::Payment(purchase::payment_answer(
        &details.payment_status,
        details.transaction_id,
        details.amount,
        details.currency,
        details.receiver_id,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::order_state;
    use crate::core::purchase::PaymentAnswer;

    pub(crate) fn order(receiver: Option<&str>) -> OrderState {
        order_state(serde_json::json!({
            "code": 2, "substate": "done", "psp_transaction_id": "T1",
            "title_holder_id": 2, "title_current_version": 2, "title_current_value_cents": 225,
            "psp_receiver_id": receiver,
        }))
    }

    fn answer(fields: &[(&str, &str)]) -> NvpResponse {
        let mut all: Vec<(String, String)> = [
            ("ACK", "Success"),
            ("TRANSACTIONID", "T1"),
            ("PAYMENTSTATUS", "Completed"),
            ("AMT", "1.50"),
            ("CURRENCYCODE", "EUR"),
            ("INVNUM", "PB-dep1-o1"),
            ("RECEIVERID", "RCV"),
        ]
        .iter()
        .filter(|(k, _)| !fields.iter().any(|(f, _)| f == k))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        all.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        NvpResponse::from_fields(all)
    }

    fn read(order: &OrderState, fields: &[(&str, &str)]) -> Inquiry {
        read_transaction_for(order, "dep1", "T1", Some(&answer(fields)))
    }

    #[test]
    fn the_orders_own_payment_is_believed() {
        assert!(matches!(
            read(&order(Some("RCV")), &[]),
            Inquiry::Payment(PaymentAnswer::Completed { .. })
        ));
        assert!(matches!(
            read(&order(None), &[]),
            Inquiry::Payment(PaymentAnswer::Completed { .. })
        ));
    }

    #[test]
    fn another_orders_or_sellers_transaction_is_a_mismatch() {
        let o = order(Some("RCV"));
        let cases: [(&[(&str, &str)], Mismatch); 8] = [
            (&[("TRANSACTIONID", "T2")], Mismatch::Transaction),
            (&[("INVNUM", "PB-dep1-o2")], Mismatch::Invoice),
            (&[("INVNUM", "PB-other-o1")], Mismatch::Invoice),
            (&[("INVNUM", "")], Mismatch::Invoice),
            (&[("RECEIVERID", "ATTACKER")], Mismatch::Receiver),
            (&[("AMT", "0.01")], Mismatch::Amount),
            (&[("CURRENCYCODE", "USD")], Mismatch::Currency),
            (
                &[("PAYMENTSTATUS", "Refunded"), ("INVNUM", "PB-dep1-cheap")],
                Mismatch::Invoice,
            ),
        ];
        for (fields, expected) in cases {
            assert_eq!(read(&o, fields), Inquiry::Mismatch(expected), "{fields:?}");
        }
        let no_invoice = NvpResponse::from_fields(
            [
                ("ACK", "Success"),
                ("TRANSACTIONID", "T1"),
                ("PAYMENTSTATUS", "Completed"),
                ("AMT", "1.50"),
                ("CURRENCYCODE", "EUR"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        );
        assert_eq!(
            read_transaction_for(&o, "dep1", "T1", Some(&no_invoice)),
            Inquiry::Mismatch(Mismatch::Invoice)
        );
    }

    #[test]
    fn no_answer_or_a_refusal_is_unknown() {
        let o = order(None);
        assert_eq!(
            read_transaction_for(&o, "dep1", "T1", None),
            Inquiry::Unknown
        );
        let refused = answer(&[("ACK", "Failure"), ("L_ERRORCODE0", "10004")]);
        assert_eq!(
            read_transaction_for(&o, "dep1", "T1", Some(&refused)),
            Inquiry::Unknown
        );
    }
}
