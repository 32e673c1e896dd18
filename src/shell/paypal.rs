//! The PayPal NVP transport: sends an encoded request to `PAYPAL_NVP_URL`
//! with a timeout, or, in emulator mode, hands the same bytes to the built-in
//! emulator in-process (a deployed Worker cannot fetch itself). Either way
//! the answer is parsed by the one codec in the core. A timeout, a 5xx or a
//! broken connection is an unknown outcome, never a refusal.

use std::time::Duration;

use futures_util::future::{select, Either};
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit};

use super::emulator;
use super::web::Ctx;
use crate::core::config::NvpEndpoint;
use crate::core::psp::paypal::nvp::{Credentials, NvpRequest, NvpResponse};
use crate::core::sealing::{Binding, Keyring};
use crate::core::sql::traces::Trace;

pub use crate::core::flow::NoAnswer;

/// How long to wait for PayPal: 30 s for DoExpressCheckoutPayment (spec
/// §10); 5 s when a page only shows a balance.
pub const PAYMENT_TIMEOUT: Duration = Duration::from_secs(30);
pub const BALANCE_TIMEOUT: Duration = Duration::from_secs(5);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// How long the IPN listener waits for PayPal's postback answer: PayPal
/// resends a message it got no 200 for, so a short wait loses nothing.
pub const IPN_VERIFY_TIMEOUT: Duration = Duration::from_secs(10);

/// Sends one NVP request and parses the answer.
pub async fn call(
    ctx: &Ctx,
    request: &NvpRequest,
    timeout: Duration,
) -> Result<NvpResponse, NoAnswer> {
    ctx.count_psp_call();
    let body = request.encode();
    let (status, text) = match &ctx.app.config.paypal_nvp {
        NvpEndpoint::InProcess => emulator::nvp_answer(ctx, &body).await,
        NvpEndpoint::Url(url) => post(url, body.as_bytes(), timeout).await?,
    };
    if status != 200 {
        return Err(NoAnswer::Status(status));
    }
    NvpResponse::parse(&text).map_err(|e| NoAnswer::Unreadable(e.to_string()))
}

/// POSTs a form body (exact bytes) to `url`; the status and text of the
/// answer, or why there is none (a timeout aborts the request).
pub async fn post(url: &str, body: &[u8], timeout: Duration) -> Result<(u16, String), NoAnswer> {
    let headers = Headers::new();
    headers
        .set("Content-Type", "application/x-www-form-urlencoded")
        .map_err(|e| NoAnswer::Network(e.to_string()))?;
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

/// The audit trace of one call: the request without credentials, the
/// answer's fields (or none when it was lost).
pub fn trace(request: &NvpRequest, answer: &Result<NvpResponse, NoAnswer>, at: &str) -> Trace {
    let request_json = fields_json(&request.redacted());
    match answer {
        Ok(response) => {
            let codes: Vec<String> = response.errors().into_iter().map(|e| e.code).collect();
            Trace {
                psp: "paypal",
                method: request.method().as_str(),
                ack: Some(response.get("ACK").unwrap_or("").to_string()),
                error_codes: (!codes.is_empty()).then(|| codes.join(",")),
                correlation_id: response.correlation_id().map(str::to_string),
                at: at.to_string(),
                request: request_json,
                response: Some(fields_json(response.fields())),
                request_wire: Some(request.encode_redacted().into_bytes()),
                response_wire: Some(response.encode().into_bytes()),
            }
        }
        Err(no_answer) => Trace {
            psp: "paypal",
            method: request.method().as_str(),
            ack: None,
            error_codes: None,
            correlation_id: None,
            at: at.to_string(),
            request: request_json,
            response: Some(serde_json::json!({ "no_answer": no_answer.describe() }).to_string()),
            request_wire: Some(request.encode_redacted().into_bytes()),
            response_wire: None,
        },
    }
}

fn fields_json(fields: &[(String, String)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// Opens stored credentials (AES-GCM under the credentials keyring, bound to
/// their client, version and API username: see `crate::core::sealing`).
pub fn unseal(
    keyring: &Keyring,
    client_id: i64,
    version: i64,
    api_username: &str,
    sealed: &str,
) -> Result<Credentials, String> {
    #[derive(serde::Deserialize)]
    struct Secret {
        password: String,
        signature: String,
    }
    let binding = Binding {
        client_id,
        version,
        api_username,
    };
    let plain = keyring
        .open(binding, sealed)
        .map_err(|e| format!("unseal: {e}"))?;
    let secret: Secret = serde_json::from_slice(&plain).map_err(|e| format!("unseal: {e}"))?;
    Ok(Credentials {
        username: api_username.to_string(),
        password: secret.password,
        signature: secret.signature,
    })
}
