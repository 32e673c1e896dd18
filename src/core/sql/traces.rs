//! The provider's trace of each call (secrets removed before they get
//! here), in `psp_traces`'s provider-neutral columns: `provider`,
//! `operation`, `outcome`, `error_codes`, `provider_ref`, and the request
//! and answer both as JSON objects of their fields and as wire bytes.

use super::{Param, Stmt};

pub struct Trace {
    /// `psp_traces.provider`.
    pub psp: &'static str,
    /// `psp_traces.operation` (PayPal: the NVP METHOD).
    pub method: &'static str,
    /// `psp_traces.outcome` (PayPal: ACK).
    pub ack: Option<String>,
    pub error_codes: Option<String>,
    /// `psp_traces.provider_ref` (PayPal: CORRELATIONID).
    pub correlation_id: Option<String>,
    pub at: String,
    /// JSON object of the request's fields, credentials removed.
    pub request: String,
    /// JSON object of the answer's fields; `None` when none came.
    pub response: Option<String>,
    /// The request's bytes as sent, credentials removed.
    pub request_wire: Option<Vec<u8>>,
    /// The answer's bytes; `None` when none came.
    pub response_wire: Option<Vec<u8>>,
}

/// The trace's values from `?2` on, in [`insert_for_order`]'s column
/// order. Bytes travel as hex text (D1's binding has no byte type that
/// works in every runtime) and are stored as BLOBs.
fn values(first: Param, t: &Trace) -> Vec<Param> {
    let hex = |bytes: &Option<Vec<u8>>| Param::from(bytes.as_deref().map(super::hex));
    vec![
        first,
        Param::from(t.psp),
        Param::from(t.method),
        Param::from(t.ack.clone()),
        Param::from(t.error_codes.clone()),
        Param::from(t.correlation_id.clone()),
        Param::from(t.at.as_str()),
        Param::from(t.request.clone()),
        Param::from(t.response.clone()),
        hex(&t.request_wire),
        hex(&t.response_wire),
    ]
}

/// A trace of a call made for an order.
pub fn insert_for_order(order_id: &str, t: &Trace) -> Stmt {
    Stmt::new(
        "INSERT INTO psp_traces (order_id, client_id, provider, operation, outcome, error_codes, \
         provider_ref, at, request, response, request_wire, response_wire) \
         VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, unhex(?10), unhex(?11))",
        values(Param::from(order_id), t),
    )
}

/// A trace of a call made for the client with this e-mail.
pub fn insert_for_email(email: &str, t: &Trace) -> Stmt {
    Stmt::new(
        "INSERT INTO psp_traces (order_id, client_id, provider, operation, outcome, error_codes, \
         provider_ref, at, request, response, request_wire, response_wire) \
         SELECT NULL, id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, unhex(?10), unhex(?11) \
         FROM clients WHERE email = ?1",
        values(Param::from(email), t),
    )
}
