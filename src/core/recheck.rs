//! The scheduled re-reads of processed payments: reversals and refunds
//! must not be learned from PayPal's notifications alone (a notification
//! may never come). Each trade's payment is read again with
//! GetTransactionDetails [`DAYS`] after the trade (1, 7, 30, 90 and 180
//! days), then never again. A read is applied exactly as a notification
//! about the payment would be: the cron hands [`prompt`] to the same
//! orchestration as the IPN listener (`routes/ipn.rs` `act`, decisions in
//! `core::notify`), so a reversal charges the trade back, a canceled one
//! puts it back, with one copy of that logic.
//!
//! The schedule lives on the trade: `recheck_step` (the index in [`DAYS`]
//! of the next read) and `recheck_at` (when it is due; NULL once the last
//! read is done), with a partial index on the due ones that [`due`] reads,
//! oldest due first, [`PER_RUN`] at most. A read that found PayPal and the
//! platform agreeing (after any change) moves the schedule on
//! ([`advance`]); reads whose time has passed meanwhile (the cron was
//! down) are folded into this one. A read PayPal could not answer, or one
//! whose change lost a race, keeps its step and is due again at once
//! ([`again`]): `recheck_at` becomes the time of that read, which puts it
//! behind the reads due before it, so a payment PayPal never answers
//! about cannot starve the others.

use serde::Deserialize;

use super::money::Amount;
use super::psp::notice::Notice;
use super::psp::notice::PaymentState;
use super::psp::ProviderId;
use super::sql::{Param, Stmt};
use super::time::UtcTime;

/// When a trade's payment is read again, in days after the trade.
pub const DAYS: [i64; 5] = [1, 7, 30, 90, 180];

/// Payments re-read per cron run at most.
pub const PER_RUN: i64 = 10;

const DAY_SECONDS: i64 = 86_400;

/// The payment status the prompt carries: not one of PayPal's, so that it
/// is never taken for what PayPal says (PayPal's answer decides).
pub const PROMPT_STATUS: &str = "Recheck";

/// `recheck_at` of a new trade made at `trade_at`: the first read. A time
/// that cannot be read (never one we wrote) is due at once rather than
/// never.
pub fn first_at(trade_at: &str) -> String {
    at(trade_at, 0).unwrap_or_else(|| trade_at.to_string())
}

/// When read `step` of a trade made at `trade_at` is due (`None` past the
/// last read or for an unreadable time).
fn at(trade_at: &str, step: usize) -> Option<String> {
    let days = DAYS.get(step)?;
    let t = UtcTime::parse(trade_at)?;
    Some(t.plus_seconds(days * DAY_SECONDS).to_string())
}

/// The step and time of the read after `step`, made at `now`: the first
/// read of the schedule still in the future (`None` after the last).
pub fn next(trade_at: &str, step: i64, now: &str) -> (i64, Option<String>) {
    let first = usize::try_from(step.saturating_add(1)).unwrap_or(0);
    for i in first..DAYS.len() {
        match at(trade_at, i) {
            Some(due) if due.as_str() > now => return (i as i64, Some(due)),
            Some(_) => {}
            None => break,
        }
    }
    (DAYS.len() as i64, None)
}

/// A trade whose payment is due to be read again.
#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub trade_id: i64,
    pub order_id: String,
    /// The payment's PayPal transaction.
    pub txn_id: String,
    pub currency: String,
    pub amount_cents: i64,
    /// The trade's time.
    pub at: String,
    pub recheck_step: i64,
}

/// The trades due at `now`, oldest due first. The partial index
/// `trades_recheck_due` serves it; a trade whose order has no transaction
/// (none is recorded without one) is skipped.
pub fn due(now: &str, limit: i64) -> Stmt {
    Stmt::new(
        "SELECT tr.id AS trade_id, tr.order_id, o.psp_transaction_id AS txn_id, o.currency, \
         o.amount_cents, tr.at, tr.recheck_step FROM trades tr JOIN orders o ON o.id = tr.order_id \
         WHERE tr.recheck_at IS NOT NULL AND tr.recheck_at <= ?1 \
         AND o.psp_transaction_id IS NOT NULL ORDER BY tr.recheck_at, tr.id LIMIT ?2",
        vec![Param::from(now), Param::Int(limit)],
    )
}

/// What the notification orchestration is given for a scheduled read: a
/// message about payment `txn_id` (as a later event's `parent_txn_id`),
/// with the order's amount and currency, naming no order (the payment's
/// transaction finds it). Its status is none of PayPal's, so it says
/// nothing about the payment: PayPal's answer decides.
/// Its own `txn_id` names the read (`recheck-<days>d-<txn>`): it keys the
/// seller's e-mail when the read charges the trade back, as a
/// notification's transaction does. It is never recorded as a
/// notification.
pub fn prompt(d: &Due) -> Notice {
    let days = usize::try_from(d.recheck_step)
        .ok()
        .and_then(|s| DAYS.get(s))
        .copied()
        .unwrap_or(0);
    read_notice(
        format!("recheck-{days}d-{}", d.txn_id),
        &d.txn_id,
        &d.currency,
        d.amount_cents,
    )
}

/// The [`prompt`] of an operator's recheck of a processed PayPal payment
/// (backoffice.md §2, "the reconciler's step"): the scheduled read, now.
/// Its own `txn_id` (`recheck-operator-<txn>`) names it as such.
pub fn operator_prompt(txn_id: &str, currency: &str, amount_cents: i64) -> Notice {
    read_notice(
        format!("recheck-operator-{txn_id}"),
        txn_id,
        currency,
        amount_cents,
    )
}

