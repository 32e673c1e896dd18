//! The payment flows, written once: the purchase start, the return (claim,
//! then capture), the cancel, the reconciler's step, a notification's
//! handling and the scheduled re-read. Each is a function generic over
//! [`Effects`] (run a batch, send a provider call, read the clock, draw
//! random bytes), so the Worker (`shell::effects`) and the simulation
//! (`tests/simulation`) run the very same code; only the effects differ.

pub mod cron;
pub mod effects;
pub mod site;

pub use effects::{
    Effects, Endpoint, FlowError, NoAnswer, Patience, RandomUnavailable, StoreError, WireAnswer,
    WireRequest,
};
pub use site::Site;

pub mod card;
pub mod ledger;
pub mod notify;
pub mod purchase;
pub mod recheck;
pub mod refund;
pub mod settle;

use crate::core::sql::{self, StmtResult};

/// The first row of a batch's `index`-th result, read into `T`.
pub fn row_at<T: serde::de::DeserializeOwned>(
    results: &[StmtResult],
    index: usize,
) -> Result<Option<T>, FlowError> {
    match results.get(index) {
        Some(r) => sql::first(r).map_err(|e| FlowError::Internal(e.to_string())),
        None => Ok(None),
    }
}

/// Every row of a batch's `index`-th result, read into `T`.
pub fn rows_at<T: serde::de::DeserializeOwned>(
    results: &[StmtResult],
    index: usize,
) -> Result<Vec<T>, FlowError> {
    match results.get(index) {
        Some(r) => sql::rows(r).map_err(|e| FlowError::Internal(e.to_string())),
        None => Ok(Vec::new()),
    }
}
