//! The operator's dashboard (`GET /admin`, backoffice.md §2) and the
//! figures the daily report shares with it: orders made in a period by
//! status and provider with their amounts per currency, and what waits
//! (orders whose outcome is unknown, as `/healthz` counts them; unfinished
//! notifications; e-mails waiting or given up; the last cron run; the
//! ledger head). Every figure comes from one batch ([`batch`]); this module
//! owns its statements and folds their rows into the three periods.

use serde::Deserialize;
use serde_json::{json, Value};

use super::i18n::dashboard::DashboardTexts;
use super::ledger::{self, Head};
use super::money::plain_cents;
use super::order::OrderStatus;
use super::sql::{self, health, Batch, Param, Stmt, StmtResult};
use super::time::UtcTime;

/// The start of `at`'s UTC day.
pub fn day_start(at: UtcTime) -> UtcTime {
    UtcTime::from_unix_seconds(at.unix_seconds().div_euclid(86_400) * 86_400)
}

/// `YYYY-MM-DD` of `at`'s UTC day.
pub fn day_text(at: UtcTime) -> String {
    let (y, m, d, _, _, _) = at.parts();
    format!("{y:04}-{m:02}-{d:02}")
}

/// The periods the dashboard shows, each from a UTC midnight to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Today,
    SevenDays,
    ThirtyDays,
}

impl Period {
    pub const ALL: [Period; 3] = [Period::Today, Period::SevenDays, Period::ThirtyDays];

    pub fn key(self) -> &'static str {
        match self {
            Period::Today => "today",
            Period::SevenDays => "7_days",
            Period::ThirtyDays => "30_days",
        }
    }

    /// Whole days before today that the period also covers.
    fn days_before(self) -> i64 {
        match self {
            Period::Today => 0,
            Period::SevenDays => 6,
            Period::ThirtyDays => 29,
        }
    }

    pub fn start(self, now: UtcTime) -> UtcTime {
        day_start(now).plus_seconds(-self.days_before() * 86_400)
    }

    pub fn label(self, t: &DashboardTexts) -> &'static str {
        match self {
            Period::Today => t.window_today,
            Period::SevenDays => t.window_7_days,
            Period::ThirtyDays => t.window_30_days,
        }
    }
}

/// A status's name on the dashboard and in the report.
pub fn status_label(status: OrderStatus, t: &DashboardTexts) -> &'static str {
    match status {
        OrderStatus::Processed => t.status_processed,
        OrderStatus::Test => t.status_test,
        OrderStatus::Pending => t.status_pending,
        OrderStatus::Canceled => t.status_canceled,
        OrderStatus::Failed => t.status_failed,
        OrderStatus::Chargeback => t.status_chargeback,
    }
}

/// Orders made from `since` to before `until`, grouped by status, provider
/// and currency, each group in the narrowest of three nested periods
/// (`bucket` 0 from `today`, 1 from `week`, 2 from `since`).
pub fn orders(today: &str, week: &str, since: &str, until: &str) -> Stmt {
    Stmt::new(
        "SELECT CASE WHEN created_at >= ?1 THEN 0 WHEN created_at >= ?2 THEN 1 ELSE 2 END AS bucket, \
         code, psp, currency, COUNT(*) AS orders, COALESCE(SUM(amount_cents), 0) AS amount_cents \
         FROM orders WHERE created_at >= ?3 AND created_at < ?4 \
         GROUP BY bucket, code, psp, currency ORDER BY code DESC, psp, currency",
        vec![
            Param::from(today),
            Param::from(week),
            Param::from(since),
            Param::from(until),
        ],
    )
}

/// One group of [`orders`].
#[derive(Deserialize, Debug, Clone)]
pub struct GroupRow {
    pub bucket: i64,
    pub code: OrderStatus,
    pub psp: String,
    pub currency: String,
    pub orders: i64,
    pub amount_cents: i64,
}

/// Orders of one status, provider and currency in a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub status: OrderStatus,
    pub psp: String,
    pub currency: String,
    pub orders: i64,
    pub amount_cents: i64,
}

/// What was paid in one currency (processed orders).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paid {
    pub currency: String,
    pub orders: i64,
    pub amount_cents: i64,
}

/// One period's orders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub lines: Vec<Line>,
    pub paid: Vec<Paid>,
}

impl Figures {
    fn add(&mut self, row: &GroupRow) {
        match self
            .lines
            .iter_mut()
            .find(|l| l.status == row.code && l.psp == row.psp && l.currency == row.currency)
        {
            Some(line) => {
                line.orders += row.orders;
                line.amount_cents += row.amount_cents;
            }
            None => self.lines.push(Line {
                status: row.code,
                psp: row.psp.clone(),
                currency: row.currency.clone(),
                orders: row.orders,
                amount_cents: row.amount_cents,
            }),
        }
        if row.code == OrderStatus::Processed {
            match self.paid.iter_mut().find(|p| p.currency == row.currency) {
                Some(paid) => {
                    paid.orders += row.orders;
                    paid.amount_cents += row.amount_cents;
                }
                None => self.paid.push(Paid {
                    currency: row.currency.clone(),
                    orders: row.orders,
                    amount_cents: row.amount_cents,
                }),
            }
        }
    }

