//! Tokens (owner and 3-hour age) and GetExpressCheckoutDetails' answers,
//! expired or not.

use super::answer::{failure, pairs, plain, push, Envelope, Request};
use super::ipn::residence_country;
use super::refusal::Refusal;
use super::{Fields, TOKEN_VALID_SECONDS};
use crate::core::psp::paypal::nvp::CheckoutStatus;
use crate::core::sql::emulator::{Account, Checkout};
use crate::core::time::UtcTime;

/// Whether a checkout made at `created_at` is past its 3 hours at `now`.
pub fn is_expired(created_at: &str, now: UtcTime) -> bool {
    UtcTime::parse(created_at)
        .is_none_or(|created| now.unix_seconds() - created.unix_seconds() > TOKEN_VALID_SECONDS)
}

/// The checkout of a TOKEN for its caller: 10408 without a token, 10410
/// when unknown or another account's, 10411 when older than 3 hours.
pub fn check_token<'c>(
    request: &Request,
    checkout: Option<&'c Checkout>,
    caller: &Account,
    now: UtcTime,
) -> Result<&'c Checkout, Refusal> {
    let token = request.value("TOKEN").ok_or(Refusal::TokenMissing)?;
    let checkout = checkout
        .filter(|c| c.token == token && c.receiver_account_id == caller.id)
        .ok_or(Refusal::InvalidToken)?;
    if is_expired(&checkout.created_at, now) {
        return Err(Refusal::TokenExpired);
    }
    Ok(checkout)
}

/// `CHECKOUTSTATUS`: not initiated until paid (with PAYERID once approved),
/// then completed.
pub fn checkout_status(checkout: &Checkout) -> CheckoutStatus {
    if checkout.status == "completed" {
        CheckoutStatus::PaymentActionCompleted
    } else {
        CheckoutStatus::PaymentActionNotInitiated
    }
}

/// GetExpressCheckoutDetails on an expired token: 10411, and, as PayPal's
/// recorded timeout answers do, the cart still echoed, with the transaction
/// when the checkout was paid, so that "expired with no transaction" can be
/// told from "expired after a payment".
pub fn expired_details_answer(envelope: &Envelope, checkout: &Checkout) -> Fields {
    let mut fields = pairs(&[
        ("TOKEN", &checkout.token),
        ("CHECKOUTSTATUS", checkout_status(checkout).as_str()),
    ]);
    fields.extend(failure(envelope, &Refusal::TokenExpired.error()));
    let amount = plain(checkout.amount_cents);
    push(
        &mut fields,
        "PAYMENTREQUEST_0_CURRENCYCODE",
        &checkout.currency,
    );
    push(&mut fields, "PAYMENTREQUEST_0_AMT", &amount);
    if let Some(invnum) = &checkout.invnum {
        push(&mut fields, "PAYMENTREQUEST_0_INVNUM", invnum);
    }
    if let Some(id) = &checkout.transaction_id {
        push(&mut fields, "PAYMENTREQUEST_0_TRANSACTIONID", id);
        push(&mut fields, "PAYMENTREQUESTINFO_0_TRANSACTIONID", id);
    }
    fields
}

