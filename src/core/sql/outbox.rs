//! The e-mail outbox. In emulator mode without a mail API, the outbox is the
//! emulator's mailbox and a message counts as sent when written.

use super::{Param, Stmt};

pub struct Mail<'a> {
    /// One e-mail per event: a repeated event writes nothing.
    pub event_key: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub now: &'a str,
    pub delivered_on_write: bool,
}

pub fn insert(m: &Mail) -> Stmt {
    Stmt::new(
        "INSERT INTO outbox (event_key, to_email, subject, body, created_at, status, next_attempt_at, sent_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, CASE WHEN ?6 = 1 THEN 'sent' ELSE 'pending' END, ?5, \
         CASE WHEN ?6 = 1 THEN ?5 END) ON CONFLICT (event_key) DO NOTHING",
        vec![
            Param::from(m.event_key),
            Param::from(m.to),
            Param::from(m.subject),
            Param::from(m.body),
            Param::from(m.now),
            Param::Int(i64::from(m.delivered_on_write)),
        ],
    )
}

#[derive(serde::Deserialize, serde::Serialize)]
pub struct Message {
    pub to: String,
    pub subject: String,
    pub body: String,
    pub sent_at: Option<String>,
}

/// Attempts before an e-mail is given up.
pub const MAX_ATTEMPTS: i64 = 10;

/// How long to wait after the `attempts`-th failure: 1, 2, 4, ... minutes,
/// at most 6 hours; `None` once the limit is reached (given up).
pub fn retry_after_seconds(attempts: i64) -> Option<i64> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let exponent = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
    Some((60_i64 << exponent).min(6 * 3_600))
}

#[derive(serde::Deserialize)]
pub struct Due {
    pub id: i64,
    pub to_email: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
}

pub fn due(now: &str, limit: i64) -> Stmt {
    Stmt::new(
        "SELECT id, to_email, subject, body, attempts FROM outbox \
         WHERE status = 'pending' AND next_attempt_at <= ?1 ORDER BY next_attempt_at LIMIT ?2",
        vec![Param::from(now), Param::Int(limit)],
    )
}

/// Sent: the body goes (a reset link must not outlive its delivery in
/// the database; the mail API has the message now).
pub fn mark_sent(id: i64, now: &str) -> Stmt {
    Stmt::new(
        "UPDATE outbox SET status = 'sent', sent_at = ?2, attempts = attempts + 1, body = '' \
         WHERE id = ?1 AND status = 'pending'",
        vec![Param::Int(id), Param::from(now)],
    )
}

/// Records a failed attempt: retried at `next_attempt_at`, or given up.
pub fn mark_failed_attempt(id: i64, next_attempt_at: Option<&str>, error: &str) -> Stmt {
    Stmt::new(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?3, \
         status = CASE WHEN ?2 IS NULL THEN 'failed' ELSE 'pending' END, \
         next_attempt_at = COALESCE(?2, next_attempt_at) WHERE id = ?1 AND status = 'pending'",
        vec![
            Param::Int(id),
            Param::from(next_attempt_at),
            Param::from(error),
        ],
    )
}

/// The emulator's mailbox (its own copy of what was delivered on
/// write; the outbox keeps no body once sent): the newest messages,
/// optionally only those to one address.
pub fn mailbox(to: Option<&str>, limit: i64) -> Stmt {
    Stmt::new(
        "SELECT to_email AS \"to\", subject, body, sent_at FROM emulator_mail \
         WHERE (?1 IS NULL OR to_email = ?1) ORDER BY id DESC LIMIT ?2",
        vec![Param::from(to), Param::Int(limit)],
    )
}

#[cfg(test)]
mod tests {
    use super::retry_after_seconds;

    #[test]
    fn mail_retries_back_off_and_give_up() {
        assert_eq!(retry_after_seconds(0), Some(60));
        assert_eq!(retry_after_seconds(3), Some(480));
        assert_eq!(retry_after_seconds(9), Some(6 * 3_600));
        assert_eq!(retry_after_seconds(10), None);
    }
}
