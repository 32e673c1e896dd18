//! Running a batch that appends to the ledger (`core::ledger`): on a
//! sealed head known from an earlier read of the same request, the entries
//! are numbered and hashed after it, and the table's trigger aborts the
//! batch when another entry was appended meanwhile. Then, or without a
//! known head, the batch appends its entries at the tail unsealed instead,
//! which cannot lose, and asks for them to be sealed after the answer
//! (`Effects::seal_later`; the cron and `/ledger` seal too). Sealing
//! hashes every unsealed entry in order (`core::ledger::seal`), whoever
//! appended it; sealers that race write the same hashes.

use super::{row_at, rows_at, Effects, StoreError};
use crate::core::ledger::view::{HeadRow, Stored};
use crate::core::ledger::{self, seal, Head};
use crate::core::sql::{Batch, StmtResult};

/// Whether `error` is the ledger's trigger refusing a stale head.
pub fn head_moved(error: &StoreError) -> bool {
    matches!(error, StoreError::Failed(m) if m.contains(ledger::HEAD_MOVED))
}

fn failed(e: impl std::fmt::Debug) -> StoreError {
    StoreError::Failed(format!("{e:?}"))
}

/// The head [`ledger::head`] read at `index` of `results`: `None` when it
/// is unsealed (or unreadable), so that [`run_appending`] appends at the
/// tail.
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

/// Seals every unsealed entry, in order ([`seal::PER_BATCH`] per round
/// trip and one read before each), and returns the head. When one read
/// held every unsealed entry and its batch sealed them all, that batch's
/// last entry is the head (a tail append since is its own writer's to
/// seal): two round trips for the usual few entries.
pub async fn seal_all<E: Effects>(fx: &E, deployment_id: &str) -> Result<Head, StoreError> {
    loop {
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
        if let (true, true, Some(head)) = (whole_read, batch.len() == unsealed_read, last) {
            return Ok(head);
        }
    }
}

/// Runs the batch `build` makes for a head. On `known`, a sealed head read
/// earlier in the request, the entries are numbered and hashed after it: one
/// batch, sealed at once. Without one (not read, or unsealed), or when
/// another entry was appended meanwhile (many payments recorded at once),
/// they go at the tail unsealed instead, numbered by the database, which
/// cannot lose a race, and are sealed after the answer
/// ([`Effects::seal_later`]). A recording thus costs one batch, two under
/// contention, and never a read of the head or a seal of its own.
pub async fn run_appending<E: Effects>(
    fx: &E,
    known: Option<Head>,
    build: impl Fn(&Head) -> Batch,
) -> Result<Vec<StmtResult>, StoreError> {
    if let Some(head) = known {
        match fx.run(&build(&head)).await {
            Err(e) if head_moved(&e) => {}
            other => return other,
        }
    }
    let results = fx.run(&ledger::at_tail(&build(&Head::genesis()))).await?;
    fx.seal_later();
    Ok(results)
}

/// Runs `batch`, numbering and hashing the entries it appends after the
/// head `known` or at the tail ([`run_appending`]); a batch without
/// entries runs as it is.
pub async fn run<E: Effects>(
    fx: &E,
    deployment_id: &str,
    known: Option<Head>,
    batch: &Batch,
) -> Result<Vec<StmtResult>, StoreError> {
    if !ledger::appends(batch) {
        return fx.run(batch).await;
    }
    run_appending(fx, known, |head| {
        ledger::rechain(batch, head, deployment_id).0
    })
    .await
}

/// [`run`] for a guarded batch: `Ok(false)` when a guard refused it.
pub async fn run_guarded<E: Effects>(
    fx: &E,
    deployment_id: &str,
    known: Option<Head>,
    batch: &Batch,
) -> Result<bool, StoreError> {
    match run(fx, deployment_id, known, batch).await {
        Ok(_) => Ok(true),
        Err(StoreError::Guard) => Ok(false),
        Err(e) => Err(e),
    }
}
