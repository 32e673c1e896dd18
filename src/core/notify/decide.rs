//! What a verified notification's handler writes once PayPal has
//! answered about the payment (see the parent module for the whole flow):
//! the order and its trade brought to PayPal's answer, a partial refund or
//! reversal leaving the trade standing in review (`core::partial`).

use super::{payment_txn, Outcome, Subject};
use crate::core::chargeback::{self, TradeState};
use crate::core::order::OrderStatus;
use crate::core::partial::{self, Share, Standing};
use crate::core::psp::notice::Notice;
use crate::core::purchase::{MailSetting, OrderState, PaymentAnswer};
use crate::core::reconcile::{self, Inquiry, Resolution};
use crate::core::sql::{Batch, Stmt};

/// What to write once PayPal has answered.
#[derive(Debug, PartialEq)]
pub enum Decision {
    /// The order and its trade agree with PayPal: write the trace and the
    /// message's outcome ([`super::set_outcome_stmt`]) and stop.
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

/// What every decision writes with: the answer's trace row, how e-mails
/// are written, the time and the event that prompted it.
struct Writing<'a> {
    trace: Stmt,
    mail: &'a MailSetting,
    now: &'a str,
    event: &'a str,
}

impl Writing<'_> {
    /// Only the trace: the message stays for the cron.
    fn retry(&self) -> Batch {
        vec![self.trace.clone()]
    }

    fn agreed(&self, outcome: Outcome) -> Decision {
        Decision::Agreed(vec![self.trace.clone()], outcome)
    }

    fn change(&self, mut batch: Batch, outcome: Outcome) -> (Batch, Outcome) {
        batch.push(self.trace.clone());
        (batch, outcome)
    }

    /// One change, else the message stays for the cron.
    fn one(&self, batch: Batch, outcome: Outcome) -> Decision {
        Decision::Change(vec![self.change(batch, outcome)], self.retry())
    }
}

/// Decides from the order (as read), its trade, and the provider's answer
/// about the payment. `trace` is the answer's trace row.
pub fn decide(
    n: &Notice,
    subject: &Subject,
    named: &OrderState,
    inquiry: &Inquiry,
    trace: Stmt,
    mail: &MailSetting,
    now: &str,
) -> Decision {
    let w = Writing {
        trace,
        mail,
        now,
        event: n.reference.as_str(),
    };
    if matches!(inquiry, Inquiry::Unknown) {
        return Decision::Retry(w.retry());
    }
    if matches!(inquiry, Inquiry::Mismatch(_)) {
        // The provider described another order's payment: nothing changes.
        return w.agreed(Outcome::Mismatch);
    }
    let standing = partial::standing(inquiry, Some(n), named.amount_cents);
    // The trade as it must be for each change (its guards check it again).
    let processed = subject.trade.as_ref().filter(|t| t.status == "processed");
    let charged_back = subject.trade.as_ref().filter(|t| t.status == "chargeback");
    match (named.code, standing) {
        (OrderStatus::Pending, _) => unrecorded(n, named, inquiry, standing, &w),
        (OrderStatus::Processed, Standing::Returned(Share::Whole)) => match processed {
            Some(t) => returned_whole(t, &w),
            None => w.agreed(Outcome::NothingToChange),
        },
        (
            OrderStatus::Processed,
            Standing::PartlyRefunded | Standing::Returned(Share::Part | Share::Unproven),
        ) => match processed.filter(|t| partial::may_mark(t)) {
            Some(t) => {
                let operator = w.mail.operator_email.as_deref();
                let mark =
                    partial::mark_for_review(t, w.event, operator, now, mail.delivered_on_write);
                w.one(mark, Outcome::PartlyReturnedToReview)
            }
            None => w.agreed(Outcome::NothingToChange),
        },
        (OrderStatus::Processed, Standing::Paid) => {
            match processed.filter(|t| partial::is_marked(t)) {
                Some(t) => w.one(partial::clear_review(t, now), Outcome::ReviewCleared),
                None => w.agreed(Outcome::NothingToChange),
            }
        }
        (OrderStatus::Chargeback, Standing::Paid | Standing::PartlyRefunded) => {
            // The payment stands again (partly refunded since, perhaps: the
            // next look then marks it for review).
            match charged_back {
                Some(t) => standing_again(t, &w),
                None => w.agreed(Outcome::NothingToChange),
            }
        }
        (
            OrderStatus::Canceled | OrderStatus::Failed,
            Standing::Paid | Standing::PartlyRefunded | Standing::Returned(Share::Part),
        ) => {
            // Failed or canceled, yet the provider holds a payment for it,
            // whole or partly refunded: put it back for an operator rather
            // than lose it.
            let batch = reconcile::reopen_for_review(&named.id, payment_txn(n), now);
            w.one(batch, Outcome::PaidFailedOrderToReview)
        }
        (OrderStatus::Processed | OrderStatus::Chargeback, Standing::Other)
        | (OrderStatus::Chargeback, Standing::Returned(_))
        | (
            OrderStatus::Canceled | OrderStatus::Failed,
            Standing::Returned(Share::Whole | Share::Unproven) | Standing::Other,
        )
        | (OrderStatus::Test, _) => w.agreed(Outcome::NothingToChange),
    }
}

