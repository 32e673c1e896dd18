//! What a history found, and the checks made while it runs: the ledger of
//! violations (with the known bug that explains one, `KnownBug`), the
//! orders a known bug tainted, the counters, and the world's [`Watch`] on
//! the effects of the production flows, which checks as they happen:
//!
//! - invariant 4: PayPal never executes a payment for an order that does
//!   not hold its title's claim when DoExpressCheckoutPayment reaches it
//!   (the database is read at that moment);
//! - an order is failed, canceled or reopened only when PayPal holds no
//!   live payment for it (after every batch that does so);
//! - two cron runs never hold the lease at once (nor works one that did
//!   not take it).
//!
//! The flows are opaque: what a batch does is read from the database and
//! from the statements themselves, and a known bug is attributed where it
//! arises (the refusal whose MSGSUBID released a claim, the expired
//! token's answer a cron run read before failing an order, the lease a
//! run ended that was not its own).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use paybook::core::flow::WireRequest;
use paybook::core::psp::paypal::nvp;
use paybook::core::sql::{Batch, Param, StmtResult};

use super::fx::{Sim, Watch};

/// Bugs of `src/core` the simulation found and reports (see
/// `tests/simulation.rs`). A violation explained by one of them is
/// counted, not failed, by the randomized test; the strict test fails on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KnownBug {
    /// `reconcile::resolve` failed a confirming order (and released its
    /// claim) on GetExpressCheckoutDetails' 10411; but PayPal answers 10411
    /// for every token older than 3 h, paid or not. Fixed: the 10411 answer
    /// still echoes the cart with the transaction when paid and the
    /// reconciler reads it; Pending payments are asked by transaction.
    ReconcilerFailsPaidOrderOnExpiredToken,
    /// A refusal of DoExpressCheckoutPayment taken as the outcome of the
    /// whole attempt released the title's claim although another execution
    /// of the same MSGSUBID may already have paid or may still pay. Fixed:
    /// one call in flight per order (the payment lease), refusals of
    /// repeated calls verified with PayPal, refusals decide only under
    /// their own lease and attempt; kept so that a regression is named.
    RefusalReleasesClaimWhileAttemptMayPay,
    /// `reconcile::finish_run` ended the lease unconditionally, also one
    /// that another run took after this run's lease expired. Fixed.
    LeaseEndedByAnotherRun,
}

#[derive(Clone, Debug)]
pub struct Violation {
    pub invariant: &'static str,
    pub detail: String,
    pub known: Option<KnownBug>,
}

#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub steps: u64,
    pub orders: u64,
    pub payments: u64,
    pub processed: u64,
    pub doec_sends: u64,
    pub doec_without_claim_harmless: u64,
    pub lost_answers: u64,
    pub pending_payments: u64,
    pub funding_refusals: u64,
    pub cron_runs: u64,
    pub lease_refused: u64,
    pub crashes: u64,
    pub guard_aborts: u64,
    pub races_lost: u64,
    pub ipn_deliveries: u64,
    pub ipn_redeliveries: u64,
    pub ipn_forged: u64,
    pub postbacks_lost: u64,
    pub reversals: u64,
    pub reversals_canceled: u64,
    pub chargebacks: u64,
    pub reinstated: u64,
    pub notices_retried: u64,
    pub partial_refunds: u64,
    pub partial_refund_failed_unrecorded: u64,
    pub misaddressed: u64,
    pub ipns_lost: u64,
    pub rechecks: u64,
    pub reversals_unproven: u64,
    /// Sellers paid by permission, their revocations, the orders PayPal
    /// refused for a permission (10002/10007) and the accounts marked
    /// refused for it (`permission.rs`).
    pub permission_sellers: u64,
    pub revocations: u64,
    pub permission_refusals: u64,
    pub permission_accounts_refused: u64,
    pub cards: super::cards::CardStats,
}

