//! Logging in (the session cookie, the language remembered) and out.

use askama::Template;
use worker::{Request, Response};

use crate::core::account::{safe_next, Email, Field, FormErrors, Problem};
use crate::core::crypto;
use crate::core::sql::{self, clients, sessions};
use crate::shell::pages::{Errors, LoginPage};
use crate::shell::passwords::{self, Checked};
use crate::shell::ratelimit;
use crate::shell::web::{html, read_form, see_other, Ctx, WebError, LANG_COOKIE};

use super::csrf_json;

fn login_page(
    ctx: &Ctx,
    status: u16,
    email: &str,
    errors: Errors,
    next: &str,
) -> Result<Response, WebError> {
    let page = LoginPage {
        layout: ctx.layout()?,
        errors,
        email: email.to_string(),
        next: next.to_string(),
    };
    html(status, page.render()?)
}

pub async fn login_get(ctx: &Ctx) -> Result<Response, WebError> {
    if ctx.wants_json {
        return csrf_json(ctx);
    }
    login_page(
        ctx,
        200,
        "",
        Errors::default(),
        &ctx.param("next").unwrap_or_default(),
    )
}

pub async fn login_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    ctx.check_csrf(&form)?;
    let typed_email = form.get("email");
    let next = form.get("next").to_string();
    let mut errors = FormErrors::default();
    let email = errors.check(Field::Email, Email::parse(typed_email));
    let password = form.get("password");
    if password.is_empty() {
        errors.add(Field::Password, Problem::Required);
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return login_page(ctx, 422, typed_email, Errors::new(&errors, ctx.lang), &next);
    };
    ratelimit::account_and_ip(ctx, &ratelimit::LOGIN, email.as_str()).await?;
    let results = ctx.run(&vec![clients::by_email(email.as_str())]).await?;
    let row = results
        .first()
        .and_then(|r| sql::first::<clients::LoginRow>(r).ok().flatten());
    let checked = match &row {
        Some(row) => passwords::check(ctx, &row.password_hash, password).await?,
        None => {
            passwords::waste_time(ctx, password).await;
            Checked::Wrong
        }
    };
    let (Some(row), Checked::Right { rehash }) = (row, checked) else {
        let mut errors = FormErrors::default();
        errors.add(Field::Form, Problem::LoginFailed);
        return login_page(ctx, 422, typed_email, Errors::new(&errors, ctx.lang), &next);
    };
    let now = ctx.now().to_string();
    let session_hash = ctx.new_session_cookie()?;
    let mut batch = vec![sessions::create_for_email(
        &session_hash,
        email.as_str(),
        &now,
    )];
    if let Some(new_hash) = &rehash {
        // Made with older parameters (no pepper, fewer iterations).
        batch.push(clients::rehash_password(
            row.id,
            &row.password_hash,
            new_hash,
        ));
    }
    // A language chosen in this browser (`?lang=` now or the switch before)
    // becomes the client's; otherwise the browser takes the client's.
    let chosen = ctx.lang_chosen || ctx.cookie(LANG_COOKIE).is_some();
    if chosen && row.language != ctx.lang.code() {
        batch.push(clients::set_language(row.id, ctx.lang.code()));
    } else if !chosen {
        ctx.set_cookie(LANG_COOKIE, &row.language, 365 * 86_400);
    }
    ctx.run(&batch).await?;
    see_other(safe_next(&next).unwrap_or("/claims"))
}

pub async fn logout_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    ctx.check_csrf(&form)?;
    if let Some(token) = ctx.session_token() {
        let token_hash = crypto::sha256_hex(token.as_bytes());
        ctx.run(&vec![sessions::delete(&token_hash)]).await?;
    }
    ctx.end_session_cookie();
    see_other("/")
}
