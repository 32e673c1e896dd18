//! What a verified PayPal notification does. A notification is a prompt,
//! not the truth: PayPal resends messages, delivers them in any order, and a
//! reversal may be canceled before its message arrives. So a message only
//! names a payment; the platform asks PayPal about that payment
//! (GetTransactionDetails) and brings the order and its trade to what
//! PayPal says now. Whatever the order of arrival and however often, the
//! end state is the same: a completed payment is recorded exactly as the
//! return path records it, a reversed or refunded one charges its trade back
//! (code -3), and one whose reversal was canceled stands again.
//!
//! Each message is recorded once (txn_id + payment_status) as `received`,
//! and keeps that outcome until a look at PayPal finds the platform agreeing
//! with it (after a change, the handler looks again: see
//! [`Decision::Change`]). A handler that crashed, lost a race to another
//! writer or could not reach PayPal thus leaves it `received`, and the cron
//! takes it up again ([`due`]).

use serde::Deserialize;

use super::chargeback::{self, TradeState};
use super::psp::paypal::ipn::Notification;
use super::psp::paypal::nvp::{PaymentOutcome, PaymentStatus};
use super::purchase::{order_state, MailSetting, OrderState, PaymentAnswer};
use super::reconcile::{self, Inquiry, Resolution};
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
        }
    }
}

/// The payment a message is about: the parent of a reversal, refund or
/// canceled reversal, else the message's own transaction.
pub fn payment_txn(n: &Notification) -> &str {
    n.parent_txn_id.as_deref().unwrap_or(&n.txn_id)
}

/// Records a verified message once, with the order its INVNUM names.
pub fn record_once(n: &Notification, order_id: Option<&str>, body: &str, now: &str) -> Stmt {
    Stmt::new(
        "INSERT INTO psp_notifications (psp, txn_id, payment_status, order_id, received_at, body, outcome) \
         SELECT 'paypal', ?1, ?2, (SELECT id FROM orders WHERE id = ?3), ?4, ?5, ?6 \
         ON CONFLICT (psp, txn_id, payment_status) DO NOTHING",
        vec![
            Param::from(n.txn_id.as_str()),
            Param::from(n.payment_status_text.as_str()),
            Param::from(order_id),
            Param::from(now),
            Param::from(body),
            Param::from(RECEIVED),
        ],
    )
}

/// Writes a message's outcome.
pub fn set_outcome_stmt(n: &Notification, outcome: Outcome) -> Stmt {
    Stmt::new(
        "UPDATE psp_notifications SET outcome = ?3 WHERE psp = 'paypal' AND txn_id = ?1 AND payment_status = ?2",
        vec![
            Param::from(n.txn_id.as_str()),
            Param::from(n.payment_status_text.as_str()),
            Param::from(outcome.as_str()),
        ],
    )
}

