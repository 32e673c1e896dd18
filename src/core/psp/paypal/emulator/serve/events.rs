//! The later life of a payment: a Pending payment completes, or a payment
//! is reversed, refunded (in full or in part) or its reversal cancelled.
//! Every money move is one guarded batch with its IPN; balances never go
//! negative (a conflict instead).

use super::ipn::{decision_ipn, deliver, event_ipn, QueuedIpn};
use super::row_at;
use crate::core::flow::{Effects, FlowError, StoreError};
use crate::core::money::Amount;
use crate::core::psp::paypal::emulator::{self as rules, Direction, LaterEvent};
use crate::core::psp::paypal::emulator_ipn::{self as ipn_options, IpnCharset};
use crate::core::psp::paypal::nvp::{PaymentOutcome, PaymentStatus, PendingReason};
use crate::core::sql::{emulator, guard_one_row_changed};

/// What a later event did.
#[derive(Debug)]
pub enum EventOutcome {
    /// Recorded: the transaction as it is now and the IPN queued for it.
    Done {
        transaction: Box<emulator::Transaction>,
        ipn: QueuedIpn,
    },
    NotFound,
    /// Not possible now: `status` (wrong state), `not_pending`,
    /// `insufficient_funds` (balances never go negative) or, for a partial
    /// refund, an amount beyond what is left to refund.
    Conflict(&'static str),
}

/// How many times an event is tried again after a concurrent change.
const EVENT_TRIES: usize = 3;

/// Transaction `id` (with the clock offset, in the same round trip).
pub async fn load_transaction<E: Effects>(
    fx: &E,
    id: &str,
) -> Result<Option<emulator::Transaction>, FlowError> {
    let results = fx
        .run(&vec![
            emulator::transaction_by_id(id),
            emulator::clock_offset(),
        ])
        .await?;
    row_at(&results, 0)
}

/// The IPN charset of transaction `id`'s receiver.
async fn ipn_charset<E: Effects>(fx: &E, id: &str) -> Result<IpnCharset, FlowError> {
    let results = fx
        .run(&vec![ipn_options::charset_by_transaction(id)])
        .await?;
    Ok(IpnCharset::of(row_at(&results, 0)?))
}

/// Completes a Pending payment: the payer pays the receiver now, the
/// status becomes Completed and an IPN with the same `txn_id` and
/// `payment_status=Completed` is queued.
pub async fn complete_pending<E: Effects>(fx: &E, id: &str) -> Result<EventOutcome, FlowError> {
    apply_event(fx, id, None, None).await
}

/// Denies a Pending payment, as PayPal does when its review fails or the
/// payer's funding does not clear: nothing was taken from the payer while
/// it was Pending, so no money moves; the status becomes Denied and an IPN
/// with the same `txn_id` and `payment_status=Denied` is queued, in one
/// batch guarded on the payment still being Pending.
pub async fn deny_pending<E: Effects>(fx: &E, id: &str) -> Result<EventOutcome, FlowError> {
    let Some(t) = load_transaction(fx, id).await? else {
        return Ok(EventOutcome::NotFound);
    };
    if PaymentStatus::parse(&t.status).outcome() != PaymentOutcome::Pending {
        return Ok(EventOutcome::Conflict("not_pending"));
    }
    let now = fx.now();
    let charset = ipn_charset(fx, &t.id).await?;
    let ipn = decision_ipn(
        fx,
        &t,
        None,
        PaymentStatus::Denied,
        t.amount_cents,
        charset,
        now,
    )?;
    let now_text = now.to_string();
    let batch = vec![
        emulator::transition(
            &t.id,
            &t.status,
            PaymentStatus::Denied.as_str(),
            PendingReason::None.as_str(),
            false,
            (t.refunded_cents, t.refunded_cents),
            &now_text,
        ),
        guard_one_row_changed(),
        emulator::insert_ipn(&ipn.row()),
        emulator::transaction_by_id(&t.id),
    ];
    let results = match fx.run(&batch).await {
        Ok(results) => results,
        // Completed (or denied) meanwhile.
        Err(StoreError::Guard) => return Ok(EventOutcome::Conflict("not_pending")),
        Err(e) => return Err(e.into()),
    };
    let queued = ipn.queued(&results, 2)?;
    deliver(fx, &queued);
    let transaction: emulator::Transaction =
        row_at(&results, 3)?.ok_or_else(|| FlowError::Internal("transaction vanished".into()))?;
    Ok(EventOutcome::Done {
        transaction: Box::new(transaction),
        ipn: queued,
    })
}

/// Applies a completion (`event: None`) or a later event to transaction
/// `id`, in one guarded batch. `amount` is a partial refund's part (with
/// `Some(LaterEvent::Refunded)` only; `None` refunds what is left).
pub async fn apply_event<E: Effects>(
    fx: &E,
    id: &str,
    event: Option<LaterEvent>,
    amount: Option<Amount>,
) -> Result<EventOutcome, FlowError> {
    for _ in 0..EVENT_TRIES {
        let Some(t) = load_transaction(fx, id).await? else {
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
        let now = fx.now();
        let moved = effect.as_ref().map_or(t.amount_cents, |e| e.moved_cents);
        let refunded = effect
            .as_ref()
            .map_or(t.refunded_cents, |e| e.refunded_cents);
        let charset = ipn_charset(fx, &t.id).await?;
        let ipn = event_ipn(fx, &t, event, moved, charset, now)?;
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
        match fx.run(&batch).await {
            Ok(results) => {
                let queued = ipn.queued(&results, ipn_at)?;
                deliver(fx, &queued);
                let transaction: emulator::Transaction = row_at(&results, ipn_at + 1)?
                    .ok_or_else(|| FlowError::Internal("transaction vanished".into()))?;
                return Ok(EventOutcome::Done {
                    transaction: Box::new(transaction),
                    ipn: queued,
                });
            }
            Err(error) => {
                fx.log(&format!(
                    "emulator: event batch refused, looking again: {error:?}"
                ));
            }
        }
    }
    Err(FlowError::Internal("transaction kept changing".into()))
}
