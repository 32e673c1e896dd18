//! Reading orders: the list of a client's orders (as buyer or seller, each
//! with the client's `role`), one order with its PSP trace, and their JSON
//! shapes (spec §6). Credentials never reach a trace, so none reach here;
//! each party sees only its allow-listed part of the PSP's fields
//! (`privacy`).

use serde::Deserialize;
use serde_json::{json, Value};

use super::browse::Page;
use super::money::plain_cents;
use super::order::{OrderStatus, Substate};
use super::privacy::Role;
use super::psp::{self, ProviderId};
use super::sql::{Param, Stmt};

#[derive(Deserialize, Debug, Clone)]
pub struct OrderRow {
    pub id: String,
    pub role: String,
    pub isin: String,
    pub amount_cents: i64,
    pub currency: String,
    pub profit_rate: i64,
    pub code: OrderStatus,
    pub substate: Substate,
    pub created_at: String,
    /// The provider the order is paid with (`paypal`).
    pub psp: String,
    pub psp_transaction_id: Option<String>,
    pub psp_token: Option<String>,
    pub failure_reason: Option<String>,
    pub psp_error_code: Option<String>,
    pub psp_error_message: Option<String>,
    pub new_isin: Option<String>,
    /// The spend's free text (the automation API's `description`).
    #[serde(default)]
    pub description: Option<String>,
}

macro_rules! order_rows {
    ($tail:literal) => {
        concat!(
            "SELECT o.id, CASE WHEN o.buyer_id = me.id THEN 'buyer' ELSE 'seller' END AS role, ",
            "o.isin, o.amount_cents, o.currency, o.profit_rate, o.code, o.substate, o.created_at, o.psp, ",
            "o.psp_transaction_id, o.psp_token, o.failure_reason, o.psp_error_code, o.psp_error_message, o.new_isin, ",
            "o.description ",
            "FROM orders o JOIN (SELECT client_id AS id FROM sessions WHERE token_hash = ?1) me ",
            "ON o.buyer_id = me.id OR o.seller_id = me.id ",
            $tail
        )
    };
}

/// My orders, newest first (the session is found by its token hash).
pub fn mine(session_token_hash: &str, page: Page) -> Stmt {
    Stmt::new(
        order_rows!("ORDER BY o.created_at DESC, o.rowid DESC LIMIT ?2 OFFSET ?3"),
        vec![
            Param::from(session_token_hash),
            Param::Int(Page::LIMIT),
            Param::Int(page.offset()),
        ],
    )
}

/// One of my orders; none when it is someone else's.
pub fn one_of_mine(session_token_hash: &str, order_id: &str) -> Stmt {
    Stmt::new(
        order_rows!("WHERE o.id = ?2"),
        vec![Param::from(session_token_hash), Param::from(order_id)],
    )
}

#[derive(Deserialize, Debug, Clone)]
pub struct TraceRow {
    pub provider: ProviderId,
    pub method: String,
    pub ack: Option<String>,
    pub error_codes: Option<String>,
    pub correlation_id: Option<String>,
    pub at: String,
    pub request: String,
    pub response: Option<String>,
}

/// The PSP trace of one of my orders, oldest call first.
pub fn traces_of_mine(session_token_hash: &str, order_id: &str) -> Stmt {
    Stmt::new(
        "SELECT p.provider, p.operation AS method, p.outcome AS ack, p.error_codes, \
         p.provider_ref AS correlation_id, p.at, p.request, p.response \
         FROM psp_traces p JOIN orders o ON o.id = p.order_id \
         JOIN (SELECT client_id AS id FROM sessions WHERE token_hash = ?1) me \
         ON o.buyer_id = me.id OR o.seller_id = me.id WHERE p.order_id = ?2 ORDER BY p.id",
        vec![Param::from(session_token_hash), Param::from(order_id)],
    )
}

pub fn order_json(o: &OrderRow) -> Value {
    json!({
        "id": o.id,
        "role": o.role,
        "isin": o.isin,
        "amount": plain_cents(o.amount_cents),
        "currency": o.currency,
        "profit_rate": o.profit_rate,
        "status": o.code.name(),
        "code": o.code.code(),
        "substate": o.substate.as_str(),
        "created_at": o.created_at,
        "psp": o.psp,
        "psp_transaction_id": o.psp_transaction_id,
        "description": o.description,
    })
}

