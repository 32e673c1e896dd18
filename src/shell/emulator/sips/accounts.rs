//! The emulated Sips merchants over HTTP: `POST /_emulator/sips/accounts`
//! with `email` creates one (201; the same one again, 200, for a known
//! e-mail) and shows its credentials; `GET ?email=` shows it with its
//! current settlement balance. JSON with the JSON Accept header:
//! `{"email","sips_merchant_id","sips_secret_key","sips_key_version","balance"}`
//! (`balance` a plain decimal such as `"12.34"`, `sips_key_version` a number).

use askama::Template;
use serde_json::json;
use worker::{Request, Response};

use super::super::EmulatorFx;
use crate::core::psp::sips::emulator::{card_texts, serve, CardTexts};
use crate::core::sql::emulator::sips::Merchant;
use crate::shell::pages::Layout;
use crate::shell::web::{html, json_response, read_form, Ctx, WebError};

#[derive(Template)]
#[template(path = "emulator_sips_accounts.html")]
struct AccountsPage<'a> {
    layout: Layout,
    texts: &'static CardTexts,
    merchant: Option<&'a Merchant>,
    balance: String,
    email: String,
    error: &'static str,
}

fn merchant_json(m: &Merchant) -> serde_json::Value {
    json!({
        "email": m.email,
        "sips_merchant_id": m.merchant_id,
        "sips_secret_key": m.secret_key,
        "sips_key_version": m.key_version,
        "balance": crate::core::money::plain_cents(m.balance_cents),
    })
}

fn page(
    ctx: &Ctx,
    status: u16,
    merchant: Option<&Merchant>,
    email: String,
    error: &'static str,
) -> Result<Response, WebError> {
    let body = AccountsPage {
        layout: ctx.layout()?,
        texts: card_texts(ctx.lang),
        merchant,
        balance: merchant.map_or(String::new(), |m| {
            format!(
                "{} {}",
                crate::core::money::plain_cents(m.balance_cents),
                ctx.app.config.currency
            )
        }),
        email,
        error,
    }
    .render()?;
    html(status, body)
}

/// `GET /_emulator/sips/accounts[?email=]`.
pub async fn accounts_get(ctx: &Ctx) -> Result<Response, WebError> {
    let email = super::query(ctx, "email").map(|e| e.to_lowercase());
    let merchant = match &email {
        Some(email) => serve::merchant_by_email(&EmulatorFx(ctx), email).await?,
        None => None,
    };
    if ctx.wants_json {
        return match (&merchant, &email) {
            (Some(m), _) => json_response(200, &merchant_json(m)),
            (None, Some(_)) => json_response(404, &json!({ "error": "not_found" })),
            (None, None) => {
                json_response(200, &json!({ "accounts_url": "/_emulator/sips/accounts" }))
            }
        };
    }
    let status = if merchant.is_none() && email.is_some() {
        404
    } else {
        200
    };
    page(
        ctx,
        status,
        merchant.as_ref(),
        email.unwrap_or_default(),
        "",
    )
}

/// `POST /_emulator/sips/accounts` with `email`: 201 with a new merchant,
/// 200 with the existing one, 422 for an e-mail that is not one.
pub async fn accounts_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    let email = form.get("email").trim().to_lowercase();
    if crate::core::account::Email::parse(&email).is_err() {
        if ctx.wants_json {
            return json_response(422, &json!({ "error": "invalid", "field": "email" }));
        }
        let error = card_texts(ctx.lang).invalid_email;
        return page(ctx, 422, None, email, error);
    }
    let (created, merchant) = serve::create_merchant(&EmulatorFx(ctx), &email).await?;
    let status = if created { 201 } else { 200 };
    if ctx.wants_json {
        return json_response(status, &merchant_json(&merchant));
    }
    page(ctx, status, Some(&merchant), String::new(), "")
}
