//! `POST /psp/paypal/ipn`: PayPal's Instant Payment Notifications. The raw
//! body is read once and posted back verbatim (`cmd=_notify-validate&` +
//! the same bytes) to PayPal, in-process to the emulator in emulator mode;
//! only `VERIFIED` is believed. A verified message is recorded once
//! (txn_id + payment_status), checked against its order, and acted on by
//! asking PayPal about its payment (`core::notify` decides): a completion
//! is recorded as the return path records it, a reversal or refund charges
//! the trade back, a canceled reversal puts it back. The answer is 200 for
//! every message, also those ignored, so that PayPal stops resending;
//! failures are logged, never acted on, and a message a handler could not
//! finish is taken up again by the cron.

use worker::{Fetch, Headers, Method, Request, RequestInit, Response};

use crate::core::config::NvpEndpoint;
use crate::core::notify::{self, Decision, Outcome, Step, Subject};
use crate::core::psp::paypal::ipn::{self, Notification};
use crate::shell::settle;
use crate::shell::web::{rows_at, Ctx, WebError, MAX_BODY_BYTES};

pub async fn paypal_ipn(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let bytes = crate::shell::body::read_capped(req).await?;
    if bytes.len() > MAX_BODY_BYTES {
        return Err(WebError::PayloadTooLarge);
    }
    // The exact bytes go back to PayPal; a body that is not text cannot be
    // one of PayPal's (they are ASCII after URL encoding).
    let Ok(body) = String::from_utf8(bytes) else {
        worker::console_warn!("ipn: body is not text; ignored");
        return Ok(Response::empty()?.with_status(200));
    };
    let outcome = receive(ctx, &body).await;
    worker::console_log!("ipn: {outcome}");
    Ok(Response::empty()?.with_status(200))
}

/// Handles one notification body; returns what was done (for logs).
pub async fn receive(ctx: &Ctx, body: &str) -> String {
    match verify(ctx, body).await {
        Ok(true) => {}
        Ok(false) => return "not verified by PayPal: ignored".into(),
        Err(e) => return format!("verification failed ({e}): ignored"),
    }
    let notification = match ipn::parse(body) {
        Ok(n) => n,
        Err(e) => return format!("unreadable ({e:?}): ignored"),
    };
    match act(ctx, body, &notification, true).await {
        Ok(outcome) => outcome,
        Err(e) => format!(
            "{} {}: {e:?}",
            notification.txn_id, notification.payment_status_text
        ),
    }
}

/// The postback: only PayPal's own `VERIFIED` makes a message believable.
async fn verify(ctx: &Ctx, body: &str) -> Result<bool, String> {
    match (
        &ctx.app.config.paypal_nvp,
        &ctx.app.config.paypal_ipn_verify_url,
    ) {
        (NvpEndpoint::InProcess, None) => {
            Ok(crate::shell::emulator::verify_ipn(ctx, body).await == "VERIFIED")
        }
        (_, Some(url)) => {
            let headers = Headers::new();
            headers
                .set("Content-Type", "application/x-www-form-urlencoded")
                .map_err(|e| e.to_string())?;
            let mut init = RequestInit::new();
            init.with_method(Method::Post)
                .with_headers(headers)
                .with_body(Some(ipn::postback_body(body).into()));
            let request = Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
            let mut response = Fetch::Request(request)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let text = response.text().await.map_err(|e| e.to_string())?;
            Ok(text.trim() == "VERIFIED")
        }
        (NvpEndpoint::Url(_), None) => Err("no PAYPAL_IPN_VERIFY_URL".into()),
    }
}

