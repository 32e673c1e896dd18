//! One simulated deployment: the SQLite database (the platform's state and
//! the emulator's), PayPal (the built-in emulator, `paypal.rs`), a clock,
//! and actors that are the production flows (`actors.rs`) run by the
//! deterministic executor (`exec.rs`): a step carries out one effect, so
//! that any interleaving of buyers, refreshes, cancels, cron runs and
//! notifications, and a crash between any two effects, can be generated.
//!
//! Invariants are checked as the effects happen (`ledger.rs`: invariant 4
//! at every DoExpressCheckoutPayment, orders failed or reopened while PayPal
//! holds a payment, the lease), after every step that wrote (`checks.rs`),
//! and after the history once the system is quiescent
//! ([`World::check_final`]). Histories are made in `history.rs`.

use std::cell::RefMut;
use std::collections::BTreeMap;
use std::rc::Rc;

use paybook::core::flow::Effects;
use paybook::core::isin::Isin;
use paybook::core::psp::paypal::emulator::serve::{self, NewAccountSpec};
use paybook::core::psp::paypal::emulator_ipn::IpnCharset;
use paybook::core::purchase::Buyer;
use paybook::core::sealing::Binding;
use paybook::core::sql::{self, Param};
use paybook::core::time::UtcTime;

use super::actors::{self, Deployment, Outcome};
use super::cards::{Both, CardRates, Cards};
use super::checks::{self, check_step, Client, Facts};
use super::checks_titles;
use super::db::Db;
use super::exec::{Actor, ActorId, Actors, Park, Polled};
use super::fx::{at_once, ProviderFx, Sim, START};
use super::ledger::{Ledger, Violation};
use super::paypal::{PayPal, Rates};
use super::rng::Rng;
use super::world_cards::CardSide;

/// `PENDING_TTL_HOURS` (24).
pub const TTL_SECONDS: i64 = 24 * 3_600;

/// What a buyer's browser knows of an order: its token, and the PayerID of
/// PayPal's redirect once approved (the return URL can be loaded again).
pub struct KnownOrder {
    pub id: String,
    pub buyer: usize,
    pub token: String,
    pub payer_id: Option<String>,
}

/// Who an actor is, for what its outcome means.
enum Role {
    Buy(usize),
    /// PayPal's message (emulator id), or a forger's (`None`).
    Ipn(Option<i64>),
    Other,
}

pub struct World {
    pub seed: u64,
    pub sim: Rc<Sim>,
    pub pp: Rc<PayPal>,
    pub ledger: Rc<Ledger>,
    pub(super) dep: Rc<Deployment>,
    /// The card banks and the card orders (`world_cards.rs`).
    pub card: CardSide,
    pub clients: Vec<Client>,
    pub orders: Vec<KnownOrder>,
    pub(super) actors: Actors<Outcome>,
    roles: BTreeMap<ActorId, Role>,
    initial_titles: BTreeMap<i64, (i64, i64)>,
    processed_seen: i64,
    ledger_seen: super::checks_ledger::LedgerSeen,
    /// What the events last read of PayPal (`history.rs`).
    pub(super) cache: Option<super::history::PayPalNow>,
    /// Sellers paid by permission and their revocations (`permission.rs`).
    pub(super) permission: super::permission::PermissionSide,
}

pub fn at(seconds: i64) -> String {
    UtcTime::from_unix_seconds(seconds).to_string()
}

impl World {
    /// A deployment with `sellers` + `buyers` clients, each with an
    /// initiation title of `values[i]` cents and a PayPal account holding
    /// `balances[i]` cents.
    pub fn new(
        seed: u64,
        rates: Rates,
        values: &[i64],
        balances: &[i64],
        buyers_from: usize,
    ) -> World {
        World::with_log(seed, rates, values, balances, buyers_from, true)
    }

