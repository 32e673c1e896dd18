//! DoExpressCheckoutPayment: the decision in PayPal's order of checks, the
//! attempts counted on a token, the answer and its stored copy for a replay.

use super::answer::{pairs, parse_paypal_amount, push, push_error, Envelope, Request};
use super::refusal::{ErrorText, Refusal};
use super::token::check_token;
use super::{Fields, MAX_PAYMENT_ATTEMPTS};
use crate::core::money::Amount;
use crate::core::psp::paypal::nvp::{PaymentOutcome, PaymentStatus, PendingReason};
use crate::core::sql::emulator::{Account, Checkout};
use crate::core::time::UtcTime;

/// A payment DoExpressCheckoutPayment is about to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    pub token: String,
    pub payer_account_id: i64,
    pub receiver_account_id: i64,
    pub amount: Amount,
    pub currency: String,
    pub status: PaymentStatus,
    pub pending_reason: PendingReason,
    pub invnum: Option<String>,
    pub custom: Option<String>,
    pub notify_url: Option<String>,
    pub msgsubid: Option<String>,
}

impl Payment {
    /// Whether the money moves now: only a completed payment moves it; a
    /// pending one waits until it completes.
    pub fn moves_money(&self) -> bool {
        self.status.outcome() == PaymentOutcome::Completed
    }

    /// The payment with the status a fault imposes.
    pub fn with_status(mut self, status: PaymentStatus, pending_reason: PendingReason) -> Payment {
        self.status = status;
        self.pending_reason = pending_reason;
        self
    }
}

/// What a DoExpressCheckoutPayment that passed every check does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentDecision {
    /// The MSGSUBID of the call that paid: answer 11607 with the original
    /// result (these fields, without the envelope).
    Replay(Fields),
    Pay(Payment),
}

/// Checks a DoExpressCheckoutPayment in this order: the token (10408,
/// 10410, 10411); PAYERID (10419); approval (10485); the approver (10421);
/// repeats (11607 for the paying MSGSUBID, else 10415); attempts (10416);
/// the amount (81100, 10401, 10413) and currency (10444); paying oneself
/// (10417); the payer's funds (10486, the token stays usable).
pub fn decide_payment(
    request: &Request,
    checkout: Option<&Checkout>,
    caller: &Account,
    now: UtcTime,
) -> Result<PaymentDecision, Refusal> {
    let checkout = check_token(request, checkout, caller, now)?;
    let payer_id = request.value("PAYERID").ok_or(Refusal::PayerIdMissing)?;
    let (Some(payer_account_id), Some(approver)) = (
        checkout.payer_account_id,
        checkout.payer_payer_id.as_deref(),
    ) else {
        return Err(Refusal::NotAuthorized);
    };
    if checkout.status == "created" {
        return Err(Refusal::NotAuthorized);
    }
    if payer_id != approver {
        return Err(Refusal::PayerMismatch);
    }
    let msgsubid = request.owned("MSGSUBID");
    if checkout.status == "completed" {
        let same_call = msgsubid.is_some() && msgsubid == checkout.msgsubid;
        let original = checkout.answer.as_deref().and_then(decode_stored);
        return match (same_call, original) {
            (true, Some(original)) => Ok(PaymentDecision::Replay(original)),
            (true, None) | (false, _) => Err(Refusal::AlreadyCompleted),
        };
    }
    if checkout.attempts >= MAX_PAYMENT_ATTEMPTS {
        return Err(Refusal::TooManyAttempts);
    }
    let amount_text = request
        .value("PAYMENTREQUEST_0_AMT")
        .ok_or(Refusal::AmountMissing)?;
    let amount = parse_paypal_amount(amount_text).ok_or(Refusal::OrderTotalInvalid)?;
    if amount.cents() != checkout.amount_cents {
        return Err(Refusal::CartTotalsMismatch);
    }
    let currency = request
        .value("PAYMENTREQUEST_0_CURRENCYCODE")
        .unwrap_or("USD");
    if currency != checkout.currency {
        return Err(Refusal::CurrencyMismatch);
    }
    if payer_account_id == checkout.receiver_account_id {
        return Err(Refusal::CannotComplete);
    }
    // No payer balance known (no payer yet): nothing funds the payment.
    let balance_cents = checkout.payer_balance_cents.unwrap_or(0);
    let funded = checkout.payer_currency.as_deref() == Some(checkout.currency.as_str())
        && balance_cents >= amount.cents();
    if !funded {
        return Err(Refusal::Unfunded);
    }
    // A receiver without a balance in this currency holds the payment for
    // review, as PayPal does (PENDINGREASON multicurrency).
    let (status, pending_reason) = if checkout.receiver_currency == checkout.currency {
        (PaymentStatus::Completed, PendingReason::None)
    } else {
        (PaymentStatus::Pending, PendingReason::MultiCurrency)
    };
    let or_checkout =
        |name: &str, stored: &Option<String>| request.owned(name).or_else(|| stored.clone());
    Ok(PaymentDecision::Pay(Payment {
        token: checkout.token.clone(),
        payer_account_id,
        receiver_account_id: checkout.receiver_account_id,
        amount,
        currency: checkout.currency.clone(),
        status,
        pending_reason,
        invnum: or_checkout("PAYMENTREQUEST_0_INVNUM", &checkout.invnum),
        custom: or_checkout("PAYMENTREQUEST_0_CUSTOM", &checkout.custom),
        notify_url: or_checkout("PAYMENTREQUEST_0_NOTIFYURL", &checkout.notify_url),
        msgsubid,
    }))
}

