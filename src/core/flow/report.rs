//! The daily report's run (`core::report`), taken by the cron every run:
//! one small read says whether the previous UTC day was reported; only the
//! first run of a day reads its figures and queues the e-mails in the batch
//! that claims the day. Overlapping runs may both read the day unreported;
//! the second one's batch then writes nothing.

use super::effects::{Effects, FlowError};
use super::{row_at, rows_at, Site};
use crate::core::i18n::Lang;
use crate::core::report::{self, Day, LanguageRow, Letter, Reported};
use crate::core::{dashboard, time::UtcTime};

/// What the run did about the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DailyReport {
    /// `ADMIN_EMAILS` is empty: nobody to mail.
    NoOperators,
    /// The day was reported already (by an earlier or overlapping run).
    AlreadyReported,
    /// This run reported the day to this many operators.
    Sent { recipients: usize },
}

/// Reports the UTC day before `now` unless it was reported already.
pub async fn daily<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    now: UtcTime,
) -> Result<DailyReport, FlowError> {
    let admin_emails = &site.config.admin_emails;
    if admin_emails.is_empty() {
        return Ok(DailyReport::NoOperators);
    }
    let day = Day::before(now);
    let done: Option<Reported> = row_at(&fx.run(&vec![report::reported(&day.day)]).await?, 0)?;
    if done.is_some_and(|d| d.reported > 0) {
        return Ok(DailyReport::AlreadyReported);
    }
    let results = fx.run(&report::read_batch(&day, admin_emails)).await?;
    let languages: Vec<LanguageRow> = rows_at(&results, 0)?;
    let (groups, waiting) = dashboard::read(&results, 1).map_err(FlowError::Internal)?;
    let [figures, _, _] = dashboard::periods(&groups);
    let site_url = site.mail().site_url;
    let letters: Vec<Letter> = report::recipients(admin_emails, &languages, Lang::default())
        .into_iter()
        .map(|(to, lang)| {
            let (subject, body) =
                report::text(lang, &day.day, &figures, &waiting, site_url.as_deref());
            Letter { to, subject, body }
        })
        .collect();
    let now_text = fx.now().to_string();
    let batch = report::queue(&day.day, &letters, &now_text, site.mail_is_local());
    let results = fx.run(&batch).await?;
    // The claim is the batch's last statement: it changed nothing when
    // another run claimed the day first (and then no letter was written).
    if results.last().is_none_or(|r| r.changes != 1) {
        return Ok(DailyReport::AlreadyReported);
    }
    Ok(DailyReport::Sent {
        recipients: letters.len(),
    })
}
