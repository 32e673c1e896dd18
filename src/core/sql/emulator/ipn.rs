//! The IPN messages the emulator sends: queued, delivered, dropped, and
//! recognised when the listener posts them back.

use crate::core::sql::{Param, Stmt};

pub struct NewIpn<'a> {
    pub txn_id: &'a str,
    pub parent_txn_id: Option<&'a str>,
    pub payment_status: &'a str,
    pub notify_url: Option<&'a str>,
    pub body: &'a str,
    pub body_sha256: &'a str,
    pub now: &'a str,
}

#[derive(serde::Deserialize)]
pub struct NewId {
    pub id: i64,
}

/// Stores an IPN message, queued for delivery; returns its id.
pub fn insert_ipn(m: &NewIpn) -> Stmt {
    Stmt::new(
        "INSERT INTO emulator_ipn_messages (txn_id, parent_txn_id, payment_status, notify_url, \
         body, body_sha256, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        vec![
            Param::from(m.txn_id),
            Param::from(m.parent_txn_id),
            Param::from(m.payment_status),
            Param::from(m.notify_url),
            Param::from(m.body),
            Param::from(m.body_sha256),
            Param::from(m.now),
        ],
    )
}

#[derive(serde::Deserialize, serde::Serialize, Clone, Debug)]
pub struct IpnMessage {
    pub id: i64,
    pub txn_id: String,
    pub parent_txn_id: Option<String>,
    pub payment_status: String,
    pub notify_url: Option<String>,
    pub body: String,
    pub created_at: String,
    /// `queued` until delivered, then `delivered`.
    pub status: String,
    pub attempts: i64,
    pub last_http_status: Option<i64>,
    pub delivered_at: Option<String>,
}

/// The newest IPN messages, optionally about one transaction (as its
/// `txn_id` or its `parent_txn_id`).
pub fn ipn_messages(txn_id: Option<&str>, limit: i64) -> Stmt {
    Stmt::new(
        "SELECT id, txn_id, parent_txn_id, payment_status, notify_url, body, created_at, status, \
         attempts, last_http_status, delivered_at FROM emulator_ipn_messages \
         WHERE (?1 IS NULL OR txn_id = ?1 OR parent_txn_id = ?1) ORDER BY id DESC LIMIT ?2",
        vec![Param::from(txn_id), Param::Int(limit)],
    )
}

/// The oldest messages still waiting for delivery.
pub fn queued_ipns(limit: i64) -> Stmt {
    Stmt::new(
        "SELECT id, txn_id, parent_txn_id, payment_status, notify_url, body, created_at, status, \
         attempts, last_http_status, delivered_at FROM emulator_ipn_messages \
         WHERE status = 'queued' AND notify_url LIKE '%/psp/paypal/ipn' ORDER BY id LIMIT ?1",
        vec![Param::Int(limit)],
    )
}

/// Records one delivery attempt; HTTP 200 delivers the message.
pub fn record_ipn_delivery(id: i64, http_status: i64, now: &str) -> Stmt {
    Stmt::new(
        "UPDATE emulator_ipn_messages SET attempts = attempts + 1, last_http_status = ?2, \
         status = CASE WHEN ?2 = 200 THEN 'delivered' ELSE status END, \
         delivered_at = CASE WHEN ?2 = 200 AND delivered_at IS NULL THEN ?3 ELSE delivered_at END \
         WHERE id = ?1",
        vec![Param::Int(id), Param::Int(http_status), Param::from(now)],
    )
}

/// Loses the messages still queued (about one transaction when given):
/// PayPal never sends them.
pub fn drop_queued_ipns(txn_id: Option<&str>) -> Stmt {
    Stmt::new(
        "DELETE FROM emulator_ipn_messages WHERE status = 'queued' \
         AND (?1 IS NULL OR txn_id = ?1 OR parent_txn_id = ?1)",
        vec![Param::from(txn_id)],
    )
}

#[derive(serde::Deserialize)]
pub struct Found {
    pub found: i64,
}

/// Whether these exact bytes are a message the emulator sent.
pub fn ipn_sent(body_sha256: &str, body: &str) -> Stmt {
    Stmt::new(
        "SELECT EXISTS (SELECT 1 FROM emulator_ipn_messages WHERE body_sha256 = ?1 AND body = ?2) AS found",
        vec![Param::from(body_sha256), Param::from(body)],
    )
}
