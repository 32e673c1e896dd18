//! The operator's actions on an order and a disputed title (backoffice.md
//! §2), each written with its audit entry in the same batch as the change
//! (`core::audit`). The provider is asked with the reconciler's own read
//! (`settle::inquire`) and its answer decided by the reconciler's own code
//! (`reconcile::resolve_due`, through `backoffice::order`): an operator
//! never moves money and never settles an order on a guess.
//!
//! Round trips (besides the request's session): `recheck` and `resolve`
//! one read of the order, the provider's calls, then one write (two when
//! a guard refuses the change: the traces and the audit entry are still
//! written); `recheck` of a processed PayPal payment what a notification
//! about it costs (`notify::act`), then the order read back and the audit
//! entry written; `keep_trade` one read and one write; `undo_trade` one read
//! and one write (two when the titles moved on and the trade is disputed
//! instead); `clear_dispute` one read and one write. A change that appends
//! to the ledger asks for its entry to be sealed after the answer
//! (`flow::ledger::run`).

use serde_json::{json, Value};

use super::effects::{Effects, FlowError, StoreError};
use super::settle::inquire;
use super::{row_at, Site};
use crate::core::audit::{self, AuditEntry};
use crate::core::backoffice::order::{self as decide, Stated, Stay, Verdict};
use crate::core::backoffice::{reads, titles};
use crate::core::chargeback::{self, TradeState};
use crate::core::order::OrderStatus;
use crate::core::partial;
use crate::core::psp::notice::Notice;
use crate::core::psp::ProviderId;
use crate::core::purchase::{order_by_id, OrderState};
use crate::core::recheck;
use crate::core::reconcile::{self, Resolution};
use crate::core::sql::Stmt;

/// Who acts, and why (the form's `reason`, never empty).
pub struct Operator<'a> {
    pub email: &'a str,
    /// Kept in the entry's `after`: an e-mail may change, the id not.
    pub client_id: i64,
    pub reason: &'a str,
}

/// What an action did, for the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    /// The provider was asked; `changed` when the reconciler's decision
    /// was written.
    Rechecked {
        said: String,
        changed: bool,
    },
    Resolved {
        verdict: Verdict,
        said: String,
    },
    Kept,
    Undone,
    /// Charged back, its titles flagged: they had moved on.
    Disputed,
    Cleared,
    /// Nothing changed, and why.
    Refused(Stay),
    NotFound,
}

fn entry_stmt(
    op: &Operator<'_>,
    action: &str,
    target: &str,
    before: &Value,
    after: &Value,
    now: &str,
) -> Stmt {
    let mut after = after.clone();
    after["operator_client_id"] = json!(op.client_id);
    audit::record(&AuditEntry {
        at: now,
        operator_email: op.email,
        action,
        target,
        reason: op.reason,
        before,
        after: &after,
    })
}

/// Reads the order (`None`: no such order).
pub async fn order<E: Effects>(fx: &E, id: &str) -> Result<Option<OrderState>, FlowError> {
    let results = fx.run(&vec![order_by_id(id)]).await?;
    row_at(&results, 0)
}

/// `recheck`: the reconciler's step for a pending order (its decision
/// written when there is one); for a processed PayPal payment, the cron's
/// scheduled re-read, now (a reversal or refund PayPal never notified is
/// applied as its notification would be); for any other order, the
/// provider's answer is read and shown, nothing changed.
pub async fn recheck<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    order: &OrderState,
    op: &Operator<'_>,
) -> Result<Done, FlowError> {
    if let Some(prompt) = reread_prompt(order) {
        return reread(fx, site, order, op, &prompt).await;
    }
    let (inquiry, mut traces) = inquire(fx, site, order).await?;
    let now = fx.now();
    let now_text = now.to_string();
    let said = decide::said(&inquiry);
    let target = reads::order_target(&order.id);
    let before = decide::before(order);
    let audit_of = |changed: bool| {
        let after = json!({ "provider": said, "changed": changed });
        entry_stmt(op, "recheck", &target, &before, &after, &now_text)
    };
    if order.code == OrderStatus::Pending {
        let ttl_before = now
            .plus_seconds(-site.config.pending_ttl_hours * 3_600)
            .to_string();
        let ttl_passed = order.created_at.as_str() < ttl_before.as_str();
        let max_passed = reconcile::pending_max_passed(
            &order.created_at,
            &now_text,
            site.config.pending_max_days,
        );
        let last = traces
            .pop()
            .unwrap_or_else(|| reconcile::checked(&order.id, &now_text));
        let resolution = reconcile::resolve_due(
            order,
            &inquiry,
            ttl_passed,
            max_passed,
            last.clone(),
            &site.mail(),
            &now_text,
        );
        if let Resolution::Write(mut batch) = resolution {
            batch.extend(traces.iter().cloned());
            batch.push(audit_of(true));
            // A payment recorded appends its trade's ledger entry.
            let ran = super::ledger::run(fx, &batch);
            match ran.await {
                Ok(_) => {
                    return Ok(Done::Rechecked {
                        said: said.clone(),
                        changed: true,
                    })
                }
                Err(StoreError::Guard) => {}
                Err(e) => return Err(e.into()),
            }
        }
        traces.push(last);
        traces.push(reconcile::checked(&order.id, &now_text));
    }
    traces.push(audit_of(false));
    fx.run(&traces).await?;
    Ok(Done::Rechecked {
        said,
        changed: false,
    })
}