impl Stats {
    pub fn add(&mut self, o: &Stats) {
        let pairs = [
            (&mut self.steps, o.steps),
            (&mut self.orders, o.orders),
            (&mut self.payments, o.payments),
            (&mut self.processed, o.processed),
            (&mut self.doec_sends, o.doec_sends),
            (
                &mut self.doec_without_claim_harmless,
                o.doec_without_claim_harmless,
            ),
            (&mut self.lost_answers, o.lost_answers),
            (&mut self.pending_payments, o.pending_payments),
            (&mut self.funding_refusals, o.funding_refusals),
            (&mut self.cron_runs, o.cron_runs),
            (&mut self.lease_refused, o.lease_refused),
            (&mut self.crashes, o.crashes),
            (&mut self.guard_aborts, o.guard_aborts),
            (&mut self.races_lost, o.races_lost),
            (&mut self.ipn_deliveries, o.ipn_deliveries),
            (&mut self.ipn_redeliveries, o.ipn_redeliveries),
            (&mut self.ipn_forged, o.ipn_forged),
            (&mut self.postbacks_lost, o.postbacks_lost),
            (&mut self.reversals, o.reversals),
            (&mut self.reversals_canceled, o.reversals_canceled),
            (&mut self.chargebacks, o.chargebacks),
            (&mut self.reinstated, o.reinstated),
            (&mut self.notices_retried, o.notices_retried),
            (&mut self.partial_refunds, o.partial_refunds),
            (
                &mut self.partial_refund_failed_unrecorded,
                o.partial_refund_failed_unrecorded,
            ),
            (&mut self.misaddressed, o.misaddressed),
            (&mut self.ipns_lost, o.ipns_lost),
            (&mut self.rechecks, o.rechecks),
            (&mut self.reversals_unproven, o.reversals_unproven),
            (&mut self.permission_sellers, o.permission_sellers),
            (&mut self.revocations, o.revocations),
            (&mut self.permission_refusals, o.permission_refusals),
            (
                &mut self.permission_accounts_refused,
                o.permission_accounts_refused,
            ),
        ];
        for (mine, theirs) in pairs {
            *mine += theirs;
        }
        self.cards.add(&o.cards);
    }
}

/// The last payment call an actor made for an order, and what came of it.
#[derive(Clone, Debug)]
struct LastPayment {
    order_id: String,
    msgsubid: String,
    refused: bool,
}

/// One history's findings, shared by the world and its watch.
#[derive(Default)]
pub struct Ledger {
    pub violations: RefCell<Vec<Violation>>,
    /// Orders whose later inconsistencies a known bug explains.
    pub tainted: RefCell<BTreeMap<String, KnownBug>>,
    pub stats: RefCell<Stats>,
    /// Orders as last seen: (code, substate, attempt).
    orders: RefCell<BTreeMap<String, (i64, String, i64)>>,
    /// Orders already reported for a live payment.
    flagged: RefCell<BTreeSet<String>>,
    /// Per actor, its last DoExpressCheckoutPayment.
    last_payment: RefCell<BTreeMap<String, LastPayment>>,
    /// Actors whose last GetExpressCheckoutDetails said 10411.
    saw_expired: RefCell<BTreeSet<String>>,
    /// Orders whose claim a refusal released, with that call's MSGSUBID.
    released_on_refusal: RefCell<BTreeSet<(String, String)>>,
    /// Cron runs' leases as taken: actor → lease end (text, as stored).
    leases: RefCell<BTreeMap<String, String>>,
    /// The order of the DoExpressCheckoutPayment reaching PayPal, as read
    /// at that moment.
    at_send: RefCell<Option<paybook::core::sql::Row>>,
    /// Cron runs that took the lease (expired or not).
    held: RefCell<BTreeSet<String>>,
}

fn text(r: &paybook::core::sql::Row, name: &str) -> String {
    r.get(name)
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_owned()
}

fn int(r: &paybook::core::sql::Row, name: &str) -> i64 {
    r.get(name).and_then(|v| v.as_i64()).unwrap_or(-99)
}

