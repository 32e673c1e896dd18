//! The emulator's NVP endpoint: SetExpressCheckout,
//! GetExpressCheckoutDetails, DoExpressCheckoutPayment, GetBalance and
//! GetTransactionDetails, answered in PayPal's real wire format. One batch
//! loads everything a call may need (the caller's account, the clock, a
//! matching fault, the checkout of TOKEN, the transaction of TRANSACTIONID);
//! the pure core checks and builds the answer; a payment is one guarded
//! batch, so that two calls racing for one token can never both pay.

use worker::{Request, Response};

use super::ipn::{deliver_ipn, payment_ipn, QueuedIpn};
use super::{adopt_clock_offset, clock_offset_stmt, row_at};
use crate::core::crypto::constant_time_eq;
use crate::core::psp::paypal::emulator::{
    self as rules, Envelope, FaultKind, Fields, Payment, PaymentDecision, Refusal,
};
use crate::core::psp::paypal::emulator_ipn::{self as ipn_options, IpnCharset};
use crate::core::psp::paypal::nvp::{self, Method, NvpResponse};
use crate::core::sql::{emulator, Batch};
use crate::shell::app::random_bytes;
use crate::shell::web::{Ctx, WebError};

/// What a call answers: fields (HTTP 200, even for `ACK=Failure`), or
/// nothing at all when a `drop` fault lost the answer after the work.
enum Reply {
    Fields(Fields),
    Dropped,
}

/// How many times a payment is tried again after losing a race (the
/// second try sees the winner's result and answers 10415 or 11607).
const PAYMENT_TRIES: usize = 3;

/// Answers one NVP request: (HTTP status, body). PayPal answers 200 with
/// `ACK=Failure` for refusals; a dropped answer is 502 with an empty body;
/// a database failure is 503 (the outcome is unknown to the caller).
pub async fn nvp_answer(ctx: &Ctx, body: &str) -> (u16, String) {
    match answer(ctx, body).await {
        Ok(Reply::Fields(fields)) => (200, nvp::encode_like_paypal(&fields)),
        Ok(Reply::Dropped) => (502, String::new()),
        Err(error) => {
            worker::console_error!("emulator: {error:?}");
            (503, String::new())
        }
    }
}

/// `POST /_emulator/paypal/nvp`: the same handler over HTTP, with PayPal's
/// headers (`paypal-debug-id`, `x-paypal-operation-name`, `x-paypal-api-rc`).
pub async fn nvp_route(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let body = crate::shell::body::read_capped_text(req).await?;
    let (status, text) = nvp_answer(ctx, &body).await;
    let method = nvp::decode_request(&body)
        .ok()
        .and_then(|fields| {
            fields
                .into_iter()
                .find(|(name, _)| name == "METHOD")
                .map(|(_, v)| v)
        })
        .unwrap_or_default();
    let answer = NvpResponse::parse(&text).ok();
    let mut response = Response::ok(text)?.with_status(status);
    let headers = response.headers_mut();
    headers.set("Content-Type", "text/plain; charset=utf-8")?;
    if let Some(answer) = answer.filter(|_| status == 200) {
        headers.set("paypal-debug-id", answer.correlation_id().unwrap_or(""))?;
        headers.set("x-paypal-operation-name", &method)?;
        let code = answer.first_error().map(|e| e.code).unwrap_or_default();
        headers.set("x-paypal-api-rc", &code)?;
    }
    Ok(response)
}

/// A fresh envelope: the emulator's clock, a random CORRELATIONID, the
/// caller's VERSION.
fn envelope(ctx: &Ctx, version: &str) -> Envelope {
    let correlation_id: String = random_bytes::<7>()
        .map(|b| b.iter().map(|x| format!("{x:02x}")).collect::<String>())
        .unwrap_or_default();
    Envelope {
        timestamp: ctx.now(),
        correlation_id: correlation_id.chars().take(13).collect(),
        version: version.to_owned(),
    }
}

fn refuse(envelope: &Envelope, refusal: Refusal) -> Reply {
    Reply::Fields(rules::failure(envelope, &refusal.error()))
}

/// Everything one call may need, read in one round trip.
struct Loaded {
    account: Option<emulator::Account>,
    fault: Option<emulator::Fault>,
    checkout: Option<emulator::Checkout>,
    transaction: Option<emulator::Transaction>,
    /// The caller's IPN charset (the receiver of a payment).
    ipn_charset: IpnCharset,
}

