//! The built-in CM-CIC Monetico emulator over HTTP (emulator mode only;
//! `/_emulator/monetico/...`): `paiement.cgi` and the card page (`card`),
//! `capture_paiement.cgi` and `recredit_paiement.cgi` (also in process:
//! [`api_answer`]), its merchants (`accounts`), its faults and its
//! notifications, delivered in process to the platform ([`Platform`]) at
//! once and again by [`deliver_monetico_messages`] (the cron) until
//! acknowledged. The work is `core::psp::monetico::emulator::serve`, run
//! on the emulator's own tables; this module parses HTTP and renders.

mod card;

use askama::Template;
use serde_json::json;
use worker::{Method, Request, Response};

use crate::core::flow::Site;
use crate::core::money::plain_cents;
use crate::core::psp::monetico::emulator::card::{account_texts, AccountTexts};
use crate::core::psp::monetico::emulator::fault::parse_fault;
use crate::core::psp::monetico::emulator::serve::{self, NotificationReceiver};
use crate::core::psp::{self, ProviderId};
use crate::core::sql::emulator::monetico::{Fault, Merchant};
use crate::shell::emulator::EmulatorFx;
use crate::shell::pages::Layout;
use crate::shell::web::{html, json_response, read_form, Ctx, WebError};

/// Every route under `/_emulator/monetico/`.
pub async fn route(
    ctx: &Ctx,
    req: &mut Request,
    method: &Method,
    segments: &[&str],
) -> Result<Response, WebError> {
    let rest = segments.get(2..).unwrap_or_default();
    // The bank's test server puts its scripts under `/test/`.
    let script = match rest {
        ["test", name] | [name] => Some(*name),
        _ => None,
    };
    match (method, rest, script) {
        (Method::Post, _, Some("paiement.cgi")) => card::paiement(ctx, req).await,
        (Method::Get, ["card", token], _) => card::card_get(ctx, token).await,
        (Method::Post, ["card", token], _) => card::card_post(ctx, req, token).await,
        (Method::Post, _, Some(name @ ("capture_paiement.cgi" | "recredit_paiement.cgi"))) => {
            api_route(ctx, req, name).await
        }
        (Method::Get, ["accounts"], _) => accounts_get(ctx).await,
        (Method::Post, ["accounts"], _) => accounts_post(ctx, req).await,
        (Method::Get, ["faults"], _) => faults_get(ctx).await,
        (Method::Post, ["faults"], _) => faults_post(ctx, req).await,
        (Method::Delete, ["faults"], _) => faults_delete(ctx).await,
        (Method::Get, ["notifications"], _) => notifications_get(ctx).await,
        (Method::Post, ["notifications", "deliver"], _) => {
            let delivered = deliver_monetico_messages(ctx).await?;
            json_response(200, &json!({ "delivered": delivered }))
        }
        _ => Err(WebError::NotFound),
    }
}

/// The answer of the bank's API to one call, in process (the platform's
/// effects call it in emulator mode): `script` is `capture_paiement.cgi`
/// or `recredit_paiement.cgi`, `body` the urlencoded form. (HTTP status,
/// `key=value` lines); 502 with an empty body for a lost answer, 503 when
/// the emulator's database failed, 404 for another script.
pub async fn api_answer(ctx: &Ctx, script: &str, body: &[u8]) -> (u16, String) {
    serve::answer_api(&EmulatorFx(ctx), script, body).await
}

/// `POST /_emulator/monetico/[test/]capture_paiement.cgi` and
/// `recredit_paiement.cgi`: the same over HTTP, `text/plain`.
async fn api_route(ctx: &Ctx, req: &mut Request, script: &str) -> Result<Response, WebError> {
    let body = crate::shell::body::read_capped(req).await?;
    let (status, text) = api_answer(ctx, script, &body).await;
    let mut response = Response::ok(text)?.with_status(status);
    response
        .headers_mut()
        .set("Content-Type", "text/plain; charset=utf-8")?;
    Ok(response)
}

/// The platform's notification URL (`/psp/monetico/notify`), reached in
/// process: a deployed Worker cannot fetch itself. The platform runs on
/// its own tables (`ctx`), the emulator on `EmulatorFx`.
pub struct Platform<'a>(pub &'a Ctx);

impl NotificationReceiver for Platform<'_> {
    async fn receive(&self, body: &[u8]) -> (u16, String) {
        let ctx = self.0;
        let base_url = ctx.base_url();
        // As `shell::effects::site` builds it (not imported: the effects
        // call this module, and the shell's modules import no cycle).
        let site = Site {
            config: &ctx.app.config,
            keyring: &ctx.app.keyring,
            deployment_id: &ctx.app.deployment_id,
            base_url: &base_url,
            paypal_platform: ctx.app.paypal_platform.as_ref(),
        };
        let (answer, log) = psp::receive_notification(ctx, &site, ProviderId::Monetico, body).await;
        worker::console_log!("monetico emulator: notification: {log}");
        let reply = psp::reply(ProviderId::Monetico, answer);
        (reply.status, reply.body)
    }
}

/// Emulator mode: delivers the notifications not acknowledged yet to the
/// platform, in process (the cron calls it on every run; `POST
/// /_emulator/monetico/notifications/deliver` at once). Returns how many
/// were acknowledged now.
pub async fn deliver_monetico_messages(ctx: &Ctx) -> Result<usize, WebError> {
    Ok(serve::deliver_queued(&EmulatorFx(ctx), 50, &Platform(ctx)).await?)
}

