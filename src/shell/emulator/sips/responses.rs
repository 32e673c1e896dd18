//! The emulator's automatic responses over HTTP and their delivery to
//! this deployment's listener, in-process (a deployed Worker cannot fetch
//! itself; another deployment on this machine over HTTP): at once after
//! the card page's decision, and again, until
//! acknowledged with a 200, by [`deliver_sips_messages`] (the cron, and
//! `POST /_emulator/sips/responses/deliver`). `GET /_emulator/sips/responses
//! [?transaction_reference=]` lists them, newest first.

use serde_json::json;
use worker::Response;

use super::super::EmulatorFx;
use crate::core::flow::Patience;
use crate::core::psp::sips::emulator::serve::{self, QueuedResponse, ResponseSink};
use crate::core::psp::{self, ProviderId};
use crate::shell::effects::site;
use crate::shell::security;
use crate::shell::web::{json_response, Ctx, WebError};

/// The platform's listener for Sips' automatic responses, called
/// in-process with the posted form body.
pub(super) struct Platform<'a>(pub(super) &'a Ctx);

impl ResponseSink for Platform<'_> {
    /// The listener is called in-process (a deployed Worker cannot fetch
    /// itself), except that of another deployment on this machine (a
    /// sandbox-mode PayBook using this emulator, as in the tests), posted
    /// to over HTTP.
    async fn post(&self, url: &str, body: &str) -> u16 {
        let ctx = self.0;
        if another_local_deployment(ctx, url) {
            let timeout = std::time::Duration::from_secs(Patience::Postback.seconds());
            return match crate::shell::transport::post(url, body.as_bytes(), timeout).await {
                Ok((status, _)) => status,
                Err(_) => 0,
            };
        }
        receive(ctx, body.as_bytes()).await
    }
}

/// Whether `url` is on this machine but not this deployment (a request on
/// a local host only: a deployed emulator never posts anywhere).
fn another_local_deployment(ctx: &Ctx, url: &str) -> bool {
    let Some(target) = crate::core::weburl::WebUrl::parse(url) else {
        return false;
    };
    security::is_local_url(&ctx.url)
        && security::is_local_url(&target)
        && target.origin() != ctx.url.origin()
        && !url.starts_with(&format!("{}/", ctx.base_url()))
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
