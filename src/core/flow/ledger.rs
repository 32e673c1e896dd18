//! Running a batch that appends to the ledger (`core::ledger`): its
//! entries go in at the tail unsealed, and the request asks for them to be
//! sealed after its answer (`Effects::seal_later`; the cron and `/ledger`
//! seal too). Sealing hashes every unsealed entry in order
//! (`core::ledger::seal`), whoever appended it; sealers that race write
//! the same hashes.

use super::{row_at, rows_at, Effects, StoreError};
use crate::core::ledger::view::{HeadRow, Stored};
use crate::core::ledger::{self, seal, Head};
use crate::core::sql::{Batch, StmtResult};

fn failed(e: impl std::fmt::Debug) -> StoreError {
    StoreError::Failed(format!("{e:?}"))
}

/// The head [`ledger::head`] read at `index` of `results`: `None` when it
/// is unsealed (or unreadable), so that it must be sealed first.
pub fn head_at(results: &[StmtResult], index: usize) -> Option<Head> {
    match row_at::<HeadRow>(results, index) {
        Ok(Some(HeadRow {
            n,
            hash: Some(hash),
        })) => Some(Head { n, hash }),
        Ok(None) => Some(Head::genesis()),
        Ok(Some(HeadRow { hash: None, .. })) | Err(_) => None,
    }
}

/// Rounds of one [`seal_all`] at most, [`seal::PER_BATCH`] entries each: a
/// deployment migrated with many past trades (50,000 took 7.7 s in one
/// request under `wrangler dev`) is sealed over several requests and cron
/// runs, each within the Worker's query and CPU limits. Pages publish the
/// sealed entries only, so a backlog shows as a head still moving on.
pub const SEAL_ROUNDS: usize = 10;

/// Seals the unsealed entries, in order ([`seal::PER_BATCH`] per round
/// trip and one read before each, [`SEAL_ROUNDS`] rounds at most), and
/// returns the head sealed up to. When one read held every unsealed entry
/// and its batch sealed them all, that batch's last entry is the head (a
/// tail append since is its own writer's to seal): two round trips for the
/// usual few entries.
pub async fn seal_all<E: Effects>(fx: &E, deployment_id: &str) -> Result<Head, StoreError> {
    let mut sealed = None;
    for _ in 0..SEAL_ROUNDS {
        let results = fx.run(&vec![seal::unsealed(), ledger::head()]).await?;
        let rows: Vec<Stored> = rows_at(&results, 0).map_err(failed)?;
        let (batch, last) = seal::seal(&rows, deployment_id);
        if batch.is_empty() {
            return head_at(&results, 1)
                .ok_or_else(|| StoreError::Failed("ledger: unsealed entries out of order".into()));
        }
        fx.run(&batch).await?;
        let unsealed_read = rows.iter().filter(|r| r.hash.is_none()).count();
        let whole_read = i64::try_from(rows.len()).unwrap_or(i64::MAX) <= seal::PER_BATCH;
        if let (true, true, Some(head)) = (whole_read, batch.len() == unsealed_read, &last) {
            return Ok(head.clone());
        }
        sealed = last.or(sealed);
    }
    // More is left for the next request or cron run.
    sealed.ok_or_else(|| StoreError::Failed("ledger: nothing sealed".into()))
}

/// Runs `batch`; when it appends entries, asks for them to be sealed
/// after the answer. A recording thus costs its one batch, and never a
/// read of the head or a seal of its own.
pub async fn run<E: Effects>(fx: &E, batch: &Batch) -> Result<Vec<StmtResult>, StoreError> {
    let results = fx.run(batch).await?;
    if ledger::appends(batch) {
        fx.seal_later();
    }
    Ok(results)
}

/// [`run`] for a guarded batch: `Ok(false)` when a guard refused it.
pub async fn run_guarded<E: Effects>(fx: &E, batch: &Batch) -> Result<bool, StoreError> {
    match run(fx, batch).await {
        Ok(_) => Ok(true),
        Err(StoreError::Guard) => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
#[path = "ledger_tests.rs"]
mod tests;
