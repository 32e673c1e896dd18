//! Running a batch that appends to the ledger (`core::ledger`): the entry's
//! hash needs the head, read before the batch (or known from an earlier
//! read of the same request); when another entry was appended meanwhile the
//! table's trigger aborts the batch, and it is rebuilt on the new head.
//! After a lost race (many payments recorded at once) the batch appends
//! its entries at the tail unsealed instead, which cannot lose, and seals
//! them right after. Unsealed entries (those, and the ones the
//! migration entered) are sealed before any hashed append
//! (`core::ledger::seal`).

use super::{row_at, rows_at, Effects, StoreError};
use crate::core::ledger::view::{HeadRow, Stored};
use crate::core::ledger::{self, seal, Head};
use crate::core::sql::{Batch, StmtResult};

/// How many times a batch is built on a head before it appends at the
/// tail instead. One: a lost race means payments are being recorded at
/// once, when a retry on a re-read head (a read and a batch) loses again
/// more often than not (the benchmark's 20 concurrent buyers: a median of
/// 7 round trips with 3 attempts), while the tail and its seal cost three
/// round trips whatever the contention.
const ATTEMPTS: usize = 1;

/// Whether `error` is the ledger's trigger refusing a stale head.
pub fn head_moved(error: &StoreError) -> bool {
    matches!(error, StoreError::Failed(m) if m.contains(ledger::HEAD_MOVED))
}

fn failed(e: impl std::fmt::Debug) -> StoreError {
    StoreError::Failed(format!("{e:?}"))
}

/// The head [`ledger::head`] read at `index` of `results`: `None` when it
/// is unsealed (or unreadable), so that [`run_appending`] reads it again
/// and seals.
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

/// Reads the ledger's head (one round trip), sealing the migrated entries
/// first when the head is one of them.
pub async fn read_head<E: Effects>(fx: &E, deployment_id: &str) -> Result<Head, StoreError> {
    let results = fx.run(&vec![ledger::head()]).await?;
    match head_at(&results, 0) {
        Some(head) => Ok(head),
        None => seal_all(fx, deployment_id).await,
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

/// Runs the batch `build` makes for a head: with `known` first when given,
/// then with the head read again each time it moved.
pub async fn run_appending<E: Effects>(
    fx: &E,
    deployment_id: &str,
    known: Option<Head>,
    build: impl Fn(&Head) -> Batch,
) -> Result<Vec<StmtResult>, StoreError> {
    let mut head = known;
    for _ in 0..ATTEMPTS {
        let current = match head.take() {
            Some(h) => h,
            None => read_head(fx, deployment_id).await?,
        };
        match fx.run(&build(&current)).await {
            Err(e) if head_moved(&e) => continue,
            other => return other,
        }
    }
    // Still racing: the tail, numbered by the database, then the seal.
    // The record stands once the batch ran; a seal that fails is done by
    // the next append, the cron, or the next read of the ledger.
    let results = fx.run(&ledger::at_tail(&build(&Head::genesis()))).await?;
    if let Err(e) = seal_all(fx, deployment_id).await {
        fx.log(&format!("ledger: sealing after a tail append: {e:?}"));
    }
    Ok(results)
}

/// Runs `batch`, numbering and hashing the entries it appends after the
/// head (`known`, else read) with [`run_appending`]; a batch without
/// entries runs as it is, with no read.
pub async fn run<E: Effects>(
    fx: &E,
    deployment_id: &str,
    known: Option<Head>,
    batch: &Batch,
) -> Result<Vec<StmtResult>, StoreError> {
    if !ledger::appends(batch) {
        return fx.run(batch).await;
    }
    run_appending(fx, deployment_id, known, |head| {
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
