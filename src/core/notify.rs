//! What a verified PayPal notification does. A notification is a prompt,
//! not the truth: PayPal resends messages, delivers them in any order, and a
//! reversal may be canceled before its message arrives. So a message only
//! names a payment; the platform asks PayPal about that payment
//! (GetTransactionDetails) and brings the order and its trade to what
//! PayPal says now. Whatever the order of arrival and however often, the
//! end state is the same: a completed payment is recorded exactly as the
//! return path records it, one reversed or refunded in whole charges its
//! trade back (code -3), one partly refunded or reversed leaves the trade
//! standing and the order in review (`core::partial`), and one whose
//! reversal was canceled stands again.
//!
//! The message does not choose what is believed: PayPal's answer about the
//! payment must itself be the order's (its invoice number, receiver, amount
//! and currency: `core::payment_check`), else nothing changes and the
//! message's outcome is `mismatch`.
//!
//! Each message is recorded once (txn_id + payment_status) as `received`,
//! and keeps that outcome until a look at PayPal finds the platform agreeing
//! with it (after a change, the handler looks again: see
//! [`Decision::Change`]). A handler that crashed, lost a race to another
//! writer or could not reach PayPal thus leaves it `received`, and the cron
//! takes it up again ([`due`]).

use serde::Deserialize;

use super::chargeback::{self, TradeState};
use super::psp::notice::Notice;
use super::purchase::{order_state, OrderState};
use super::sql::{self, Batch, Param, RowError, Stmt, StmtResult};

/// The outcome of a message not acted on yet.
pub const RECEIVED: &str = "received";

/// How long the cron keeps taking up a message left `received` (PayPal
/// itself resends for up to four days).
pub const RETRY_DAYS: i64 = 4;

/// What became of a verified message (stored in
/// `psp_notifications.outcome`, shown in logs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Already acted on: a resent or duplicated message.
    Duplicate,
    /// It names no order of this deployment.
    NotOurs,
    /// Its receiver, currency, amount or transaction differs from the
    /// order's: logged, not acted on.
    Mismatch,
    /// The order was brought to PayPal's answer (recorded, pending, failed).
    Settled,
    /// PayPal's answer allows no change yet; the reconciler follows the order.
    ReconcilerFollows,
    /// The order and trade already agree with PayPal.
    NothingToChange,
    /// A failed order that PayPal says is paid, put back for an operator.
    PaidFailedOrderToReview,
    /// Reversed or refunded: the trade was undone on unchanged titles.
    ChargebackUndone,
    /// Reversed or refunded: the titles had moved on and are flagged.
    ChargebackDisputed,
    /// The reversal was canceled: the trade is applied again.
    ReversalCanceledReapplied,
    /// The reversal was canceled, the trade cannot be applied again: the
    /// payment stands, the titles are flagged.
    ReversalCanceledFlagged,
    /// Partly refunded or reversed: the trade stands, the order waits for
    /// an operator.
    PartlyReturnedToReview,
    /// A partial reversal was canceled: the order's review mark goes.
    ReviewCleared,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Duplicate => "duplicate",
            Outcome::NotOurs => "not_ours",
            Outcome::Mismatch => "mismatch",
            Outcome::Settled => "settled",
            Outcome::ReconcilerFollows => "reconciler_follows",
            Outcome::NothingToChange => "nothing_to_change",
            Outcome::PaidFailedOrderToReview => "paid_failed_order_to_review",
            Outcome::ChargebackUndone => "chargeback_undone",
            Outcome::ChargebackDisputed => "chargeback_disputed",
            Outcome::ReversalCanceledReapplied => "reversal_canceled_reapplied",
            Outcome::ReversalCanceledFlagged => "reversal_canceled_flagged",
            Outcome::PartlyReturnedToReview => "partly_returned_to_review",
            Outcome::ReviewCleared => "review_cleared",
        }
    }
}

/// The payment a message is about: the parent of a reversal, refund or
/// canceled reversal, else the message's own transaction.
pub fn payment_txn(n: &Notice) -> &str {
    n.payment_reference()
}

