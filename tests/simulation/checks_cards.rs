//! The card world's final invariants, once the history is quiescent, on
//! the platform's tables and the banks' (the emulators' own):
//!
//! - money captured equals processed orders, per merchant: every Sips
//!   merchant's and Monetico TPE's settlement balance is the sum of the
//!   amounts of the processed orders its seller sold through that bank;
//! - every reference the bank captured money for is a processed order of
//!   that bank, for that amount, sold by the merchant's client, and every
//!   processed card order was captured in full (an authorization never
//!   captured moved no money: the orders failed or canceled have nothing
//!   captured);
//! - nothing unresolved: no bank message left to deliver that was not
//!   lost, and a message the bank sent is never recorded as forged or
//!   unreadable (a forged one never verified).
//!
//! No capture without the claim is checked as each capture happens
//! (`cards.rs`); the quiet orders and titles by `checks_titles.rs`.

use std::collections::BTreeMap;

use paybook::core::sql;
use serde::Deserialize;

use super::checks::Found;
use super::fx::Sim;
use super::world::World;

#[derive(Deserialize)]
struct CardOrderRow {
    id: String,
    psp: String,
    code: i64,
    substate: String,
    seller_id: i64,
    amount_cents: i64,
}

/// One captured or authorized payment at a bank.
#[derive(Deserialize)]
struct BankRow {
    merchant: String,
    reference: String,
    captured_cents: i64,
}

#[derive(Deserialize)]
struct BalanceRow {
    merchant: String,
    balance_cents: i64,
}

fn all<T: serde::de::DeserializeOwned>(sim: &Sim, query: &'static str) -> Vec<T> {
    sql::rows(&sim.db.read_result(query, vec![])).expect("row shape")
}

/// One bank's tables and its merchants' clients.
struct Bank<'a> {
    psp: &'static str,
    payments: Vec<BankRow>,
    balances: Vec<BalanceRow>,
    /// Client id → merchant.
    merchant_of: &'a BTreeMap<i64, String>,
}

impl World {
    /// Every final card invariant (after quiescence).
    pub fn check_cards(&self, found: &mut Vec<Found>) {
        let orders: Vec<CardOrderRow> = all(
            &self.sim,
            "SELECT id, psp, code, substate, seller_id, amount_cents FROM orders \
             WHERE psp IN ('sips', 'monetico') ORDER BY id",
        );
        let banks = [
            Bank {
                psp: "sips",
                payments: all(
                    &self.sim,
                    "SELECT merchant_id AS merchant, transaction_reference AS reference, captured_cents \
                     FROM emulator_sips_transactions ORDER BY merchant_id, transaction_reference",
                ),
                balances: all(
                    &self.sim,
                    "SELECT merchant_id AS merchant, balance_cents FROM emulator_sips_merchants",
                ),
                merchant_of: &self.card.sips_of,
            },
            Bank {
                psp: "monetico",
                payments: all(
                    &self.sim,
                    "SELECT tpe AS merchant, reference, captured_cents FROM emulator_monetico_payments \
                     ORDER BY tpe, reference",
                ),
                balances: all(
                    &self.sim,
                    "SELECT tpe AS merchant, balance_cents FROM emulator_monetico_merchants",
                ),
                merchant_of: &self.card.monetico_of,
            },
        ];
        for bank in &banks {
            check_balances(bank, &orders, found);
            check_captures(bank, &orders, found);
        }
        self.check_card_messages(found);
    }

    fn check_card_messages(&self, found: &mut Vec<Found>) {
        let q = self.card_queue();
        if !q.unacked.is_empty() {
            found.push((
                "(6) every card message the bank sent is acknowledged once quiet",
                format!("{:?} unacknowledged", q.unacked),
                None,
            ));
        }
        let wrong = self.sim.db.read_i64(
            "SELECT count(*) FROM psp_ipn_receipts r WHERE r.provider IN ('sips', 'monetico') \
             AND length(r.body) > 0 AND r.state IN ('forged', 'unreadable') AND (\
             EXISTS (SELECT 1 FROM emulator_sips_responses s WHERE CAST(s.body AS BLOB) = r.body) \
             OR EXISTS (SELECT 1 FROM emulator_monetico_notifications m WHERE CAST(m.body AS BLOB) = r.body))",
            vec![],
        );
        if wrong != 0 {
            found.push((
                "a card message the bank sent is never taken for forged",
                format!("{wrong} receipt(s)"),
                None,
            ));
        }
    }
}

/// Per merchant: the settlement balance is the sum of the processed
/// orders its client sold through this bank.
fn check_balances(bank: &Bank<'_>, orders: &[CardOrderRow], found: &mut Vec<Found>) {
    for (client, merchant) in bank.merchant_of {
        let balance = bank
            .balances
            .iter()
            .find(|b| &b.merchant == merchant)
            .map_or(0, |b| b.balance_cents);
        let sold: i64 = orders
            .iter()
            .filter(|o| o.psp == bank.psp && o.code == 2 && o.seller_id == *client)
            .map(|o| o.amount_cents)
            .sum();
        if balance != sold {
            found.push((
                "(5) money captured equals processed orders, per merchant",
                format!(
                    "{} merchant {merchant} (client {client}): balance {balance}, processed orders {sold}",
                    bank.psp
                ),
                None,
            ));
        }
    }
}

/// Every capture is one processed order's, in full; every processed order
/// was captured; an order failed or canceled had nothing captured.
fn check_captures(bank: &Bank<'_>, orders: &[CardOrderRow], found: &mut Vec<Found>) {
    let order = |id: &str| orders.iter().find(|o| o.id == id && o.psp == bank.psp);
    for p in bank.payments.iter().filter(|p| p.captured_cents > 0) {
        let ok = order(&p.reference).is_some_and(|o| {
            o.code == 2
                && o.amount_cents == p.captured_cents
                && bank.merchant_of.get(&o.seller_id) == Some(&p.merchant)
        });
        if !ok {
            let state = order(&p.reference).map_or("no order".into(), |o| {
                format!(
                    "order is {}/{}, {} cents",
                    o.code, o.substate, o.amount_cents
                )
            });
            found.push((
                "(1) every card capture is one processed order's, in full",
                format!(
                    "{} {} captured {} cents of {}: {state}",
                    bank.psp, p.merchant, p.captured_cents, p.reference
                ),
                Some(p.reference.clone()),
            ));
        }
    }
    for o in orders.iter().filter(|o| o.psp == bank.psp && o.code == 2) {
        let captured = bank
            .payments
            .iter()
            .any(|p| p.reference == o.id && p.captured_cents == o.amount_cents);
        if !captured {
            found.push((
                "(2) no processed card order lacks its capture",
                format!("{} order {} ({} cents)", bank.psp, o.id, o.amount_cents),
                Some(o.id.clone()),
            ));
        }
    }
}