/// Reads what a message is about, in one round trip: the order (named by
/// our INVNUM, else by its payment's transaction), its trade, and the
/// message's recorded outcome. Three statements, decoded by
/// [`Subject::decode`].
pub fn read(n: &Notification, order_id: Option<&str>) -> Batch {
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
            "SELECT outcome FROM psp_notifications WHERE psp = 'paypal' AND txn_id = ?1 AND payment_status = ?2",
            vec![
                Param::from(n.txn_id.as_str()),
                Param::from(n.payment_status_text.as_str()),
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
        "SELECT body FROM psp_notifications WHERE outcome = 'received' AND psp = 'paypal' \
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

pub fn first_step(n: &Notification, subject: &Subject) -> Step {
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
/// payment time, and, for a message about the payment itself (not a
/// reversal), the same amount.
fn matches(n: &Notification, order: &OrderState, trade: Option<&TradeState>) -> bool {
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
    let amount_ok =
        n.parent_txn_id.is_some() || n.gross.map(|g| g.cents()) == Some(order.amount_cents);
    currency_ok && txn_ok && receiver_ok && amount_ok
}

/// How many times one handler looks (read, ask PayPal, decide) before it
/// leaves a message to the cron.
pub const MAX_LOOKS: usize = 3;

/// What to write once PayPal has answered.
#[derive(Debug, PartialEq)]
pub enum Decision {
    /// The order and its trade agree with PayPal: write the trace and the
    /// message's outcome ([`set_outcome_stmt`]) and stop.
    Agreed(Batch, Outcome),
    /// Try each change in turn (guarded; each carries the trace); the first
    /// its guards let through is what happened. Then look again, and stop
    /// only once PayPal and the platform agree: a writer that asked PayPal
    /// before a later change there (a reversal canceled meanwhile) must not
    /// have the last word over a handler that asked after it. The message
    /// stays `received` until then, so a crash in between leaves it to the
    /// cron. When every change is refused (something changed meanwhile),
    /// write the second batch (the trace) and leave it to the cron.
    Change(Vec<(Batch, Outcome)>, Batch),
    /// PayPal could not be asked: the trace only; the message stays
    /// `received` for the cron.
    Retry(Batch),
}

/// Decides from the order (as read), its trade, and PayPal's answer about
/// the payment. `trace` is the answer's trace row.
pub fn decide(
    n: &Notification,
    subject: &Subject,
    named: &OrderState,
    inquiry: &Inquiry,
    trace: Stmt,
    mail: &MailSetting,
    now: &str,
) -> Decision {
    let retry = vec![trace.clone()];
    let agreed = |outcome: Outcome| Decision::Agreed(vec![trace.clone()], outcome);
    let change = |mut batch: Batch, outcome: Outcome| {
        batch.push(trace.clone());
        (batch, outcome)
    };
    if matches!(inquiry, Inquiry::Unknown) {
        return Decision::Retry(retry);
    }
    let standing = match inquiry {
        Inquiry::Payment(PaymentAnswer::Completed { .. }) => Standing::Paid,
        Inquiry::Payment(PaymentAnswer::Failed { status, .. })
            if PaymentStatus::parse(status).outcome() == PaymentOutcome::Reversed =>
        {
            Standing::Reversed
        }
        Inquiry::Payment(_) | Inquiry::NotPaidYet | Inquiry::Expired | Inquiry::Unknown => {
            Standing::Other
        }
    };
    let event = n.txn_id.as_str();
    match (named.code, standing, subject.trade.as_ref()) {
        (0, _, _) => match reconcile::resolve(named, inquiry, false, trace.clone(), mail, now) {
            // `resolve` puts the trace in its batch.
            Resolution::Write(batch) => Decision::Change(vec![(batch, Outcome::Settled)], retry),
            Resolution::Wait => agreed(Outcome::ReconcilerFollows),
        },
        (2, Standing::Reversed, Some(t)) if t.status == "processed" => {
            let mut tries = Vec::new();
            if t.reversal.is_none() {
                let undo = chargeback::undo(t, event, now, mail.delivered_on_write);
                tries.push(change(undo, Outcome::ChargebackUndone));
            }
            let dispute = chargeback::dispute(t, event, now, mail.delivered_on_write);
            tries.push(change(dispute, Outcome::ChargebackDisputed));
            Decision::Change(tries, retry)
        }
        (-3, Standing::Paid, Some(t)) if t.status == "chargeback" => {
            let mut tries = Vec::new();
            if t.reversal.as_deref() == Some("undone") {
                let reapply = chargeback::reapply(t, event, now, mail.delivered_on_write);
                tries.push(change(reapply, Outcome::ReversalCanceledReapplied));
            }
            let flagged = chargeback::reinstate_flagged(t, event, now, mail.delivered_on_write);
            tries.push(change(flagged, Outcome::ReversalCanceledFlagged));
            Decision::Change(tries, retry)
        }
        (-1 | -2, Standing::Paid, _) => {
            // Failed or canceled, yet PayPal holds a completed payment for
            // it: put it back for an operator rather than lose it.
            let batch = reconcile::reopen_for_review(&named.id, payment_txn(n), now);
            Decision::Change(vec![change(batch, Outcome::PaidFailedOrderToReview)], retry)
        }
        _ => agreed(Outcome::NothingToChange),
    }
}

/// Where PayPal says the payment stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Standing {
    Paid,
    Reversed,
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::psp::paypal::ipn;

    fn order(code: i64, txn: Option<&str>) -> OrderState {
        let mut o: OrderState = serde_json::from_value(serde_json::json!({
            "id": "o1", "code": code, "substate": if code == 0 { "confirming" } else { "done" },
            "buyer_id": 2, "seller_id": 1, "title_id": 7, "isin": "ZZ0000000001",
            "title_version": 1, "title_value_cents": 200, "amount_cents": 150, "currency": "EUR",
            "profit_rate": 50, "new_value_cents": 225, "new_isin": null, "psp_token": "EC-1",
            "psp_payer_id": "P", "attempt": 1, "psp_transaction_id": null,
            "created_at": "2026-01-05T10:00:00Z", "buyer_email": "b@example.org",
            "seller_email": "a@example.org", "seller_language": "en",
            "seller_api_username": "a_api1", "seller_sealed_secret": "v1.x",
            "seller_credentials_version": 1,
            "title_holder_id": 1, "title_current_version": 1, "title_current_value_cents": 200,
            "title_claim_order_id": null, "title_status": "active", "payment_lease_until": null
        }))
        .expect("order state");
        o.psp_transaction_id = txn.map(str::to_string);
        o
    }

    fn trade(status: &str, reversal: Option<&str>) -> TradeState {
        TradeState {
            trade_id: 5,
            order_id: "o1".into(),
            order_code: 2,
            title_id: 7,
            new_title_id: 7,
            isin: "ZZ0000000001".into(),
            new_isin: "ZZ0000000001".into(),
            amount_cents: 150,
            currency: "EUR".into(),
            new_value_cents: 225,
            seller_value_cents: None,
            previous_value_cents: 200,
            buyer_id: 2,
            seller_id: 1,
            status: status.into(),
            reversal: reversal.map(str::to_string),
            seller_email: "a@example.org".into(),
            seller_language: "en".into(),
            psp_receiver_id: Some("RCV".into()),
        }
    }

    fn message(body: &str) -> Notification {
        ipn::parse(body).expect("parses")
    }

    fn reversal() -> Notification {
        message("txn_id=R1&parent_txn_id=T1&payment_status=Reversed&mc_gross=-1.50&mc_currency=EUR&receiver_id=RCV")
    }

    fn paid(txn: &str) -> Inquiry {
        Inquiry::Payment(PaymentAnswer::Completed {
            transaction_id: txn.into(),
            amount: crate::core::money::Amount::from_cents(150),
            currency: Some("EUR".into()),
            receiver_id: Some("RCV".into()),
        })
    }

    fn reversed(txn: &str) -> Inquiry {
        Inquiry::Payment(PaymentAnswer::Failed {
            transaction_id: txn.into(),
            status: "Reversed".into(),
        })
    }

    fn mail() -> MailSetting {
        MailSetting {
            delivered_on_write: true,
            operator_email: None,
        }
    }

    fn outcomes(d: &Decision) -> Vec<Outcome> {
        match d {
            Decision::Change(tries, _) => tries.iter().map(|(_, o)| *o).collect(),
            Decision::Agreed(_, o) => vec![*o],
            Decision::Retry(_) => Vec::new(),
        }
    }

    fn subject(order: OrderState, trade: Option<TradeState>) -> Subject {
        Subject {
            order: Some(order),
            trade,
            outcome: Some(RECEIVED.into()),
        }
    }

    fn trace() -> Stmt {
        Stmt::new("SELECT 'trace'", vec![])
    }

    /// `decide` for the order the subject read, with the transaction named.
    fn decided(n: &Notification, s: &Subject, inquiry: &Inquiry) -> Decision {
        let order = s.order.clone().expect("an order");
        let named = OrderState {
            psp_transaction_id: Some(payment_txn(n).to_string()),
            ..order
        };
        decide(n, s, &named, inquiry, trace(), &mail(), "t")
    }

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
            "txn_id=R1&parent_txn_id=OTHER&payment_status=Reversed&mc_currency=EUR",
            "txn_id=R1&parent_txn_id=T1&payment_status=Reversed&mc_currency=USD",
            "txn_id=R1&parent_txn_id=T1&payment_status=Reversed&mc_currency=EUR&receiver_id=NOTUS",
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
    fn a_reversal_paypal_confirms_undoes_the_trade_else_disputes_it() {
        let n = reversal();
        let s = subject(order(2, Some("T1")), Some(trade("processed", None)));
        let d = decided(&n, &s, &reversed("T1"));
        assert_eq!(
            outcomes(&d),
            vec![Outcome::ChargebackUndone, Outcome::ChargebackDisputed]
        );
    }

    #[test]
    fn a_reversal_message_after_paypal_canceled_it_changes_nothing() {
        let n = reversal();
        let s = subject(order(2, Some("T1")), Some(trade("processed", None)));
        let d = decided(&n, &s, &paid("T1"));
        assert_eq!(outcomes(&d), vec![Outcome::NothingToChange]);
    }

    #[test]
    fn any_message_about_a_charged_back_payment_paypal_says_stands_reinstates_it() {
        // The Canceled_Reversal message may be lost or late; a later
        // message about the payment finds PayPal's answer all the same.
        let n = message("txn_id=T1&payment_status=Completed&mc_gross=1.50&mc_currency=EUR");
        let s = subject(
            order(-3, Some("T1")),
            Some(trade("chargeback", Some("undone"))),
        );
        let d = decided(&n, &s, &paid("T1"));
        assert_eq!(
            outcomes(&d),
            vec![
                Outcome::ReversalCanceledReapplied,
                Outcome::ReversalCanceledFlagged
            ]
        );
    }

    #[test]
    fn a_failed_order_paypal_says_is_paid_goes_to_review() {
        let n = message("txn_id=T1&payment_status=Completed&mc_gross=1.50&mc_currency=EUR");
        let s = subject(order(-2, None), None);
        let d = decided(&n, &s, &paid("T1"));
        assert_eq!(outcomes(&d), vec![Outcome::PaidFailedOrderToReview]);
    }

    #[test]
    fn paypal_unreachable_leaves_the_message_for_the_cron() {
        let n = reversal();
        let s = subject(order(2, Some("T1")), Some(trade("processed", None)));
        let d = decided(&n, &s, &Inquiry::Unknown);
        assert!(matches!(d, Decision::Retry(ref b) if b.len() == 1));
    }

    #[test]
    fn a_change_leaves_the_message_received_until_a_look_agrees() {
        let n = reversal();
        let s = subject(order(2, Some("T1")), Some(trade("processed", None)));
        let d = decided(&n, &s, &reversed("T1"));
        let Decision::Change(tries, _) = d else {
            panic!("a change")
        };
        for (batch, _) in tries {
            assert!(!batch.iter().any(|s| s.sql.contains("psp_notifications")));
            assert!(batch.iter().any(|s| s.sql == "SELECT 'trace'"));
        }
    }
}
