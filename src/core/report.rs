//! The daily report (backoffice.md §2): once per UTC day the cron mails
//! every operator (`ADMIN_EMAILS`) the previous day's orders by status and
//! provider with their amounts, what waits, and the ledger head. This
//! module owns the report's statements and its text, in the operator's
//! language (his client's, else the deployment's default).
//!
//! Never twice: the batch that queues the e-mails also claims the day in
//! `daily_reports`, and each e-mail is inserted only while the day has no
//! row (and under a unique event key), so a second or overlapping run's
//! batch changes nothing.

use serde::Deserialize;

use super::dashboard::{self, status_label, Figures, Waiting};
use super::i18n::{dashboard as words, Lang};
use super::money::format_cents;
use super::sql::{Batch, Param, Stmt};
use super::time::UtcTime;

/// The day a run at `now` reports: the UTC day before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub start: UtcTime,
}

impl Day {
    pub fn before(now: UtcTime) -> Day {
        let start = dashboard::day_start(now).plus_seconds(-86_400);
        Day {
            day: dashboard::day_text(start),
            start,
        }
    }

    fn end(&self) -> UtcTime {
        self.start.plus_seconds(86_400)
    }
}

/// Whether `day` was reported already (the one read of a run that has
/// nothing to report).
pub fn reported(day: &str) -> Stmt {
    Stmt::new(
        "SELECT COUNT(*) AS reported FROM daily_reports WHERE day = ?1",
        vec![Param::from(day)],
    )
}

#[derive(Deserialize, Debug, Default)]
pub struct Reported {
    pub reported: i64,
}

/// The operators' languages, for those who are clients (both lists are
/// lower-case: `Email::parse` and `ADMIN_EMAILS` lower them).
pub fn languages(admin_emails: &[String]) -> Stmt {
    let list = serde_json::to_string(admin_emails).unwrap_or_else(|_| "[]".into());
    Stmt::new(
        "SELECT email, language FROM clients WHERE email IN (SELECT value FROM json_each(?1))",
        vec![Param::from(list)],
    )
}

#[derive(Deserialize, Debug, Clone)]
pub struct LanguageRow {
    pub email: String,
    pub language: String,
}

/// Everything the report says, read in one batch once the day is found
/// unreported: the operators' [`languages`], then the day's figures and
/// what waits (`dashboard::read` from index 1).
pub fn read_batch(day: &Day, admin_emails: &[String]) -> Batch {
    let start = day.start.to_string();
    vec![
        languages(admin_emails),
        dashboard::orders(&start, &start, &start, &day.end().to_string()),
        crate::core::sql::health::summary(),
        dashboard::backlog(),
        crate::core::ledger::sealed_head(),
    ]
}

/// Each operator with his language: his client's, else `default`.
pub fn recipients(
    admin_emails: &[String],
    rows: &[LanguageRow],
    default: Lang,
) -> Vec<(String, Lang)> {
    admin_emails
        .iter()
        .map(|email| {
            let lang = rows
                .iter()
                .find(|r| r.email.eq_ignore_ascii_case(email))
                .and_then(|r| Lang::parse(&r.language))
                .unwrap_or(default);
            (email.clone(), lang)
        })
        .collect()
}

fn fill(template: &str, pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .fold(template.to_string(), |text, (key, value)| {
            text.replace(key, value)
        })
}

/// The report's subject and body in `lang`; `site_url` is the
/// deployment's public address when it has one.
pub fn text(
    lang: Lang,
    day: &str,
    figures: &Figures,
    waiting: &Waiting,
    site_url: Option<&str>,
) -> (String, String) {
    let t = words::texts(lang);
    let subject = fill(t.report_subject, &[("{day}", day)]);
    let mut body = fill(t.report_intro, &[("{day}", day)]);
    body.push('\n');
    if figures.lines.is_empty() {
        body.push_str(&format!("  {}\n", t.no_orders));
    }
    for line in &figures.lines {
        body.push_str(&format!(
            "  {} · {} · {} {} · {} {}\n",
            status_label(line.status, t),
            line.psp,
            line.orders,
            t.col_orders.to_lowercase(),
            format_cents(line.amount_cents, lang),
            line.currency
        ));
    }
    body.push_str(&format!("\n{}\n", t.report_paid));
    for paid in &figures.paid {
        body.push_str(&format!(
            "  {} {} ({} {})\n",
            format_cents(paid.amount_cents, lang),
            paid.currency,
            paid.orders,
            t.col_orders.to_lowercase()
        ));
    }
    body.push_str(&format!("\n{}:\n", t.backlog_heading));
    let never = t.never.to_string();
    let counts = [
        (t.orders_unresolved, waiting.orders_unresolved.to_string()),
        (
            t.orders_needs_review,
            waiting.orders_needs_review.to_string(),
        ),
        (
            t.notifications_unresolved,
            waiting.notifications_unresolved.to_string(),
        ),
        (t.outbox_waiting, waiting.outbox_waiting.to_string()),
        (t.outbox_failed, waiting.outbox_failed.to_string()),
        (t.last_cron, waiting.last_cron_at.clone().unwrap_or(never)),
    ];
    for (label, value) in counts {
        body.push_str(&format!("  {label}: {value}\n"));
    }
    let head = &waiting.ledger_head;
    // Without a public address (the cron with no `BASE_URL`) the path
    // alone: a link to a made-up host would open nothing.
    let base = site_url.unwrap_or_default();
    body.push_str(&format!(
        "\n{}\n\n{} {base}/admin\n",
        fill(
            t.report_ledger,
            &[("{n}", &head.n.to_string()), ("{hash}", &head.hash)]
        ),
        t.report_link
    ));
    (subject, body)
}

/// One report e-mail: written only while `day` has no row in
/// `daily_reports`, once per day and address (its event key).
fn mail(day: &str, to: &str, subject: &str, body: &str, now: &str, on_write: bool) -> Stmt {
    Stmt::new(
        "INSERT INTO outbox (event_key, to_email, subject, body, created_at, status, next_attempt_at, sent_at) \
         SELECT ?1, ?2, ?3, ?4, ?5, CASE WHEN ?6 = 1 THEN 'sent' ELSE 'pending' END, ?5, \
         CASE WHEN ?6 = 1 THEN ?5 END \
         WHERE NOT EXISTS (SELECT 1 FROM daily_reports WHERE day = ?7) \
         ON CONFLICT (event_key) DO NOTHING",
        vec![
            Param::from(format!("daily-report:{day}:{to}")),
            Param::from(to),
            Param::from(subject),
            Param::from(body),
            Param::from(now),
            Param::Int(i64::from(on_write)),
            Param::from(day),
        ],
    )
}

/// A report e-mail ready to queue.
pub struct Letter {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// The batch that queues the day's letters and claims the day (last, so
/// that the letters' condition sees the day unclaimed only in the first
/// batch that runs).
pub fn queue(day: &str, letters: &[Letter], now: &str, delivered_on_write: bool) -> Batch {
    let mut batch: Batch = letters
        .iter()
        .map(|l| mail(day, &l.to, &l.subject, &l.body, now, delivered_on_write))
        .collect();
    batch.push(Stmt::new(
        "INSERT INTO daily_reports (day, reported_at, recipients) VALUES (?1, ?2, ?3) \
         ON CONFLICT (day) DO NOTHING",
        vec![
            Param::from(day),
            Param::from(now),
            Param::Int(i64::try_from(letters.len()).unwrap_or(i64::MAX)),
        ],
    ));
    batch
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
