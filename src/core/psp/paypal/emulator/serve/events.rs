//! The later life of a payment: a Pending payment completes or is denied,
//! or a payment is reversed, refunded (in full or in part) or its reversal
//! cancelled. Every change is one guarded batch with its IPN; balances
//! never go negative (a conflict instead).

use super::ipn::{deliver, event_ipn, QueuedIpn};
use super::row_at;
use crate::core::flow::{Effects, FlowError};
use crate::core::money::Amount;
use crate::core::psp::paypal::emulator::{self as rules, Direction, LaterEvent};
use crate::core::psp::paypal::emulator_ipn::{self as ipn_options, IpnCharset};
use crate::core::psp::paypal::nvp::{PaymentStatus, PendingReason};
use crate::core::sql::emulator;

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
    /// `insufficient_funds` (balances never go negative) or `amount` (a
    /// partial refund beyond what is left to refund).
    Conflict(&'static str),
}

/// How many times an event is tried again after a concurrent change.
const EVENT_TRIES: usize = 3;

/// What happens to a payment.
#[derive(Clone, Copy)]
enum Change {
    /// A Pending payment completes: the payer pays the receiver now.
    Complete,
    /// A Pending payment is denied: no money moves.
    Deny,
    Later(LaterEvent, Option<Amount>),
}

/// A change worked out on the transaction as read.
struct Plan {
    event: Option<LaterEvent>,
    status: PaymentStatus,
    reason_code: &'static str,
    /// Whether the amount is in the receiver's balance afterwards.
    settled: bool,
    giver: i64,
    taker: i64,
    moved_cents: i64,
    refunded_cents: i64,
}

/// The plan of `change` on `t`, or why it cannot happen now.
fn plan(t: &emulator::Transaction, change: Change) -> Result<Plan, &'static str> {
    let (payer, receiver) = (t.payer_account_id, t.receiver_account_id);
    let decided = |status, settled, moved_cents| Plan {
        event: None,
        status,
        reason_code: PendingReason::None.as_str(),
        settled,
        giver: payer,
        taker: receiver,
        moved_cents,
        refunded_cents: t.refunded_cents,
    };
    match change {
        Change::Complete => match rules::completion_conflict(t) {
            Some(conflict) => Err(conflict),
            None => Ok(decided(PaymentStatus::Completed, true, t.amount_cents)),
        },
        Change::Deny => match rules::denial_conflict(t) {
            Some(conflict) => Err(conflict),
            None => Ok(decided(PaymentStatus::Denied, false, 0)),
        },
        Change::Later(event, amount) => {
            let effect = rules::event_effect(t, event, amount);
            if let Some(conflict) = rules::later_event_conflict(t, event, &effect) {
                return Err(conflict);
            }
            let (giver, taker) = match event.direction() {
                Direction::ToReceiver => (payer, receiver),
                Direction::ToPayer => (receiver, payer),
            };
            Ok(Plan {
                event: Some(event),
                status: effect.status,
                reason_code: event.reason_code(),
                settled: event.direction() == Direction::ToReceiver,
                giver,
                taker,
                moved_cents: effect.moved_cents,
                refunded_cents: effect.refunded_cents,
            })
        }
    }
}

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
    change(fx, id, Change::Complete).await
}

/// Denies a Pending payment: no money moves, the status becomes Denied
/// and an IPN with the same `txn_id` and `payment_status=Denied` is queued.
pub async fn deny_pending<E: Effects>(fx: &E, id: &str) -> Result<EventOutcome, FlowError> {
    change(fx, id, Change::Deny).await
}

/// Applies a completion (`event: None`) or a later event to transaction
/// `id`. `amount` is a partial refund's part (with
/// `Some(LaterEvent::Refunded)` only; `None` refunds what is left).
pub async fn apply_event<E: Effects>(
    fx: &E,
    id: &str,
    event: Option<LaterEvent>,
    amount: Option<Amount>,
) -> Result<EventOutcome, FlowError> {
    match event {
        Some(event) => change(fx, id, Change::Later(event, amount)).await,
        None => change(fx, id, Change::Complete).await,
    }
}

/// Applies `change` to transaction `id` in one guarded batch, looking
/// again when another call changed it first.
async fn change<E: Effects>(fx: &E, id: &str, change: Change) -> Result<EventOutcome, FlowError> {
    for _ in 0..EVENT_TRIES {
        let Some(t) = load_transaction(fx, id).await? else {
            return Ok(EventOutcome::NotFound);
        };
        let plan = match plan(&t, change) {
            Ok(plan) => plan,
            Err(conflict) => return Ok(EventOutcome::Conflict(conflict)),
        };
        let now = fx.now();
        let charset = ipn_charset(fx, &t.id).await?;
        let about = (plan.event, plan.status.clone());
        let ipn = event_ipn(fx, &t, about, plan.moved_cents, charset, now)?;
        let now_text = now.to_string();
        let (batch, ipn_at) = emulator::record_event(&emulator::EventRecord {
            transaction_id: &t.id,
            from_status: &t.status,
            to_status: plan.status.as_str(),
            reason_code: plan.reason_code,
            settled: plan.settled,
            giver_account_id: plan.giver,
            taker_account_id: plan.taker,
            amount_cents: plan.moved_cents,
            refunded_cents: (t.refunded_cents, plan.refunded_cents),
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