/// GetExpressCheckoutDetails' answer, in PayPal's field order: the payer's
/// fields only once approved, the transaction only once paid.
pub fn checkout_details_answer(envelope: &Envelope, checkout: &Checkout) -> Fields {
    let mut fields = pairs(&[
        ("TOKEN", &checkout.token),
        ("BILLINGAGREEMENTACCEPTEDSTATUS", "0"),
        ("CHECKOUTSTATUS", checkout_status(checkout).as_str()),
    ]);
    fields.extend(envelope.fields("Success"));
    let approved = checkout.status != "created";
    if let (true, Some(email), Some(payer_id)) = (
        approved,
        checkout.payer_email.as_deref(),
        checkout.payer_payer_id.as_deref(),
    ) {
        push(&mut fields, "EMAIL", email);
        push(&mut fields, "PAYERID", payer_id);
        push(&mut fields, "PAYERSTATUS", "verified");
        push(
            &mut fields,
            "COUNTRYCODE",
            residence_country(checkout.locale_code.as_deref()),
        );
    }
    let amount = plain(checkout.amount_cents);
    push(&mut fields, "CURRENCYCODE", &checkout.currency);
    push(&mut fields, "AMT", &amount);
    if let Some(custom) = &checkout.custom {
        push(&mut fields, "CUSTOM", custom);
    }
    if let Some(invnum) = &checkout.invnum {
        push(&mut fields, "INVNUM", invnum);
    }
    if let Some(url) = &checkout.notify_url {
        push(&mut fields, "NOTIFYURL", url);
    }
    push(
        &mut fields,
        "PAYMENTREQUEST_0_CURRENCYCODE",
        &checkout.currency,
    );
    push(&mut fields, "PAYMENTREQUEST_0_AMT", &amount);
    if let Some(custom) = &checkout.custom {
        push(&mut fields, "PAYMENTREQUEST_0_CUSTOM", custom);
    }
    if let Some(invnum) = &checkout.invnum {
        push(&mut fields, "PAYMENTREQUEST_0_INVNUM", invnum);
    }
    if let Some(url) = &checkout.notify_url {
        push(&mut fields, "PAYMENTREQUEST_0_NOTIFYURL", url);
    }
    if let Some(id) = checkout
        .transaction_id
        .as_deref()
        .filter(|_| checkout.status == "completed")
    {
        push(&mut fields, "PAYMENTREQUEST_0_TRANSACTIONID", id);
    }
    push(
        &mut fields,
        "PAYMENTREQUEST_0_SELLERPAYPALACCOUNTID",
        &checkout.receiver_email,
    );
    if let Some(id) = checkout
        .transaction_id
        .as_deref()
        .filter(|_| checkout.status == "completed")
    {
        push(&mut fields, "PAYMENTREQUESTINFO_0_TRANSACTIONID", id);
    }
    push(&mut fields, "PAYMENTREQUESTINFO_0_ERRORCODE", "0");
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::psp::paypal::emulator::test_support::*;
    use crate::core::psp::paypal::nvp::{checkout_details, NvpResponse};

    #[test]
    fn tokens_are_checked_for_owner_and_age() {
        let c = checkout("created");
        let list = fields(&[("TOKEN", "EC-9J76236023054520Y")]);
        let request = Request::new(&list);
        assert!(check_token(&request, Some(&c), &receiver(), now()).is_ok());
        assert_eq!(
            check_token(&request, Some(&c), &other(), now()).err(),
            Some(Refusal::InvalidToken)
        );
        assert_eq!(
            check_token(&request, None, &receiver(), now()).err(),
            Some(Refusal::InvalidToken)
        );
        let last = created_at().plus_seconds(TOKEN_VALID_SECONDS);
        assert!(check_token(&request, Some(&c), &receiver(), last).is_ok());
        assert_eq!(
            check_token(&request, Some(&c), &receiver(), last.plus_seconds(1)).err(),
            Some(Refusal::TokenExpired)
        );
        let empty = Vec::new();
        assert_eq!(
            check_token(&Request::new(&empty), Some(&c), &receiver(), now()).err(),
            Some(Refusal::TokenMissing)
        );
        assert!(is_expired("garbage", now()));
    }

    #[test]
    fn checkout_details_follow_the_approval_and_the_payment() {
        let env = envelope();
        let before = NvpResponse::from_fields(checkout_details_answer(&env, &checkout("created")));
        assert_eq!(
            before.get("CHECKOUTSTATUS"),
            Some("PaymentActionNotInitiated")
        );
        assert_eq!(before.get("PAYERID"), None);
        assert_eq!(before.get("EMAIL"), None);
        assert_eq!(before.get("PAYMENTREQUEST_0_AMT"), Some("20.00"));
        assert_eq!(before.get("PAYMENTREQUEST_0_CURRENCYCODE"), Some("EUR"));
        assert_eq!(before.get("PAYMENTREQUEST_0_INVNUM"), Some("PB-abc-7"));
        assert_eq!(
            before.get("PAYMENTREQUEST_0_NOTIFYURL"),
            Some("https://pay.example/psp/paypal/ipn")
        );
        assert_eq!(
            before.get("PAYMENTREQUEST_0_SELLERPAYPALACCOUNTID"),
            Some("seller@example.org")
        );
        assert_eq!(before.get("PAYMENTREQUESTINFO_0_ERRORCODE"), Some("0"));
        assert_eq!(before.fields()[0].0, "TOKEN");
        assert_eq!(before.fields()[3].0, "TIMESTAMP");

        let approved =
            NvpResponse::from_fields(checkout_details_answer(&env, &checkout("approved")));
        assert_eq!(
            approved.get("CHECKOUTSTATUS"),
            Some("PaymentActionNotInitiated")
        );
        assert_eq!(approved.get("PAYERID"), Some("Y8K3PSJYN24D4"));
        assert_eq!(approved.get("EMAIL"), Some("buyer@example.org"));
        assert_eq!(approved.get("COUNTRYCODE"), Some("FR"));
        assert_eq!(approved.get("PAYMENTREQUEST_0_TRANSACTIONID"), None);

        let paid = NvpResponse::from_fields(checkout_details_answer(&env, &checkout("completed")));
        let details = checkout_details(&paid);
        let Ok(details) = details else {
            panic!("{details:?}")
        };
        assert_eq!(
            details.checkout_status,
            CheckoutStatus::PaymentActionCompleted
        );
        assert_eq!(details.transaction_id.as_deref(), Some("17G53960CL6245248"));
        assert_eq!(
            paid.get("PAYMENTREQUESTINFO_0_TRANSACTIONID"),
            Some("17G53960CL6245248")
        );
        assert_eq!(details.payer_id.as_deref(), Some("Y8K3PSJYN24D4"));
    }
}
