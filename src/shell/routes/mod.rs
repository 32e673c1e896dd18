//! The route table: one `match` from method and path to a handler. Every
//! handler returns `Result<Response, WebError>`; this module turns errors into
//! the error page and adds the common headers (to every answer, the static
//! file and the boot-failure 503s included), and refuses cross-site POSTs
//! and the hidden emulator before any route runs.

mod account;
mod admin;
mod api;
mod browse;
mod form_again;
mod health;
pub mod ipn;
mod ledger;
mod orders;
mod purchase;
mod refund;
pub(crate) mod static_files;

use worker::{Context, Env, Method, Request, Response};

use super::app;
#[cfg(feature = "emulators")]
use super::emulator;
use super::security::{self, EmulatorGate};
use super::web::{Ctx, WebError};
use crate::core::config::PspMode;
use crate::core::i18n::Lang;

/// The Worker's fetch entry point.
pub async fn handle(mut req: Request, env: Env, runtime: &Context) -> worker::Result<Response> {
    let url = crate::shell::web::request_url(&req)?;
    let path = url.path().to_string();
    let method = req.method();

    // Static and health routes answer even when the deployment cannot serve;
    // they carry the security headers too (no config: forms post home only).
    let local = security::is_local_url(&url);
    if method == Method::Get {
        if let Some(mut response) = static_files::response(&path)? {
            security::apply_headers(response.headers_mut(), local, "");
            return Ok(response);
        }
    }
    let app = match app::get(&env).await {
        Ok(app) => app,
        Err(unavailable) => {
            let mut response = if path == "/healthz" {
                health::unavailable(&unavailable)?
            } else {
                let wants_json = req
                    .headers()
                    .get("Accept")?
                    .is_some_and(|a| crate::core::accept::prefers_json(&a));
                WebError::Unavailable(unavailable).into_response(Lang::En, wants_json, false)?
            };
            security::apply_headers(response.headers_mut(), local, "");
            return Ok(response);
        }
    };
    let db = app::database(&env)?;
    let ctx = Ctx::new(app, env, db, &req, None)?;
    if ctx.lang_chosen {
        // A signed-in client's choice is stored with the session lookup,
        // also on pages that ask D1 nothing else.
        if let Err(e) = ctx.session().await {
            worker::console_warn!("language choice not stored: {e:?}");
        }
    }
    let segments: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let emulator = ctx.app.config.psp_mode == PspMode::Emulator;
    if let Err(refused) = guard(&ctx, &req, &method, &segments, emulator) {
        let response = refused.into_response(ctx.lang, ctx.wants_json, emulator)?;
        return Ok(ctx.finish(response));
    }
    let req = &mut req;
    let kept = form_again::keep(&method, &segments, req);
    let result = route(&ctx, req, &method, &segments, emulator).await;
    let result = form_again::again(&ctx, kept, result).await;
    let response = match result {
        Ok(response) => response,
        Err(error) => error.into_response(ctx.lang, ctx.wants_json, emulator)?,
    };
    let response = ctx.finish(response);
    seal_after(ctx, runtime);
    Ok(response)
}

/// Seals, after the answer (`waitUntil`), the ledger entries this request
/// appended at the tail: the answer never waits for a seal. One that fails
/// is done by the next request's, the next `/ledger` read or the cron.
fn seal_after(ctx: Ctx, runtime: &Context) {
    if !ctx.seal_due.get() {
        return;
    }
    runtime.wait_until(async move {
        let deployment_id = ctx.app.deployment_id.clone();
        if let Err(e) = crate::core::flow::ledger::seal_all(&ctx, &deployment_id).await {
            worker::console_error!("ledger: sealing after the answer: {e:?}");
        }
    });
}

