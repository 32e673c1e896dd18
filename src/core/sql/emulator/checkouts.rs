//! Express Checkout sessions: created, approved by a buyer, completed by
//! the paying call.

use crate::core::sql::{Param, Stmt};

/// A checkout with its receiver and (once approved) its payer.
#[derive(serde::Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Checkout {
    pub token: String,
    pub receiver_account_id: i64,
    pub receiver_email: String,
    pub receiver_payer_id: String,
    pub receiver_currency: String,
    pub amount_cents: i64,
    pub currency: String,
    pub invnum: Option<String>,
    pub custom: Option<String>,
    pub notify_url: Option<String>,
    pub return_url: String,
    pub cancel_url: String,
    pub locale_code: Option<String>,
    pub created_at: String,
    /// `created`, `approved` or `completed`.
    pub status: String,
    pub payer_account_id: Option<i64>,
    pub payer_email: Option<String>,
    pub payer_payer_id: Option<String>,
    pub payer_balance_cents: Option<i64>,
    pub payer_currency: Option<String>,
    pub transaction_id: Option<String>,
    pub msgsubid: Option<String>,
    /// The paying call's answer without envelope (JSON), for 11607.
    pub answer: Option<String>,
    pub attempts: i64,
}

pub fn checkout_by_token(token: &str) -> Stmt {
    Stmt::new(
        "SELECT c.token, c.receiver_account_id, r.email AS receiver_email, \
         r.payer_id AS receiver_payer_id, r.currency AS receiver_currency, c.amount_cents, \
         c.currency, c.invnum, c.custom, c.notify_url, c.return_url, c.cancel_url, \
         c.locale_code, c.created_at, c.status, c.payer_account_id, p.email AS payer_email, \
         p.payer_id AS payer_payer_id, p.balance_cents AS payer_balance_cents, \
         p.currency AS payer_currency, c.transaction_id, c.msgsubid, c.answer, c.attempts \
         FROM emulator_checkouts c JOIN emulator_accounts r ON r.id = c.receiver_account_id \
         LEFT JOIN emulator_accounts p ON p.id = c.payer_account_id WHERE c.token = ?1",
        vec![Param::from(token)],
    )
}

pub struct NewCheckout<'a> {
    pub token: &'a str,
    pub receiver_account_id: i64,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub invnum: Option<&'a str>,
    pub custom: Option<&'a str>,
    pub notify_url: Option<&'a str>,
    pub return_url: &'a str,
    pub cancel_url: &'a str,
    pub locale_code: Option<&'a str>,
    pub now: &'a str,
}

pub fn insert_checkout(c: &NewCheckout) -> Stmt {
    Stmt::new(
        "INSERT INTO emulator_checkouts (token, receiver_account_id, amount_cents, currency, \
         invnum, custom, notify_url, return_url, cancel_url, locale_code, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        vec![
            Param::from(c.token),
            Param::Int(c.receiver_account_id),
            Param::Int(c.amount_cents),
            Param::from(c.currency),
            Param::from(c.invnum),
            Param::from(c.custom),
            Param::from(c.notify_url),
            Param::from(c.return_url),
            Param::from(c.cancel_url),
            Param::from(c.locale_code),
            Param::from(c.now),
        ],
    )
}

/// The buyer with this e-mail approves the checkout (again, possibly as
/// another payer, until it is paid); nothing when the token is paid,
/// expired (`created_after` = now − 3 h) or the e-mail unknown.
pub fn approve_checkout(token: &str, email: &str, now: &str, created_after: &str) -> Stmt {
    Stmt::new(
        "UPDATE emulator_checkouts SET status = 'approved', approved_at = ?3, \
         payer_account_id = (SELECT id FROM emulator_accounts WHERE email = ?2) \
         WHERE token = ?1 AND status != 'completed' AND created_at >= ?4 \
         AND EXISTS (SELECT 1 FROM emulator_accounts WHERE email = ?2)",
        vec![
            Param::from(token),
            Param::from(email),
            Param::from(now),
            Param::from(created_after),
        ],
    )
}

/// Counts a refused DoExpressCheckoutPayment on the token.
pub fn count_attempt(token: &str) -> Stmt {
    Stmt::new(
        "UPDATE emulator_checkouts SET attempts = attempts + 1 WHERE token = ?1",
        vec![Param::from(token)],
    )
}

/// Marks the checkout paid by this payer; changes no row when another
/// call paid it first or the approval changed (a guard follows).
pub fn complete_checkout(
    token: &str,
    payer_account_id: i64,
    transaction_id: &str,
    msgsubid: Option<&str>,
    answer: &str,
) -> Stmt {
    Stmt::new(
        "UPDATE emulator_checkouts SET status = 'completed', transaction_id = ?3, msgsubid = ?4, \
         answer = ?5, attempts = attempts + 1 \
         WHERE token = ?1 AND status = 'approved' AND payer_account_id = ?2",
        vec![
            Param::from(token),
            Param::Int(payer_account_id),
            Param::from(transaction_id),
            Param::from(msgsubid),
            Param::from(answer),
        ],
    )
}
