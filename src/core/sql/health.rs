//! What `/healthz` reports beyond "ok".

use super::Stmt;

#[derive(serde::Deserialize, Default)]
pub struct Summary {
    pub last_cron_at: Option<String>,
    pub orders_unresolved: i64,
    pub outbox_backlog: i64,
    pub notifications_unresolved: i64,
}

/// Orders whose outcome is not known yet (claimed, or paid but Pending,
/// or waiting for a person, a trade partly refunded included), e-mails
/// not sent yet, and PSP notifications not acted on yet, or not even
/// verified yet (their postback failed): the cron takes both up again.
pub fn summary() -> Stmt {
    Stmt::new(
        "SELECT (SELECT value FROM settings WHERE key = 'last_cron_at') AS last_cron_at, \
         (SELECT COUNT(*) FROM orders WHERE (code = 0 \
            AND substate IN ('confirming', 'psp_pending', 'needs_review')) \
            OR (code = 2 AND substate = 'needs_review')) AS orders_unresolved, \
         (SELECT COUNT(*) FROM outbox WHERE status = 'pending') AS outbox_backlog, \
         (SELECT COUNT(*) FROM psp_notifications WHERE outcome = 'received') \
         + (SELECT COUNT(*) FROM psp_ipn_receipts WHERE state = 'received') AS notifications_unresolved",
        vec![],
    )
}
