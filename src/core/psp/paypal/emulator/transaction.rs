//! GetTransactionDetails: who may read a transaction, and the answer.

use super::answer::{pairs, plain, push, Envelope, Request};
use super::ipn::residence_country;
use super::refusal::Refusal;
use super::Fields;
use crate::core::sql::emulator::{Account, Transaction};

/// The transaction of TRANSACTIONID for its receiver or its payer; anyone
/// else, an unknown id or none gets 10004.
pub fn check_transaction<'t>(
    request: &Request,
    transaction: Option<&'t Transaction>,
    caller: &Account,
) -> Result<&'t Transaction, Refusal> {
    let id = request
        .value("TRANSACTIONID")
        .ok_or(Refusal::InvalidTransactionId)?;
    transaction
        .filter(|t| {
            t.id == id && (t.receiver_account_id == caller.id || t.payer_account_id == caller.id)
        })
        .ok_or(Refusal::InvalidTransactionId)
}

/// GetTransactionDetails' answer: receiver, payer, envelope, payment.
pub fn transaction_details_answer(envelope: &Envelope, t: &Transaction) -> Fields {
    let mut fields = pairs(&[
        ("RECEIVERBUSINESS", &t.receiver_email),
        ("RECEIVEREMAIL", &t.receiver_email),
        ("RECEIVERID", &t.receiver_payer_id),
        ("EMAIL", &t.payer_email),
        ("PAYERID", &t.payer_payer_id),
        ("PAYERSTATUS", "verified"),
        ("COUNTRYCODE", residence_country(t.locale_code.as_deref())),
    ]);
    fields.extend(envelope.fields("Success"));
    push(&mut fields, "TRANSACTIONID", &t.id);
    push(&mut fields, "TRANSACTIONTYPE", "expresscheckout");
    push(&mut fields, "PAYMENTTYPE", "instant");
    push(&mut fields, "ORDERTIME", &t.order_time);
    push(&mut fields, "AMT", &plain(t.amount_cents));
    push(&mut fields, "FEEAMT", "0.00");
    push(&mut fields, "TAXAMT", "0.00");
    push(&mut fields, "CURRENCYCODE", &t.currency);
    push(&mut fields, "PAYMENTSTATUS", &t.status);
    push(&mut fields, "PENDINGREASON", &t.pending_reason);
    push(&mut fields, "REASONCODE", &t.reason_code);
    push(&mut fields, "PROTECTIONELIGIBILITY", "Ineligible");
    if let Some(invnum) = &t.invnum {
        push(&mut fields, "INVNUM", invnum);
    }
    if let Some(custom) = &t.custom {
        push(&mut fields, "CUSTOM", custom);
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::money::Amount;
    use crate::core::psp::paypal::emulator::test_support::*;
    use crate::core::psp::paypal::nvp::{transaction_details, NvpResponse, PaymentStatus};

    #[test]
    fn transaction_details_are_for_the_receiver_and_the_payer_only() {
        let t = transaction("Completed");
        let list = fields(&[("TRANSACTIONID", "17G53960CL6245248")]);
        let request = Request::new(&list);
        assert!(check_transaction(&request, Some(&t), &receiver()).is_ok());
        let payer = Account { id: 2, ..other() };
        assert!(check_transaction(&request, Some(&t), &payer).is_ok());
        assert_eq!(
            check_transaction(&request, Some(&t), &other()).err(),
            Some(Refusal::InvalidTransactionId)
        );
        assert_eq!(
            check_transaction(&request, None, &receiver()).err(),
            Some(Refusal::InvalidTransactionId)
        );
        let answer = NvpResponse::from_fields(transaction_details_answer(&envelope(), &t));
        let details = transaction_details(&answer).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(details.payment_status, PaymentStatus::Completed);
        assert_eq!(details.amount.map(Amount::cents), Some(2_000));
        assert_eq!(details.receiver_id.as_deref(), Some("XBAQ9CSARUZ7J"));
        assert_eq!(details.invnum.as_deref(), Some("PB-abc-7"));
        for name in ["EMAIL", "PAYERID", "ORDERTIME", "FEEAMT", "PENDINGREASON"] {
            assert!(answer.get(name).is_some(), "{name}");
        }
        assert_eq!(answer.get("TRANSACTIONTYPE"), Some("expresscheckout"));
        assert_eq!(answer.get("PAYMENTTYPE"), Some("instant"));
    }
}
