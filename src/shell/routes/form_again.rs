//! A form refused as a whole (403: its CSRF token or origin; 413: too
//! large; 429: too many attempts) shows the form again (spec §4), with
//! what was typed (passwords and API secrets excepted: they are never
//! sent back to the browser), the reason in the user's language, and that
//! status, instead of the generic error page. JSON callers keep the JSON
//! error.
//!
//! The handlers stay as they are: the route table keeps a copy of the
//! request (`Request::clone`, a tee of the body) before calling them and,
//! when one fails this way, reads the typed values from the copy. A body
//! refused as too large is not read again (that is the point of the
//! limit): the form comes back empty, with a message asking to type it
//! again.

use askama::Template;
use worker::{Method, Request, Response};

use super::account::{account_page_body, register_page_view};
use crate::shell::pages::{
    BuyPage, Errors, Layout, LoginPage, PasswordResetNewPage, PasswordResetPage,
};
use crate::shell::web::{html, read_form, Ctx, Form, WebError};

/// The form pages a POST can come back to.
pub enum FormPage {
    Register,
    Login,
    Account,
    PasswordReset,
    PasswordResetNew(String),
    Buy,
}

/// The form a POST came from, with a copy of its body.
pub struct Kept {
    page: FormPage,
    copy: Option<Request>,
}

/// Before the handler runs: a copy of a form POST, or `None` for any other
/// request.
pub fn keep(method: &Method, segments: &[&str], req: &Request) -> Option<Kept> {
    if *method != Method::Post {
        return None;
    }
    let page = match segments {
        ["register"] => FormPage::Register,
        ["login"] => FormPage::Login,
        ["account"] => FormPage::Account,
        ["password-reset"] => FormPage::PasswordReset,
        ["password-reset", token] => FormPage::PasswordResetNew((*token).to_string()),
        ["buy"] => FormPage::Buy,
        _ => return None,
    };
    Some(Kept {
        page,
        copy: req.clone().ok(),
    })
}

/// After the handler: its answer, or the form again when it refused the
/// form as a whole.
pub async fn again(
    ctx: &Ctx,
    kept: Option<Kept>,
    result: Result<Response, WebError>,
) -> Result<Response, WebError> {
    let Some(kept) = kept else {
        return result;
    };
    let status = match &result {
        Err(WebError::Forbidden) => Some(403),
        Err(WebError::PayloadTooLarge) => Some(413),
        Err(WebError::RateLimited) => Some(429),
        _ => None,
    };
    let Some(status) = status.filter(|_| !ctx.wants_json) else {
        return result;
    };
    let t = ctx.lang.texts();
    let message = match status {
        403 => t.error_csrf.to_string(),
        413 => format!("{} {}", t.error_too_large, t.form_too_large_retype),
        _ => t.error_rate_limited.to_string(),
    };
    // What was typed; nothing when the body was too large (or unreadable).
    let form = match (status, kept.copy) {
        (413, _) | (_, None) => None,
        (_, Some(mut copy)) => read_form(&mut copy).await.ok(),
    };
    match render(ctx, status, &kept.page, form.as_ref(), message).await {
        Ok(Some(response)) => Ok(response),
        // No page to show (e.g. the account page without a session): the
        // handler's own answer.
        Ok(None) | Err(_) => result,
    }
}

async fn render(
    ctx: &Ctx,
    status: u16,
    page: &FormPage,
    form: Option<&Form>,
    message: String,
) -> Result<Option<Response>, WebError> {
    let typed = |name: &str| typed_in(form, name);
    let errors = Errors::default().with_form_message(message);
    let layout = ctx.layout()?;
    let body = match page {
        FormPage::Login => LoginPage {
            layout,
            errors,
            email: typed("email"),
            next: typed("next"),
        }
        .render()?,
        FormPage::Register => register_page(ctx, layout, errors, form)?,
        FormPage::Account => match account_page(ctx, layout, errors, form).await? {
            Some(body) => body,
            None => return Ok(None),
        },
        FormPage::PasswordReset => PasswordResetPage {
            layout,
            errors,
            email: typed("email"),
            sent: false,
        }
        .render()?,
        FormPage::PasswordResetNew(token) => PasswordResetNewPage {
            layout,
            errors,
            token: token.clone(),
            usable: true,
        }
        .render()?,
        FormPage::Buy => BuyPage {
            layout,
            errors,
            isin: typed("isin"),
            amount: typed("amount"),
            profit_rate: typed("profit_rate"),
            preview: None,
            limits: super::purchase::limits(ctx),
        }
        .render()?,
    };
    html(status, body).map(Some)
}

/// The value typed in `name`, empty without a form.
fn typed_in(form: Option<&Form>, name: &str) -> String {
    form.map_or(String::new(), |f| f.get(name).to_string())
}

/// The registration form again, with what was typed.
fn register_page(
    ctx: &Ctx,
    layout: Layout,
    errors: Errors,
    form: Option<&Form>,
) -> Result<String, WebError> {
    let typed = |name: &str| typed_in(form, name);
    let accept = matches!(typed("accept_terms").as_str(), "on" | "1" | "true" | "yes");
    let page = register_page_view(
        ctx,
        layout,
        errors,
        &typed,
        typed("email"),
        accept,
        &typed("next"),
    );
    Ok(page.render()?)
}

/// The account page again with the form that was sent open; `None` (the
/// error page) when the action is unknown or the session is gone.
async fn account_page(
    ctx: &Ctx,
    layout: Layout,
    errors: Errors,
    form: Option<&Form>,
) -> Result<Option<String>, WebError> {
    let action = match typed_in(form, "action").as_str() {
        "password" => "password",
        "psp_account" | "credentials" => "psp_account",
        "psp_account_remove" => "psp_account_remove",
        _ => return Ok(None),
    };
    if ctx.require_session().await.is_err() {
        return Ok(None);
    }
    let typed = if action == "psp_account" { form } else { None };
    Ok(Some(
        account_page_body(ctx, layout, action, errors, typed, "").await?,
    ))
}
