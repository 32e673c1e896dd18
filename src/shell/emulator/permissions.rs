//! The emulator's third-party permissions: `GET|POST
//! /_emulator/paypal/permissions` (an account grants or revokes scopes to
//! another account's API username; `email`, `api_username`,
//! `action=grant|revoke`, optional `scopes`, all by default) and
//! `GET /_emulator/paypal/platform` (JSON: the platform's API username,
//! which sellers grant permissions to).

use askama::Template;
use serde_json::json;
use worker::{Request, Response};

use super::{query, EmulatorFx};
use crate::core::i18n::PermissionTexts;
use crate::core::psp::paypal::emulator::scopes_named;
use crate::core::psp::paypal::emulator::serve::{self, GrantAction, Granted};
use crate::core::psp::paypal::permission::Scope;
use crate::shell::pages::Layout;
use crate::shell::web::{html, json_response, read_form, Ctx, WebError};

#[derive(Template)]
#[template(path = "emulator_permissions.html")]
struct PermissionsPage {
    layout: Layout,
    pt: &'static PermissionTexts,
    email: String,
    api_username: String,
    grants: Vec<Granted>,
    scopes: Vec<(&'static str, &'static str)>,
    error: &'static str,
}

fn platform_username(ctx: &Ctx) -> String {
    ctx.app
        .paypal_platform
        .as_ref()
        .map(|c| c.username.clone())
        .unwrap_or_default()
}

fn page(
    ctx: &Ctx,
    status: u16,
    email: String,
    grants: Vec<Granted>,
    error: &'static str,
) -> Result<Response, WebError> {
    let pt = ctx.lang.permission();
    let view = PermissionsPage {
        layout: ctx.layout()?,
        pt,
        email,
        api_username: platform_username(ctx),
        grants,
        scopes: Scope::ALL
            .iter()
            .map(|s| (s.as_str(), pt.scope(*s)))
            .collect(),
        error,
    };
    html(status, view.render()?)
}

fn answer(ctx: &Ctx, email: String, grants: Option<Vec<Granted>>) -> Result<Response, WebError> {
    match grants {
        None if ctx.wants_json => json_response(404, &json!({ "error": "not_found" })),
        None => page(
            ctx,
            404,
            email,
            Vec::new(),
            ctx.lang.permission().emulator_unknown_account,
        ),
        Some(grants) if ctx.wants_json => {
            json_response(200, &json!({ "email": email, "grants": grants }))
        }
        Some(grants) => page(ctx, 200, email, grants, ""),
    }
}

/// `GET /_emulator/paypal/permissions[?email=]`.
pub async fn permissions_get(ctx: &Ctx) -> Result<Response, WebError> {
    let Some(email) = query(ctx, "email").map(|e| e.to_lowercase()) else {
        return page(ctx, 200, String::new(), Vec::new(), "");
    };
    let grants = serve::permissions_of(&EmulatorFx(ctx), &email).await?;
    answer(ctx, email, grants)
}

/// `POST /_emulator/paypal/permissions`.
pub async fn permissions_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    let email = form.get("email").trim().to_lowercase();
    let api_username = match form.get("api_username").trim() {
        "" => platform_username(ctx),
        name => name.to_string(),
    };
    let Some(action) = GrantAction::parse(form.get("action")) else {
        return invalid(ctx, email, "action");
    };
    let scopes = match scopes_named(&form.all("scopes").join(",")) {
        Ok(scopes) => scopes,
        Err(_) => return invalid(ctx, email, "scopes"),
    };
    if api_username.is_empty() {
        return invalid(ctx, email, "api_username");
    }
    let grants =
        serve::set_permissions(&EmulatorFx(ctx), &email, &api_username, action, &scopes).await?;
    answer(ctx, email, grants)
}

fn invalid(ctx: &Ctx, email: String, field: &'static str) -> Result<Response, WebError> {
    if ctx.wants_json {
        return json_response(422, &json!({ "error": "invalid", "field": field }));
    }
    page(ctx, 422, email, Vec::new(), field)
}

/// `GET /_emulator/paypal/platform`: the platform's API username (none
/// when PayPal is called with the sellers' own credentials).
pub async fn platform_get(ctx: &Ctx) -> Result<Response, WebError> {
    let username = ctx.app.paypal_platform.as_ref().map(|c| c.username.clone());
    json_response(
        200,
        &json!({
            "api_username": username,
            "seller_auth": match ctx.app.config.paypal_seller_auth {
                crate::core::config::SellerAuth::Credentials => "credentials",
                crate::core::config::SellerAuth::Permission => "permission",
            },
        }),
    )
}