    pub fn json(&self) -> Value {
        json!({
            "orders": self.lines.iter().map(|l| json!({
                "status": l.status.name(),
                "code": l.status.code(),
                "psp": l.psp,
                "currency": l.currency,
                "orders": l.orders,
                "amount": plain_cents(l.amount_cents),
            })).collect::<Vec<_>>(),
            "paid": self.paid.iter().map(|p| json!({
                "currency": p.currency,
                "orders": p.orders,
                "amount": plain_cents(p.amount_cents),
            })).collect::<Vec<_>>(),
        })
    }
}

/// The three periods from [`orders`]' groups: a period counts its own
/// bucket and the narrower ones (today is in the last 7 and 30 days).
pub fn periods(rows: &[GroupRow]) -> [Figures; 3] {
    let mut out: [Figures; 3] = Default::default();
    for row in rows {
        for (index, figures) in out.iter_mut().enumerate() {
            if usize::try_from(row.bucket).is_ok_and(|b| b <= index) {
                figures.add(row);
            }
        }
    }
    out
}

/// E-mails waiting or given up, and orders waiting for an operator.
pub fn backlog() -> Stmt {
    Stmt::new(
        "SELECT (SELECT COUNT(*) FROM outbox WHERE status = 'pending') AS outbox_waiting, \
         (SELECT COUNT(*) FROM outbox WHERE status = 'failed') AS outbox_failed, \
         (SELECT COUNT(*) FROM orders WHERE code IN (0, 2) AND substate = 'needs_review') \
         AS orders_needs_review",
        vec![],
    )
}

#[derive(Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct Backlog {
    pub outbox_waiting: i64,
    pub outbox_failed: i64,
    pub orders_needs_review: i64,
}

/// What waits, beside the periods' figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub orders_unresolved: i64,
    pub orders_needs_review: i64,
    pub notifications_unresolved: i64,
    pub outbox_waiting: i64,
    pub outbox_failed: i64,
    pub last_cron_at: Option<String>,
    pub ledger_head: Head,
}

impl Waiting {
    pub fn json(&self) -> Value {
        json!({
            "orders_unresolved": self.orders_unresolved,
            "orders_needs_review": self.orders_needs_review,
            "notifications_unresolved": self.notifications_unresolved,
            "outbox_waiting": self.outbox_waiting,
            "outbox_failed": self.outbox_failed,
            "last_cron_at": self.last_cron_at,
            "ledger_head": { "n": self.ledger_head.n, "hash": self.ledger_head.hash },
        })
    }
}

/// The dashboard's one batch: [`orders`] for the 30 days to `now`, the
/// health summary, the [`backlog`] and the ledger head.
pub fn batch(now: UtcTime) -> Batch {
    let until = now.plus_seconds(86_400).to_string();
    vec![
        orders(
            &Period::Today.start(now).to_string(),
            &Period::SevenDays.start(now).to_string(),
            &Period::ThirtyDays.start(now).to_string(),
            &until,
        ),
        health::summary(),
        backlog(),
        // The published head, as `/history` and `/healthz` show it: the
        // last entry may be unsealed for a moment after its answer.
        ledger::sealed_head(),
    ]
}

/// [`batch`]'s answer (also the report's, whose batch ends the same way
/// from `offset` on).
pub fn read(results: &[StmtResult], offset: usize) -> Result<(Vec<GroupRow>, Waiting), String> {
    let at = |i: usize| results.get(offset + i).ok_or("missing result".to_string());
    let groups: Vec<GroupRow> = sql::rows(at(0)?).map_err(|e| e.to_string())?;
    let summary: health::Summary = sql::first(at(1)?)
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let backlog: Backlog = sql::first(at(2)?)
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let ledger_head: Head = sql::first(at(3)?)
        .map_err(|e| e.to_string())?
        .unwrap_or_else(Head::genesis);
    Ok((
        groups,
        Waiting {
            orders_unresolved: summary.orders_unresolved,
            orders_needs_review: backlog.orders_needs_review,
            notifications_unresolved: summary.notifications_unresolved,
            outbox_waiting: backlog.outbox_waiting,
            outbox_failed: backlog.outbox_failed,
            last_cron_at: summary.last_cron_at,
            ledger_head,
        },
    ))
}

/// The dashboard as JSON.
pub fn json(periods: &[Figures; 3], waiting: &Waiting) -> Value {
    let mut by_period = serde_json::Map::new();
    for (period, figures) in Period::ALL.iter().zip(periods) {
        by_period.insert(period.key().to_string(), figures.json());
    }
    json!({ "periods": by_period, "waiting": waiting.json() })
}

#[cfg(test)]
#[path = "dashboard_tests.rs"]
mod tests;
