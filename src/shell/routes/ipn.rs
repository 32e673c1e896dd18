//! PayPal's Instant Payment Notifications: the listener's route (receiving,
//! recording and verifying them is `super::ipn_listener`'s, acting on a
//! verified one `super::ipn_act`'s), and the cron's part: a message a
//! handler could not finish is taken up again, as are messages recorded but
//! not verified yet. Also the emulator's in-process IPN delivery.

use worker::Response;

use crate::core::notify;
use crate::core::psp::paypal::ipn;
use crate::shell::web::{rows_at, Ctx, WebError};

pub(crate) use super::ipn_act::{act, Acted};
pub use super::ipn_listener::paypal_ipn;
use super::ipn_listener::{receive, verify_received};

/// The cron: verifies the messages recorded but not verified yet (their
/// postback failed), then takes up again the verified messages a crashed
/// handler or a lost race left `received`, a minute old at least, for up to
/// [`notify::RETRY_DAYS`]. Returns how many of the latter.
pub async fn retry_received(ctx: &Ctx, limit: i64) -> Result<usize, WebError> {
    if let Err(e) = verify_received(ctx, limit).await {
        worker::console_error!("ipn: verifying recorded messages again failed: {e:?}");
    }
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
                Ok(outcome) => outcome.to_string(),
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
/// were delivered (acknowledged with a 200).
pub async fn deliver_emulator_ipns(ctx: &Ctx) -> Result<usize, WebError> {
    let queued = crate::shell::emulator::queued_ipns(ctx, 50).await?;
    let mut delivered = 0;
    // Only notifications addressed to a PayBook listener are queued for
    // ours (`queued_ipns` selects them); others stay listed, undelivered.
    for message in &queued {
        let (answer, outcome) = receive(ctx, message.body.as_bytes()).await;
        let status = answer.http_status();
        worker::console_log!(
            "emulator IPN {} delivered ({status}): {outcome}",
            message.id
        );
        // Like PayPal, the emulator sends it again until it gets a 200.
        crate::shell::emulator::record_ipn_delivery(ctx, message.id, status).await?;
        delivered += usize::from(status == 200);
    }
    Ok(delivered)
}

/// `POST /_emulator/paypal/ipn/deliver`.
pub async fn deliver_route(ctx: &Ctx) -> Result<Response, WebError> {
    let delivered = deliver_emulator_ipns(ctx).await?;
    crate::shell::web::json_response(200, &serde_json::json!({ "delivered": delivered }))
}
