//! The emulator's PayPal accounts: who they are and the balances that
//! payments move.

use crate::core::sql::{Param, Stmt};

#[derive(serde::Deserialize, Clone, Debug)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub payer_id: String,
    pub api_username: String,
    pub api_password: String,
    pub api_signature: String,
    pub balance_cents: i64,
    pub currency: String,
}

pub struct NewAccount<'a> {
    pub email: &'a str,
    pub payer_id: &'a str,
    pub api_username: &'a str,
    pub api_password: &'a str,
    pub api_signature: &'a str,
    pub balance_cents: i64,
    pub currency: &'a str,
    pub now: &'a str,
}

/// Creates the account unless one has this e-mail (then nothing).
pub fn create(a: &NewAccount) -> Stmt {
    Stmt::new(
        "INSERT INTO emulator_accounts (email, payer_id, api_username, api_password, \
         api_signature, balance_cents, currency, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (email) DO NOTHING",
        vec![
            Param::from(a.email),
            Param::from(a.payer_id),
            Param::from(a.api_username),
            Param::from(a.api_password),
            Param::from(a.api_signature),
            Param::Int(a.balance_cents),
            Param::from(a.currency),
            Param::from(a.now),
        ],
    )
}

pub fn by_email(email: &str) -> Stmt {
    Stmt::new(
        "SELECT id, email, payer_id, api_username, api_password, api_signature, balance_cents, currency \
         FROM emulator_accounts WHERE email = ?1",
        vec![Param::from(email)],
    )
}

pub fn by_api_username(api_username: &str) -> Stmt {
    Stmt::new(
        "SELECT id, email, payer_id, api_username, api_password, api_signature, balance_cents, currency \
         FROM emulator_accounts WHERE api_username = ?1",
        vec![Param::from(api_username)],
    )
}

/// Takes `cents` from an account; no row when it lacks them (a guard
/// follows, so that a balance never goes negative).
pub fn debit(account_id: i64, cents: i64) -> Stmt {
    Stmt::new(
        "UPDATE emulator_accounts SET balance_cents = balance_cents - ?2 \
         WHERE id = ?1 AND balance_cents >= ?2",
        vec![Param::Int(account_id), Param::Int(cents)],
    )
}

pub fn credit(account_id: i64, cents: i64) -> Stmt {
    Stmt::new(
        "UPDATE emulator_accounts SET balance_cents = balance_cents + ?2 WHERE id = ?1",
        vec![Param::Int(account_id), Param::Int(cents)],
    )
}