/// Records a verified message once, with the order its INVNUM names.
pub fn record_once(n: &Notice, order_id: Option<&str>, body: &str, now: &str) -> Stmt {
    Stmt::new(
        "INSERT INTO psp_notifications (provider, transaction_id, status, order_id, received_at, body, outcome) \
         SELECT ?7, ?1, ?2, (SELECT id FROM orders WHERE id = ?3), ?4, ?5, ?6 \
         ON CONFLICT (provider, transaction_id, status) DO NOTHING",
        vec![
            Param::from(n.reference.as_str()),
            Param::from(n.status_text.as_str()),
            Param::from(order_id),
            Param::from(now),
            Param::from(body),
            Param::from(RECEIVED),
            Param::from(n.provider.as_str()),
        ],
    )
}

/// Writes a message's outcome.
pub fn set_outcome_stmt(n: &Notice, outcome: Outcome) -> Stmt {
    Stmt::new(
        "UPDATE psp_notifications SET outcome = ?3 WHERE provider = ?4 AND transaction_id = ?1 AND status = ?2",
        vec![
            Param::from(n.reference.as_str()),
            Param::from(n.status_text.as_str()),
            Param::from(outcome.as_str()),
            Param::from(n.provider.as_str()),
        ],
    )
}

/// Reads what a message is about, in one round trip: the order (named by
/// our INVNUM, else by its payment's transaction), its trade, and the
/// message's recorded outcome. Three statements, decoded by
/// [`Subject::decode`].
pub fn read(n: &Notice, order_id: Option<&str>) -> Batch {
    let txn = payment_txn(n);
    vec![
        Stmt::new(
            order_state!(
                "WHERE o.id = COALESCE(?1, (SELECT id FROM orders WHERE psp_transaction_id = ?2))"
            ),
            vec![Param::from(order_id), Param::from(txn)],
        ),
        chargeback::trade_of_order(order_id, txn),
        Stmt::new(
            "SELECT outcome FROM psp_notifications WHERE provider = ?3 AND transaction_id = ?1 AND status = ?2",
            vec![
                Param::from(n.reference.as_str()),
                Param::from(n.status_text.as_str()),
                Param::from(n.provider.as_str()),
            ],
        ),
    ]
}

/// Messages left `received` (a crashed handler, a lost race) between
/// `not_before` and `received_before`, oldest first, for the cron.
pub fn due(received_before: &str, not_before: &str, limit: i64) -> Stmt {
    Stmt::new(
        // 'received' is RECEIVED, spelled out so that SQLite can use the
        // partial index on it (a bound parameter cannot prove it matches).
        "SELECT provider AS psp, body FROM psp_notifications WHERE outcome = 'received' \
         AND received_at <= ?1 AND received_at >= ?2 ORDER BY received_at, id LIMIT ?3",
        vec![
            Param::from(received_before),
            Param::from(not_before),
            Param::Int(limit),
        ],
    )
}

#[derive(Deserialize)]
pub struct Due {
    pub psp: String,
    pub body: String,
}

#[derive(Deserialize)]
struct Recorded {
    outcome: String,
}

/// What [`read`] found.
#[derive(Clone, Debug)]
pub struct Subject {
    pub order: Option<OrderState>,
    pub trade: Option<TradeState>,
    /// `None` when the message is not recorded (never for a recorded one).
    pub outcome: Option<String>,
}

impl Subject {
    /// Decodes the results of [`read`]'s three statements.
    pub fn decode(results: &[StmtResult]) -> Result<Subject, RowError> {
        let at = |i: usize| results.get(i).cloned().unwrap_or_default();
        let outcome: Option<Recorded> = sql::first(&at(2))?;
        Ok(Subject {
            order: sql::first(&at(0))?,
            trade: sql::first(&at(1))?,
            outcome: outcome.map(|r| r.outcome),
        })
    }
}

/// The first step for a verified, recorded message.
#[derive(Clone, Debug)]
pub enum Step {
    /// Nothing to ask: write this outcome (none for a duplicate).
    Done(Outcome),
    /// Ask PayPal about the payment: this is the order, with the payment's
    /// transaction named (so that it is asked with GetTransactionDetails).
    Ask(Box<OrderState>),
}

pub fn first_step(n: &Notice, subject: &Subject) -> Step {
    if subject.outcome.as_deref().is_some_and(|o| o != RECEIVED) {
        return Step::Done(Outcome::Duplicate);
    }
    let Some(order) = &subject.order else {
        return Step::Done(Outcome::NotOurs);
    };
    if !matches(n, order, subject.trade.as_ref()) {
        return Step::Done(Outcome::Mismatch);
    }
    Step::Ask(Box::new(OrderState {
        psp_transaction_id: Some(payment_txn(n).to_string()),
        ..order.clone()
    }))
}

