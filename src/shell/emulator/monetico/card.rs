//! `paiement.cgi` and the card page over HTTP: the buyer's browser posts
//! the merchant's sealed form (a refused form gets the error page, 400,
//! and nothing is recorded; return URLs outside this deployment are
//! refused: the emulator is no open redirect); the card page (amount,
//! merchant, card number, pay / refuse / cancel) decides, the notification
//! goes to the platform in process, and the browser is sent back (303) to
//! `url_retour_ok` or `url_retour_err`. The work is `serve::paiement`.

use askama::Template;
use worker::{Request, Response};

use super::Platform;
use crate::core::money::{format_cents, Currency};
use crate::core::psp::monetico::emulator::card::{
    card_digits, card_texts, page_lang, valid_card_number, CardAction, CardTexts,
};
use crate::core::psp::monetico::emulator::serve::{self, Buyer, Decided, Posted};
use crate::core::sql::emulator::monetico::{Merchant, Payment};
use crate::shell::emulator::EmulatorFx;
use crate::shell::pages::Layout;
use crate::shell::security;
use crate::shell::web::{html, read_form, see_other, url_encode, Ctx, WebError};

/// The emulated bank's card page (or its error page), in the buyer's
/// language (`lgue`).
#[derive(Template)]
#[template(path = "emulator_monetico_card.html")]
pub struct MoneticoCardPage {
    pub layout: Layout,
    pub texts: &'static CardTexts,
    /// False: the error page, saying `message`.
    pub found: bool,
    pub message: String,
    pub merchant: String,
    pub reference: String,
    pub amount: String,
    pub error: &'static str,
    pub action: String,
}

fn layout_in(ctx: &Ctx, lang: crate::core::i18n::Lang) -> Result<Layout, WebError> {
    let mut layout = ctx.layout()?;
    layout.lang = lang;
    layout.t = lang.texts();
    Ok(layout)
}

/// The error page: `message` under the page's heading.
fn error_page(ctx: &Ctx, status: u16, message: String) -> Result<Response, WebError> {
    let page = MoneticoCardPage {
        layout: ctx.layout()?,
        texts: card_texts(ctx.lang),
        found: false,
        message,
        merchant: String::new(),
        reference: String::new(),
        amount: String::new(),
        error: "",
        action: String::new(),
    };
    html(status, page.render()?)
}

/// The card page of a pending payment.
fn card_page(
    ctx: &Ctx,
    (payment, merchant): (&Payment, &Merchant),
    error: fn(&CardTexts) -> &'static str,
    status: u16,
) -> Result<Response, WebError> {
    let lang = page_lang(&payment.lgue);
    let texts = card_texts(lang);
    let currency = Currency::parse(&payment.currency).map_or("", |_| payment.currency.as_str());
    let page = MoneticoCardPage {
        layout: layout_in(ctx, lang)?,
        texts,
        found: true,
        message: String::new(),
        merchant: format!("{} (TPE {})", merchant.societe, merchant.tpe),
        reference: payment.reference.clone(),
        amount: format!("{} {currency}", format_cents(payment.amount_cents, lang)),
        error: error(texts),
        action: format!("/_emulator/monetico/card/{}", url_encode(&payment.token)),
    };
    html(status, page.render()?)
}

fn no_error(_: &CardTexts) -> &'static str {
    ""
}

/// `POST /_emulator/monetico/[test/]paiement.cgi`: the merchant's sealed
/// form, as the buyer's browser posts it. 200 with the card page; 400 with
/// the error page when the form is refused (nothing recorded).
pub async fn paiement(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let body = crate::shell::body::read_capped(req).await?;
    let may_return = |url: &str| security::may_redirect_to(url, &ctx.url);
    match serve::post_paiement(&EmulatorFx(ctx), &body, &may_return).await? {
        Posted::Accepted { payment, merchant } => {
            card_page(ctx, (&payment, &merchant), no_error, 200)
        }
        Posted::Refused(error) => {
            let texts = card_texts(ctx.lang);
            error_page(
                ctx,
                400,
                format!("{} {}", texts.refused_form, error.describe(ctx.lang)),
            )
        }
    }
}

/// `GET /_emulator/monetico/card/{token}`: the card page again (a
/// reload); 404 once decided.
pub async fn card_get(ctx: &Ctx, token: &str) -> Result<Response, WebError> {
    match serve::pending_payment(&EmulatorFx(ctx), token).await? {
        Some((payment, merchant)) => card_page(ctx, (&payment, &merchant), no_error, 200),
        None => error_page(ctx, 404, card_texts(ctx.lang).not_found.to_string()),
    }
}

/// `POST /_emulator/monetico/card/{token}` with `action=pay|refuse|cancel`
/// and, to pay, a `card_number`: decides, delivers the notification in
/// process, and sends the buyer back (303). 422 with the page for a card
/// number that is not one; 404 for an unknown or decided payment.
pub async fn card_post(ctx: &Ctx, req: &mut Request, token: &str) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    let fx = EmulatorFx(ctx);
    let Some((payment, merchant)) = serve::pending_payment(&fx, token).await? else {
        return error_page(ctx, 404, card_texts(ctx.lang).not_found.to_string());
    };
    let typed = form.get("card_number");
    let Some(action) = CardAction::parse(form.get("action")) else {
        return Err(WebError::BadRequest);
    };
    let card = match action {
        CardAction::Pay if !valid_card_number(typed) => {
            return card_page(ctx, (&payment, &merchant), |t| t.bad_card, 422);
        }
        CardAction::Pay | CardAction::Refuse => card_digits(typed),
        CardAction::Cancel => String::new(),
    };
    let buyer = Buyer {
        card: &card,
        ip: &ctx.client_ip,
    };
    let Decided::Done {
        location,
        browser_lost,
        notification,
        deliver_now,
        ..
    } = serve::decide(&fx, token, action, buyer).await?
    else {
        return error_page(ctx, 404, card_texts(ctx.lang).not_found.to_string());
    };
    if let (Some(notification), true) = (notification, deliver_now) {
        // The buyer goes back whatever the platform answered: an
        // unacknowledged notification is delivered again by the cron.
        if let Err(error) = serve::deliver(&fx, &notification, &Platform(ctx)).await {
            worker::console_error!("monetico emulator: delivery: {error:?}");
        }
    }
    if browser_lost {
        let texts = card_texts(page_lang(&payment.lgue));
        return error_page(ctx, 502, texts.lost_return.to_string());
    }
    if !security::may_redirect_to(&location, &ctx.url) {
        return Err(WebError::BadRequest);
    }
    see_other(&location)
}
