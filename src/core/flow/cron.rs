//! The reconciler's run (the cron, every 5 minutes), as a flow in three
//! parts so that the shell can add its own chores between them: [`begin`]
//! takes the lease (two runs never work at once), [`work`] settles a
//! bounded number of orders whose outcome is unknown by asking their
//! provider (never by guessing), takes up notifications left unfinished,
//! reads processed payments again on their schedule and asks again for
//! sellers' refunds whose answer was lost, and [`finish`] purges
//! raw provider data past `RETENTION_DAYS` and records the run. Every step is
//! idempotent: a missed or crashed run is caught up by the next.

use super::effects::{Effects, FlowError};
use super::{notify, recheck, refund, rows_at, settle, Site};
use crate::core::api::idempotency::SPEND_IDS_KEPT_DAYS;
use crate::core::api::sql as api_sql;
use crate::core::purchase::OrderState;
use crate::core::time::UtcTime;
use crate::core::{reconcile, retention, sql};

/// Orders resolved per run at most (each costs up to two provider calls),
/// unless `CRON_ORDERS_PER_RUN` says otherwise: 20 stays within the free
/// plan's 50 subrequests per invocation.
pub const ORDERS_PER_RUN: i64 = 20;
/// The most `CRON_ORDERS_PER_RUN` may say: a hundred orders of two slow
/// calls each (about a second) still end inside the lease.
pub const ORDERS_PER_RUN_MAX: i64 = 100;
/// Notifications taken up again per run at most (one call each).
pub const NOTIFICATIONS_PER_RUN: i64 = 10;
/// A claimed order is left alone this long, so as not to race a return
/// that is still capturing its payment.
pub const SETTLE_AFTER_SECONDS: i64 = 60;
/// The lease outlives a run's worst case (CPU limit 30 s), not the interval.
pub const LEASE_SECONDS: i64 = 240;

/// The run's lease, held from [`begin`] to [`finish`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub started: UtcTime,
    pub until: String,
}

/// Takes the lease; `None` when another run holds it.
pub async fn begin<E: Effects>(fx: &E) -> Result<Option<Lease>, FlowError> {
    let now = fx.now();
    let until = now.plus_seconds(LEASE_SECONDS).to_string();
    let taken = fx
        .run(&vec![reconcile::take_lease(&now.to_string(), &until)])
        .await?;
    if taken.first().is_none_or(|r| r.changes != 1) {
        fx.log("cron: another run holds the lease");
        return Ok(None);
    }
    Ok(Some(Lease {
        started: now,
        until,
    }))
}

/// What a run did, for logs and the simulation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Worked {
    pub orders_due: usize,
    pub orders_changed: usize,
}

/// Seals the ledger's migrated entries when the head is one of them,
/// settles due orders, takes up notifications, re-reads due payments. One
/// part's trouble does not stop the others; it is due again next run.
pub async fn work<E: Effects>(fx: &E, site: &Site<'_>, lease: &Lease) -> Result<Worked, FlowError> {
    let now = lease.started;
    let settle_before = now.plus_seconds(-SETTLE_AFTER_SECONDS).to_string();
    let ttl_before = now
        .plus_seconds(-site.config.pending_ttl_hours * 3_600)
        .to_string();
    let results = fx
        .run(&vec![
            reconcile::due_orders(&settle_before, &ttl_before, site.config.cron_orders_per_run),
            crate::core::ledger::head(),
        ])
        .await?;
    let due: Vec<OrderState> = rows_at(&results, 0)?;
    // The entries migration 0015 entered are sealed by the first run (or
    // the first append, whichever comes first).
    if super::ledger::head_at(&results, 1).is_none() {
        if let Err(e) = super::ledger::seal_all(fx, site.deployment_id).await {
            fx.log(&format!("cron: sealing the ledger: {e:?}"));
        }
    }
    let mut worked = Worked {
        orders_due: due.len(),
        orders_changed: 0,
    };
    for order in &due {
        let ttl_passed = order.created_at.as_str() < ttl_before.as_str();
        match settle::settle(fx, site, order, ttl_passed).await {
            Ok(changed) => worked.orders_changed += usize::from(changed),
            Err(e) => fx.log(&format!("cron: order {}: {e:?}", order.id)),
        }
    }
    // Messages a crashed handler or a lost race left unfinished.
    if let Err(e) = notify::retry_received(fx, site, NOTIFICATIONS_PER_RUN).await {
        fx.log(&format!("cron: notifications: {e:?}"));
    }
    // Processed payments due for a scheduled re-read: reversals are not
    // learned from notifications alone (core::recheck).
    if let Err(e) = recheck::run(fx, site).await {
        fx.log(&format!("cron: re-reads: {e:?}"));
    }
    // Sellers' refunds whose answer was lost: asked again (never twice).
    if let Err(e) = refund::resume(fx, site, now).await {
        fx.log(&format!("cron: refunds: {e:?}"));
    }
    Ok(worked)
}

/// Purges raw provider data past `RETENTION_DAYS` and spends past their
/// 30 days (a bounded batch), then records the run and releases the lease.
pub async fn finish<E: Effects>(fx: &E, site: &Site<'_>, lease: &Lease) -> Result<(), FlowError> {
    let cutoff = retention::cutoff(lease.started, site.config.retention_days);
    let mut purge = retention::purge(cutoff, retention::ROWS_PER_RUN);
    let spends_before = lease
        .started
        .plus_seconds(-SPEND_IDS_KEPT_DAYS * 86_400)
        .to_string();
    purge.push(api_sql::purge_spends(
        &spends_before,
        retention::ROWS_PER_RUN,
    ));
    // What this run appended at the tail (the orders it settled, the
    // messages it took up) is sealed before the lease goes: the head read
    // with the purge, a seal only when it is unsealed.
    purge.push(crate::core::ledger::head());
    match fx.run(&purge).await {
        Ok(results)
            if super::ledger::head_at(&results, results.len().saturating_sub(1)).is_none() =>
        {
            if let Err(e) = super::ledger::seal_all(fx, site.deployment_id).await {
                fx.log(&format!("cron: sealing the ledger: {e:?}"));
            }
        }
        Ok(_) => {}
        Err(e) => fx.log(&format!("cron: retention purge: {e:?}")),
    }
    let end = fx.now().to_string();
    let mut batch = reconcile::finish_run(&end, &lease.until);
    batch.push(sql::rate_limits::prune(
        &lease.started.plus_seconds(-86_400).to_string(),
    ));
    fx.run(&batch).await?;
    Ok(())
}
