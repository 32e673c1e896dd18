//! One Sips Office call through the flow's effects: the request sealed
//! with the account's key, sent to `Endpoint::SipsOffice`, its answer read
//! and its seal checked (`office::read_answer`), and the call's trace
//! (the sealed request and the answer as received; the key never).

use serde::{de::DeserializeOwned, Serialize};

use super::office::{read_answer, sealed_body, HasCode, OfficeAnswer, OfficeError, Operation};
use crate::core::flow::{Effects, Endpoint, FlowError, NoAnswer, Patience, WireRequest};
use crate::core::sql::traces::Trace;

/// Why an answer was not believed: sealed with another key.
pub const BAD_SEAL: &str = "Office answer with a bad seal";

/// An Office answer read and believed, and whether it carried a seal.
pub struct OfficeReply<T> {
    pub answer: OfficeAnswer<T>,
    pub sealed: bool,
}

/// Sends `request` (sealed under `secret_key`) to Office `operation`;
/// the answer (or why there is none) and the trace.
pub async fn office_call<E: Effects, R: Serialize, T: DeserializeOwned + HasCode>(
    fx: &E,
    operation: Operation,
    request: &R,
    secret_key: &str,
    patience: Patience,
) -> Result<(Result<OfficeReply<T>, NoAnswer>, Trace), FlowError> {
    let body = sealed_body(request, secret_key).map_err(|e| FlowError::Internal(e.to_string()))?;
    let wire = WireRequest {
        endpoint: Endpoint::SipsOffice {
            path: operation.path(),
        },
        patience,
        body: body.clone().into_bytes(),
    };
    let at = fx.now().to_string();
    let answer = fx.send(&wire).await;
    let reply = match &answer {
        Err(no_answer) => Err(no_answer.clone()),
        Ok(a) if a.status != 200 => Err(NoAnswer::Status(a.status)),
        Ok(a) => read(&a.body, secret_key),
    };
    let trace = trace(operation, &body, &answer, &reply, at);
    Ok((reply, trace))
}

fn read<T: DeserializeOwned + HasCode>(
    body: &[u8],
    secret_key: &str,
) -> Result<OfficeReply<T>, NoAnswer> {
    let text = std::str::from_utf8(body).map_err(|_| NoAnswer::Unreadable("not UTF-8".into()))?;
    let sealed = serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|v| v.get("seal").is_some_and(serde_json::Value::is_string));
    match read_answer::<T>(text, secret_key) {
        Ok(answer) => Ok(OfficeReply { answer, sealed }),
        Err(OfficeError::BadSeal) => Err(NoAnswer::Unreadable(BAD_SEAL.to_owned())),
        Err(OfficeError::Unreadable(why)) => Err(NoAnswer::Unreadable(why)),
    }
}

fn trace<T: HasCode>(
    operation: Operation,
    body: &str,
    answer: &Result<crate::core::flow::WireAnswer, NoAnswer>,
    reply: &Result<OfficeReply<T>, NoAnswer>,
    at: String,
) -> Trace {
    let code = reply
        .as_ref()
        .ok()
        .map(|r| r.answer.answer.code().as_str().to_owned());
    let response = match (answer, reply) {
        (Ok(a), Ok(_)) => Some(String::from_utf8_lossy(&a.body).into_owned()),
        (Ok(a), Err(why)) => Some(
            serde_json::json!({
                "no_answer": why.describe(),
                "http_status": a.status,
            })
            .to_string(),
        ),
        (Err(why), _) => Some(serde_json::json!({ "no_answer": why.describe() }).to_string()),
    };
    Trace {
        psp: "sips",
        method: method_name(operation),
        error_codes: code.clone().filter(|c| c != "00"),
        ack: code,
        correlation_id: None,
        at,
        request: body.to_owned(),
        response,
        request_wire: Some(body.as_bytes().to_vec()),
        response_wire: answer.as_ref().ok().map(|a| a.body.clone()),
    }
}

/// The operation's name in traces.
fn method_name(operation: Operation) -> &'static str {
    match operation {
        Operation::Validate => "validate",
        Operation::Cancel => "cancel",
        Operation::Refund => "refund",
        Operation::GetTransactionData => "getTransactionData",
    }
}
