//! The scheduled handler (every 5 minutes): the reconciler's run
//! (`core::flow::cron`: lease, orders whose outcome is unknown settled by
//! asking their provider, notifications taken up again, scheduled re-reads,
//! retention purge, the run recorded) with the shell's own chores between
//! its parts: the operators' daily report (`core::flow::report`), the
//! emulator's notifications delivered, due e-mails sent,
//! stored credentials re-sealed under the current key. A Rust scheduled
//! handler cannot report failure, so every step is idempotent and a missed
//! run is simply caught up by the next.

use worker::{Env, Method, Request};

use super::app;
use super::effects::site;
use super::mail;
use super::replica::Start;
use super::web::{Ctx, WebError};
#[cfg(feature = "emulators")]
use crate::core::config::PspMode;
use crate::core::flow::{cron, report};

/// Stored credentials re-sealed under the current key per run at most.
const RESEAL_PER_RUN: i64 = 20;

pub async fn run(env: &Env) {
    if let Err(e) = run_once(env).await {
        worker::console_error!("cron: {e:?}");
    }
}

async fn run_once(env: &Env) -> Result<(), WebError> {
    let app = app::get(env).await.map_err(WebError::Unavailable)?;
    let db = app::database(env)?;
    // The cron has no request; a synthetic one gives it the same context
    // (clock, D1, provider transport) as the web handlers. It writes: its D1
    // session starts on the primary.
    let request = Request::new("https://cron.invalid/", Method::Get)?;
    let ctx = Ctx::new(app, env.clone(), db, &request, Some(Start::Primary))?;
    let base = ctx.base_url();
    let site = site(&ctx, &base);
    let Some(lease) = cron::begin(&ctx).await? else {
        return Ok(());
    };
    cron::work(&ctx, &site, &lease).await?;
    // Before the mail is sent, so that the report goes out in this run.
    if let Err(e) = report::daily(&ctx, &site, lease.started).await {
        worker::console_error!("cron: daily report: {e:?}");
    }
    #[cfg(feature = "emulators")]
    if ctx.app.config.psp_mode == PspMode::Emulator {
        // The emulators notify asynchronously, like the providers, and
        // again until acknowledged.
        if let Err(e) = super::ipn_delivery::deliver_emulator_ipns(&ctx).await {
            worker::console_error!("cron: emulator IPN delivery: {e:?}");
        }
        if let Err(e) = super::emulator::sips::deliver_sips_messages(&ctx).await {
            worker::console_error!("cron: emulator Sips responses: {e:?}");
        }
        if let Err(e) = super::emulator::monetico::deliver_monetico_messages(&ctx).await {
            worker::console_error!("cron: emulator Monetico notifications: {e:?}");
        }
    }
    mail::send_due(&ctx).await;
    // Stored credentials under an older key or format, a bounded number.
    if let Err(e) = super::credentials::reseal_due(&ctx, RESEAL_PER_RUN).await {
        worker::console_error!("cron: re-sealing credentials: {e:?}");
    }
    cron::finish(&ctx, &site, &lease).await?;
    Ok(())
}
