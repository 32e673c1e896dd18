//! Registration: the form, and the account it opens once PayPal accepts
//! the API credentials (GetBalance) and the terms are accepted.

use askama::Template;
use worker::{Request, Response};

use crate::core::account::{safe_next, Field, FormErrors, Problem, RegisterInput};
use crate::core::isin::Isin;
use crate::core::sql::{self, clients, sessions, titles, traces, Batch};
use crate::shell::app::random_bytes;
use crate::shell::credentials;
use crate::shell::db::DbError;
use crate::shell::pages::{Errors, RegisterPage};
use crate::shell::passwords::{self};
use crate::shell::web::{html, read_form, see_other, url_encode, Ctx, WebError};

use super::{csrf_json, rate_limit, verify_with_paypal, CredentialCheck, REGISTER_ATTEMPTS};

fn register_page(
    ctx: &Ctx,
    status: u16,
    input: &RegisterInput,
    errors: Errors,
    next: &str,
) -> Result<Response, WebError> {
    let next_query = if next.is_empty() {
        String::new()
    } else {
        format!("?next={}", url_encode(next))
    };
    let page = RegisterPage {
        layout: ctx.layout()?,
        errors,
        email: input.email.clone(),
        api_username: input.api_username.clone(),
        accept_terms: input.accept_terms,
        next: next.to_string(),
        next_query,
    };
    html(status, page.render()?)
}

pub async fn register_get(ctx: &Ctx) -> Result<Response, WebError> {
    if ctx.wants_json {
        return csrf_json(ctx);
    }
    register_page(
        ctx,
        200,
        &RegisterInput::default(),
        Errors::default(),
        &ctx.param("next").unwrap_or_default(),
    )
}

pub async fn register_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    ctx.check_csrf(&form)?;
    rate_limit(ctx, "register", &ctx.client_ip, 20, 3_600).await?;
    let next = if form.has("next") {
        form.get("next").to_string()
    } else {
        ctx.param("next").unwrap_or_default()
    };
    let input = RegisterInput {
        email: form.get("email").to_string(),
        password: form.get("password").to_string(),
        api_username: form.get("api_username").to_string(),
        api_password: form.get("api_password").to_string(),
        api_signature: form.get("api_signature").to_string(),
        accept_terms: matches!(form.get("accept_terms"), "on" | "1" | "true" | "yes"),
    };
    let registration = match input.parse() {
        Ok(r) => r,
        Err(errors) => {
            return register_page(ctx, 422, &input, Errors::new(&errors, ctx.lang), &next)
        }
    };
    let email = registration.email.as_str().to_string();
    let api_username = registration.credentials.username.clone();

    let taken = |conflicts: &clients::Conflicts| {
        let mut errors = FormErrors::default();
        if conflicts.email_taken != 0 {
            errors.add(Field::Email, Problem::EmailTaken);
        }
        if conflicts.api_username_taken != 0 {
            errors.add(Field::ApiUsername, Problem::ApiUsernameTaken);
        }
        errors
    };
    // PayPal first: whether an e-mail or API username is taken is told only
    // to someone holding working credentials (no enumeration).
    let now = ctx.now().to_string();
    let trace = match verify_with_paypal(ctx, &registration.credentials, &now).await {
        CredentialCheck::Accepted(trace) => trace,
        CredentialCheck::Refused(message) => {
            let errors = Errors::default().with_form_message(message);
            return register_page(ctx, 422, &input, errors, &next);
        }
        CredentialCheck::Unreachable(message) => {
            let errors = Errors::default().with_form_message(message);
            return register_page(ctx, 503, &input, errors, &next);
        }
    };
    let password_hash = passwords::hash_new(ctx, &registration.password).await?;
    let session_hash = ctx.new_session_cookie()?;
    for _ in 0..REGISTER_ATTEMPTS {
        let results = ctx
            .run(&vec![
                clients::conflicts(&email, &api_username, 0),
                clients::next_id(),
            ])
            .await?;
        let conflicts = results
            .first()
            .and_then(|r| sql::first::<clients::Conflicts>(r).ok().flatten());
        let errors = conflicts.map(|c| taken(&c)).unwrap_or_default();
        if !errors.is_empty() {
            ctx.end_session_cookie();
            return register_page(ctx, 422, &input, Errors::new(&errors, ctx.lang), &next);
        }
        let client_id = results
            .get(1)
            .and_then(|r| sql::first::<clients::NextId>(r).ok().flatten())
            .map_or(1, |n| n.next_id);
        let sealed = credentials::seal(ctx, client_id, 1, &registration.credentials)?;
        let mut batch: Batch = clients::insert_with_id(
            client_id,
            &clients::NewClient {
                email: &email,
                password_hash: &password_hash,
                language: ctx.lang.code(),
                psp_environment: ctx.app.config.psp_mode.as_str(),
                api_username: &api_username,
                sealed_secret: &sealed,
                now: &now,
            },
        );
        let initial = ctx.app.config.initial_title_value;
        if initial.cents() > 0 {
            let isin = Isin::issue(random_bytes::<9>()?);
            batch.push(titles::reserve_isin(isin.as_str(), &now));
            batch.push(titles::issue_initiation(
                isin.as_str(),
                initial.cents(),
                ctx.app.config.currency.as_str(),
                &email,
                &now,
            ));
        }
        batch.push(traces::insert_for_email(&email, &trace));
        batch.push(sessions::create_for_email(&session_hash, &email, &now));
        match ctx.run(&batch).await {
            Ok(_) => return see_other(safe_next(&next).unwrap_or("/claims")),
            // Someone registered meanwhile (same e-mail or credentials: the
            // next round says so; same new id: the next round takes another).
            Err(WebError::Db(DbError::D1(message))) if message.contains("UNIQUE") => continue,
            Err(e) => return Err(e),
        }
    }
    Err(WebError::Internal(
        "registration kept colliding on the new client id".into(),
    ))
}
