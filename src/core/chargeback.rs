//! Chargebacks: a payment reversed or refunded after its trade was recorded
//! (order code -3), and a reversal canceled afterwards. When the titles the
//! trade touched are unchanged since, the trade is undone on them (a
//! transferred title returns to the seller at its old value; after a split
//! the buyer's new title is voided, its ISIN never reused, and X returns to
//! the seller's title); otherwise they are flagged `disputed`. Each is one
//! guarded batch: the undo's guards fail exactly when something changed,
//! and the caller then writes the dispute instead.
//!
//! `trades.reversal` says what a reversal did to the titles, and keeps
//! saying it after a canceled reversal: `undone` means the trade is not on
//! the titles (charged back, or paid again but not re-applied because the
//! titles had moved on), `disputed` means it is on them and they are
//! flagged. Which notification arrives first does not matter: each batch
//! starts from the trade's recorded state.

use serde::Deserialize;

use super::i18n::Lang;
use super::ledger::{self, Entry, Kind};
use super::money::plain_cents;
use super::order::{OrderStatus, Substate};
use super::sql::{guard_one_row_changed, outbox, Batch, Param, Stmt};

/// A processed (or charged back) trade and what undoing it needs.
#[derive(Deserialize, Debug, Clone)]
pub struct TradeState {
    pub trade_id: i64,
    pub order_id: String,
    pub order_code: OrderStatus,
    pub title_id: i64,
    pub new_title_id: i64,
    pub isin: String,
    pub new_isin: String,
    pub amount_cents: i64,
    pub currency: String,
    pub new_value_cents: i64,
    pub seller_value_cents: Option<i64>,
    pub previous_value_cents: i64,
    pub buyer_id: i64,
    pub seller_id: i64,
    pub status: String,
    pub reversal: Option<String>,
    pub seller_email: String,
    pub seller_language: String,
    pub psp_receiver_id: Option<String>,
    /// The order's sub-state: `done`, or `needs_review` while a partial
    /// refund or reversal waits for an operator (`core::partial`).
    pub order_substate: Substate,
    /// The order's `failure_reason`: why it is (or was) reviewed.
    pub order_review: Option<String>,
}

macro_rules! trade_state {
    ($where:literal) => {
        concat!(
            "SELECT tr.id AS trade_id, tr.order_id, o.code AS order_code, tr.title_id, tr.new_title_id, tr.isin, ",
            "tr.new_isin, tr.amount_cents, tr.currency, tr.new_value_cents, tr.seller_value_cents, ",
            "tr.previous_value_cents, tr.buyer_id, tr.seller_id, tr.status, tr.reversal, ",
            "s.email AS seller_email, s.language AS seller_language, o.psp_receiver_id, ",
            "o.substate AS order_substate, o.failure_reason AS order_review ",
            "FROM trades tr JOIN orders o ON o.id = tr.order_id JOIN clients s ON s.id = tr.seller_id ",
            $where
        )
    };
}

/// The trade of order `order_id` when given, else of the order paid by
/// `txn_id`.
pub fn trade_of_order(order_id: Option<&str>, txn_id: &str) -> Stmt {
    Stmt::new(
        trade_state!(
            "WHERE tr.order_id = COALESCE(?1, (SELECT id FROM orders WHERE psp_transaction_id = ?2))"
        ),
        vec![Param::from(order_id), Param::from(txn_id)],
    )
}

impl TradeState {
    fn is_split(&self) -> bool {
        self.new_title_id != self.title_id
    }
}

/// No later trade touched the trade's titles.
fn untouched_since(t: &TradeState) -> Stmt {
    Stmt::new(
        "INSERT INTO guard (ok) SELECT NOT EXISTS (SELECT 1 FROM trades WHERE id > ?1 \
         AND (title_id IN (?2, ?3) OR new_title_id IN (?2, ?3)))",
        vec![
            Param::Int(t.trade_id),
            Param::Int(t.title_id),
            Param::Int(t.new_title_id),
        ],
    )
}

