//! The providers' messages over HTTP: PayPal's IPN listener (`POST
//! /psp/paypal/ipn` and `/psp/paypal/notify`), the card providers'
//! server-to-server messages (`POST /psp/{sips,monetico}/notify`), Sips'
//! manual response through the buyer's browser (`POST /psp/sips/return`)
//! and Monetico's return links. Bodies are read at most `MAX_BODY_BYTES`
//! (413 beyond); recording, verifying and acting on a message is the
//! flow's (`core::psp::receive_notification`, `core::flow::card`).

use worker::{Request, Response};

use crate::core::flow::card;
use crate::core::psp::notice::Answer;
use crate::core::psp::{self, ProviderId};
use crate::shell::body::read_capped;
use crate::shell::effects::site;
use crate::shell::web::{see_other, Ctx, WebError};

pub async fn paypal_ipn(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let bytes = read_capped(req).await?;
    let base = ctx.base_url();
    let (answer, outcome) =
        psp::receive_notification(ctx, &site(ctx, &base), ProviderId::Paypal, &bytes).await;
    worker::console_log!("ipn: {outcome}");
    Ok(Response::empty()?.with_status(answer.http_status()))
}

/// `POST /psp/{sips,monetico}/notify`: answered as the provider expects
/// (Monetico: `version=2` and `cdr`; Sips: the status alone).
pub async fn card_notify(
    ctx: &Ctx,
    req: &mut Request,
    provider: &str,
) -> Result<Response, WebError> {
    let provider = ProviderId::parse(provider).ok_or(WebError::NotFound)?;
    let bytes = read_capped(req).await?;
    let base = ctx.base_url();
    let (answer, outcome) =
        psp::receive_notification(ctx, &site(ctx, &base), provider, &bytes).await;
    worker::console_log!("{} notification: {outcome}", provider.as_str());
    let reply = psp::reply(provider, answer);
    let mut response = Response::ok(reply.body)?.with_status(reply.status);
    response
        .headers_mut()
        .set("Content-Type", reply.content_type)?;
    Ok(response)
}

/// `POST /psp/sips/return`: Sips' manual response, posted by the buyer's
/// browser. Handled as the automatic one (whichever comes first acts; the
/// other changes nothing), then the buyer is shown his order.
pub async fn sips_return(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let bytes = read_capped(req).await?;
    let base = ctx.base_url();
    let received = card::receive(ctx, &site(ctx, &base), ProviderId::Sips, &bytes).await;
    worker::console_log!("sips manual response: {}", received.log);
    match (received.answer, received.order_id) {
        (Answer::SendAgain, _) => Err(WebError::Internal(received.log)),
        (Answer::Acknowledge, Some(id)) => see_other(&format!("/orders/{id}")),
        (Answer::Reject, _) | (Answer::Acknowledge, None) => Err(WebError::BadRequest),
    }
}

/// `GET /psp/monetico/return?order=`: the bank sends the buyer back (its
/// `url_retour_ok` or `_err`); the notification decides, so the buyer is
/// only shown his order.
pub fn card_back(ctx: &Ctx) -> Result<Response, WebError> {
    let order = ctx.param("order").unwrap_or_default();
    let well_formed =
        !order.is_empty() && order.len() <= 40 && order.bytes().all(|b| b.is_ascii_alphanumeric());
    if !well_formed {
        return Err(WebError::NotFound);
    }
    see_other(&format!("/orders/{order}"))
}
