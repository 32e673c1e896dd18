//! The emulator's test controls over HTTP: one-shot faults
//! (`/_emulator/paypal/faults`) and the clock (`/_emulator/clock`); the
//! work is `serve::controls`.

use serde_json::json;
use worker::{Request, Response};

use super::EmulatorFx;
use super::{invalid, query};
use crate::core::psp::paypal::emulator::{self as rules, serve};
use crate::core::psp::paypal::emulator_ipn as ipn_options;
use crate::core::sql::emulator;
use crate::shell::web::{json_response, read_form, Ctx, WebError};

fn fault_json(f: &emulator::Fault) -> serde_json::Value {
    json!({
        "id": f.id,
        "method": f.method,
        "token": f.token,
        "api_username": f.api_username,
        "error_code": f.error_code,
        "payment_status": f.payment_status,
        "pending_reason": f.pending_reason,
        "drop": f.drop_answer == 1,
        "created_at": f.created_at,
    })
}

/// `POST /_emulator/paypal/faults`: `method`, optional `token` and
/// `api_username`, and one of `error_code`, `payment_status` (+
/// `pending_reason`) or `drop=1`. 201 with the fault; 422 naming the field.
pub async fn faults_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    let get = |name: &str| form.get(name).to_owned();
    let fx = EmulatorFx(ctx);
    let fault = if form.get("method").trim() == ipn_options::IPN_VERIFY_METHOD {
        // A fault on the IPN postback rather than on an NVP method.
        match ipn_options::parse_verify_fault(&get) {
            Ok(kind) => serve::set_postback_fault(&fx, &kind).await?,
            Err(field) => return invalid(field),
        }
    } else {
        match rules::parse_fault(&get) {
            Ok(spec) => serve::set_fault(&fx, &spec).await?,
            Err(field) => return invalid(field),
        }
    };
    json_response(201, &fault_json(&fault))
}

/// `GET /_emulator/paypal/faults[?token=&api_username=]`: pending faults.
pub async fn faults_get(ctx: &Ctx) -> Result<Response, WebError> {
    let (token, user) = (query(ctx, "token"), query(ctx, "api_username"));
    let faults = serve::list_faults(&EmulatorFx(ctx), token.as_deref(), user.as_deref()).await?;
    let list: Vec<serde_json::Value> = faults.iter().map(fault_json).collect();
    json_response(200, &json!({ "faults": list }))
}

/// `DELETE /_emulator/paypal/faults[?token=&api_username=]`: clears the
/// pending faults (only those of a token or API username when given).
pub async fn faults_delete(ctx: &Ctx) -> Result<Response, WebError> {
    let (token, user) = (query(ctx, "token"), query(ctx, "api_username"));
    let cleared = serve::clear_faults(&EmulatorFx(ctx), token.as_deref(), user.as_deref()).await?;
    json_response(200, &json!({ "cleared": cleared }))
}

// ---------------------------------------------------------------------------
// Clock
// ---------------------------------------------------------------------------

fn clock_json(ctx: &Ctx) -> serde_json::Value {
    json!({
        "offset_seconds": ctx.app.clock_offset_seconds.get(),
        "now": ctx.now().to_string(),
    })
}

/// `GET /_emulator/clock`: `{"offset_seconds", "now"}` (the persisted
/// offset is adopted by `EmulatorFx` as it is read).
pub async fn clock_get(ctx: &Ctx) -> Result<Response, WebError> {
    serve::read_clock_offset(&EmulatorFx(ctx)).await?;
    json_response(200, &clock_json(ctx))
}

/// `POST /_emulator/clock` with `advance_seconds=N` (an integer): moves the
/// clock of the platform, the emulator and the cron by N seconds, for good
/// (the offset is kept in `settings`). 422 for anything but an integer.
pub async fn clock_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    let Some(seconds) = rules::parse_advance_seconds(form.get("advance_seconds")) else {
        return invalid("advance_seconds");
    };
    let total = serve::advance_clock(&EmulatorFx(ctx), seconds).await?;
    ctx.app.clock_offset_seconds.set(total);
    json_response(200, &clock_json(ctx))
}
