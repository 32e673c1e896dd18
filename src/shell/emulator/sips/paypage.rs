//! The emulated Sips Paypage over HTTP. `POST /_emulator/sips/paymentInit`
//! (the browser posts `Data`, `InterfaceVersion`, `Seal`, `SealAlgorithm`,
//! `Encode`, `keyVersion`) answers the card page, or Sips' error page with
//! its response code (`30`, `34`, `94`, a fault's), 400, nothing recorded
//! as a payment. `POST /_emulator/sips/card` (`token`, `card_number`,
//! `action=pay|refuse|cancel`) decides the payment, delivers the automatic
//! response in-process, and answers a page whose form posts the manual
//! response (`Data`, `Encode`, `InterfaceVersion`, `Seal`) to
//! `normalReturnUrl`: one button, submitted by the site's
//! `/static/autosubmit.js` when scripts run. `normalReturnUrl` is
//! followed to this deployment only (400 otherwise: no open redirect).

use askama::Template;
use serde_json::json;
use worker::{Request, Response};

use super::super::EmulatorFx;
use super::responses::deliver_now;
use crate::core::i18n::Lang;
use crate::core::money::format_cents;
use crate::core::psp::sips::emulator::serve::{self, CardOutcome, CardProblem, InitOutcome};
use crate::core::psp::sips::emulator::{
    card_lang, card_texts, response_fields, CardTexts, InitForm, InitRefusal,
};
use crate::core::sql::emulator::sips::{Merchant, Transaction};
use crate::shell::pages::Layout;
use crate::shell::security;
use crate::shell::web::{html, json_response, read_form, Ctx, WebError};

#[derive(Template)]
#[template(path = "emulator_sips_card.html")]
struct CardPage {
    layout: Layout,
    texts: &'static CardTexts,
    refusal_code: Option<String>,
    detail: String,
    found: bool,
    merchant: String,
    reference: String,
    amount: String,
    token: String,
    card_number: String,
    error: &'static str,
}

#[derive(Template)]
#[template(path = "emulator_sips_return.html")]
struct ReturnPage {
    layout: Layout,
    texts: &'static CardTexts,
    url: String,
    fields: Vec<(&'static str, String)>,
}

fn layout_in(ctx: &Ctx, lang: Lang) -> Result<Layout, WebError> {
    let mut layout = ctx.layout()?;
    layout.lang = lang;
    layout.t = lang.texts();
    Ok(layout)
}

/// The card page of `t` (or the not-found notice), with a message.
fn card_page(
    ctx: &Ctx,
    status: u16,
    t: Option<(&Transaction, &Merchant)>,
    card_number: &str,
    error: fn(&CardTexts) -> &'static str,
) -> Result<Response, WebError> {
    let lang = card_lang(
        t.and_then(|(t, _)| t.customer_language.as_deref()),
        ctx.lang,
    );
    let texts = card_texts(lang);
    let body = CardPage {
        layout: layout_in(ctx, lang)?,
        texts,
        refusal_code: None,
        detail: String::new(),
        found: t.is_some(),
        merchant: t.map_or(String::new(), |(_, m)| m.merchant_id.clone()),
        reference: t.map_or(String::new(), |(t, _)| t.transaction_reference.clone()),
        amount: t.map_or(String::new(), |(t, _)| amount_text(t, lang)),
        token: t.map_or(String::new(), |(t, _)| t.card_token.clone()),
        card_number: card_number.to_owned(),
        error: error(texts),
    }
    .render()?;
    html(status, body)
}

fn amount_text(t: &Transaction, lang: Lang) -> String {
    let currency = match t.currency_code.as_str() {
        "978" => "EUR",
        "840" => "USD",
        "826" => "GBP",
        "756" => "CHF",
        other => other,
    };
    format!("{} {currency}", format_cents(t.origin_cents, lang))
}

fn no_error(_: &CardTexts) -> &'static str {
    ""
}

/// Sips' error page for a refused `paymentInit` (400).
fn refusal_page(ctx: &Ctx, refusal: &InitRefusal) -> Result<Response, WebError> {
    let code = refusal.code.as_str().to_owned();
    if ctx.wants_json {
        return json_response(
            400,
            &json!({ "error": "refused", "response_code": code, "detail": refusal.detail }),
        );
    }
    let texts = card_texts(ctx.lang);
    let body = CardPage {
        layout: ctx.layout()?,
        texts,
        refusal_code: Some(code),
        detail: refusal.detail.clone(),
        found: false,
        merchant: String::new(),
        reference: String::new(),
        amount: String::new(),
        token: String::new(),
        card_number: String::new(),
        error: "",
    }
    .render()?;
    html(400, body)
}

/// `POST /_emulator/sips/paymentInit`.
pub(super) async fn payment_init(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    let posted = InitForm {
        data: form.get("Data"),
        seal: form.get("Seal"),
        interface_version: form.get("InterfaceVersion"),
        seal_algorithm: form.get("SealAlgorithm").trim(),
        encode: form.get("Encode").trim(),
        key_version: form.get("keyVersion"),
    };
    let fx = EmulatorFx(ctx);
    match serve::payment_init(&fx, &posted).await? {
        InitOutcome::CardPage(t) => {
            let merchant = serve::card_page(&fx, &t.card_token).await?;
            match &merchant {
                Some((t, m)) => card_page(ctx, 200, Some((t, m)), "", no_error),
                None => card_page(ctx, 404, None, "", no_error),
            }
        }
        InitOutcome::Refused(refusal) => refusal_page(ctx, &refusal),
        InitOutcome::Dropped => Ok(Response::empty()?.with_status(502)),
    }
}

/// `POST /_emulator/sips/card`: `token`, `card_number`, `action`.
pub(super) async fn card_post(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    let token = form.get("token").trim();
    let fx = EmulatorFx(ctx);
    // Refused before anything is decided: a buyer who cannot be sent back.
    if let Some((t, _)) = serve::card_page(&fx, token).await? {
        if !security::may_redirect_to(&t.normal_return_url, &ctx.url) {
            return Err(WebError::BadRequest);
        }
    }
    let card_number = form.get("card_number");
    match serve::submit_card(&fx, token, form.get("action"), card_number).await? {
        CardOutcome::NotFound => card_page(ctx, 404, None, "", no_error),
        CardOutcome::Invalid {
            transaction,
            merchant,
            problem,
        } => {
            let message = match problem {
                CardProblem::CardNumber => |t: &CardTexts| t.invalid_card,
                CardProblem::Action => |t: &CardTexts| t.unknown_action,
            };
            card_page(
                ctx,
                422,
                Some((&transaction, &merchant)),
                card_number,
                message,
            )
        }
        CardOutcome::Decided {
            transaction,
            data,
            seal,
            deliver,
        } => {
            deliver_now(ctx, &deliver).await?;
            return_page(ctx, &transaction, &data, &seal)
        }
    }
}

/// The page that posts the manual response to `normalReturnUrl`.
fn return_page(ctx: &Ctx, t: &Transaction, data: &str, seal: &str) -> Result<Response, WebError> {
    if !security::may_redirect_to(&t.normal_return_url, &ctx.url) {
        return Err(WebError::BadRequest);
    }
    let lang = card_lang(t.customer_language.as_deref(), ctx.lang);
    let fields = response_fields(data, seal)
        .into_iter()
        .map(|(name, value)| (name, value.to_owned()))
        .collect();
    let body = ReturnPage {
        layout: layout_in(ctx, lang)?,
        texts: card_texts(lang),
        url: t.normal_return_url.clone(),
        fields,
    }
    .render()?;
    html(200, body)
}
