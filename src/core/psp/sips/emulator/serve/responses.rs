//! The automatic responses (server to server): queued in the batch that
//! decides the payment, delivered at once in-process to the platform's
//! listener (a deployed Worker cannot fetch itself), and again by every
//! delivery run (the cron, `POST /_emulator/sips/responses/deliver`) until
//! acknowledged with a 200, as Sips sends again what was not acknowledged.
//! Only responses addressed to a PayBook listener (`/psp/sips/notify`) are
//! delivered; others stay listed, undelivered.

use crate::core::flow::{rows_at, Effects, FlowError};
use crate::core::sql::emulator::sips::{self, Response};

/// Where a PayBook deployment listens for Sips' automatic responses.
pub const LISTENER_PATH: &str = "/psp/sips/notify";

/// Most responses one delivery run sends.
const DELIVERY_BATCH: i64 = 50;

/// An automatic response to deliver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedResponse {
    pub id: i64,
    pub url: Option<String>,
    /// The urlencoded form body (`Data`, `Encode`, `InterfaceVersion`, `Seal`).
    pub body: String,
}

/// Who receives the responses: the platform's listener, in-process.
#[allow(async_fn_in_trait)] // Workers futures are not Send.
pub trait ResponseSink {
    /// Posts `body` to `url`; the listener's HTTP status.
    async fn post(&self, url: &str, body: &str) -> u16;
}

/// Delivers `responses` addressed to a PayBook listener and records each
/// attempt; returns how many were acknowledged (200).
pub async fn deliver<E: Effects, S: ResponseSink>(
    fx: &E,
    sink: &S,
    responses: &[QueuedResponse],
) -> Result<usize, FlowError> {
    let mut delivered = 0;
    for response in responses {
        let Some(url) = response
            .url
            .as_deref()
            .filter(|u| u.ends_with(LISTENER_PATH))
        else {
            continue;
        };
        let status = sink.post(url, &response.body).await;
        fx.log(&format!(
            "emulator: Sips automatic response {} delivered ({status})",
            response.id
        ));
        let now = fx.now().to_string();
        fx.run(&vec![sips::record_response_delivery(
            response.id,
            i64::from(status),
            &now,
        )])
        .await?;
        delivered += usize::from(status == 200);
    }
    Ok(delivered)
}

/// A delivery run: every response not acknowledged yet (delayed ones
/// included), oldest first; returns how many were acknowledged.
pub async fn deliver_undelivered<E: Effects, S: ResponseSink>(
    fx: &E,
    sink: &S,
) -> Result<usize, FlowError> {
    let results = fx
        .run(&vec![sips::undelivered_responses(DELIVERY_BATCH)])
        .await?;
    let rows: Vec<Response> = rows_at(&results, 0)?;
    let queued: Vec<QueuedResponse> = rows
        .into_iter()
        .map(|r| QueuedResponse {
            id: r.id,
            url: r.url,
            body: r.body,
        })
        .collect();
    deliver(fx, sink, &queued).await
}

/// The newest responses (of one reference when given), at most `limit`.
pub async fn list_responses<E: Effects>(
    fx: &E,
    reference: Option<&str>,
    limit: i64,
) -> Result<Vec<Response>, FlowError> {
    let results = fx.run(&vec![sips::responses(reference, limit)]).await?;
    rows_at(&results, 0)
}
