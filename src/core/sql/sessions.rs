//! Sessions: known by the SHA-256 of the cookie's token; they end after 30
//! days idle, a year after they began, on logout and on a password change.

use super::{Param, Stmt};

/// Idle time after which a session ends.
pub const IDLE_SECONDS: i64 = 30 * 86_400;
/// `last_seen_at` (and the cookie) is written at most this often, so
/// that reading pages does not write on every request.
pub const TOUCH_EVERY_SECONDS: i64 = 86_400;
/// A session ends this long after it was created, however used.
pub const MAX_AGE_SECONDS: i64 = 365 * 86_400;

#[derive(serde::Deserialize, Clone, Debug)]
pub struct SessionRow {
    pub client_id: i64,
    pub email: String,
    pub language: String,
    pub psp_environment: String,
    /// The client's current PayPal account, when he has one (a seller may
    /// be paid by card providers only).
    pub api_username: Option<String>,
    pub credentials_version: Option<i64>,
    pub credentials_status: Option<String>,
}

/// The live session's client: used within 30 days (`idle_cutoff`) and
/// created within a year (`created_cutoff`).
pub fn lookup(token_hash: &str, idle_cutoff: &str, created_cutoff: &str) -> Stmt {
    Stmt::new(
        "SELECT c.id AS client_id, c.email, c.language, c.psp_environment, \
         a.public_ref AS api_username, a.version AS credentials_version, \
         a.status AS credentials_status \
         FROM sessions s JOIN clients c ON c.id = s.client_id \
         LEFT JOIN psp_accounts a ON a.client_id = c.id AND a.provider = 'paypal' \
         AND a.replaced_at IS NULL \
         WHERE s.token_hash = ?1 AND s.last_seen_at >= ?2 AND s.created_at >= ?3",
        vec![
            Param::from(token_hash),
            Param::from(idle_cutoff),
            Param::from(created_cutoff),
        ],
    )
}

/// Moves `last_seen_at` forward when it is older than the touch interval
/// and the session is live; `changes` = 1 tells the cookie to be renewed.
pub fn touch(
    token_hash: &str,
    now: &str,
    touch_before: &str,
    idle_cutoff: &str,
    created_cutoff: &str,
) -> Stmt {
    Stmt::new(
        "UPDATE sessions SET last_seen_at = ?2 \
         WHERE token_hash = ?1 AND last_seen_at < ?3 AND last_seen_at >= ?4 AND created_at >= ?5",
        vec![
            Param::from(token_hash),
            Param::from(now),
            Param::from(touch_before),
            Param::from(idle_cutoff),
            Param::from(created_cutoff),
        ],
    )
}

/// A new session for the client with this e-mail.
pub fn create_for_email(token_hash: &str, email: &str, now: &str) -> Stmt {
    Stmt::new(
        "INSERT INTO sessions (token_hash, client_id, created_at, last_seen_at) \
         SELECT ?1, id, ?3, ?3 FROM clients WHERE email = ?2",
        vec![
            Param::from(token_hash),
            Param::from(email),
            Param::from(now),
        ],
    )
}

pub fn delete(token_hash: &str) -> Stmt {
    Stmt::new(
        "DELETE FROM sessions WHERE token_hash = ?1",
        vec![Param::from(token_hash)],
    )
}

/// Ends every session of a client (password change or reset).
pub fn delete_all(client_id: i64) -> Stmt {
    Stmt::new(
        "DELETE FROM sessions WHERE client_id = ?1",
        vec![Param::Int(client_id)],
    )
}

/// Stores the language the session's client just chose.
pub fn set_language(token_hash: &str, language: &str) -> Stmt {
    Stmt::new(
        "UPDATE clients SET language = ?2 \
         WHERE id = (SELECT client_id FROM sessions WHERE token_hash = ?1) AND language != ?2",
        vec![Param::from(token_hash), Param::from(language)],
    )
}