/// The refusals after which DoExpressCheckoutPayment counts an attempt on
/// the token (the token was valid and approved, the payment was refused).
pub fn counts_as_attempt(refusal: Refusal) -> bool {
    matches!(
        refusal,
        Refusal::CartTotalsMismatch
            | Refusal::OrderTotalInvalid
            | Refusal::AmountMissing
            | Refusal::CurrencyMismatch
            | Refusal::CannotComplete
            | Refusal::Unfunded
    )
}

/// The fields of a DoExpressCheckoutPayment success without its envelope,
/// in PayPal's order (v204 recording), as stored for an 11607 replay.
pub fn payment_answer_body(
    payment: &Payment,
    transaction_id: &str,
    order_time: UtcTime,
    receiver: &Account,
) -> Fields {
    let mut fields = pairs(&[
        ("TOKEN", &payment.token),
        ("SUCCESSPAGEREDIRECTREQUESTED", "false"),
        ("INSURANCEOPTIONSELECTED", "false"),
        ("SHIPPINGOPTIONISDEFAULT", "false"),
        ("PAYMENTINFO_0_TRANSACTIONID", transaction_id),
        ("PAYMENTINFO_0_TRANSACTIONTYPE", "expresscheckout"),
        ("PAYMENTINFO_0_PAYMENTTYPE", "instant"),
        ("PAYMENTINFO_0_ORDERTIME", &order_time.to_string()),
        ("PAYMENTINFO_0_AMT", &payment.amount.to_plain()),
        ("PAYMENTINFO_0_FEEAMT", "0.00"),
        ("PAYMENTINFO_0_TAXAMT", "0.00"),
        ("PAYMENTINFO_0_CURRENCYCODE", &payment.currency),
        ("PAYMENTINFO_0_PAYMENTSTATUS", payment.status.as_str()),
        (
            "PAYMENTINFO_0_PENDINGREASON",
            payment.pending_reason.as_str(),
        ),
        ("PAYMENTINFO_0_REASONCODE", "None"),
        ("PAYMENTINFO_0_PROTECTIONELIGIBILITY", "Ineligible"),
        ("PAYMENTINFO_0_PROTECTIONELIGIBILITYTYPE", "None"),
        ("PAYMENTINFO_0_SECUREMERCHANTACCOUNTID", &receiver.payer_id),
        ("PAYMENTINFO_0_SELLERPAYPALACCOUNTID", &receiver.email),
        ("PAYMENTINFO_0_ERRORCODE", "0"),
        ("PAYMENTINFO_0_ACK", "Success"),
    ]);
    if let Some(msgsubid) = &payment.msgsubid {
        push(&mut fields, "MSGSUBID", msgsubid);
    }
    fields
}

/// The whole answer: the body's first two fields, the envelope, a warning
/// when replaying (11607, `ACK=SuccessWithWarning`), then the rest.
pub fn payment_answer(envelope: &Envelope, body: &[(String, String)], replay: bool) -> Fields {
    let split = body.len().min(2);
    let mut fields: Fields = body[..split].to_vec();
    if replay {
        fields.extend(envelope.fields("SuccessWithWarning"));
        let warning = ErrorText {
            code: "11607".to_owned(),
            short: "Duplicate Request".to_owned(),
            long: "A successful transaction has already been completed for this token.".to_owned(),
        };
        push_error(&mut fields, &warning, "Warning");
    } else {
        fields.extend(envelope.fields("Success"));
    }
    fields.extend(body[split..].iter().cloned());
    fields
}

