//! The invariants checked on the database after every step (the cheap
//! ones) and, once the history is quiescent, on the database and PayPal's
//! state together: PayPal is the emulator, so what it did is read from its
//! own tables (`emulator_transactions`, `emulator_accounts`,
//! `emulator_ipn_messages`). This file holds the per-step checks and the
//! money ones ((1), (2), (5), (7), (8)); `checks_titles.rs` the titles,
//! trades, quiescence and notifications ((3), (6)).

use std::collections::{BTreeMap, BTreeSet};

use paybook::core::sql;
use serde::Deserialize;

use super::fx::Sim;
use super::ledger::Ledger;

/// A client of the platform and its PayPal (emulator) account.
#[derive(Clone, Debug)]
pub struct Client {
    pub id: i64,
    pub email: String,
    pub api_username: String,
    /// `emulator_accounts.id`.
    pub account: i64,
    pub buyer: bool,
    /// The balance it started with, and what it deposited since.
    pub start: i64,
    pub deposits: i64,
}

#[derive(Deserialize)]
pub struct OrderRow {
    pub id: String,
    /// `paypal`, `sips` or `monetico`: only PayPal's are PayPal payments.
    pub psp: String,
    pub code: i64,
    pub substate: String,
    pub title_id: i64,
    pub buyer_id: i64,
    pub seller_id: i64,
    pub amount_cents: i64,
    pub profit_rate: i64,
    pub title_value_cents: i64,
    pub new_value_cents: i64,
    pub new_isin: Option<String>,
    pub psp_token: Option<String>,
    pub psp_transaction_id: Option<String>,
    pub created_at: String,
}

#[derive(Deserialize)]
pub struct TradeRow {
    pub order_id: String,
    pub title_id: i64,
    pub isin: String,
    pub amount_cents: i64,
    pub profit_rate: i64,
    pub buyer_id: i64,
    pub seller_id: i64,
    pub new_title_id: i64,
    pub new_isin: String,
    pub new_value_cents: i64,
    pub seller_value_cents: Option<i64>,
    pub previous_value_cents: i64,
    pub status: String,
    pub reversal: Option<String>,
}

#[derive(Deserialize)]
pub struct TitleRow {
    pub id: i64,
    pub isin: String,
    pub value_cents: i64,
    pub holder_id: i64,
    pub issued_by: String,
    pub parent_title_id: Option<i64>,
    pub issuing_order_id: Option<String>,
    pub claim_order_id: Option<String>,
    pub status: String,
    pub disputed: i64,
}

/// A payment PayPal executed (`emulator_transactions`).
#[derive(Deserialize, Clone, Debug)]
pub struct Payment {
    pub id: String,
    pub token: String,
    pub payer_account_id: i64,
    pub receiver_account_id: i64,
    pub amount_cents: i64,
    /// NVP spelling.
    pub status: String,
    pub refunded_cents: i64,
}

impl Payment {
    /// Completed, or completed again after a canceled reversal.
    pub fn completed(&self) -> bool {
        matches!(self.status.as_str(), "Completed" | "Canceled-Reversal")
    }

    pub fn reversed(&self) -> bool {
        matches!(self.status.as_str(), "Reversed" | "Refunded")
    }

    pub fn partly_refunded(&self) -> bool {
        self.status == "Partially-Refunded"
    }

    /// What it moved from payer to receiver, net of refunds.
    pub fn net(&self) -> i64 {
        if self.completed() || self.partly_refunded() {
            self.amount_cents - self.refunded_cents
        } else {
            0
        }
    }
}

/// A message PayPal sent (`emulator_ipn_messages`).
#[derive(Deserialize, Clone, Debug)]
pub struct Message {
    pub id: i64,
    pub parent_txn_id: Option<String>,
    /// IPN spelling.
    pub payment_status: String,
    pub body: String,
    /// `queued` until acknowledged, then `delivered`.
    pub status: String,
}

