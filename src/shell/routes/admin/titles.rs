//! `GET /admin/titles?disputed=1`: the disputed titles and the trades that
//! left them so; `POST /admin/titles/{isin}` `action=clear_dispute` with a
//! required reason (`flow::backoffice::clear_dispute`: the flag, its ledger
//! entry and the audit entry in one batch).
//!
//! Round trips: the page two (the session, one batch of two reads); the
//! clearing three more (the title, the ledger head, the write).

use askama::Template;
use serde_json::json;
use worker::{Request, Response};

use super::operator;
use super::view::{outcome, section, Outcome, Section};
use crate::core::backoffice::titles;
use crate::core::flow::backoffice::{self as flow, Done, Operator};
use crate::core::i18n::admin_orders::{texts, AdminOrderTexts};
use crate::core::sql::{self, Row};
use crate::shell::pages::Layout;
use crate::shell::web::{html, json_response, read_form, Ctx, WebError};

#[derive(Template)]
#[template(path = "admin_titles.html")]
pub struct AdminTitlesPage {
    pub layout: Layout,
    pub a: &'static AdminOrderTexts,
    pub isins: Vec<String>,
    pub sections: Vec<Section>,
    pub message: Option<Outcome>,
    pub reason: String,
}

/// `GET /admin/titles` (`disputed=1`: the only list there is).
pub async fn page(ctx: &Ctx) -> Result<Response, WebError> {
    operator(ctx).await?;
    show(ctx, None, String::new()).await
}

async fn show(ctx: &Ctx, message: Option<Outcome>, reason: String) -> Result<Response, WebError> {
    let results = ctx.run(&titles::disputed()).await?;
    let mut parts: Vec<Vec<Row>> = Vec::new();
    for r in results.iter().take(2) {
        parts.push(sql::rows(r).map_err(|e| WebError::Internal(e.to_string()))?);
    }
    let (disputed, trades) = match parts.as_slice() {
        [d, t] => (d.clone(), t.clone()),
        _ => (Vec::new(), Vec::new()),
    };
    let status = message.as_ref().map_or(200, |m| m.status);
    if ctx.wants_json {
        let mut body = json!({
            "titles": disputed, "trades": trades, "csrf_token": ctx.csrf_token()?,
        });
        if let Some(m) = &message {
            body["result"] = m.json();
        }
        return json_response(status, &body);
    }
    let a = texts(ctx.lang);
    let isins = disputed
        .iter()
        .filter_map(|r| r.get("isin").and_then(|v| v.as_str()).map(str::to_string))
        .collect();
    let page = AdminTitlesPage {
        layout: ctx.layout()?,
        a,
        isins,
        sections: vec![
            section("disputed", a.section_titles, &disputed),
            section("flagging-trades", a.titles_flagging_trades, &trades),
        ],
        message,
        reason,
    };
    html(status, page.render()?)
}

/// `POST /admin/titles/{isin}`: `action=clear_dispute`, `reason`, `csrf_token`.
pub async fn post(ctx: &Ctx, req: &mut Request, isin: &str) -> Result<Response, WebError> {
    let who = operator(ctx).await?;
    let form = read_form(req).await?;
    ctx.check_csrf(&form)?;
    let a = texts(ctx.lang);
    let reason = form.get("reason").trim().to_string();
    if form.get("action") != "clear_dispute" {
        return show(
            ctx,
            Some(Outcome::refused("unknown_action", a.unknown_action)),
            reason,
        )
        .await;
    }
    if reason.is_empty() {
        return show(
            ctx,
            Some(Outcome::refused("reason_required", a.reason_required)),
            reason,
        )
        .await;
    }
    let op = Operator {
        email: &who.email,
        client_id: who.client_id,
        reason: &reason,
    };
    let done = flow::clear_dispute(ctx, isin, &op).await?;
    let message = match done {
        Done::NotFound => return Err(WebError::NotFound),
        Done::Refused(_) => Outcome::refused("not_disputed", a.not_disputed),
        other => outcome(a, other),
    };
    show(ctx, Some(message), String::new()).await
}
