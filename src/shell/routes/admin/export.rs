//! `GET /admin/export?date=YYYY-MM-DD&format=csv|xml|json`: the UTC day's
//! payments as a download, written by `core::backoffice::export` (the same
//! rows in the three formats). Two D1 round trips: the session, the day.

use askama::Template;
use serde_json::json;
use worker::Response;

use crate::core::backoffice::export::{Format, PaymentRow};
use crate::core::backoffice::{payments, Day};
use crate::core::i18n::admin_lists;
use crate::shell::pages::{ErrorPage, Layout};
use crate::shell::web::{json_response, rows_at, Ctx, WebError};

/// A 400 saying what is wrong with the request, in the user's language.
fn refused(ctx: &Ctx, code: &str, message: &'static str) -> Result<Response, WebError> {
    if ctx.wants_json {
        return json_response(400, &json!({"error": code, "message": message}));
    }
    let layout: Layout = ctx.layout()?;
    let page = ErrorPage {
        layout,
        status: 400,
        message,
    };
    Ok(Response::from_html(page.render()?)?.with_status(400))
}

pub async fn download(ctx: &Ctx) -> Result<Response, WebError> {
    super::operator(ctx).await?;
    let a = admin_lists::texts(ctx.lang);
    let Some(day) = ctx.param("date").as_deref().and_then(Day::parse) else {
        return refused(ctx, "invalid_date", a.export_bad_date);
    };
    let Some(format) = ctx.param("format").as_deref().and_then(Format::parse) else {
        return refused(ctx, "invalid_format", a.export_bad_format);
    };
    let results = ctx.run(&vec![payments::day(day)]).await?;
    let rows: Vec<PaymentRow> = rows_at(&results, 0)?;
    let mut response = Response::ok(format.write(day, &rows))?;
    let headers = response.headers_mut();
    headers.set("Content-Type", format.content_type())?;
    headers.set(
        "Content-Disposition",
        &format!("attachment; filename=\"{}\"", format.file_name(day)),
    )?;
    Ok(response)
}
