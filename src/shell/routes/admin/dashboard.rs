//! `GET /admin`: the operator's dashboard (backoffice.md §2). One D1 round
//! trip after the operator gate's session lookup: the figures of today,
//! the last 7 and 30 days and what waits, all in `core::dashboard::batch`.

use askama::Template;
use worker::Response;

use crate::core::dashboard::{self, status_label, Figures, Period, Waiting};
use crate::core::i18n::dashboard::{texts, DashboardTexts};
use crate::core::i18n::Lang;
use crate::core::money::format_cents;
use crate::core::time::UtcTime;
use crate::shell::pages::Layout;
use crate::shell::web::{html, json_response, Ctx, WebError};

/// One line of a period's table, formatted for the page's language.
pub struct LineView {
    pub status: &'static str,
    pub psp: String,
    pub orders: i64,
    pub amount: String,
}

/// One period, formatted.
pub struct PeriodView {
    pub label: &'static str,
    pub lines: Vec<LineView>,
    pub paid: Vec<LineView>,
}

#[derive(Template)]
#[template(path = "admin_dashboard.html")]
pub struct DashboardPage {
    pub layout: Layout,
    pub d: &'static DashboardTexts,
    pub periods: Vec<PeriodView>,
    pub waiting: Waiting,
    pub last_cron: String,
}

fn period_view(period: Period, figures: &Figures, lang: Lang) -> PeriodView {
    let t = texts(lang);
    PeriodView {
        label: period.label(t),
        lines: figures
            .lines
            .iter()
            .map(|l| LineView {
                status: status_label(l.status, t),
                psp: l.psp.clone(),
                orders: l.orders,
                amount: format!("{} {}", format_cents(l.amount_cents, lang), l.currency),
            })
            .collect(),
        paid: figures
            .paid
            .iter()
            .map(|p| LineView {
                status: t.status_processed,
                psp: String::new(),
                orders: p.orders,
                amount: format!("{} {}", format_cents(p.amount_cents, lang), p.currency),
            })
            .collect(),
    }
}

pub async fn get(ctx: &Ctx) -> Result<Response, WebError> {
    let results = ctx.run(&dashboard::batch(ctx.now())).await?;
    let (groups, waiting) = dashboard::read(&results, 0).map_err(WebError::Internal)?;
    let periods = dashboard::periods(&groups);
    if ctx.wants_json {
        return json_response(200, &dashboard::json(&periods, &waiting));
    }
    let lang = ctx.lang;
    let t = texts(lang);
    let last_cron = match waiting.last_cron_at.as_deref() {
        Some(at) => UtcTime::parse(at).map_or_else(|| at.to_string(), |at| at.format(lang)),
        None => t.never.to_string(),
    };
    let page = DashboardPage {
        layout: ctx.layout()?,
        d: t,
        periods: Period::ALL
            .iter()
            .zip(&periods)
            .map(|(p, f)| period_view(*p, f, lang))
            .collect(),
        waiting,
        last_cron,
    };
    html(200, page.render()?)
}
