//! One simulated deployment: the SQLite database (the platform's state),
//! the PayPal model, a clock, and actors whose every step is one atomic
//! move — one SQL batch or one PayPal call — so that any interleaving of
//! buyers, refreshes, cancels and cron runs, and a crash between any two
//! steps, can be generated. The step machines follow `src/shell` line by
//! line (`routes/purchase.rs` for buy/return/cancel, `settle.rs` and
//! `cron.rs` for the reconciler) and call the same core functions, so the
//! SQL that runs here is the SQL that runs on D1.
//!
//! PayPal's notifications are actors too: PayPal delivers each IPN it
//! sent (payments, Pending decisions, reversals, refunds, canceled
//! reversals) in any order, again until acknowledged and sometimes again
//! after, and forgers post messages PayPal never sent. The listener's steps
//! follow `routes/ipn.rs` and call `core::notify`.
//!
//! Invariants are checked after every step (the cheap ones), at every
//! DoExpressCheckoutPayment, at every reconciler decision, and after the
//! history once the system is quiescent (see [`World::check_final`]).

use std::collections::{BTreeMap, BTreeSet};

use paybook::core::i18n::Lang;
use paybook::core::isin::Isin;
use paybook::core::money::{Amount, Currency};
use paybook::core::notify::{self, Decision, Outcome as NoticeOutcome, Step, Subject};
use paybook::core::order::Substate;
use paybook::core::psp::notice::Notice as Notification;
use paybook::core::psp::paypal::answers::{self as payment_check, classify, CheckoutFinding};
use paybook::core::psp::paypal::ipn::{self, Verdict};
use paybook::core::psp::paypal::nvp::NvpResponse;
use paybook::core::psp::paypal::receipts::{self as ipn_receipts, Answer};
use paybook::core::purchase::{
    self, after_payment, on_return, AfterPayment, Buyer, Limits, MailSetting, NewOrder, OrderState,
    PlannedPurchase, ReturnStep, TitleForSale,
};
use paybook::core::recheck;
use paybook::core::reconcile::{self, Inquiry, Resolution};
use paybook::core::rules::{Outcome, ProfitRate};
use paybook::core::sql::{self, traces, Batch, Param, Stmt, StmtResult};
use paybook::core::time::UtcTime;
use serde::Deserialize;

use super::db::{Db, DbError};
use super::paypal::{describe, Api, DoEcRequest, Fault, PayPal, PayStatus, Rates, SendContext};
use super::rng::{Rng, LOWER_ALNUM, UPPER_ALNUM};

/// 2026-01-05T10:00:00Z: every history starts here.
pub const START: i64 = 1_767_607_200;
/// `PENDING_TTL_HOURS` (default 24).
pub const TTL_SECONDS: i64 = 24 * 3_600;
// The cron's constants (src/shell/cron.rs).
const LEASE_SECONDS: i64 = 240;
const SETTLE_AFTER_SECONDS: i64 = 60;
const ORDERS_PER_RUN: i64 = 20;
const NOTICES_PER_RUN: i64 = 10;
/// `PENDING_MAX_DAYS` (default 10).
const PENDING_MAX_DAYS: i64 = 10;
const DEPLOYMENT: &str = "sim0deploy1";

/// Bugs of `src/core` the simulation found and reports (see
/// `tests/simulation.rs`). A violation explained by one of them is
/// counted, not failed, by the randomized test; the strict test fails on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KnownBug {
    /// `reconcile::resolve` failed a confirming order (and released its
    /// claim) on GetExpressCheckoutDetails' 10411; but PayPal answers 10411
    /// for every token older than 3 h, paid or not. Fixed: the 10411 answer
    /// still echoes the cart with the transaction when paid (as PayPal's
    /// recorded timeout answers do) and `read_checkout` reads it; Pending
    /// payments are asked by transaction; a bare 10411 is repaired by the
    /// payment's verified IPN (`routes/ipn.rs`), which this simulation does
    /// not model.
    ReconcilerFailsPaidOrderOnExpiredToken,
    /// `purchase::after_payment` takes one refusal of
    /// DoExpressCheckoutPayment as the outcome of the whole attempt: on Fail
    /// (10411 once the token is 3 h old, 10445 "try again later", ...) or
    /// RetryFunding (10486) it releases the title's claim (and fails the
    /// order, or reopens it for a new MSGSUBID), although another execution
    /// of the same MSGSUBID may already have paid (its answer lost, its
    /// handler crashed or still recording) or may still pay (a concurrent
    /// refresh's call in flight). PayPal replays only a successful MSGSUBID
    /// (11607), and checks the token's age before that. Fixed: one call in
    /// flight per order (the payment lease), refusals of repeated calls
    /// verified with PayPal, refusals decide only under their own lease and
    /// attempt; kept so that a regression is named.
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
}

impl Stats {
    pub fn add(&mut self, o: &Stats) {
        self.steps += o.steps;
        self.orders += o.orders;
        self.payments += o.payments;
        self.processed += o.processed;
        self.doec_sends += o.doec_sends;
        self.doec_without_claim_harmless += o.doec_without_claim_harmless;
        self.lost_answers += o.lost_answers;
        self.pending_payments += o.pending_payments;
        self.funding_refusals += o.funding_refusals;
        self.cron_runs += o.cron_runs;
        self.lease_refused += o.lease_refused;
        self.crashes += o.crashes;
        self.guard_aborts += o.guard_aborts;
        self.races_lost += o.races_lost;
        self.ipn_deliveries += o.ipn_deliveries;
        self.ipn_redeliveries += o.ipn_redeliveries;
        self.ipn_forged += o.ipn_forged;
        self.postbacks_lost += o.postbacks_lost;
        self.reversals += o.reversals;
        self.reversals_canceled += o.reversals_canceled;
        self.chargebacks += o.chargebacks;
        self.reinstated += o.reinstated;
        self.notices_retried += o.notices_retried;
        self.partial_refunds += o.partial_refunds;
        self.partial_refund_failed_unrecorded += o.partial_refund_failed_unrecorded;
        self.misaddressed += o.misaddressed;
        self.ipns_lost += o.ipns_lost;
        self.rechecks += o.rechecks;
        self.reversals_unproven += o.reversals_unproven;
    }
}

pub struct Client {
    pub id: i64,
    pub email: String,
    pub api_username: String,
    pub account: usize,
    pub buyer: bool,
}

/// What a buyer's browser knows of an order: its token, and the PayerID of
/// PayPal's redirect once approved (the return URL can be loaded again).
pub struct KnownOrder {
    pub id: String,
    pub buyer: usize,
    pub token: String,
    pub payer_id: Option<String>,
}

pub type TaskId = usize;

pub enum Task {
    Buy {
        buyer: usize,
        isin: String,
        amount: i64,
        rate: u8,
        stage: BuyStage,
    },
    Return {
        token: String,
        payer_id: String,
        stage: ReturnStage,
    },
    Cancel {
        order_id: String,
        token: String,
        stage: CancelStage,
    },
    Cron {
        stage: CronStage,
        lease_until: i64,
    },
    /// PayPal (or a forger, `message: None`) posts a notification.
    Ipn {
        message: Option<usize>,
        notice: Box<Notice>,
    },
}

/// The listener working on one message (`routes/ipn_listener.rs`, then
/// `routes/ipn.rs`): `record` (in `act`'s first batch) is never used since
/// the verified message is recorded with its receipt.
pub struct Notice {
    body: String,
    record: bool,
    /// The receipt of the bytes (`psp_ipn_receipts`), once recorded.
    receipt: Option<i64>,
    /// What the listener answers PayPal, once known.
    answer: Option<Answer>,
    stage: NoticeStage,
    /// Looks taken (read, ask, decide), and the first change made.
    looks: usize,
    changed: Option<NoticeOutcome>,
    /// Left for the cron when it ended (as `routes/ipn.rs` `Acted::Left`),
    /// until a look settles it.
    left: bool,
}

impl Notice {
    /// A message posted to the listener (recorded, read, verified).
    fn posted(body: String) -> Notice {
        Notice {
            body,
            record: false,
            receipt: None,
            answer: None,
            stage: NoticeStage::Record,
            looks: 0,
            changed: None,
            left: true,
        }
    }

    /// The cron's scheduled re-read of a payment (`shell/recheck.rs`):
    /// the prompt, never recorded.
    fn recheck(n: Notification) -> Notice {
        Notice {
            body: String::new(),
            record: false,
            receipt: None,
            answer: None,
            stage: NoticeStage::Read(Box::new(n)),
            looks: 0,
            changed: None,
            left: true,
        }
    }
}

enum NoticeStage {
    Record,
    Verify,
    Read(Box<Notification>),
    Ask(Box<Notification>, Box<Subject>, Box<OrderState>),
    /// The message, the changes still to try, and the trace to write when
    /// every one is refused.
    Write(Box<Notification>, Vec<(Batch, NoticeOutcome)>, Batch),
}

pub enum BuyStage {
    Read,
    SetEc(Box<PlannedPurchase>, String),
    Create(Batch, String, String),
}

