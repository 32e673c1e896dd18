//! The emulator's IPN over HTTP: the messages it queued for NOTIFYURL
//! (`/_emulator/paypal/ipn`, `/ipn/drop`) and the postback that verifies
//! them (`/_emulator/paypal/ipn-verify`); the work is `serve::ipn`.

use serde_json::json;
use worker::{Request, Response};

use super::query;
use super::EmulatorFx;
use crate::core::psp::paypal::emulator::serve::{self, QueuedIpn};
use crate::shell::web::{json_response, Ctx, WebError};

/// The oldest IPN messages not delivered yet (for a retrying deliverer).
pub async fn queued_ipns(ctx: &Ctx, limit: i64) -> Result<Vec<QueuedIpn>, WebError> {
    Ok(serve::queued_ipns(&EmulatorFx(ctx), limit).await?)
}

/// Records one delivery attempt of message `id`: the listener's HTTP
/// status; 200 marks it delivered.
pub async fn record_ipn_delivery(ctx: &Ctx, id: i64, http_status: u16) -> Result<(), WebError> {
    Ok(serve::record_delivery(&EmulatorFx(ctx), id, http_status).await?)
}

/// The IPN postback's answer (HTTP status, body): `VERIFIED` iff
/// `message` (the bytes after `cmd=_notify-validate&`) is exactly a
/// message the emulator sent, else `INVALID` (see `serve::verify_postback`).
pub async fn verify_ipn(ctx: &Ctx, message: &[u8]) -> (u16, String) {
    serve::verify_postback(&EmulatorFx(ctx), message).await
}

fn text_response(status: u16, text: &str) -> Result<Response, WebError> {
    let mut response = Response::ok(text)?.with_status(status);
    response
        .headers_mut()
        .set("Content-Type", "text/plain; charset=utf-8")?;
    Ok(response)
}

/// `POST /_emulator/paypal/ipn-verify`: `cmd=_notify-validate&` + the exact
/// bytes received → `VERIFIED` or `INVALID`, as PayPal's postback.
pub async fn ipn_verify_route(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let body = crate::shell::body::read_capped(req).await?;
    let (status, answer) = match body.strip_prefix(b"cmd=_notify-validate&".as_slice()) {
        Some(message) => verify_ipn(ctx, message).await,
        None => (200, "INVALID".to_owned()),
    };
    text_response(status, &answer)
}

/// `GET /_emulator/paypal/ipn[?txn_id=]`: the messages the emulator
/// queued, newest first (a `txn_id` also finds later events about it).
pub async fn ipn_list(ctx: &Ctx) -> Result<Response, WebError> {
    let txn_id = query(ctx, "txn_id");
    let messages = serve::ipn_messages(&EmulatorFx(ctx), txn_id.as_deref(), 200).await?;
    let list: Vec<serde_json::Value> = messages
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "txn_id": m.txn_id,
                "parent_txn_id": m.parent_txn_id,
                "payment_status": m.payment_status,
                "notify_url": m.notify_url,
                "body": m.body,
                "delivered": m.status == "delivered",
                "status": m.status,
                "attempts": m.attempts,
                "last_http_status": m.last_http_status,
                "created_at": m.created_at,
                "delivered_at": m.delivered_at,
            })
        })
        .collect();
    json_response(200, &json!({ "messages": list }))
}

/// `POST /_emulator/paypal/ipn/drop[?txn_id=]`: the queued messages (about
/// one transaction when given, as its `txn_id` or `parent_txn_id`) are lost:
/// removed undelivered, as a notification PayPal never sends (so its
/// postback would not be verified either). For tests of what the platform
/// learns without notifications.
pub async fn ipn_drop(ctx: &Ctx) -> Result<Response, WebError> {
    let txn_id = query(ctx, "txn_id");
    let dropped = serve::drop_queued_ipns(&EmulatorFx(ctx), txn_id.as_deref()).await?;
    json_response(200, &json!({ "dropped": dropped }))
}
