//! The later life of a payment (`/_emulator/paypal/transactions/{id}`):
//! complete a Pending payment, reverse, refund, cancel a reversal. Every money
//! move is one guarded batch; balances never go negative (409 instead).

use serde_json::json;
use worker::{Request, Response};

use super::ipn::{deliver_ipn, event_ipn, QueuedIpn};
use super::{adopt_clock_offset, clock_offset_stmt, invalid, row_at};
use crate::core::money::Amount;
use crate::core::psp::paypal::emulator::{self as rules, Direction, LaterEvent};
use crate::core::psp::paypal::emulator_ipn::{self as ipn_options, IpnCharset};
use crate::core::psp::paypal::nvp::{PaymentStatus, PendingReason};
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

/// The IPN charset of transaction `id`'s receiver.
async fn ipn_charset(ctx: &Ctx, id: &str) -> Result<IpnCharset, WebError> {
    let results = ctx
        .run_emulator(&vec![ipn_options::charset_by_transaction(id)])
        .await?;
    Ok(IpnCharset::of(row_at(&results, 0)?))
}

async fn load_transaction(ctx: &Ctx, id: &str) -> Result<Option<emulator::Transaction>, WebError> {
    let results = ctx
        .run_emulator(&vec![emulator::transaction_by_id(id), clock_offset_stmt()])
        .await?;
    adopt_clock_offset(ctx, row_at(&results, 1)?);
    row_at(&results, 0)
}

/// `GET /_emulator/paypal/transactions/{id}`: one payment as JSON.
pub async fn transaction_get(ctx: &Ctx, id: &str) -> Result<Response, WebError> {
    match load_transaction(ctx, id).await? {
        Some(t) => json_response(200, &json!({ "transaction": transaction_json(&t) })),
        None => json_response(404, &json!({ "error": "not_found" })),
    }
}

/// What a later event did.
pub enum EventOutcome {
    /// Recorded: the transaction as it is now and the IPN queued for it.
    Done {
        transaction: Box<emulator::Transaction>,
        ipn: QueuedIpn,
    },
    NotFound,
    /// Not possible now: `status` (wrong state), `not_pending` or
    /// `insufficient_funds` (balances never go negative).
    Conflict(&'static str),
}

/// How many times an event is tried again after a concurrent change.
const EVENT_TRIES: usize = 3;

/// Completes a Pending payment (the seam for tests and the reconciler):
/// the payer pays the receiver now, the status becomes Completed and an
/// IPN with the same `txn_id` and `payment_status=Completed` is queued.
pub async fn complete_pending(ctx: &Ctx, id: &str) -> Result<EventOutcome, WebError> {
    apply_event(ctx, id, None, None).await
}

/// Applies a completion (`None`) or a later event to transaction `id`, in
/// one guarded batch.
async fn apply_event(
    ctx: &Ctx,
    id: &str,
    event: Option<LaterEvent>,
    amount: Option<Amount>,
) -> Result<EventOutcome, WebError> {
    for _ in 0..EVENT_TRIES {
        let Some(t) = load_transaction(ctx, id).await? else {
            return Ok(EventOutcome::NotFound);
        };
        let effect = event.map(|e| rules::event_effect(&t, e, amount));
        let conflict = match (event, &effect) {
            (Some(event), Some(effect)) => rules::later_event_conflict(&t, event, effect),
            (None, _) | (_, None) => rules::completion_conflict(&t),
        };
        if let Some(conflict) = conflict {
            return Ok(EventOutcome::Conflict(conflict));
        }
        let now = ctx.now();
        let moved = effect.as_ref().map_or(t.amount_cents, |e| e.moved_cents);
        let refunded = effect
            .as_ref()
            .map_or(t.refunded_cents, |e| e.refunded_cents);
        let charset = ipn_charset(ctx, &t.id).await?;
        let ipn = event_ipn(&t, event, moved, charset, now)?;
        let (to, reason_code, direction) = match (event, &effect) {
            (Some(event), Some(effect)) => (
                effect.status.as_str().to_owned(),
                event.reason_code(),
                event.direction(),
            ),
            (None, _) | (_, None) => (
                PaymentStatus::Completed.as_str().to_owned(),
                PendingReason::None.as_str(),
                Direction::ToReceiver,
            ),
        };
        let (giver, taker) = match direction {
            Direction::ToReceiver => (t.payer_account_id, t.receiver_account_id),
            Direction::ToPayer => (t.receiver_account_id, t.payer_account_id),
        };
        let now_text = now.to_string();
        let (batch, ipn_at) = emulator::record_event(&emulator::EventRecord {
            transaction_id: &t.id,
            from_status: &t.status,
            to_status: &to,
            reason_code,
            settled: direction == Direction::ToReceiver,
            giver_account_id: giver,
            taker_account_id: taker,
            amount_cents: moved,
            refunded_cents: (t.refunded_cents, refunded),
            now: &now_text,
            ipn: ipn.row(),
        });
        match ctx.run_emulator(&batch).await {
            Ok(results) => {
                let queued = ipn.queued(&results, ipn_at)?;
                deliver_ipn(ctx, &queued).await?;
                let transaction: emulator::Transaction = row_at(&results, ipn_at + 1)?
                    .ok_or_else(|| WebError::Internal("transaction vanished".into()))?;
                return Ok(EventOutcome::Done {
                    transaction: Box::new(transaction),
                    ipn: queued,
                });
            }
            Err(WebError::Db(error)) => {
                worker::console_log!("emulator: event batch refused, looking again: {error}");
            }
            Err(other) => return Err(other),
        }
    }
    Err(WebError::Internal("transaction kept changing".into()))
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
    event_response(apply_event(ctx, id, Some(event), amount).await?)
}
