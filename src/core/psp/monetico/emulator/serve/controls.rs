//! The emulator's one-shot faults: stored, listed and cleared (the clock
//! is the shared `/_emulator/clock`).

use crate::core::flow::{row_at, rows_at, Effects, FlowError};
use crate::core::psp::monetico::emulator::fault::{FaultKind, FaultSpec};
use crate::core::sql::emulator::monetico::{self as sql, Fault};

/// Stores a fault and returns it as stored.
pub async fn set_fault<E: Effects>(fx: &E, spec: &FaultSpec) -> Result<Fault, FlowError> {
    let code = match &spec.kind {
        FaultKind::Code(code) => Some(code.as_str()),
        FaultKind::Drop | FaultKind::Delay | FaultKind::Duplicate => None,
    };
    let now = fx.now().to_string();
    let stmt = sql::insert_fault(&sql::NewFault {
        method: spec.method.as_str(),
        tpe: spec.tpe.as_deref(),
        reference: spec.reference.as_deref(),
        cdr: code,
        drop_answer: spec.kind == FaultKind::Drop,
        delay: spec.kind == FaultKind::Delay,
        duplicate: spec.kind == FaultKind::Duplicate,
        now: &now,
    });
    let results = fx.run(&vec![stmt]).await?;
    row_at(&results, 0)?.ok_or_else(|| FlowError::Internal("fault insert returned nothing".into()))
}

/// The pending faults, oldest first (only a TPE's when given).
pub async fn list_faults<E: Effects>(fx: &E, tpe: Option<&str>) -> Result<Vec<Fault>, FlowError> {
    let results = fx.run(&vec![sql::list_faults(tpe)]).await?;
    rows_at(&results, 0)
}

/// Clears the pending faults (only a TPE's when given); returns how many.
pub async fn clear_faults<E: Effects>(fx: &E, tpe: Option<&str>) -> Result<u64, FlowError> {
    let results = fx.run(&vec![sql::clear_faults(tpe)]).await?;
    Ok(results.first().map_or(0, |r| r.changes))
}
