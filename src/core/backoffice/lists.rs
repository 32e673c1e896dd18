//! The outbox and audit lists of the back office, and the outbox retry:
//! an e-mail waiting or given up is made due again, in one batch with its
//! audit entry, guarded on the state the operator saw (read just before),
//! so that a mail the cron sent or failed meanwhile is not retried blindly.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::core::audit::{self, AuditEntry};
use crate::core::browse::Page;
use crate::core::sql::{guard_one_row_changed, Batch, Param, Stmt};

/// An e-mail not (yet) delivered. The body is never shown: it may hold a
/// password-reset link.
#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub to_email: String,
    pub subject: String,
    pub created_at: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
}

impl OutboxRow {
    pub fn json(&self) -> Value {
        json!({
            "id": self.id,
            "to": self.to_email,
            "subject": self.subject,
            "created_at": self.created_at,
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at,
            "last_error": self.last_error,
        })
    }

    /// What the audit log keeps of it.
    fn state(&self) -> Value {
        json!({
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at,
            "last_error": self.last_error,
        })
    }
}

macro_rules! outbox_columns {
    () => {
        "SELECT id, to_email, subject, created_at, status, attempts, next_attempt_at, last_error \
         FROM outbox "
    };
}

/// E-mails waiting or given up, given-up ones first, then the oldest due.
pub fn outbox(page: Page) -> Stmt {
    Stmt::new(
        concat!(
            outbox_columns!(),
            "WHERE status IN ('failed', 'pending') \
             ORDER BY status = 'pending', next_attempt_at, id LIMIT ?1 OFFSET ?2"
        ),
        vec![Param::Int(Page::LIMIT), Param::Int(page.offset())],
    )
}

/// One e-mail, whatever its state.
pub fn outbox_one(id: i64) -> Stmt {
    Stmt::new(
        concat!(outbox_columns!(), "WHERE id = ?1"),
        vec![Param::Int(id)],
    )
}

/// Whether an e-mail in this state may be retried: only one waiting or
/// given up (a sent one is done).
pub fn retryable(row: &OutboxRow) -> bool {
    row.status == "pending" || row.status == "failed"
}

/// Makes `before` due now, recorded in the audit log with the state before
/// and after. The update is guarded on `before` (status, attempts, next
/// attempt): if the cron touched the e-mail meanwhile, the batch aborts and
/// nothing is recorded. Attempts are kept: a retry is one more try, and
/// the cron gives the e-mail up again after it fails.
pub fn retry(before: &OutboxRow, operator_email: &str, reason: &str, now: &str) -> Batch {
    let after = json!({
        "status": "pending",
        "attempts": before.attempts,
        "next_attempt_at": now,
        "last_error": before.last_error,
    });
    let target = format!("outbox:{}", before.id);
    vec![
        Stmt::new(
            "UPDATE outbox SET status = 'pending', next_attempt_at = ?2 \
             WHERE id = ?1 AND status = ?3 AND attempts = ?4 AND next_attempt_at = ?5 \
             AND status IN ('pending', 'failed')",
            vec![
                Param::Int(before.id),
                Param::from(now),
                Param::from(before.status.as_str()),
                Param::Int(before.attempts),
                Param::from(before.next_attempt_at.as_str()),
            ],
        ),
        guard_one_row_changed(),
        audit::record(&AuditEntry {
            at: now,
            operator_email,
            action: "outbox_retry",
            target: &target,
            reason,
            before: &before.state(),
            after: &after,
        }),
    ]
}

/// One audit entry as stored.
#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub operator_email: String,
    pub action: String,
    pub target: String,
    pub reason: String,
    pub before_json: String,
    pub after_json: String,
}

impl AuditRow {
    /// Before and after as the JSON they are (text if a row holds none).
    pub fn json(&self) -> Value {
        let parse = |t: &str| serde_json::from_str(t).unwrap_or_else(|_| Value::from(t));
        json!({
            "id": self.id,
            "at": self.at,
            "operator": self.operator_email,
            "action": self.action,
            "target": self.target,
            "reason": self.reason,
            "before": parse(&self.before_json),
            "after": parse(&self.after_json),
        })
    }
}

/// The audit log, newest first; only one target's entries when given
/// (`order:<id>`, `title:<isin>`, `outbox:<id>`).
pub fn audit(target: Option<&str>, page: Page) -> Stmt {
    Stmt::new(
        "SELECT id, at, operator_email, action, target, reason, before_json, after_json \
         FROM audit_log WHERE (?1 IS NULL OR target = ?1) ORDER BY id DESC LIMIT ?2 OFFSET ?3",
        vec![
            Param::from(target),
            Param::Int(Page::LIMIT),
            Param::Int(page.offset()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed() -> OutboxRow {
        OutboxRow {
            id: 7,
            to_email: "a@example.org".into(),
            subject: "s".into(),
            created_at: "2026-12-01T00:00:00Z".into(),
            status: "failed".into(),
            attempts: 10,
            next_attempt_at: "2026-12-01T06:00:00Z".into(),
            last_error: Some("mail API 500".into()),
        }
    }

    #[test]
    fn a_retry_is_guarded_on_what_was_seen_and_audited_in_the_same_batch() {
        let b = retry(
            &failed(),
            "op@example.org",
            "API back",
            "2026-12-02T09:00:00Z",
        );
        assert_eq!(b.len(), 3);
        assert!(b[0]
            .sql
            .contains("status = ?3 AND attempts = ?4 AND next_attempt_at = ?5"));
        assert_eq!(b[0].params[2], Param::from("failed"));
        assert_eq!(b[0].params[3], Param::Int(10));
        assert_eq!(b[1].sql, guard_one_row_changed().sql);
        assert!(b[2].sql.starts_with("INSERT INTO audit_log"));
        assert_eq!(b[2].params[2], Param::from("outbox_retry"));
        assert_eq!(b[2].params[3], Param::from("outbox:7"));
        let before: Value = match &b[2].params[5] {
            Param::Text(t) => serde_json::from_str(t).expect("json"),
            other => panic!("{other:?}"),
        };
        assert_eq!(before["status"], "failed");
        let after: Value = match &b[2].params[6] {
            Param::Text(t) => serde_json::from_str(t).expect("json"),
            other => panic!("{other:?}"),
        };
        assert_eq!(after["status"], "pending");
        assert_eq!(after["next_attempt_at"], "2026-12-02T09:00:00Z");
    }

    #[test]
    fn only_waiting_or_given_up_mails_are_retried() {
        let mut row = failed();
        assert!(retryable(&row));
        row.status = "pending".into();
        assert!(retryable(&row));
        row.status = "sent".into();
        assert!(!retryable(&row));
    }
}
