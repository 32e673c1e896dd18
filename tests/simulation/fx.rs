//! The simulation's effects (`core::flow::Effects`): batches on SQLite as
//! D1 runs them (one transaction; a guard's abort is `StoreError::Guard`),
//! provider calls handed to the simulated provider (the built-in
//! emulator's own rules on the same database), the simulation's clock and
//! seeded randomness, and the step log. Every batch and every call is a
//! yield point of the executor (`exec.rs`); a call yields twice, before the
//! provider acts and after, so that its answer can come late or never.
//!
//! The world looks at what passes through: a batch that fails but on a
//! guard is a violation (a batch the core built must never fail on a
//! constraint), a batch that may change orders, titles or trades marks the
//! world dirty (the per-step checks run), and the world's [`Watch`] sees
//! every batch and every call (invariant 4 is checked as a
//! DoExpressCheckoutPayment reaches PayPal).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use paybook::core::flow::{
    Effects, NoAnswer, RandomUnavailable, StoreError, WireAnswer, WireRequest,
};
use paybook::core::sql::{Batch, StmtResult};
use paybook::core::time::UtcTime;

use super::db::Db;
use super::exec::{Park, Parking};
use super::rng::Rng;

/// 2026-01-05T10:00:00Z: every history starts here.
pub const START: i64 = 1_767_607_200;

/// What a provider call came to, as the simulated provider decides it.
pub enum Delivery {
    /// The provider answered (a refusal is an answer too).
    Answer(WireAnswer),
    /// The provider acted and answered this, lost on the way back.
    Lost(WireAnswer),
    /// The call failed before the provider did anything.
    Failed(NoAnswer),
}

/// The provider on the other end of `send`: acts on the database's
/// provider tables (never the platform's) and says what comes back.
pub trait Provider {
    fn act(&self, sim: &Sim, request: &WireRequest) -> Delivery;
}

/// The world's eyes on the effects, called synchronously inside them.
pub trait Watch {
    /// Before the provider acts on `request` (the database as it is then).
    fn sending(&self, _sim: &Sim, _request: &WireRequest) {}
    /// After the provider acted: its answer as sent (`None`: the call
    /// failed before reaching it), whether or not it reaches the flow.
    fn sent(&self, _sim: &Sim, _request: &WireRequest, _answer: Option<&[u8]>) {}
    /// After a batch committed (its results) or was refused by a guard
    /// (`None`).
    fn ran(&self, _sim: &Sim, _batch: &Batch, _results: Option<&[StmtResult]>) {}
}

/// Counters of what passed through the effects.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    pub batches: u64,
    pub guard_aborts: u64,
    pub sends: u64,
    pub lost_answers: u64,
    pub failed_calls: u64,
}

/// One simulated deployment's effects and shared state.
pub struct Sim {
    pub db: Db,
    /// The clock, unix seconds.
    pub now: Cell<i64>,
    pub rng: RefCell<Rng>,
    pub parking: Parking,
    /// The actor being polled (for the log).
    pub current: RefCell<String>,
    pub provider: Box<dyn Provider>,
    pub watch: RefCell<Option<Box<dyn Watch>>>,
    pub counts: RefCell<Counts>,
    /// A batch that may have changed the market since the world looked.
    pub dirty: Cell<bool>,
    /// A flow appended to the ledger and asked for a seal after its answer
    /// (`Effects::seal_later`): the world starts a sealer when it ends.
    pub seal_due: Cell<bool>,
    /// Counts the provider's batches: what the world read of the provider
    /// stays true while it is unchanged.
    pub provider_epoch: Cell<u64>,
    /// Batches that failed on something else than a guard.
    pub broken: RefCell<Vec<String>>,
    pub verbose: bool,
    pub log: RefCell<Vec<String>>,
}

impl Sim {
    pub fn new(seed: u64, db: Db, provider: Box<dyn Provider>, verbose: bool) -> Sim {
        Sim {
            db,
            now: Cell::new(START),
            rng: RefCell::new(Rng::new(seed)),
            parking: Parking::default(),
            current: RefCell::new("world".into()),
            provider,
            watch: RefCell::new(None),
            counts: RefCell::new(Counts::default()),
            dirty: Cell::new(false),
            seal_due: Cell::new(false),
            provider_epoch: Cell::new(0),
            broken: RefCell::new(Vec::new()),
            verbose,
            log: RefCell::new(Vec::new()),
        }
    }

    pub fn say(&self, who: &str, what: impl FnOnce() -> String) {
        if self.verbose {
            let mut log = self.log.borrow_mut();
            let line = format!(
                "{:>4} +{:>6}s {:<10} {}",
                log.len() + 1,
                self.now.get() - START,
                who,
                what()
            );
            log.push(line);
        }
    }

    /// Says `what` as the actor being polled.
    pub fn said(&self, what: impl FnOnce() -> String) {
        if self.verbose {
            let who = self.current.borrow().clone();
            self.say(&who, what);
        }
    }

    /// The actor about to be polled: its effects are attributed to it.
    pub fn set_current(&self, name: &str) {
        let mut current = self.current.borrow_mut();
        if current.as_str() != name {
            name.clone_into(&mut current);
        }
    }

