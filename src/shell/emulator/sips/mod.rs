//! The built-in Worldline Sips emulator over HTTP (emulator mode only,
//! behind the same gate as PayPal's): the Paypage (`paypage`:
//! `paymentInit`, the card page, the page that posts the manual response
//! back), Office (`/_emulator/sips/office/rs-services/v2/...`, and
//! [`office_answer`] in-process for the platform's effects), merchants
//! (`accounts`), one-shot faults, and the automatic responses' queue
//! (`responses`: delivered in-process to the platform's listener at once,
//! and again by [`deliver_sips_messages`] from the cron and
//! `POST /_emulator/sips/responses/deliver`). The work is
//! `core::psp::sips::emulator::serve`, run on `EmulatorFx`; this module
//! parses HTTP and renders.

mod accounts;
mod paypage;
mod responses;

use serde_json::json;
use worker::{Method, Request, Response};

use super::EmulatorFx;
use crate::core::psp::sips::emulator::{self as rules, serve};
use crate::core::sql::emulator::sips::Fault;
use crate::shell::web::{json_response, read_form, Ctx, WebError};

pub use responses::deliver_sips_messages;

/// Routes `/_emulator/sips/...`.
pub async fn route(
    ctx: &Ctx,
    req: &mut Request,
    method: &Method,
    segments: &[&str],
) -> Result<Response, WebError> {
    match (method, segments) {
        (Method::Post, ["_emulator", "sips", "paymentInit"]) => {
            paypage::payment_init(ctx, req).await
        }
        (Method::Post, ["_emulator", "sips", "card"]) => paypage::card_post(ctx, req).await,
        (Method::Get, ["_emulator", "sips", "accounts"]) => accounts::accounts_get(ctx).await,
        (Method::Post, ["_emulator", "sips", "accounts"]) => {
            accounts::accounts_post(ctx, req).await
        }
        (Method::Get, ["_emulator", "sips", "faults"]) => faults_get(ctx).await,
        (Method::Post, ["_emulator", "sips", "faults"]) => faults_post(ctx, req).await,
        (Method::Delete, ["_emulator", "sips", "faults"]) => faults_delete(ctx).await,
        (Method::Get, ["_emulator", "sips", "responses"]) => responses::responses_get(ctx).await,
        (Method::Post, ["_emulator", "sips", "responses", "deliver"]) => {
            responses::deliver_route(ctx).await
        }
        (Method::Post, ["_emulator", "sips", "office", path @ ..]) => {
            office_route(ctx, req, &path.join("/")).await
        }
        _ => Err(WebError::NotFound),
    }
}

/// Sips Office in-process, for the platform's effects in emulator mode:
/// `path` is the call's path under the Office base
/// (`office::Operation::path`, e.g. `rs-services/v2/cashManagement/validate`),
/// `body` its sealed JSON. Returns (HTTP status, body) as the HTTP route
/// answers: 200 with Sips' JSON (refusals included), 404 for a path Office
/// does not have, 502 with an empty body when a `drop` fault lost the
/// answer (the work is done), 503 when the emulator's tables failed.
pub async fn office_answer(ctx: &Ctx, path: &str, body: &[u8]) -> (u16, String) {
    serve::office_answer(&EmulatorFx(ctx), path, body).await
}

/// `POST /_emulator/sips/office/rs-services/v2/...`: Office over HTTP.
async fn office_route(ctx: &Ctx, req: &mut Request, path: &str) -> Result<Response, WebError> {
    let body = crate::shell::body::read_capped(req).await?;
    let (status, text) = office_answer(ctx, path, &body).await;
    let mut response = Response::ok(text)?.with_status(status);
    response
        .headers_mut()
        .set("Content-Type", "application/json")?;
    Ok(response)
}

fn query(ctx: &Ctx, name: &str) -> Option<String> {
    ctx.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn fault_json(f: &Fault) -> serde_json::Value {
    json!({
        "id": f.id,
        "method": f.method,
        "merchant_id": f.merchant_id,
        "transaction_reference": f.transaction_reference,
        "response_code": f.response_code,
        "drop": f.drop_answer == 1,
        "delay": f.delay == 1,
        "duplicate": f.duplicate == 1,
        "created_at": f.created_at,
    })
}

/// `POST /_emulator/sips/faults`: `method` (`paymentInit`, `validate`,
/// `cancel`, `refund`, `getTransactionData`, `response`), optional
/// `merchant_id` and `transaction_reference`, and one of `response_code`,
/// `drop=1`, `delay=1` or `duplicate=1` (the last two for `response`).
/// 201 with the fault; 422 naming the field.
async fn faults_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    let spec = match rules::parse_fault(&|name: &str| form.get(name).to_owned()) {
        Ok(spec) => spec,
        Err(field) => return json_response(422, &json!({ "error": "invalid", "field": field })),
    };
    let fault = serve::set_fault(&EmulatorFx(ctx), &spec).await?;
    json_response(201, &fault_json(&fault))
}

/// `GET /_emulator/sips/faults[?merchant_id=&transaction_reference=]`.
async fn faults_get(ctx: &Ctx) -> Result<Response, WebError> {
    let (merchant, reference) = (
        query(ctx, "merchant_id"),
        query(ctx, "transaction_reference"),
    );
    let faults =
        serve::list_faults(&EmulatorFx(ctx), merchant.as_deref(), reference.as_deref()).await?;
    let list: Vec<serde_json::Value> = faults.iter().map(fault_json).collect();
    json_response(200, &json!({ "faults": list }))
}

/// `DELETE /_emulator/sips/faults[?merchant_id=&transaction_reference=]`.
async fn faults_delete(ctx: &Ctx) -> Result<Response, WebError> {
    let (merchant, reference) = (
        query(ctx, "merchant_id"),
        query(ctx, "transaction_reference"),
    );
    let cleared =
        serve::clear_faults(&EmulatorFx(ctx), merchant.as_deref(), reference.as_deref()).await?;
    json_response(200, &json!({ "cleared": cleared }))
}
