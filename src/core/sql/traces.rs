//! The PSP's trace of each call (secrets removed before they get here).

use super::{Param, Stmt};

pub struct Trace {
    pub psp: &'static str,
    pub method: &'static str,
    pub ack: Option<String>,
    pub error_codes: Option<String>,
    pub correlation_id: Option<String>,
    pub at: String,
    /// JSON object of the request's fields, credentials removed.
    pub request: String,
    /// JSON object of the answer's fields; `None` when none came.
    pub response: Option<String>,
}

/// A trace of a call made for an order.
pub fn insert_for_order(order_id: &str, t: &Trace) -> Stmt {
    Stmt::new(
        "INSERT INTO psp_traces (order_id, client_id, psp, method, ack, error_codes, \
         correlation_id, at, request, response) \
         VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        vec![
            Param::from(order_id),
            Param::from(t.psp),
            Param::from(t.method),
            Param::from(t.ack.clone()),
            Param::from(t.error_codes.clone()),
            Param::from(t.correlation_id.clone()),
            Param::from(t.at.as_str()),
            Param::from(t.request.clone()),
            Param::from(t.response.clone()),
        ],
    )
}

/// A trace of a call made for the client with this e-mail.
pub fn insert_for_email(email: &str, t: &Trace) -> Stmt {
    Stmt::new(
        "INSERT INTO psp_traces (order_id, client_id, psp, method, ack, error_codes, \
         correlation_id, at, request, response) \
         SELECT NULL, id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 FROM clients WHERE email = ?1",
        vec![
            Param::from(email),
            Param::from(t.psp),
            Param::from(t.method),
            Param::from(t.ack.clone()),
            Param::from(t.error_codes.clone()),
            Param::from(t.correlation_id.clone()),
            Param::from(t.at.as_str()),
            Param::from(t.request.clone()),
            Param::from(t.response.clone()),
        ],
    )
}
