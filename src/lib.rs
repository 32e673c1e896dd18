//! PayBook: a Cloudflare Worker where participants trade titles and pay each
//! other directly through a PSP. `core` decides (pure, natively tested);
//! `shell` talks to the Worker runtime, D1 and the network.

#![forbid(unsafe_code)]

pub mod core;
pub mod shell;

use worker::{event, Context, Env, Request, Response, ScheduleContext, ScheduledEvent};

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    shell::routes::handle(req, env, &ctx).await
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    shell::cron::run(&env).await;
}
