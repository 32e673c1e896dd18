//! The account page: changing the password, or the PayPal API credentials
//! (checked with GetBalance, then sealed).

use askama::Template;
use serde_json::json;
use worker::{Request, Response};

use crate::core::account::{
    parse_credentials, ApiCredentials, Field, FormErrors, Password, Problem,
};
use crate::core::sql::{self, clients, sessions, sessions::SessionRow, traces};
use crate::shell::credentials;
use crate::shell::pages::{AccountPage, Errors};
use crate::shell::passwords::{self};
use crate::shell::web::{html, json_response, read_form, Ctx, Form, WebError};

use super::{rate_limit, verify_with_paypal, CredentialCheck, CREDENTIAL_CHANGES_PER_HOUR};

struct AccountView<'a> {
    action: &'static str,
    errors: Errors,
    new_api_username: &'a str,
    notice: &'static str,
}

async fn account_page(ctx: &Ctx, status: u16, view: AccountView<'_>) -> Result<Response, WebError> {
    // The keys' read carries the session lookup: one round trip.
    let automation = super::api_keys::section(ctx).await?;
    let me = ctx.require_session().await?;
    let page = AccountPage {
        layout: ctx.layout()?,
        email: me.email.clone(),
        api_username: me.api_username.clone(),
        credentials_refused: me.credentials_status == "refused",
        action: view.action,
        errors: view.errors,
        new_api_username: view.new_api_username.to_string(),
        notice: view.notice,
        automation,
    };
    html(status, page.render()?)
}

pub async fn account_get(ctx: &Ctx) -> Result<Response, WebError> {
    if ctx.wants_json {
        let api_keys = super::api_keys::list(ctx).await?;
        let me = ctx.require_session().await?;
        return json_response(
            200,
            &json!({
                "email": me.email,
                "api_username": me.api_username,
                "credentials_status": me.credentials_status,
                "language": me.language,
                "psp_environment": me.psp_environment,
                "api_keys": api_keys,
            }),
        );
    }
    let view = AccountView {
        action: "",
        errors: Errors::default(),
        new_api_username: "",
        notice: "",
    };
    account_page(ctx, 200, view).await
}

pub async fn account_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    ctx.check_csrf(&form)?;
    let me = ctx.require_session().await?;
    match form.get("action") {
        "password" => change_password(ctx, &form, me.client_id).await,
        "credentials" => change_credentials(ctx, &form, me.client_id).await,
        "api_key_create" => super::api_keys::create(ctx, &form).await,
        "api_key_revoke" => super::api_keys::revoke(ctx, &form).await,
        _ => {
            let view = AccountView {
                action: "",
                errors: Errors::default(),
                new_api_username: "",
                notice: "",
            };
            account_page(ctx, 422, view).await
        }
    }
}

/// Checks `current_password`, recording a problem when it is wrong.
async fn check_current_password(
    ctx: &Ctx,
    form: &Form,
    client_id: i64,
    errors: &mut FormErrors,
) -> Result<(), WebError> {
    let current = form.get("current_password");
    if current.is_empty() {
        errors.add(Field::CurrentPassword, Problem::Required);
        return Ok(());
    }
    let results = ctx.run(&vec![clients::password_of(client_id)]).await?;
    let row = results
        .first()
        .and_then(|r| sql::first::<clients::PasswordRow>(r).ok().flatten());
    let ok = match row {
        Some(row) => passwords::matches(ctx, &row.password_hash, current).await?,
        None => false,
    };
    if !ok {
        errors.add(Field::CurrentPassword, Problem::PasswordIncorrect);
    }
    Ok(())
}

async fn change_password(ctx: &Ctx, form: &Form, client_id: i64) -> Result<Response, WebError> {
    let mut errors = FormErrors::default();
    let new_password = errors.check(
        Field::NewPassword,
        Password::parse(form.get("new_password")),
    );
    check_current_password(ctx, form, client_id, &mut errors).await?;
    let Some(new_password) = new_password.filter(|_| errors.is_empty()) else {
        let view = AccountView {
            action: "password",
            errors: Errors::new(&errors, ctx.lang),
            new_api_username: "",
            notice: "",
        };
        return account_page(ctx, 422, view).await;
    };
    let hash = passwords::hash_new(ctx, &new_password).await?;
    let now = ctx.now().to_string();
    // Every session ends on a password change; this browser gets a new one.
    let session_hash = ctx.new_session_cookie()?;
    let me = ctx.require_session().await?;
    ctx.run(&vec![
        clients::set_password(client_id, &hash),
        sessions::delete_all(client_id),
        sessions::create_for_email(&session_hash, &me.email, &now),
    ])
    .await?;
    let view = AccountView {
        action: "",
        errors: Errors::default(),
        new_api_username: "",
        notice: ctx.lang.texts().account_password_done,
    };
    account_page(ctx, 200, view).await
}