/// The seller's e-mail about the trade, keyed by what happened and the
/// notification that caused it, so that each is sent once.
fn mail(
    t: &TradeState,
    key_suffix: &str,
    (subject, body): (String, String),
    now: &str,
    delivered_on_write: bool,
) -> Stmt {
    let key = format!("order:{}:{key_suffix}", t.order_id);
    outbox::insert(&outbox::Mail {
        event_key: &key,
        to: &t.seller_email,
        subject: &subject,
        body: &body,
        now,
        delivered_on_write,
    })
}

/// The trade's amount as the e-mails show it (`1.50 EUR`).
fn paid(t: &TradeState) -> String {
    format!("{} {}", plain_cents(t.amount_cents), t.currency)
}

fn chargeback_mail(t: &TradeState, undone: bool) -> (String, String) {
    let paid = paid(t);
    let lang = Lang::parse(&t.seller_language).unwrap_or_default();
    match (lang, undone) {
        (Lang::En, true) => (
            format!("PayBook: the payment of {paid} for {} was reversed", t.isin),
            format!("PayPal reversed or refunded the payment of {paid} you received for {}. The trade was undone: the titles are as they were before it.\n", t.isin),
        ),
        (Lang::En, false) => (
            format!("PayBook: the payment of {paid} for {} was reversed", t.isin),
            format!("PayPal reversed or refunded the payment of {paid} you received for {}. The titles had changed since, so they are now marked as disputed.\n", t.isin),
        ),
        (Lang::Fr, true) => (
            format!("PayBook : le paiement de {paid} pour {} a été annulé", t.isin),
            format!("PayPal a annulé ou remboursé le paiement de {paid} que vous avez reçu pour {}. L'échange a été défait : les titres sont revenus à leur état d'avant.\n", t.isin),
        ),
        (Lang::Fr, false) => (
            format!("PayBook : le paiement de {paid} pour {} a été annulé", t.isin),
            format!("PayPal a annulé ou remboursé le paiement de {paid} que vous avez reçu pour {}. Les titres avaient changé depuis : ils sont désormais marqués comme contestés.\n", t.isin),
        ),
    }
}

fn reinstated_mail(t: &TradeState, reapplied: bool) -> (String, String) {
    let paid = paid(t);
    let lang = Lang::parse(&t.seller_language).unwrap_or_default();
    match (lang, reapplied) {
        (Lang::En, true) => (
            format!("PayBook: the reversal of {paid} for {} was canceled", t.isin),
            format!("PayPal canceled the reversal of the payment of {paid} you received for {}: the money is yours again, and the trade stands as it was.\n", t.isin),
        ),
        (Lang::En, false) => (
            format!("PayBook: the reversal of {paid} for {} was canceled", t.isin),
            format!("PayPal canceled the reversal of the payment of {paid} you received for {}: the money is yours again. The titles had changed since, so they stay marked as disputed until an operator looks.\n", t.isin),
        ),
        (Lang::Fr, true) => (
            format!("PayBook : l'annulation du paiement de {paid} pour {} a été levée", t.isin),
            format!("PayPal a levé l'annulation du paiement de {paid} que vous avez reçu pour {} : l'argent vous revient, et l'échange est rétabli tel qu'il était.\n", t.isin),
        ),
        (Lang::Fr, false) => (
            format!("PayBook : l'annulation du paiement de {paid} pour {} a été levée", t.isin),
            format!("PayPal a levé l'annulation du paiement de {paid} que vous avez reçu pour {} : l'argent vous revient. Les titres avaient changé depuis : ils restent marqués comme contestés jusqu'à l'examen d'un opérateur.\n", t.isin),
        ),
    }
}