/// A message must agree with the order: same currency, same payment
/// transaction once one is recorded, the receiver PayPal reported at
/// payment time, and the same amount for a message about the payment
/// itself; a refund, reversal or canceled reversal moves at most the
/// payment's amount (a smaller one is partial: `core::partial`).
fn matches(n: &Notice, order: &OrderState, trade: Option<&TradeState>) -> bool {
    let currency_ok = n.currency.as_deref() == Some(order.currency.as_str());
    let txn_ok = order
        .psp_transaction_id
        .as_deref()
        .is_none_or(|t| t == payment_txn(n));
    let receiver_ok = match (
        trade.and_then(|t| t.psp_receiver_id.as_deref()),
        n.receiver_id.as_deref(),
    ) {
        (Some(expected), Some(sent)) => expected == sent,
        (Some(_), None) | (None, _) => true,
    };
    let amount_ok = match (n.parent_reference.is_some(), n.gross.map(|g| g.cents())) {
        (false, Some(cents)) => cents == order.amount_cents,
        (true, Some(cents)) => cents > 0 && cents <= order.amount_cents,
        (_, None) => false,
    };
    currency_ok && txn_ok && receiver_ok && amount_ok
}

/// How many times one handler looks (read, ask PayPal, decide) before it
/// leaves a message to the cron.
pub const MAX_LOOKS: usize = 3;

mod decide;

pub use decide::{decide, Decision};

#[cfg(test)]
mod tests {
    use super::decide::tests::{message, order, reversal, subject, trade};
    use super::*;

    #[test]
    fn a_message_acted_on_is_a_duplicate_and_one_left_received_is_taken_up_again() {
        let n = reversal();
        let mut s = subject(order(2, Some("T1")), Some(trade("processed", None)));
        assert!(matches!(first_step(&n, &s), Step::Ask(_)));
        s.outcome = Some("chargeback_undone".into());
        assert!(matches!(first_step(&n, &s), Step::Done(Outcome::Duplicate)));
    }

    #[test]
    fn a_message_for_another_payment_receiver_or_currency_is_a_mismatch() {
        let s = subject(order(2, Some("T1")), Some(trade("processed", None)));
        for body in [
            "txn_id=R1&parent_txn_id=OTHER&payment_status=Reversed&mc_gross=-1.50&mc_currency=EUR",
            "txn_id=R1&parent_txn_id=T1&payment_status=Reversed&mc_gross=-1.50&mc_currency=USD",
            "txn_id=R1&parent_txn_id=T1&payment_status=Reversed&mc_gross=-1.50&mc_currency=EUR&receiver_id=NOTUS",
        ] {
            assert!(
                matches!(
                    first_step(&message(body), &s),
                    Step::Done(Outcome::Mismatch)
                ),
                "{body}"
            );
        }
        let open = subject(order(0, None), None);
        let short = message("txn_id=T1&payment_status=Completed&mc_gross=1.00&mc_currency=EUR");
        assert!(matches!(
            first_step(&short, &open),
            Step::Done(Outcome::Mismatch)
        ));
    }

    #[test]
    fn the_payment_is_asked_about_by_its_transaction() {
        let s = subject(order(0, None), None);
        let n = message("txn_id=T1&payment_status=Completed&mc_gross=1.50&mc_currency=EUR");
        match first_step(&n, &s) {
            Step::Ask(named) => assert_eq!(named.psp_transaction_id.as_deref(), Some("T1")),
            Step::Done(o) => panic!("asked nothing: {o:?}"),
        }
    }

    #[test]
    fn a_refund_message_for_more_than_the_payment_is_a_mismatch() {
        let s = subject(order(2, Some("T1")), Some(trade("processed", None)));
        for body in [
            "txn_id=R1&parent_txn_id=T1&payment_status=Refunded&mc_gross=-1.51&mc_currency=EUR",
            "txn_id=R1&parent_txn_id=T1&payment_status=Refunded&mc_currency=EUR",
        ] {
            assert!(
                matches!(
                    first_step(&message(body), &s),
                    Step::Done(Outcome::Mismatch)
                ),
                "{body}"
            );
        }
    }
}