/// The route table: a page or API route of the site, else the emulator's
/// (in emulator mode only), else 404.
async fn route(
    ctx: &Ctx,
    req: &mut Request,
    method: &Method,
    segments: &[&str],
    #[cfg_attr(not(feature = "emulators"), allow(unused_variables))] emulator: bool,
) -> Result<Response, WebError> {
    match (method, segments) {
        (Method::Get, []) => browse::home(ctx).await,
        (Method::Get, ["market"]) => browse::market(ctx).await,
        (Method::Get, ["titles", isin]) => browse::title(ctx, isin).await,
        (Method::Get, ["history"]) => browse::history(ctx).await,
        (Method::Get, ["claims"]) => browse::claims(ctx).await,
        (Method::Get, ["isin"]) => browse::isin(ctx).await,
        (Method::Get, ["buy"]) => purchase::buy_get(ctx).await,
        (Method::Post, ["buy"]) => purchase::buy_post(ctx, req).await,
        (Method::Get, ["orders"]) => orders::orders_list(ctx).await,
        (Method::Get, ["orders", id]) => orders::order_detail(ctx, id).await,
        (Method::Post, ["orders", id, "cancel"]) => orders::order_cancel(ctx, req, id).await,
        (Method::Post, ["orders", id, "refund"]) => refund::order_refund(ctx, req, id).await,
        // Each provider's return, cancel and notification: /psp/{provider}/...
        // (an unknown provider falls through to 404, its body unread).
        (Method::Get, ["psp", "paypal", "return"]) => purchase::paypal_return(ctx).await,
        // A card provider's message: Sips' manual response comes back
        // through the buyer's browser (POST), its automatic response and
        // Monetico's notification server to server.
        (Method::Post, ["psp", provider @ ("sips" | "monetico"), "notify"]) => {
            ipn::card_notify(ctx, req, provider).await
        }
        (Method::Post, ["psp", "sips", "return"]) => ipn::sips_return(ctx, req).await,
        (Method::Get, ["psp", "monetico", "return"]) => ipn::card_back(ctx),
        (Method::Get, ["psp", "paypal", "cancel"]) => purchase::paypal_cancel(ctx).await,
        // `ipn` is the NOTIFYURL PayPal was given so far: it stays.
        (Method::Post, ["psp", "paypal", "notify" | "ipn"]) => ipn::paypal_ipn(ctx, req).await,
        (Method::Get, ["contact"]) => browse::contact(ctx),
        (Method::Get, ["docs"]) => browse::docs(ctx),
        (Method::Get, ["source"]) => browse::source(ctx),
        (Method::Get, ["sitemap.xml"]) => browse::sitemap(ctx).await,
        (Method::Get, ["robots.txt"]) => browse::robots(ctx),
        (Method::Get, ["healthz"]) => health::get(ctx).await,
        (Method::Get, ["ledger"]) => ledger::page(ctx).await,
        (Method::Get, ["ledger", "verify"]) => ledger::verify(ctx).await,
        (Method::Get, ["register"]) => account::register_get(ctx).await,
        (Method::Post, ["register"]) => account::register_post(ctx, req).await,
        (Method::Get, ["login"]) => account::login_get(ctx).await,
        (Method::Post, ["login"]) => account::login_post(ctx, req).await,
        (Method::Post, ["logout"]) => account::logout_post(ctx, req).await,
        (Method::Get, ["account"]) => account::account_get(ctx).await,
        (Method::Post, ["account"]) => account::account_post(ctx, req).await,
        (Method::Get, ["password-reset"]) => account::reset_get(ctx).await,
        (Method::Post, ["password-reset"]) => account::reset_post(ctx, req).await,
        (Method::Get, ["password-reset", token]) => account::reset_token_get(ctx, token).await,
        (Method::Post, ["password-reset", token]) => {
            account::reset_token_post(ctx, req, token).await
        }
        (Method::Get, ["terms"]) => account::terms(ctx),
        (_, ["api", "v1", ..]) => api::route(ctx, req, method, segments).await,
        (_, ["admin", ..]) => admin::route(ctx, req, method, segments).await,
        // The emulators exist in emulator mode only (and in a build with them).
        #[cfg(feature = "emulators")]
        (_, ["_emulator", ..]) if emulator => emulator_route(ctx, req, method, segments).await,
        _ => Err(WebError::NotFound),
    }
}

