//! The HTTP transport for provider calls: POSTs a form body to a URL with a
//! timeout (`shell::effects` sends every provider call through it, or
//! in emulator mode hands the same bytes to the built-in emulator). A
//! timeout, a 5xx or a broken connection is an unknown outcome, never a
//! refusal; reading the answer is the provider module's.

use std::time::Duration;

use futures_util::future::{select, Either};
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit};

pub use crate::core::flow::NoAnswer;

/// A form body's content type.
pub const FORM: &str = "application/x-www-form-urlencoded";
/// A JSON body's content type (Sips Office).
pub const JSON: &str = "application/json";

/// POSTs a form body (exact bytes) to `url`; the status and text of the
/// answer, or why there is none (a timeout aborts the request).
pub async fn post(url: &str, body: &[u8], timeout: Duration) -> Result<(u16, String), NoAnswer> {
    post_as(url, FORM, body, timeout).await
}

/// [`post`] with another content type.
pub async fn post_as(
    url: &str,
    content_type: &str,
    body: &[u8],
    timeout: Duration,
) -> Result<(u16, String), NoAnswer> {
    let headers = Headers::new();
    headers
        .set("Content-Type", content_type)
        .map_err(|e| NoAnswer::Network(e.to_string()))?;
    if content_type == JSON {
        headers
            .set("Accept", JSON)
            .map_err(|e| NoAnswer::Network(e.to_string()))?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(worker::js_sys::Uint8Array::from(body).into()));
    let request =
        Request::new_with_init(url, &init).map_err(|e| NoAnswer::Network(e.to_string()))?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(request);
    let sending = Box::pin(async move {
        let mut response = fetch
            .send_with_signal(&signal)
            .await
            .map_err(|e| NoAnswer::Network(e.to_string()))?;
        let status = response.status_code();
        let text = response
            .text()
            .await
            .map_err(|e| NoAnswer::Network(e.to_string()))?;
        Ok::<_, NoAnswer>((status, text))
    });
    let timer = Box::pin(Delay::from(timeout));
    match select(sending, timer).await {
        Either::Left((result, _)) => result,
        Either::Right(((), _)) => {
            controller.abort();
            Err(NoAnswer::Timeout)
        }
    }
}
