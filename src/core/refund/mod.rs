//! Sellers' full refunds (backoffice.md §3): who may refund which order
//! (pure rules), the `refunds` row that records the intent BEFORE the
//! provider is asked (at most one per order, refused in the very batch that
//! would create a second), its end (`refunded`, `refused`), and what the
//! cron takes up again. The flow is `core::flow::refund`; the e-mails are
//! [`mail`].

pub mod finish;
pub mod mail;

use serde::Deserialize;

use super::chargeback::TradeState;
use super::order::{OrderStatus, Substate};
use super::purchase::{order_state, OrderState};
use super::sql::{guard_one_row_changed, Batch, Param, Stmt};
use super::time::UtcTime;

/// A refund's state (`refunds.state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum RefundState {
    /// Recorded, the provider's answer not known yet (the cron asks again).
    Requested,
    Refunded,
    /// The provider refused: nothing moved; shown to the seller.
    Refused,
}

impl RefundState {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundState::Requested => "requested",
            RefundState::Refunded => "refunded",
            RefundState::Refused => "refused",
        }
    }
}

impl TryFrom<String> for RefundState {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        [
            RefundState::Requested,
            RefundState::Refunded,
            RefundState::Refused,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
        .ok_or_else(|| format!("unknown refund state {text:?}"))
    }
}

/// What a refund did to the trade (`refunds.trade_outcome`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TradeOutcome {
    /// Taken off unchanged titles (titles back, a split's title voided).
    Undone,
    /// The titles had moved on: flagged disputed.
    Disputed,
    /// Charged back before (a notification of the refund came first).
    Already,
}

impl TradeOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            TradeOutcome::Undone => "undone",
            TradeOutcome::Disputed => "disputed",
            TradeOutcome::Already => "already",
        }
    }
}

/// A refund as stored.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RefundRow {
    pub order_id: String,
    pub state: RefundState,
    pub requested_at: String,
    pub updated_at: String,
    pub attempts: i64,
    pub provider_ref: Option<String>,
    pub refusal_code: Option<String>,
    pub refusal_message: Option<String>,
    pub trade_outcome: Option<String>,
}

/// What the rules and the e-mails need beside the order and its trade:
/// the buyer's address and language, the trade's date, the refund if any.
#[derive(Clone, Debug, Deserialize)]
pub struct Context {
    pub buyer_email: String,
    pub buyer_language: String,
    pub trade_at: Option<String>,
    pub state: Option<RefundState>,
}

/// The order's [`Context`] (no row: no such order).
pub fn context(order_id: &str) -> Stmt {
    Stmt::new(
        "SELECT b.email AS buyer_email, b.language AS buyer_language, tr.at AS trade_at, \
         r.state FROM orders o JOIN clients b ON b.id = o.buyer_id \
         LEFT JOIN trades tr ON tr.order_id = o.id LEFT JOIN refunds r ON r.order_id = o.id \
         WHERE o.id = ?1",
        vec![Param::from(order_id)],
    )
}

/// The order's refund, if any.
pub fn of_order(order_id: &str) -> Stmt {
    Stmt::new(
        "SELECT order_id, state, requested_at, updated_at, attempts, provider_ref, \
         refusal_code, refusal_message, trade_outcome FROM refunds WHERE order_id = ?1",
        vec![Param::from(order_id)],
    )
}

/// A refund as the order's parties see it, with what decides whether the
/// seller is offered the form (the trade's date and reversal).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Shown {
    pub trade_at: Option<String>,
    pub trade_reversal: Option<String>,
    pub state: Option<RefundState>,
    pub requested_at: Option<String>,
    pub provider_ref: Option<String>,
    pub refusal_code: Option<String>,
    pub refusal_message: Option<String>,
    pub trade_outcome: Option<String>,
}

/// The order's [`Shown`] (read with the order page: no extra round trip).
pub fn shown(order_id: &str) -> Stmt {
    Stmt::new(
        "SELECT tr.at AS trade_at, tr.reversal AS trade_reversal, r.state, r.requested_at, \
         r.provider_ref, r.refusal_code, r.refusal_message, r.trade_outcome \
         FROM orders o LEFT JOIN trades tr ON tr.order_id = o.id \
         LEFT JOIN refunds r ON r.order_id = o.id WHERE o.id = ?1",
        vec![Param::from(order_id)],
    )
}

impl Shown {
    /// Whether the seller is offered the form: the rules' answer on what
    /// the page read (the request checks them again on fresh rows).
    pub fn offered(
        &self,
        is_seller: bool,
        code: OrderStatus,
        substate: Substate,
        now: UtcTime,
        refund_days: i64,
    ) -> bool {
        let start = window_start(now, refund_days);
        is_seller
            && self.state.is_none()
            && code == OrderStatus::Processed
            && substate == Substate::Done
            && self.trade_reversal.is_none()
            && self.trade_at.as_deref().is_some_and(|at| at >= start.as_str())
    }

    /// The refund in the API's and the page's JSON (`null` without one).
    pub fn json(&self, order_id: &str) -> serde_json::Value {
        match self.state {
            None => serde_json::Value::Null,
            Some(state) => serde_json::json!({
                "order_id": order_id,
                "state": state.as_str(),
                "requested_at": self.requested_at,
                "provider_ref": self.provider_ref,
                "refusal_code": self.refusal_code,
                "refusal_message": self.refusal_message,
                "trade_outcome": self.trade_outcome,
            }),
        }
    }
}