fn read_notice(reference: String, txn_id: &str, currency: &str, amount_cents: i64) -> Notice {
    Notice {
        provider: ProviderId::Paypal,
        reference,
        parent_reference: Some(txn_id.to_string()),
        state: PaymentState::Unknown,
        status_text: PROMPT_STATUS.to_string(),
        gross: Amount::from_cents(amount_cents),
        currency: Some(currency.to_string()),
        invoice: None,
        receiver_id: None,
        receiver_email: None,
    }
}

/// The read at `now` found PayPal and the platform agreeing: the schedule
/// moves on (unless another run moved it first).
pub fn advance(d: &Due, now: &str) -> Stmt {
    let (step, at) = next(&d.at, d.recheck_step, now);
    Stmt::new(
        "UPDATE trades SET recheck_step = ?3, recheck_at = ?4 WHERE id = ?1 AND recheck_step = ?2",
        vec![
            Param::Int(d.trade_id),
            Param::Int(d.recheck_step),
            Param::Int(step),
            Param::from(at.as_deref()),
        ],
    )
}

/// The read at `now` did not settle (PayPal did not answer, or a change
/// lost a race): same step, due again from `now`, behind the older ones.
pub fn again(d: &Due, now: &str) -> Stmt {
    Stmt::new(
        "UPDATE trades SET recheck_at = ?3 WHERE id = ?1 AND recheck_step = ?2 \
         AND recheck_at IS NOT NULL",
        vec![
            Param::Int(d.trade_id),
            Param::Int(d.recheck_step),
            Param::from(now),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::chargeback::TradeState;
    use crate::core::fixtures::{order_state, trade_state};
    use crate::core::notify::{self, Step, Subject};
    use crate::core::purchase::OrderState;

    const TRADE: &str = "2026-01-05T10:00:00Z";

    fn due_row(step: i64) -> Due {
        Due {
            trade_id: 5,
            order_id: "o1".into(),
            txn_id: "T1".into(),
            currency: "EUR".into(),
            amount_cents: 150,
            at: TRADE.into(),
            recheck_step: step,
        }
    }

    #[test]
    fn the_first_read_is_a_day_after_the_trade() {
        assert_eq!(first_at(TRADE), "2026-01-06T10:00:00Z");
    }

    #[test]
    fn each_read_schedules_the_next_and_the_180_day_read_is_the_last() {
        assert_eq!(
            next(TRADE, 0, "2026-01-06T10:05:00Z"),
            (1, Some("2026-01-12T10:00:00Z".into()))
        );
        assert_eq!(
            next(TRADE, 1, "2026-01-12T10:05:00Z"),
            (2, Some("2026-02-04T10:00:00Z".into()))
        );
        assert_eq!(
            next(TRADE, 3, "2026-04-05T10:05:00Z"),
            (4, Some("2026-07-04T10:00:00Z".into()))
        );
        assert_eq!(next(TRADE, 4, "2026-07-04T10:05:00Z"), (5, None));
        assert_eq!(next(TRADE, 5, "2027-01-01T00:00:00Z"), (5, None));
    }

    #[test]
    fn reads_whose_time_passed_meanwhile_are_folded_into_the_late_one() {
        // The day-1 read made 40 days after the trade: the next is day 90.
        assert_eq!(
            next(TRADE, 0, "2026-02-14T10:00:00Z"),
            (3, Some("2026-04-05T10:00:00Z".into()))
        );
        assert_eq!(next(TRADE, 0, "2027-01-01T00:00:00Z"), (5, None));
    }

    #[test]
    fn an_unanswered_read_keeps_its_step_and_an_answered_one_moves_on() {
        let d = due_row(1);
        let again = again(&d, "2026-01-12T10:05:00Z");
        assert!(again.sql.contains("recheck_step = ?2"));
        assert!(!again.sql.contains("recheck_step = ?3"));
        let advance = advance(&d, "2026-01-12T10:05:00Z");
        assert_eq!(advance.params.get(2), Some(&Param::Int(2)));
        assert_eq!(
            advance.params.get(3),
            Some(&Param::from("2026-02-04T10:00:00Z"))
        );
        let last = super::advance(&due_row(4), "2026-07-04T10:05:00Z");
        assert_eq!(last.params.get(3), Some(&Param::from(None::<&str>)));
    }

    fn order(code: i64) -> OrderState {
        order_state(serde_json::json!({
            "code": code, "substate": "done", "psp_transaction_id": "T1",
        }))
    }

    fn trade() -> TradeState {
        trade_state("processed", None)
    }

    #[test]
    fn the_prompt_asks_paypal_about_the_payment_as_a_notification_would() {
        let n = prompt(&due_row(2));
        assert_eq!(notify::payment_txn(&n), "T1");
        assert_eq!(n.reference, "recheck-30d-T1");
        // Read as a notification is: the payment's transaction finds the
        // order, nothing recorded, so never a duplicate.
        let subject = Subject {
            order: Some(order(2)),
            trade: Some(trade()),
            outcome: None,
        };
        match notify::first_step(&n, &subject) {
            Step::Ask(named) => assert_eq!(named.psp_transaction_id.as_deref(), Some("T1")),
            Step::Done(o) => panic!("asked nothing: {o:?}"),
        }
        let read = notify::read(&n, None);
        assert_eq!(read.len(), 3);
    }
}
