//! The PayPal emulator's third-party permissions: the scopes an account
//! granted to another account's API username.

use crate::core::sql::{Param, Stmt};

/// One granted scope.
#[derive(serde::Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub scope: String,
}

/// The account a call's `SUBJECT` names: by e-mail or by payer id, as
/// PayPal accepts either.
pub fn subject_account(subject: &str) -> Stmt {
    Stmt::new(
        "SELECT id, email, payer_id, api_username, api_password, api_signature, balance_cents, currency \
         FROM emulator_accounts WHERE email = lower(?1) OR payer_id = ?1 LIMIT 1",
        vec![Param::from(subject)],
    )
}

/// The scopes the `SUBJECT` account granted to `api_username`.
pub fn granted_scopes(subject: &str, api_username: &str) -> Stmt {
    Stmt::new(
        "SELECT g.scope FROM emulator_grants g JOIN emulator_accounts a ON a.id = g.account_id \
         WHERE (a.email = lower(?1) OR a.payer_id = ?1) AND g.api_username = ?2 ORDER BY g.scope",
        vec![Param::from(subject), Param::from(api_username)],
    )
}

/// Grants `scope` of account `account_id` to `api_username` (again: no change).
pub fn grant(account_id: i64, api_username: &str, scope: &str, now: &str) -> Stmt {
    Stmt::new(
        "INSERT INTO emulator_grants (account_id, api_username, scope, granted_at) \
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        vec![
            Param::Int(account_id),
            Param::from(api_username),
            Param::from(scope),
            Param::from(now),
        ],
    )
}

/// Revokes `scope` of account `account_id` from `api_username`.
pub fn revoke(account_id: i64, api_username: &str, scope: &str) -> Stmt {
    Stmt::new(
        "DELETE FROM emulator_grants WHERE account_id = ?1 AND api_username = ?2 AND scope = ?3",
        vec![
            Param::Int(account_id),
            Param::from(api_username),
            Param::from(scope),
        ],
    )
}

/// Every grant of account `account_id`: (API username, scope).
pub fn grants_of(account_id: i64) -> Stmt {
    Stmt::new(
        "SELECT api_username, scope FROM emulator_grants WHERE account_id = ?1 \
         ORDER BY api_username, scope",
        vec![Param::Int(account_id)],
    )
}

/// Every grant of the account with this e-mail: (API username, scope).
pub fn grants_of_email(email: &str) -> Stmt {
    Stmt::new(
        "SELECT g.api_username, g.scope FROM emulator_grants g \
         JOIN emulator_accounts a ON a.id = g.account_id WHERE a.email = ?1 \
         ORDER BY g.api_username, g.scope",
        vec![Param::from(email)],
    )
}
