//! `POST /psp/paypal/ipn`, the receiving half of PayPal's Instant Payment
//! Notifications: the body is read (at most `MAX_BODY_BYTES`, 413
//! beyond, never read whole first), its exact bytes recorded before
//! anything else, read in the charset it names, and posted back verbatim
//! (`cmd=_notify-validate&` + the same bytes, with a timeout; in-process to
//! the emulator in emulator mode). The steps and what each answer means are
//! `core::ipn_receipts`'s: 200 once the message is recorded and verified
//! (or forged, or unreadable for good), 503 when it could not be recorded
//! or PayPal's postback said nothing usable, so that PayPal sends it again.
//! A verified message is then acted on (`super::ipn_act::act`); the cron
//! verifies again those left `received` ([`verify_received`]).

use worker::{Request, Response};

use super::ipn_act::act;
use crate::core::config::NvpEndpoint;
use crate::core::ipn_receipts::{self, Answer};
use crate::core::psp::paypal::charset::ascii_body;
use crate::core::psp::paypal::ipn::{self, Verdict};
use crate::shell::body::read_capped;
use crate::shell::paypal::{post, IPN_VERIFY_TIMEOUT};
use crate::shell::web::{row_at, rows_at, Ctx, WebError};

pub async fn paypal_ipn(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let bytes = read_capped(req).await?;
    let (answer, outcome) = receive(ctx, &bytes).await;
    worker::console_log!("ipn: {outcome}");
    Ok(Response::empty()?.with_status(answer.http_status()))
}

/// Handles one notification as received: records it, reads it, verifies
/// it, acts on it. Returns what to answer and what was done (for logs).
pub async fn receive(ctx: &Ctx, raw: &[u8]) -> (Answer, String) {
    let now = ctx.now().to_string();
    let recorded = match ctx.run(&vec![ipn_receipts::record(raw, &now)]).await {
        Ok(results) => row_at::<ipn_receipts::Recorded>(&results, 0),
        Err(e) => Err(e),
    };
    let id = match recorded {
        Ok(Some(r)) => r.id,
        Ok(None) => return (Answer::SendAgain, "not recorded: no id".into()),
        Err(e) => return (Answer::SendAgain, format!("not recorded ({e:?})")),
    };
    verify_recorded(ctx, id, raw).await
}

/// Reads, verifies and (once verified) acts on recorded message `id`.
async fn verify_recorded(ctx: &Ctx, id: i64, raw: &[u8]) -> (Answer, String) {
    let now = ctx.now().to_string();
    let n = match ipn::parse_bytes(raw) {
        Ok(n) => n,
        Err(e) => {
            let (batch, answer) = ipn_receipts::unreadable(id, &e, &now);
            return match ctx.run(&batch).await {
                Ok(_) => (
                    answer,
                    format!("{id}: unreadable ({e:?}): recorded, ignored"),
                ),
                Err(db) => (Answer::SendAgain, format!("{id}: unreadable, {db:?}")),
            };
        }
    };
    let verdict = verify(ctx, raw).await;
    let order_id = n
        .invoice
        .as_deref()
        .and_then(|i| ipn::order_id_from_invoice(i, &ctx.app.deployment_id));
    let label = format!("{id} {} {}", n.txn_id, n.payment_status_text);
    let (batch, answer) = ipn_receipts::after_postback(id, raw, &n, order_id, &verdict, &now);
    if !batch.is_empty() {
        if let Err(e) = ctx.run(&batch).await {
            return (Answer::SendAgain, format!("{label}: not recorded ({e:?})"));
        }
    }
    match verdict {
        Verdict::Verified => {}
        Verdict::Forged => return (answer, format!("{label}: INVALID, recorded as forged")),
        Verdict::Unknown(why) => return (answer, format!("{label}: not verified ({why})")),
    }
    // Recorded and verified: acknowledged whatever acting does (a message
    // left `received` is the cron's).
    let outcome = match act(ctx, &ascii_body(raw), &n, false).await {
        Ok(outcome) => outcome.to_string(),
        Err(e) => format!("{label}: {e:?}"),
    };
    (answer, outcome)
}

/// The postback: PayPal's answer about these exact bytes.
async fn verify(ctx: &Ctx, raw: &[u8]) -> Verdict {
    match (
        &ctx.app.config.paypal_nvp,
        &ctx.app.config.paypal_ipn_verify_url,
    ) {
        (NvpEndpoint::InProcess, None) => {
            let (status, text) = crate::shell::emulator::verify_ipn(ctx, raw).await;
            ipn::verdict(status, &text)
        }
        (_, Some(url)) => match post(url, &ipn::postback_body(raw), IPN_VERIFY_TIMEOUT).await {
            Ok((status, text)) => ipn::verdict(status, &text),
            Err(no_answer) => Verdict::Unknown(no_answer.describe()),
        },
        (NvpEndpoint::Url(_), None) => Verdict::Unknown("no PAYPAL_IPN_VERIFY_URL".into()),
    }
}

/// The cron: verifies again the messages recorded but not verified (a
/// postback that failed, a crash), a minute old at least, for up to
/// [`crate::core::notify::RETRY_DAYS`]; those verified are acted on.
pub async fn verify_received(ctx: &Ctx, limit: i64) -> Result<usize, WebError> {
    let now = ctx.now();
    let due = ctx
        .run(&vec![ipn_receipts::due(
            &now.plus_seconds(-60).to_string(),
            &now.plus_seconds(-crate::core::notify::RETRY_DAYS * 86_400)
                .to_string(),
            limit,
        )])
        .await?;
    let messages: Vec<ipn_receipts::Due> = rows_at(&due, 0)?;
    for message in &messages {
        let outcome = match message.bytes() {
            Some(raw) => verify_recorded(ctx, message.id, &raw).await.1,
            None => format!("{}: stored bytes damaged", message.id),
        };
        worker::console_log!("ipn verify again: {outcome}");
    }
    Ok(messages.len())
}
