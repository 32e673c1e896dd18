//! The account page as it is shown: his receiving accounts listed, the
//! password form and the receiving-account forms, with the problems of the
//! one that was sent; and the current-password check every change needs.

use askama::Template;
use worker::Response;

use crate::core::account::{Field, FormErrors, Problem};
use crate::core::api::sql::{self as api_sql, KeyRow};
use crate::core::psp::ProviderId;
use crate::core::receiving;
use crate::core::sql::{self, clients};
use crate::shell::pages::{AccountLine, AccountPage, Automation, Errors, Layout, ReceivingForm};
use crate::shell::passwords::{self};
use crate::shell::web::{html, rows_at, Ctx, Form, WebError};

/// What the page shows besides the session's data: which form was sent,
/// its problems and what was typed in it (secrets never), a notice.
pub(super) struct AccountView<'a> {
    pub action: &'static str,
    pub errors: Errors,
    pub typed: Option<&'a Form>,
    pub notice: &'static str,
}

impl AccountView<'_> {
    pub fn plain(notice: &'static str) -> AccountView<'static> {
        AccountView {
            action: "",
            errors: Errors::default(),
            typed: None,
            notice,
        }
    }
}

/// The client's current receiving accounts, PayPal, Sips, Monetico.
pub(super) async fn accounts_of(
    ctx: &Ctx,
    client_id: i64,
) -> Result<Vec<clients::AccountRow>, WebError> {
    let results = ctx.run(&vec![clients::accounts(client_id)]).await?;
    let mut rows: Vec<clients::AccountRow> = match results.first() {
        Some(r) => sql::rows(r).map_err(|e| WebError::Internal(e.to_string()))?,
        None => Vec::new(),
    };
    // In the providers' own order (`PSPS`' default), as buyers see them.
    rows.sort_by_key(|row| {
        ProviderId::ALL
            .iter()
            .position(|p| p.as_str() == row.provider)
    });
    Ok(rows)
}

pub(super) fn session_hash(ctx: &Ctx) -> Result<String, WebError> {
    ctx.session_token_hash()
        .ok_or_else(|| WebError::LoginRequired("/account".into()))
}

/// The client's live keys (the read carries the session lookup when it
/// is the request's first).
pub(super) async fn keys(ctx: &Ctx) -> Result<Vec<KeyRow>, WebError> {
    let hash = session_hash(ctx)?;
    let results = ctx.run(&vec![api_sql::keys_of_session(&hash)]).await?;
    rows_at(&results, 0)
}

/// The section as the page shows it.
pub(super) async fn section(ctx: &Ctx) -> Result<Automation, WebError> {
    Ok(Automation {
        keys: keys(ctx).await?,
        loaded: true,
        ..Automation::default()
    })
}

/// The account page's HTML with `layout` (also the form shown again
/// after a refused POST, `form_again`).
pub async fn account_page_body(
    ctx: &Ctx,
    layout: Layout,
    action: &'static str,
    errors: Errors,
    typed: Option<&Form>,
    notice: &'static str,
) -> Result<String, WebError> {
    let automation = section(ctx).await?;
    account_page_body_with(ctx, layout, (action, errors, typed, notice), automation).await
}

/// [`account_page_body`] with the "Automation" section as given (a key
/// just created, or why not).
pub(super) async fn account_page_body_with(
    ctx: &Ctx,
    layout: Layout,
    (action, errors, typed, notice): (&'static str, Errors, Option<&Form>, &'static str),
    automation: Automation,
) -> Result<String, WebError> {
    let me = ctx.require_session().await?;
    let rows = accounts_of(ctx, me.client_id).await?;
    let paypal_refused = rows
        .iter()
        .any(|row| row.provider == ProviderId::Paypal.as_str() && row.status == "refused");
    let accounts = rows
        .iter()
        .filter_map(|row| {
            ProviderId::parse(&row.provider).map(|p| AccountLine {
                psp: p.as_str(),
                name: receiving::display_name(p),
                public_ref: row.public_ref.clone(),
                refused: row.status == "refused",
            })
        })
        .collect();
    let read = |name: &str| typed.map_or(String::new(), |f| f.get(name).to_string());
    let field_errors = if action == "psp_account" {
        errors.clone()
    } else {
        Errors::default()
    };
    let enabled = &ctx.app.config.providers.enabled;
    let receiving = if action == "psp_account" {
        ReceivingForm::new(&layout, enabled, &read, field_errors)
    } else {
        ReceivingForm::new(&layout, enabled, &|_| String::new(), field_errors)
    };
    let page = AccountPage {
        layout,
        email: me.email.clone(),
        credentials_refused: paypal_refused,
        action,
        errors,
        accounts,
        receiving,
        notice,
        automation,
    };
    Ok(page.render()?)
}

pub(super) async fn account_page(
    ctx: &Ctx,
    status: u16,
    view: AccountView<'_>,
) -> Result<Response, WebError> {
    let body = account_page_body(
        ctx,
        ctx.layout()?,
        view.action,
        view.errors,
        view.typed,
        view.notice,
    )
    .await?;
    html(status, body)
}

/// Checks `current_password`, recording a problem when it is wrong.
pub(in crate::shell::routes) async fn check_current_password(
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
