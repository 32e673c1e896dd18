//! `POST /psp/paypal/ipn`: PayPal's Instant Payment Notifications. The raw
//! body is read once and posted back verbatim (`cmd=_notify-validate&` +
//! the same bytes) to PayPal, in-process to the emulator in emulator mode;
//! only `VERIFIED` is believed. A verified message is recorded once
//! (txn_id + payment_status), checked against its order, then acted on:
//! a completion is settled by asking PayPal, as the reconciler does; a
//! reversal or refund charges the trade back; a canceled reversal puts it
//! back. The answer is 200 for every message, also those ignored, so that
//! PayPal stops resending; failures are logged, never acted on.

use worker::{Fetch, Headers, Method, Request, RequestInit, Response};

use crate::core::chargeback::{self, TradeState};
use crate::core::config::NvpEndpoint;
use crate::core::psp::paypal::ipn::{self, Event, Notification};
use crate::core::purchase::{self, OrderState, PaymentAnswer};
use crate::core::reconcile::{self, Inquiry};
use crate::core::sql::{self, Param, Stmt};
use crate::shell::settle;
use crate::shell::web::{Ctx, WebError, MAX_BODY_BYTES};

pub async fn paypal_ipn(ctx: &Ctx, req: &mut Request) -> Result<Response, WebError> {
    let bytes = req.bytes().await?;
    if bytes.len() > MAX_BODY_BYTES {
        return Err(WebError::PayloadTooLarge);
    }
    // The exact bytes go back to PayPal; a body that is not text cannot be
    // one of PayPal's (they are ASCII after URL encoding).
    let Ok(body) = String::from_utf8(bytes) else {
        worker::console_warn!("ipn: body is not text; ignored");
        return Ok(Response::empty()?.with_status(200));
    };
    let outcome = receive(ctx, &body).await;
    worker::console_log!("ipn: {outcome}");
    Ok(Response::empty()?.with_status(200))
}

/// Handles one notification body; returns what was done (for logs).
pub async fn receive(ctx: &Ctx, body: &str) -> String {
    match verify(ctx, body).await {
        Ok(true) => {}
        Ok(false) => return "not verified by PayPal: ignored".into(),
        Err(e) => return format!("verification failed ({e}): ignored"),
    }
    let notification = match ipn::parse(body) {
        Ok(n) => n,
        Err(e) => return format!("unreadable ({e:?}): ignored"),
    };
    match act(ctx, body, &notification).await {
        Ok(outcome) => outcome,
        Err(e) => format!(
            "{} {}: {e:?}",
            notification.txn_id, notification.payment_status_text
        ),
    }
}

/// The postback: only PayPal's own `VERIFIED` makes a message believable.
async fn verify(ctx: &Ctx, body: &str) -> Result<bool, String> {
    match (
        &ctx.app.config.paypal_nvp,
        &ctx.app.config.paypal_ipn_verify_url,
    ) {
        (NvpEndpoint::InProcess, None) => {
            Ok(crate::shell::emulator::verify_ipn(ctx, body).await == "VERIFIED")
        }
        (_, Some(url)) => {
            let headers = Headers::new();
            headers
                .set("Content-Type", "application/x-www-form-urlencoded")
                .map_err(|e| e.to_string())?;
            let mut init = RequestInit::new();
            init.with_method(Method::Post)
                .with_headers(headers)
                .with_body(Some(ipn::postback_body(body).into()));
            let request = Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
            let mut response = Fetch::Request(request)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let text = response.text().await.map_err(|e| e.to_string())?;
            Ok(text.trim() == "VERIFIED")
        }
        (NvpEndpoint::Url(_), None) => Err("no PAYPAL_IPN_VERIFY_URL".into()),
    }
}

