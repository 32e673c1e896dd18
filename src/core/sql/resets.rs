//! Password reset links: single use, valid one hour.

use super::{Param, Stmt};

pub const VALID_SECONDS: i64 = 3_600;

pub fn create(token_hash: &str, client_id: i64, now: &str, expires_at: &str) -> Stmt {
    Stmt::new(
        "INSERT INTO password_resets (token_hash, client_id, created_at, expires_at) \
         VALUES (?1, ?2, ?3, ?4)",
        vec![
            Param::from(token_hash),
            Param::Int(client_id),
            Param::from(now),
            Param::from(expires_at),
        ],
    )
}

#[derive(serde::Deserialize)]
pub struct UsableReset {
    pub client_id: i64,
}

/// The reset's client when the link is unused and not expired.
pub fn usable(token_hash: &str, now: &str) -> Stmt {
    Stmt::new(
        "SELECT client_id FROM password_resets \
         WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
        vec![Param::from(token_hash), Param::from(now)],
    )
}

/// Uses the link; must change one row (a guard follows it).
pub fn mark_used(token_hash: &str, now: &str) -> Stmt {
    Stmt::new(
        "UPDATE password_resets SET used_at = ?2 \
         WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
        vec![Param::from(token_hash), Param::from(now)],
    )
}