/// A statement's text parameters that may be order ids.
fn order_ids(batch: &Batch) -> BTreeSet<String> {
    batch
        .iter()
        .flat_map(|s| s.params.iter())
        .filter_map(|p| match p {
            Param::Text(t)
                if t.len() == 12
                    && t.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) =>
            {
                Some(t.clone())
            }
            _ => None,
        })
        .collect()
}

impl Ledger {
    pub fn violation(
        &self,
        sim: &Sim,
        invariant: &'static str,
        detail: String,
        known: Option<KnownBug>,
    ) {
        sim.say("CHECK", || {
            format!("VIOLATION {invariant}: {detail} (known: {known:?})")
        });
        self.violations.borrow_mut().push(Violation {
            invariant,
            detail,
            known,
        });
    }

    fn taint(&self, order_id: &str, known: Option<KnownBug>) -> Option<KnownBug> {
        let mut tainted = self.tainted.borrow_mut();
        let known = tainted.get(order_id).copied().or(known);
        if let Some(k) = known {
            tainted.entry(order_id.to_owned()).or_insert(k);
        }
        known
    }

    /// The live payment (completed, pending, partly refunded, reversal
    /// canceled) PayPal holds for `token`, if any: (txn, status, cents).
    fn live_payment(sim: &Sim, token: &str) -> Option<(String, String, i64)> {
        let rows = sim.db.read(
            "SELECT id, status, amount_cents FROM emulator_transactions WHERE token = ?1 \
             AND status IN ('Completed', 'Pending', 'Partially-Refunded', 'Canceled-Reversal')",
            vec![Param::from(token)],
        );
        rows.first()
            .map(|r| (text(r, "id"), text(r, "status"), int(r, "amount_cents")))
    }

    /// Orders this batch may have changed: failed, canceled or reopened
    /// while PayPal holds a live payment is a violation.
    fn orders_changed(&self, sim: &Sim, batch: &Batch) {
        let actor = sim.current.borrow().clone();
        for id in order_ids(batch) {
            let rows = sim.db.read(
                "SELECT o.code, o.substate, o.attempt, o.psp_token, t.claim_order_id FROM orders o \
                 JOIN titles t ON t.id = o.title_id WHERE o.id = ?1",
                vec![Param::from(id.as_str())],
            );
            let Some(r) = rows.first() else { continue };
            let now = (int(r, "code"), text(r, "substate"), int(r, "attempt"));
            let before = self.orders.borrow_mut().insert(id.clone(), now.clone());
            if before.as_ref() == Some(&now) {
                continue;
            }
            let (code, substate, _) = &now;
            let released =
                *code == -1 || *code == -2 || (*code == 0 && substate == "awaiting_buyer");
            if !released {
                continue;
            }
            // A refusal this actor got for this order released its claim.
            let refusal = self
                .last_payment
                .borrow()
                .get(&actor)
                .filter(|p| p.order_id == id && p.refused)
                .map(|p| p.msgsubid.clone());
            if let Some(msgsubid) = &refusal {
                self.released_on_refusal
                    .borrow_mut()
                    .insert((id.clone(), msgsubid.clone()));
            }
            let Some((txn, status, cents)) = Self::live_payment(sim, &text(r, "psp_token")) else {
                continue;
            };
            if !self.flagged.borrow_mut().insert(id.clone()) {
                continue;
            }
            let cause = if refusal.is_some() {
                Some(KnownBug::RefusalReleasesClaimWhileAttemptMayPay)
            } else if *code == -2 && self.saw_expired.borrow().contains(&actor) {
                Some(KnownBug::ReconcilerFailsPaidOrderOnExpiredToken)
            } else {
                None
            };
            let known = self.taint(&id, cause);
            self.violation(
                sim,
                "an order is failed, canceled or reopened only when PayPal has no payment for it",
                format!("{actor}: order {id} is now {code}/{substate} although PayPal holds payment {txn} ({status}, {cents} cents)"),
                known,
            );
        }
    }

