//! `GET /admin/audit?target=&page=`: the operators' audit log, newest
//! first, paged by 50; `target` (`order:<id>`, `title:<isin>`,
//! `outbox:<id>`) keeps one thing's entries. Two D1 round trips (the
//! session, the page).

use askama::Template;
use serde_json::json;
use worker::Response;

use super::payments::when;
use crate::core::backoffice::lists::{self, AuditRow};
use crate::core::browse::Page;
use crate::core::i18n::admin_lists::{self, AdminListsTexts};
use crate::shell::pages::{Layout, Pager};
use crate::shell::web::{html, json_response, rows_at, url_encode, Ctx, WebError};

/// One entry, formatted.
pub struct AuditLine {
    pub at: String,
    pub operator: String,
    pub action: String,
    pub target: String,
    pub reason: String,
    pub before: String,
    pub after: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
pub struct AuditPage {
    pub layout: Layout,
    pub a: &'static AdminListsTexts,
    pub target: String,
    pub rows: Vec<AuditLine>,
    pub pager: Pager,
}

pub async fn list(ctx: &Ctx) -> Result<Response, WebError> {
    super::operator(ctx).await?;
    let Some(page) = Page::parse(ctx.param("page").as_deref()) else {
        return Err(WebError::BadRequest);
    };
    let target = ctx.param("target").unwrap_or_default().trim().to_string();
    let filter = Some(target.as_str()).filter(|t| !t.is_empty());
    let results = ctx.run(&vec![lists::audit(filter, page)]).await?;
    let (rows, next) = page.split(rows_at::<AuditRow>(&results, 0)?);
    if ctx.wants_json {
        return json_response(
            200,
            &json!({"entries": rows.iter().map(AuditRow::json).collect::<Vec<_>>(),
                    "next_page": next}),
        );
    }
    let base = match filter {
        Some(t) => format!("/admin/audit?target={}&", url_encode(t)),
        None => "/admin/audit?".to_string(),
    };
    let view = AuditPage {
        layout: ctx.layout()?,
        a: admin_lists::texts(ctx.lang),
        rows: rows
            .iter()
            .map(|r| AuditLine {
                at: when(&r.at, ctx.lang),
                operator: r.operator_email.clone(),
                action: r.action.clone(),
                target: r.target.clone(),
                reason: r.reason.clone(),
                before: r.before_json.clone(),
                after: r.after_json.clone(),
            })
            .collect(),
        pager: Pager {
            base,
            previous: (page.number() > 1).then(|| page.number() - 1),
            next,
        },
        target,
    };
    html(200, view.render()?)
}