/// An unrecorded order: the reconciler's decision, except that a partial
/// reversal its message proves is read as a partial refund (money moved,
/// review).
fn unrecorded(
    n: &Notice,
    named: &OrderState,
    inquiry: &Inquiry,
    standing: Standing,
    w: &Writing<'_>,
) -> Decision {
    let partly = Inquiry::Payment(PaymentAnswer::PartlyRefunded {
        transaction_id: payment_txn(n).to_string(),
        receiver_id: None,
    });
    let inquiry = match standing {
        Standing::Returned(Share::Part) => &partly,
        Standing::Returned(Share::Whole | Share::Unproven)
        | Standing::Paid
        | Standing::PartlyRefunded
        | Standing::Other => inquiry,
    };
    match reconcile::resolve(named, inquiry, false, w.trace.clone(), w.mail, w.now) {
        // `resolve` puts the trace in its batch.
        Resolution::Write(batch) => Decision::Change(vec![(batch, Outcome::Settled)], w.retry()),
        Resolution::Wait => w.agreed(Outcome::ReconcilerFollows),
    }
}

/// The whole payment went back: undo the trade (when nothing was undone
/// for it before), else mark it disputed.
fn returned_whole(t: &TradeState, w: &Writing<'_>) -> Decision {
    let on_write = w.mail.delivered_on_write;
    let mut tries = Vec::new();
    if t.reversal.is_none() {
        let undo = chargeback::undo(t, w.event, w.now, on_write);
        tries.push(w.change(undo, Outcome::ChargebackUndone));
    }
    let dispute = chargeback::dispute(t, w.event, w.now, on_write);
    tries.push(w.change(dispute, Outcome::ChargebackDisputed));
    Decision::Change(tries, w.retry())
}

