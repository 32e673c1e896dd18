//! The emulator's NVP endpoint: SetExpressCheckout,
//! GetExpressCheckoutDetails, DoExpressCheckoutPayment (in `pay`),
//! GetBalance, GetTransactionDetails and RefundTransaction (in `refund`),
//! answered in PayPal's real wire
//! format. One batch loads everything a call may need (the caller's
//! account, the clock offset, a matching fault, the checkout of TOKEN, the
//! transaction of TRANSACTIONID); the pure rules check and build the answer.

use super::{changed_one, random_hex, row_at};
use crate::core::crypto::constant_time_eq;
use crate::core::flow::effects::random_bytes;
use crate::core::flow::{Effects, FlowError};
use crate::core::psp::paypal::emulator::{self as rules, Envelope, FaultKind, Fields, Refusal};
use crate::core::psp::paypal::emulator_ipn::{self as ipn_options, IpnCharset};
use crate::core::psp::paypal::nvp::{self, Method};
use crate::core::sql::{emulator, Batch};

/// What a call answers: fields (HTTP 200, even for `ACK=Failure`), or
/// nothing at all when a `drop` fault lost the answer after the work.
pub(super) enum Reply {
    Fields(Fields),
    Dropped,
}

/// Answers one NVP request: (HTTP status, body). PayPal answers 200 with
/// `ACK=Failure` for refusals; a dropped answer is 502 with an empty body;
/// a database failure is 503 (the outcome is unknown to the caller).
pub async fn answer_nvp<E: Effects>(fx: &E, body: &str) -> (u16, String) {
    match answer(fx, body).await {
        Ok(Reply::Fields(fields)) => (200, nvp::encode_like_paypal(&fields)),
        Ok(Reply::Dropped) => (502, String::new()),
        Err(error) => {
            fx.log(&format!("emulator: {error:?}"));
            (503, String::new())
        }
    }
}

/// A fresh envelope: the emulator's clock, a random CORRELATIONID, the
/// caller's VERSION. Without random bytes the CORRELATIONID is empty: the
/// answer is still PayPal's, and no secret depends on it.
fn envelope<E: Effects>(fx: &E, version: &str) -> Envelope {
    let correlation_id = random_hex::<7, E>(fx).unwrap_or_default();
    Envelope {
        timestamp: fx.now(),
        correlation_id: correlation_id.chars().take(13).collect(),
        version: version.to_owned(),
    }
}

pub(super) fn refuse(envelope: &Envelope, refusal: Refusal) -> Reply {
    Reply::Fields(rules::failure(envelope, &refusal.error()))
}

/// Everything one call may need, read in one round trip.
pub(super) struct Loaded {
    pub(super) account: Option<emulator::Account>,
    pub(super) fault: Option<emulator::Fault>,
    pub(super) checkout: Option<emulator::Checkout>,
    pub(super) transaction: Option<emulator::Transaction>,
    /// The caller's IPN charset (the receiver of a payment).
    pub(super) ipn_charset: IpnCharset,
}

pub(super) async fn load<E: Effects>(
    fx: &E,
    request: &rules::Request<'_>,
) -> Result<Loaded, FlowError> {
    let user = request.get("USER");
    let token = request.value("TOKEN");
    let mut batch: Batch = vec![
        emulator::by_api_username(user),
        emulator::clock_offset(),
        emulator::matching_fault(request.get("METHOD"), token, user),
        ipn_options::charset_by_api_username(user),
    ];
    let checkout_at = token.map(|t| {
        batch.push(emulator::checkout_by_token(t));
        batch.len() - 1
    });
    let transaction_at = request.value("TRANSACTIONID").map(|id| {
        batch.push(emulator::transaction_by_id(id));
        batch.len() - 1
    });
    let results = fx.run(&batch).await?;
    Ok(Loaded {
        account: row_at(&results, 0)?,
        fault: row_at(&results, 2)?,
        ipn_charset: IpnCharset::of(row_at(&results, 3)?),
        checkout: match checkout_at {
            Some(at) => row_at(&results, at)?,
            None => None,
        },
        transaction: match transaction_at {
            Some(at) => row_at(&results, at)?,
            None => None,
        },
    })
}

/// Consumes the loaded fault if it is still there: of two calls that saw
/// it, only the one whose DELETE changed the row gets it.
pub(super) async fn take_fault<E: Effects>(
    fx: &E,
    fault: Option<&emulator::Fault>,
) -> Result<Option<FaultKind>, FlowError> {
    let Some(fault) = fault else {
        return Ok(None);
    };
    let results = fx.run(&vec![emulator::take_fault(fault.id)]).await?;
    Ok(if changed_one(&results, 0) {
        rules::fault_kind(fault)
    } else {
        None
    })
}

/// Applies a fault to an answer: an injected error replaces it, `drop`
/// loses it (the work is done), a payment status was applied earlier.
pub(super) fn finish(envelope: &Envelope, fault: Option<&FaultKind>, fields: Fields) -> Reply {
    match fault {
        Some(FaultKind::Drop) => Reply::Dropped,
        Some(FaultKind::Error(code)) => {
            Reply::Fields(rules::failure(envelope, &rules::fault_error(code)))
        }
        Some(FaultKind::Status { .. }) | None => Reply::Fields(fields),
    }
}

