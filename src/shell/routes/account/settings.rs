//! The account page's routes: the page (HTML or JSON, his receiving
//! accounts listed), changing the password, and (in `receiving_accounts`)
//! adding, replacing or removing a receiving account.

use serde_json::json;
use worker::{Request, Response};

use crate::core::account::{Field, FormErrors, Password};
use crate::core::psp::ProviderId;
use crate::core::sql::{clients, sessions};
use crate::shell::pages::Errors;
use crate::shell::passwords::{self};
use crate::shell::web::{json_response, read_form, Ctx, Form, WebError};

use super::page::{account_page, accounts_of, check_current_password, AccountView};
use super::receiving_accounts::{add_account, remove_account};

pub async fn account_get(ctx: &Ctx) -> Result<Response, WebError> {
    let me = ctx.require_session().await?;
    if ctx.wants_json {
        let accounts = accounts_of(ctx, me.client_id).await?;
        let api_keys = super::api_keys::list(ctx).await?;
        return json_response(
            200,
            &json!({
                "email": me.email,
                "api_username": me.api_username,
                "credentials_status": me.credentials_status,
                "language": me.language,
                "psp_environment": me.psp_environment,
                "psp_accounts": accounts.iter().map(|a| json!({
                    "psp": a.provider,
                    "public_ref": a.public_ref,
                    "status": a.status,
                })).collect::<Vec<_>>(),
                "api_keys": api_keys,
            }),
        );
    }
    account_page(ctx, 200, AccountView::plain("")).await
}

/// `action`: `password`; `psp_account` (add or replace the account at
/// `psp` with that provider's fields); `credentials` (the same for PayPal,
/// as before there were several providers); `psp_account_remove` (with
/// `psp`). Each needs `current_password`.
pub async fn account_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    ctx.check_csrf(&form)?;
    let me = ctx.require_session().await?;
    match form.get("action") {
        "password" => change_password(ctx, &form, me.client_id).await,
        "psp_account" => add_account(ctx, &form, &me, None).await,
        "credentials" => add_account(ctx, &form, &me, Some(ProviderId::Paypal)).await,
        "psp_account_remove" => remove_account(ctx, &form, &me).await,
        "api_key_create" => super::api_keys::create(ctx, &form).await,
        "api_key_revoke" => super::api_keys::revoke(ctx, &form).await,
        _ => account_page(ctx, 422, AccountView::plain("")).await,
    }
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
            typed: None,
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
    let notice = ctx.lang.texts().account_password_done;
    account_page(ctx, 200, AccountView::plain(notice)).await
}
