//! A seller's full refund, end to end, for any provider: the rules
//! (`core::refund`), the intent recorded BEFORE the provider is asked,
//! `psp::refund`, then one batch with its trace: refunded (the trade
//! undone as a chargeback undoes it, both parties e-mailed), refused
//! (shown to the seller), or nothing when the answer was lost: the refund
//! stays `requested` and the cron ([`resume`]) asks again, which never
//! refunds twice (the provider modules' contract).
//!
//! The provider's later word on the payment (a notification of the refund,
//! the scheduled re-reads) finds the order charged back and changes
//! nothing; when it comes first, it undoes the trade itself and the
//! refund's batch only records that ([`Finishing::charged_back`]).

use super::effects::{run_guarded, Effects, FlowError};
use super::{ledger as appending, row_at, rows_at, Site};
use crate::core::chargeback::{self, TradeState};
use crate::core::psp::{self, RefundOutcome};
use crate::core::purchase::{self, OrderState};
use crate::core::refund::finish::Finishing;
use crate::core::refund::{self, Context, RefundState, Refusal};
use crate::core::sql::{traces, Stmt};
use crate::core::time::UtcTime;

/// Refunds taken up again per cron run at most (one provider call each).
pub const REFUNDS_PER_RUN: i64 = 10;
/// A refund is left alone this long, so as not to race its own request.
pub const RESUME_AFTER_SECONDS: i64 = 60;

/// What a request came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// No such order.
    NotFound,
    /// The rules refused it: nothing recorded, nothing asked.
    Refused(Refusal),
    /// Recorded and asked: the refund's state now (`Requested` when the
    /// answer was lost: the cron finishes it).
    Done(RefundState),
}

/// What a refund is decided and written with.
struct Read {
    order: OrderState,
    trade: Option<TradeState>,
    context: Context,
}

/// The order, its trade and the refund's context, in one round trip; `first` runs before them in the same batch.
async fn read<E: Effects>(
    fx: &E,
    order_id: &str,
    first: Option<Stmt>,
) -> Result<Option<Read>, FlowError> {
    let offset = usize::from(first.is_some());
    let mut batch: Vec<Stmt> = first.into_iter().collect();
    batch.push(purchase::order_by_id(order_id));
    batch.push(chargeback::trade_of_order(Some(order_id), ""));
    batch.push(refund::context(order_id));
    let results = fx.run(&batch).await?;
    let order: Option<OrderState> = row_at(&results, offset)?;
    let trade: Option<TradeState> = row_at(&results, offset + 1)?;
    let context: Option<Context> = row_at(&results, offset + 2)?;
    Ok(order.zip(context).map(|(order, context)| Read {
        order,
        trade,
        context,
    }))
}

/// `client_id` asks to refund order `order_id`: one read, the rules, the
/// intent (a guarded insert: a second request, even a concurrent one, is
/// refused by it), the provider, the end.
pub async fn request<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    order_id: &str,
    client_id: i64,
) -> Result<Asked, FlowError> {
    let now = fx.now();
    let days = site.config.refund_days;
    let Some(read_now) = read(fx, order_id, None).await? else {
        return Ok(Asked::NotFound);
    };
    let (order, trade, context) = (&read_now.order, read_now.trade.as_ref(), &read_now.context);
    // Someone else's order is as unknown as a missing one.
    if client_id != order.seller_id && client_id != order.buyer_id {
        return Ok(Asked::NotFound);
    }
    if let Err(refusal) = refund::may_refund(order, trade, context, client_id, now, days) {
        return Ok(Asked::Refused(refusal));
    }
    let intent = refund::record_intent(
        &order.id,
        client_id,
        &now.to_string(),
        &refund::window_start(now, days),
    );
    if !run_guarded(fx, &intent).await? {
        // Another request recorded one first, or the order changed since
        // the read: say which.
        let again = read(fx, order_id, None).await?;
        let refusal = again.and_then(|r| {
            refund::may_refund(&r.order, r.trade.as_ref(), &r.context, client_id, now, days).err()
        });
        return Ok(Asked::Refused(
            refusal.unwrap_or(Refusal::AlreadyRequested(RefundState::Requested)),
        ));
    }
    let state = ask(fx, site, &read_now).await?;
    Ok(Asked::Done(state))
}

