//! The emulator's test controls: one-shot faults on the next matching NVP
//! call or IPN postback, and the persisted clock offset.

use super::{row_at, rows_at};
use crate::core::flow::{Effects, FlowError};
use crate::core::psp::paypal::emulator::{FaultKind, FaultSpec};
use crate::core::psp::paypal::emulator_ipn::IPN_VERIFY_METHOD;
use crate::core::sql::emulator;

/// Stores a one-shot fault on the next NVP call of `spec.method` (with
/// its token and API username when given) and returns it as stored.
pub async fn set_fault<E: Effects>(fx: &E, spec: &FaultSpec) -> Result<emulator::Fault, FlowError> {
    let scope = (spec.token.as_deref(), spec.api_username.as_deref());
    insert_fault(fx, spec.method.as_str(), scope, &spec.kind).await
}

/// Stores a one-shot fault on the next IPN postback (`Drop` loses its
/// answer, `Error(code)` answers something else than `VERIFIED`/`INVALID`).
pub async fn set_postback_fault<E: Effects>(
    fx: &E,
    kind: &FaultKind,
) -> Result<emulator::Fault, FlowError> {
    insert_fault(fx, IPN_VERIFY_METHOD, (None, None), kind).await
}

async fn insert_fault<E: Effects>(
    fx: &E,
    method: &str,
    (token, api_username): (Option<&str>, Option<&str>),
    kind: &FaultKind,
) -> Result<emulator::Fault, FlowError> {
    let (error_code, payment_status, pending_reason, drop_answer) = match kind {
        FaultKind::Error(code) => (Some(code.clone()), None, None, false),
        FaultKind::Status {
            status,
            pending_reason,
        } => (
            None,
            Some(status.as_str().to_owned()),
            Some(pending_reason.as_str().to_owned()),
            false,
        ),
        FaultKind::Drop => (None, None, None, true),
    };
    let now = fx.now().to_string();
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
    let results = fx.run(&vec![stmt]).await?;
    row_at(&results, 0)?.ok_or_else(|| FlowError::Internal("fault insert returned nothing".into()))
}

/// The pending faults, oldest first (only those of a token or an API
/// username when given).
pub async fn list_faults<E: Effects>(
    fx: &E,
    token: Option<&str>,
    api_username: Option<&str>,
) -> Result<Vec<emulator::Fault>, FlowError> {
    let results = fx
        .run(&vec![emulator::list_faults(token, api_username)])
        .await?;
    rows_at(&results, 0)
}

/// Clears the pending faults (only those of a token or an API username
/// when given); returns how many.
pub async fn clear_faults<E: Effects>(
    fx: &E,
    token: Option<&str>,
    api_username: Option<&str>,
) -> Result<u64, FlowError> {
    let results = fx
        .run(&vec![emulator::clear_faults(token, api_username)])
        .await?;
    Ok(results.first().map_or(0, |r| r.changes))
}

/// The persisted clock offset in seconds (`None`: never moved).
pub async fn read_clock_offset<E: Effects>(fx: &E) -> Result<Option<i64>, FlowError> {
    let results = fx.run(&vec![emulator::clock_offset()]).await?;
    Ok(emulator::clock_offset_in(
        &[emulator::clock_offset()],
        &results,
    ))
}

/// Moves the persisted clock offset by `seconds` (checked by
/// `parse_advance_seconds`) and returns the new total.
pub async fn advance_clock<E: Effects>(fx: &E, seconds: i64) -> Result<i64, FlowError> {
    let batch = vec![emulator::advance_clock(seconds)];
    let results = fx.run(&batch).await?;
    let total: emulator::ClockOffset = row_at(&results, 0)?
        .ok_or_else(|| FlowError::Internal("clock offset not returned".into()))?;
    total
        .value
        .trim()
        .parse::<i64>()
        .map_err(|_| FlowError::Internal(format!("clock offset {:?}", total.value)))
}
