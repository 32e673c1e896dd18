//! The cron's scheduled re-reads of processed payments (`core::recheck`):
//! each due trade's payment is handed to the IPN listener's orchestration
//! (`routes::ipn::act`) as a prompt about that payment, so that what PayPal
//! says is applied exactly as a notification's would be; then its schedule
//! moves on, or, when the read did not settle, stays at the same step.
//!
//! Cost of one run, at most: one D1 round trip for the due list, then per
//! trade (up to [`recheck::PER_RUN`], 10) what `act` costs for one message,
//! at most [`crate::core::notify::MAX_LOOKS`] (3) looks of one read, one
//! GetTransactionDetails and up to three writes (two guarded tries and
//! the trace), plus one write for the schedule: 1 + 10 × (3 × 4 + 1) = 131
//! D1 round trips and 10 × 3 = 30 PSP calls. The usual read (nothing
//! changes) costs three round trips and one PSP call: 31 and 10 a run.

use crate::core::recheck::{self, Due};
use crate::shell::routes::ipn::{self, Acted};
use crate::shell::web::{rows_at, Ctx, WebError};

/// Reads again the payments due, [`recheck::PER_RUN`] at most. Returns how
/// many were read.
pub async fn run(ctx: &Ctx) -> Result<usize, WebError> {
    let now = ctx.now().to_string();
    let results = ctx.run(&vec![recheck::due(&now, recheck::PER_RUN)]).await?;
    let due: Vec<Due> = rows_at(&results, 0)?;
    for d in &due {
        let n = recheck::prompt(d);
        // Never recorded as a notification: the body is not needed.
        let acted = ipn::act(ctx, "", &n, false).await;
        let now = ctx.now().to_string();
        let schedule = match &acted {
            Ok(Acted::Settled(_)) => recheck::advance(d, &now),
            Ok(Acted::Left(_)) | Err(_) => recheck::again(d, &now),
        };
        match acted {
            Ok(a) => worker::console_log!("recheck {}: {a}", d.order_id),
            Err(e) => worker::console_error!("recheck {}: {e:?}", d.order_id),
        }
        // One payment's trouble does not stop the others.
        if let Err(e) = ctx.run(&vec![schedule]).await {
            worker::console_error!("recheck {}: schedule: {e:?}", d.order_id);
        }
    }
    Ok(due.len())
}