pub enum ReturnStage {
    Read,
    RunFail(String, Batch),
    Claim(Batch, Box<OrderState>, String, String),
    Reread(String, String, String),
    /// A refresh takes the payment lease before sending the payment again
    /// (as src/shell/routes/purchase.rs does); without it, it only shows.
    TakeLease(Batch, Box<OrderState>, String),
    /// The payment call; `true` when it is sent again for an order that was
    /// already confirming (a refresh), as the shell's return path does.
    DoEc(Box<OrderState>, bool),
    Decide(String, String, &'static str, Batch),
    LostTrace(Stmt),
    AlreadyPaidTrace(Stmt, Box<OrderState>),
    Settle(Box<Settle>),
}

pub enum CancelStage {
    Read,
    Run(Batch),
}

pub enum CronStage {
    Lease,
    Due(i64),
    Orders(Vec<(OrderState, bool)>, Option<Box<Settle>>),
    NoticesDue,
    Notices(Vec<Notice>, Option<Box<Notice>>),
    RechecksDue,
    Rechecks(Vec<recheck::Due>, Option<(recheck::Due, Box<Notice>)>),
    Finish,
}

/// `settle::settle`: GetExpressCheckoutDetails, then GetTransactionDetails
/// when it names a transaction, then the decision's batch.
pub struct Settle {
    order: OrderState,
    ttl_passed: bool,
    stage: SettleStage,
}

enum SettleStage {
    GetEc,
    GetTd(String, Vec<Stmt>),
    Write(Inquiry, Vec<Stmt>),
}

#[derive(Deserialize)]
struct OrderRow {
    id: String,
    code: i64,
    substate: String,
    title_id: i64,
    buyer_id: i64,
    seller_id: i64,
    amount_cents: i64,
    profit_rate: i64,
    title_value_cents: i64,
    new_value_cents: i64,
    new_isin: Option<String>,
    psp_token: Option<String>,
    psp_transaction_id: Option<String>,
    created_at: String,
}

#[derive(Deserialize)]
struct TradeRow {
    order_id: String,
    title_id: i64,
    isin: String,
    amount_cents: i64,
    profit_rate: i64,
    buyer_id: i64,
    seller_id: i64,
    new_title_id: i64,
    new_isin: String,
    new_value_cents: i64,
    seller_value_cents: Option<i64>,
    previous_value_cents: i64,
    status: String,
    reversal: Option<String>,
}

#[derive(Deserialize)]
struct TitleRow {
    id: i64,
    isin: String,
    value_cents: i64,
    holder_id: i64,
    issued_by: String,
    parent_title_id: Option<i64>,
    issuing_order_id: Option<String>,
    claim_order_id: Option<String>,
    status: String,
    disputed: i64,
}

pub struct World {
    pub seed: u64,
    pub rng: Rng,
    pub db: Db,
    pub pp: PayPal,
    pub now: i64,
    pub clients: Vec<Client>,
    pub orders: Vec<KnownOrder>,
    pub tasks: Vec<(TaskId, Task)>,
    next_task: TaskId,
    pub log: Vec<String>,
    pub violations: Vec<Violation>,
    /// Orders whose later inconsistencies a known bug explains.
    pub tainted: BTreeMap<String, KnownBug>,
    pub stats: Stats,
    mail: MailSetting,
    limits: Limits,
    initial_titles: BTreeMap<i64, (i64, i64)>,
    processed_seen: i64,
    /// Orders whose claim a refusal released, with that call's MSGSUBID.
    released_on_refusal: BTreeSet<(String, String)>,
    /// Cron tasks' leases as taken: task id → lease end.
    leases: BTreeMap<TaskId, i64>,
    /// Keep the step log (off for the fast bulk run; a failing seed is
    /// replayed with it on).
    pub verbose: bool,
    /// A batch that writes committed since the last per-step check.
    dirty: bool,
}

pub fn at(seconds: i64) -> String {
    UtcTime::from_unix_seconds(seconds).to_string()
}

fn desc(answer: Option<&NvpResponse>) -> String {
    answer.map_or_else(|| "no answer".to_string(), describe)
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
        let mut w = World {
            seed,
            rng: Rng::new(seed),
            db: Db::pooled(),
            pp: PayPal::new(rates),
            now: START,
            clients: Vec::new(),
            orders: Vec::new(),
            tasks: Vec::new(),
            next_task: 1,
            log: Vec::new(),
            violations: Vec::new(),
            tainted: BTreeMap::new(),
            stats: Stats::default(),
            mail: MailSetting {
                delivered_on_write: true,
                operator_email: Some("operator@example.org".into()),
            },
            limits: Limits {
                currency: Currency::EUR,
                min_amount: Amount::from_cents(100).unwrap_or_default(),
                max_amount: Amount::from_cents(1_000_000).unwrap_or_default(),
            },
            initial_titles: BTreeMap::new(),
            processed_seen: 0,
            released_on_refusal: BTreeSet::new(),
            leases: BTreeMap::new(),
            verbose: true,
            dirty: false,
        };
        let now = at(w.now);
        let mut setup = Vec::new();
        for (i, value) in values.iter().enumerate() {
            let buyer = i >= buyers_from;
            let name = if buyer {
                format!("b{}", i - buyers_from + 1)
            } else {
                format!("s{}", i + 1)
            };
            let email = format!("{name}@example.org");
            let api = format!("{name}_api1.example.org");
            let isin = Isin::issue(w.rng.bytes9());
            setup.extend(sql::clients::insert(&sql::clients::NewClient {
                email: &email,
                password_hash: "pbkdf2-sha256$1$c2FsdA==$aGFzaA==",
                language: if i % 2 == 0 { "en" } else { "fr" },
                psp_environment: "emulator",
                api_username: &api,
                sealed_secret: "v1.sealed-by-the-simulation",
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
            let id = i as i64 + 1;
            w.initial_titles.insert(id, (*value, id));
            let payer_id = w.rng.text(UPPER_ALNUM, 13);
            let account = w.pp.add_account(
                &email,
                &api,
                payer_id,
                balances.get(i).copied().unwrap_or(0),
            );
            w.clients.push(Client {
                id,
                email,
                api_username: api,
                account,
                buyer,
            });
        }
        w.db.run(&setup)
            .expect("clients, credentials and initiation titles");
        w
    }

    pub fn now_str(&self) -> String {
        at(self.now)
    }

    pub fn say(&mut self, who: &str, what: impl FnOnce() -> String) {
        if self.verbose {
            let line = format!(
                "{:>4} +{:>6}s {:<10} {}",
                self.log.len() + 1,
                self.now - START,
                who,
                what()
            );
            self.log.push(line);
        }
    }

    fn violation(&mut self, invariant: &'static str, detail: String, known: Option<KnownBug>) {
        self.say("CHECK", || {
            format!("VIOLATION {invariant}: {detail} (known: {known:?})")
        });
        self.violations.push(Violation {
            invariant,
            detail,
            known,
        });
    }

    pub fn advance(&mut self, seconds: i64) {
        self.now += seconds;
        let now = self.now;
        self.say("clock", || format!("+{seconds}s → {}", at(now)));
    }

    fn trace(&self, order_id: &str, method: &'static str, answer: Option<&NvpResponse>) -> Stmt {
        let codes: Vec<String> = answer
            .map(|a| a.errors().into_iter().map(|e| e.code).collect())
            .unwrap_or_default();
        traces::insert_for_order(
            order_id,
            &traces::Trace {
                psp: "paypal",
                method,
                ack: answer.map(|a| a.get("ACK").unwrap_or("").to_string()),
                error_codes: (!codes.is_empty()).then(|| codes.join(",")),
                correlation_id: answer.and_then(|a| a.correlation_id().map(str::to_string)),
                at: self.now_str(),
                request: "{}".into(),
                response: Some(
                    answer.map_or_else(|| "{\"no_answer\":\"lost\"}".to_string(), |a| a.encode()),
                ),
                request_wire: None,
                response_wire: answer.map(|a| a.encode().into_bytes()),
            },
        )
    }

    /// Runs a batch; any error but a guard's is a violation (a batch the
    /// core built must never fail on a constraint).
    fn run(&mut self, who: &str, what: &str, batch: &Batch) -> Result<Vec<StmtResult>, DbError> {
        let result = self.db.run(batch);
        match &result {
            Ok(_) => {
                self.dirty |= batch.iter().any(|stmt| !stmt.sql.starts_with("SELECT"));
                self.say(who, || format!("{what}: ok"));
            }
            Err(e) if e.is_guard() => {
                self.stats.guard_aborts += 1;
                self.say(who, || format!("{what}: guard failed, batch rolled back"));
            }
            Err(e) => {
                let detail = format!("{who} {what}: {}", e.0);
                self.violation("a core batch never fails but on a guard", detail, None);
            }
        }
        result
    }

    /// `run_guarded`: `true` applied, `false` refused by a guard.
    fn run_guarded(&mut self, who: &str, what: &str, batch: &Batch) -> bool {
        self.run(who, what, batch).is_ok()
    }

    fn read<T: serde::de::DeserializeOwned>(
        &mut self,
        who: &str,
        what: &str,
        stmt: Stmt,
    ) -> Option<T> {
        let results = self.run(who, what, &vec![stmt]).ok()?;
        results
            .first()
            .and_then(|r| sql::first::<T>(r).expect("row shape"))
    }

    // ------------------------------------------------------------ actors

    pub fn spawn(&mut self, task: Task) -> TaskId {
        let id = self.next_task;
        self.next_task += 1;
        self.tasks.push((id, task));
        id
    }

    pub fn start_buy(&mut self, buyer: usize, isin: &str, amount: i64, rate: u8) -> TaskId {
        self.spawn(Task::Buy {
            buyer,
            isin: isin.to_string(),
            amount,
            rate,
            stage: BuyStage::Read,
        })
    }

    /// The buyer approves on PayPal's page; `false` when PayPal refuses
    /// (expired, already paid).
    pub fn approve(&mut self, order: usize) -> bool {
        let (token, buyer) = (self.orders[order].token.clone(), self.orders[order].buyer);
        let account = self.clients[buyer].account;
        let payer_id = self.pp.approve(self.now, &token, account);
        let who = format!("buyer{}", buyer + 1);
        self.say(&who, || {
            format!("approves {token} at PayPal → {payer_id:?}")
        });
        let approved = payer_id.is_some();
        if payer_id.is_some() {
            self.orders[order].payer_id = payer_id;
        }
        approved
    }

    /// The buyer's browser loads the return URL (again, for a refresh).
    pub fn start_return(&mut self, order: usize) -> TaskId {
        let o = &self.orders[order];
        let (token, payer_id) = (o.token.clone(), o.payer_id.clone().unwrap_or_default());
        self.spawn(Task::Return {
            token,
            payer_id,
            stage: ReturnStage::Read,
        })
    }

    pub fn start_cancel(&mut self, order: usize) -> TaskId {
        let o = &self.orders[order];
        let (order_id, token) = (o.id.clone(), o.token.clone());
        self.spawn(Task::Cancel {
            order_id,
            token,
            stage: CancelStage::Read,
        })
    }

    pub fn start_cron(&mut self) -> TaskId {
        self.spawn(Task::Cron {
            stage: CronStage::Lease,
            lease_until: 0,
        })
    }

    /// One step of a task; `false` once it has ended.
    pub fn step(&mut self, id: TaskId) -> bool {
        let Some(index) = self.tasks.iter().position(|(t, _)| *t == id) else {
            return false;
        };
        let (id, mut task) = self.tasks.remove(index);
        let done = self.step_task(id, &mut task);
        self.stats.steps += 1;
        if std::mem::take(&mut self.dirty) {
            self.check_step();
        }
        if !done {
            self.tasks.insert(index, (id, task));
        } else {
            self.leases.remove(&id);
        }
        !done
    }

    pub fn finish(&mut self, id: TaskId) {
        while self.step(id) {}
    }

    /// The task stops for good between two steps (a crashed isolate).
    pub fn crash(&mut self, id: TaskId) {
        if let Some(index) = self.tasks.iter().position(|(t, _)| *t == id) {
            self.tasks.remove(index);
            self.leases.remove(&id);
            self.stats.crashes += 1;
            self.say(&format!("task#{id}"), || "crashes".to_string());
        }
    }

    pub fn run_cron(&mut self) {
        let id = self.start_cron();
        self.finish(id);
    }

    fn step_task(&mut self, id: TaskId, task: &mut Task) -> bool {
        match task {
            Task::Buy {
                buyer,
                isin,
                amount,
                rate,
                stage,
            } => {
                let who = format!("buy#{id}");
                self.step_buy(&who, *buyer, isin, *amount, *rate, stage)
            }
            Task::Return {
                token,
                payer_id,
                stage,
            } => {
                let who = format!("return#{id}");
                self.step_return(&who, token, payer_id, stage)
            }
            Task::Cancel {
                order_id,
                token,
                stage,
            } => {
                let who = format!("cancel#{id}");
                match std::mem::replace(stage, CancelStage::Read) {
                    CancelStage::Read => {
                        let order: Option<OrderState> =
                            self.read(&who, "read order", purchase::order_by_id(order_id));
                        match order {
                            Some(o) if o.psp_token.as_deref() == Some(token.as_str()) => {
                                *stage = CancelStage::Run(purchase::cancel(&o.id, &self.now_str()));
                                false
                            }
                            _ => true,
                        }
                    }
                    CancelStage::Run(batch) => {
                        if self.run_guarded(&who, "cancel", &batch) {
                            let order_id = order_id.clone();
                            self.check_failed_unpaid(&order_id, "cancel", None);
                        }
                        true
                    }
                }
            }
            Task::Cron { stage, lease_until } => {
                let who = format!("cron#{id}");
                self.step_cron(&who, id, stage, lease_until)
            }
            Task::Ipn { message, notice } => {
                let who = format!("ipn#{id}");
                let done = self.step_notice(&who, notice);
                if done && notice.answer == Some(Answer::Acknowledge) {
                    // The listener answered 200: PayPal stops resending.
                    if let Some(m) = message {
                        self.pp.ipns[*m].acked = true;
                    }
                }
                done
            }
        }
    }

    /// PayPal delivers message `m` of its IPNs (again, when acknowledged).
    pub fn start_ipn(&mut self, m: usize) -> TaskId {
        let body = self.pp.ipns[m].body.clone();
        self.stats.ipn_deliveries += 1;
        if self.pp.ipns[m].acked {
            self.stats.ipn_redeliveries += 1;
        }
        self.spawn(Task::Ipn {
            message: Some(m),
            notice: Box::new(Notice::posted(body)),
        })
    }

    /// Someone who is not PayPal posts `body` to the listener.
    pub fn start_forged_ipn(&mut self, body: String) -> TaskId {
        self.stats.ipn_forged += 1;
        self.spawn(Task::Ipn {
            message: None,
            notice: Box::new(Notice::posted(body)),
        })
    }

    /// One step of the listener, as `routes/ipn.rs` (`receive`, `act`):
    /// the postback, the record-and-read batch, the GetTransactionDetails,
    /// then each write the core proposes, one round trip each.
    fn step_notice(&mut self, who: &str, notice: &mut Notice) -> bool {
        match std::mem::replace(&mut notice.stage, NoticeStage::Verify) {
            NoticeStage::Record => {
                // The bytes first, before anything is read or verified.
                let batch = vec![ipn_receipts::record(
                    notice.body.as_bytes(),
                    &self.now_str(),
                )];
                let Ok(results) = self.run(who, "record the bytes", &batch) else {
                    return true;
                };
                let row: Option<ipn_receipts::Recorded> = results
                    .first()
                    .and_then(|r| sql::first(r).expect("receipt id"));
                notice.receipt = row.map(|r| r.id);
                notice.receipt.is_none()
            }
            NoticeStage::Verify => {
                let Some(id) = notice.receipt else {
                    return true;
                };
                let now = self.now_str();
                let raw = notice.body.clone().into_bytes();
                let n = match ipn::parse_bytes(&raw) {
                    Ok(n) => n,
                    Err(e) => {
                        let (batch, answer) = ipn_receipts::unreadable(id, &e, &now);
                        if self
                            .run(who, &format!("unreadable ({e:?})"), &batch)
                            .is_ok()
                        {
                            notice.answer = Some(answer);
                        }
                        return true;
                    }
                };
                let verdict = self.pp.postback(&mut self.rng, &notice.body);
                self.say(who, || format!("postback → {verdict:?}"));
                if matches!(verdict, Verdict::Unknown(_)) {
                    self.stats.postbacks_lost += 1;
                }
                let order_id = n
                    .invoice
                    .as_deref()
                    .and_then(|i| ipn::order_id_from_invoice(i, DEPLOYMENT));
                let (batch, answer) =
                    ipn_receipts::after_postback(id, &raw, &n, order_id, &verdict, &now);
                if !batch.is_empty() && self.run(who, "record the verdict", &batch).is_err() {
                    return true;
                }
                notice.answer = Some(answer);
                if verdict != Verdict::Verified {
                    return true;
                }
                notice.stage = NoticeStage::Read(Box::new(n));
                false
            }
            NoticeStage::Read(n) => {
                let order_id = n
                    .invoice
                    .as_deref()
                    .and_then(|i| ipn::order_id_from_invoice(i, DEPLOYMENT))
                    .map(str::to_string);
                let mut batch = Vec::new();
                let record_now = notice.record && notice.looks == 0;
                if record_now {
                    batch.push(notify::record_once(
                        &n,
                        order_id.as_deref(),
                        &notice.body,
                        &self.now_str(),
                    ));
                }
                batch.extend(notify::read(&n, order_id.as_deref()));
                let what = format!("record and read {} {}", n.reference, n.status_text);
                let Ok(results) = self.run(who, &what, &batch) else {
                    return true;
                };
                let read = &results[usize::from(record_now)..];
                let mut subject = Subject::decode(read).expect("subject rows");
                if notice.looks > 0 {
                    subject.outcome = None;
                }
                match notify::first_step(&n, &subject) {
                    Step::Done(NoticeOutcome::Duplicate) => {
                        self.say(who, || "duplicate, counted once".into());
                        notice.left = false;
                        true
                    }
                    Step::Done(outcome) => {
                        notice.left = false;
                        let outcome = notice.changed.unwrap_or(outcome);
                        let batch = vec![notify::set_outcome_stmt(&n, outcome)];
                        let _ = self.run(who, outcome.as_str(), &batch);
                        true
                    }
                    Step::Ask(named) => {
                        notice.stage = NoticeStage::Ask(n, Box::new(subject), named);
                        false
                    }
                }
            }
            NoticeStage::Ask(n, subject, named) => {
                let txn = notify::payment_txn(&n).to_string();
                let answer =
                    self.pp
                        .get_td(&mut self.rng, self.now, &named.seller_api_username, &txn);
                self.say(who, || {
                    format!("GetTransactionDetails {txn} → {}", desc(answer.as_ref()))
                });
                let trace = self.trace(&named.id, "GetTransactionDetails", answer.as_ref());
                let inquiry =
                    payment_check::read_transaction_for(&named, DEPLOYMENT, &txn, answer.as_ref());
                let now = self.now_str();
                match notify::decide(&n, &subject, &named, &inquiry, trace, &self.mail, &now) {
                    Decision::Retry(batch) => {
                        let _ =
                            self.run(who, "PayPal did not answer: trace, left received", &batch);
                        true
                    }
                    Decision::Agreed(mut batch, outcome) => {
                        let outcome = notice.changed.unwrap_or(outcome);
                        batch.push(notify::set_outcome_stmt(&n, outcome));
                        let what = format!("agreed: {}", outcome.as_str());
                        notice.left = self.run(who, &what, &batch).is_err();
                        true
                    }
                    Decision::Change(mut tries, otherwise) => {
                        tries.reverse();
                        notice.stage = NoticeStage::Write(n, tries, otherwise);
                        false
                    }
                }
            }
            NoticeStage::Write(n, mut tries, otherwise) => {
                let Some((batch, outcome)) = tries.pop() else {
                    let _ = self.run(who, "changed meanwhile: trace, left received", &otherwise);
                    return true;
                };
                let what = format!("{} {} → {}", n.reference, n.status_text, outcome.as_str());
                match self.run(who, &what, &batch) {
                    Ok(_) => {
                        match outcome {
                            NoticeOutcome::ChargebackUndone | NoticeOutcome::ChargebackDisputed => {
                                self.stats.chargebacks += 1
                            }
                            NoticeOutcome::ReversalCanceledReapplied
                            | NoticeOutcome::ReversalCanceledFlagged => self.stats.reinstated += 1,
                            _ => {}
                        }
                        // No per-step "failed only when unpaid" check here: a
                        // handler's change may rest on an answer PayPal has
                        // changed since (a reversal canceled meanwhile); its
                        // next look corrects it, and the final invariants
                        // check the end state.
                        // Look again until PayPal and the platform agree.
                        notice.changed = notice.changed.or(Some(outcome));
                        notice.looks += 1;
                        if notice.looks >= notify::MAX_LOOKS {
                            return true;
                        }
                        notice.stage = NoticeStage::Read(n);
                        false
                    }
                    Err(e) if e.is_guard() => {
                        notice.stage = NoticeStage::Write(n, tries, otherwise);
                        false
                    }
                    Err(_) => true,
                }
            }
        }
    }

    fn step_buy(
        &mut self,
        who: &str,
        buyer: usize,
        isin: &str,
        amount: i64,
        rate: u8,
        stage: &mut BuyStage,
    ) -> bool {
        match std::mem::replace(stage, BuyStage::Read) {
            BuyStage::Read => {
                let title: Option<TitleForSale> =
                    self.read(who, "title_for_sale", purchase::title_for_sale(isin));
                let Some(title) = title else { return true };
                let c = &self.clients[buyer];
                let b = Buyer {
                    client_id: c.id,
                    psp_environment: "emulator".into(),
                    api_username: c.api_username.clone(),
                };
                let rate = ProfitRate::new(rate).unwrap_or(ProfitRate::DEFAULT);
                let amount = Amount::from_cents(amount).unwrap_or_default();
                match purchase::plan(&b, &title, amount, rate, &self.limits) {
                    Ok(plan) => {
                        self.say(who, || {
                            format!(
                                "plans {} for {} (V={}): {:?}",
                                amount, isin, title.value_cents, plan.outcome
                            )
                        });
                        *stage = BuyStage::SetEc(Box::new(plan), title.holder_api_username);
                        false
                    }
                    Err(problem) => {
                        self.say(who, || format!("refused: {problem:?}"));
                        true
                    }
                }
            }
            BuyStage::SetEc(plan, holder_api) => {
                let order_id = self.rng.text(LOWER_ALNUM, 12);
                let new_isin = match plan.outcome {
                    Outcome::Split { .. } => Some(Isin::issue(self.rng.bytes9())),
                    Outcome::Transfer { .. } => None,
                };
                let invnum = purchase::invnum(DEPLOYMENT, &order_id);
                let token = self.pp.set_ec(
                    &mut self.rng,
                    self.now,
                    &holder_api,
                    plan.amount.cents(),
                    "EUR",
                    &invnum,
                );
                self.say(who, || {
                    format!("SetExpressCheckout for order {order_id} → {token:?}")
                });
                let Some(token) = token else { return true };
                let now = self.now_str();
                let mut batch = purchase::create_order(&NewOrder {
                    id: &order_id,
                    buyer_id: self.clients[buyer].id,
                    plan: &plan,
                    new_isin: new_isin.as_ref(),
                    currency: "EUR",
                    provider: paybook::core::psp::ProviderId::Paypal,
                    psp_environment: "emulator",
                    buyer_language: Lang::En,
                    token: &token,
                    now: &now,
                });
                let answer = NvpResponse::from_fields(vec![
                    ("TOKEN".into(), token.clone()),
                    ("ACK".into(), "Success".into()),
                ]);
                batch.push(self.trace(&order_id, "SetExpressCheckout", Some(&answer)));
                *stage = BuyStage::Create(batch, order_id, token);
                false
            }
            BuyStage::Create(batch, order_id, token) => {
                if self
                    .run(who, &format!("create order {order_id}"), &batch)
                    .is_ok()
                {
                    self.stats.orders += 1;
                    self.orders.push(KnownOrder {
                        id: order_id,
                        buyer,
                        token,
                        payer_id: None,
                    });
                }
                true
            }
        }
    }

    fn step_return(
        &mut self,
        who: &str,
        token: &str,
        payer_id: &str,
        stage: &mut ReturnStage,
    ) -> bool {
        match std::mem::replace(stage, ReturnStage::Read) {
            ReturnStage::Read => {
                let order: Option<OrderState> = self.read(
                    who,
                    "order_by_token",
                    purchase::order_by_token(paybook::core::psp::ProviderId::Paypal, token),
                );
                let Some(order) = order else { return true };
                let now = self.now_str();
                let payer_id = if payer_id.is_empty() {
                    order.psp_payer_id.clone().unwrap_or_default()
                } else {
                    payer_id.to_string()
                };
                let step = on_return(&order, &payer_id, &now);
                self.say(who, || {
                    format!(
                        "order {} {}/{} → {}",
                        order.id,
                        order.code,
                        order.substate,
                        match &step {
                            ReturnStep::Show => "Show",
                            ReturnStep::FailUnavailable(_) => "FailUnavailable",
                            ReturnStep::Claim(_) => "Claim",
                            ReturnStep::Execute => "Execute",
                        }
                    )
                });
                match step {
                    ReturnStep::Show => return true,
                    ReturnStep::FailUnavailable(batch) => {
                        *stage = ReturnStage::RunFail(order.id.clone(), batch)
                    }
                    ReturnStep::Claim(batch) => {
                        *stage = ReturnStage::Claim(batch, Box::new(order), payer_id, now)
                    }
                    ReturnStep::Execute => {
                        let batch = purchase::take_payment_lease(&order, &now);
                        *stage = ReturnStage::TakeLease(batch, Box::new(order), now.clone())
                    }
                }
                false
            }
            ReturnStage::RunFail(order_id, batch) => {
                if self.run_guarded(who, "fail: title unavailable", &batch) {
                    self.check_failed_unpaid(&order_id, "title unavailable", None);
                }
                true
            }
            ReturnStage::Claim(batch, order, payer_id, now) => {
                if self.run_guarded(who, "claim", &batch) {
                    let order = purchase::lease_held(
                        &OrderState {
                            substate: Substate::Confirming,
                            psp_payer_id: Some(payer_id),
                            title_claim_order_id: Some(order.id.clone()),
                            ..*order
                        },
                        &now,
                    );
                    *stage = ReturnStage::DoEc(Box::new(order), false);
                } else {
                    self.stats.races_lost += 1;
                    *stage = ReturnStage::Reread(order.id.clone(), payer_id, now);
                }
                false
            }
            ReturnStage::Reread(order_id, payer_id, now) => {
                let fresh: Option<OrderState> =
                    self.read(who, "re-read order", purchase::order_by_id(&order_id));
                match fresh.map(|f| on_return(&f, &payer_id, &now)) {
                    Some(ReturnStep::FailUnavailable(batch)) => {
                        *stage = ReturnStage::RunFail(order_id, batch);
                        false
                    }
                    _ => true,
                }
            }
            ReturnStage::TakeLease(batch, order, now) => {
                if !self.run_guarded(who, "take payment lease", &batch) {
                    return true;
                }
                *stage = ReturnStage::DoEc(Box::new(purchase::lease_held(&order, &now)), true);
                false
            }
            ReturnStage::DoEc(order, retried) => {
                let answer = self.send_payment(who, &order);
                let now = self.now_str();
                let trace = self.trace(&order.id, "DoExpressCheckoutPayment", answer.as_ref());
                match answer {
                    None => {
                        self.stats.lost_answers += 1;
                        *stage = ReturnStage::LostTrace(trace);
                    }
                    Some(response) => {
                        let answer = classify(&response);
                        if matches!(
                            answer,
                            purchase::PaymentAnswer::Refused {
                                retry_funding: true,
                                ..
                            }
                        ) {
                            self.stats.funding_refusals += 1;
                        }
                        let (id, msgsubid) = (order.id.clone(), order.msgsubid());
                        let decision = if retried {
                            purchase::after_retried_payment(
                                &order,
                                &answer,
                                trace.clone(),
                                &self.mail,
                                &now,
                            )
                        } else {
                            after_payment(&order, &answer, trace.clone(), &self.mail, &now)
                        };
                        match decision {
                            AfterPayment::Record(b) => {
                                *stage = ReturnStage::Decide(id, msgsubid, "record", b)
                            }
                            AfterPayment::NeedsReview(b) => {
                                *stage = ReturnStage::Decide(id, msgsubid, "needs review", b)
                            }
                            AfterPayment::Pending(b) => {
                                *stage = ReturnStage::Decide(id, msgsubid, "pending", b)
                            }
                            AfterPayment::RetryFunding(b) => {
                                *stage = ReturnStage::Decide(id, msgsubid, "retry funding", b)
                            }
                            AfterPayment::Fail(b) => {
                                *stage = ReturnStage::Decide(id, msgsubid, "fail refused", b)
                            }
                            AfterPayment::AlreadyPaid => {
                                *stage = ReturnStage::AlreadyPaidTrace(trace, order)
                            }
                        }
                    }
                }
                false
            }
            ReturnStage::Decide(order_id, msgsubid, what, batch) => {
                if self.run_guarded(who, what, &batch) {
                    if what == "fail refused" || what == "retry funding" {
                        // The batches are guarded on the substate, not on the
                        // attempt: a late refusal of attempt n ends attempt
                        // n + 1 if that one is confirming. Record both.
                        let attempt = self.db.read_i64(
                            "SELECT attempt FROM orders WHERE id = ?1",
                            vec![Param::from(order_id.as_str())],
                        );
                        let ended = if what == "retry funding" {
                            attempt - 1
                        } else {
                            attempt
                        };
                        self.released_on_refusal
                            .insert((order_id.clone(), purchase::msgsubid(&order_id, ended)));
                        self.released_on_refusal
                            .insert((order_id.clone(), msgsubid));
                    }
                    self.check_failed_unpaid(
                        &order_id,
                        what,
                        Some(KnownBug::RefusalReleasesClaimWhileAttemptMayPay),
                    );
                }
                true
            }
            ReturnStage::LostTrace(trace) => {
                let _ = self.run(who, "trace of the lost call", &vec![trace]);
                true
            }
            ReturnStage::AlreadyPaidTrace(trace, order) => {
                let _ = self.run(who, "trace (already paid)", &vec![trace]);
                *stage = ReturnStage::Settle(Box::new(Settle {
                    order: *order,
                    ttl_passed: false,
                    stage: SettleStage::GetEc,
                }));
                false
            }
            ReturnStage::Settle(mut settle) => {
                if self.step_settle(who, &mut settle) {
                    return true;
                }
                *stage = ReturnStage::Settle(settle);
                false
            }
        }
    }

    /// DoExpressCheckoutPayment as `execute_payment` sends it, with the
    /// claim checked in the database at the moment of sending (invariant 4).
    fn send_payment(&mut self, who: &str, order: &OrderState) -> Option<NvpResponse> {
        let rows = self.db.read(
            "SELECT o.code, o.substate, o.attempt, t.claim_order_id FROM orders o JOIN titles t ON t.id = o.title_id WHERE o.id = ?1",
            vec![Param::from(order.id.as_str())],
        );
        let row = rows.first();
        let ctx = SendContext {
            held_claim: row
                .and_then(|r| r.get("claim_order_id"))
                .and_then(|v| v.as_str())
                == Some(order.id.as_str()),
            code: row
                .and_then(|r| r.get("code"))
                .and_then(|v| v.as_i64())
                .unwrap_or(-99),
            substate: row
                .and_then(|r| r.get("substate"))
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string(),
            attempt: row
                .and_then(|r| r.get("attempt"))
                .and_then(|v| v.as_i64())
                .unwrap_or(0),
        };
        let request = DoEcRequest {
            caller: order.seller_api_username.clone(),
            token: order.psp_token.clone().unwrap_or_default(),
            payer_id: order.psp_payer_id.clone().unwrap_or_default(),
            amount: order.amount().to_plain(),
            currency: order.currency.clone(),
            invnum: purchase::invnum(DEPLOYMENT, &order.id),
            msgsubid: order.msgsubid(),
        };
        let answer = self.pp.do_ec(&mut self.rng, self.now, &request);
        self.stats.doec_sends += 1;
        let send = self.pp.sends.last().cloned();
        self.say(who, || {
            format!(
                "DoExpressCheckoutPayment {} MSGSUBID={} (db: {}/{} attempt {}, claim held: {}) → {}",
                request.token,
                request.msgsubid,
                ctx.code,
                ctx.substate,
                ctx.attempt,
                ctx.held_claim,
                send.as_ref().map_or(String::new(), |s| s.answer.clone())
            )
        });
        if let Some(send) = send {
            if send.executed.is_some() {
                self.stats.payments += 1;
                if answer
                    .as_ref()
                    .and_then(|a| a.get("PAYMENTINFO_0_PAYMENTSTATUS"))
                    == Some("Pending")
                {
                    self.stats.pending_payments += 1;
                }
            }
            if !ctx.held_claim {
                if send.executed.is_some() {
                    // Invariant 4: money moved for an order that had not
                    // claimed its title.
                    // Known when a refusal of this very MSGSUBID released
                    // the claim.
                    let known = self
                        .released_on_refusal
                        .contains(&(order.id.clone(), send.msgsubid.clone()))
                        .then_some(KnownBug::RefusalReleasesClaimWhileAttemptMayPay);
                    if let Some(k) = known {
                        self.tainted.entry(order.id.clone()).or_insert(k);
                    }
                    let detail = format!(
                        "order {} was {}/{} attempt {} without the claim when MSGSUBID {} executed payment {:?}",
                        order.id, ctx.code, ctx.substate, ctx.attempt, send.msgsubid, send.executed
                    );
                    self.violation(
                        "(4) a payment is executed only for an order holding its title's claim",
                        detail,
                        known,
                    );
                } else {
                    self.stats.doec_without_claim_harmless += 1;
                }
            }
        }
        answer
    }

    fn step_settle(&mut self, who: &str, s: &mut Settle) -> bool {
        match std::mem::replace(&mut s.stage, SettleStage::GetEc) {
            SettleStage::GetEc => {
                // As src/shell/settle.rs: a payment PayPal already named is
                // asked about directly (its token expires, it does not).
                if let Some(txn) = s.order.psp_transaction_id.clone() {
                    s.stage = SettleStage::GetTd(txn, Vec::new());
                    return self.step_settle(who, s);
                }
                let token = s.order.psp_token.clone().unwrap_or_default();
                let answer = self.pp.get_ec(
                    &mut self.rng,
                    self.now,
                    &s.order.seller_api_username,
                    &token,
                );
                self.say(who, || {
                    format!(
                        "GetExpressCheckoutDetails {token} (order {}) → {}",
                        s.order.id,
                        desc(answer.as_ref())
                    )
                });
                let traces =
                    vec![self.trace(&s.order.id, "GetExpressCheckoutDetails", answer.as_ref())];
                s.stage = match payment_check::read_checkout(answer.as_ref()) {
                    CheckoutFinding::Transaction(txn) => SettleStage::GetTd(txn, traces),
                    CheckoutFinding::NotPaidYet => SettleStage::Write(Inquiry::NotPaidYet, traces),
                    CheckoutFinding::Expired => SettleStage::Write(Inquiry::Expired, traces),
                    CheckoutFinding::Unknown => SettleStage::Write(Inquiry::Unknown, traces),
                };
                false
            }
            SettleStage::GetTd(txn, mut traces) => {
                let answer =
                    self.pp
                        .get_td(&mut self.rng, self.now, &s.order.seller_api_username, &txn);
                self.say(who, || {
                    format!("GetTransactionDetails {txn} → {}", desc(answer.as_ref()))
                });
                traces.push(self.trace(&s.order.id, "GetTransactionDetails", answer.as_ref()));
                let inquiry = payment_check::read_transaction_for(
                    &s.order,
                    DEPLOYMENT,
                    &txn,
                    answer.as_ref(),
                );
                s.stage = SettleStage::Write(inquiry, traces);
                false
            }
            SettleStage::Write(inquiry, mut traces) => {
                let now = self.now_str();
                let last = traces
                    .pop()
                    .unwrap_or_else(|| Stmt::new("SELECT 1", vec![]));
                let pending_max_passed =
                    reconcile::pending_max_passed(&s.order.created_at, &now, PENDING_MAX_DAYS);
                match reconcile::resolve_due(
                    &s.order,
                    &inquiry,
                    s.ttl_passed,
                    pending_max_passed,
                    last.clone(),
                    &self.mail,
                    &now,
                ) {
                    Resolution::Write(mut batch) => {
                        batch.extend(traces);
                        let what = format!(
                            "resolve order {} ({}) on {:?}",
                            s.order.id, s.order.substate, inquiry
                        );
                        if self.run_guarded(who, &what, &batch) {
                            let cause = matches!(inquiry, Inquiry::Expired)
                                .then_some(KnownBug::ReconcilerFailsPaidOrderOnExpiredToken);
                            self.check_failed_unpaid(&s.order.id, &what, cause);
                        }
                    }
                    Resolution::Wait => {
                        traces.push(last);
                        // As src/shell/settle.rs: note the look, so that
                        // long waits do not starve the other orders.
                        traces.push(reconcile::checked(&s.order.id, &now));
                        let what = format!("wait on order {} ({:?}): traces", s.order.id, inquiry);
                        let _ = self.run(who, &what, &traces);
                    }
                }
                true
            }
        }
    }

    /// After a batch that committed: if it left the order failed, canceled
    /// or back to awaiting its buyer (claim released), PayPal must hold no
    /// live (completed or pending) payment for its token. `cause` names the
    /// known bug when this decision is one.
    fn check_failed_unpaid(&mut self, order_id: &str, what: &str, cause: Option<KnownBug>) {
        let rows = self.db.read(
            "SELECT code, substate, psp_token FROM orders WHERE id = ?1",
            vec![Param::from(order_id)],
        );
        let Some(row) = rows.first() else { return };
        let code = row.get("code").and_then(|v| v.as_i64()).unwrap_or(0);
        let substate = row.get("substate").and_then(|v| v.as_str()).unwrap_or("");
        if code != -1 && code != -2 && !(code == 0 && substate == "awaiting_buyer") {
            return;
        }
        let (substate, token) = (
            substate.to_string(),
            row.get("psp_token")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string(),
        );
        let Some(p) = self
            .pp
            .payment_for_token(&token)
            .filter(|p| {
                matches!(
                    p.status,
                    PayStatus::Completed | PayStatus::Pending | PayStatus::PartlyRefunded
                )
            })
            .cloned()
        else {
            return;
        };
        let known = self.tainted.get(order_id).copied().or(cause);
        if let Some(k) = known {
            self.tainted.entry(order_id.to_string()).or_insert(k);
        }
        let created = self.pp.checkouts.get(&token).map_or(p.at, |c| c.created_at);
        let detail = format!(
            "{what}: order {order_id} is now {code}/{substate} although PayPal holds payment {} ({:?}, {} cents) made {}s after SetExpressCheckout, {}s ago",
            p.txn,
            p.status,
            p.amount,
            p.at - created,
            self.now - p.at,
        );
        self.violation(
            "an order is failed, canceled or reopened only when PayPal has no payment for it",
            detail,
            known,
        );
    }

    fn step_cron(
        &mut self,
        who: &str,
        id: TaskId,
        stage: &mut CronStage,
        lease_until: &mut i64,
    ) -> bool {
        match std::mem::replace(stage, CronStage::Lease) {
            CronStage::Lease => {
                let now = self.now;
                let batch = vec![reconcile::take_lease(&at(now), &at(now + LEASE_SECONDS))];
                let Ok(results) = self.run(who, "take lease", &batch) else {
                    return true;
                };
                if results.first().is_none_or(|r| r.changes != 1) {
                    self.stats.lease_refused += 1;
                    self.say(who, || "another run holds the lease".into());
                    return true;
                }
                self.stats.cron_runs += 1;
                // Lease exclusivity: no other running cron holds a lease
                // that has not expired.
                let others: Vec<(TaskId, i64)> = self
                    .leases
                    .iter()
                    .filter(|(_, until)| **until > now)
                    .map(|(t, u)| (*t, *u))
                    .collect();
                if let Some((other, until)) = others.first() {
                    let detail = format!(
                        "cron#{id} took the lease at {} while cron#{other} still holds it until {}",
                        at(now),
                        at(*until)
                    );
                    self.violation(
                        "two cron runs never hold the lease at once",
                        detail,
                        Some(KnownBug::LeaseEndedByAnotherRun),
                    );
                }
                *lease_until = now + LEASE_SECONDS;
                self.leases.insert(id, *lease_until);
                *stage = CronStage::Due(now);
                false
            }
            CronStage::Due(started) => {
                let settle_before = at(started - SETTLE_AFTER_SECONDS);
                let ttl_before = at(started - TTL_SECONDS);
                let batch = vec![reconcile::due_orders(
                    &settle_before,
                    &ttl_before,
                    ORDERS_PER_RUN,
                )];
                let Ok(results) = self.run(who, "due orders", &batch) else {
                    return true;
                };
                let due: Vec<OrderState> = results
                    .first()
                    .map(|r| sql::rows(r).expect("order rows"))
                    .unwrap_or_default();
                self.say(who, || {
                    format!(
                        "{} due: {:?}",
                        due.len(),
                        due.iter()
                            .map(|o| format!("{}:{}", o.id, o.substate))
                            .collect::<Vec<_>>()
                    )
                });
                let queue: Vec<(OrderState, bool)> = due
                    .into_iter()
                    .map(|o| {
                        let ttl_passed = o.created_at.as_str() < ttl_before.as_str();
                        (o, ttl_passed)
                    })
                    .rev()
                    .collect();
                *stage = if queue.is_empty() {
                    CronStage::NoticesDue
                } else {
                    CronStage::Orders(queue, None)
                };
                false
            }
            CronStage::Orders(mut queue, current) => {
                let mut settle = match current {
                    Some(s) => s,
                    None => match queue.pop() {
                        Some((order, ttl_passed)) => Box::new(Settle {
                            order,
                            ttl_passed,
                            stage: SettleStage::GetEc,
                        }),
                        None => {
                            *stage = CronStage::NoticesDue;
                            return self.step_cron(who, id, stage, lease_until);
                        }
                    },
                };
                let done = self.step_settle(who, &mut settle);
                *stage = match (done, queue.is_empty()) {
                    (true, true) => CronStage::NoticesDue,
                    (true, false) => CronStage::Orders(queue, None),
                    (false, _) => CronStage::Orders(queue, Some(settle)),
                };
                false
            }
            CronStage::NoticesDue => {
                // As src/shell/routes/ipn.rs `retry_received` (with
                // `verify_received`'s read in the same round trip).
                let batch = vec![
                    notify::due(
                        &at(self.now - 60),
                        &at(self.now - notify::RETRY_DAYS * 86_400),
                        NOTICES_PER_RUN,
                    ),
                    ipn_receipts::due(
                        &at(self.now - 60),
                        &at(self.now - notify::RETRY_DAYS * 86_400),
                        NOTICES_PER_RUN,
                    ),
                ];
                let Ok(results) = self.run(who, "notifications left received", &batch) else {
                    return true;
                };
                let due: Vec<notify::Due> = results
                    .first()
                    .map(|r| sql::rows(r).expect("notification rows"))
                    .unwrap_or_default();
                let unverified: Vec<ipn_receipts::Due> = results
                    .get(1)
                    .map(|r| sql::rows(r).expect("receipt rows"))
                    .unwrap_or_default();
                // Recorded, not verified: verified again from the bytes.
                let mut bodies: Vec<Notice> = unverified
                    .iter()
                    .map(|d| Notice {
                        body: String::from_utf8(d.bytes().expect("hex")).expect("ASCII"),
                        record: false,
                        receipt: Some(d.id),
                        answer: None,
                        stage: NoticeStage::Verify,
                        looks: 0,
                        changed: None,
                        left: true,
                    })
                    .collect();
                // Verified, not acted on: no postback.
                bodies.extend(due.into_iter().map(|d| Notice {
                    stage: match ipn::parse(&d.body) {
                        Ok(n) => NoticeStage::Read(Box::new(n)),
                        Err(_) => NoticeStage::Verify,
                    },
                    body: d.body,
                    record: false,
                    receipt: None,
                    answer: None,
                    looks: 0,
                    changed: None,
                    left: true,
                }));
                bodies.reverse();
                self.stats.notices_retried += bodies.len() as u64;
                *stage = CronStage::Notices(bodies, None);
                false
            }
            CronStage::Notices(mut bodies, current) => {
                let mut notice = match current {
                    Some(n) => n,
                    None => match bodies.pop() {
                        Some(notice) => Box::new(notice),
                        None => {
                            *stage = CronStage::RechecksDue;
                            return self.step_cron(who, id, stage, lease_until);
                        }
                    },
                };
                let done = self.step_notice(who, &mut notice);
                *stage = if done {
                    CronStage::Notices(bodies, None)
                } else {
                    CronStage::Notices(bodies, Some(notice))
                };
                false
            }
            CronStage::RechecksDue => {
                // As src/shell/recheck.rs.
                let batch = vec![recheck::due(&self.now_str(), recheck::PER_RUN)];
                let Ok(results) = self.run(who, "payments due for a re-read", &batch) else {
                    return true;
                };
                let mut due: Vec<recheck::Due> = results
                    .first()
                    .map(|r| sql::rows(r).expect("recheck rows"))
                    .unwrap_or_default();
                due.reverse();
                *stage = CronStage::Rechecks(due, None);
                false
            }
            CronStage::Rechecks(mut due, current) => {
                let (d, mut notice) = match current {
                    Some(c) => c,
                    None => match due.pop() {
                        Some(d) => {
                            self.stats.rechecks += 1;
                            let notice = Box::new(Notice::recheck(recheck::prompt(&d)));
                            (d, notice)
                        }
                        None => {
                            *stage = CronStage::Finish;
                            return self.step_cron(who, id, stage, lease_until);
                        }
                    },
                };
                if !self.step_notice(who, &mut notice) {
                    *stage = CronStage::Rechecks(due, Some((d, notice)));
                    return false;
                }
                let now = self.now_str();
                let schedule = if notice.left {
                    recheck::again(&d, &now)
                } else {
                    recheck::advance(&d, &now)
                };
                let _ = self.run(who, "recheck schedule", &vec![schedule]);
                *stage = CronStage::Rechecks(due, None);
                false
            }
            CronStage::Finish => {
                let end = self.now;
                let mut batch = reconcile::finish_run(&at(end), &at(*lease_until));
                batch.push(sql::rate_limits::prune(&at(end - 86_400)));
                let _ = self.run(who, "finish run", &batch);
                true
            }
        }
    }

    // ------------------------------------------------------------ checks

    /// After every step: claims and orders agree, and every processed order
    /// is backed by a completed PayPal payment.
    fn check_step(&mut self) {
        let rows = self.db.read(
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
            self.violation(
                "a claim belongs to an open, claimed order of that title",
                format!("{stray} stray claim(s)"),
                None,
            );
        }
        if unclaimed != 0 {
            self.violation(
                "a confirming or psp_pending order holds its title's claim",
                format!("{unclaimed} order(s)"),
                None,
            );
        }
        if traded != trades || trade_status != 0 {
            self.violation(
                "one trade per processed or charged back order, with the order's status",
                format!(
                    "{traded} processed or charged back, {trades} trades, {trade_status} disagree"
                ),
                None,
            );
        }
        if processed != self.processed_seen {
            self.processed_seen = processed;
            self.stats.processed = processed as u64;
            let rows = self.db.read(
                "SELECT id, psp_token, psp_transaction_id, amount_cents FROM orders WHERE code = 2",
                vec![],
            );
            for r in rows {
                let s = |n: &str| r.get(n).and_then(|v| v.as_str()).unwrap_or("").to_string();
                let (id, token, txn) = (s("id"), s("psp_token"), s("psp_transaction_id"));
                let amount = r.get("amount_cents").and_then(|v| v.as_i64()).unwrap_or(0);
                // A reversal whose IPN has not arrived yet is allowed here;
                // the final check is strict.
                let ok = self.pp.payments.iter().any(|p| {
                    p.txn == txn
                        && p.token == token
                        && (p.status == PayStatus::Completed
                            || p.status == PayStatus::PartlyRefunded
                            || p.status.is_reversed())
                        && p.amount == amount
                });
                if !ok {
                    let known = self.tainted.get(&id).copied();
                    self.violation(
                        "(2) no processed order lacks a completed PayPal payment",
                        format!("order {id} txn {txn}"),
                        known,
                    );
                }
            }
        }
    }

    /// After quiescence: invariants (1), (2), (3), (5), (6) and the
    /// trade rules, on the database and the model together.
    pub fn check_final(&mut self) {
        let orders: Vec<OrderRow> = self.all(
            "SELECT id, code, substate, title_id, buyer_id, seller_id, amount_cents, profit_rate, title_value_cents, \
             new_value_cents, new_isin, psp_token, psp_transaction_id, created_at FROM orders ORDER BY created_at, id",
        );
        let trades: Vec<TradeRow> = self.all(
            "SELECT order_id, title_id, isin, amount_cents, profit_rate, buyer_id, seller_id, new_title_id, new_isin, \
             new_value_cents, seller_value_cents, previous_value_cents, status, reversal FROM trades ORDER BY id",
        );
        let titles: Vec<TitleRow> = self.all(
            "SELECT id, isin, value_cents, holder_id, issued_by, parent_title_id, issuing_order_id, claim_order_id, status, \
             disputed FROM titles ORDER BY id",
        );
        let isins: BTreeSet<String> = self
            .db
            .read("SELECT isin FROM isins", vec![])
            .iter()
            .filter_map(|r| r.get("isin").and_then(|v| v.as_str()).map(str::to_string))
            .collect();
        let order_by_id: BTreeMap<&str, &OrderRow> =
            orders.iter().map(|o| (o.id.as_str(), o)).collect();
        let account_of = |client_id: i64| {
            self.clients
                .iter()
                .find(|c| c.id == client_id)
                .map(|c| c.account)
        };
        let mut found: Vec<(&'static str, String, Option<String>)> = Vec::new();
        // A payment reversed while its order was still open fails the
        // order; if PayPal then cancels the reversal, the money is the
        // seller's again and the order goes to an operator (the title may
        // have been sold since): the one case where a completed payment
        // has no processed order, and its order waits in needs_review.
        // So does an order not recorded when its payment was partly
        // refunded (issue 14): money moved, an operator decides.
        let in_review: BTreeSet<String> = self
            .pp
            .payments
            .iter()
            .filter(|p| p.reversal_canceled || p.refunded > 0)
            .filter_map(|p| {
                orders
                    .iter()
                    .find(|o| o.psp_token.as_deref() == Some(p.token.as_str()))
                    .filter(|o| o.code == 0 && o.substate == "needs_review")
                    .map(|o| o.id.clone())
            })
            .collect();

        // A chargeback whose own message PayPal never delivered: the
        // scheduled re-read finds `Reversed` but no amount (GetTransactionDetails
        // carries none), so the trade stands and waits for an operator
        // (`core::partial`, `Share::Unproven`) instead of being undone on a
        // guess. Only then is a processed order in review for a reversal.
        let unproven: BTreeSet<String> = self
            .pp
            .payments
            .iter()
            .filter(|p| p.status == (PayStatus::Reversed { refund: false }))
            .filter(|p| {
                let parent = format!("parent_txn_id={}", p.txn);
                self.pp
                    .ipns
                    .iter()
                    .any(|m| m.lost && m.status == "Reversed" && m.body.contains(&parent))
            })
            .filter_map(|p| {
                orders
                    .iter()
                    .find(|o| o.psp_token.as_deref() == Some(p.token.as_str()))
                    .filter(|o| o.code == 2 && o.substate == "needs_review")
                    .map(|o| o.id.clone())
            })
            .collect();
        self.stats.reversals_unproven += unproven.len() as u64;

        // (1) every completed payment: exactly one processed order, one trade.
        for p in self
            .pp
            .payments
            .iter()
            .filter(|p| p.status == PayStatus::Completed && !in_review.contains(&p.order_id))
        {
            let processed: Vec<&OrderRow> = orders
                .iter()
                .filter(|o| o.psp_token.as_deref() == Some(p.token.as_str()) && o.code == 2)
                .collect();
            let with_txn = processed
                .iter()
                .filter(|o| o.psp_transaction_id.as_deref() == Some(p.txn.as_str()))
                .count();
            if processed.len() != 1 || with_txn != 1 {
                let state = orders
                    .iter()
                    .find(|o| o.psp_token.as_deref() == Some(p.token.as_str()))
                    .map_or("no order".to_string(), |o| {
                        format!("order {} is {}/{}", o.id, o.code, o.substate)
                    });
                found.push((
                    "(1) every completed payment has exactly one processed order",
                    format!(
                        "payment {} ({} cents, token {}): {}",
                        p.txn, p.amount, p.token, state
                    ),
                    Some(p.order_id.clone()),
                ));
                continue;
            }
            let o = processed[0];
            let n_trades = trades.iter().filter(|t| t.order_id == o.id).count();
            if n_trades != 1 {
                found.push((
                    "(1) every completed payment has exactly one trade",
                    format!("order {}: {n_trades} trades", o.id),
                    Some(o.id.clone()),
                ));
            }
            if o.amount_cents != p.amount
                || account_of(o.buyer_id) != Some(p.payer)
                || account_of(o.seller_id) != Some(p.receiver)
            {
                found.push((
                    "(1) the processed order matches its payment",
                    format!("order {} vs payment {}", o.id, p.txn),
                    Some(o.id.clone()),
                ));
            }
        }
        // (2) every processed order: a completed payment with its txn id.
        for o in orders
            .iter()
            .filter(|o| o.code == 2 && !unproven.contains(&o.id))
        {
            let ok = self.pp.payments.iter().any(|p| {
                Some(p.txn.as_str()) == o.psp_transaction_id.as_deref()
                    && Some(p.token.as_str()) == o.psp_token.as_deref()
                    && matches!(p.status, PayStatus::Completed | PayStatus::PartlyRefunded)
            });
            if !ok {
                found.push((
                    "(2) no processed order lacks a completed PayPal payment",
                    format!("order {}", o.id),
                    Some(o.id.clone()),
                ));
            }
        }
        // (7) every reversed or refunded payment: its order is charged
        // back (recorded, then reversed) or failed (never recorded).
        for p in self.pp.payments.iter().filter(|p| p.status.is_reversed()) {
            let order = orders
                .iter()
                .find(|o| o.psp_token.as_deref() == Some(p.token.as_str()));
            let ok = order.is_some_and(|o| {
                let traded = trades.iter().filter(|t| t.order_id == o.id).count();
                (o.code == -3
                    && traded == 1
                    && o.psp_transaction_id.as_deref() == Some(p.txn.as_str()))
                    || (matches!(o.code, -1 | -2) && traded == 0)
                    || in_review.contains(&o.id)
                    || unproven.contains(&o.id)
            });
            if !ok {
                found.push((
                    "(7) every reversed payment's order is charged back, or failed unrecorded",
                    format!(
                        "payment {} ({}): {}",
                        p.txn,
                        p.status.as_str(),
                        order.map_or("no order".into(), |o| format!(
                            "order {} is {}/{}",
                            o.id, o.code, o.substate
                        ))
                    ),
                    Some(p.order_id.clone()),
                ));
            }
        }
        // (8) a partial refund never undoes a trade: every partly refunded
        // payment's trade stands and its order waits in review (code 2), or
        // its unrecorded order does (code 0); an order failed unrecorded
        // is counted (no operator in this model to reopen it).
        for p in self
            .pp
            .payments
            .iter()
            .filter(|p| p.status == PayStatus::PartlyRefunded)
        {
            let order = orders
                .iter()
                .find(|o| o.psp_token.as_deref() == Some(p.token.as_str()));
            let trade = |o: &OrderRow| trades.iter().filter(|t| t.order_id == o.id).count();
            let standing = order.is_some_and(|o| {
                let mine = o.psp_transaction_id.as_deref() == Some(p.txn.as_str());
                (o.code == 2
                    && o.substate == "needs_review"
                    && mine
                    && trades
                        .iter()
                        .any(|t| t.order_id == o.id && t.status == "processed"))
                    || (o.code == 0 && o.substate == "needs_review" && trade(o) == 0)
            });
            let failed_unrecorded =
                order.is_some_and(|o| matches!(o.code, -1 | -2) && trade(o) == 0);
            if failed_unrecorded {
                self.stats.partial_refund_failed_unrecorded += 1;
            } else if !standing {
                found.push((
                    "(8) a partly refunded payment's trade stands and its order waits in review",
                    format!(
                        "payment {} ({} of {} cents refunded): {}",
                        p.txn,
                        p.refunded,
                        p.amount,
                        order.map_or("no order".into(), |o| format!(
                            "order {} is {}/{}",
                            o.id, o.code, o.substate
                        ))
                    ),
                    Some(p.order_id.clone()),
                ));
            }
        }
        for t in &trades {
            let agrees = order_by_id.get(t.order_id.as_str()).is_some_and(|o| {
                (o.code == 2 && t.status == "processed")
                    || (o.code == -3 && t.status == "chargeback")
            });
            if !agrees {
                found.push((
                    "a trade belongs to a processed or charged back order, with its status",
                    format!("trade of {} ({})", t.order_id, t.status),
                    Some(t.order_id.clone()),
                ));
            }
        }
        // (3) titles: one existing holder, unique ISINs, every ISIN reserved.
        let client_ids: BTreeSet<i64> = self.clients.iter().map(|c| c.id).collect();
        let mut seen_isins = BTreeSet::new();
        for t in &titles {
            if !client_ids.contains(&t.holder_id) {
                found.push((
                    "(3) every title has exactly one holder",
                    format!("title {} holder {}", t.id, t.holder_id),
                    None,
                ));
            }
            if t.status == "active" && !seen_isins.insert(t.isin.clone()) {
                found.push((
                    "(3) no two active titles share an ISIN",
                    t.isin.clone(),
                    None,
                ));
            }
            if !isins.contains(&t.isin) {
                found.push((
                    "(3) every ISIN of a title is reserved in isins",
                    t.isin.clone(),
                    None,
                ));
            }
            if t.issued_by == "split" {
                let ok = t
                    .issuing_order_id
                    .as_deref()
                    .and_then(|id| order_by_id.get(id))
                    .is_some_and(|o| {
                        matches!(o.code, 2 | -3)
                            && o.new_isin.as_deref() == Some(t.isin.as_str())
                            && Some(o.title_id) == t.parent_title_id
                    });
                if !ok {
                    found.push((
                        "a split title comes from its processed order",
                        format!("title {}", t.id),
                        t.issuing_order_id.clone(),
                    ));
                }
            }
        }
        // Trade rules, and the titles as the replay of the public history.
        let mut expected = self.initial_titles.clone();
        let mut voided_expected = BTreeSet::new();
        for t in &trades {
            // An undone trade is not on the titles (charged back, or paid
            // again after a canceled reversal but not re-applied); its
            // split title, if any, is voided.
            if t.reversal.as_deref() == Some("undone") {
                if t.new_title_id != t.title_id {
                    voided_expected.insert(t.new_title_id);
                }
                continue;
            }
            let x = t.amount_cents;
            let grown = (x * (100 + t.profit_rate) + 50) / 100;
            let order = order_by_id.get(t.order_id.as_str());
            let order_ok = order.is_some_and(|o| {
                o.amount_cents == x
                    && o.profit_rate == t.profit_rate
                    && o.buyer_id == t.buyer_id
                    && o.seller_id == t.seller_id
                    && o.title_id == t.title_id
                    && o.title_value_cents == t.previous_value_cents
                    && o.new_value_cents == grown
            });
            if !order_ok || t.new_value_cents != grown {
                found.push((
                    "a trade follows its order and new = (x*(100+r)+50)/100",
                    format!("trade of {}", t.order_id),
                    Some(t.order_id.clone()),
                ));
            }
            match expected.get(&t.title_id).copied() {
                Some((value, holder))
                    if value == t.previous_value_cents && holder == t.seller_id => {}
                other => found.push((
                    "a trade applies to the title as it stood",
                    format!(
                        "trade of {} on title {}: title was {other:?}",
                        t.order_id, t.title_id
                    ),
                    Some(t.order_id.clone()),
                )),
            }
            if x >= t.previous_value_cents {
                if t.seller_value_cents.is_some()
                    || t.new_isin != t.isin
                    || t.new_title_id != t.title_id
                {
                    found.push((
                        "X >= V transfers the title",
                        format!("trade of {}", t.order_id),
                        Some(t.order_id.clone()),
                    ));
                }
                expected.insert(t.title_id, (grown, t.buyer_id));
            } else {
                if t.seller_value_cents != Some(t.previous_value_cents - x) || t.new_isin == t.isin
                {
                    found.push((
                        "X < V splits: the seller keeps V - X",
                        format!("trade of {}", t.order_id),
                        Some(t.order_id.clone()),
                    ));
                }
                expected.insert(t.title_id, (t.previous_value_cents - x, t.seller_id));
                expected.insert(t.new_title_id, (grown, t.buyer_id));
            }
        }
        let voided: BTreeSet<i64> = titles
            .iter()
            .filter(|t| t.status == "voided")
            .map(|t| t.id)
            .collect();
        if voided != voided_expected {
            found.push((
                "voided titles are exactly the new titles of undone splits",
                format!("voided {voided:?}, undone splits {voided_expected:?}"),
                None,
            ));
        }
        // Flags: the titles of a trade whose reversal left it on them are
        // flagged; only titles a reversal touched are.
        let reversed_titles: BTreeSet<i64> = trades
            .iter()
            .filter(|t| t.reversal.is_some())
            .flat_map(|t| [t.title_id, t.new_title_id])
            .collect();
        let must_flag: BTreeSet<i64> = trades
            .iter()
            .filter(|t| t.reversal.as_deref() == Some("disputed"))
            .flat_map(|t| [t.title_id, t.new_title_id])
            .collect();
        for t in &titles {
            let flagged = t.disputed != 0;
            if (flagged && !reversed_titles.contains(&t.id))
                || (!flagged && must_flag.contains(&t.id))
            {
                found.push((
                    "a title is flagged disputed exactly when a reversal left its trade on it",
                    format!("title {} disputed={}", t.id, t.disputed),
                    None,
                ));
            }
        }
        let active: Vec<&TitleRow> = titles.iter().filter(|t| t.status == "active").collect();
        for t in &active {
            if expected.get(&t.id) != Some(&(t.value_cents, t.holder_id)) {
                found.push((
                    "titles are the replay of the public history",
                    format!(
                        "title {} is ({}, holder {}), history says {:?}",
                        t.id,
                        t.value_cents,
                        t.holder_id,
                        expected.get(&t.id)
                    ),
                    None,
                ));
            }
        }
        if expected.len() != active.len() {
            found.push((
                "titles are the replay of the public history",
                format!(
                    "{} active titles, history has {}",
                    active.len(),
                    expected.len()
                ),
                None,
            ));
        }
        // (5) money: PayPal moved exactly the processed orders' amounts.
        let partly: BTreeSet<&str> = self
            .pp
            .payments
            .iter()
            .filter(|p| p.status == PayStatus::PartlyRefunded)
            .map(|p| p.order_id.as_str())
            .collect();
        let tainted = |order_id: &str| {
            self.tainted.contains_key(order_id)
                || in_review.contains(order_id)
                || unproven.contains(order_id)
                || partly.contains(order_id)
        };
        let moved: i64 = self
            .pp
            .payments
            .iter()
            .filter(|p| p.status == PayStatus::Completed && !tainted(&p.order_id))
            .map(|p| p.amount)
            .sum();
        let recorded: i64 = orders
            .iter()
            .filter(|o| o.code == 2 && !tainted(&o.id))
            .map(|o| o.amount_cents)
            .sum();
        if moved != recorded {
            found.push((
                "(5) money moved equals the sum of processed orders",
                format!("PayPal moved {moved}, processed orders {recorded}"),
                None,
            ));
        }
        for (i, a) in self.pp.accounts.iter().enumerate() {
            // Net of partial refunds.
            let received: i64 = self
                .pp
                .payments
                .iter()
                .filter(|p| p.receiver == i)
                .map(|p| p.net())
                .sum();
            let paid: i64 = self
                .pp
                .payments
                .iter()
                .filter(|p| p.payer == i)
                .map(|p| p.net())
                .sum();
            let held: i64 = self
                .pp
                .payments
                .iter()
                .filter(|p| p.payer == i && p.status == PayStatus::Pending)
                .map(|p| p.amount)
                .sum();
            if a.balance != a.start + a.deposits + received - paid - held {
                found.push((
                    "(5) balance = start + received - paid",
                    format!("account {}", a.email),
                    None,
                ));
            }
            let Some(client) = self.clients.iter().find(|c| c.account == i) else {
                continue;
            };
            let clean = |p: &&super::paypal::Payment| {
                p.status == PayStatus::Completed && !tainted(&p.order_id)
            };
            let received: i64 = self
                .pp
                .payments
                .iter()
                .filter(|p| p.receiver == i)
                .filter(clean)
                .map(|p| p.amount)
                .sum();
            let paid: i64 = self
                .pp
                .payments
                .iter()
                .filter(|p| p.payer == i)
                .filter(clean)
                .map(|p| p.amount)
                .sum();
            let sold: i64 = orders
                .iter()
                .filter(|o| o.code == 2 && o.seller_id == client.id && !tainted(&o.id))
                .map(|o| o.amount_cents)
                .sum();
            let bought: i64 = orders
                .iter()
                .filter(|o| o.code == 2 && o.buyer_id == client.id && !tainted(&o.id))
                .map(|o| o.amount_cents)
                .sum();
            if received != sold || paid != bought {
                found.push((
                    "(5) each client received its sales and paid its purchases",
                    format!(
                        "{}: received {received} sold {sold}, paid {paid} bought {bought}",
                        client.email
                    ),
                    None,
                ));
            }
        }
        // (6) quiescence: nothing left unresolved, no claim of a final order.
        let ttl_before = at(self.now - TTL_SECONDS);
        for o in orders.iter().filter(|o| o.code == 0) {
            let stuck = match o.substate.as_str() {
                "needs_review" => !in_review.contains(&o.id),
                "confirming" | "psp_pending" => true,
                "awaiting_buyer" => o.created_at < ttl_before,
                _ => true,
            };
            if stuck {
                found.push((
                    "(6) no order is left unresolved once PayPal's answer is known",
                    format!("order {} {}", o.id, o.substate),
                    Some(o.id.clone()),
                ));
            }
        }
        for t in titles.iter().filter(|t| t.claim_order_id.is_some()) {
            let claim = t.claim_order_id.clone().unwrap_or_default();
            let open = order_by_id.get(claim.as_str()).is_some_and(|o| o.code == 0);
            if !open {
                found.push((
                    "(6) no title keeps the claim of a final order",
                    format!("title {} claimed by {claim}", t.id),
                    Some(claim.clone()),
                ));
            }
        }
        let left = self.db.read_i64(
            "SELECT (SELECT count(*) FROM psp_notifications WHERE outcome = 'received') \
             + (SELECT count(*) FROM psp_ipn_receipts WHERE state = 'received')",
            vec![],
        );
        // A receipt is verified iff PayPal sent its bytes (INVALID: forged).
        for r in self.db.read(
            "SELECT id, hex(body) AS body_hex, state FROM psp_ipn_receipts",
            vec![],
        ) {
            let state = r.get("state").and_then(|v| v.as_str()).unwrap_or("");
            let hex = r.get("body_hex").and_then(|v| v.as_str()).unwrap_or("");
            let due = ipn_receipts::Due {
                id: 0,
                body_hex: hex.to_string(),
            };
            let body = String::from_utf8(due.bytes().unwrap_or_default()).unwrap_or_default();
            let sent = self.pp.verify(&body);
            // ... and none PayPal sent (any charset) is left unread.
            let wrong = if sent {
                state == ipn_receipts::FORGED || state == ipn_receipts::UNREADABLE
            } else {
                state == ipn_receipts::VERIFIED
            };
            if wrong {
                found.push((
                    "a notification is verified iff PayPal sent it, and read whatever its charset",
                    format!("receipt {:?} {state}", r.get("id")),
                    None,
                ));
            }
        }
        if left != 0 || !self.pp.unacked_ipns().is_empty() {
            found.push((
                "(6) every notification is acted on once the system is quiet",
                format!(
                    "{left} left received, {} unacknowledged",
                    self.pp.unacked_ipns().len()
                ),
                None,
            ));
        }
        for r in self.db.read(
            "SELECT transaction_id AS txn_id, body FROM psp_notifications",
            vec![],
        ) {
            let body = r.get("body").and_then(|v| v.as_str()).unwrap_or("");
            if !self.pp.verify(body) {
                found.push((
                    "no message PayPal did not send is recorded",
                    format!("{:?}", r.get("txn_id")),
                    None,
                ));
            }
        }
        if self
            .pp
            .payments
            .iter()
            .any(|p| p.status == PayStatus::Pending)
        {
            found.push((
                "the model settled every pending payment",
                String::new(),
                None,
            ));
        }
        for (invariant, detail, order) in found {
            let known = order.as_deref().and_then(|o| self.tainted.get(o).copied());
            self.violation(invariant, detail, known);
        }
    }

    fn all<T: serde::de::DeserializeOwned>(&self, query: &'static str) -> Vec<T> {
        let rows = self.db.read(query, vec![]);
        sql::rows(&StmtResult { rows, changes: 0 }).expect("row shape")
    }

    // ------------------------------------------------------------ histories

    /// Lets the system settle as production would: the remaining actors
    /// finish or crash, faults stop, the cron runs every 5 minutes, PayPal
    /// decides every pending payment, then a day passes (tokens expire,
    /// `PENDING_TTL_HOURS` passes) with the cron still running.
    pub fn quiesce(&mut self) {
        self.say("sim", || "-- quiescence".into());
        let ids: Vec<TaskId> = self.tasks.iter().map(|(id, _)| *id).collect();
        for id in ids {
            if self.rng.chance(400) {
                self.crash(id);
            }
        }
        while !self.tasks.is_empty() {
            let i = self.rng.below(self.tasks.len());
            let id = self.tasks[i].0;
            self.step(id);
            if self.rng.chance(200) {
                let s = self.rng.range(1, 120);
                self.advance(s);
            }
        }
        let rates = self.pp.rates;
        self.pp.rates = Rates::default();
        self.pp.script.clear();
        self.deliver_all_ipns();
        self.cron_every_five_minutes(4, false);
        for i in self.pp.pending_payments() {
            let complete = self.rng.chance(700);
            let txn = self.pp.payments[i].txn.clone();
            self.say("paypal", || {
                format!(
                    "decides pending {txn}: {}",
                    if complete { "Completed" } else { "Denied" }
                )
            });
            self.pp.decide_pending(&mut self.rng, i, complete);
        }
        self.deliver_all_ipns();
        self.cron_every_five_minutes(4, false);
        // The weeks after: chargebacks, refunds and canceled reversals,
        // their notifications delivered in any order, some twice, handlers
        // crashing, PayPal's faults back on; then all settles again.
        self.pp.rates = rates;
        for _ in 0..self.rng.range(0, 12) {
            self.random_event(true);
        }
        while !self.tasks.is_empty() {
            let i = self.rng.below(self.tasks.len());
            let id = self.tasks[i].0;
            self.step(id);
        }
        self.pp.rates = Rates::default();
        self.pp.script.clear();
        self.deliver_all_ipns();
        self.cron_every_five_minutes(4, false);
        self.advance(TTL_SECONDS + 3_600);
        self.cron_every_five_minutes(6, true);
        // The months after: the notifications PayPal never delivered never
        // come; the cron's scheduled re-reads (up to 180 days after each
        // trade) find what PayPal says.
        self.stats.ipns_lost = self.pp.ipns.iter().filter(|m| m.lost).count() as u64;
        for _ in 0..1_000 {
            let next = self.db.read(
                "SELECT min(recheck_at) AS next FROM trades WHERE recheck_at IS NOT NULL",
                vec![],
            );
            let Some(next) = next
                .first()
                .and_then(|r| r.get("next"))
                .and_then(|v| v.as_str())
                .and_then(UtcTime::parse)
            else {
                break;
            };
            let wait = next.unix_seconds() - self.now;
            self.advance(wait.max(0) + 300);
            self.run_cron();
        }
    }

    /// Up to `runs` cron runs, 5 minutes apart, while some order is one the
    /// cron works on (a run with nothing due changes nothing but its lease,
    /// so skipping it changes no outcome and saves time).
    fn cron_every_five_minutes(&mut self, runs: usize, ttl_too: bool) {
        for _ in 0..runs {
            self.advance(300);
            let ttl_before = at(self.now - TTL_SECONDS);
            let due = self.db.read_i64(
                "SELECT (SELECT count(*) FROM orders WHERE code = 0 AND (substate IN ('confirming', 'psp_pending') \
                 OR (?1 = 1 AND substate = 'awaiting_buyer' AND created_at < ?2))) \
                 + (SELECT count(*) FROM psp_notifications WHERE outcome = 'received') \
                 + (SELECT count(*) FROM psp_ipn_receipts WHERE state = 'received')",
                vec![Param::Int(i64::from(ttl_too)), Param::from(ttl_before.as_str())],
            );
            if due == 0 {
                break;
            }
            self.run_cron();
        }
    }

    /// One random history of `steps` events, then quiescence and the checks.
    pub fn random(seed: u64, verbose: bool) -> World {
        let mut rng = Rng::new(seed.wrapping_mul(0x2545_F491_4F6C_DD1D));
        let sellers = rng.range(2, 4) as usize;
        let buyers = rng.range(2, 5) as usize;
        let steps = rng.range(5, 40);
        let rates = Rates {
            transient: [0, 0, 50, 150][rng.below(4)],
            fail_before: [0, 0, 50, 150][rng.below(4)],
            lose_answer: [0, 100, 250, 400][rng.below(4)],
            pending: [0, 0, 150, 400][rng.below(4)],
            funding: [0, 0, 100, 250][rng.below(4)],
            postback_fail: [0, 0, 100, 300][rng.below(4)],
            lose_ipn: [0, 100, 250, 500][rng.below(4)],
        };
        let n = sellers + buyers;
        let values: Vec<i64> = (0..n)
            .map(|_| [100, 150, 500, 1_000, 2_500][rng.below(5)])
            .collect();
        let balances: Vec<i64> = (0..n)
            .map(|i| {
                if i < sellers {
                    0
                } else {
                    [0, 300, 2_000, 10_000][rng.below(4)]
                }
            })
            .collect();
        let mut w = World::new(seed, rates, &values, &balances, sellers);
        w.verbose = verbose;
        w.say("sim", || {
            format!(
                "seed {seed}: {sellers} sellers, {buyers} buyers, {steps} steps, faults {rates:?}"
            )
        });
        for _ in 0..steps {
            w.random_event(false);
        }
        w.quiesce();
        w.check_final();
        w
    }

    /// One random event of a history; `later` for the weeks after it, when
    /// only PayPal's after-the-fact events, their notifications, the cron
    /// and crashes happen.
    fn random_event(&mut self, later: bool) {
        let approvable: Vec<usize> = (0..self.orders.len())
            .filter(|i| {
                let c = self.pp.checkouts.get(&self.orders[*i].token);
                c.is_some_and(|c| c.paid.is_none() && !self.pp.expired(c, self.now))
            })
            .collect();
        let returnable: Vec<usize> = (0..self.orders.len())
            .filter(|i| self.orders[*i].payer_id.is_some())
            .collect();
        let pending = self.pp.pending_payments();
        let busy = !self.tasks.is_empty();
        let unacked = self.pp.unacked_ipns();
        let completed: Vec<usize> = (0..self.pp.payments.len())
            .filter(|i| self.pp.payments[*i].status == PayStatus::Completed)
            .collect();
        let charged_back: Vec<usize> = (0..self.pp.payments.len())
            .filter(|i| self.pp.payments[*i].status == (PayStatus::Reversed { refund: false }))
            .collect();
        // Payments with something left to refund in part.
        let refundable: Vec<usize> = (0..self.pp.payments.len())
            .filter(|i| {
                let p = &self.pp.payments[*i];
                matches!(p.status, PayStatus::Completed | PayStatus::PartlyRefunded)
                    && p.amount - p.refunded > 1
            })
            .collect();
        let partly: Vec<usize> = (0..self.pp.payments.len())
            .filter(|i| self.pp.payments[*i].status == PayStatus::PartlyRefunded)
            .collect();
        let now_only = if later { 0 } else { 1 };
        let weights = [
            if busy { 16 } else { 0 }, // 0 step an actor
            if busy { 1 } else { 0 },  // 1 crash an actor
            3 * now_only,              // 2 a buyer orders
            if approvable.is_empty() {
                0
            } else {
                4 * now_only
            }, // 3 approve at PayPal
            if returnable.is_empty() {
                0
            } else {
                5 * now_only
            }, // 4 return / refresh
            if self.orders.is_empty() { 0 } else { now_only }, // 5 cancel
            2,                         // 6 a cron run starts
            3,                         // 7 time passes
            if pending.is_empty() { 0 } else { 1 }, // 8 PayPal decides a pending payment
            now_only,                  // 9 a buyer adds funds
            if unacked.is_empty() { 0 } else { 5 }, // 10 PayPal delivers an IPN
            if self.pp.ipns.is_empty() { 0 } else { 2 }, // 11 PayPal delivers one again
            if completed.is_empty() {
                0
            } else {
                1 + 3 * (1 - now_only)
            }, // 12 a chargeback or refund
            if charged_back.is_empty() {
                0
            } else {
                1 + 3 * (1 - now_only)
            }, // 13 a chargeback is canceled
            1,                         // 14 a forger posts an IPN
            if refundable.is_empty() {
                0
            } else {
                1 + 3 * (1 - now_only)
            }, // 15 a partial refund
            if partly.is_empty() { 0 } else { 2 }, // 16 the rest of a partly refunded payment is refunded
            if self.pp.payments.is_empty() { 0 } else { 8 }, // 17 a genuine message names another order
        ];
        match self.rng.weighted(&weights) {
            Some(0) => {
                let id = self.tasks[self.rng.below(self.tasks.len())].0;
                self.step(id);
            }
            Some(1) => {
                let id = self.tasks[self.rng.below(self.tasks.len())].0;
                self.crash(id);
            }
            Some(2) => {
                let buyers: Vec<usize> = (0..self.clients.len())
                    .filter(|i| self.clients[*i].buyer)
                    .collect();
                let buyer = buyers[self.rng.below(buyers.len())];
                let titles = self.db.read("SELECT isin, value_cents, holder_id FROM titles WHERE status = 'active' ORDER BY id", vec![]);
                let mine = self.clients[buyer].id;
                let others: Vec<&sql::Row> = titles
                    .iter()
                    .filter(|t| t.get("holder_id").and_then(|v| v.as_i64()) != Some(mine))
                    .collect();
                let pool = if others.is_empty() || self.rng.chance(50) {
                    titles.iter().collect()
                } else {
                    others
                };
                let t = pool[self.rng.below(pool.len())];
                let isin = t
                    .get("isin")
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string();
                let value = t.get("value_cents").and_then(|v| v.as_i64()).unwrap_or(100);
                let amount = match self.rng.below(3) {
                    0 => value,
                    1 => self.rng.range(100, (value - 1).max(100)),
                    _ => value + self.rng.range(1, 2_000),
                }
                .max(100);
                let rate = self.rng.range(0, 100) as u8;
                let id = self.start_buy(buyer, &isin, amount, rate);
                self.say(&format!("buyer{}", buyer + 1), || {
                    format!("starts buy#{id}: {isin} for {amount} cents, r={rate}")
                });
            }
            Some(3) => {
                let i = approvable[self.rng.below(approvable.len())];
                // PayPal redirects the buyer to the return URL at once,
                // unless the browser is closed on the way.
                if self.approve(i) && self.rng.chance(800) {
                    let id = self.start_return(i);
                    let buyer = self.orders[i].buyer;
                    self.say(&format!("buyer{}", buyer + 1), || {
                        format!("is redirected to the return URL: return#{id}")
                    });
                }
            }
            Some(4) => {
                let i = returnable[self.rng.below(returnable.len())];
                let id = self.start_return(i);
                let (buyer, token) = (self.orders[i].buyer, self.orders[i].token.clone());
                self.say(&format!("buyer{}", buyer + 1), || {
                    format!("loads the return URL of {token}: return#{id}")
                });
            }
            Some(5) => {
                let i = self.rng.below(self.orders.len());
                let id = self.start_cancel(i);
                let (buyer, order_id) = (self.orders[i].buyer, self.orders[i].id.clone());
                self.say(&format!("buyer{}", buyer + 1), || {
                    format!("cancels order {order_id}: cancel#{id}")
                });
            }
            Some(6) => {
                let id = self.start_cron();
                self.say("scheduler", || format!("starts cron#{id}"));
            }
            Some(7) => {
                let seconds = match self.rng.below(100) {
                    0..=54 => self.rng.range(10, 300),
                    55..=84 => self.rng.range(300, 3_600),
                    85..=96 => self.rng.range(3_600, 5 * 3_600),
                    _ => self.rng.range(TTL_SECONDS, TTL_SECONDS + 6 * 3_600),
                };
                self.advance(seconds);
            }
            Some(8) => {
                let i = pending[self.rng.below(pending.len())];
                let complete = self.rng.chance(700);
                let txn = self.pp.payments[i].txn.clone();
                self.say("paypal", || {
                    format!(
                        "decides pending {txn}: {}",
                        if complete { "Completed" } else { "Denied" }
                    )
                });
                self.pp.decide_pending(&mut self.rng, i, complete);
            }
            Some(9) => {
                let buyers: Vec<usize> = (0..self.clients.len())
                    .filter(|i| self.clients[*i].buyer)
                    .collect();
                let buyer = buyers[self.rng.below(buyers.len())];
                let cents = self.rng.range(500, 3_000);
                let account = self.clients[buyer].account;
                self.pp.deposit(account, cents);
                self.say("paypal", || {
                    format!("buyer{} adds {cents} cents", buyer + 1)
                });
            }
            Some(10) => {
                // Any message still unacknowledged: PayPal's order of
                // delivery is not the order of events.
                let m = unacked[self.rng.below(unacked.len())];
                let id = self.start_ipn(m);
                let (txn, status) = (self.pp.ipns[m].txn.clone(), self.pp.ipns[m].status.clone());
                self.say("paypal", || format!("posts IPN {txn} {status}: ipn#{id}"));
            }
            Some(11) => {
                let m = self.rng.below(self.pp.ipns.len());
                if self.pp.ipns[m].lost {
                    return;
                }
                let id = self.start_ipn(m);
                let (txn, status) = (self.pp.ipns[m].txn.clone(), self.pp.ipns[m].status.clone());
                self.say("paypal", || {
                    format!("posts IPN {txn} {status} again: ipn#{id}")
                });
            }
            Some(12) => {
                let i = completed[self.rng.below(completed.len())];
                let refund = self.rng.chance(300);
                self.pp.reverse(&mut self.rng, i, refund);
                self.stats.reversals += 1;
                let txn = self.pp.payments[i].txn.clone();
                self.say("paypal", || {
                    format!("{} {txn}", if refund { "refunds" } else { "reverses" })
                });
            }
            Some(13) => {
                let i = charged_back[self.rng.below(charged_back.len())];
                self.pp.cancel_reversal(&mut self.rng, i);
                // A known gap, not modelled: the scheduled re-reads cover
                // traded payments only, so the canceled reversal of a
                // payment whose order failed unrecorded is learned from its
                // notification alone; that one is always delivered here
                // (tests/simulation.rs `bug_a_canceled_reversal_of_a_failed_...`).
                let order_id = self.pp.payments[i].order_id.clone();
                let failed = self.db.read_i64(
                    "SELECT count(*) FROM orders WHERE id = ?1 AND code IN (-1, -2)",
                    vec![Param::from(order_id.as_str())],
                );
                if let Some(m) = self.pp.ipns.last_mut().filter(|_| failed > 0) {
                    m.lost = false;
                }
                self.stats.reversals_canceled += 1;
                let txn = self.pp.payments[i].txn.clone();
                self.say("paypal", || format!("cancels the reversal of {txn}"));
            }
            Some(14) => {
                let body = self.forged_ipn();
                let id = self.start_forged_ipn(body.clone());
                self.say("forger", || format!("posts {body}: ipn#{id}"));
            }
            Some(15) => {
                let i = refundable[self.rng.below(refundable.len())];
                let left = self.pp.payments[i].amount - self.pp.payments[i].refunded;
                // A cent, or any part short of what is left.
                let cents = if self.rng.chance(300) {
                    1
                } else {
                    self.rng.range(1, left - 1)
                };
                self.pp.refund_part(&mut self.rng, i, cents);
                self.stats.partial_refunds += 1;
                let txn = self.pp.payments[i].txn.clone();
                self.say("paypal", || format!("refunds {cents} cents of {txn}"));
            }
            Some(16) => {
                let i = partly[self.rng.below(partly.len())];
                self.pp.reverse(&mut self.rng, i, true);
                self.stats.reversals += 1;
                let txn = self.pp.payments[i].txn.clone();
                self.say("paypal", || format!("refunds the rest of {txn}"));
            }
            Some(17) => {
                // A payment, and another order of the same seller.
                let i = self.rng.below(self.pp.payments.len());
                let p = self.pp.payments[i].clone();
                let others: Vec<(String, i64)> = self
                    .orders
                    .iter()
                    .filter(|o| o.id != p.order_id)
                    .filter_map(|o| self.pp.checkouts.get(&o.token))
                    .filter(|c| c.receiver == p.receiver)
                    .map(|c| (c.invnum.clone(), c.amount))
                    .collect();
                if !others.is_empty() {
                    let (invnum, cents) = others[self.rng.below(others.len())].clone();
                    self.pp.misaddressed(&mut self.rng, i, &invnum, cents);
                    self.stats.misaddressed += 1;
                    self.say("paypal", || {
                        format!("sends a message about {} naming {invnum}", p.txn)
                    });
                }
            }
            _ => {}
        }
    }

    /// A message PayPal never sent, about a real payment or order: a
    /// reversal or refund of a completed payment, a completion of an open
    /// order, a canceled reversal.
    pub fn forged_ipn(&mut self) -> String {
        if !self.pp.ipns.is_empty() && self.rng.chance(250) {
            // A genuine message with a key sent twice: were the first one
            // read while PayPal checked the other, it would say Reversed.
            let m = self.rng.below(self.pp.ipns.len());
            return format!("{}&payment_status=Reversed", self.pp.ipns[m].body);
        }
        let statuses = ["Reversed", "Refunded", "Completed", "Canceled_Reversal"];
        let status = statuses[self.rng.below(statuses.len())];
        let fake_txn = self.rng.text(UPPER_ALNUM, 17);
        let (txn, parent, invoice, cents) = if !self.pp.payments.is_empty() && self.rng.chance(700)
        {
            let p = self.pp.payments[self.rng.below(self.pp.payments.len())].clone();
            let invoice = self
                .pp
                .checkouts
                .get(&p.token)
                .map(|c| c.invnum.clone())
                .unwrap_or_default();
            if status == "Completed" {
                (p.txn.clone(), None, invoice, p.amount)
            } else {
                (fake_txn, Some(p.txn.clone()), invoice, p.amount)
            }
        } else if !self.orders.is_empty() {
            let o = &self.orders[self.rng.below(self.orders.len())];
            (fake_txn, None, format!("PB-{DEPLOYMENT}-{}", o.id), 100)
        } else {
            (fake_txn, None, format!("PB-{DEPLOYMENT}-none"), 100)
        };
        let mut fields = vec![
            (
                "mc_gross".to_string(),
                Amount::from_cents(cents).map_or_else(String::new, Amount::to_plain),
            ),
            ("invoice".to_string(), invoice),
            ("payment_status".to_string(), status.to_string()),
            ("txn_id".to_string(), txn),
        ];
        if let Some(parent) = parent {
            fields.push(("parent_txn_id".to_string(), parent));
        }
        fields.push(("mc_currency".to_string(), "EUR".to_string()));
        fields.push(("verify_sign".to_string(), "FORGED".to_string()));
        NvpResponse::from_fields(fields).encode()
    }

    /// PayPal resends every message not acknowledged yet, until none is
    /// left (new ones may be sent meanwhile).
    pub fn deliver_all_ipns(&mut self) {
        while let Some(&m) = self.pp.unacked_ipns().first() {
            let id = self.start_ipn(m);
            self.finish(id);
        }
    }

    /// Scripts a one-shot fault for the next call of `api`.
    pub fn fault_next(&mut self, api: Api, fault: Fault) {
        self.pp.script.push((api, fault));
    }

    /// The order's `(code, substate, failure_reason)`.
    pub fn order_state(&self, order: usize) -> (i64, String, Option<String>) {
        let rows = self.db.read(
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
        let rows = self.db.read(
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
        let rows = self.db.read(
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
        self.db.read_i64(query, vec![])
    }

    pub fn token_age(&self, order: usize) -> i64 {
        self.pp
            .checkouts
            .get(&self.orders[order].token)
            .map_or(0, |c| self.now - c.created_at)
    }

    /// Gives the database connection back for the next history.
    pub fn recycle(self) {
        self.db.recycle();
    }

    pub fn unknown_violations(&self) -> Vec<&Violation> {
        self.violations
            .iter()
            .filter(|v| v.known.is_none())
            .collect()
    }

    pub fn report(&self) -> String {
        let mut out = format!(
            "seed {} — {} violation(s):\n",
            self.seed,
            self.violations.len()
        );
        for v in &self.violations {
            out.push_str(&format!(
                "  [{}] {} (known bug: {:?})\n",
                v.invariant, v.detail, v.known
            ));
        }
        out.push_str("step log:\n");
        for line in &self.log {
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}