fn record_once(n: &Notification, order_id: Option<&str>, body: &str, now: &str) -> Stmt {
    Stmt::new(
        "INSERT INTO psp_notifications (psp, txn_id, payment_status, order_id, received_at, body, outcome) \
         SELECT 'paypal', ?1, ?2, (SELECT id FROM orders WHERE id = ?3), ?4, ?5, 'received' \
         ON CONFLICT (psp, txn_id, payment_status) DO NOTHING",
        vec![
            Param::from(n.txn_id.as_str()),
            Param::from(n.payment_status_text.as_str()),
            Param::from(order_id),
            Param::from(now),
            Param::from(body),
        ],
    )
}

fn set_outcome(n: &Notification, outcome: &str) -> Stmt {
    Stmt::new(
        "UPDATE psp_notifications SET outcome = ?3 WHERE psp = 'paypal' AND txn_id = ?1 AND payment_status = ?2",
        vec![Param::from(n.txn_id.as_str()), Param::from(n.payment_status_text.as_str()), Param::from(outcome)],
    )
}

async fn act(ctx: &Ctx, body: &str, n: &Notification) -> Result<String, WebError> {
    let now = ctx.now().to_string();
    let order_id = n
        .invoice
        .as_deref()
        .and_then(|i| ipn::order_id_from_invoice(i, &ctx.app.deployment_id));
    // The related order or trade is read in the same round trip.
    let lookup = match ipn::event(n) {
        Event::Completed => purchase::order_by_id(order_id.unwrap_or("")),
        Event::Reversed | Event::CanceledReversal | Event::Other => {
            chargeback::trade_by_transaction(n.parent_txn_id.as_deref().unwrap_or(&n.txn_id))
        }
    };
    let results = ctx
        .run(&vec![record_once(n, order_id, body, &now), lookup])
        .await?;
    if results.first().is_none_or(|r| r.changes == 0) {
        return Ok(format!(
            "{} {}: duplicate, counted once",
            n.txn_id, n.payment_status_text
        ));
    }
    let related = results.get(1);
    let outcome = match ipn::event(n) {
        Event::Completed => {
            let order: Option<OrderState> = related.and_then(|r| sql::first(r).ok().flatten());
            completed(ctx, n, order).await?
        }
        Event::Reversed => {
            let trade: Option<TradeState> = related.and_then(|r| sql::first(r).ok().flatten());
            reversed(ctx, n, trade, &now).await?
        }
        Event::CanceledReversal => {
            let trade: Option<TradeState> = related.and_then(|r| sql::first(r).ok().flatten());
            canceled_reversal(ctx, trade, &now).await?
        }
        Event::Other => "ignored".to_string(),
    };
    ctx.run(&vec![set_outcome(n, &outcome)]).await?;
    Ok(format!("{} {}: {outcome}", n.txn_id, n.payment_status_text))
}

/// A completion (typically after Pending): checked against the order, then
/// settled by asking PayPal, so that it is recorded exactly as the return
/// path and the reconciler record it.
async fn completed(
    ctx: &Ctx,
    n: &Notification,
    order: Option<OrderState>,
) -> Result<String, WebError> {
    let Some(order) = order else {
        return Ok("no such order: ignored".into());
    };
    if !ipn::matches_order(n, order.amount_cents, &order.currency, None) {
        worker::console_warn!(
            "ipn: {} does not match order {}: ignored",
            n.txn_id,
            order.id
        );
        return Ok("amount or currency mismatch: ignored".into());
    }
    // The notification names the transaction: PayPal is asked about it
    // directly (GetTransactionDetails), which works after the checkout's
    // token has expired too.
    let named = OrderState {
        psp_transaction_id: Some(n.txn_id.clone()),
        ..order.clone()
    };
    match order.code {
        0 => {
            let changed = settle::settle(ctx, &named, false).await?;
            Ok(if changed {
                "settled".into()
            } else {
                "nothing to change yet".into()
            })
        }
        -2 if order.psp_transaction_id.is_none() => {
            // Failed as unpaid, yet PayPal completed a payment for it: put it
            // back for review rather than lose it.
            let (inquiry, traces) = settle::inquire(ctx, &named).await?;
            let paid = matches!(inquiry, Inquiry::Payment(PaymentAnswer::Completed { .. }));
            if !paid {
                ctx.run(&traces).await?;
                return Ok("failed order: PayPal has no completed payment for it".into());
            }
            let mut batch =
                reconcile::reopen_for_review(&order.id, &n.txn_id, &ctx.now().to_string());
            batch.extend(traces);
            match ctx.run(&batch).await {
                Ok(_) => Ok("failed order paid at PayPal: put back for review".into()),
                Err(WebError::Db(e)) if e.guard().is_some() => Ok("already put back".into()),
                Err(e) => Err(e),
            }
        }
        _ => Ok("order already final".into()),
    }
}

