//! Adding, replacing and removing a receiving account from the account page
//! (spec `providers.md` §2). Adding or replacing is checked like
//! registration (provider first, then whether another client uses the
//! account) and writes a new version: earlier ones stay, since open orders
//! keep theirs. Removing ends the current row, never the last one.

use worker::Response;

use crate::core::account::{Field, FormErrors};
use crate::core::psp::{ProviderId, TypedAccount};
use crate::core::receiving::{self, AccountInput, ReceivingProblem};
use crate::core::sql::{self, clients, sessions::SessionRow, traces};
use crate::shell::credentials;
use crate::shell::db::DbError;
use crate::shell::pages::Errors;
use crate::shell::web::{Ctx, Form, WebError};

use super::page::{account_page, accounts_of, check_current_password, AccountView};
use super::{rate_limit, verify_account, CredentialCheck, CREDENTIAL_CHANGES_PER_HOUR};

/// Each attempt may cost a password derivation and a provider call: an
/// account is no unlimited oracle for testing stolen credentials.
async fn limit(ctx: &Ctx, client_id: i64) -> Result<(), WebError> {
    rate_limit(
        ctx,
        "credentials",
        &client_id.to_string(),
        CREDENTIAL_CHANGES_PER_HOUR,
        3_600,
    )
    .await
}

fn problem(ctx: &Ctx, field: Field, problem: ReceivingProblem) -> Errors {
    let mut errors = FormErrors::default();
    errors.add(field, crate::core::account::Problem::Receiving(problem));
    Errors::new(&errors, ctx.lang)
}

/// `action=psp_account` (or `credentials`, `only` PayPal): the account at
/// `psp` added, or replacing the current one there.
pub(super) async fn add_account(
    ctx: &Ctx,
    form: &Form,
    me: &SessionRow,
    only: Option<ProviderId>,
) -> Result<Response, WebError> {
    limit(ctx, me.client_id).await?;
    let mut input = AccountInput::read(|name| form.get(name).to_string());
    input.paypal_auth = ctx.app.config.paypal_seller_auth;
    if let Some(provider) = only {
        input.psp = provider.as_str().to_string();
    }
    let mut errors = FormErrors::default();
    let account = input.parse(&ctx.app.config.providers.enabled, &mut errors);
    check_current_password(ctx, form, me.client_id, &mut errors).await?;
    let fail = |errors: Errors| AccountView {
        action: "psp_account",
        errors,
        typed: Some(form),
        notice: "",
    };
    let Some(account) = account.filter(|_| errors.is_empty()) else {
        return account_page(ctx, 422, fail(Errors::new(&errors, ctx.lang))).await;
    };
    // The provider first, as for registration: a taken account is told
    // only to someone holding a working one.
    let now = ctx.now().to_string();
    let traces = match verify_account(ctx, &account, &now).await {
        CredentialCheck::Accepted(traces) => traces,
        CredentialCheck::Refused(message) => {
            return account_page(ctx, 422, fail(Errors::default().with_form_message(message))).await
        }
        CredentialCheck::Unreachable(message) => {
            return account_page(ctx, 503, fail(Errors::default().with_form_message(message))).await
        }
    };
    let provider = account.provider();
    let Some(version) = free_version(ctx, &account, me.client_id).await? else {
        errors.add(
            receiving::public_field(&account),
            receiving::taken(&account),
        );
        return account_page(ctx, 422, fail(Errors::new(&errors, ctx.lang))).await;
    };
    let sealed = credentials::seal(ctx, me.client_id, version, &account)?;
    let mut batch = clients::add_account(
        me.client_id,
        provider.as_str(),
        version,
        account.public_ref(),
        &sealed,
        &now,
    );
    let forgets = forget_stored_secrets(&account, me.client_id, &mut batch);
    for trace in &traces {
        batch.push(traces::insert_for_email(&me.email, trace));
    }
    let moved = match ctx.run(&batch).await {
        Ok(results) => forgets.is_some_and(|at| results.get(at).is_some_and(|r| r.changes > 0)),
        // Another change took this version, or another client this
        // account, meanwhile: nothing was stored.
        Err(WebError::Db(DbError::D1(message))) if message.contains("UNIQUE") => {
            let errors = problem(ctx, Field::Form, ReceivingProblem::Changed);
            return account_page(ctx, 409, fail(errors)).await;
        }
        Err(e) => return Err(e),
    };
    let notice = match only {
        _ if moved => ctx.lang.permission().move_done,
        Some(_) => ctx.lang.texts().account_credentials_done,
        None => ctx.lang.receiving().add_done,
    };
    account_page(ctx, 200, AccountView::plain(notice)).await
}

