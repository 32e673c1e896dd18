//! PayPal's Instant Payment Notifications over HTTP: the listener's route
//! (`POST /psp/paypal/ipn` and `/psp/paypal/notify`: the body read at most
//! `MAX_BODY_BYTES`, 413 beyond; recording, verifying and acting on it is
//! the flow's, `core::psp::receive_notification`).

use worker::{Request, Response};

use crate::core::psp::{self, ProviderId};
use crate::shell::body::read_capped;
use crate::shell::effects::site;
use crate::shell::web::{Ctx, WebError};

pub async fn paypal_ipn(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let bytes = read_capped(req).await?;
    let base = ctx.base_url();
    let (answer, outcome) =
        psp::receive_notification(ctx, &site(ctx, &base), ProviderId::Paypal, &bytes).await;
    worker::console_log!("ipn: {outcome}");
    Ok(Response::empty()?.with_status(answer.http_status()))
}