    /// The lease: a run that takes it while another's has not expired, or
    /// that ends one that is not its own.
    fn lease(&self, sim: &Sim, batch: &Batch, results: &[StmtResult]) {
        let actor = sim.current.borrow().clone();
        if !actor.starts_with("cron#") {
            return;
        }
        let asks = batch.iter().any(|s| s.sql.starts_with(TAKE_LEASE));
        if !asks && !self.held.borrow().contains(&actor) {
            let detail = format!("{actor} works without having taken the lease");
            self.violation(
                sim,
                "two cron runs never hold the lease at once",
                detail,
                None,
            );
            // Once per run.
            self.held.borrow_mut().insert(actor.clone());
        }
        for (stmt, result) in batch.iter().zip(results) {
            let took = stmt.sql.starts_with(TAKE_LEASE);
            if !took || result.changes != 1 {
                continue;
            }
            self.held.borrow_mut().insert(actor.clone());
            let (Some(Param::Text(now)), Some(Param::Text(until))) =
                (stmt.params.first(), stmt.params.get(1))
            else {
                continue;
            };
            self.stats.borrow_mut().cron_runs += 1;
            let mut leases = self.leases.borrow_mut();
            leases.retain(|_, end| end.as_str() > now.as_str());
            if let Some((other, end)) = leases.iter().find(|(a, _)| **a != actor) {
                let detail = format!(
                    "{actor} took the lease at {now} while {other} still holds it until {end}"
                );
                drop(leases);
                self.violation(
                    sim,
                    "two cron runs never hold the lease at once",
                    detail,
                    Some(KnownBug::LeaseEndedByAnotherRun),
                );
                leases = self.leases.borrow_mut();
            }
            leases.insert(actor.clone(), until.clone());
        }
    }

    /// The actor's lease ends with it (finished or crashed).
    pub fn ended(&self, actor: &str) {
        self.leases.borrow_mut().remove(actor);
        self.held.borrow_mut().remove(actor);
        self.last_payment.borrow_mut().remove(actor);
        self.saw_expired.borrow_mut().remove(actor);
    }
}

/// `purchase::on_return`'s claim of the title.
const CLAIM: &str = "UPDATE titles SET claim_order_id = ?1 WHERE id = ?2 AND holder_id = ?3";
/// `notify::received` (the cron takes them up again).
const NOTIFICATIONS_LEFT: &str = "FROM psp_notifications WHERE outcome = 'received'";
/// `recheck::due` (the scheduled re-reads).
const RECHECKS_DUE: &str = "SELECT tr.id AS trade_id, tr.order_id, o.psp_transaction_id";

/// `reconcile::take_lease`.
const TAKE_LEASE: &str = "INSERT INTO settings (key, value) VALUES ('cron_lease_until'";

fn fields(body: &[u8]) -> Vec<(String, String)> {
    nvp::decode_request(&String::from_utf8_lossy(body)).unwrap_or_default()
}

fn get<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

impl Watch for std::rc::Rc<Ledger> {
    fn sending(&self, sim: &Sim, request: &WireRequest) {
        let f = fields(&request.body);
        if get(&f, "METHOD") != "DoExpressCheckoutPayment" {
            return;
        }
        self.stats.borrow_mut().doec_sends += 1;
        // The order and its title's claim as the call reaches PayPal.
        let order_id = get(&f, "MSGSUBID").rsplit_once('-').map_or("", |(o, _)| o);
        let rows = sim.db.read(
            "SELECT o.code, o.substate, o.attempt, t.claim_order_id FROM orders o \
             JOIN titles t ON t.id = o.title_id WHERE o.id = ?1",
            vec![Param::from(order_id)],
        );
        *self.at_send.borrow_mut() = rows.into_iter().next();
    }

