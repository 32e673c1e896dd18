//! The cron's scheduled re-reads of processed payments (`core::recheck`):
//! each due trade's payment is handled as a notification about it would be
//! (`super::notify::act`), so that what the provider says is applied the
//! same way; then its schedule moves on, or, when the read did not settle,
//! stays at the same step.
//!
//! Cost of one run, at most: one round trip for the due list, then per
//! trade (up to [`recheck::PER_RUN`], 10) what `act` costs for one message,
//! at most [`crate::core::notify::MAX_LOOKS`] (3) looks of one read, one
//! read call and up to three writes (two guarded tries and the trace), plus
//! one write for the schedule: 1 + 10 × (3 × 4 + 1) = 131 round trips and
//! 10 × 3 = 30 provider calls. The usual read (nothing changes) costs three
//! round trips and one call: 31 and 10 a run.

use super::effects::{Effects, FlowError};
use super::notify::{act, Acted};
use super::{rows_at, Site};
use crate::core::recheck::{self, Due};

/// Reads again the payments due, [`recheck::PER_RUN`] at most. Returns how
/// many were read.
pub async fn run<E: Effects>(fx: &E, site: &Site<'_>) -> Result<usize, FlowError> {
    let now = fx.now().to_string();
    let results = fx.run(&vec![recheck::due(&now, recheck::PER_RUN)]).await?;
    let due: Vec<Due> = rows_at(&results, 0)?;
    for d in &due {
        let n = recheck::prompt(d);
        // Never recorded as a notification: the body is not needed.
        let acted = act(fx, site, "", &n, false).await;
        let now = fx.now().to_string();
        let schedule = match &acted {
            Ok(Acted::Settled(_)) => recheck::advance(d, &now),
            Ok(Acted::Left(_)) | Err(_) => recheck::again(d, &now),
        };
        match acted {
            Ok(a) => fx.log(&format!("recheck {}: {a}", d.order_id)),
            Err(e) => fx.log(&format!("recheck {}: {e:?}", d.order_id)),
        }
        // One payment's trouble does not stop the others.
        if let Err(e) = fx.run(&vec![schedule]).await {
            fx.log(&format!("recheck {}: schedule: {e:?}", d.order_id));
        }
    }
    Ok(due.len())
}
