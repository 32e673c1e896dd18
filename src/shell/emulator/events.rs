//! The later life of a payment over HTTP (`/_emulator/paypal/transactions/{id}`):
//! complete a Pending payment, reverse, refund, cancel a reversal. The work
//! (one guarded batch per money move, balances never negative: 409
//! instead) is `serve::events`.

use serde_json::json;
use worker::{Request, Response};

use super::invalid;
use super::EmulatorFx;
use crate::core::psp::paypal::emulator::serve::{self, EventOutcome, QueuedIpn};
use crate::core::psp::paypal::emulator::{self as rules, LaterEvent};
use crate::core::sql::emulator;
use crate::shell::web::{json_response, read_form, Ctx, WebError};

fn transaction_json(t: &emulator::Transaction) -> serde_json::Value {
    json!({
        "id": t.id,
        "token": t.token,
        "status": t.status,
        "pending_reason": t.pending_reason,
        "reason_code": t.reason_code,
        "amount": rules::plain(t.amount_cents),
        "refunded": rules::plain(t.refunded_cents),
        "currency": t.currency,
        "invnum": t.invnum,
        "payer_email": t.payer_email,
        "receiver_email": t.receiver_email,
        "order_time": t.order_time,
    })
}

fn ipn_json(ipn: &QueuedIpn) -> serde_json::Value {
    json!({
        "id": ipn.id,
        "txn_id": ipn.txn_id,
        "payment_status": ipn.payment_status,
        "notify_url": ipn.notify_url,
        "body": ipn.body,
    })
}

/// `GET /_emulator/paypal/transactions/{id}`: one payment as JSON.
pub async fn transaction_get(ctx: &Ctx, id: &str) -> Result<Response, WebError> {
    match serve::load_transaction(&EmulatorFx(ctx), id).await? {
        Some(t) => json_response(200, &json!({ "transaction": transaction_json(&t) })),
        None => json_response(404, &json!({ "error": "not_found" })),
    }
}

/// Completes a Pending payment (the seam for tests and the reconciler):
/// see `serve::complete_pending`.
pub async fn complete_pending(ctx: &Ctx, id: &str) -> Result<EventOutcome, WebError> {
    Ok(serve::complete_pending(&EmulatorFx(ctx), id).await?)
}

fn event_response(outcome: EventOutcome) -> Result<Response, WebError> {
    match outcome {
        EventOutcome::Done { transaction, ipn } => json_response(
            200,
            &json!({ "transaction": transaction_json(&transaction), "ipn": ipn_json(&ipn) }),
        ),
        EventOutcome::NotFound => json_response(404, &json!({ "error": "not_found" })),
        EventOutcome::Conflict(reason) => {
            json_response(409, &json!({ "error": "conflict", "reason": reason }))
        }
    }
}

/// `POST /_emulator/paypal/transactions/{id}/complete`: a Pending payment
/// completes (money moves, IPN Completed). 409 when not pending or the
/// payer lacks the amount.
pub async fn transaction_complete(ctx: &Ctx, id: &str) -> Result<Response, WebError> {
    event_response(complete_pending(ctx, id).await?)
}

/// `POST /_emulator/paypal/transactions/{id}/reverse` with
/// `status=Reversed|Refunded|Canceled_Reversal`: the money goes back to the
/// payer (or, for Canceled_Reversal, to the receiver again) and the event's
/// IPN is queued. With `status=Refunded`, `amount=` refunds part of the
/// payment: PayPal then says `Partially-Refunded` until all of it is
/// refunded, and the IPN's `mc_gross` is minus the part. 422 for another
/// status or a bad amount, 409 when the payment is not in a state for it,
/// the amount exceeds what is left to refund, or the giver lacks it.
pub async fn transaction_reverse(
    ctx: &Ctx,
    req: &mut Request,
    id: &str,
) -> Result<Response, WebError> {
    let form = read_form(req).await?;
    let Some(event) = LaterEvent::parse(form.get("status")) else {
        return invalid("status");
    };
    // `amount=` (PayPal's format, `0.01`): a partial refund; refunds only.
    let amount = match (form.get("amount").trim(), event) {
        ("", _) => None,
        (text, LaterEvent::Refunded) => match rules::parse_paypal_amount(text) {
            Some(amount) => Some(amount),
            None => return invalid("amount"),
        },
        (_, LaterEvent::Reversed | LaterEvent::CanceledReversal) => return invalid("amount"),
    };
    event_response(serve::apply_event(&EmulatorFx(ctx), id, Some(event), amount).await?)
}