    /// Runs `batch` now, without yielding: for the provider's own tables
    /// and the world's setup.
    pub fn run_now(&self, batch: &Batch) -> Result<Vec<StmtResult>, StoreError> {
        self.counts.borrow_mut().batches += 1;
        match self.db.run(batch) {
            Ok(results) => Ok(results),
            Err(e) if e.is_guard() => {
                self.counts.borrow_mut().guard_aborts += 1;
                Err(StoreError::Guard)
            }
            Err(e) => {
                let first = batch.first().map_or("", |s| s.sql);
                self.broken.borrow_mut().push(format!(
                    "{}: {} (batch starting {first})",
                    self.current.borrow(),
                    e.0
                ));
                Err(StoreError::Failed(e.0))
            }
        }
    }

    fn watch(&self, f: impl FnOnce(&dyn Watch)) {
        // Taken out while it runs, so that it may run batches itself.
        let taken = self.watch.borrow_mut().take();
        if let Some(w) = taken {
            f(w.as_ref());
            *self.watch.borrow_mut() = Some(w);
        }
    }
}

/// Whether a statement may change orders, titles or trades (what the
/// per-step checks read); the provider's tables and the platform's
/// traces, receipts, settings and outbox do not count.
fn touches_the_market(stmt: &paybook::core::sql::Stmt) -> bool {
    let sql = stmt.sql.trim_start();
    !sql.starts_with("SELECT")
        && ["orders", "titles", "trades"]
            .iter()
            .any(|table| sql.contains(table))
}

impl Effects for Sim {
    async fn run(&self, batch: &Batch) -> Result<Vec<StmtResult>, StoreError> {
        self.parking.pause(Park::Before).await;
        let result = self.run_now(batch);
        if result.is_ok() && batch.iter().any(touches_the_market) {
            self.dirty.set(true);
        }
        self.said(|| {
            let what = batch
                .first()
                .map_or("", |s| s.sql)
                .split_whitespace()
                .take(4)
                .collect::<Vec<_>>()
                .join(" ");
            let n = batch.len();
            match &result {
                Ok(_) => format!("batch of {n} ({what} …): ok"),
                Err(StoreError::Guard) => {
                    format!("batch of {n} ({what} …): guard failed, rolled back")
                }
                Err(StoreError::Failed(e)) => format!("batch of {n} ({what} …): FAILED {e}"),
            }
        });
        match &result {
            Ok(results) => self.watch(|w| w.ran(self, batch, Some(results))),
            Err(StoreError::Guard) => self.watch(|w| w.ran(self, batch, None)),
            Err(StoreError::Failed(_)) => {}
        }
        result
    }

    async fn send(&self, request: &WireRequest) -> Result<WireAnswer, NoAnswer> {
        self.parking.pause(Park::Before).await;
        self.counts.borrow_mut().sends += 1;
        self.watch(|w| w.sending(self, request));
        let delivery = self.provider.act(self, request);
        let answer = match &delivery {
            Delivery::Answer(a) => Some(a.body.clone()),
            Delivery::Lost(a) => Some(a.body.clone()),
            Delivery::Failed(_) => None,
        };
        self.watch(|w| w.sent(self, request, answer.as_deref()));
        self.parking.pause(Park::AnswerHeld).await;
        match delivery {
            Delivery::Answer(answer) => Ok(answer),
            Delivery::Lost(_) => {
                self.counts.borrow_mut().lost_answers += 1;
                self.said(|| "the answer is lost".into());
                Err(NoAnswer::Timeout)
            }
            Delivery::Failed(e) => {
                self.counts.borrow_mut().failed_calls += 1;
                self.said(|| format!("the call fails: {}", e.describe()));
                Err(e)
            }
        }
    }

    fn now(&self) -> UtcTime {
        UtcTime::from_unix_seconds(self.now.get())
    }

    fn fill_random(&self, out: &mut [u8]) -> Result<(), RandomUnavailable> {
        let mut rng = self.rng.borrow_mut();
        for chunk in out.chunks_mut(8) {
            let word = rng.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Ok(())
    }

    fn log(&self, line: &str) {
        self.said(|| format!("log: {line}"));
    }

    fn seal_later(&self) {
        self.seal_due.set(true);
    }
}

/// The provider's own effects: its tables on the same database, the same
/// clock and randomness, and no yield (a provider call is one step of the
/// caller). The provider never calls out.
pub struct ProviderFx<'a>(pub &'a Sim);

impl Effects for ProviderFx<'_> {
    async fn run(&self, batch: &Batch) -> Result<Vec<StmtResult>, StoreError> {
        self.0.provider_epoch.set(self.0.provider_epoch.get() + 1);
        self.0.run_now(batch)
    }

    async fn send(&self, _: &WireRequest) -> Result<WireAnswer, NoAnswer> {
        Err(NoAnswer::Network(
            "the simulated provider calls nobody".into(),
        ))
    }

    fn now(&self) -> UtcTime {
        self.0.now()
    }

    fn fill_random(&self, out: &mut [u8]) -> Result<(), RandomUnavailable> {
        self.0.fill_random(out)
    }

    fn log(&self, line: &str) {
        self.0.said(|| format!("provider log: {line}"));
    }
}

/// Runs a future that never waits (the provider's work on [`ProviderFx`])
/// to its end in one poll.
pub fn at_once<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the provider's work waited on something"),
    }
}
