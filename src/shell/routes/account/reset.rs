//! Password reset by e-mail: asking for a link, and setting a new password
//! through it.

use askama::Template;
use worker::{Request, Response};

use crate::core::account::{Email, Field, FormErrors, Password, Problem};
use crate::core::crypto;
use crate::core::sql::{self, clients, outbox, resets, sessions};
use crate::shell::app::random_hex;
use crate::shell::pages::{Errors, PasswordResetNewPage, PasswordResetPage};
use crate::shell::passwords::{self};
use crate::shell::ratelimit;
use crate::shell::web::{html, read_form, see_other, Ctx, WebError};

pub async fn reset_get(ctx: &Ctx) -> Result<Response, WebError> {
    let page = PasswordResetPage {
        layout: ctx.layout()?,
        errors: Errors::default(),
        email: String::new(),
        sent: false,
    };
    html(200, page.render()?)
}

pub async fn reset_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    ctx.check_csrf(&form)?;
    let typed = form.get("email");
    let email = match Email::parse(typed) {
        Ok(email) => email,
        Err(problem) => {
            let mut errors = FormErrors::default();
            errors.add(Field::Email, problem);
            let page = PasswordResetPage {
                layout: ctx.layout()?,
                errors: Errors::new(&errors, ctx.lang),
                email: typed.to_string(),
                sent: false,
            };
            return html(422, page.render()?);
        }
    };
    ratelimit::account_and_ip(ctx, &ratelimit::RESET, email.as_str()).await?;
    let results = ctx.run(&vec![clients::by_email(email.as_str())]).await?;
    if let Some(client) = results
        .first()
        .and_then(|r| sql::first::<clients::LoginRow>(r).ok().flatten())
    {
        let token = random_hex::<32>()?;
        let token_hash = crypto::sha256_hex(token.as_bytes());
        let now = ctx.now();
        let expires = now.plus_seconds(resets::VALID_SECONDS).to_string();
        let lang = crate::core::i18n::Lang::parse(&client.language).unwrap_or_default();
        let t = lang.texts();
        let link = format!("{}/password-reset/{token}", ctx.base_url());
        let body = format!(
            "{}\n\n{link}\n\n{}\n",
            t.reset_mail_body, t.reset_mail_ignore
        );
        let event_key = format!("password-reset:{token_hash}");
        let now_text = now.to_string();
        ctx.run(&vec![
            resets::create(&token_hash, client.id, &now_text, &expires),
            outbox::insert(&outbox::Mail {
                event_key: &event_key,
                to: email.as_str(),
                subject: t.reset_mail_subject,
                body: &body,
                now: &now_text,
                delivered_on_write: ctx.mail_is_local(),
            }),
        ])
        .await?;
    }
    // The same answer whether or not the address has an account.
    let page = PasswordResetPage {
        layout: ctx.layout()?,
        errors: Errors::default(),
        email: String::new(),
        sent: true,
    };
    html(200, page.render()?)
}

async fn usable_reset(ctx: &Ctx, token: &str) -> Result<Option<i64>, WebError> {
    let token_hash = crypto::sha256_hex(token.as_bytes());
    let results = ctx
        .run(&vec![resets::usable(&token_hash, &ctx.now().to_string())])
        .await?;
    Ok(results
        .first()
        .and_then(|r| sql::first::<resets::UsableReset>(r).ok().flatten())
        .map(|r| r.client_id))
}

fn reset_new_page(
    ctx: &Ctx,
    status: u16,
    token: &str,
    usable: bool,
    errors: &FormErrors,
) -> Result<Response, WebError> {
    let page = PasswordResetNewPage {
        layout: ctx.layout()?,
        errors: Errors::new(errors, ctx.lang),
        token: token.to_string(),
        usable,
    };
    html(status, page.render()?)
}

fn invalid_link() -> FormErrors {
    let mut errors = FormErrors::default();
    errors.add(Field::Form, Problem::ResetLinkInvalid);
    errors
}

pub async fn reset_token_get(ctx: &Ctx, token: &str) -> Result<Response, WebError> {
    match usable_reset(ctx, token).await? {
        Some(_) => reset_new_page(ctx, 200, token, true, &FormErrors::default()),
        None => reset_new_page(ctx, 404, token, false, &invalid_link()),
    }
}

pub async fn reset_token_post(
    ctx: &Ctx,
    req: &mut Request,
    token: &str,
) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    ctx.check_csrf(&form)?;
    let Some(client_id) = usable_reset(ctx, token).await? else {
        return reset_new_page(ctx, 404, token, false, &invalid_link());
    };
    let password = match Password::parse(form.get("new_password")) {
        Ok(p) => p,
        Err(problem) => {
            let mut errors = FormErrors::default();
            errors.add(Field::NewPassword, problem);
            return reset_new_page(ctx, 422, token, true, &errors);
        }
    };
    let hash = passwords::hash_new(ctx, &password).await?;
    let token_hash = crypto::sha256_hex(token.as_bytes());
    let now = ctx.now().to_string();
    let used = ctx
        .run(&vec![
            resets::mark_used(&token_hash, &now),
            sql::guard_one_row_changed(),
            clients::set_password(client_id, &hash),
            sessions::delete_all(client_id),
        ])
        .await;
    match used {
        Ok(_) => {}
        // The link was used by a concurrent request: nothing changed.
        Err(WebError::Db(e)) if e.guard().is_some() => {
            return reset_new_page(ctx, 404, token, false, &invalid_link())
        }
        Err(e) => return Err(e),
    }
    ctx.end_session_cookie();
    see_other("/login")
}
