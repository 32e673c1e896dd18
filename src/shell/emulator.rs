//! The built-in PayPal emulator (PSP_MODE=emulator): accounts as in the
//! PayPal sandbox, the NVP endpoint speaking PayPal's real wire format, and
//! the mailbox of e-mails the platform sent. Its state lives in its own D1
//! tables, written in batches of its own, never with the platform's. Every
//! route answers 404 in sandbox and live mode (the router checks).

use askama::Template;
use serde_json::json;
use worker::{Request, Response};

use super::app::{random_bytes, RandomUnavailable};
use super::pages::{EmulatorAccountsPage, EmulatorMailPage};
use super::web::{html, json_response, read_form, Ctx, WebError};
use crate::core::crypto::constant_time_eq;
use crate::core::money::Amount;
use crate::core::psp::paypal::nvp::{self, Method};
use crate::core::sql::{self, emulator, outbox, StmtResult};

/// PayPal's build number, echoed in every answer like the real service.
const BUILD: &str = "58807128";

/// Answers one NVP request: (HTTP status, body). PayPal answers 200 with
/// `ACK=Failure` for refusals, so only lost answers use another status.
pub async fn nvp_answer(ctx: &Ctx, body: &str) -> (u16, String) {
    let fields = match nvp::decode_request(body) {
        Ok(fields) => fields,
        Err(_) => {
            return (
                200,
                failure(
                    ctx,
                    "",
                    "81004",
                    "No Request Received",
                    "No Request Received",
                ),
            )
        }
    };
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let version = get("VERSION");
    let account = match authenticate(ctx, get("USER"), get("PWD"), get("SIGNATURE")).await {
        Ok(Some(account)) => account,
        Ok(None) => {
            return (
                200,
                failure(
                    ctx,
                    version,
                    "10002",
                    "Security error",
                    "Security header is not valid",
                ),
            )
        }
        Err(_) => return (503, String::new()),
    };
    let method = get("METHOD");
    if method.is_empty() {
        return (
            200,
            failure(
                ctx,
                version,
                "81003",
                "Unspecified Method",
                "No Method Specified",
            ),
        );
    }
    match Method::parse(method) {
        Some(Method::GetBalance) => (200, get_balance(ctx, version, &account)),
        Some(Method::SetExpressCheckout)
        | Some(Method::GetExpressCheckoutDetails)
        | Some(Method::DoExpressCheckoutPayment)
        | Some(Method::GetTransactionDetails)
        | None => (
            200,
            failure(
                ctx,
                version,
                "81002",
                "Unspecified Method",
                "Method Specified is not Supported",
            ),
        ),
    }
}

/// The account whose API credentials these are, if all three match.
async fn authenticate(
    ctx: &Ctx,
    user: &str,
    password: &str,
    signature: &str,
) -> Result<Option<emulator::Account>, WebError> {
    if user.is_empty() {
        return Ok(None);
    }
    let results = ctx
        .run_emulator(&vec![emulator::by_api_username(user)])
        .await?;
    let account: Option<emulator::Account> = first_row(&results)?;
    Ok(account.filter(|a| {
        constant_time_eq(a.api_password.as_bytes(), password.as_bytes())
            & constant_time_eq(a.api_signature.as_bytes(), signature.as_bytes())
    }))
}

fn first_row<T: serde::de::DeserializeOwned>(
    results: &[StmtResult],
) -> Result<Option<T>, WebError> {
    match results.first() {
        Some(r) => sql::first(r).map_err(|e| WebError::Internal(e.to_string())),
        None => Ok(None),
    }
}

/// TIMESTAMP, CORRELATIONID, ACK, VERSION, BUILD: every answer starts so.
fn envelope(ctx: &Ctx, version: &str, ack: &str) -> Vec<(String, String)> {
    let correlation: String = random_bytes::<7>()
        .map(|b| b.iter().map(|x| format!("{x:02x}")).collect::<String>())
        .unwrap_or_default();
    vec![
        ("TIMESTAMP".into(), ctx.now().to_string()),
        (
            "CORRELATIONID".into(),
            correlation[..13.min(correlation.len())].to_string(),
        ),
        ("ACK".into(), ack.into()),
        ("VERSION".into(), version.into()),
        ("BUILD".into(), BUILD.into()),
    ]
}