fn order_and_trade(
    t: &TradeState,
    order_from: i64,
    order_to: i64,
    trade_from: &str,
    trade_to: &str,
    reversal: Option<&str>,
    now: &str,
) -> Batch {
    vec![
        Stmt::new(
            // A chargeback also ends a review of a partial refund; a
            // reinstated trade is done.
            "UPDATE orders SET code = ?3, substate = 'done', updated_at = ?4 WHERE id = ?1 AND code = ?2",
            vec![
                Param::from(t.order_id.as_str()),
                Param::Int(order_from),
                Param::Int(order_to),
                Param::from(now),
            ],
        ),
        guard_one_row_changed(),
        Stmt::new(
            "UPDATE trades SET status = ?3, reversal = ?4 WHERE id = ?1 AND status = ?2",
            vec![
                Param::Int(t.trade_id),
                Param::from(trade_from),
                Param::from(trade_to),
                Param::from(reversal),
            ],
        ),
        guard_one_row_changed(),
    ]
}

/// Which way the trade's effect moves on its titles.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Way {
    /// Off the titles (a chargeback undoes it).
    Off,
    /// Back on them (a canceled reversal re-applies it).
    On,
}

/// The title writes that take the trade off its titles or put it back on,
/// each guarded on the titles being exactly as the other way left them.
fn move_titles(t: &TradeState, way: Way, now: &str) -> Batch {
    let mut b = Vec::new();
    if t.is_split() {
        // The buyer's new title is voided (its ISIN never reused), or
        // becomes active again; the seller's keeps V - X, or gets V back.
        let sql = match way {
            Way::Off => "UPDATE titles SET status = 'voided', version = version + 1, updated_at = ?4 WHERE id = ?1 \
                         AND holder_id = ?2 AND value_cents = ?3 AND claim_order_id IS NULL AND status = 'active'",
            Way::On => "UPDATE titles SET status = 'active', version = version + 1, updated_at = ?4 WHERE id = ?1 \
                        AND holder_id = ?2 AND value_cents = ?3 AND claim_order_id IS NULL AND status = 'voided'",
        };
        b.push(Stmt::new(
            sql,
            vec![
                Param::Int(t.new_title_id),
                Param::Int(t.buyer_id),
                Param::Int(t.new_value_cents),
                Param::from(now),
            ],
        ));
        b.push(guard_one_row_changed());
        let (on, off) = (
            Param::from(t.seller_value_cents),
            Param::Int(t.previous_value_cents),
        );
        let (from, to) = match way {
            Way::Off => (on, off),
            Way::On => (off, on),
        };
        b.push(Stmt::new(
            "UPDATE titles SET value_cents = ?4, version = version + 1, updated_at = ?5 WHERE id = ?1 \
             AND holder_id = ?2 AND value_cents = ?3 AND claim_order_id IS NULL AND status = 'active'",
            vec![Param::Int(t.title_id), Param::Int(t.seller_id), from, to, Param::from(now)],
        ));
    } else {
        // The title passes back to the seller at V, or to the buyer again.
        let on = (t.buyer_id, t.new_value_cents);
        let off = (t.seller_id, t.previous_value_cents);
        let ((holder_from, value_from), (holder_to, value_to)) = match way {
            Way::Off => (on, off),
            Way::On => (off, on),
        };
        b.push(Stmt::new(
            "UPDATE titles SET holder_id = ?4, value_cents = ?5, version = version + 1, updated_at = ?6 \
             WHERE id = ?1 AND holder_id = ?2 AND value_cents = ?3 AND claim_order_id IS NULL AND status = 'active'",
            vec![
                Param::Int(t.title_id),
                Param::Int(holder_from),
                Param::Int(value_from),
                Param::Int(holder_to),
                Param::Int(value_to),
                Param::from(now),
            ],
        ));
    }
    b.push(guard_one_row_changed());
    b
}

/// The ledger entry recording what the batch does to the trade, after its
/// guards (a refused batch appends nothing).
fn entry(t: &TradeState, kind: Kind, now: &str) -> Stmt {
    ledger::append(&Entry::of_trade(t, kind, now))
}

