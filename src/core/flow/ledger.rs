//! Running a batch that appends to the ledger (`core::ledger`): the entry's
//! hash needs the head, read before the batch (or known from an earlier
//! read of the same request); when another entry was appended meanwhile the
//! table's trigger aborts the batch, and it is rebuilt on the new head.

use super::{row_at, Effects, StoreError};
use crate::core::ledger::{self, Head};
use crate::core::sql::{Batch, StmtResult};

/// How many times a batch is rebuilt on a moved head before giving up
/// (each retry means another entry was appended in the meantime).
const ATTEMPTS: usize = 8;

/// Whether `error` is the ledger's trigger refusing a stale head.
pub fn head_moved(error: &StoreError) -> bool {
    matches!(error, StoreError::Failed(m) if m.contains(ledger::HEAD_MOVED))
}

/// Reads the ledger's head (one round trip).
pub async fn read_head<E: Effects>(fx: &E) -> Result<Head, StoreError> {
    let results = fx.run(&vec![ledger::head()]).await?;
    Ok(row_at::<Head>(&results, 0)
        .map_err(|e| StoreError::Failed(format!("{e:?}")))?
        .unwrap_or_else(Head::genesis))
}

/// Runs the batch `build` makes for a head: with `known` first when given,
/// then with the head read again each time it moved.
pub async fn run_appending<E: Effects>(
    fx: &E,
    known: Option<Head>,
    build: impl Fn(&Head) -> Batch,
) -> Result<Vec<StmtResult>, StoreError> {
    let mut head = known;
    let mut last = None;
    for _ in 0..ATTEMPTS {
        let current = match head.take() {
            Some(h) => h,
            None => read_head(fx).await?,
        };
        match fx.run(&build(&current)).await {
            Err(e) if head_moved(&e) => last = Some(e),
            other => return other,
        }
    }
    Err(last.unwrap_or_else(|| StoreError::Failed(ledger::HEAD_MOVED.into())))
}