fn query(ctx: &Ctx, name: &str) -> Option<String> {
    ctx.param(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn merchant_json(m: &Merchant) -> serde_json::Value {
    json!({
        "email": m.email,
        "monetico_tpe": m.tpe,
        "monetico_societe": m.societe,
        "monetico_key": m.cle,
        "balance": plain_cents(m.balance_cents),
        "currency": m.currency,
    })
}

/// The merchants page.
#[derive(Template)]
#[template(path = "emulator_monetico_accounts.html")]
pub struct MoneticoAccountsPage {
    pub layout: Layout,
    pub texts: &'static AccountTexts,
    pub merchant: Option<Merchant>,
    pub balance: String,
    pub email: String,
    pub error: &'static str,
}

fn accounts_page(
    ctx: &Ctx,
    status: u16,
    merchant: Option<Merchant>,
    email: String,
    error: &'static str,
) -> Result<Response, WebError> {
    let balance = merchant.as_ref().map_or(String::new(), |m| {
        format!("{} {}", plain_cents(m.balance_cents), m.currency)
    });
    let page = MoneticoAccountsPage {
        layout: ctx.layout()?,
        texts: account_texts(ctx.lang),
        merchant,
        balance,
        email,
        error,
    };
    html(status, page.render()?)
}

/// `GET /_emulator/monetico/accounts[?email=]`: JSON with the JSON Accept
/// header (404 for an unknown e-mail), else the page.
async fn accounts_get(ctx: &Ctx) -> Result<Response, WebError> {
    let email = query(ctx, "email").map(|e| e.to_lowercase());
    let merchant = match &email {
        Some(email) => serve::merchant_by_email(&EmulatorFx(ctx), email).await?,
        None => None,
    };
    if ctx.wants_json {
        return match (&merchant, &email) {
            (Some(m), _) => json_response(200, &merchant_json(m)),
            (None, Some(_)) => json_response(404, &json!({ "error": "not_found" })),
            (None, None) => json_response(
                200,
                &json!({ "accounts_url": "/_emulator/monetico/accounts" }),
            ),
        };
    }
    accounts_page(ctx, 200, merchant, email.unwrap_or_default(), "")
}

/// `POST /_emulator/monetico/accounts` with `email`: 201 with a new
/// merchant, 200 with the one of a known e-mail; 422 for a bad e-mail.
async fn accounts_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    let email = form.get("email").trim().to_lowercase();
    if crate::core::account::Email::parse(&email).is_err() {
        if ctx.wants_json {
            return json_response(422, &json!({ "error": "invalid", "field": "email" }));
        }
        return accounts_page(ctx, 422, None, email, account_texts(ctx.lang).bad_email);
    }
    let currency = ctx.app.config.currency.to_string();
    let (created, merchant) = serve::create_merchant(&EmulatorFx(ctx), &email, &currency).await?;
    let status = if created { 201 } else { 200 };
    if ctx.wants_json {
        return json_response(status, &merchant_json(&merchant));
    }
    accounts_page(ctx, status, Some(merchant), String::new(), "")
}

fn fault_json(f: &Fault) -> serde_json::Value {
    json!({
        "id": f.id,
        "method": f.method,
        "tpe": f.tpe,
        "reference": f.reference,
        "cdr": f.cdr,
        "drop": f.drop_answer == 1,
        "delay": f.delay == 1,
        "duplicate": f.duplicate == 1,
        "created_at": f.created_at,
    })
}

/// `POST /_emulator/monetico/faults`: `method` (paiement, capture,
/// recredit, notification), optional `tpe` and `reference`, and one of
/// `code` (paiement), `cdr` (capture, recredit), `drop=1`, `delay=1` or
/// `duplicate=1` (notification). 201 with the fault; 422 naming the field.
async fn faults_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    match parse_fault(&|name: &str| form.get(name).to_owned()) {
        Ok(spec) => {
            let fault = serve::set_fault(&EmulatorFx(ctx), &spec).await?;
            json_response(201, &fault_json(&fault))
        }
        Err(field) => json_response(422, &json!({ "error": "invalid", "field": field })),
    }
}

/// `GET /_emulator/monetico/faults[?tpe=]`: the pending faults.
async fn faults_get(ctx: &Ctx) -> Result<Response, WebError> {
    let tpe = query(ctx, "tpe");
    let faults = serve::list_faults(&EmulatorFx(ctx), tpe.as_deref()).await?;
    let list: Vec<serde_json::Value> = faults.iter().map(fault_json).collect();
    json_response(200, &json!({ "faults": list }))
}

/// `DELETE /_emulator/monetico/faults[?tpe=]`: clears them.
async fn faults_delete(ctx: &Ctx) -> Result<Response, WebError> {
    let tpe = query(ctx, "tpe");
    let cleared = serve::clear_faults(&EmulatorFx(ctx), tpe.as_deref()).await?;
    json_response(200, &json!({ "cleared": cleared }))
}

/// `GET /_emulator/monetico/notifications[?tpe=&reference=]`: the
/// notifications sent, newest first, with their delivery state.
async fn notifications_get(ctx: &Ctx) -> Result<Response, WebError> {
    let (tpe, reference) = (query(ctx, "tpe"), query(ctx, "reference"));
    let payment = tpe.as_deref().zip(reference.as_deref());
    let listed = serve::notifications(&EmulatorFx(ctx), payment, 200).await?;
    let list: Vec<serde_json::Value> = listed
        .iter()
        .map(|n| {
            json!({
                "id": n.id,
                "tpe": n.tpe,
                "reference": n.reference,
                "body": n.body,
                "status": n.status,
                "delivered": n.status == "delivered",
                "attempts": n.attempts,
                "last_http_status": n.last_http_status,
                "last_answer": n.last_answer,
                "created_at": n.created_at,
            })
        })
        .collect();
    json_response(200, &json!({ "notifications": list }))
}