/// Undoes the trade on unchanged titles (fails its guards otherwise).
/// `event` names what charged it back (the notification's transaction), so
/// that each chargeback mails the seller once.
pub fn undo(t: &TradeState, event: &str, now: &str, delivered_on_write: bool) -> Batch {
    let mut b = undo_unmailed(t, now);
    b.push(mail(
        t,
        &format!("chargeback:{event}"),
        chargeback_mail(t, true),
        now,
        delivered_on_write,
    ));
    b
}

/// [`undo`] without the seller's chargeback e-mail: for a change that
/// writes its own (a refund the seller asked for).
pub fn undo_unmailed(t: &TradeState, now: &str) -> Batch {
    let mut b = order_and_trade(t, 2, -3, "processed", "chargeback", Some("undone"), now);
    b.push(untouched_since(t));
    b.extend(move_titles(t, Way::Off, now));
    b.push(entry(t, Kind::Undo, now));
    b
}

/// The titles moved on: the trade is charged back and its titles flagged.
/// A trade already off the titles (`undone`, paid again after a canceled
/// reversal but not re-applied) stays off them.
pub fn dispute(t: &TradeState, event: &str, now: &str, delivered_on_write: bool) -> Batch {
    let mut b = dispute_unmailed(t, now);
    b.push(mail(
        t,
        &format!("chargeback:{event}"),
        chargeback_mail(t, false),
        now,
        delivered_on_write,
    ));
    b
}

/// [`dispute`] without the seller's chargeback e-mail (see
/// [`undo_unmailed`]).
pub fn dispute_unmailed(t: &TradeState, now: &str) -> Batch {
    let reversal = if t.reversal.as_deref() == Some("undone") {
        "undone"
    } else {
        "disputed"
    };
    let mut b = order_and_trade(t, 2, -3, "processed", "chargeback", Some(reversal), now);
    b.push(flag(t, now));
    b.push(entry(t, Kind::Undo, now));
    b
}

fn flag(t: &TradeState, now: &str) -> Stmt {
    Stmt::new(
        "UPDATE titles SET disputed = 1, updated_at = ?3 WHERE id IN (?1, ?2)",
        vec![
            Param::Int(t.title_id),
            Param::Int(t.new_title_id),
            Param::from(now),
        ],
    )
}

/// A canceled reversal re-applies an undone trade on unchanged titles; the
/// seller is told (`event` keys the e-mail, as for a chargeback).
pub fn reapply(t: &TradeState, event: &str, now: &str, delivered_on_write: bool) -> Batch {
    let mut b = order_and_trade(t, -3, 2, "chargeback", "processed", None, now);
    b.push(untouched_since(t));
    b.extend(move_titles(t, Way::On, now));
    b.push(entry(t, Kind::Reapply, now));
    b.push(mail(
        t,
        &format!("reinstated:{event}"),
        reinstated_mail(t, true),
        now,
        delivered_on_write,
    ));
    b
}