    pub fn with_log(
        seed: u64,
        rates: Rates,
        values: &[i64],
        balances: &[i64],
        buyers_from: usize,
        verbose: bool,
    ) -> World {
        let pp = Rc::new(PayPal::new(rates));
        let ledger = Rc::new(Ledger::default());
        let cards = Rc::new(Cards::new(CardRates::default(), ledger.clone()));
        let both = Both {
            paypal: pp.clone(),
            cards: cards.clone(),
        };
        let sim = Rc::new(Sim::new(seed, Db::pooled(), Box::new(both), verbose));
        *sim.watch.borrow_mut() = Some(Box::new(ledger.clone()));
        let mut w = World {
            seed,
            sim,
            pp,
            ledger,
            dep: Rc::new(Deployment::new()),
            card: CardSide::new(cards),
            clients: Vec::new(),
            orders: Vec::new(),
            actors: Actors::default(),
            roles: BTreeMap::new(),
            initial_titles: BTreeMap::new(),
            processed_seen: 0,
            ledger_seen: Default::default(),
            cache: None,
            permission: Default::default(),
        };
        let now = at(START);
        let mut setup = Vec::new();
        for (i, value) in values.iter().enumerate() {
            let buyer = i >= buyers_from;
            let name = if buyer {
                format!("b{}", i - buyers_from + 1)
            } else {
                format!("s{}", i + 1)
            };
            let email = format!("{name}@example.org");
            let id = i as i64 + 1;
            let balance = balances.get(i).copied().unwrap_or(0);
            // Half the accounts have PayPal's default IPN charset.
            let charset = w.rng().chance(500).then_some(IpnCharset::Windows1252);
            let spec = NewAccountSpec {
                email: &email,
                balance_cents: balance,
                currency: "EUR",
                ipn_charset: charset,
            };
            let (_, account) = at_once(serve::create_account(&ProviderFx(&w.sim), &spec))
                .expect("a PayPal account");
            // The seller's API credentials, sealed as the shell seals them.
            let secret = serde_json::json!({
                "password": account.api_password,
                "signature": account.api_signature,
            })
            .to_string();
            let mut nonce = [0u8; 12];
            Effects::fill_random(&*w.sim, &mut nonce).expect("seeded bytes");
            let binding = Binding {
                client_id: id,
                version: 1,
                api_username: &account.api_username,
            };
            let sealed = w
                .dep
                .keyring
                .seal(binding, nonce, secret.as_bytes())
                .expect("sealed");
            let isin = Isin::issue(w.rng().bytes9());
            setup.extend(sql::clients::insert(&sql::clients::NewClient {
                email: &email,
                password_hash: "pbkdf2-sha256$1$c2FsdA==$aGFzaA==",
                language: if i % 2 == 0 { "en" } else { "fr" },
                psp_environment: "emulator",
                provider: "paypal",
                api_username: &account.api_username,
                sealed_secret: &sealed,
                now: &now,
            }));
            setup.push(sql::titles::reserve_isin(isin.as_str(), &now));
            setup.push(sql::titles::issue_initiation(
                isin.as_str(),
                *value,
                "EUR",
                &email,
                &now,
            ));
            w.initial_titles.insert(id, (*value, id));
            w.clients.push(Client {
                id,
                email,
                api_username: account.api_username.clone(),
                account: account.id,
                buyer,
                start: balance,
                deposits: 0,
            });
        }
        w.sim
            .run_now(&setup)
            .expect("clients, credentials and initiation titles");
        w.sim.dirty.set(false);
        w
    }

