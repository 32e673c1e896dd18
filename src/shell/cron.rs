//! The scheduled handler (every 5 minutes): the reconciler. It takes a
//! lease so that two runs never work at once, resolves a bounded number of
//! orders whose outcome is unknown by asking PayPal (never by guessing),
//! takes up PSP notifications left unfinished, reads processed payments
//! again on their schedule (`shell::recheck`), sends due e-mails, purges
//! raw PSP data past `RETENTION_DAYS`, and records its run. A Rust
//! scheduled handler cannot
//! report failure, so every step is idempotent and a missed run is simply
//! caught up by the next.

use worker::{Env, Method, Request};

use super::app;
use super::mail;
use super::settle;
use super::web::{Ctx, WebError};
use crate::core::purchase::OrderState;
use crate::core::reconcile;
use crate::core::sql;

/// Orders resolved per run at most (each costs up to two PSP calls).
const ORDERS_PER_RUN: i64 = 20;
/// Notifications taken up again per run at most (one PSP call each).
const NOTIFICATIONS_PER_RUN: i64 = 10;
/// Stored credentials re-sealed under the current key per run at most.
const RESEAL_PER_RUN: i64 = 20;
/// A claimed order is left alone this long, so as not to race a return
/// that is still executing its payment.
const SETTLE_AFTER_SECONDS: i64 = 60;
/// The lease outlives a run's worst case (CPU limit 30 s), not the interval.
const LEASE_SECONDS: i64 = 240;

pub async fn run(env: &Env) {
    if let Err(e) = run_once(env).await {
        worker::console_error!("cron: {e:?}");
    }
}

async fn run_once(env: &Env) -> Result<(), WebError> {
    let app = app::get(env).await.map_err(WebError::Unavailable)?;
    let db = app::database(env)?;
    // The cron has no request; a synthetic one gives it the same context
    // (clock, D1, PSP transport) as the web handlers.
    let request = Request::new("https://cron.invalid/", Method::Get)?;
    let ctx = Ctx::new(app, env.clone(), db, &request)?;
    let now = ctx.now();
    let lease_until = now.plus_seconds(LEASE_SECONDS).to_string();
    let lease = ctx
        .run(&vec![reconcile::take_lease(&now.to_string(), &lease_until)])
        .await?;
    if lease.first().is_none_or(|r| r.changes != 1) {
        worker::console_log!("cron: another run holds the lease");
        return Ok(());
    }
    let settle_before = now.plus_seconds(-SETTLE_AFTER_SECONDS).to_string();
    let ttl_before = now
        .plus_seconds(-ctx.app.config.pending_ttl_hours * 3_600)
        .to_string();
    let results = ctx
        .run(&vec![reconcile::due_orders(
            &settle_before,
            &ttl_before,
            ORDERS_PER_RUN,
        )])
        .await?;
    let due: Vec<OrderState> = match results.first() {
        Some(r) => sql::rows(r).map_err(|e| WebError::Internal(e.to_string()))?,
        None => Vec::new(),
    };
    for order in &due {
        let ttl_passed = order.created_at.as_str() < ttl_before.as_str();
        if let Err(e) = settle::settle(&ctx, order, ttl_passed).await {
            // One order's trouble does not stop the others; it is due again
            // next run.
            worker::console_error!("cron: order {}: {e:?}", order.id);
        }
    }
    // Messages a crashed handler or a lost race left unfinished.
    if let Err(e) = super::routes::ipn::retry_received(&ctx, NOTIFICATIONS_PER_RUN).await {
        worker::console_error!("cron: notifications: {e:?}");
    }
    // Processed payments due for a scheduled re-read: reversals are not
    // learned from notifications alone (core::recheck).
    if let Err(e) = super::recheck::run(&ctx).await {
        worker::console_error!("cron: re-reads: {e:?}");
    }
    if ctx.app.config.psp_mode == crate::core::config::PspMode::Emulator {
        // The emulator's PayPal notifies asynchronously, like PayPal.
        if let Err(e) = super::routes::ipn::deliver_emulator_ipns(&ctx).await {
            worker::console_error!("cron: emulator IPN delivery: {e:?}");
        }
    }
    mail::send_due(&ctx).await;
    // Stored credentials under an older key or format, a bounded number.
    if let Err(e) = super::credentials::reseal_due(&ctx, RESEAL_PER_RUN).await {
        worker::console_error!("cron: re-sealing credentials: {e:?}");
    }
    // Raw PSP data past RETENTION_DAYS, a bounded batch a run.
    let cutoff = crate::core::retention::cutoff(now, ctx.app.config.retention_days);
    let purge = crate::core::retention::purge(cutoff, crate::core::retention::ROWS_PER_RUN);
    if let Err(e) = ctx.run(&purge).await {
        worker::console_error!("cron: retention purge: {e:?}");
    }
    let end = ctx.now().to_string();
    let mut batch = reconcile::finish_run(&end, &lease_until);
    batch.push(sql::rate_limits::prune(
        &now.plus_seconds(-86_400).to_string(),
    ));
    ctx.run(&batch).await?;
    Ok(())
}