/// The scheduled re-read's prompt for a processed PayPal payment (`None`
/// for any other order: the cards' refunds are the sellers' own, made
/// here, and a pending order takes the reconciler's step).
fn reread_prompt(order: &OrderState) -> Option<Notice> {
    let txn = order.psp_transaction_id.as_deref()?;
    let processed_paypal = order.code == OrderStatus::Processed && order.psp == ProviderId::Paypal;
    processed_paypal.then(|| recheck::operator_prompt(txn, &order.currency, order.amount_cents))
}

/// A processed PayPal payment read again and acted on by the notification
/// orchestration (`notify::act`, as the cron's re-read), then the audit
/// entry with what it did and whether the order changed (read back). The
/// change is PayPal's word applied, as the cron would apply it, not the
/// operator's: its entry follows it instead of joining its batch.
async fn reread<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    order: &OrderState,
    op: &Operator<'_>,
    prompt: &Notice,
) -> Result<Done, FlowError> {
    let said = super::notify::act(fx, site, "", prompt, false)
        .await?
        .to_string();
    let now = fx.now().to_string();
    let results = fx.run(&vec![order_by_id(&order.id)]).await?;
    let changed = row_at::<OrderState>(&results, 0)?
        .is_some_and(|o| o.code != order.code || o.substate != order.substate);
    let after = json!({ "provider": said, "changed": changed });
    let before = decide::before(order);
    let target = reads::order_target(&order.id);
    let entry = entry_stmt(op, "recheck", &target, &before, &after, &now);
    fx.run(&vec![entry]).await?;
    Ok(Done::Rechecked { said, changed })
}

/// `resolve`: a `needs_review` order settled only as the provider's own
/// answer, read now; `stated` is the operator's word, taken only where the
/// provider has no read call (and then required).
pub async fn resolve<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    order: &OrderState,
    stated: Option<Stated>,
    op: &Operator<'_>,
) -> Result<Done, FlowError> {
    if !decide::in_review(order) {
        return Ok(Done::Refused(Stay::NotInReview));
    }
    let reads_provider = order.provider().capabilities().read_call;
    let (inquiry, mut traces) = match (reads_provider, stated) {
        (true, _) => inquire(fx, site, order).await?,
        (false, Some(s)) => (decide::stated_inquiry(order, s), Vec::new()),
        (false, None) => return Ok(Done::Refused(Stay::NoAnswer)),
    };
    let now = fx.now().to_string();
    let said = decide::said(&inquiry);
    let verdict = decide::verdict(order, &inquiry);
    let target = reads::order_target(&order.id);
    let before = decide::before(order);
    let stated_word = (!reads_provider)
        .then(|| stated.map(Stated::as_str))
        .flatten();
    let audit_of = |v: Verdict| {
        let mut after = decide::after(order, v);
        after["provider"] = json!(if reads_provider {
            Some(said.as_str())
        } else {
            None
        });
        after["stated"] = json!(stated_word);
        if let Verdict::Stays(why) = v {
            after["stayed"] = json!(why.as_str());
        }
        entry_stmt(op, "resolve", &target, &before, &after, &now)
    };
    let trace = traces
        .pop()
        .unwrap_or_else(|| reconcile::checked(&order.id, &now));
    if let Some(mut batch) =
        decide::resolve_batch(order, verdict, &inquiry, trace.clone(), &site.mail(), &now)
    {
        batch.extend(traces.iter().cloned());
        batch.push(audit_of(verdict));
        // The record carries its trade's ledger entry.
        let ran = super::ledger::run(fx, &batch);
        match ran.await {
            Ok(_) => {
                return Ok(Done::Resolved {
                    verdict,
                    said: said.clone(),
                })
            }
            Err(StoreError::Guard) => {}
            Err(e) => return Err(e.into()),
        }
    }
    // Nothing decided, or the change was refused (the title's claim is
    // gone, or someone else resolved it first): the answer and the
    // attempt are kept all the same.
    let why = match verdict {
        Verdict::Stays(why) => why,
        Verdict::Paid => Stay::TitleNotHeld,
        Verdict::Unpaid => Stay::NotInReview,
    };
    traces.push(trace);
    traces.push(audit_of(Verdict::Stays(why)));
    fx.run(&traces).await?;
    Ok(Done::Resolved {
        verdict: Verdict::Stays(why),
        said,
    })
}