/// Asks the provider for the recorded refund and writes its end.
async fn ask<E: Effects>(fx: &E, site: &Site<'_>, read: &Read) -> Result<RefundState, FlowError> {
    let order = &read.order;
    let called = psp::refund(fx, site, order).await?;
    let traces: Vec<Stmt> = called
        .traces
        .iter()
        .map(|t| traces::insert_for_order(&order.id, t))
        .collect();
    let now = fx.now().to_string();
    match called.outcome {
        RefundOutcome::Refunded { reference } => {
            let finishing = Finishing {
                order,
                context: &read.context,
                reference: &reference,
                now: &now,
                delivered_on_write: site.mail().delivered_on_write,
            };
            refunded(fx, &finishing, read, traces).await
        }
        RefundOutcome::Refused { code, message } => {
            let mut batch = refund::mark_refused(&order.id, &code, &message, &now);
            batch.extend(traces);
            if run_guarded(fx, &batch).await? {
                return Ok(RefundState::Refused);
            }
            state_now(fx, &order.id).await
        }
        RefundOutcome::Unknown(no_answer) => {
            fx.log(&format!(
                "refund {}: no answer ({}); left for the cron",
                order.id,
                no_answer.describe()
            ));
            if !traces.is_empty() {
                fx.run(&traces).await?;
            }
            Ok(RefundState::Requested)
        }
    }
}

/// The provider refunded: the first change its guards let through (with
/// its ledger entry), else (the
/// trade was charged back meanwhile) the refund only records it, else it
/// is left for the cron with the trace.
async fn refunded<E: Effects>(
    fx: &E,
    finishing: &Finishing<'_>,
    read: &Read,
    traces: Vec<Stmt>,
) -> Result<RefundState, FlowError> {
    let order_id = finishing.order.id.as_str();
    let tries = read
        .trade
        .as_ref()
        .map(|t| finishing.on_processed(t))
        .unwrap_or_default();
    for (mut batch, _) in tries {
        batch.extend(traces.iter().cloned());
        if appending::run_guarded(fx, &batch).await? {
            return Ok(RefundState::Refunded);
        }
    }
    let results = fx
        .run(&vec![chargeback::trade_of_order(Some(order_id), "")])
        .await?;
    let fresh: Option<TradeState> = row_at(&results, 0)?;
    if let Some((mut batch, _)) = fresh.as_ref().and_then(|t| finishing.charged_back(t)) {
        batch.extend(traces.iter().cloned());
        if run_guarded(fx, &batch).await? {
            return Ok(RefundState::Refunded);
        }
    }
    fx.log(&format!(
        "refund {order_id}: changed meanwhile; left for the cron"
    ));
    fx.run(&traces).await?;
    Ok(RefundState::Requested)
}

async fn state_now<E: Effects>(fx: &E, order_id: &str) -> Result<RefundState, FlowError> {
    let results = fx.run(&vec![refund::of_order(order_id)]).await?;
    let row: Option<refund::RefundRow> = row_at(&results, 0)?;
    Ok(row.map_or(RefundState::Requested, |r| r.state))
}

/// The cron: refunds still `requested` a minute after their last call
/// (a lost answer, a crash) are asked again, each call counted first.
/// Returns how many were taken up.
pub async fn resume<E: Effects>(fx: &E, site: &Site<'_>, now: UtcTime) -> Result<usize, FlowError> {
    let before = now.plus_seconds(-RESUME_AFTER_SECONDS).to_string();
    let results = fx.run(&vec![refund::due(&before, REFUNDS_PER_RUN)]).await?;
    let due: Vec<OrderState> = rows_at(&results, 0)?;
    for order in &due {
        let counted = refund::count_attempt(&order.id, &fx.now().to_string());
        let outcome = match read(fx, &order.id, Some(counted)).await {
            Ok(Some(read)) => ask(fx, site, &read).await.map(|s| s.as_str().to_string()),
            Ok(None) => Ok("order vanished".into()),
            Err(e) => Err(e),
        };
        fx.log(&format!("refund retry {}: {outcome:?}", order.id));
    }
    Ok(due.len())
}
