//! The built-in PayPal emulator (PSP_MODE=emulator): accounts as in the
//! PayPal sandbox, the NVP endpoint speaking PayPal's real wire format
//! (`api`), the buyer's checkout page (`checkout`), the IPN (`ipn`), the
//! test controls (faults, clock: `controls`), the later events (`events`)
//! and the mailbox of e-mails the platform sent. Its state lives in its own
//! D1 tables, written in batches of its own, never with the platform's. The
//! rules and their orchestration are in `core::psp::paypal::emulator`
//! (`serve`, run here on `EmulatorFx`); this module parses HTTP and
//! renders. Every route answers 404 in sandbox and live mode, and on a host
//! that is not local without `EMULATOR_TOKEN` (the router checks, see
//! `shell::security::emulator_gate`).

mod api;
mod checkout;
mod controls;
mod events;
mod fx;
mod ipn;
pub mod monetico;
mod permissions;
pub mod sips;

use askama::Template;
use serde_json::json;
use worker::{Request, Response};

use super::pages::{EmulatorAccountsPage, EmulatorMailPage};
use super::web::{html, json_response, read_form, rows_at, Ctx, WebError};
use crate::core::money::Amount;
use crate::core::psp::paypal::emulator::serve::{self, NewAccountSpec};
use crate::core::psp::paypal::emulator_ipn::IpnCharset;
use crate::core::sql::{emulator, outbox};

pub use super::pages::AccountView;
pub use crate::core::psp::paypal::emulator::serve::{EventOutcome, QueuedIpn};
pub use api::{nvp_answer, nvp_route};
pub use checkout::{checkout_get, checkout_post};
pub use controls::{clock_get, clock_post, faults_delete, faults_get, faults_post};
pub use events::{complete_pending, transaction_complete, transaction_get, transaction_reverse};
pub use fx::EmulatorFx;
pub use ipn::{ipn_drop, ipn_list, ipn_verify_route, queued_ipns, record_ipn_delivery, verify_ipn};
pub use permissions::{permissions_get, permissions_post, platform_get};

fn query(ctx: &Ctx, name: &str) -> Option<String> {
    ctx.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn invalid(field: &str) -> Result<Response, WebError> {
    json_response(422, &json!({ "error": "invalid", "field": field }))
}

fn account_json(a: &emulator::Account) -> serde_json::Value {
    json!({
        "email": a.email,
        "payer_id": a.payer_id,
        "balance": crate::core::money::plain_cents(a.balance_cents),
        "currency": a.currency,
        "api_username": a.api_username,
        "api_password": a.api_password,
        "api_signature": a.api_signature,
    })
}

/// `GET /_emulator/paypal/accounts[?email=]`.
pub async fn accounts_get(ctx: &Ctx) -> Result<Response, WebError> {
    let email = ctx
        .url
        .query_pairs()
        .find(|(k, _)| k == "email")
        .map(|(_, v)| v.trim().to_lowercase());
    let account = match &email {
        Some(email) => serve::account_by_email(&EmulatorFx(ctx), email).await?,
        None => None,
    };
    if ctx.wants_json {
        return match account {
            Some(a) => json_response(200, &account_json(&a)),
            None if email.is_some() => json_response(404, &json!({ "error": "not_found" })),
            None => json_response(
                200,
                &json!({ "accounts_url": "/_emulator/paypal/accounts" }),
            ),
        };
    }
    let page = EmulatorAccountsPage {
        layout: ctx.layout()?,
        account: account.map(|a| AccountView::new(&a)),
        error: "",
        email: email.unwrap_or_default(),
        balance: "1000.00".into(),
    };
    html(200, page.render()?)
}

/// `POST /_emulator/paypal/accounts`: fields `email`, `balance` (default
/// 1000.00). 201 with a new account, 200 with the existing one.
pub async fn accounts_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    let email = form.get("email").trim().to_lowercase();
    let balance_text = if form.get("balance").trim().is_empty() {
        "1000.00"
    } else {
        form.get("balance")
    };
    let balance = Amount::parse(balance_text);
    // `ipn_charset` (`UTF-8` or `windows-1252`): the charset of the IPNs
    // about payments to this account, as PayPal's profile setting.
    let ipn_charset = match form.get("ipn_charset").trim() {
        "" => None,
        name => match IpnCharset::parse(name) {
            Some(charset) => Some(charset),
            None if ctx.wants_json => {
                return json_response(422, &json!({ "error": "invalid", "field": "ipn_charset" }))
            }
            None => return Err(WebError::BadRequest),
        },
    };
    let email_ok = crate::core::account::Email::parse(&email).is_ok();
    if !email_ok || balance.is_err() {
        let error = if email_ok {
            "balance: 0 to 99999.99"
        } else {
            "email: name@example.org"
        };
        if ctx.wants_json {
            return json_response(422, &json!({ "error": "invalid", "detail": error }));
        }
        let page = EmulatorAccountsPage {
            layout: ctx.layout()?,
            account: None,
            error,
            email,
            balance: balance_text.to_string(),
        };
        return html(422, page.render()?);
    }
    // Never the zero: an unreadable balance was answered 422 above.
    let balance_cents = balance.map(Amount::cents).unwrap_or(0);
    let currency = ctx.app.config.currency.to_string();
    let spec = NewAccountSpec {
        email: &email,
        balance_cents,
        currency: &currency,
        ipn_charset,
    };
    let (created, account) = serve::create_account(&EmulatorFx(ctx), &spec).await?;
    let status = if created { 201 } else { 200 };
    if ctx.wants_json {
        return json_response(status, &account_json(&account));
    }
    let page = EmulatorAccountsPage {
        layout: ctx.layout()?,
        account: Some(AccountView::new(&account)),
        error: "",
        email: String::new(),
        balance: "1000.00".into(),
    };
    html(status, page.render()?)
}

// `AccountView` is a page's type (in `pages`, which so imports nothing of
// the emulator); it is made here from the emulator's row.
impl AccountView {
    fn new(a: &emulator::Account) -> AccountView {
        AccountView {
            email: a.email.clone(),
            payer_id: a.payer_id.clone(),
            balance: format!(
                "{} {}",
                crate::core::money::plain_cents(a.balance_cents),
                a.currency
            ),
            api_username: a.api_username.clone(),
            api_password: a.api_password.clone(),
            api_signature: a.api_signature.clone(),
        }
    }
}

/// `GET /_emulator/mail[?to=]`: what the platform sent, newest first.
pub async fn mail(ctx: &Ctx) -> Result<Response, WebError> {
    let to = ctx
        .url
        .query_pairs()
        .find(|(k, _)| k == "to")
        .map(|(_, v)| v.trim().to_lowercase());
    let results = ctx.run(&vec![outbox::mailbox(to.as_deref(), 200)]).await?;
    let mut messages: Vec<outbox::Message> = rows_at(&results, 0)?;
    // As delivered: with the footer the mail API path adds too.
    for m in &mut messages {
        m.body = crate::core::mail::with_footer(
            &m.body,
            &ctx.app.config.operator_name,
            &ctx.app.config.contact_email,
        );
    }
    if ctx.wants_json {
        return json_response(200, &json!({ "messages": messages }));
    }
    let page = EmulatorMailPage {
        layout: ctx.layout()?,
        messages,
    };
    html(200, page.render()?)
}
