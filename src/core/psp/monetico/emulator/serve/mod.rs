//! The Monetico emulator at work, written once over [`Effects`]: its
//! merchants (`accounts`), `paiement.cgi` and the card page's decision
//! (`paiement`), the capture and recredit scripts (`api`), the CGI2
//! notifications it delivers until acknowledged (`notify`) and its
//! one-shot faults (`controls`). The Worker runs these on
//! `shell::emulator::EmulatorFx` (its own tables in D1); `fx.now()` is
//! the emulator's clock (the shared `/_emulator/clock`).

pub mod accounts;
pub mod api;
pub mod controls;
pub mod notify;
pub mod paiement;

pub use accounts::{create_merchant, merchant_by_email};
pub use api::answer_api;
pub use controls::{clear_faults, list_faults, set_fault};
pub use notify::{
    deliver, deliver_queued, notifications, queued_notifications, NotificationReceiver,
    QueuedNotification,
};
pub use paiement::{decide, pending_payment, post_paiement, Buyer, Decided, Posted};

use crate::core::flow::effects::random_bytes;
use crate::core::flow::{row_at, Effects, FlowError, RandomUnavailable};
use crate::core::psp::monetico::emulator::fault::{fault_kind, FaultKind, FaultMethod};
use crate::core::sql::emulator::monetico as sql;
use crate::core::sql::StmtResult;

/// Whether the `index`-th statement of a batch changed exactly one row.
fn changed_one(results: &[StmtResult], index: usize) -> bool {
    results.get(index).is_some_and(|r| r.changes == 1)
}

/// `N` random decimal digits.
fn random_digits<const N: usize, E: Effects>(fx: &E) -> Result<String, RandomUnavailable> {
    Ok(random_bytes::<N, E>(fx)?
        .iter()
        .map(|b| char::from(b'0' + b % 10))
        .collect())
}

/// `N` random bytes as upper-case hex.
fn random_hex<const N: usize, E: Effects>(fx: &E) -> Result<String, RandomUnavailable> {
    Ok(random_bytes::<N, E>(fx)?
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect())
}

/// Takes the oldest fault on a call of `method` about this payment: it is
/// consumed (only one call gets it, even when two race).
async fn take_fault<E: Effects>(
    fx: &E,
    method: FaultMethod,
    tpe: &str,
    reference: &str,
) -> Result<Option<FaultKind>, FlowError> {
    let results = fx
        .run(&vec![sql::matching_fault(method.as_str(), tpe, reference)])
        .await?;
    let Some(fault) = row_at::<sql::Fault>(&results, 0)? else {
        return Ok(None);
    };
    let taken = fx.run(&vec![sql::take_fault(fault.id)]).await?;
    Ok(changed_one(&taken, 0).then(|| fault_kind(&fault)).flatten())
}

#[cfg(test)]
mod tests;
/// The PayPal emulator's SQLite effects (the real migrations, a clock
/// that moves only when told), shared rather than copied.
#[cfg(test)]
pub(crate) use crate::core::psp::paypal::emulator::serve::tests as sqlite;