async fn change_credentials(ctx: &Ctx, form: &Form, client_id: i64) -> Result<Response, WebError> {
    // Before anything else: each attempt may cost a password derivation and
    // a PayPal call.
    rate_limit(
        ctx,
        "credentials",
        &client_id.to_string(),
        CREDENTIAL_CHANGES_PER_HOUR,
        3_600,
    )
    .await?;
    let mut errors = FormErrors::default();
    let typed_username = form.get("api_username");
    let credentials = parse_credentials(
        &mut errors,
        typed_username,
        form.get("api_password"),
        form.get("api_signature"),
    );
    check_current_password(ctx, form, client_id, &mut errors).await?;
    let fail = |errors: Errors| AccountView {
        action: "credentials",
        errors,
        new_api_username: typed_username,
        notice: "",
    };
    let Some(credentials) = credentials.filter(|_| errors.is_empty()) else {
        return account_page(ctx, 422, fail(Errors::new(&errors, ctx.lang))).await;
    };
    // PayPal first, as for registration: a taken username is told only to
    // someone holding working credentials.
    let now = ctx.now().to_string();
    let trace = match verify_with_paypal(ctx, &credentials, &now).await {
        CredentialCheck::Accepted(trace) => trace,
        CredentialCheck::Refused(message) => {
            return account_page(ctx, 422, fail(Errors::default().with_form_message(message))).await
        }
        CredentialCheck::Unreachable(message) => {
            return account_page(ctx, 503, fail(Errors::default().with_form_message(message))).await
        }
    };
    if api_username_taken(ctx, &credentials.username, client_id).await? {
        errors.add(Field::ApiUsername, Problem::ApiUsernameTaken);
        return account_page(ctx, 422, fail(Errors::new(&errors, ctx.lang))).await;
    }
    let me = ctx.require_session().await?;
    let batch = replacement(ctx, &me, client_id, &credentials, &trace, &now)?;
    match ctx.run(&batch).await {
        Ok(_) => {}
        Err(WebError::Db(e)) if e.guard().is_some() => {
            let message = Problem::PspUnavailable.message(ctx.lang).to_string();
            return account_page(ctx, 409, fail(Errors::default().with_form_message(message)))
                .await;
        }
        Err(e) => return Err(e),
    }
    credentials_changed(ctx, &me, &credentials.username)
}

/// Whether another client uses `username` already.
async fn api_username_taken(ctx: &Ctx, username: &str, client_id: i64) -> Result<bool, WebError> {
    let results = ctx
        .run(&vec![clients::conflicts("", username, client_id)])
        .await?;
    Ok(results
        .first()
        .and_then(|r| sql::first::<clients::Conflicts>(r).ok().flatten())
        .is_some_and(|c| c.api_username_taken != 0))
}

/// The batch replacing `me`'s credentials: the new version is sealed for
/// its own number; the guard refuses the batch if a concurrent change took
/// that number first.
fn replacement(
    ctx: &Ctx,
    me: &SessionRow,
    client_id: i64,
    credentials: &ApiCredentials,
    trace: &traces::Trace,
    now: &str,
) -> Result<sql::Batch, WebError> {
    let version = me.credentials_version + 1;
    let sealed = credentials::seal(ctx, client_id, version, credentials)?;
    let mut batch = vec![
        clients::expect_credentials_version(client_id, me.credentials_version),
        sql::guard_one_row_changed(),
    ];
    batch.extend(clients::replace_credentials(
        client_id,
        &credentials.username,
        &sealed,
        now,
    ));
    batch.push(traces::insert_for_email(&me.email, trace));
    Ok(batch)
}

/// The account page once the credentials changed, with the new username
/// (the layout reads the session again).
fn credentials_changed(ctx: &Ctx, me: &SessionRow, username: &str) -> Result<Response, WebError> {
    let view = AccountView {
        action: "",
        errors: Errors::default(),
        new_api_username: "",
        notice: ctx.lang.texts().account_credentials_done,
    };
    let page = AccountPage {
        layout: ctx.layout()?,
        email: me.email.clone(),
        api_username: username.to_string(),
        credentials_refused: false,
        action: view.action,
        errors: view.errors,
        new_api_username: String::new(),
        notice: view.notice,
        // Not read again here: the section shows its form only.
        automation: Default::default(),
    };
    html(200, page.render()?)
}