async fn reversed(
    ctx: &Ctx,
    n: &Notification,
    trade: Option<TradeState>,
    now: &str,
) -> Result<String, WebError> {
    let Some(trade) = trade else {
        return Ok("no trade for parent_txn_id: ignored".into());
    };
    if trade.status != "processed" {
        return Ok("already charged back".into());
    }
    let receiver_ok = match (&trade.psp_receiver_id, &n.receiver_id) {
        (Some(expected), Some(sent)) => expected == sent,
        (Some(_), None) | (None, _) => true,
    };
    let currency_ok = n.currency.as_deref() == Some(trade.currency.as_str());
    if !receiver_ok || !currency_ok {
        worker::console_warn!(
            "ipn: reversal {} does not match trade {}: ignored",
            n.txn_id,
            trade.trade_id
        );
        return Ok("receiver or currency mismatch: ignored".into());
    }
    let local = ctx.mail_is_local();
    match ctx.run(&chargeback::undo(&trade, now, local)).await {
        Ok(_) => Ok("chargeback: trade undone".into()),
        Err(WebError::Db(e)) if e.guard().is_some() => {
            ctx.run(&chargeback::dispute(&trade, now, local)).await?;
            Ok("chargeback: titles disputed".into())
        }
        Err(e) => Err(e),
    }
}

async fn canceled_reversal(
    ctx: &Ctx,
    trade: Option<TradeState>,
    now: &str,
) -> Result<String, WebError> {
    let Some(trade) = trade else {
        return Ok("no trade for parent_txn_id: ignored".into());
    };
    if trade.status != "chargeback" {
        return Ok("no chargeback to cancel".into());
    }
    if trade.reversal.as_deref() == Some("undone") {
        match ctx.run(&chargeback::reapply(&trade, now)).await {
            Ok(_) => return Ok("reversal canceled: trade re-applied".into()),
            Err(WebError::Db(e)) if e.guard().is_some() => {}
            Err(e) => return Err(e),
        }
    }
    ctx.run(&chargeback::reinstate_flagged(&trade, now)).await?;
    Ok("reversal canceled: titles flagged".into())
}

/// Emulator mode: delivers the IPNs the emulator queued to this listener,
/// in-process (a deployed Worker cannot fetch itself). Like PayPal's, the
/// delivery is asynchronous: the cron does it on every run, and
/// `POST /_emulator/paypal/ipn/deliver` does it at once. Returns how many
/// were delivered.
pub async fn deliver_emulator_ipns(ctx: &Ctx) -> Result<usize, WebError> {
    let queued = crate::shell::emulator::queued_ipns(ctx, 50).await?;
    let mut delivered = 0;
    // Only notifications addressed to a PayBook listener are queued for
    // ours (`queued_ipns` selects them); others stay listed, undelivered.
    for message in &queued {
        let outcome = receive(ctx, &message.body).await;
        worker::console_log!("emulator IPN {} delivered: {outcome}", message.id);
        crate::shell::emulator::record_ipn_delivery(ctx, message.id, 200).await?;
        delivered += 1;
    }
    Ok(delivered)
}

/// `POST /_emulator/paypal/ipn/deliver`.
pub async fn deliver_route(ctx: &Ctx) -> Result<Response, WebError> {
    let delivered = deliver_emulator_ipns(ctx).await?;
    crate::shell::web::json_response(200, &serde_json::json!({ "delivered": delivered }))
}
