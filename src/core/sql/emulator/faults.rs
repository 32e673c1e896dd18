//! One-shot faults: the error, status or lost answer a coming API call
//! gets instead of the normal one.

use crate::core::sql::{Param, Stmt};

#[derive(serde::Deserialize, serde::Serialize, Clone, Debug)]
pub struct Fault {
    pub id: i64,
    pub method: String,
    pub token: Option<String>,
    pub api_username: Option<String>,
    pub error_code: Option<String>,
    pub payment_status: Option<String>,
    pub pending_reason: Option<String>,
    pub drop_answer: i64,
    pub created_at: String,
}

pub struct NewFault<'a> {
    pub method: &'a str,
    pub token: Option<&'a str>,
    pub api_username: Option<&'a str>,
    pub error_code: Option<&'a str>,
    pub payment_status: Option<&'a str>,
    pub pending_reason: Option<&'a str>,
    pub drop_answer: bool,
    pub now: &'a str,
}

pub fn insert_fault(f: &NewFault) -> Stmt {
    Stmt::new(
        "INSERT INTO emulator_faults (method, token, api_username, error_code, payment_status, \
         pending_reason, drop_answer, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
         RETURNING id, method, token, api_username, error_code, payment_status, pending_reason, drop_answer, created_at",
        vec![
            Param::from(f.method),
            Param::from(f.token),
            Param::from(f.api_username),
            Param::from(f.error_code),
            Param::from(f.payment_status),
            Param::from(f.pending_reason),
            Param::Int(i64::from(f.drop_answer)),
            Param::from(f.now),
        ],
    )
}

/// The oldest fault for a call of `method` with this token and these
/// credentials (a fault without token or api_username matches any).
pub fn matching_fault(method: &str, token: Option<&str>, api_username: &str) -> Stmt {
    Stmt::new(
        "SELECT id, method, token, api_username, error_code, payment_status, pending_reason, drop_answer, created_at \
         FROM emulator_faults WHERE method = ?1 AND (token IS NULL OR token = ?2) \
         AND (api_username IS NULL OR api_username = ?3) ORDER BY id LIMIT 1",
        vec![Param::from(method), Param::from(token), Param::from(api_username)],
    )
}

/// Consumes a fault; one call only gets it (changes = 1).
pub fn take_fault(id: i64) -> Stmt {
    Stmt::new(
        "DELETE FROM emulator_faults WHERE id = ?1",
        vec![Param::Int(id)],
    )
}

/// Pending faults, oldest first, optionally only those for a token or
/// for an API username.
pub fn list_faults(token: Option<&str>, api_username: Option<&str>) -> Stmt {
    Stmt::new(
        "SELECT id, method, token, api_username, error_code, payment_status, pending_reason, drop_answer, created_at \
         FROM emulator_faults WHERE (?1 IS NULL OR token = ?1) AND (?2 IS NULL OR api_username = ?2) \
         ORDER BY id LIMIT 500",
        vec![Param::from(token), Param::from(api_username)],
    )
}

pub fn clear_faults(token: Option<&str>, api_username: Option<&str>) -> Stmt {
    Stmt::new(
        "DELETE FROM emulator_faults WHERE (?1 IS NULL OR token = ?1) AND (?2 IS NULL OR api_username = ?2)",
        vec![Param::from(token), Param::from(api_username)],
    )
}