/// Why a refund cannot be asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The client is not the order's seller.
    NotSeller,
    /// The order is not a processed trade (pending, failed, charged back).
    NotProcessed,
    /// An operator reviews the order (a partial refund, a reversal).
    InReview,
    /// Past `REFUND_DAYS` after the trade.
    WindowClosed,
    /// A refund exists for the order already, in this state.
    AlreadyRequested(RefundState),
    /// The order's provider cannot refund.
    NotOffered,
}

impl Refusal {
    /// What the seller reads.
    pub fn text(self, lang: crate::core::i18n::Lang) -> &'static str {
        let t = lang.refund();
        match self {
            Refusal::NotSeller => t.not_seller,
            Refusal::NotProcessed => t.not_processed,
            Refusal::InReview => t.in_review,
            Refusal::WindowClosed => t.window_closed,
            Refusal::AlreadyRequested(_) => t.already_requested,
            Refusal::NotOffered => t.not_offered,
        }
    }
}

/// The first day of the window: trades at or after it may be refunded.
pub fn window_start(now: UtcTime, refund_days: i64) -> String {
    now.plus_seconds(-refund_days * 86_400).to_string()
}

/// Whether `client_id` may refund the order now. A refund already asked
/// is named first, so that a repeat says so whatever the trade became.
pub fn may_refund(
    order: &OrderState,
    trade: Option<&TradeState>,
    context: &Context,
    client_id: i64,
    now: UtcTime,
    refund_days: i64,
) -> Result<(), Refusal> {
    if order.seller_id != client_id {
        return Err(Refusal::NotSeller);
    }
    if let Some(state) = context.state {
        return Err(Refusal::AlreadyRequested(state));
    }
    if !order.provider().capabilities().refund {
        return Err(Refusal::NotOffered);
    }
    let processed = order.code == OrderStatus::Processed
        && trade.is_some_and(|t| t.status == "processed" && t.reversal.is_none());
    if !processed {
        return Err(Refusal::NotProcessed);
    }
    match order.substate {
        Substate::Done => {}
        Substate::NeedsReview
        | Substate::AwaitingBuyer
        | Substate::Confirming
        | Substate::PspPending => return Err(Refusal::InReview),
    }
    let start = window_start(now, refund_days);
    match context.trade_at.as_deref() {
        Some(at) if at >= start.as_str() => Ok(()),
        Some(_) | None => Err(Refusal::WindowClosed),
    }
}

/// Records the intent before the provider is asked: one guarded INSERT
/// that re-checks the rules on the rows as they are, and finds no refund
/// for the order (a second request, even a concurrent one, changes no row
/// and the guard aborts the batch).
pub fn record_intent(order_id: &str, client_id: i64, now: &str, window_start: &str) -> Batch {
    vec![
        Stmt::new(
            "INSERT INTO refunds (order_id, state, requested_by, requested_at, updated_at, attempts) \
             SELECT o.id, 'requested', ?2, ?3, ?3, 1 FROM orders o JOIN trades tr ON tr.order_id = o.id \
             WHERE o.id = ?1 AND o.seller_id = ?2 AND o.code = 2 AND o.substate = 'done' \
             AND tr.status = 'processed' AND tr.reversal IS NULL AND tr.at >= ?4 \
             AND NOT EXISTS (SELECT 1 FROM refunds WHERE order_id = ?1)",
            vec![
                Param::from(order_id),
                Param::Int(client_id),
                Param::from(now),
                Param::from(window_start),
            ],
        ),
        guard_one_row_changed(),
    ]
}

/// Another call to the provider for a refund still `requested` (the
/// cron): counted before it is made.
pub fn count_attempt(order_id: &str, now: &str) -> Stmt {
    Stmt::new(
        "UPDATE refunds SET attempts = attempts + 1, updated_at = ?2 \
         WHERE order_id = ?1 AND state = 'requested'",
        vec![Param::from(order_id), Param::from(now)],
    )
}

/// The refund is done; `outcome` says what it did to the trade.
pub fn mark_refunded(order_id: &str, reference: &str, outcome: TradeOutcome, now: &str) -> Batch {
    vec![
        Stmt::new(
            "UPDATE refunds SET state = 'refunded', provider_ref = ?2, trade_outcome = ?3, \
             updated_at = ?4 WHERE order_id = ?1 AND state = 'requested'",
            vec![
                Param::from(order_id),
                Param::from(reference),
                Param::from(outcome.as_str()),
                Param::from(now),
            ],
        ),
        guard_one_row_changed(),
    ]
}

/// The order was charged back already (guard): the refund only records it.
pub fn already_charged_back(order_id: &str) -> Stmt {
    Stmt::new(
        "INSERT INTO guard (ok) SELECT EXISTS (SELECT 1 FROM orders WHERE id = ?1 AND code = -3)",
        vec![Param::from(order_id)],
    )
}

/// The provider refused: nothing moved.
pub fn mark_refused(order_id: &str, code: &str, message: &str, now: &str) -> Batch {
    vec![
        Stmt::new(
            "UPDATE refunds SET state = 'refused', refusal_code = ?2, refusal_message = ?3, \
             updated_at = ?4 WHERE order_id = ?1 AND state = 'requested'",
            vec![
                Param::from(order_id),
                Param::from(code),
                Param::from(message),
                Param::from(now),
            ],
        ),
        guard_one_row_changed(),
    ]
}

/// Refunds still `requested`, untouched since `before` (a request under
/// way is left alone), oldest first.
pub fn due(before: &str, limit: i64) -> Stmt {
    Stmt::new(
        order_state!(
            "JOIN refunds r ON r.order_id = o.id WHERE r.state = 'requested' AND r.updated_at < ?1 ",
            "ORDER BY r.updated_at LIMIT ?2"
        ),
        vec![Param::from(before), Param::Int(limit)],
    )
}

#[cfg(test)]
mod tests;
