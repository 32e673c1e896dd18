//! The emulator's NVP endpoint over HTTP. The answer itself (the checks,
//! the faults, the guarded payment, the IPN) is
//! `core::psp::paypal::emulator::serve::nvp`, run on the emulator's tables.

use worker::{Request, Response};

use super::EmulatorFx;
use crate::core::psp::paypal::emulator::serve;
use crate::core::psp::paypal::nvp::{self, NvpResponse};
use crate::shell::web::{Ctx, WebError};

/// Answers one NVP request: (HTTP status, body). PayPal answers 200 with
/// `ACK=Failure` for refusals; a dropped answer is 502 with an empty body;
/// a database failure is 503 (the outcome is unknown to the caller).
pub async fn nvp_answer(ctx: &Ctx, body: &str) -> (u16, String) {
    serve::answer_nvp(&EmulatorFx(ctx), body).await
}

/// `POST /_emulator/paypal/nvp`: the same handler over HTTP, with PayPal's
/// headers (`paypal-debug-id`, `x-paypal-operation-name`, `x-paypal-api-rc`).
pub async fn nvp_route(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let body = crate::shell::body::read_capped_text(req).await?;
    let (status, text) = nvp_answer(ctx, &body).await;
    let method = nvp::decode_request(&body)
        .ok()
        .and_then(|fields| {
            fields
                .into_iter()
                .find(|(name, _)| name == "METHOD")
                .map(|(_, v)| v)
        })
        .unwrap_or_default();
    let answer = NvpResponse::parse(&text).ok();
    let mut response = Response::ok(text)?.with_status(status);
    let headers = response.headers_mut();
    headers.set("Content-Type", "text/plain; charset=utf-8")?;
    if let Some(answer) = answer.filter(|_| status == 200) {
        headers.set("paypal-debug-id", answer.correlation_id().unwrap_or(""))?;
        headers.set("x-paypal-operation-name", &method)?;
        let code = answer.first_error().map(|e| e.code).unwrap_or_default();
        headers.set("x-paypal-api-rc", &code)?;
    }
    Ok(response)
}
