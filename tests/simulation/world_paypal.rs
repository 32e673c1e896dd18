//! The world's side of PayPal and its reads: scripted faults, PayPal's
//! later events on a payment (completed or denied while Pending, reversed,
//! refunded in full or in part, reversal canceled), a buyer's deposit, the
//! messages PayPal still resends or never delivers, and what the scripted
//! tests read of orders, titles, tokens and balances.

use paybook::core::psp::paypal::emulator::LaterEvent;
use paybook::core::sql::{self, Param};
use paybook::core::time::UtcTime;

use super::checks::{self, Payment};
use super::paypal::{Api, Fault};
use super::world::World;

impl World {
    // ------------------------------------------------------------ PayPal

    /// Scripts a one-shot fault for the next call of `api`.
    pub fn fault_next(&self, api: Api, fault: Fault) {
        self.pp.script.borrow_mut().push((api, fault));
    }

    /// Every payment PayPal executed, in order.
    pub fn payments(&self) -> Vec<Payment> {
        checks::all(
            &self.sim,
            "SELECT id, token, payer_account_id, receiver_account_id, amount_cents, status, refunded_cents \
             FROM emulator_transactions ORDER BY order_time, id",
        )
    }

    /// Client `client`'s PayPal balance.
    pub fn balance(&self, client: usize) -> i64 {
        self.sim.db.read_i64(
            "SELECT balance_cents FROM emulator_accounts WHERE id = ?1",
            vec![Param::Int(self.clients[client].account)],
        )
    }

    fn event(&mut self, payment: usize, event: Option<LaterEvent>, cents: Option<i64>) -> bool {
        let Some(p) = self.payments().get(payment).cloned() else {
            return false;
        };
        let done = self.pp.event(&self.sim, &p.id, event, cents);
        self.say("paypal", || {
            format!("{event:?} ({cents:?} cents) on {}: {done}", p.id)
        });
        self.after_step();
        done
    }

    /// PayPal decides a Pending payment: completed, or denied (also when
    /// the payer cannot fund it: the emulator takes nothing while Pending).
    pub fn decide_pending(&mut self, payment: usize, complete: bool) -> bool {
        if complete && self.event(payment, None, None) {
            return true;
        }
        let Some(p) = self.payments().get(payment).cloned() else {
            return false;
        };
        let done = self.pp.deny(&self.sim, &p.id);
        self.say("paypal", || format!("denies {}: {done}", p.id));
        self.after_step();
        done
    }

    /// A completed payment is charged back (or refunded, in full).
    pub fn reverse(&mut self, payment: usize, refund: bool) -> bool {
        let event = if refund {
            LaterEvent::Refunded
        } else {
            LaterEvent::Reversed
        };
        self.event(payment, Some(event), None)
    }

    /// The receiver refunds `cents` of a payment.
    pub fn refund_part(&mut self, payment: usize, cents: i64) -> bool {
        self.event(payment, Some(LaterEvent::Refunded), Some(cents))
    }

    /// A chargeback is settled for the receiver.
    pub fn cancel_reversal(&mut self, payment: usize) -> bool {
        self.event(payment, Some(LaterEvent::CanceledReversal), None)
    }

    /// The buyer adds funds to their PayPal account.
    pub fn deposit(&mut self, client: usize, cents: i64) {
        let account = self.clients[client].account;
        self.sim
            .provider_epoch
            .set(self.sim.provider_epoch.get() + 1);
        self.sim
            .run_now(&vec![sql::emulator::credit(account, cents)])
            .expect("a deposit");
        self.clients[client].deposits += cents;
        self.sim.dirty.set(false);
    }

    /// PayPal's latest message with `status`.
    pub fn ipn_with(&self, status: &str) -> i64 {
        self.sim.db.read_i64(
            "SELECT max(id) FROM emulator_ipn_messages WHERE payment_status = ?1",
            vec![Param::from(status)],
        )
    }

