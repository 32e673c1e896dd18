//! The card banks for the simulation: Worldline Sips (Office) and CM-CIC
//! Monetico (`capture_paiement.cgi`), each its built-in emulator's own
//! rules (`core::psp::{sips,monetico}::emulator::serve`) on the history's
//! SQLite database, with the simulation's clock. Nothing of either bank is
//! modelled here: the seed only decides which call fails before the bank
//! does anything, or loses its answer after the bank acted.
//!
//! It also watches every capture as it happens: a call after which the
//! bank holds more captured money for a reference than before must have
//! been sent for an order holding its title's claim at that moment (the
//! database read before the bank acts). [`Both`] is the one provider of a
//! history: PayPal's endpoints to PayPal, the card ones here.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use paybook::core::flow::{Endpoint, NoAnswer, WireAnswer, WireRequest};
use paybook::core::psp::monetico::emulator::serve as monetico;
use paybook::core::psp::sips::emulator::serve as sips;
use paybook::core::sql::Param;

use super::fx::{at_once, Delivery, Provider, ProviderFx, Sim};
use super::ledger::Ledger;
use super::paypal::PayPal;

/// Per-mille rates of the card world's faults for one history.
#[derive(Clone, Copy, Debug, Default)]
pub struct CardRates {
    /// An Office or API call fails before the bank does anything.
    pub fail_before: u32,
    /// The bank acts, then its answer is lost.
    pub lose_answer: u32,
    /// A bank's message (Sips automatic response, Monetico notification)
    /// is never delivered.
    pub lose_message: u32,
    /// The buyer's browser posts Sips' manual response.
    pub manual: u32,
}

/// What the card world counted (summed over histories).
#[derive(Clone, Debug, Default)]
pub struct CardStats {
    pub orders_sips: u64,
    pub orders_monetico: u64,
    pub starts_failed: u64,
    pub pages_paid: u64,
    pub pages_refused: u64,
    pub pages_canceled: u64,
    pub pages_abandoned: u64,
    pub calls: u64,
    pub captures: u64,
    pub lost_answers: u64,
    /// Answers lost after the bank captured: only the cron finds out.
    pub lost_captures: u64,
    pub failed_calls: u64,
    pub messages_delivered: u64,
    pub messages_again: u64,
    pub messages_lost: u64,
    pub manual_responses: u64,
    pub forged: u64,
    pub processed: u64,
    pub failed: u64,
    pub canceled: u64,
    /// Authorized, never captured: the order failed or was canceled after
    /// the bank authorized the card.
    pub released: u64,
}

impl CardStats {
    pub fn add(&mut self, o: &CardStats) {
        let pairs = [
            (&mut self.orders_sips, o.orders_sips),
            (&mut self.orders_monetico, o.orders_monetico),
            (&mut self.starts_failed, o.starts_failed),
            (&mut self.pages_paid, o.pages_paid),
            (&mut self.pages_refused, o.pages_refused),
            (&mut self.pages_canceled, o.pages_canceled),
            (&mut self.pages_abandoned, o.pages_abandoned),
            (&mut self.calls, o.calls),
            (&mut self.captures, o.captures),
            (&mut self.lost_answers, o.lost_answers),
            (&mut self.lost_captures, o.lost_captures),
            (&mut self.failed_calls, o.failed_calls),
            (&mut self.messages_delivered, o.messages_delivered),
            (&mut self.messages_again, o.messages_again),
            (&mut self.messages_lost, o.messages_lost),
            (&mut self.manual_responses, o.manual_responses),
            (&mut self.forged, o.forged),
            (&mut self.processed, o.processed),
            (&mut self.failed, o.failed),
            (&mut self.canceled, o.canceled),
            (&mut self.released, o.released),
        ];
        for (mine, theirs) in pairs {
            *mine += theirs;
        }
    }
}

/// The card banks of one history.
pub struct Cards {
    pub rates: Cell<CardRates>,
    pub ledger: Rc<Ledger>,
    pub stats: RefCell<CardStats>,
    /// Messages the bank never delivers: ("sips" | "monetico", id).
    pub lost: RefCell<BTreeSet<(&'static str, i64)>>,
    /// Messages already drawn for loss, per bank: the newest id.
    pub seen: RefCell<BTreeMap<&'static str, i64>>,
}

/// Captured cents per reference, in the bank's table.
fn captured(sim: &Sim, endpoint: &Endpoint) -> BTreeMap<String, i64> {
    let query = match endpoint {
        Endpoint::SipsOffice { .. } => {
            "SELECT transaction_reference AS r, captured_cents AS c FROM emulator_sips_transactions"
        }
        Endpoint::MoneticoApi { .. } => {
            "SELECT reference AS r, captured_cents AS c FROM emulator_monetico_payments"
        }
        Endpoint::PaypalNvp | Endpoint::PaypalIpnVerify => return BTreeMap::new(),
    };
    sim.db
        .read(query, vec![])
        .iter()
        .filter_map(|r| {
            let reference = r.get("r")?.as_str()?.to_owned();
            Some((reference, r.get("c")?.as_i64()?))
        })
        .collect()
}

/// The orders holding their title's claim now.
fn claims(sim: &Sim) -> BTreeSet<String> {
    sim.db
        .read(
            "SELECT claim_order_id AS o FROM titles WHERE claim_order_id IS NOT NULL",
            vec![],
        )
        .iter()
        .filter_map(|r| r.get("o").and_then(|v| v.as_str()).map(str::to_owned))
        .collect()
}

impl Cards {
    pub fn new(rates: CardRates, ledger: Rc<Ledger>) -> Cards {
        Cards {
            rates: Cell::new(rates),
            ledger,
            stats: RefCell::new(CardStats::default()),
            lost: RefCell::new(BTreeSet::new()),
            seen: RefCell::new(BTreeMap::new()),
        }
    }