/// Moving to PayPal by permission: his stored API credentials are deleted
/// in the batch that records the e-mail account, once the grant is
/// checked. Returns where that statement is in `batch`.
fn forget_stored_secrets(
    account: &TypedAccount,
    client_id: i64,
    batch: &mut Vec<sql::Stmt>,
) -> Option<usize> {
    match account {
        TypedAccount::PaypalGranted(email) => {
            batch.push(clients::forget_paypal_secrets(client_id, email));
            Some(batch.len() - 1)
        }
        TypedAccount::Paypal(_) | TypedAccount::Sips(_) | TypedAccount::Monetico(_) => None,
    }
}

/// The version the new account gets, or `None` when another client's
/// current account has its public name.
async fn free_version(
    ctx: &Ctx,
    account: &TypedAccount,
    client_id: i64,
) -> Result<Option<i64>, WebError> {
    let provider = account.provider().as_str();
    let results = ctx
        .run(&vec![
            clients::conflicts("", provider, account.public_ref(), client_id),
            clients::next_account_version(client_id, provider),
        ])
        .await?;
    let taken = results
        .first()
        .and_then(|r| sql::first::<clients::Conflicts>(r).ok().flatten())
        .is_some_and(|c| c.public_ref_taken != 0);
    if taken {
        return Ok(None);
    }
    let next = results
        .get(1)
        .and_then(|r| sql::first::<clients::NextVersion>(r).ok().flatten())
        .map(|n| n.next_version);
    next.map(Some)
        .ok_or_else(|| WebError::Internal("no next account version".into()))
}

/// `action=psp_account_remove` with `psp`: his current account there ends
/// (open orders keep their version); the last one is never removed.
pub(super) async fn remove_account(
    ctx: &Ctx,
    form: &Form,
    me: &SessionRow,
) -> Result<Response, WebError> {
    limit(ctx, me.client_id).await?;
    let mut errors = FormErrors::default();
    // Any provider this build speaks: an account at a provider no longer
    // offered can still be removed.
    let provider = ProviderId::parse(form.get("psp").trim());
    if provider.is_none() {
        errors.add(
            Field::Psp,
            crate::core::account::Problem::Receiving(ReceivingProblem::NoAccount),
        );
    }
    check_current_password(ctx, form, me.client_id, &mut errors).await?;
    let fail = |errors: Errors| AccountView {
        action: "psp_account_remove",
        errors,
        typed: None,
        notice: "",
    };
    let Some(provider) = provider.filter(|_| errors.is_empty()) else {
        return account_page(ctx, 422, fail(Errors::new(&errors, ctx.lang))).await;
    };
    let accounts = accounts_of(ctx, me.client_id).await?;
    if !accounts.iter().any(|a| a.provider == provider.as_str()) {
        let errors = problem(ctx, Field::Psp, ReceivingProblem::NoAccount);
        return account_page(ctx, 422, fail(errors)).await;
    }
    if accounts.len() < 2 {
        let errors = problem(ctx, Field::Psp, ReceivingProblem::LastAccount);
        return account_page(ctx, 422, fail(errors)).await;
    }
    let now = ctx.now().to_string();
    let batch = vec![
        clients::remove_account(me.client_id, provider.as_str(), &now),
        sql::guard_one_row_changed(),
    ];
    match ctx.run(&batch).await {
        Ok(_) => {}
        // A concurrent removal left this one the last (or removed it).
        Err(WebError::Db(e)) if e.guard().is_some() => {
            let errors = problem(ctx, Field::Psp, ReceivingProblem::Changed);
            return account_page(ctx, 409, fail(errors)).await;
        }
        Err(e) => return Err(e),
    }
    account_page(
        ctx,
        200,
        AccountView::plain(ctx.lang.receiving().remove_done),
    )
    .await
}