    /// PayPal never delivers message `m`.
    pub fn lose_ipn(&self, m: i64) {
        self.ipn_queue();
        self.pp.lost_ipns.borrow_mut().insert(m);
    }

    /// How many messages PayPal sent, and those it still resends (never
    /// acknowledged, not lost), in one read.
    pub fn ipn_queue(&self) -> (i64, Vec<i64>) {
        let rows = self.sim.db.read(
            "SELECT id, status FROM emulator_ipn_messages ORDER BY id",
            vec![],
        );
        let newest = rows
            .last()
            .and_then(|r| r.get("id"))
            .and_then(|v| v.as_i64())
            .unwrap_or(0);
        self.pp.draw_losses(&self.sim, newest);
        let lost = self.pp.lost_ipns.borrow();
        let unacked = rows
            .iter()
            .filter(|r| r.get("status").and_then(|v| v.as_str()) == Some("queued"))
            .filter_map(|r| r.get("id").and_then(|v| v.as_i64()))
            .filter(|id| !lost.contains(id))
            .collect();
        (rows.len() as i64, unacked)
    }

    /// The messages PayPal still resends.
    pub fn unacked_ipns(&self) -> Vec<i64> {
        self.ipn_queue().1
    }

    /// PayPal resends every message not acknowledged yet, until none is
    /// left (new ones may be sent meanwhile).
    pub fn deliver_all_ipns(&mut self) {
        while let Some(&m) = self.unacked_ipns().first() {
            let id = self.start_ipn(m);
            self.finish(id);
        }
    }

    // ------------------------------------------------------------ reading

    /// The order's `(code, substate, failure_reason)`.
    pub fn order_state(&self, order: usize) -> (i64, String, Option<String>) {
        let rows = self.sim.db.read(
            "SELECT code, substate, failure_reason FROM orders WHERE id = ?1",
            vec![Param::from(self.orders[order].id.as_str())],
        );
        let r = rows.first().expect("order exists");
        (
            r.get("code").and_then(|v| v.as_i64()).unwrap_or(-99),
            r.get("substate")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string(),
            r.get("failure_reason")
                .and_then(|v| v.as_str())
                .map(str::to_string),
        )
    }

    /// The title's `(value_cents, holder client id, claim_order_id)`.
    pub fn title_state(&self, isin: &str) -> (i64, i64, Option<String>) {
        let rows = self.sim.db.read(
            "SELECT value_cents, holder_id, claim_order_id FROM titles WHERE isin = ?1",
            vec![Param::from(isin)],
        );
        let r = rows.first().expect("title exists");
        (
            r.get("value_cents").and_then(|v| v.as_i64()).unwrap_or(-1),
            r.get("holder_id").and_then(|v| v.as_i64()).unwrap_or(-1),
            r.get("claim_order_id")
                .and_then(|v| v.as_str())
                .map(str::to_string),
        )
    }

    /// The ISIN of the initiation title client `client` was given (title
    /// ids follow client ids at setup), whoever holds it now.
    pub fn isin_of_client(&self, client: usize) -> String {
        let rows = self.sim.db.read(
            "SELECT isin FROM titles WHERE id = ?1 AND issued_by = 'initiation'",
            vec![Param::Int(self.clients[client].id)],
        );
        rows.first()
            .and_then(|r| r.get("isin"))
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    }

    pub fn count(&self, query: &'static str) -> i64 {
        self.sim.db.read_i64(query, vec![])
    }

    /// How long ago PayPal issued the order's token.
    pub fn token_age(&self, order: usize) -> i64 {
        let rows = self.sim.db.read(
            "SELECT created_at FROM emulator_checkouts WHERE token = ?1",
            vec![Param::from(self.orders[order].token.as_str())],
        );
        rows.first()
            .and_then(|r| r.get("created_at"))
            .and_then(|v| v.as_str())
            .and_then(UtcTime::parse)
            .map_or(0, |t| self.now() - t.unix_seconds())
    }
}