    fn sent(&self, sim: &Sim, request: &WireRequest, answer: Option<&[u8]>) {
        let f = fields(&request.body);
        let actor = sim.current.borrow().clone();
        let a = answer.map(fields).unwrap_or_default();
        match get(&f, "METHOD") {
            "GetExpressCheckoutDetails" => {
                let mut expired = self.saw_expired.borrow_mut();
                if get(&a, "L_ERRORCODE0") == "10411" {
                    expired.insert(actor);
                } else {
                    expired.remove(&actor);
                }
            }
            "DoExpressCheckoutPayment" => self.payment_sent(sim, &f, &a, actor),
            _ => {}
        }
    }

    fn ran(&self, sim: &Sim, batch: &Batch, results: Option<&[StmtResult]>) {
        let Some(results) = results else {
            let mut stats = self.stats.borrow_mut();
            stats.guard_aborts += 1;
            if batch.iter().any(|s| s.sql.starts_with(CLAIM)) {
                stats.races_lost += 1;
            }
            drop(stats);
            self.lease(sim, batch, &[]);
            return;
        };
        self.lease(sim, batch, results);
        if let Some((stmt, result)) = batch.first().zip(results.first()) {
            let mut stats = self.stats.borrow_mut();
            let rows = result.row_count() as u64;
            if stmt.sql.starts_with("SELECT") && stmt.sql.contains(NOTIFICATIONS_LEFT) {
                stats.notices_retried += rows;
            } else if stmt.sql.starts_with(RECHECKS_DUE) {
                stats.rechecks += rows;
            }
        }
        if batch.iter().any(|s| !s.sql.starts_with("SELECT")) {
            self.orders_changed(sim, batch);
        }
    }
}

impl Ledger {
    /// Invariant 4, as PayPal acted on a DoExpressCheckoutPayment: if it
    /// executed a payment, the order held its title's claim when the call
    /// reached PayPal (read then, by `sending`).
    fn payment_sent(
        &self,
        sim: &Sim,
        request: &[(String, String)],
        answer: &[(String, String)],
        actor: String,
    ) {
        let msgsubid = get(request, "MSGSUBID").to_owned();
        let Some((order_id, _)) = msgsubid.rsplit_once('-') else {
            return;
        };
        let order_id = order_id.to_owned();
        let executed = get(answer, "ACK").starts_with("Success")
            && !get(answer, "PAYMENTINFO_0_TRANSACTIONID").is_empty();
        let refused = get(answer, "ACK") == "Failure";
        self.last_payment.borrow_mut().insert(
            actor.clone(),
            LastPayment {
                order_id: order_id.clone(),
                msgsubid: msgsubid.clone(),
                refused,
            },
        );
        let Some(r) = self.at_send.borrow_mut().take() else {
            return;
        };
        let r = &r;
        let held = text(r, "claim_order_id") == order_id;
        // A new payment: not a replay (11607) of an earlier execution.
        let new_payment = executed && get(answer, "L_ERRORCODE0").is_empty();
        if new_payment {
            self.stats.borrow_mut().payments += 1;
        }
        if held {
            return;
        }
        if !new_payment {
            self.stats.borrow_mut().doec_without_claim_harmless += 1;
            return;
        }
        let known = self
            .released_on_refusal
            .borrow()
            .contains(&(order_id.clone(), msgsubid.clone()))
            .then_some(KnownBug::RefusalReleasesClaimWhileAttemptMayPay);
        let known = self.taint(&order_id, known);
        self.flagged.borrow_mut().insert(order_id.clone());
        self.violation(
            sim,
            "(4) a payment is executed only for an order holding its title's claim",
            format!(
                "{actor}: order {order_id} was {}/{} attempt {} without the claim when MSGSUBID {msgsubid} executed payment {}",
                int(r, "code"),
                text(r, "substate"),
                int(r, "attempt"),
                get(answer, "PAYMENTINFO_0_TRANSACTIONID")
            ),
            known,
        );
    }
}