/// Everything the final checks read, once.
pub struct Facts {
    pub orders: Vec<OrderRow>,
    pub trades: Vec<TradeRow>,
    pub titles: Vec<TitleRow>,
    pub isins: BTreeSet<String>,
    pub payments: Vec<Payment>,
    pub messages: Vec<Message>,
    /// Emulator account id → balance.
    pub balances: BTreeMap<i64, i64>,
}

pub fn all<T: serde::de::DeserializeOwned>(sim: &Sim, query: &'static str) -> Vec<T> {
    sql::rows(&sim.db.read_result(query, vec![])).expect("row shape")
}

impl Facts {
    pub fn read(sim: &Sim) -> Facts {
        Facts {
            orders: all(sim, "SELECT id, psp, code, substate, title_id, buyer_id, seller_id, amount_cents, profit_rate, \
                 title_value_cents, new_value_cents, new_isin, psp_token, psp_transaction_id, created_at FROM orders \
                 ORDER BY created_at, id"),
            trades: all(sim, "SELECT order_id, title_id, isin, amount_cents, profit_rate, buyer_id, seller_id, new_title_id, \
                 new_isin, new_value_cents, seller_value_cents, previous_value_cents, status, reversal FROM trades ORDER BY id"),
            titles: all(sim, "SELECT id, isin, value_cents, holder_id, issued_by, parent_title_id, issuing_order_id, \
                 claim_order_id, status, disputed FROM titles ORDER BY id"),
            isins: sim
                .db
                .read("SELECT isin FROM isins", vec![])
                .iter()
                .filter_map(|r| r.get("isin").and_then(|v| v.as_str()).map(str::to_string))
                .collect(),
            payments: all(sim, "SELECT id, token, payer_account_id, receiver_account_id, amount_cents, status, \
                 refunded_cents FROM emulator_transactions ORDER BY order_time, id"),
            messages: all(sim, "SELECT id, parent_txn_id, payment_status, body, status FROM emulator_ipn_messages ORDER BY id"),
            balances: sim
                .db
                .read("SELECT id, balance_cents FROM emulator_accounts", vec![])
                .iter()
                .filter_map(|r| Some((r.get("id")?.as_i64()?, r.get("balance_cents")?.as_i64()?)))
                .collect(),
        }
    }

    pub fn order_of(&self, p: &Payment) -> Option<&OrderRow> {
        self.orders
            .iter()
            .find(|o| o.psp_token.as_deref() == Some(p.token.as_str()))
    }

    /// The order id a payment's findings are attributed to.
    pub fn order_id_of(&self, p: &Payment) -> Option<String> {
        self.order_of(p).map(|o| o.id.clone())
    }

    pub fn trades_of(&self, order_id: &str) -> usize {
        self.trades
            .iter()
            .filter(|t| t.order_id == order_id)
            .count()
    }
}

