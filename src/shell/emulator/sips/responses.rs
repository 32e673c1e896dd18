//! The emulator's automatic responses over HTTP and their delivery to
//! this deployment's listener, in-process (a deployed Worker cannot fetch
//! itself): at once after the card page's decision, and again, until
//! acknowledged with a 200, by [`deliver_sips_messages`] (the cron, and
//! `POST /_emulator/sips/responses/deliver`). `GET /_emulator/sips/responses
//! [?transaction_reference=]` lists them, newest first.

use serde_json::json;
use worker::Response;

use super::super::EmulatorFx;
use crate::core::psp::sips::emulator::serve::{self, QueuedResponse, ResponseSink};
use crate::core::psp::{self, ProviderId};
use crate::shell::effects::site;
use crate::shell::web::{json_response, Ctx, WebError};

/// The platform's listener for Sips' automatic responses, called
/// in-process with the posted form body.
pub(super) struct Platform<'a>(pub(super) &'a Ctx);

impl ResponseSink for Platform<'_> {
    async fn post(&self, _url: &str, body: &str) -> u16 {
        receive(self.0, body.as_bytes()).await
    }
}

/// The platform's listener (`/psp/sips/notify`) in-process: the card
/// seam's receive flow, on the platform's tables; its HTTP status.
async fn receive(ctx: &Ctx, body: &[u8]) -> u16 {
    let base = ctx.base_url();
    let site = site(ctx, &base);
    let (answer, outcome) = psp::receive_notification(ctx, &site, ProviderId::Sips, body).await;
    let status = psp::reply(ProviderId::Sips, answer).status;
    worker::console_log!("emulator: Sips response delivered ({status}): {outcome}");
    status
}

/// Delivers `responses` now (the card page's decision).
pub(super) async fn deliver_now(
    ctx: &Ctx,
    responses: &[QueuedResponse],
) -> Result<usize, WebError> {
    Ok(serve::deliver(&EmulatorFx(ctx), &Platform(ctx), responses).await?)
}

/// Emulator mode: delivers every automatic response not acknowledged yet
/// (delayed ones included) to this deployment's listener, in-process.
/// For the cron on every run, like PayPal's IPN delivery. Returns how many
/// were acknowledged (200).
pub async fn deliver_sips_messages(ctx: &Ctx) -> Result<usize, WebError> {
    Ok(serve::deliver_undelivered(&EmulatorFx(ctx), &Platform(ctx)).await?)
}

/// `POST /_emulator/sips/responses/deliver`: a delivery run now.
pub(super) async fn deliver_route(ctx: &Ctx) -> Result<Response, WebError> {
    let delivered = deliver_sips_messages(ctx).await?;
    json_response(200, &json!({ "delivered": delivered }))
}

/// `GET /_emulator/sips/responses[?transaction_reference=]`.
pub(super) async fn responses_get(ctx: &Ctx) -> Result<Response, WebError> {
    let reference = super::query(ctx, "transaction_reference");
    let list = serve::list_responses(&EmulatorFx(ctx), reference.as_deref(), 200).await?;
    json_response(200, &json!({ "responses": list }))
}
