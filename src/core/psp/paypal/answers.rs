//! PayPal's answers read as the seam's neutral outcomes: a
//! DoExpressCheckoutPayment answer as a [`PaymentAnswer`], a
//! GetExpressCheckoutDetails answer as a [`CheckoutFinding`], and a
//! GetTransactionDetails answer as an [`Inquiry`], believed only when it is
//! the order's own payment. The mapping of PayPal's payment statuses is
//! `nvp::status`'s (exhaustive); this module applies it.
//!
//! Whether a transaction is the order's payment: a notification, or a
//! checkout, only *names* a transaction; before its answer moves an order or
//! a trade, the answer itself must say it is this order's: the transaction
//! asked about, this deployment's invoice number for this order
//! (`PB-<deployment id>-<order id>`, sent with SetExpressCheckout), the
//! seller's account as receiver (once PayPal reported it at payment time),
//! and the order's amount and currency. Anything else is a [`Mismatch`]:
//! nothing changes, the caller logs it. A partly refunded payment keeps its
//! original amount (`AMT`) in PayPal's answer, so the amount check holds for
//! refunds and reversals too.

use super::nvp::{self, CheckoutStatus, NvpResponse, PaymentOutcome, PaymentStatus};
use crate::core::money::Amount;
use crate::core::purchase::{self, OrderState, PaymentAnswer};
use crate::core::reconcile::{Inquiry, Mismatch};

/// Reads a DoExpressCheckoutPayment answer.
pub fn classify(answer: &NvpResponse) -> PaymentAnswer {
    if !answer.is_success() {
        let error = answer.first_error();
        let code = error.as_ref().map(|e| e.code.clone()).unwrap_or_default();
        let message = error.map(|e| e.long_message).unwrap_or_default();
        return PaymentAnswer::Refused {
            retry_funding: code == "10486" || code == "10422",
            already_paid: code == "10415" || code == "11607",
            code,
            message,
        };
    }
    match nvp::payment_info(answer) {
        Err(e) => PaymentAnswer::Refused {
            code: "answer".into(),
            message: e.to_string(),
            retry_funding: false,
            already_paid: false,
        },
        Ok(info) => payment_answer(
            &info.payment_status,
            info.transaction_id,
            info.amount,
            info.currency,
            info.secure_merchant_account_id,
        ),
    }
}

/// What a payment PayPal reports (in a DoExpressCheckoutPayment or a
/// GetTransactionDetails answer) means for the order: one mapping for both.
pub fn payment_answer(
    status: &PaymentStatus,
    transaction_id: String,
    amount: Option<Amount>,
    currency: Option<String>,
    receiver_id: Option<String>,
) -> PaymentAnswer {
    match status.outcome() {
        PaymentOutcome::Completed => PaymentAnswer::Completed {
            transaction_id,
            amount,
            currency,
            receiver_id,
        },
        PaymentOutcome::Pending | PaymentOutcome::Unknown => {
            PaymentAnswer::Pending { transaction_id }
        }
        PaymentOutcome::Failed | PaymentOutcome::Reversed => PaymentAnswer::Failed {
            transaction_id,
            status: status.as_str().to_string(),
            state: status.state(),
        },
        PaymentOutcome::PartlyRefunded => PaymentAnswer::PartlyRefunded {
            transaction_id,
            receiver_id,
        },
    }
}

/// What GetExpressCheckoutDetails says about a checkout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckoutFinding {
    /// A payment exists: ask GetTransactionDetails about it.
    Transaction(String),
    /// No payment yet; the token is still valid (the buyer may come back).
    NotPaidYet,
    /// The token expired (10411) and no payment was made with it.
    Expired,
    /// No usable answer: ask again later.
    Unknown,
}

/// Reads a GetExpressCheckoutDetails answer (`None`: no answer).
pub fn read_checkout(answer: Option<&NvpResponse>) -> CheckoutFinding {
    let Some(answer) = answer else {
        return CheckoutFinding::Unknown;
    };
    if !answer.is_success() {
        if !answer.has_error_code("10411") {
            return CheckoutFinding::Unknown;
        }
        // PayPal's answer on an expired token still echoes the cart: a
        // transaction there means it was paid after all.
        let paid = answer
            .get("PAYMENTREQUEST_0_TRANSACTIONID")
            .or_else(|| answer.get("PAYMENTREQUESTINFO_0_TRANSACTIONID"))
            .filter(|t| !t.is_empty());
        return match paid {
            Some(txn) => CheckoutFinding::Transaction(txn.to_string()),
            None => CheckoutFinding::Expired,
        };
    }
    match nvp::checkout_details(answer) {
        Err(_) => CheckoutFinding::Unknown,
        Ok(details) => match (details.transaction_id, details.checkout_status) {
            (Some(txn), _) => CheckoutFinding::Transaction(txn),
            (None, CheckoutStatus::PaymentActionNotInitiated)
            | (None, CheckoutStatus::PaymentActionFailed) => CheckoutFinding::NotPaidYet,
            // Completed or in progress without a transaction id: ask again.
            (None, CheckoutStatus::PaymentActionCompleted)
            | (None, CheckoutStatus::PaymentActionInProgress)
            | (None, CheckoutStatus::Unknown(_)) => CheckoutFinding::Unknown,
        },
    }
}

