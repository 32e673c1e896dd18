//! The operator's back office (`/admin`, backoffice.md §2): only a
//! signed-in client whose e-mail is in `ADMIN_EMAILS` sees it; anyone else
//! gets 404, so that the back office is not advertised.

use worker::{Method, Request, Response};

mod audit;
mod dashboard;
mod export;
mod order;
mod outbox;
mod payments;
mod titles;
mod view;

use crate::shell::web::{Ctx, WebError};

/// The signed-in operator.
#[derive(Debug, Clone)]
pub struct Operator {
    pub client_id: i64,
    pub email: String,
}

/// The operator of this request, or 404 for anyone else (signed out
/// included: no login page, which would say the route exists).
pub async fn operator(ctx: &Ctx) -> Result<Operator, WebError> {
    match ctx.session().await? {
        Some(s) if ctx.app.config.is_operator(&s.email) => Ok(Operator {
            client_id: s.client_id,
            email: s.email,
        }),
        _ => Err(WebError::NotFound),
    }
}

/// `/admin` and below.
pub async fn route(
    ctx: &Ctx,
    req: &mut Request,
    method: &Method,
    segments: &[&str],
) -> Result<Response, WebError> {
    let _operator = operator(ctx).await?;
    match (method, segments) {
        (&Method::Get, ["admin"]) => dashboard::get(ctx).await,
        (&Method::Get, ["admin", "payments"]) => payments::page(ctx).await,
        (&Method::Get, ["admin", "export"]) => export::download(ctx).await,
        (&Method::Get, ["admin", "outbox"]) => outbox::list(ctx).await,
        (&Method::Post, ["admin", "outbox"]) => outbox::retry(ctx, req).await,
        (&Method::Get, ["admin", "audit"]) => audit::list(ctx).await,
        (&Method::Get, ["admin", "orders", id]) => order::page(ctx, id).await,
        (&Method::Post, ["admin", "orders", id]) => order::post(ctx, req, id).await,
        (&Method::Get, ["admin", "titles"]) => titles::page(ctx).await,
        (&Method::Post, ["admin", "titles", isin]) => titles::post(ctx, req, isin).await,
        _ => Err(WebError::NotFound),
    }
}
