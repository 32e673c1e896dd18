//! The operators' audit log (backoffice.md §1): who did what, when, why,
//! and the state before and after. Its rows are written in the same batch
//! as the action they record, and never updated or deleted (the table's
//! triggers refuse it).

use serde_json::Value;

use crate::core::sql::{Param, Stmt};

/// One operator action.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub at: &'a str,
    pub operator_email: &'a str,
    pub action: &'a str,
    /// `order:<id>`, `title:<isin>`, `outbox:<id>`.
    pub target: &'a str,
    pub reason: &'a str,
    pub before: &'a Value,
    pub after: &'a Value,
}

/// Appends `entry` to the audit log.
pub fn record(entry: &AuditEntry<'_>) -> Stmt {
    Stmt::new(
        "INSERT INTO audit_log (at, operator_email, action, target, reason, before_json, after_json) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        vec![
            Param::from(entry.at),
            Param::from(entry.operator_email),
            Param::from(entry.action),
            Param::from(entry.target),
            Param::from(entry.reason),
            Param::from(entry.before.to_string()),
            Param::from(entry.after.to_string()),
        ],
    )
}