fn parse_object(text: Option<&str>) -> Value {
    text.and_then(|t| serde_json::from_str::<Value>(t).ok())
        .unwrap_or(Value::Null)
}

/// A trace row as `role` may see it: the neutral columns, and the
/// request's and answer's fields through the allow-list.
pub fn trace_json(t: &TraceRow, role: Role) -> Value {
    json!({
        "method": t.method,
        "ack": t.ack,
        "error_codes": t.error_codes.as_deref().map(|c| c.split(',').collect::<Vec<_>>()).unwrap_or_default(),
        "correlation_id": t.correlation_id,
        "at": t.at,
        "fields": psp::visible_fields(t.provider, role, &parse_object(t.response.as_deref())),
        "request": psp::visible_fields(t.provider, role, &parse_object(Some(&t.request))),
    })
}

/// The answer's fields `role` may see, as the order page prints them
/// (a JSON object; empty when no answer came).
pub fn visible_answer_text(t: &TraceRow, role: Role) -> String {
    match psp::visible_fields(t.provider, role, &parse_object(t.response.as_deref())) {
        Value::Null => String::new(),
        shown => shown.to_string(),
    }
}

pub fn detail_json(o: &OrderRow, traces: &[TraceRow]) -> Value {
    let mut j = order_json(o);
    if let Value::Object(map) = &mut j {
        map.insert("failure_reason".into(), json!(o.failure_reason));
        map.insert(
            "psp_error".into(),
            match (&o.psp_error_code, &o.psp_error_message) {
                (Some(code), message) => json!({ "code": code, "message": message }),
                (None, _) => Value::Null,
            },
        );
        map.insert("new_isin".into(), json!(o.new_isin));
        map.insert(
            "trace".into(),
            Value::Array(
                traces
                    .iter()
                    .map(|t| trace_json(t, Role::parse(&o.role)))
                    .collect(),
            ),
        );
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_json_gives_the_status_name_and_code() {
        let o = OrderRow {
            id: "abc".into(),
            role: "buyer".into(),
            isin: "ZZ0000000001".into(),
            amount_cents: 1234,
            currency: "EUR".into(),
            profit_rate: 10,
            code: OrderStatus::Failed,
            substate: Substate::Done,
            created_at: "2026-11-22T10:00:00Z".into(),
            psp: "paypal".into(),
            psp_transaction_id: None,
            psp_token: None,
            failure_reason: Some("psp_refused".into()),
            psp_error_code: Some("10417".into()),
            psp_error_message: Some("Transaction cannot complete.".into()),
            new_isin: None,
            description: None,
        };
        let j = order_json(&o);
        assert_eq!(j["status"], "failed");
        assert_eq!(j["code"], -2);
        assert_eq!(j["amount"], "12.34");
        assert_eq!(j["psp"], "paypal");
        assert!(j["psp_transaction_id"].is_null());
        let d = detail_json(&o, &[]);
        assert_eq!(d["psp_error"]["code"], "10417");
        assert!(d["trace"].as_array().is_some_and(Vec::is_empty));
    }

    #[test]
    fn a_trace_lists_its_error_codes_and_fields() {
        let t = TraceRow {
            provider: ProviderId::Paypal,
            method: "DoExpressCheckoutPayment".into(),
            ack: Some("Failure".into()),
            error_codes: Some("10486,10001".into()),
            correlation_id: Some("c0ffee".into()),
            at: "2026-11-22T10:00:00Z".into(),
            request: "{\"TOKEN\":\"EC-1\"}".into(),
            response: Some("{\"ACK\":\"Failure\"}".into()),
        };
        let j = trace_json(&t, Role::Buyer);
        assert_eq!(j["error_codes"], json!(["10486", "10001"]));
        assert_eq!(j["fields"]["ACK"], "Failure");
        assert!(
            j["request"].get("TOKEN").is_none(),
            "the EC token is never shown"
        );
    }
}
