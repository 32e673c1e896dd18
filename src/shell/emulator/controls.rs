//! The emulator's test controls: one-shot faults (`/_emulator/paypal/faults`)
//! and the clock (`/_emulator/clock`).

use serde_json::json;
use worker::{Request, Response};

use super::{adopt_clock_offset, clock_offset_stmt, invalid, query, row_at, rows_at};
use crate::core::psp::paypal::emulator as rules;
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
    let spec = if form.get("method").trim() == ipn_options::IPN_VERIFY_METHOD {
        // A fault on the IPN postback rather than on an NVP method.
        match ipn_options::parse_verify_fault(&get) {
            Ok(kind) => {
                return insert_fault(ctx, ipn_options::IPN_VERIFY_METHOD, None, &kind).await
            }
            Err(field) => return invalid(field),
        }
    } else {
        match rules::parse_fault(&get) {
            Ok(spec) => spec,
            Err(field) => return invalid(field),
        }
    };
    insert_fault(
        ctx,
        spec.method.as_str(),
        Some((spec.token.as_deref(), spec.api_username.as_deref())),
        &spec.kind,
    )
    .await
}

/// Stores a fault for `method` (with its token and API username, if any).
async fn insert_fault(
    ctx: &Ctx,
    method: &str,
    scope: Option<(Option<&str>, Option<&str>)>,
    kind: &rules::FaultKind,
) -> Result<Response, WebError> {
    let (token, api_username) = scope.unwrap_or((None, None));
    let (error_code, payment_status, pending_reason, drop_answer) = match kind {
        rules::FaultKind::Error(code) => (Some(code.clone()), None, None, false),
        rules::FaultKind::Status {
            status,
            pending_reason,
        } => (
            None,
            Some(status.as_str().to_owned()),
            Some(pending_reason.as_str().to_owned()),
            false,
        ),
        rules::FaultKind::Drop => (None, None, None, true),
    };
    let now = ctx.now().to_string();
    let stmt = emulator::insert_fault(&emulator::NewFault {
        method,
        token,
        api_username,
        error_code: error_code.as_deref(),
        payment_status: payment_status.as_deref(),
        pending_reason: pending_reason.as_deref(),
        drop_answer,
        now: &now,
    });
    let results = ctx.run_emulator(&vec![stmt]).await?;
    let fault: emulator::Fault = row_at(&results, 0)?
        .ok_or_else(|| WebError::Internal("fault insert returned nothing".into()))?;
    json_response(201, &fault_json(&fault))
}

/// `GET /_emulator/paypal/faults[?token=&api_username=]`: pending faults.
pub async fn faults_get(ctx: &Ctx) -> Result<Response, WebError> {
    let (token, user) = (query(ctx, "token"), query(ctx, "api_username"));
    let results = ctx
        .run_emulator(&vec![emulator::list_faults(
            token.as_deref(),
            user.as_deref(),
        )])
        .await?;
    let faults: Vec<emulator::Fault> = rows_at(&results, 0)?;
    let list: Vec<serde_json::Value> = faults.iter().map(fault_json).collect();
    json_response(200, &json!({ "faults": list }))
}

/// `DELETE /_emulator/paypal/faults[?token=&api_username=]`: clears the
/// pending faults (only those of a token or API username when given).
pub async fn faults_delete(ctx: &Ctx) -> Result<Response, WebError> {
    let (token, user) = (query(ctx, "token"), query(ctx, "api_username"));
    let results = ctx
        .run_emulator(&vec![emulator::clear_faults(
            token.as_deref(),
            user.as_deref(),
        )])
        .await?;
    let cleared = results.first().map_or(0, |r| r.changes);
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

/// `GET /_emulator/clock`: `{"offset_seconds", "now"}`.
pub async fn clock_get(ctx: &Ctx) -> Result<Response, WebError> {
    let results = ctx.run_emulator(&vec![clock_offset_stmt()]).await?;
    adopt_clock_offset(ctx, row_at(&results, 0)?);
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
    let results = ctx
        .run_emulator(&vec![emulator::advance_clock(seconds)])
        .await?;
    let total: emulator::ClockOffset = row_at(&results, 0)?
        .ok_or_else(|| WebError::Internal("clock offset not returned".into()))?;
    let total = total
        .value
        .trim()
        .parse::<i64>()
        .map_err(|_| WebError::Internal(format!("clock offset {:?}", total.value)))?;
    ctx.app.clock_offset_seconds.set(total);
    json_response(200, &clock_json(ctx))
}