    /// The bank's answer to a call, as its emulator gives it.
    fn answer(sim: &Sim, endpoint: &Endpoint, body: &[u8]) -> (u16, String) {
        let fx = ProviderFx(sim);
        match endpoint {
            Endpoint::SipsOffice { path } => at_once(sips::office_answer(&fx, path, body)),
            Endpoint::MoneticoApi { script } => at_once(monetico::answer_api(&fx, script, body)),
            Endpoint::PaypalNvp | Endpoint::PaypalIpnVerify => (404, String::new()),
        }
    }

    fn act_on(&self, sim: &Sim, request: &WireRequest) -> Delivery {
        self.stats.borrow_mut().calls += 1;
        let r = self.rates.get();
        let (fail, lose) = {
            let mut rng = sim.rng.borrow_mut();
            (rng.chance(r.fail_before), rng.chance(r.lose_answer))
        };
        if fail {
            self.stats.borrow_mut().failed_calls += 1;
            return Delivery::Failed(NoAnswer::Network("connection reset".into()));
        }
        let before = captured(sim, &request.endpoint);
        let held = claims(sim);
        sim.provider_epoch.set(sim.provider_epoch.get() + 1);
        let (status, text) = Self::answer(sim, &request.endpoint, &request.body);
        sim.said(|| format!("{:?}: {status} {}", request.endpoint, one_line(&text)));
        let after = captured(sim, &request.endpoint);
        let captured_now = after
            .iter()
            .any(|(r, c)| *c > before.get(r).copied().unwrap_or(0));
        if lose && captured_now {
            self.stats.borrow_mut().lost_captures += 1;
        }
        for (reference, cents) in &after {
            let was = before.get(reference).copied().unwrap_or(0);
            if *cents <= was {
                continue;
            }
            self.stats.borrow_mut().captures += 1;
            if !held.contains(reference) {
                self.ledger.violation(
                    sim,
                    "(4) a card is captured only for an order holding its title's claim",
                    format!(
                        "{}: {:?} captured {} cents of {reference} without the claim",
                        sim.current.borrow(),
                        request.endpoint,
                        cents - was
                    ),
                    None,
                );
            }
        }
        let answer = WireAnswer {
            status,
            body: text.into_bytes(),
        };
        if lose {
            self.stats.borrow_mut().lost_answers += 1;
            Delivery::Lost(answer)
        } else {
            Delivery::Answer(answer)
        }
    }

    /// Draws, once per message of `bank` up to `newest`, whether the bank
    /// will never deliver it.
    pub fn draw_losses(&self, sim: &Sim, bank: &'static str, newest: i64) {
        let seen = self.seen.borrow().get(bank).copied().unwrap_or(0);
        for id in seen + 1..=newest {
            if sim.rng.borrow_mut().chance(self.rates.get().lose_message) {
                self.lost.borrow_mut().insert((bank, id));
                self.stats.borrow_mut().messages_lost += 1;
            }
        }
        self.seen.borrow_mut().insert(bank, newest.max(seen));
    }
}

fn one_line(text: &str) -> String {
    text.chars()
        .take(160)
        .map(|c| if c == '\n' { ' ' } else { c })
        .collect()
}

/// The history's one provider: PayPal's endpoints to PayPal, the card
/// banks' to their emulators.
pub struct Both {
    pub paypal: Rc<PayPal>,
    pub cards: Rc<Cards>,
}

impl Provider for Both {
    fn act(&self, sim: &Sim, request: &WireRequest) -> Delivery {
        match request.endpoint {
            Endpoint::PaypalNvp | Endpoint::PaypalIpnVerify => self.paypal.act(sim, request),
            Endpoint::SipsOffice { .. } | Endpoint::MoneticoApi { .. } => {
                self.cards.act_on(sim, request)
            }
        }
    }
}

/// The reference (order id) of a message id of `bank`, and its body and
/// delivery status, read from the emulator's table.
pub fn message(sim: &Sim, bank: &str, id: i64) -> Option<(String, String, bool)> {
    let query = if bank == "sips" {
        "SELECT transaction_reference AS r, body, status FROM emulator_sips_responses WHERE id = ?1"
    } else {
        "SELECT reference AS r, body, status FROM emulator_monetico_notifications WHERE id = ?1"
    };
    let rows = sim.db.read(query, vec![Param::Int(id)]);
    let r = rows.first()?;
    let text = |n: &str| r.get(n).and_then(|v| v.as_str()).unwrap_or("").to_owned();
    Some((text("r"), text("body"), text("status") == "delivered"))
}