/// A refusal exactly as PayPal words it.
fn failure(ctx: &Ctx, version: &str, code: &str, short: &str, long: &str) -> String {
    let mut fields = envelope(ctx, version, "Failure");
    fields.push(("L_ERRORCODE0".into(), code.into()));
    fields.push(("L_SHORTMESSAGE0".into(), short.into()));
    fields.push(("L_LONGMESSAGE0".into(), long.into()));
    fields.push(("L_SEVERITYCODE0".into(), "Error".into()));
    nvp::encode_like_paypal(&fields)
}

fn get_balance(ctx: &Ctx, version: &str, account: &emulator::Account) -> String {
    let mut fields = envelope(ctx, version, "Success");
    let balance = Amount::from_cents(account.balance_cents).unwrap_or_default();
    fields.push(("L_AMT0".into(), balance.to_plain()));
    fields.push(("L_CURRENCYCODE0".into(), account.currency.clone()));
    nvp::encode_like_paypal(&fields)
}

/// `POST /_emulator/paypal/nvp`: the same handler over HTTP.
pub async fn nvp_route(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let body = req.text().await?;
    let (status, text) = nvp_answer(ctx, &body).await;
    let mut response = Response::ok(text)?.with_status(status);
    response
        .headers_mut()
        .set("Content-Type", "text/plain; charset=utf-8")?;
    Ok(response)
}

const ALPHANUMERIC: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const SIGNATURE_CHARS: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.";

fn random_text<const N: usize>(alphabet: &[u8]) -> Result<String, RandomUnavailable> {
    Ok(random_bytes::<N>()?
        .iter()
        .map(|b| alphabet[usize::from(*b) % alphabet.len()] as char)
        .collect())
}

fn account_json(a: &emulator::Account) -> serde_json::Value {
    json!({
        "email": a.email,
        "payer_id": a.payer_id,
        "balance": Amount::from_cents(a.balance_cents).unwrap_or_default().to_plain(),
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
        Some(email) => {
            let results = ctx.run_emulator(&vec![emulator::by_email(email)]).await?;
            first_row::<emulator::Account>(&results)?
        }
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
    let balance_cents = balance.map(Amount::cents).unwrap_or(0);
    let (local, domain) = email.split_once('@').unwrap_or((&email, "example.org"));
    let payer_id = random_text::<13>(ALPHANUMERIC)?;
    let api_password = random_text::<16>(ALPHANUMERIC)?;
    let api_signature = random_text::<56>(SIGNATURE_CHARS)?;
    let api_username = format!("{local}_api1.{domain}");
    let now = ctx.now().to_string();
    let currency = ctx.app.config.currency.to_string();
    let new = emulator::NewAccount {
        email: &email,
        payer_id: &payer_id,
        api_username: &api_username,
        api_password: &api_password,
        api_signature: &api_signature,
        balance_cents,
        currency: &currency,
        now: &now,
    };
    let results = ctx
        .run_emulator(&vec![emulator::create(&new), emulator::by_email(&email)])
        .await?;
    let created = results.first().is_some_and(|r| r.changes == 1);
    let account: emulator::Account = results
        .get(1)
        .map(sql::first)
        .transpose()
        .map_err(|e| WebError::Internal(e.to_string()))?
        .flatten()
        .ok_or_else(|| WebError::Internal("emulator account vanished".into()))?;
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

/// An account as its page shows it.
pub struct AccountView {
    pub email: String,
    pub payer_id: String,
    pub balance: String,
    pub api_username: String,
    pub api_password: String,
    pub api_signature: String,
}

impl AccountView {
    fn new(a: &emulator::Account) -> AccountView {
        AccountView {
            email: a.email.clone(),
            payer_id: a.payer_id.clone(),
            balance: format!(
                "{} {}",
                Amount::from_cents(a.balance_cents)
                    .unwrap_or_default()
                    .to_plain(),
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
    let messages: Vec<outbox::Message> = match results.first() {
        Some(r) => sql::rows(r).map_err(|e| WebError::Internal(e.to_string()))?,
        None => Vec::new(),
    };
    if ctx.wants_json {
        return json_response(200, &json!({ "messages": messages }));
    }
    let page = EmulatorMailPage {
        layout: ctx.layout()?,
        messages,
    };
    html(200, page.render()?)
}