/// The built-in emulators' routes (`/_emulator/...`).
#[cfg(feature = "emulators")]
async fn emulator_route(
    ctx: &Ctx,
    req: &mut Request,
    method: &Method,
    segments: &[&str],
) -> Result<Response, WebError> {
    match (method, segments) {
        (Method::Get, ["_emulator", "paypal", "accounts"]) => emulator::accounts_get(ctx).await,
        (Method::Post, ["_emulator", "paypal", "accounts"]) => {
            emulator::accounts_post(ctx, req).await
        }
        (Method::Post, ["_emulator", "paypal", "nvp"]) => emulator::nvp_route(ctx, req).await,
        (Method::Get, ["_emulator", "paypal", "permissions"]) => {
            emulator::permissions_get(ctx).await
        }
        (Method::Post, ["_emulator", "paypal", "permissions"]) => {
            emulator::permissions_post(ctx, req).await
        }
        (Method::Get, ["_emulator", "paypal", "platform"]) => emulator::platform_get(ctx).await,
        (Method::Get, ["_emulator", "mail"]) => emulator::mail(ctx).await,
        (Method::Get, ["_emulator", "paypal", "checkout"]) => emulator::checkout_get(ctx).await,
        (Method::Post, ["_emulator", "paypal", "checkout"]) => {
            emulator::checkout_post(ctx, req).await
        }
        (Method::Get, ["_emulator", "paypal", "faults"]) => emulator::faults_get(ctx).await,
        (Method::Post, ["_emulator", "paypal", "faults"]) => emulator::faults_post(ctx, req).await,
        (Method::Delete, ["_emulator", "paypal", "faults"]) => emulator::faults_delete(ctx).await,
        (Method::Get, ["_emulator", "paypal", "ipn"]) => emulator::ipn_list(ctx).await,
        (Method::Post, ["_emulator", "paypal", "ipn", "deliver"]) => {
            crate::shell::ipn_delivery::deliver_route(ctx).await
        }
        (Method::Post, ["_emulator", "paypal", "ipn", "drop"]) => emulator::ipn_drop(ctx).await,
        (Method::Post, ["_emulator", "paypal", "ipn-verify"]) => {
            emulator::ipn_verify_route(ctx, req).await
        }
        (Method::Get, ["_emulator", "paypal", "transactions", id]) => {
            emulator::transaction_get(ctx, id).await
        }
        (Method::Post, ["_emulator", "paypal", "transactions", id, "complete"]) => {
            emulator::transaction_complete(ctx, id).await
        }
        (Method::Post, ["_emulator", "paypal", "transactions", id, "reverse"]) => {
            emulator::transaction_reverse(ctx, req, id).await
        }
        (Method::Get, ["_emulator", "clock"]) => emulator::clock_get(ctx).await,
        (Method::Post, ["_emulator", "clock"]) => emulator::clock_post(ctx, req).await,
        (_, ["_emulator", "sips", ..]) => emulator::sips::route(ctx, req, method, segments).await,
        (_, ["_emulator", "monetico", ..]) => {
            emulator::monetico::route(ctx, req, method, segments).await
        }
        _ => Err(WebError::NotFound),
    }
}

/// What every request passes before its route: a state-changing request
/// from another site is refused (403) whatever its route, except the
/// providers' server-to-server notifications (`/psp/{provider}/notify`, and
/// PayPal's `/psp/paypal/ipn`); `/_emulator/*` on a host that is not local is
/// hidden (404) unless the request carries `EMULATOR_TOKEN`.
fn guard(
    ctx: &Ctx,
    req: &Request,
    method: &Method,
    segments: &[&str],
    emulator: bool,
) -> Result<(), WebError> {
    let headers = req.headers();
    let safe = matches!(method, Method::Get | Method::Head | Method::Options);
    // Sips' manual response is the bank's form, auto-posted by the
    // buyer's browser from the bank's site: its seal, not its origin,
    // proves it.
    let notification = matches!(
        segments,
        ["psp", "paypal", "ipn"] | ["psp", _, "notify"] | ["psp", "sips", "return"]
    );
    // An API call with a Bearer key: the key, not a cookie, authenticates it.
    let bearer = api::bearer_api_call(segments, headers.get("Authorization")?.as_deref());
    if !safe && !notification && !bearer {
        let mut ours = vec![ctx.url.origin().to_string()];
        if let Some(base) = ctx.app.config.base_url.as_deref() {
            ours.push(base.to_string());
        }
        let site = headers.get("Sec-Fetch-Site")?;
        let origin = headers.get("Origin")?;
        if security::is_cross_site(site.as_deref(), origin.as_deref(), &ours) {
            return Err(WebError::Forbidden);
        }
    }
    if emulator && segments.first() == Some(&"_emulator") {
        let header = headers.get(security::EMULATOR_TOKEN_HEADER)?;
        let param = ctx.param(security::EMULATOR_TOKEN_PARAM);
        let gate = security::emulator_gate(
            ctx.is_localhost(),
            ctx.app.emulator_token.as_deref(),
            header.as_deref(),
            param.as_deref(),
            ctx.cookie(security::EMULATOR_COOKIE),
        );
        match gate {
            EmulatorGate::Open => {}
            EmulatorGate::OpenRememberToken => {
                if let Some(token) = ctx.app.emulator_token.as_deref() {
                    let value = security::emulator_cookie_value(token);
                    ctx.set_cookie(security::EMULATOR_COOKIE, &value, 86_400);
                }
            }
            EmulatorGate::Hidden => return Err(WebError::NotFound),
        }
    }
    Ok(())
}
