//! The Sips emulator's one-shot faults: stored, listed, cleared, and taken
//! by the one call whose DELETE consumed them.

use crate::core::flow::{row_at, rows_at, Effects, FlowError};
use crate::core::psp::sips::emulator::{fault_kind, FaultKind, FaultSpec};
use crate::core::sql::emulator::sips::{self, Fault};

/// Stores a one-shot fault and returns it as stored.
pub async fn set_fault<E: Effects>(fx: &E, spec: &FaultSpec) -> Result<Fault, FlowError> {
    let code = match &spec.kind {
        FaultKind::Code(code) => Some(code.as_str().to_owned()),
        FaultKind::Drop | FaultKind::Delay | FaultKind::Duplicate => None,
    };
    let now = fx.now().to_string();
    let stmt = sips::insert_fault(&sips::NewFault {
        method: spec.method.as_str(),
        merchant_id: spec.merchant_id.as_deref(),
        transaction_reference: spec.transaction_reference.as_deref(),
        response_code: code.as_deref(),
        drop_answer: spec.kind == FaultKind::Drop,
        delay: spec.kind == FaultKind::Delay,
        duplicate: spec.kind == FaultKind::Duplicate,
        now: &now,
    });
    let results = fx.run(&vec![stmt]).await?;
    row_at(&results, 0)?.ok_or_else(|| FlowError::Internal("fault insert returned nothing".into()))
}

/// The pending faults, oldest first (of one merchant or reference).
pub async fn list_faults<E: Effects>(
    fx: &E,
    merchant_id: Option<&str>,
    reference: Option<&str>,
) -> Result<Vec<Fault>, FlowError> {
    let results = fx
        .run(&vec![sips::list_faults(merchant_id, reference)])
        .await?;
    rows_at(&results, 0)
}

/// Clears the pending faults (of one merchant or reference); how many.
pub async fn clear_faults<E: Effects>(
    fx: &E,
    merchant_id: Option<&str>,
    reference: Option<&str>,
) -> Result<u64, FlowError> {
    let results = fx
        .run(&vec![sips::clear_faults(merchant_id, reference)])
        .await?;
    Ok(results.first().map_or(0, |r| r.changes))
}

/// Consumes the loaded fault if it is still there: of two calls that saw
/// it, only the one whose DELETE changed the row gets it.
pub(super) async fn take_fault<E: Effects>(
    fx: &E,
    fault: Option<&Fault>,
) -> Result<Option<FaultKind>, FlowError> {
    let Some(fault) = fault else {
        return Ok(None);
    };
    let results = fx.run(&vec![sips::take_fault(fault.id)]).await?;
    Ok(match results.first() {
        Some(r) if r.changes == 1 => fault_kind(fault),
        Some(_) | None => None,
    })
}
