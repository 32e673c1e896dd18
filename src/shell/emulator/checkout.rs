//! The emulated PayPal's checkout page, where the buyer approves a payment:
//! `GET, POST /_emulator/paypal/checkout?cmd=_express-checkout&token=`.
//! It shows the banner, the receiver and the amount in the buyer's language
//! (the checkout's LOCALECODE); paying with an emulated account's e-mail
//! records the approval only and sends the buyer to RETURNURL with `token`
//! and `PayerID`; cancelling sends them to CANCELURL with `token`. No CSRF
//! token: `/_emulator/*` takes none, but the router refuses cross-site
//! POSTs, and RETURNURL/CANCELURL are followed only to this deployment's
//! own origin (a 400 otherwise: the emulator is no open redirect). The
//! approval itself is `serve::checkout`.

use askama::Template;
use worker::{Request, Response};

use super::EmulatorFx;
use crate::core::psp::paypal::emulator::serve::{self, Approval};
use crate::core::psp::paypal::emulator::{self as rules, CheckoutTexts};
use crate::core::sql::emulator;
use crate::shell::pages::Layout;
use crate::shell::security;
use crate::shell::web::{html, read_form, url_encode, Ctx, WebError};

/// The emulated PayPal's checkout page, in the buyer's language.
#[derive(Template)]
#[template(path = "emulator_checkout.html")]
pub struct EmulatorCheckoutPage {
    pub layout: Layout,
    pub texts: &'static crate::core::psp::paypal::emulator::CheckoutTexts,
    /// False: unknown, paid or expired token (the 404 page).
    pub found: bool,
    pub receiver: String,
    /// Formatted for the buyer's language, with the currency.
    pub amount: String,
    /// What the buyer typed, kept on a refusal.
    pub email: String,
    pub error: &'static str,
    /// The form's target: this page with its token.
    pub action: String,
}

fn token_of(ctx: &Ctx) -> String {
    ctx.url
        .query_pairs()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default()
}

/// The page: the checkout (or the not-found notice), in the buyer's
/// language, with this status.
fn page(
    ctx: &Ctx,
    token: &str,
    checkout: Option<&emulator::Checkout>,
    email: &str,
    error: fn(&CheckoutTexts) -> &'static str,
    status: u16,
) -> Result<Response, WebError> {
    let lang = match checkout {
        Some(c) => rules::checkout_lang(c.locale_code.as_deref()),
        None => ctx.lang,
    };
    let texts = rules::checkout_texts(lang);
    let mut layout = ctx.layout()?;
    layout.lang = lang;
    layout.t = lang.texts();
    // Without a checkout the page says so and shows no amount.
    let amount_text = match checkout {
        Some(c) => format!(
            "{} {}",
            crate::core::money::format_cents(c.amount_cents, lang),
            c.currency
        ),
        None => String::new(),
    };
    let body = EmulatorCheckoutPage {
        layout,
        texts,
        found: checkout.is_some(),
        receiver: checkout
            .map(|c| c.receiver_email.clone())
            .unwrap_or_default(),
        amount: amount_text,
        email: email.to_owned(),
        error: error(texts),
        action: format!(
            "/_emulator/paypal/checkout?cmd=_express-checkout&token={}",
            url_encode(token)
        ),
    }
    .render()?;
    html(status, body)
}

fn no_error(_: &CheckoutTexts) -> &'static str {
    ""
}

/// A 302 to RETURNURL or CANCELURL, which anyone may have set through the
/// NVP endpoint: only to this deployment (see [`security::may_redirect_to`]).
fn found(ctx: &Ctx, status: u16, location: &str) -> Result<Response, WebError> {
    if !security::may_redirect_to(location, &ctx.url) {
        return Err(WebError::BadRequest);
    }
    let mut response = Response::empty()?.with_status(status);
    response.headers_mut().set("Location", location)?;
    Ok(response)
}

/// `GET /_emulator/paypal/checkout?cmd=_express-checkout&token=`: 200 with
/// the approval form; 404 for an unknown, paid or expired token.
pub async fn checkout_get(ctx: &Ctx) -> Result<Response, WebError> {
    let token = token_of(ctx);
    match serve::usable_checkout(&EmulatorFx(ctx), &token).await? {
        Some(checkout) => page(ctx, &token, Some(&checkout), "", no_error, 200),
        None => page(ctx, &token, None, "", no_error, 404),
    }
}

/// `POST /_emulator/paypal/checkout?…&token=` with `email` and
/// `action=pay|cancel`: 302 to RETURNURL + `token`, `PayerID` after an
/// approval; 302 to CANCELURL + `token` on cancel; 422 with the page for
/// an unknown e-mail (kept); 404 for an unknown, paid or expired token.
pub async fn checkout_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    let mut token = token_of(ctx);
    if token.is_empty() {
        token = form.get("token").trim().to_owned();
    }
    let fx = EmulatorFx(ctx);
    let Some(checkout) = serve::usable_checkout(&fx, &token).await? else {
        return page(ctx, &token, None, "", no_error, 404);
    };
    let email = form.get("email").trim().to_lowercase();
    // Refused before anything is recorded: an approval whose buyer cannot
    // be sent back is no approval.
    let target = match form.get("action") {
        "cancel" => &checkout.cancel_url,
        _ => &checkout.return_url,
    };
    if !security::may_redirect_to(target, &ctx.url) {
        return Err(WebError::BadRequest);
    }
    match form.get("action") {
        "cancel" => found(ctx, 302, &serve::cancel_location(&checkout)),
        "pay" | "" => match serve::approve(&fx, &checkout, &email).await? {
            Approval::Approved { location, .. } => found(ctx, 302, &location),
            Approval::UnknownEmail => page(
                ctx,
                &token,
                Some(&checkout),
                &email,
                |t| t.unknown_email,
                422,
            ),
            // Paid or expired between the two reads.
            Approval::Gone => page(ctx, &token, None, "", no_error, 404),
        },
        _ => page(
            ctx,
            &token,
            Some(&checkout),
            &email,
            |t| t.unknown_email,
            422,
        ),
    }
}