async fn load(ctx: &Ctx, request: &rules::Request<'_>) -> Result<Loaded, WebError> {
    let user = request.get("USER");
    let token = request.value("TOKEN");
    let mut batch: Batch = vec![
        emulator::by_api_username(user),
        clock_offset_stmt(),
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
    let results = ctx.run_emulator(&batch).await?;
    adopt_clock_offset(ctx, row_at(&results, 1)?);
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
async fn take_fault(
    ctx: &Ctx,
    fault: Option<&emulator::Fault>,
) -> Result<Option<FaultKind>, WebError> {
    let Some(fault) = fault else {
        return Ok(None);
    };
    let results = ctx
        .run_emulator(&vec![emulator::take_fault(fault.id)])
        .await?;
    let taken = results.first().is_some_and(|r| r.changes == 1);
    Ok(if taken {
        rules::fault_kind(fault)
    } else {
        None
    })
}

/// Applies a fault to an answer: an injected error replaces it, `drop`
/// loses it (the work is done), a payment status was applied earlier.
fn finish(envelope: &Envelope, fault: Option<&FaultKind>, fields: Fields) -> Reply {
    match fault {
        Some(FaultKind::Drop) => Reply::Dropped,
        Some(FaultKind::Error(code)) => {
            Reply::Fields(rules::failure(envelope, &rules::fault_error(code)))
        }
        Some(FaultKind::Status { .. }) | None => Reply::Fields(fields),
    }
}

async fn answer(ctx: &Ctx, body: &str) -> Result<Reply, WebError> {
    let Ok(decoded) = nvp::decode_request(body) else {
        return Ok(refuse(&envelope(ctx, ""), Refusal::NoRequest));
    };
    let request = rules::Request::new(&decoded);
    let version = request.get("VERSION");
    if request.get("USER").is_empty() {
        return Ok(refuse(&envelope(ctx, version), Refusal::SecurityError));
    }
    let loaded = load(ctx, &request).await?;
    let env = envelope(ctx, version);
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
            let fault = take_fault(ctx, loaded.fault.as_ref()).await?;
            Ok(finish(
                &env,
                fault.as_ref(),
                rules::balance_answer(&env, &account),
            ))
        }
        Method::SetExpressCheckout => {
            set_express_checkout(ctx, &env, &request, &account, &loaded).await
        }
        Method::GetExpressCheckoutDetails => {
            let checkout =
                match rules::check_token(&request, loaded.checkout.as_ref(), &account, ctx.now()) {
                    Ok(checkout) => checkout,
                    Err(Refusal::TokenExpired) => {
                        let expired = loaded
                            .checkout
                            .as_ref()
                            .filter(|c| c.receiver_account_id == account.id);
                        let Some(checkout) = expired else {
                            return Ok(refuse(&env, Refusal::TokenExpired));
                        };
                        let fault = take_fault(ctx, loaded.fault.as_ref()).await?;
                        let fields = rules::expired_details_answer(&env, checkout);
                        return Ok(finish(&env, fault.as_ref(), fields));
                    }
                    Err(refusal) => return Ok(refuse(&env, refusal)),
                };
            let fault = take_fault(ctx, loaded.fault.as_ref()).await?;
            let fields = rules::checkout_details_answer(&env, checkout);
            Ok(finish(&env, fault.as_ref(), fields))
        }
        Method::GetTransactionDetails => {
            let transaction =
                match rules::check_transaction(&request, loaded.transaction.as_ref(), &account) {
                    Ok(transaction) => transaction,
                    Err(refusal) => return Ok(refuse(&env, refusal)),
                };
            let fault = take_fault(ctx, loaded.fault.as_ref()).await?;
            let fields = rules::transaction_details_answer(&env, transaction);
            Ok(finish(&env, fault.as_ref(), fields))
        }
        Method::DoExpressCheckoutPayment => {
            do_express_checkout_payment(ctx, &env, &request, &account, loaded).await
        }
    }
}

async fn set_express_checkout(
    ctx: &Ctx,
    env: &Envelope,
    request: &rules::Request<'_>,
    account: &emulator::Account,
    loaded: &Loaded,
) -> Result<Reply, WebError> {
    let new = match rules::validate_set_express_checkout(request) {
        Ok(new) => new,
        Err(refusal) => return Ok(refuse(env, refusal)),
    };
    let fault = take_fault(ctx, loaded.fault.as_ref()).await?;
    if let Some(FaultKind::Error(code)) = &fault {
        return Ok(Reply::Fields(rules::failure(
            env,
            &rules::fault_error(code),
        )));
    }
    let token = rules::ec_token(&random_bytes::<17>()?);
    let now = ctx.now().to_string();
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
    ctx.run_emulator(&vec![emulator::insert_checkout(&row)])
        .await?;
    let fields = rules::set_express_checkout_answer(env, &token);
    Ok(finish(env, fault.as_ref(), fields))
}

