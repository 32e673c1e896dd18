//! The emulator at work, written once over [`Effects`]: the NVP answer
//! (`nvp`, `pay`), the buyer at the checkout page (`checkout`), the IPNs it
//! queues and the postback that verifies them (`ipn`), the later events of a
//! payment (`events`), the test controls (`controls`: faults, clock) and
//! the accounts (`accounts`). The Worker runs these with
//! `shell::effects::EmulatorFx` (its own tables in D1), the simulation with
//! its SQLite and its own clock and random bytes, so both see the same
//! PayPal.
//!
//! `fx.now()` is the emulator's clock. The Worker's clock is moved by the
//! persisted offset (`/_emulator/clock`); these functions read that offset
//! in the batch that loads their rows (no extra round trip), and the Worker's
//! adapter adopts it from the results (`sql::emulator::clock_offset_in`), so
//! a clock moved through another isolate counts before `fx.now()` is read.
//! The simulation's effects may ignore it and keep their own clock.

pub mod accounts;
pub mod checkout;
pub mod controls;
pub mod events;
pub mod ipn;
pub mod nvp;
mod pay;
mod refund;

pub use accounts::{account_by_email, create_account, NewAccountSpec};
pub use checkout::{
    approve, approve_checkout, cancel_checkout, cancel_location, usable_checkout, Approval,
};
pub use controls::{
    advance_clock, clear_faults, list_faults, read_clock_offset, set_fault, set_postback_fault,
};
pub use events::{apply_event, complete_pending, deny_pending, load_transaction, EventOutcome};
pub use ipn::{
    drop_queued_ipns, ipn_messages, queued_ipns, record_delivery, verify_postback, QueuedIpn,
};
pub use nvp::answer_nvp;

use crate::core::flow::effects::random_bytes;
use crate::core::flow::{Effects, RandomUnavailable};
use crate::core::sql::StmtResult;

use crate::core::flow::{row_at, rows_at};

/// Whether the `index`-th statement of a batch changed exactly one row.
fn changed_one(results: &[StmtResult], index: usize) -> bool {
    results.get(index).is_some_and(|r| r.changes == 1)
}

/// `N` random characters of `alphabet`.
fn random_text<const N: usize, E: Effects>(
    fx: &E,
    alphabet: &[u8],
) -> Result<String, RandomUnavailable> {
    Ok(random_bytes::<N, E>(fx)?
        .iter()
        .filter_map(|b| alphabet.get(usize::from(*b) % alphabet.len().max(1)))
        .map(|c| char::from(*c))
        .collect())
}

/// `N` random bytes as lower-case hex.
fn random_hex<const N: usize, E: Effects>(fx: &E) -> Result<String, RandomUnavailable> {
    Ok(random_bytes::<N, E>(fx)?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The characters of an API signature and of an IPN's `verify_sign`, as
/// PayPal's (letters, digits, `-.`).
const SIGNATURE_CHARS: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.";

#[cfg(test)]
pub(crate) mod tests;