/// A charged-back payment stands again: re-apply the undone trade, else
/// flag it.
fn standing_again(t: &TradeState, w: &Writing<'_>) -> Decision {
    let on_write = w.mail.delivered_on_write;
    let mut tries = Vec::new();
    if t.reversal.as_deref() == Some("undone") {
        let reapply = chargeback::reapply(t, w.event, w.now, on_write);
        tries.push(w.change(reapply, Outcome::ReversalCanceledReapplied));
    }
    let flagged = chargeback::reinstate_flagged(t, w.event, w.now, on_write);
    tries.push(w.change(flagged, Outcome::ReversalCanceledFlagged));
    Decision::Change(tries, w.retry())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::core::chargeback::TradeState;
    use crate::core::fixtures::{order_state, trade_state};
    use crate::core::notify::RECEIVED;
    use crate::core::notify::{first_step, Step};
    use crate::core::order::Substate;
    use crate::core::psp::paypal::ipn;

    pub(in crate::core::notify) fn order(code: i64, txn: Option<&str>) -> OrderState {
        order_state(serde_json::json!({
            "code": code,
            "substate": if code == 0 { "confirming" } else { "done" },
            "psp_transaction_id": txn,
        }))
    }

    pub(in crate::core::notify) fn trade(status: &str, reversal: Option<&str>) -> TradeState {
        trade_state(status, reversal)
    }

    pub(in crate::core::notify) fn message(body: &str) -> Notice {
        ipn::parse(body).expect("parses")
    }

    pub(in crate::core::notify) fn reversal() -> Notice {
        message("txn_id=R1&parent_txn_id=T1&payment_status=Reversed&mc_gross=-1.50&mc_currency=EUR&receiver_id=RCV")
    }

    pub(in crate::core::notify) fn paid(txn: &str) -> Inquiry {
        Inquiry::Payment(PaymentAnswer::Completed {
            transaction_id: txn.into(),
            amount: crate::core::money::Amount::from_cents(150),
            currency: Some("EUR".into()),
            receiver_id: Some("RCV".into()),
        })
    }

    pub(in crate::core::notify) fn reversed(txn: &str) -> Inquiry {
        Inquiry::Payment(PaymentAnswer::Failed {
            transaction_id: txn.into(),
            status: "Reversed".into(),
            state: crate::core::psp::notice::PaymentState::Reversed,
        })
    }

    pub(in crate::core::notify) fn mail() -> MailSetting {
        MailSetting {
            delivered_on_write: true,
            operator_email: None,
            site_url: None,
        }
    }

    pub(in crate::core::notify) fn outcomes(d: &Decision) -> Vec<Outcome> {
        match d {
            Decision::Change(tries, _) => tries.iter().map(|(_, o)| *o).collect(),
            Decision::Agreed(_, o) => vec![*o],
            Decision::Retry(_) => Vec::new(),
        }
    }

    pub(in crate::core::notify) fn subject(
        order: OrderState,
        trade: Option<TradeState>,
    ) -> Subject {
        Subject {
            order: Some(order),
            trade,
            outcome: Some(RECEIVED.into()),
        }
    }

    pub(in crate::core::notify) fn trace() -> Stmt {
        Stmt::new("SELECT 'trace'", vec![])
    }

    /// `decide` for the order the subject read, with the transaction named.
    pub(in crate::core::notify) fn decided(n: &Notice, s: &Subject, inquiry: &Inquiry) -> Decision {
        let order = s.order.clone().expect("an order");
        let named = OrderState {
            psp_transaction_id: Some(payment_txn(n).to_string()),
            ..order
        };
        decide(n, s, &named, inquiry, trace(), &mail(), "t")
    }
    pub(in crate::core::notify) fn refunded(txn: &str, status: &str) -> Inquiry {
        Inquiry::Payment(crate::core::psp::paypal::answers::payment_answer(
            &crate::core::psp::paypal::nvp::PaymentStatus::parse(status),
            txn.into(),
            crate::core::money::Amount::from_cents(150),
            Some("EUR".into()),
            Some("RCV".into()),
        ))
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
    fn a_cent_refunded_of_a_processed_trade_leaves_it_standing_and_in_review() {
        let n = message("txn_id=R1&parent_txn_id=T1&payment_status=Refunded&mc_gross=-0.01&mc_currency=EUR&receiver_id=RCV");
        let s = subject(order(2, Some("T1")), Some(trade("processed", None)));
        assert!(matches!(first_step(&n, &s), Step::Ask(_)));
        let d = decided(&n, &s, &refunded("T1", "Partially-Refunded"));
        assert_eq!(outcomes(&d), vec![Outcome::PartlyReturnedToReview]);
        let Decision::Change(tries, _) = d else {
            panic!("a change")
        };
        let batch = &tries[0].0;
        assert!(
            !batch
                .iter()
                .any(|s| s.sql.contains("UPDATE titles") || s.sql.contains("UPDATE trades")),
            "the trade and its titles stand"
        );
        assert!(batch
            .iter()
            .any(|s| s.sql.contains("substate = 'needs_review'") && s.sql.contains("code = 2")));
        // Marked already (or kept by an operator): nothing more.
        let marked = TradeState {
            order_substate: Substate::NeedsReview,
            ..trade("processed", None)
        };
        let s = subject(order(2, Some("T1")), Some(marked));
        let d = decided(&n, &s, &refunded("T1", "Partially-Refunded"));
        assert_eq!(outcomes(&d), vec![Outcome::NothingToChange]);
    }

    #[test]
    fn a_partial_reversal_leaves_the_trade_standing_and_a_whole_one_undoes_it() {
        let s = subject(order(2, Some("T1")), Some(trade("processed", None)));
        let part = message(
            "txn_id=R1&parent_txn_id=T1&payment_status=Reversed&mc_gross=-0.50&mc_currency=EUR",
        );
        assert_eq!(
            outcomes(&decided(&part, &s, &reversed("T1"))),
            vec![Outcome::PartlyReturnedToReview]
        );
        // Another message while PayPal says Reversed: the amount is not
        // proven, so nothing is undone.
        let late = message("txn_id=T1&payment_status=Completed&mc_gross=1.50&mc_currency=EUR");
        assert_eq!(
            outcomes(&decided(&late, &s, &reversed("T1"))),
            vec![Outcome::PartlyReturnedToReview]
        );
        // The whole refund (after partial ones) undoes it, in review or not.
        let rest = message(
            "txn_id=R2&parent_txn_id=T1&payment_status=Refunded&mc_gross=-1.49&mc_currency=EUR",
        );
        let marked = TradeState {
            order_substate: Substate::NeedsReview,
            ..trade("processed", None)
        };
        let s = subject(order(2, Some("T1")), Some(marked));
        assert_eq!(
            outcomes(&decided(&rest, &s, &refunded("T1", "Refunded"))),
            vec![Outcome::ChargebackUndone, Outcome::ChargebackDisputed]
        );
        // A partial reversal canceled: the mark goes.
        assert_eq!(
            outcomes(&decided(&late, &s, &paid("T1"))),
            vec![Outcome::ReviewCleared]
        );
    }

    #[test]
    fn a_partly_refunded_payment_of_an_open_or_failed_order_goes_to_review() {
        let n = message(
            "txn_id=R1&parent_txn_id=T1&payment_status=Refunded&mc_gross=-0.01&mc_currency=EUR",
        );
        let s = subject(order(0, None), None);
        let d = decided(&n, &s, &refunded("T1", "Partially-Refunded"));
        let Decision::Change(tries, _) = d else {
            panic!("a change: {d:?}")
        };
        assert_eq!(tries[0].1, Outcome::Settled);
        assert!(tries[0]
            .0
            .iter()
            .any(|s| s.sql.contains("substate = 'needs_review'")));
        assert!(!tries[0].0.iter().any(|s| s.sql.contains("code = -2")));
        let failed = subject(order(-2, None), None);
        assert_eq!(
            outcomes(&decided(&n, &failed, &refunded("T1", "Partially-Refunded"))),
            vec![Outcome::PaidFailedOrderToReview]
        );
    }

    #[test]
    fn paypals_answer_about_another_orders_payment_changes_nothing() {
        let n = message("txn_id=CHEAP&payment_status=Completed&mc_gross=1.50&mc_currency=EUR");
        let s = subject(order(-1, None), None);
        let d = decided(
            &n,
            &s,
            &Inquiry::Mismatch(crate::core::reconcile::Mismatch::Invoice),
        );
        assert!(
            matches!(d, Decision::Agreed(ref b, Outcome::Mismatch) if b.len() == 1),
            "{d:?}"
        );
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