/// A canceled reversal whose trade cannot be re-applied: the payment stands
/// again, the titles stay (or become) flagged, and `reversal` keeps saying
/// whether the trade is on them.
pub fn reinstate_flagged(
    t: &TradeState,
    event: &str,
    now: &str,
    delivered_on_write: bool,
) -> Batch {
    let reversal = t.reversal.as_deref().or(Some("disputed"));
    let mut b = order_and_trade(t, -3, 2, "chargeback", "processed", reversal, now);
    b.push(flag(t, now));
    b.push(entry(t, Kind::Reapply, now));
    b.push(mail(
        t,
        &format!("reinstated:{event}"),
        reinstated_mail(t, false),
        now,
        delivered_on_write,
    ));
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trade(split: bool) -> TradeState {
        TradeState {
            trade_id: 5,
            order_id: "o1".into(),
            order_code: OrderStatus::Processed,
            title_id: 7,
            new_title_id: if split { 8 } else { 7 },
            isin: "ZZ0000000001".into(),
            new_isin: if split {
                "ZZ0000000002".into()
            } else {
                "ZZ0000000001".into()
            },
            amount_cents: 150,
            currency: "EUR".into(),
            new_value_cents: 225,
            seller_value_cents: if split { Some(50) } else { None },
            previous_value_cents: 200,
            buyer_id: 2,
            seller_id: 1,
            status: "processed".into(),
            reversal: None,
            seller_email: "alice@example.org".into(),
            seller_language: "en".into(),
            psp_receiver_id: None,
            order_substate: Substate::Done,
            order_review: None,
        }
    }

    #[test]
    fn undoing_a_transfer_returns_the_title_at_its_old_value() {
        let b = undo(&trade(false), "R1", "t", true);
        let back = b
            .iter()
            .find(|s| s.sql.starts_with("UPDATE titles SET holder_id"))
            .expect("title back");
        assert_eq!(back.params[3], Param::Int(1), "to the seller");
        assert_eq!(back.params[4], Param::Int(200), "at its old value");
    }

    #[test]
    fn undoing_a_split_voids_the_new_title_and_restores_the_parent() {
        let b = undo(&trade(true), "R1", "t", true);
        assert!(b
            .iter()
            .any(|s| s.sql.contains("status = 'voided'") && s.params[0] == Param::Int(8)));
        let parent = b
            .iter()
            .find(|s| s.sql.starts_with("UPDATE titles SET value_cents"))
            .expect("parent");
        assert_eq!(parent.params[2], Param::Int(50));
        assert_eq!(parent.params[3], Param::Int(200));
    }

    #[test]
    fn each_change_to_the_history_appends_its_entry_after_its_guards() {
        let kinds = [
            (undo(&trade(false), "R1", "t", true), "undo"),
            (dispute(&trade(false), "R1", "t", true), "undo"),
            (reapply(&trade(false), "C1", "t", true), "reapply"),
            (reinstate_flagged(&trade(false), "C1", "t", true), "reapply"),
        ];
        for (batch, kind) in kinds {
            let at = batch
                .iter()
                .position(|s| s.sql.starts_with("INSERT INTO ledger"))
                .expect("an entry");
            assert_eq!(batch[at].params[1], Param::from(kind));
            assert!(ledger::appends(&batch), "{kind}: appended at the tail");
            let last_guard = batch
                .iter()
                .rposition(|s| s.sql.contains("INSERT INTO guard"))
                .unwrap_or(0);
            assert!(at > last_guard, "{kind}: after the guards");
        }
    }

    #[test]
    fn a_dispute_flags_both_titles_and_mails_the_seller() {
        let b = dispute(&trade(true), "R1", "t", true);
        assert!(b.iter().any(|s| s.sql.contains("disputed = 1")));
        assert!(b.iter().any(|s| s.sql.contains("INSERT INTO outbox")));
    }

    #[test]
    fn a_trade_off_its_titles_stays_off_them_through_reinstatement_and_chargeback() {
        let off = TradeState {
            status: "chargeback".into(),
            reversal: Some("undone".into()),
            ..trade(false)
        };
        let back = reinstate_flagged(&off, "C1", "t", true);
        assert!(back
            .iter()
            .any(|s| s.sql.starts_with("UPDATE trades") && s.params[3] == Param::from("undone")));
        assert!(
            !back.iter().any(|s| s.sql.contains("holder_id =")),
            "no title moves"
        );
        let again = dispute(
            &TradeState {
                status: "processed".into(),
                ..off
            },
            "R2",
            "t",
            true,
        );
        assert!(again
            .iter()
            .any(|s| s.sql.starts_with("UPDATE trades") && s.params[3] == Param::from("undone")));
    }
}