/// One finding: the invariant, what broke it, the order it concerns.
pub type Found = (&'static str, String, Option<String>);

/// The cheap invariants, after every step that wrote: claims and orders
/// agree, one trade per processed order with the order's status, and (2)
/// for orders processed since the last look.
pub fn check_step(sim: &Sim, ledger: &Ledger, processed_seen: &mut i64) {
    let rows = sim.db.read(
        "SELECT \
         (SELECT count(*) FROM titles t LEFT JOIN orders o ON o.id = t.claim_order_id \
          WHERE t.claim_order_id IS NOT NULL AND (o.id IS NULL OR o.title_id != t.id OR o.code != 0 \
          OR o.substate NOT IN ('confirming', 'psp_pending', 'needs_review'))) AS stray_claims, \
         (SELECT count(*) FROM orders o JOIN titles t ON t.id = o.title_id \
          WHERE o.code = 0 AND o.substate IN ('confirming', 'psp_pending') AND t.claim_order_id IS NOT o.id) AS unclaimed, \
         (SELECT count(*) FROM orders WHERE code = 2) AS processed, \
         (SELECT count(*) FROM orders WHERE code IN (2, -3)) AS traded, \
         (SELECT count(*) FROM trades) AS trades, \
         (SELECT count(*) FROM trades tr JOIN orders o ON o.id = tr.order_id \
          WHERE (o.code = 2 AND tr.status != 'processed') OR (o.code = -3 AND tr.status != 'chargeback') \
          OR o.code NOT IN (2, -3)) AS trade_status",
        vec![],
    );
    let get = |name: &str| {
        rows.first()
            .and_then(|r| r.get(name))
            .and_then(|v| v.as_i64())
            .unwrap_or(-1)
    };
    let (stray, unclaimed, processed, traded, trades, trade_status) = (
        get("stray_claims"),
        get("unclaimed"),
        get("processed"),
        get("traded"),
        get("trades"),
        get("trade_status"),
    );
    if stray != 0 {
        ledger.violation(
            sim,
            "a claim belongs to an open, claimed order of that title",
            format!("{stray} stray claim(s)"),
            None,
        );
    }
    if unclaimed != 0 {
        ledger.violation(
            sim,
            "a confirming or psp_pending order holds its title's claim",
            format!("{unclaimed} order(s)"),
            None,
        );
    }
    if traded != trades || trade_status != 0 {
        ledger.violation(
            sim,
            "one trade per processed or charged back order, with the order's status",
            format!("{traded} processed or charged back, {trades} trades, {trade_status} disagree"),
            None,
        );
    }
    if processed == *processed_seen {
        return;
    }
    *processed_seen = processed;
    ledger.stats.borrow_mut().processed = processed as u64;
    // A reversal whose IPN has not arrived yet is allowed here; the final
    // check is strict.
    let rows = sim.db.read(
        "SELECT o.id, o.psp_transaction_id AS txn FROM orders o WHERE o.code = 2 AND o.psp = 'paypal' AND NOT EXISTS \
         (SELECT 1 FROM emulator_transactions p WHERE p.id = o.psp_transaction_id AND p.token = o.psp_token \
          AND p.amount_cents = o.amount_cents AND p.status IN \
          ('Completed', 'Partially-Refunded', 'Canceled-Reversal', 'Reversed', 'Refunded'))",
        vec![],
    );
    for r in rows {
        let s = |n: &str| r.get(n).and_then(|v| v.as_str()).unwrap_or("").to_string();
        let id = s("id");
        let known = ledger.tainted.borrow().get(&id).copied();
        ledger.violation(
            sim,
            "(2) no processed order lacks a completed PayPal payment",
            format!("order {id} txn {}", s("txn")),
            known,
        );
    }
}

/// The orders waiting for a person although PayPal's payment is in
/// order: a payment reversed while its order was open fails the order,
/// and if PayPal then cancels the reversal the money is the seller's
/// again and the order goes to review (the title may have been sold
/// since); so does an order not recorded when its payment was partly
/// refunded (issue 14).
pub fn in_review(f: &Facts) -> BTreeSet<String> {
    let canceled: BTreeSet<&str> = f
        .messages
        .iter()
        .filter(|m| m.payment_status == "Canceled_Reversal")
        .filter_map(|m| m.parent_txn_id.as_deref())
        .collect();
    f.payments
        .iter()
        .filter(|p| canceled.contains(p.id.as_str()) || p.refunded_cents > 0)
        .filter_map(|p| f.order_of(p))
        .filter(|o| o.code == 0 && o.substate == "needs_review")
        .map(|o| o.id.clone())
        .collect()
}

/// A chargeback whose own message PayPal never delivered: the scheduled
/// re-read finds `Reversed` but no amount, so the trade stands and waits
/// for an operator (`core::partial`, `Share::Unproven`) instead of being
/// undone on a guess. Only then is a processed order in review for a
/// reversal.
pub fn unproven(f: &Facts, lost: &BTreeSet<i64>) -> BTreeSet<String> {
    f.payments
        .iter()
        .filter(|p| p.status == "Reversed")
        .filter(|p| {
            f.messages.iter().any(|m| {
                lost.contains(&m.id)
                    && m.payment_status == "Reversed"
                    && m.parent_txn_id.as_deref() == Some(p.id.as_str())
            })
        })
        .filter_map(|p| f.order_of(p))
        .filter(|o| o.code == 2 && o.substate == "needs_review")
        .map(|o| o.id.clone())
        .collect()
}

/// (1) every completed payment: exactly one processed order, one trade,
/// matching; (2) every processed order: a completed payment with its
/// transaction id.
pub fn check_payments(
    f: &Facts,
    clients: &[Client],
    review: &BTreeSet<String>,
    unproven: &BTreeSet<String>,
    found: &mut Vec<Found>,
) {
    let account_of = |client_id: i64| {
        clients
            .iter()
            .find(|c| c.id == client_id)
            .map(|c| c.account)
    };
    for p in f.payments.iter().filter(|p| p.completed()) {
        let order_id = f.order_id_of(p);
        if order_id.as_ref().is_some_and(|o| review.contains(o)) {
            continue;
        }
        let processed: Vec<&OrderRow> = f
            .orders
            .iter()
            .filter(|o| o.psp_token.as_deref() == Some(p.token.as_str()) && o.code == 2)
            .collect();
        let with_txn = processed
            .iter()
            .filter(|o| o.psp_transaction_id.as_deref() == Some(p.id.as_str()))
            .count();
        if processed.len() != 1 || with_txn != 1 {
            let state = f.order_of(p).map_or("no order".to_string(), |o| {
                format!("order {} is {}/{}", o.id, o.code, o.substate)
            });
            found.push((
                "(1) every completed payment has exactly one processed order",
                format!(
                    "payment {} ({} cents, token {}): {state}",
                    p.id, p.amount_cents, p.token
                ),
                order_id,
            ));
            continue;
        }
        let o = processed[0];
        let n_trades = f.trades_of(&o.id);
        if n_trades != 1 {
            found.push((
                "(1) every completed payment has exactly one trade",
                format!("order {}: {n_trades} trades", o.id),
                Some(o.id.clone()),
            ));
        }
        if o.amount_cents != p.amount_cents
            || account_of(o.buyer_id) != Some(p.payer_account_id)
            || account_of(o.seller_id) != Some(p.receiver_account_id)
        {
            found.push((
                "(1) the processed order matches its payment",
                format!("order {} vs payment {}", o.id, p.id),
                Some(o.id.clone()),
            ));
        }
    }
    for o in f
        .orders
        .iter()
        .filter(|o| o.code == 2 && o.psp == "paypal" && !unproven.contains(&o.id))
    {
        let ok = f.payments.iter().any(|p| {
            Some(p.id.as_str()) == o.psp_transaction_id.as_deref()
                && Some(p.token.as_str()) == o.psp_token.as_deref()
                && (p.completed() || p.partly_refunded())
        });
        if !ok {
            found.push((
                "(2) no processed order lacks a completed PayPal payment",
                format!("order {}", o.id),
                Some(o.id.clone()),
            ));
        }
    }
}

/// (7) every reversed or refunded payment: its order is charged back
/// (recorded, then reversed) or failed (never recorded); (8) a partial
/// refund never undoes a trade. Returns how many partly refunded orders
/// were left failed unrecorded (counted: no operator here reopens them).
pub fn check_reversals(
    f: &Facts,
    review: &BTreeSet<String>,
    unproven: &BTreeSet<String>,
    found: &mut Vec<Found>,
) -> u64 {
    let describe = |o: Option<&OrderRow>| {
        o.map_or("no order".into(), |o| {
            format!("order {} is {}/{}", o.id, o.code, o.substate)
        })
    };
    for p in f.payments.iter().filter(|p| p.reversed()) {
        let order = f.order_of(p);
        let ok = order.is_some_and(|o| {
            let traded = f.trades_of(&o.id);
            (o.code == -3 && traded == 1 && o.psp_transaction_id.as_deref() == Some(p.id.as_str()))
                || (matches!(o.code, -1 | -2) && traded == 0)
                || review.contains(&o.id)
                || unproven.contains(&o.id)
        });
        if !ok {
            found.push((
                "(7) every reversed payment's order is charged back, or failed unrecorded",
                format!("payment {} ({}): {}", p.id, p.status, describe(order)),
                f.order_id_of(p),
            ));
        }
    }
    let mut failed_unrecorded = 0;
    for p in f.payments.iter().filter(|p| p.partly_refunded()) {
        let order = f.order_of(p);
        let standing = order.is_some_and(|o| {
            let mine = o.psp_transaction_id.as_deref() == Some(p.id.as_str());
            (o.code == 2
                && o.substate == "needs_review"
                && mine
                && f.trades
                    .iter()
                    .any(|t| t.order_id == o.id && t.status == "processed"))
                || (o.code == 0 && o.substate == "needs_review" && f.trades_of(&o.id) == 0)
        });
        let failed = order.is_some_and(|o| matches!(o.code, -1 | -2) && f.trades_of(&o.id) == 0);
        if failed {
            failed_unrecorded += 1;
        } else if !standing {
            found.push((
                "(8) a partly refunded payment's trade stands and its order waits in review",
                format!(
                    "payment {} ({} of {} cents refunded): {}",
                    p.id,
                    p.refunded_cents,
                    p.amount_cents,
                    describe(order)
                ),
                f.order_id_of(p),
            ));
        }
    }
    failed_unrecorded
}

/// (5) money: PayPal moved exactly the processed orders' amounts, in
/// total and per client, and every balance is start + deposits +
/// received - paid (a Pending payment moves nothing yet).
pub fn check_money(
    f: &Facts,
    clients: &[Client],
    tainted: &dyn Fn(&str) -> bool,
    found: &mut Vec<Found>,
) {
    let clean = |p: &&Payment| p.completed() && !f.order_id_of(p).is_some_and(|o| tainted(&o));
    let moved: i64 = f
        .payments
        .iter()
        .filter(clean)
        .map(|p| p.amount_cents)
        .sum();
    let recorded: i64 = f
        .orders
        .iter()
        .filter(|o| o.code == 2 && o.psp == "paypal" && !tainted(&o.id))
        .map(|o| o.amount_cents)
        .sum();
    if moved != recorded {
        found.push((
            "(5) money moved equals the sum of processed orders",
            format!("PayPal moved {moved}, processed orders {recorded}"),
            None,
        ));
    }
    for c in clients {
        let received: i64 = f
            .payments
            .iter()
            .filter(|p| p.receiver_account_id == c.account)
            .map(Payment::net)
            .sum();
        let paid: i64 = f
            .payments
            .iter()
            .filter(|p| p.payer_account_id == c.account)
            .map(Payment::net)
            .sum();
        let balance = f.balances.get(&c.account).copied().unwrap_or(0);
        if balance != c.start + c.deposits + received - paid {
            found.push((
                "(5) balance = start + received - paid",
                format!(
                    "account {}: {balance} != {} + {} + {received} - {paid}",
                    c.email, c.start, c.deposits
                ),
                None,
            ));
        }
        let received: i64 = f
            .payments
            .iter()
            .filter(|p| p.receiver_account_id == c.account)
            .filter(clean)
            .map(|p| p.amount_cents)
            .sum();
        let paid: i64 = f
            .payments
            .iter()
            .filter(|p| p.payer_account_id == c.account)
            .filter(clean)
            .map(|p| p.amount_cents)
            .sum();
        let sold: i64 = f
            .orders
            .iter()
            .filter(|o| o.code == 2 && o.psp == "paypal" && o.seller_id == c.id && !tainted(&o.id))
            .map(|o| o.amount_cents)
            .sum();
        let bought: i64 = f
            .orders
            .iter()
            .filter(|o| o.code == 2 && o.psp == "paypal" && o.buyer_id == c.id && !tainted(&o.id))
            .map(|o| o.amount_cents)
            .sum();
        if received != sold || paid != bought {
            found.push((
                "(5) each client received its sales and paid its purchases",
                format!(
                    "{}: received {received} sold {sold}, paid {paid} bought {bought}",
                    c.email
                ),
                None,
            ));
        }
    }
}
