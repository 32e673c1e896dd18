//! `GET /admin/outbox`: e-mails waiting or given up (never their bodies);
//! `POST /admin/outbox` with `action=retry`, `id`, `reason` and
//! `csrf_token`: the e-mail is due again, in one batch with its audit
//! entry (`core::backoffice::lists::retry`). GET: two D1 round trips (the
//! session, the list); POST: three (the session, the e-mail as it stands,
//! the guarded retry with its audit entry).

use askama::Template;
use serde_json::json;
use worker::{Request, Response};

use super::payments::when;
use crate::core::backoffice::lists::{self, OutboxRow};
use crate::core::browse::Page;
use crate::core::flow::effects::run_guarded;
use crate::core::i18n::admin_lists::{self, AdminListsTexts};
use crate::shell::pages::{Layout, Pager};
use crate::shell::web::{
    html, json_response, read_form, row_at, rows_at, see_other, Ctx, WebError,
};

/// One e-mail, formatted.
pub struct OutboxLine {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub created_at: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_error: String,
}

#[derive(Template)]
#[template(path = "admin_outbox.html")]
pub struct OutboxPage {
    pub layout: Layout,
    pub a: &'static AdminListsTexts,
    pub notice: &'static str,
    pub error: &'static str,
    /// The e-mail whose retry was refused, and the reason typed.
    pub kept: (i64, String),
    pub rows: Vec<OutboxLine>,
    pub pager: Pager,
}

/// The list, with a notice or the problem of a refused retry.
async fn render(
    ctx: &Ctx,
    status: u16,
    notice: &'static str,
    error: &'static str,
    kept: (i64, String),
) -> Result<Response, WebError> {
    let Some(page) = Page::parse(ctx.param("page").as_deref()) else {
        return Err(WebError::BadRequest);
    };
    let results = ctx.run(&vec![lists::outbox(page)]).await?;
    let (rows, next) = page.split(rows_at::<OutboxRow>(&results, 0)?);
    if ctx.wants_json {
        return json_response(
            status,
            &json!({"outbox": rows.iter().map(OutboxRow::json).collect::<Vec<_>>(),
                    "next_page": next, "csrf_token": ctx.csrf_token()?}),
        );
    }
    let view = OutboxPage {
        layout: ctx.layout()?,
        a: admin_lists::texts(ctx.lang),
        notice,
        error,
        kept,
        rows: rows
            .iter()
            .map(|r| OutboxLine {
                id: r.id,
                to: r.to_email.clone(),
                subject: r.subject.clone(),
                created_at: when(&r.created_at, ctx.lang),
                status: r.status.clone(),
                attempts: r.attempts,
                next_attempt_at: when(&r.next_attempt_at, ctx.lang),
                last_error: r.last_error.clone().unwrap_or_default(),
            })
            .collect(),
        pager: Pager {
            base: "/admin/outbox?".into(),
            previous: (page.number() > 1).then(|| page.number() - 1),
            next,
        },
    };
    html(status, view.render()?)
}

pub async fn list(ctx: &Ctx) -> Result<Response, WebError> {
    super::operator(ctx).await?;
    let notice = match ctx.param("retried") {
        Some(_) => admin_lists::texts(ctx.lang).retry_done,
        None => "",
    };
    render(ctx, 200, notice, "", (0, String::new())).await
}

/// A refused retry: JSON names it; the page shows it above the list.
async fn refused(
    ctx: &Ctx,
    status: u16,
    code: &str,
    message: &'static str,
    kept: (i64, String),
) -> Result<Response, WebError> {
    if ctx.wants_json {
        return json_response(status, &json!({"error": code, "message": message}));
    }
    render(ctx, status, "", message, kept).await
}

pub async fn retry(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let operator = super::operator(ctx).await?;
    let form = read_form(req).await?;
    ctx.check_csrf(&form)?;
    let a = admin_lists::texts(ctx.lang);
    if form.get("action") != "retry" {
        return Err(WebError::BadRequest);
    }
    let reason = form.get("reason").trim().to_string();
    let Ok(id) = form.get("id").trim().parse::<i64>() else {
        return refused(ctx, 404, "unknown_mail", a.retry_unknown, (0, reason)).await;
    };
    if reason.is_empty() {
        return refused(
            ctx,
            400,
            "reason_required",
            a.retry_reason_required,
            (id, reason),
        )
        .await;
    }
    let results = ctx.run(&vec![lists::outbox_one(id)]).await?;
    let Some(before) = row_at::<OutboxRow>(&results, 0)? else {
        return refused(ctx, 404, "unknown_mail", a.retry_unknown, (id, reason)).await;
    };
    if !lists::retryable(&before) {
        return refused(
            ctx,
            409,
            "already_sent",
            a.retry_not_retryable,
            (id, reason),
        )
        .await;
    }
    let now = ctx.now().to_string();
    let batch = lists::retry(&before, &operator.email, &reason, &now);
    if !run_guarded(ctx, &batch).await? {
        return refused(ctx, 409, "changed", a.retry_changed, (id, reason)).await;
    }
    if ctx.wants_json {
        return json_response(
            200,
            &json!({"id": id, "status": "pending", "next_attempt_at": now}),
        );
    }
    see_other(&format!("/admin/outbox?retried={id}"))
}
