//! The receiving half of PayPal's Instant Payment Notifications, as a flow:
//! the exact bytes are recorded before anything else, read in the charset
//! they name, and posted back verbatim (`cmd=_notify-validate&` + the same
//! bytes). The steps and what each answer means are `receipts`'s:
//! acknowledged once recorded and verified (or forged, or unreadable for
//! good), sent again when it could not be recorded or the postback said
//! nothing usable. A verified message is acted on (`flow::notify::act`);
//! the cron verifies again those left `received`.

use super::charset::ascii_body;
use super::ipn::{self, Verdict};
use super::receipts::{self as ipn_receipts, Answer};
use crate::core::flow::notify::act;
use crate::core::flow::{
    row_at, rows_at, Effects, Endpoint, FlowError, Patience, Site, WireRequest,
};

/// Handles one notification as received: records it, reads it, verifies
/// it, acts on it. Returns what to answer and what was done (for logs).
pub async fn receive<E: Effects>(fx: &E, site: &Site<'_>, raw: &[u8]) -> (Answer, String) {
    let now = fx.now().to_string();
    let recorded = match fx.run(&vec![ipn_receipts::record(raw, &now)]).await {
        Ok(results) => row_at::<ipn_receipts::Recorded>(&results, 0),
        Err(e) => Err(e.into()),
    };
    let id = match recorded {
        Ok(Some(r)) => r.id,
        Ok(None) => return (Answer::SendAgain, "not recorded: no id".into()),
        Err(e) => return (Answer::SendAgain, format!("not recorded ({e:?})")),
    };
    verify_recorded(fx, site, id, raw).await
}

/// Reads, verifies and (once verified) acts on recorded message `id`.
async fn verify_recorded<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    id: i64,
    raw: &[u8],
) -> (Answer, String) {
    let now = fx.now().to_string();
    let n = match ipn::parse_bytes(raw) {
        Ok(n) => n,
        Err(e) => {
            let (batch, answer) = ipn_receipts::unreadable(id, &e, &now);
            return match fx.run(&batch).await {
                Ok(_) => (
                    answer,
                    format!("{id}: unreadable ({e:?}): recorded, ignored"),
                ),
                Err(db) => (Answer::SendAgain, format!("{id}: unreadable, {db:?}")),
            };
        }
    };
    let verdict = verify(fx, raw).await;
    let order_id = n.order_id(site.deployment_id);
    let label = format!("{id} {} {}", n.reference, n.status_text);
    let (batch, answer) = ipn_receipts::after_postback(id, raw, &n, order_id, &verdict, &now);
    if !batch.is_empty() {
        if let Err(e) = fx.run(&batch).await {
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
    let outcome = match act(fx, site, &ascii_body(raw), &n, false).await {
        Ok(outcome) => outcome.to_string(),
        Err(e) => format!("{label}: {e:?}"),
    };
    (answer, outcome)
}

/// The postback: PayPal's answer about these exact bytes.
async fn verify<E: Effects>(fx: &E, raw: &[u8]) -> Verdict {
    let request = WireRequest {
        endpoint: Endpoint::PaypalIpnVerify,
        patience: Patience::Postback,
        body: ipn::postback_body(raw),
    };
    match fx.send(&request).await {
        Ok(answer) => ipn::verdict(answer.status, &String::from_utf8_lossy(&answer.body)),
        Err(no_answer) => Verdict::Unknown(no_answer.describe()),
    }
}

/// The cron: verifies again the messages recorded but not verified (a
/// postback that failed, a crash), a minute old at least, for up to
/// [`crate::core::notify::RETRY_DAYS`]; those verified are acted on.
pub async fn verify_received<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    limit: i64,
) -> Result<usize, FlowError> {
    let now = fx.now();
    let due = fx
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
            Some(raw) => verify_recorded(fx, site, message.id, &raw).await.1,
            None => format!("{}: stored bytes damaged", message.id),
        };
        fx.log(&format!("ipn verify again: {outcome}"));
    }
    Ok(messages.len())
}