/// Reads a GetTransactionDetails answer into the payment it describes.
pub fn read_transaction(answer: Option<&NvpResponse>) -> Option<PaymentAnswer> {
    let answer = answer?;
    if !answer.is_success() {
        return None;
    }
    let details = nvp::transaction_details(answer).ok()?;
    Some(payment_answer(
        &details.payment_status,
        details.transaction_id,
        details.amount,
        details.currency,
        details.receiver_id,
    ))
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
    Inquiry::Payment(payment_answer(
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

    fn nvp(body: &str) -> NvpResponse {
        NvpResponse::parse(body).unwrap_or_else(|_| NvpResponse::from_fields(vec![]))
    }

    #[test]
    fn an_expired_token_is_the_only_unpaid_certainty() {
        let expired = nvp("ACK=Failure&L_ERRORCODE0=10411&L_SHORTMESSAGE0=x&L_LONGMESSAGE0=y&L_SEVERITYCODE0=Error");
        assert_eq!(read_checkout(Some(&expired)), CheckoutFinding::Expired);
        let paid = nvp(
            "TOKEN=EC-1&CHECKOUTSTATUS=PaymentActionCompleted&ACK=Failure&L_ERRORCODE0=10411&L_SHORTMESSAGE0=x&L_LONGMESSAGE0=y&L_SEVERITYCODE0=Error&PAYMENTREQUEST_0_TRANSACTIONID=8RM57414KW761861W",
        );
        assert_eq!(
            read_checkout(Some(&paid)),
            CheckoutFinding::Transaction("8RM57414KW761861W".into()),
            "expired after a payment"
        );
        let other = nvp("ACK=Failure&L_ERRORCODE0=10001&L_SHORTMESSAGE0=x&L_LONGMESSAGE0=y&L_SEVERITYCODE0=Error");
        assert_eq!(read_checkout(Some(&other)), CheckoutFinding::Unknown);
        assert_eq!(read_checkout(None), CheckoutFinding::Unknown);
    }

    #[test]
    fn a_checkout_names_its_transaction_once_paid() {
        let paid = nvp("TOKEN=EC-1&CHECKOUTSTATUS=PaymentActionCompleted&ACK=Success&PAYMENTREQUEST_0_TRANSACTIONID=8RM57414KW761861W");
        assert_eq!(
            read_checkout(Some(&paid)),
            CheckoutFinding::Transaction("8RM57414KW761861W".into())
        );
        let approved = nvp(
            "TOKEN=EC-1&CHECKOUTSTATUS=PaymentActionNotInitiated&ACK=Success&PAYERID=Y8K3PSJYN24D4",
        );
        assert_eq!(read_checkout(Some(&approved)), CheckoutFinding::NotPaidYet);
        let odd = nvp("TOKEN=EC-1&CHECKOUTSTATUS=PaymentActionCompleted&ACK=Success");
        assert_eq!(read_checkout(Some(&odd)), CheckoutFinding::Unknown);
    }

    #[test]
    fn transaction_details_map_to_payment_answers() {
        let done = nvp("ACK=Success&TRANSACTIONID=T1&PAYMENTSTATUS=Completed&AMT=1.00&CURRENCYCODE=EUR&RECEIVERID=R");
        assert!(matches!(
            read_transaction(Some(&done)),
            Some(PaymentAnswer::Completed { .. })
        ));
        let pending =
            nvp("ACK=Success&TRANSACTIONID=T1&PAYMENTSTATUS=Pending&PENDINGREASON=paymentreview");
        assert!(matches!(
            read_transaction(Some(&pending)),
            Some(PaymentAnswer::Pending { .. })
        ));
        let denied = nvp("ACK=Success&TRANSACTIONID=T1&PAYMENTSTATUS=Denied");
        assert!(matches!(
            read_transaction(Some(&denied)),
            Some(PaymentAnswer::Failed { .. })
        ));
        assert_eq!(read_transaction(None), None);
    }
}