/// The order's trade.
async fn trade<E: Effects>(fx: &E, order_id: &str) -> Result<Option<TradeState>, FlowError> {
    let results = fx
        .run(&vec![chargeback::trade_of_order(Some(order_id), "")])
        .await?;
    row_at(&results, 0)
}

fn trade_before(t: &TradeState) -> Value {
    json!({
        "code": t.order_code.code(), "substate": t.order_substate.as_str(),
        "failure_reason": t.order_review, "trade_status": t.status, "reversal": t.reversal,
    })
}

/// `keep_trade`: a trade partly refunded or reversed stands (code 2).
pub async fn keep_trade<E: Effects>(
    fx: &E,
    order_id: &str,
    op: &Operator<'_>,
) -> Result<Done, FlowError> {
    let Some(t) = trade(fx, order_id).await? else {
        return Ok(Done::Refused(Stay::NotInReview));
    };
    if t.order_code != OrderStatus::Processed || !partial::is_marked(&t) {
        return Ok(Done::Refused(Stay::NotInReview));
    }
    let now = fx.now().to_string();
    let after = json!({ "code": 2, "substate": "done", "failure_reason": partial::REVIEW_KEPT, "provider": null });
    let mut batch = decide::keep_trade(order_id, &now);
    batch.push(entry_stmt(
        op,
        "keep_trade",
        &reads::order_target(order_id),
        &trade_before(&t),
        &after,
        &now,
    ));
    match fx.run(&batch).await {
        Ok(_) => Ok(Done::Kept),
        Err(StoreError::Guard) => Ok(Done::Refused(Stay::NotInReview)),
        Err(e) => Err(e.into()),
    }
}

/// `undo_trade`: the trade undone as a chargeback (code -3): on its
/// titles when they are unchanged since, else charged back and its titles
/// flagged disputed.
pub async fn undo_trade<E: Effects>(
    fx: &E,
    site: &Site<'_>,
    order_id: &str,
    op: &Operator<'_>,
) -> Result<Done, FlowError> {
    let Some(t) = trade(fx, order_id).await? else {
        return Ok(Done::Refused(Stay::NotInReview));
    };
    if t.order_code != OrderStatus::Processed || !partial::is_marked(&t) {
        return Ok(Done::Refused(Stay::NotInReview));
    }
    let now = fx.now().to_string();
    let event = format!("operator-{now}");
    let delivered = site.mail_is_local();
    let target = reads::order_target(order_id);
    let audit_of = |reversal: &str| {
        let after = json!({ "code": -3, "substate": "done", "trade_status": "chargeback", "reversal": reversal, "provider": null });
        entry_stmt(op, "undo_trade", &target, &trade_before(&t), &after, &now)
    };
    let mut undo = chargeback::undo(&t, &event, &now, delivered);
    undo.push(audit_of("undone"));
    match super::ledger::run(fx, &undo).await {
        Ok(_) => return Ok(Done::Undone),
        Err(StoreError::Guard) => {}
        Err(e) => return Err(e.into()),
    }
    let mut dispute = chargeback::dispute(&t, &event, &now, delivered);
    dispute.push(audit_of("disputed"));
    match super::ledger::run(fx, &dispute).await {
        Ok(_) => Ok(Done::Disputed),
        Err(StoreError::Guard) => Ok(Done::Refused(Stay::NotInReview)),
        Err(e) => Err(e.into()),
    }
}

/// `clear_dispute`: the title's flag cleared, with its ledger entry.
pub async fn clear_dispute<E: Effects>(
    fx: &E,
    isin: &str,
    op: &Operator<'_>,
) -> Result<Done, FlowError> {
    let results = fx.run(&vec![titles::by_isin(isin)]).await?;
    let Some(title) = row_at::<titles::TitleRow>(&results, 0)? else {
        return Ok(Done::NotFound);
    };
    if title.disputed != 1 {
        return Ok(Done::Refused(Stay::NotInReview));
    }
    let now = fx.now().to_string();
    let target = format!("title:{}", title.isin);
    let before =
        json!({ "disputed": true, "value_cents": title.value_cents, "holder_id": title.holder_id });
    let after = json!({ "disputed": false, "value_cents": title.value_cents, "holder_id": title.holder_id });
    let audit = entry_stmt(op, "clear_dispute", &target, &before, &after, &now);
    let ran = super::ledger::run(fx, &titles::clear_dispute(&title, audit, &now)).await;
    match ran {
        Ok(_) => Ok(Done::Cleared),
        Err(StoreError::Guard) => Ok(Done::Refused(Stay::NotInReview)),
        Err(e) => Err(e.into()),
    }
}

/// Whether `psp` has no read call, so that `resolve` needs a stated outcome.
pub fn needs_stated(order: &OrderState) -> bool {
    !order.provider().capabilities().read_call
}