/// Fields as stored for a replay (a JSON list of pairs).
pub fn encode_stored(fields: &[(String, String)]) -> String {
    serde_json::to_string(fields).unwrap_or_default()
}

pub fn decode_stored(text: &str) -> Option<Fields> {
    serde_json::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::psp::paypal::emulator::test_support::*;
    use crate::core::psp::paypal::emulator::TOKEN_VALID_SECONDS;
    use crate::core::psp::paypal::nvp::{encode_like_paypal, payment_info, NvpResponse};

    fn decide(c: Option<&Checkout>, extra: &[(&str, &str)]) -> Result<PaymentDecision, Refusal> {
        let list = do_ec(extra);
        decide_payment(&Request::new(&list), c, &receiver(), now())
    }

    #[test]
    fn a_valid_payment_is_completed_with_the_checkouts_values() {
        let c = checkout("approved");
        let decision = decide(Some(&c), &[("PAYMENTREQUEST_0_INVNUM", "PB-abc-7")]);
        let Ok(PaymentDecision::Pay(payment)) = decision else {
            panic!("{decision:?}")
        };
        assert_eq!(payment.amount.cents(), 2_000);
        assert_eq!(payment.payer_account_id, 2);
        assert_eq!(payment.receiver_account_id, 1);
        assert_eq!(payment.status, PaymentStatus::Completed);
        assert_eq!(payment.pending_reason, PendingReason::None);
        assert!(payment.moves_money());
        assert_eq!(payment.notify_url, c.notify_url);
        assert_eq!(payment.msgsubid.as_deref(), Some("7-1"));
        let pending = payment.with_status(PaymentStatus::Pending, PendingReason::PaymentReview);
        assert!(!pending.moves_money());
    }

    #[test]
    fn payment_checks_run_in_order() {
        let created = checkout("created");
        let approved = checkout("approved");
        assert_eq!(decide(None, &[]).err(), Some(Refusal::InvalidToken));
        let expired = Checkout {
            created_at: created_at()
                .plus_seconds(-TOKEN_VALID_SECONDS - 61)
                .to_string(),
            ..approved.clone()
        };
        assert_eq!(
            decide(Some(&expired), &[]).err(),
            Some(Refusal::TokenExpired)
        );
        assert_eq!(
            decide(Some(&approved), &[("PAYERID", "")]).err(),
            Some(Refusal::PayerIdMissing)
        );
        assert_eq!(
            decide(Some(&created), &[]).err(),
            Some(Refusal::NotAuthorized)
        );
        assert_eq!(
            decide(Some(&approved), &[("PAYERID", "SOMEONEELSE00")]).err(),
            Some(Refusal::PayerMismatch)
        );
        let tired = Checkout {
            attempts: MAX_PAYMENT_ATTEMPTS,
            ..approved.clone()
        };
        assert_eq!(
            decide(Some(&tired), &[]).err(),
            Some(Refusal::TooManyAttempts)
        );
        assert_eq!(
            decide(Some(&approved), &[("PAYMENTREQUEST_0_AMT", "")]).err(),
            Some(Refusal::AmountMissing)
        );
        assert_eq!(
            decide(Some(&approved), &[("PAYMENTREQUEST_0_AMT", "20")]).err(),
            Some(Refusal::OrderTotalInvalid)
        );
        assert_eq!(
            decide(Some(&approved), &[("PAYMENTREQUEST_0_AMT", "19.99")]).err(),
            Some(Refusal::CartTotalsMismatch)
        );
        assert_eq!(
            decide(Some(&approved), &[("PAYMENTREQUEST_0_CURRENCYCODE", "USD")]).err(),
            Some(Refusal::CurrencyMismatch)
        );
        let himself = Checkout {
            payer_account_id: Some(1),
            ..approved.clone()
        };
        assert_eq!(
            decide(Some(&himself), &[]).err(),
            Some(Refusal::CannotComplete)
        );
        let poor = Checkout {
            payer_balance_cents: Some(1_999),
            ..approved.clone()
        };
        assert_eq!(decide(Some(&poor), &[]).err(), Some(Refusal::Unfunded));
        let foreign = Checkout {
            payer_currency: Some("USD".to_owned()),
            ..approved.clone()
        };
        assert_eq!(decide(Some(&foreign), &[]).err(), Some(Refusal::Unfunded));
        assert!(counts_as_attempt(Refusal::Unfunded));
        assert!(!counts_as_attempt(Refusal::InvalidToken));
    }

    #[test]
    fn repeats_replay_the_original_answer_or_answer_10415() {
        let original = fields(&[
            ("TOKEN", "EC-9J76236023054520Y"),
            ("SUCCESSPAGEREDIRECTREQUESTED", "false"),
            ("PAYMENTINFO_0_TRANSACTIONID", "17G53960CL6245248"),
        ]);
        let paid = Checkout {
            answer: Some(encode_stored(&original)),
            ..checkout("completed")
        };
        assert_eq!(
            decide(Some(&paid), &[]),
            Ok(PaymentDecision::Replay(original.clone()))
        );
        assert_eq!(
            decide(Some(&paid), &[("MSGSUBID", "7-2")]).err(),
            Some(Refusal::AlreadyCompleted)
        );
        assert_eq!(
            decide(Some(&paid), &[("MSGSUBID", "")]).err(),
            Some(Refusal::AlreadyCompleted)
        );
        // The replay comes before the amount checks: a retry is the same call.
        assert!(matches!(
            decide(Some(&paid), &[("PAYMENTREQUEST_0_AMT", "1.00")]),
            Ok(PaymentDecision::Replay(_))
        ));
        assert_eq!(decode_stored("not json"), None);
    }

    #[test]
    fn a_receiver_without_the_currency_gets_a_pending_multicurrency_payment() {
        let c = Checkout {
            receiver_currency: "USD".to_owned(),
            ..checkout("approved")
        };
        let decision = decide(Some(&c), &[]);
        let Ok(PaymentDecision::Pay(payment)) = decision else {
            panic!("{decision:?}")
        };
        assert_eq!(payment.status, PaymentStatus::Pending);
        assert_eq!(payment.pending_reason, PendingReason::MultiCurrency);
        assert!(!payment.moves_money());
    }

    fn payment() -> Payment {
        let c = checkout("approved");
        match decide(Some(&c), &[]) {
            Ok(PaymentDecision::Pay(payment)) => payment,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn payment_answers_have_the_fields_of_the_v204_recording() {
        let body = payment_answer_body(
            &payment(),
            "17G53960CL6245248",
            UtcTime::from_unix_seconds(1_668_124_818),
            &receiver(),
        );
        let answer = payment_answer(&envelope(), &body, false);
        let encoded = encode_like_paypal(&answer);
        let recorded = include_str!(
            "../../../../../tests/fixtures/psp/paypal/emulator_do_express_checkout_payment_v204.nvp"
        );
        assert_eq!(encoded, recorded);
        let parsed = NvpResponse::parse(&encoded).unwrap_or_else(|e| panic!("{e}"));
        let info = payment_info(&parsed).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(info.transaction_id, "17G53960CL6245248");
        assert_eq!(info.payment_status, PaymentStatus::Completed);
        assert_eq!(info.fee.map(Amount::cents), Some(0));
        assert_eq!(
            info.secure_merchant_account_id.as_deref(),
            Some("XBAQ9CSARUZ7J")
        );
        assert_eq!(info.msgsubid.as_deref(), Some("7-1"));

        let replay = NvpResponse::from_fields(payment_answer(&envelope(), &body, true));
        assert_eq!(replay.get("ACK"), Some("SuccessWithWarning"));
        assert!(replay.is_success());
        let warning = replay.first_error().unwrap_or_else(|| panic!("no warning"));
        assert_eq!(warning.code, "11607");
        assert_eq!(warning.short_message, "Duplicate Request");
        assert_eq!(
            warning.long_message,
            "A successful transaction has already been completed for this token."
        );
        assert_eq!(warning.severity, "Warning");
        assert_eq!(
            replay.get("PAYMENTINFO_0_TRANSACTIONID"),
            Some("17G53960CL6245248")
        );
        assert_eq!(decode_stored(&encode_stored(&body)), Some(body));
    }
}