async fn do_express_checkout_payment(
    ctx: &Ctx,
    env: &Envelope,
    request: &rules::Request<'_>,
    account: &emulator::Account,
    mut loaded: Loaded,
) -> Result<Reply, WebError> {
    // The fault is taken once, by the first try that passed every check.
    let mut fault: Option<Option<FaultKind>> = None;
    for _ in 0..PAYMENT_TRIES {
        let decision =
            match rules::decide_payment(request, loaded.checkout.as_ref(), account, ctx.now()) {
                Ok(decision) => decision,
                Err(refusal) => {
                    if let (true, Some(token)) =
                        (rules::counts_as_attempt(refusal), request.value("TOKEN"))
                    {
                        ctx.run_emulator(&vec![emulator::count_attempt(token)])
                            .await?;
                    }
                    return Ok(refuse(env, refusal));
                }
            };
        let kind = match &fault {
            Some(kind) => kind.clone(),
            None => {
                let kind = take_fault(ctx, loaded.fault.as_ref()).await?;
                fault = Some(kind.clone());
                kind
            }
        };
        if let Some(FaultKind::Error(code)) = &kind {
            return Ok(Reply::Fields(rules::failure(
                env,
                &rules::fault_error(code),
            )));
        }
        let payment = match decision {
            PaymentDecision::Replay(original) => {
                let fields = rules::payment_answer(env, &original, true);
                return Ok(finish(env, kind.as_ref(), fields));
            }
            PaymentDecision::Pay(payment) => payment,
        };
        let payment = match &kind {
            Some(FaultKind::Status {
                status,
                pending_reason,
            }) => payment.with_status(status.clone(), pending_reason.clone()),
            Some(FaultKind::Drop) | Some(FaultKind::Error(_)) | None => payment,
        };
        let Some(checkout) = loaded.checkout.as_ref() else {
            return Ok(refuse(env, Refusal::InvalidToken));
        };
        match pay(ctx, &payment, checkout, account, loaded.ipn_charset).await? {
            Some((body, ipn)) => {
                deliver_ipn(ctx, &ipn).await?;
                let fields = rules::payment_answer(env, &body, false);
                return Ok(finish(env, kind.as_ref(), fields));
            }
            // Lost a race (paid meanwhile, approval changed, funds gone):
            // look again, and answer what the state now says.
            None => loaded = load(ctx, request).await?,
        }
    }
    Err(WebError::Internal(
        "DoExpressCheckoutPayment kept losing races".into(),
    ))
}

/// Records a payment in one guarded batch: the checkout completed (only
/// if still approved by this payer), the money moved when the payment is
/// completed (never below zero), the transaction, the answer for MSGSUBID
/// replays and the IPN. `None` when a guard stopped it (nothing written).
async fn pay(
    ctx: &Ctx,
    payment: &Payment,
    checkout: &emulator::Checkout,
    receiver: &emulator::Account,
    ipn_charset: IpnCharset,
) -> Result<Option<(Fields, QueuedIpn)>, WebError> {
    let transaction_id = rules::transaction_id(&random_bytes::<17>()?);
    let now = ctx.now();
    let now_text = now.to_string();
    let body = rules::payment_answer_body(payment, &transaction_id, now, receiver);
    let stored = rules::encode_stored(&body);
    let ipn = payment_ipn(
        &transaction_id,
        payment,
        checkout,
        receiver,
        ipn_charset,
        now,
    )?;
    let (batch, ipn_at) = emulator::record_payment(&emulator::PaymentRecord {
        transaction: emulator::NewTransaction {
            id: &transaction_id,
            token: &payment.token,
            payer_account_id: payment.payer_account_id,
            receiver_account_id: payment.receiver_account_id,
            amount_cents: payment.amount.cents(),
            currency: &payment.currency,
            invnum: payment.invnum.as_deref(),
            custom: payment.custom.as_deref(),
            notify_url: payment.notify_url.as_deref(),
            locale_code: checkout.locale_code.as_deref(),
            status: payment.status.as_str(),
            pending_reason: payment.pending_reason.as_str(),
            settled: payment.moves_money(),
            now: &now_text,
        },
        msgsubid: payment.msgsubid.as_deref(),
        answer: &stored,
        ipn: ipn.row(),
    });
    match ctx.run_emulator(&batch).await {
        Ok(results) => Ok(Some((body, ipn.queued(&results, ipn_at)?))),
        Err(WebError::Db(error)) => {
            worker::console_log!("emulator: payment batch refused, looking again: {error}");
            Ok(None)
        }
        Err(other) => Err(other),
    }
}