/// Acts on a verified message: records it once, reads its order and trade,
/// asks PayPal about the payment, and writes what the core decides
/// (`core::notify`); after a change it looks again, up to
/// [`notify::MAX_LOOKS`] times, until PayPal and the platform agree. `record`
/// is false for a message the cron takes up again (it is recorded already).
async fn act(ctx: &Ctx, body: &str, n: &Notification, record: bool) -> Result<String, WebError> {
    let order_id = n
        .invoice
        .as_deref()
        .and_then(|i| ipn::order_id_from_invoice(i, &ctx.app.deployment_id));
    let label = format!("{} {}", n.txn_id, n.payment_status_text);
    let mail = settle::mail_setting(ctx);
    // The first change made, which names the message's outcome.
    let mut changed: Option<Outcome> = None;
    for look in 0..notify::MAX_LOOKS {
        let now = ctx.now().to_string();
        let record_now = record && look == 0;
        let mut batch = Vec::with_capacity(4);
        if record_now {
            batch.push(notify::record_once(n, order_id, body, &now));
        }
        batch.extend(notify::read(n, order_id));
        let results = ctx.run(&batch).await?;
        let read = results.get(usize::from(record_now)..).unwrap_or_default();
        let mut subject = Subject::decode(read).map_err(|e| WebError::Internal(e.to_string()))?;
        if look > 0 {
            // After our own change, we confirm it whatever another handler
            // of the same message concluded meanwhile (it may have looked
            // before our change).
            subject.outcome = None;
        }
        let named = match notify::first_step(n, &subject) {
            Step::Done(Outcome::Duplicate) => {
                return Ok(format!("{label}: duplicate, counted once"))
            }
            Step::Done(outcome) => {
                if outcome == Outcome::Mismatch {
                    worker::console_warn!("ipn: {label} does not match its order: ignored");
                }
                let outcome = changed.unwrap_or(outcome);
                ctx.run(&vec![notify::set_outcome_stmt(n, outcome)]).await?;
                return Ok(format!("{label}: {}", outcome.as_str()));
            }
            Step::Ask(named) => named,
        };
        let (inquiry, mut traces) = settle::inquire(ctx, &named).await?;
        // `inquire` makes at least one call, so there is always a last trace.
        let Some(last) = traces.pop() else {
            return Ok(format!("{label}: PayPal was not asked; left for the cron"));
        };
        match notify::decide(n, &subject, &named, &inquiry, last, &mail, &now) {
            Decision::Retry(mut batch) => {
                batch.extend(traces);
                ctx.run(&batch).await?;
                return Ok(format!("{label}: PayPal did not answer; left for the cron"));
            }
            Decision::Agreed(mut batch, outcome) => {
                let outcome = changed.unwrap_or(outcome);
                batch.extend(traces);
                batch.push(notify::set_outcome_stmt(n, outcome));
                ctx.run(&batch).await?;
                return Ok(format!("{label}: {}", outcome.as_str()));
            }
            Decision::Change(tries, mut otherwise) => {
                let mut applied = None;
                for (mut batch, outcome) in tries {
                    batch.extend(traces.iter().cloned());
                    match ctx.run(&batch).await {
                        Ok(_) => {
                            applied = Some(outcome);
                            break;
                        }
                        Err(WebError::Db(e)) if e.guard().is_some() => {}
                        Err(e) => return Err(e),
                    }
                }
                let Some(outcome) = applied else {
                    // Something changed between the read and the write (a
                    // return, the cron, another message): the cron takes
                    // it up again.
                    otherwise.extend(traces);
                    ctx.run(&otherwise).await?;
                    return Ok(format!("{label}: changed meanwhile; left for the cron"));
                };
                changed = changed.or(Some(outcome));
            }
        }
    }
    Ok(format!(
        "{label}: still changing after {} looks; left for the cron",
        notify::MAX_LOOKS
    ))
}

/// The cron: takes up again the messages a crashed handler or a lost race
/// left `received`, a minute old at least, for up to
/// [`notify::RETRY_DAYS`]. They were verified before being recorded.
pub async fn retry_received(ctx: &Ctx, limit: i64) -> Result<usize, WebError> {
    let now = ctx.now();
    let due = ctx
        .run(&vec![notify::due(
            &now.plus_seconds(-60).to_string(),
            &now.plus_seconds(-notify::RETRY_DAYS * 86_400).to_string(),
            limit,
        )])
        .await?;
    let messages: Vec<notify::Due> = rows_at(&due, 0)?;
    for message in &messages {
        let outcome = match ipn::parse(&message.body) {
            Ok(n) => match act(ctx, &message.body, &n, false).await {
                Ok(outcome) => outcome,
                Err(e) => format!("{}: {e:?}", n.txn_id),
            },
            Err(e) => format!("unreadable ({e:?})"),
        };
        worker::console_log!("ipn retry: {outcome}");
    }
    Ok(messages.len())
}

/// Emulator mode: delivers the IPNs the emulator queued to this listener,
/// in-process (a deployed Worker cannot fetch itself). Like PayPal's, the
/// delivery is asynchronous: the cron does it on every run, and
/// `POST /_emulator/paypal/ipn/deliver` does it at once. Returns how many
/// were delivered.
pub async fn deliver_emulator_ipns(ctx: &Ctx) -> Result<usize, WebError> {
    let queued = crate::shell::emulator::queued_ipns(ctx, 50).await?;
    let mut delivered = 0;
    // Only notifications addressed to a PayBook listener are queued for
    // ours (`queued_ipns` selects them); others stay listed, undelivered.
    for message in &queued {
        let outcome = receive(ctx, &message.body).await;
        worker::console_log!("emulator IPN {} delivered: {outcome}", message.id);
        crate::shell::emulator::record_ipn_delivery(ctx, message.id, 200).await?;
        delivered += 1;
    }
    Ok(delivered)
}

/// `POST /_emulator/paypal/ipn/deliver`.
pub async fn deliver_route(ctx: &Ctx) -> Result<Response, WebError> {
    let delivered = deliver_emulator_ipns(ctx).await?;
    crate::shell::web::json_response(200, &serde_json::json!({ "delivered": delivered }))
}