    pub fn rng(&self) -> RefMut<'_, Rng> {
        self.sim.rng.borrow_mut()
    }

    pub fn now(&self) -> i64 {
        self.sim.now.get()
    }

    pub fn say(&self, who: &str, what: impl FnOnce() -> String) {
        self.sim.say(who, what);
    }

    pub fn advance(&self, seconds: i64) {
        self.sim.now.set(self.now() + seconds);
        let now = self.now();
        self.say("clock", || format!("+{seconds}s → {}", at(now)));
    }

    pub fn stats(&self) -> RefMut<'_, super::ledger::Stats> {
        self.ledger.stats.borrow_mut()
    }

    // ------------------------------------------------------------ actors

    fn spawn(&mut self, kind: &str, role: Role, actor: Actor<Outcome>) -> ActorId {
        let id = self.actors.spawn(|id| format!("{kind}#{id}"), actor);
        self.roles.insert(id, role);
        // The first poll runs the flow to its first effect: nothing happens.
        self.poll(id);
        id
    }

    /// Spawns an actor whose outcome the world does not book (the card
    /// world keeps its own).
    pub(super) fn spawn_other(&mut self, kind: &str, actor: Actor<Outcome>) -> ActorId {
        self.spawn(kind, Role::Other, actor)
    }

    /// Polls actor `id` once: where it waits now, `None` once it ended.
    pub fn poll(&mut self, id: ActorId) -> Option<Park> {
        let name = self.actors.name(id);
        self.sim.set_current(&name);
        let polled = self.actors.poll(id, &self.sim.parking)?;
        self.stats().steps += 1;
        let parked = match polled {
            Polled::Parked(at) => Some(at),
            Polled::Done(outcome) => {
                self.finished(id, &name, outcome);
                None
            }
        };
        self.after_step();
        self.sim.set_current("world");
        // As the Worker's `waitUntil`: a request that appended is followed
        // by a sealer, which runs interleaved with everyone else (a crashed
        // request's entries wait for the next sealer or the cron).
        if parked.is_none() && self.sim.seal_due.take() {
            let actor = actors::seal(&self.sim, &self.dep);
            self.spawn("seal", Role::Other, actor);
        }
        parked
    }

    pub(super) fn after_step(&mut self) {
        let broken: Vec<String> = self.sim.broken.borrow_mut().drain(..).collect();
        for detail in broken {
            self.ledger.violation(
                &self.sim,
                "a core batch never fails but on a guard",
                detail,
                None,
            );
        }
        if self.sim.dirty.take() {
            check_step(&self.sim, &self.ledger, &mut self.processed_seen);
            super::checks_ledger::check_ledger(&self.sim, &self.ledger, &mut self.ledger_seen);
        }
    }

    fn finished(&mut self, id: ActorId, name: &str, outcome: Outcome) {
        self.ledger.ended(name);
        self.sim.say(name, || format!("ends: {outcome:?}"));
        match (self.roles.remove(&id), outcome) {
            (Some(Role::Buy(buyer)), Outcome::Started(Some(order_id))) => {
                self.stats().orders += 1;
                let token = self
                    .sim
                    .db
                    .read(
                        "SELECT psp_token FROM orders WHERE id = ?1",
                        vec![Param::from(order_id.as_str())],
                    )
                    .first()
                    .and_then(|r| r.get("psp_token"))
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_owned();
                self.orders.push(KnownOrder {
                    id: order_id,
                    buyer,
                    token,
                    payer_id: None,
                });
            }
            (_, Outcome::Cron(false)) => self.stats().lease_refused += 1,
            (Some(Role::Ipn(Some(message))), Outcome::Notified(status)) => {
                at_once(serve::record_delivery(
                    &ProviderFx(&self.sim),
                    message,
                    status,
                ))
                .expect("a delivery recorded");
            }
            _ => {}
        }
    }

    /// One step of actor `id`: it carries out one effect (with its answer,
    /// for a provider call); `false` once it has ended.
    pub fn step(&mut self, id: ActorId) -> bool {
        loop {
            match self.poll(id) {
                Some(Park::AnswerHeld) => continue,
                Some(Park::Before) => return true,
                None => return false,
            }
        }
    }

    pub fn finish(&mut self, id: ActorId) {
        while self.step(id) {}
    }

    /// The actor stops for good where it waits (a crashed isolate).
    pub fn crash(&mut self, id: ActorId) {
        let name = self.actors.name(id);
        if self.actors.crash(id) {
            self.roles.remove(&id);
            self.ledger.ended(&name);
            self.stats().crashes += 1;
            self.say(&name, || "crashes".to_string());
        }
    }

    pub fn start_buy(&mut self, buyer: usize, isin: &str, amount: i64, rate: u8) -> ActorId {
        let c = &self.clients[buyer];
        let who = Buyer {
            client_id: c.id,
            psp_environment: "emulator".into(),
            api_username: Some(c.api_username.clone()),
        };
        let actor = actors::buy(&self.sim, &self.dep, who, isin.to_owned(), amount, rate);
        self.spawn("buy", Role::Buy(buyer), actor)
    }

    /// The buyer approves on PayPal's page; `false` when PayPal refuses
    /// (expired, already paid).
    pub fn approve(&mut self, order: usize) -> bool {
        let (token, buyer) = (self.orders[order].token.clone(), self.orders[order].buyer);
        let email = self.clients[buyer].email.clone();
        let payer_id = self.pp.approve(&self.sim, &token, &email);
        self.say(&format!("buyer{}", buyer + 1), || {
            format!("approves {token} at PayPal → {payer_id:?}")
        });
        self.after_step();
        let approved = payer_id.is_some();
        if payer_id.is_some() {
            self.orders[order].payer_id = payer_id;
        }
        approved
    }

    /// The buyer's browser loads the return URL (again, for a refresh).
    pub fn start_return(&mut self, order: usize) -> ActorId {
        let o = &self.orders[order];
        let (token, payer_id) = (o.token.clone(), o.payer_id.clone().unwrap_or_default());
        let actor = actors::return_url(&self.sim, &self.dep, token, payer_id);
        self.spawn("return", Role::Other, actor)
    }

    pub fn start_cancel(&mut self, order: usize) -> ActorId {
        let o = &self.orders[order];
        let actor = actors::cancel(&self.sim, o.id.clone(), o.token.clone());
        self.spawn("cancel", Role::Other, actor)
    }

    pub fn start_cron(&mut self) -> ActorId {
        let actor = actors::cron(&self.sim, &self.dep);
        self.spawn("cron", Role::Other, actor)
    }

    pub fn run_cron(&mut self) {
        let id = self.start_cron();
        self.finish(id);
    }

    /// PayPal delivers its message `m` (again, when acknowledged).
    pub fn start_ipn(&mut self, m: i64) -> ActorId {
        let rows = self.sim.db.read(
            "SELECT body, status FROM emulator_ipn_messages WHERE id = ?1",
            vec![Param::Int(m)],
        );
        let row = rows.first().expect("PayPal sent it");
        let body = row
            .get("body")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .as_bytes()
            .to_vec();
        self.stats().ipn_deliveries += 1;
        if row.get("status").and_then(|v| v.as_str()) == Some("delivered") {
            self.stats().ipn_redeliveries += 1;
        }
        let actor = actors::notify(&self.sim, &self.dep, body);
        self.spawn("ipn", Role::Ipn(Some(m)), actor)
    }

    /// Someone who is not PayPal posts `body` to the listener.
    pub fn start_forged_ipn(&mut self, body: String) -> ActorId {
        self.stats().ipn_forged += 1;
        let actor = actors::notify(&self.sim, &self.dep, body.into_bytes());
        self.spawn("ipn", Role::Ipn(None), actor)
    }

    // ------------------------------------------------------------ checks

    /// After quiescence: every final invariant, on the database and
    /// PayPal's tables together.
    pub fn check_final(&mut self) {
        self.ipn_queue();
        let f = Facts::read(&self.sim);
        let lost = self.pp.lost_ipns.borrow().clone();
        let review = checks::in_review(&f);
        let unproven = checks::unproven(&f, &lost);
        self.stats().reversals_unproven += unproven.len() as u64;
        let mut found = Vec::new();
        checks::check_payments(&f, &self.clients, &review, &unproven, &mut found);
        let failed_unrecorded = checks::check_reversals(&f, &review, &unproven, &mut found);
        self.stats().partial_refund_failed_unrecorded += failed_unrecorded;
        checks_titles::check_titles(&f, &self.clients, &self.initial_titles, &mut found);
        let partly: Vec<String> = f
            .payments
            .iter()
            .filter(|p| p.partly_refunded())
            .filter_map(|p| f.order_id_of(p))
            .collect();
        let tainted_orders = self.ledger.tainted.borrow().clone();
        let tainted = |order_id: &str| {
            tainted_orders.contains_key(order_id)
                || review.contains(order_id)
                || unproven.contains(order_id)
                || partly.iter().any(|o| o == order_id)
        };
        checks::check_money(&f, &self.clients, &tainted, &mut found);
        checks_titles::check_quiet(&f, &review, &at(self.now() - TTL_SECONDS), &mut found);
        super::checks_ledger::check_sealed(&self.sim, &mut found);
        checks_titles::check_notifications(&self.sim, &f, &lost, &mut found);
        self.check_cards(&mut found);
        self.count_card_outcomes();
        let outcomes = |list: &'static str| self.count(list) as u64;
        let chargebacks = outcomes(
            "SELECT count(*) FROM psp_notifications WHERE outcome IN ('chargeback_undone', 'chargeback_disputed')",
        );
        let reinstated = outcomes(
            "SELECT count(*) FROM psp_notifications \
             WHERE outcome IN ('reversal_canceled_reapplied', 'reversal_canceled_flagged')",
        );
        self.stats().chargebacks += chargebacks;
        self.stats().reinstated += reinstated;
        for (invariant, detail, order) in found {
            let known = order
                .as_deref()
                .and_then(|o| tainted_orders.get(o).copied());
            self.ledger.violation(&self.sim, invariant, detail, known);
        }
    }

    pub fn violations(&self) -> Vec<Violation> {
        self.ledger.violations.borrow().clone()
    }

    pub fn unknown_violations(&self) -> Vec<Violation> {
        self.violations()
            .into_iter()
            .filter(|v| v.known.is_none())
            .collect()
    }

    pub fn log(&self) -> Vec<String> {
        self.sim.log.borrow().clone()
    }

    /// Gives the database connection back for the next history.
    pub fn recycle(self) {
        drop(self.actors);
        *self.sim.watch.borrow_mut() = None;
        if let Ok(sim) = Rc::try_unwrap(self.sim) {
            sim.db.recycle();
        }
    }

    pub fn report(&self) -> String {
        let violations = self.violations();
        let mut out = format!("seed {} — {} violation(s):\n", self.seed, violations.len());
        for v in &violations {
            out.push_str(&format!(
                "  [{}] {} (known bug: {:?})\n",
                v.invariant, v.detail, v.known
            ));
        }
        out.push_str("step log:\n");
        for line in self.sim.log.borrow().iter() {
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}