async fn answer<E: Effects>(fx: &E, body: &str) -> Result<Reply, FlowError> {
    let Ok(decoded) = nvp::decode_request(body) else {
        return Ok(refuse(&envelope(fx, ""), Refusal::NoRequest));
    };
    let request = rules::Request::new(&decoded);
    let version = request.get("VERSION");
    if request.get("USER").is_empty() {
        return Ok(refuse(&envelope(fx, version), Refusal::SecurityError));
    }
    let loaded = load(fx, &request).await?;
    let env = envelope(fx, version);
    let authentic = loaded.account.as_ref().is_some_and(|a| {
        constant_time_eq(a.api_password.as_bytes(), request.get("PWD").as_bytes())
            & constant_time_eq(
                a.api_signature.as_bytes(),
                request.get("SIGNATURE").as_bytes(),
            )
    });
    let (true, Some(account)) = (authentic, loaded.account.clone()) else {
        return Ok(refuse(&env, Refusal::SecurityError));
    };
    let method_text = request.get("METHOD");
    if method_text.is_empty() {
        return Ok(refuse(&env, Refusal::NoMethod));
    }
    let Some(method) = Method::parse(method_text) else {
        return Ok(refuse(&env, Refusal::UnknownMethod));
    };
    match method {
        Method::GetBalance => {
            let fault = take_fault(fx, loaded.fault.as_ref()).await?;
            let fields = rules::balance_answer(&env, &account);
            Ok(finish(&env, fault.as_ref(), fields))
        }
        Method::SetExpressCheckout => {
            set_express_checkout(fx, &env, &request, &account, &loaded).await
        }
        Method::GetExpressCheckoutDetails => {
            checkout_details(fx, &env, &request, &account, &loaded).await
        }
        Method::GetTransactionDetails => {
            let transaction =
                match rules::check_transaction(&request, loaded.transaction.as_ref(), &account) {
                    Ok(transaction) => transaction,
                    Err(refusal) => return Ok(refuse(&env, refusal)),
                };
            let fault = take_fault(fx, loaded.fault.as_ref()).await?;
            let fields = rules::transaction_details_answer(&env, transaction);
            Ok(finish(&env, fault.as_ref(), fields))
        }
        Method::DoExpressCheckoutPayment => {
            super::pay::do_express_checkout_payment(fx, &env, &request, &account, loaded).await
        }
        Method::RefundTransaction => {
            super::refund::refund_transaction(fx, &env, &request, &account, loaded).await
        }
    }
}

/// GetExpressCheckoutDetails: the checkout, or for an expired token of
/// this caller the details PayPal still gives with 10411.
async fn checkout_details<E: Effects>(
    fx: &E,
    env: &Envelope,
    request: &rules::Request<'_>,
    account: &emulator::Account,
    loaded: &Loaded,
) -> Result<Reply, FlowError> {
    let checkout = match rules::check_token(request, loaded.checkout.as_ref(), account, fx.now()) {
        Ok(checkout) => checkout,
        Err(Refusal::TokenExpired) => {
            let expired = loaded
                .checkout
                .as_ref()
                .filter(|c| c.receiver_account_id == account.id);
            let Some(checkout) = expired else {
                return Ok(refuse(env, Refusal::TokenExpired));
            };
            let fault = take_fault(fx, loaded.fault.as_ref()).await?;
            let fields = rules::expired_details_answer(env, checkout);
            return Ok(finish(env, fault.as_ref(), fields));
        }
        Err(refusal) => return Ok(refuse(env, refusal)),
    };
    let fault = take_fault(fx, loaded.fault.as_ref()).await?;
    let fields = rules::checkout_details_answer(env, checkout);
    Ok(finish(env, fault.as_ref(), fields))
}

async fn set_express_checkout<E: Effects>(
    fx: &E,
    env: &Envelope,
    request: &rules::Request<'_>,
    account: &emulator::Account,
    loaded: &Loaded,
) -> Result<Reply, FlowError> {
    let new = match rules::validate_set_express_checkout(request) {
        Ok(new) => new,
        Err(refusal) => return Ok(refuse(env, refusal)),
    };
    let fault = take_fault(fx, loaded.fault.as_ref()).await?;
    if let Some(FaultKind::Error(code)) = &fault {
        return Ok(Reply::Fields(rules::failure(
            env,
            &rules::fault_error(code),
        )));
    }
    let token = rules::ec_token(&random_bytes::<17, E>(fx)?);
    let now = fx.now().to_string();
    let row = emulator::NewCheckout {
        token: &token,
        receiver_account_id: account.id,
        amount_cents: new.amount.cents(),
        currency: &new.currency,
        invnum: new.invnum.as_deref(),
        custom: new.custom.as_deref(),
        notify_url: new.notify_url.as_deref(),
        return_url: &new.return_url,
        cancel_url: &new.cancel_url,
        locale_code: new.locale_code.as_deref(),
        now: &now,
    };
    fx.run(&vec![emulator::insert_checkout(&row)]).await?;
    let fields = rules::set_express_checkout_answer(env, &token);
    Ok(finish(env, fault.as_ref(), fields))
}
