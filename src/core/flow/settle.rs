//! Settling an order whose outcome is not known yet: the provider is asked
//! (its read call, `core::psp::read`) and the reconciler's decision
//! (`reconcile::resolve_due`, which also bounds a Pending payment by
//! `PENDING_MAX_DAYS`) is written. Run by the cron for due orders, by the
//! return when the provider says a checkout was captured already, and (its
//! `inquire` half) by a notification's handling.

use super::effects::{Effects, FlowError, StoreError};
use super::ledger as ledger_flow;
use super::Site;
use crate::core::psp;
use crate::core::purchase::OrderState;
use crate::core::reconcile::{self, Inquiry, Resolution};
use crate::core::sql::{traces, Stmt};

/// Asks the provider about the order's payment with the order's own
/// account version. Returns the finding and the trace rows of the calls.
pub async fn inquire<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    order: &OrderState,
) -> Result<(Inquiry, Vec<Stmt>), FlowError> {
    let called = psp::read(fx, site, order).await?;
    let rows = called
        .traces
        .iter()
        .map(|t| traces::insert_for_order(&order.id, t))
        .collect();
    Ok((called.outcome, rows))
}

/// Inquires and writes the decision. Returns whether something changed.
pub async fn settle<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    order: &OrderState,
    ttl_passed: bool,
) -> Result<bool, FlowError> {
    let (inquiry, mut trace_rows) = inquire(fx, site, order).await?;
    let now = fx.now().to_string();
    // The last call's trace goes into the decision's batch; earlier ones
    // are written with it. A read without a call (Monetico, an order not
    // holding its claim) is decided all the same, on the order's mark.
    let last = trace_rows
        .pop()
        .unwrap_or_else(|| reconcile::checked(&order.id, &now));
    let pending_max_passed =
        reconcile::pending_max_passed(&order.created_at, &now, site.config.pending_max_days);
    match reconcile::resolve_due(
        order,
        &inquiry,
        ttl_passed,
        pending_max_passed,
        last.clone(),
        &site.mail(),
        &now,
    ) {
        Resolution::Write(mut batch) => {
            batch.extend(trace_rows);
            match ledger_flow::run(fx, &batch).await {
                Ok(_) => Ok(true),
                // Someone resolved it first (a return, a notification,
                // another run).
                Err(StoreError::Guard) => Ok(false),
                Err(e) => Err(e.into()),
            }
        }
        Resolution::Wait => {
            trace_rows.push(last);
            trace_rows.push(reconcile::checked(&order.id, &now));
            fx.run(&trace_rows).await?;
            Ok(false)
        }
    }
}
