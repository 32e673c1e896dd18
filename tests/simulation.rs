//! Proof of the purchase and the reconciler by seeded, deterministic
//! simulation (issue 8, item 4; issue 15, item 2).
//!
//! What it drives: the production flows themselves (`core::flow::purchase::
//! {start, returned, cancel}`, `core::flow::cron::{begin, work, finish}`
//! with the reconciler's settle, the notifications taken up again and the
//! scheduled re-reads, and the listener `core::psp::paypal::listener::
//! receive`), the very code the Worker runs, on the simulation's effects
//! (`simulation/fx.rs`): every batch on SQLite with the migrations applied,
//! one transaction per batch exactly as D1 runs it (a guard's abort rolls
//! the whole batch back and is `StoreError::Guard`), the simulation's clock
//! and seeded random bytes. A deterministic single-threaded executor
//! (`simulation/exec.rs`) makes every effect a yield point: a step of an
//! actor carries out one effect, a provider call yields again with PayPal's
//! answer in hand (so that an answer can come late, or never if the actor
//! crashes there), the seed picks which actor moves, and a crash drops the
//! flow's future between two effects. Buyers, refreshes, cancels, cron
//! runs (two at once included) and notifications so interleave at every
//! point.
//!
//! PayPal is the built-in emulator's own rules
//! (`core::psp::paypal::emulator::serve`) on the same SQLite database
//! (`simulation/paypal.rs`): the seed only decides which call meets a fault
//! (the emulator's own one-shot faults: 10445 "try again later", 10486
//! funding refused, a payment taken Pending; or a call failing before
//! PayPal, or an answer lost after PayPal acted), PayPal's later events
//! (Pending payments completed or denied, reversals, refunds in full or in
//! part, canceled reversals) and which of its notifications are never
//! delivered; the history ends with the months of the cron's scheduled
//! re-reads (`core::recheck`), which must find those reversals all the same.

//! The card banks (issues 16 and 17) are their emulators' own rules too
//! (`core::psp::{sips,monetico}::emulator::serve`, `simulation/cards.rs`),
//! beside PayPal: sellers may hold a Sips merchant and a Monetico TPE
//! (their accounts sealed in `psp_accounts`), card buyers run the whole
//! `purchase::start` with `psp=sips|monetico`, decide at the bank's card
//! page (pay, refused, cancel, walk away), and the bank's messages reach
//! the platform through `core::psp::receive_notification` in any order,
//! again after an acknowledgement, some never (then only the cron finds
//! out), with Sips' manual response posted by the browser before, after or
//! instead of the automatic one, and forged responses; Office and
//! `capture_paiement.cgi` calls fail before the bank or lose their answer
//! (`simulation/world_cards.rs`, `history_cards.rs`).

//! Sellers paid by permission (issue 20, `simulation/permission.rs`): in
//! half the histories (a draw of their own, `SIM_PERMISSION=0` for none)
//! the deployment has a platform PayPal account and some sellers are
//! stored with their e-mail only, having granted it every permission; the
//! flows call for them with the platform's credentials and `SUBJECT`, and
//! they revoke Express Checkout or every permission at any step (granting
//! them again before quiescence): a refused start or payment must move no
//! money and mark the account refused, and every invariant below holds.

//! What it checks (`simulation/ledger.rs` as the effects happen,
//! `simulation/checks.rs` and `checks_titles.rs` after every step and once
//! quiescent; PayPal's side read from the emulator's tables):
//! 1. every payment PayPal completed has exactly one processed order and
//!    one trade, once the system is quiescent (actors finished or crashed,
//!    faults off, the cron run every 5 minutes, every Pending payment
//!    completed or denied, a day passed);
//! 2. no processed order lacks a completed PayPal payment with its
//!    transaction id (after every step);
//! 3. every title has one existing holder, no two active titles share an
//!    ISIN, every ISIN is reserved in `isins`, a split title comes from its
//!    processed order, and the titles are exactly the replay of the trades;
//! 4. PayPal never executes a payment for an order that does not hold its
//!    title's claim at the moment DoExpressCheckoutPayment is sent (the
//!    database is read at that moment);
//! 5. money moved equals the sum of processed orders, in total and per
//!    client (received = sales, paid = purchases), and every PayPal balance
//!    is start + deposits + received - paid (the emulator takes nothing for
//!    a Pending payment until it completes);
//! 6. once quiescent no order stays confirming, psp_pending or
//!    needs_review, no awaiting order outlives `PENDING_TTL_HOURS`, and no
//!    title keeps the claim of a final order;
//! 7. every reversed or refunded payment's order is charged back, or failed
//!    unrecorded;
//! 8. a partial refund never undoes a trade: every partly refunded
//!    payment's trade stands with its order in review (or its unrecorded
//!    order waits in review; one failed unrecorded is counted); genuine
//!    messages that name another order's invoice change nothing (the
//!    invariants above catch any change they make);
//!
//! 9. cards (`simulation/cards.rs` as each capture happens,
//!    `checks_cards.rs` once quiescent): no capture (Sips Office
//!    `validate`, Monetico `capture_paiement.cgi` for a non-zero amount)
//!    for an order not holding its title's claim when the call reaches the
//!    bank; money captured equals processed orders, per merchant (every
//!    settlement balance is the sum of the processed orders its seller
//!    sold through that bank); every capture is one processed order's, in
//!    full, and every processed card order was captured (an authorization
//!    never captured moved no money); every message the bank sent and did
//!    not lose is acknowledged, and none is taken for forged; and (6)
//!    holds for card orders too;
//!
//! and besides: after every step, claims and orders agree (a confirming or
//! psp_pending order holds its title's claim; a claim belongs to an open
//! order of that title) and there is one trade per processed order; an
//! order is failed, canceled or reopened only when PayPal holds no live
//! payment for it (checked after every batch that does so); trades follow
//! the rules (`new = (x*(100+r)+50) div 100`, X >= V transfers, X < V
//! leaves V - X to the seller and issues the new ISIN); a core batch never
//! fails except on a guard, and its placeholders match its parameters;
//! two cron runs never hold the lease at once, nor works a run that did not
//! take it; a seed replays exactly.
//!
//! How to use it: `cargo test --test simulation` runs 10,000 histories (the
//! count and the time are printed with `--nocapture`). A failing history
//! prints its seed and its step log; `SIM_SEED=<n> cargo test --test
//! simulation -- --nocapture` replays exactly that one, `SIM_HISTORIES=<n>`
//! changes the count, `SIM_STRICT=1` fails on known bugs too, `SIM_CARDS=0`
//! gives no client a card account (the PayPal world's histories exactly as
//! before the card world; so are the half of the seeds drawn without).
//!
//! Bugs found in `src/core` are named in `ledger::KnownBug`. A violation is
//! attributed to one only where it arises (the decision that fails a paid
//! order, the call that pays an unclaimed order: read from the statements
//! and answers passing through the effects), and the orders it touches
//! are then excused from the final checks; the randomized test counts those
//! histories and fails on anything else. The `bug_*` tests reproduce each
//! bug (scripted, and a seed) and are ignored while the bug stands, so that
//! the rest stays green: `cargo test --test simulation -- --ignored bug_`.
//! Seeds 139, 11163, 13046, 13351 and 17178 found their bug on the
//! simulation before issue 15 (its own PayPal model and step machines):
//! they still replay strictly, but draw other histories since; seeds 1591,
//! 2246 and 1500 find theirs again on the production flows when its fix is
//! undone.

#[path = "simulation/actors.rs"]
mod actors;
#[path = "simulation/bugs.rs"]
mod bugs;
#[path = "simulation/cards.rs"]
mod cards;
#[path = "simulation/checks.rs"]
mod checks;
#[path = "simulation/checks_cards.rs"]
mod checks_cards;
#[path = "simulation/checks_ledger.rs"]
mod checks_ledger;
#[path = "simulation/checks_titles.rs"]
mod checks_titles;
#[path = "simulation/db.rs"]
mod db;
#[path = "simulation/exec.rs"]
mod exec;
#[path = "simulation/fx.rs"]
mod fx;
#[path = "simulation/history.rs"]
mod history;
#[path = "simulation/history_cards.rs"]
mod history_cards;
#[path = "simulation/ledger.rs"]
mod ledger;
#[path = "simulation/paypal.rs"]
mod paypal;
#[path = "simulation/permission.rs"]
mod permission;
#[path = "simulation/rng.rs"]
mod rng;
#[path = "simulation/scenarios.rs"]
mod scenarios;
#[path = "simulation/scenarios_cards.rs"]
mod scenarios_cards;
#[path = "simulation/world.rs"]
mod world;
#[path = "simulation/world_cards.rs"]
mod world_cards;
#[path = "simulation/world_paypal.rs"]
mod world_paypal;

use std::collections::BTreeMap;
use std::time::Instant;

use ledger::{KnownBug, Stats};
use world::World;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

struct Summary {
    histories: u64,
    stats: Stats,
    failing: Vec<u64>,
    known: BTreeMap<KnownBug, (u64, u64)>,
}

/// Runs seeds `0..count` on every core; each history is independent and
/// deterministic, so the split across threads changes nothing.
fn run_histories(count: u64, strict: bool) -> Summary {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8) as u64;
    let handles: Vec<_> = (0..threads)
        .map(|k| {
            std::thread::spawn(move || {
                let mut s = Summary {
                    histories: 0,
                    stats: Stats::default(),
                    failing: Vec::new(),
                    known: BTreeMap::new(),
                };
                let mut seed = k;
                while seed < count {
                    let w = World::random(seed, false);
                    s.histories += 1;
                    s.stats.add(&w.stats());
                    let mut kinds: Vec<KnownBug> =
                        w.violations().iter().filter_map(|v| v.known).collect();
                    kinds.sort();
                    kinds.dedup();
                    for kind in kinds {
                        let e = s.known.entry(kind).or_insert((0, seed));
                        e.0 += 1;
                        e.1 = e.1.min(seed);
                    }
                    if !w.unknown_violations().is_empty() || (strict && !w.violations().is_empty())
                    {
                        s.failing.push(seed);
                    }
                    w.recycle();
                    seed += threads;
                }
                s
            })
        })
        .collect();
    let mut total = Summary {
        histories: 0,
        stats: Stats::default(),
        failing: Vec::new(),
        known: BTreeMap::new(),
    };
    for h in handles {
        let s = h.join().expect("simulation thread");
        total.histories += s.histories;
        total.stats.add(&s.stats);
        total.failing.extend(s.failing);
        for (k, (n, first)) in s.known {
            let e = total.known.entry(k).or_insert((0, first));
            e.0 += n;
            e.1 = e.1.min(first);
        }
    }
    total.failing.sort();
    total
}

/// The card world's counters (`simulation/cards.rs`).
fn print_cards(c: &cards::CardStats) {
    eprintln!(
        "simulation: cards: {} Sips and {} Monetico orders ({} starts refused or unanswered); card pages: {} paid, \
         {} refused, {} canceled, {} walked away; {} bank calls ({} failed before the bank, {} answers lost, {} of them after a capture), {} captures; \
         {} bank messages delivered ({} again after an acknowledgement, {} never delivered), {} Sips manual responses, \
         {} forged; card orders: {} processed, {} failed, {} canceled, {} released (authorized, never captured)",
        c.orders_sips,
        c.orders_monetico,
        c.starts_failed,
        c.pages_paid,
        c.pages_refused,
        c.pages_canceled,
        c.pages_abandoned,
        c.calls,
        c.failed_calls,
        c.lost_answers,
        c.lost_captures,
        c.captures,
        c.messages_delivered,
        c.messages_again,
        c.messages_lost,
        c.manual_responses,
        c.forged,
        c.processed,
        c.failed,
        c.canceled,
        c.released,
    );
}

fn simulate(strict: bool) {
    let strict = strict || env_u64("SIM_STRICT") == Some(1);
    if let Some(seed) = env_u64("SIM_SEED") {
        let w = World::random(seed, true);
        eprintln!("{}", w.report());
        let bad = if strict {
            w.violations().len()
        } else {
            w.unknown_violations().len()
        };
        assert_eq!(bad, 0, "seed {seed} violates an invariant (log above)");
        return;
    }
    let count = env_u64("SIM_HISTORIES").unwrap_or(10_000);
    let started = Instant::now();
    let s = run_histories(count, strict);
    let elapsed = started.elapsed();
    eprintln!(
        "simulation: {} histories in {:.2?} ({} steps, {} orders, {} DoExpressCheckoutPayment sent, {} payments executed \
         ({} Pending), {} processed, {} answers lost, {} funding refusals, {} cron runs ({} refused by the lease), \
         {} crashes, {} guard aborts, {} claim races lost, {} harmless DoEC sent without the claim)",
        s.histories,
        elapsed,
        s.stats.steps,
        s.stats.orders,
        s.stats.doec_sends,
        s.stats.payments,
        s.stats.pending_payments,
        s.stats.processed,
        s.stats.lost_answers,
        s.stats.funding_refusals,
        s.stats.cron_runs,
        s.stats.lease_refused,
        s.stats.crashes,
        s.stats.guard_aborts,
        s.stats.races_lost,
        s.stats.doec_without_claim_harmless,
    );
    eprintln!(
        "simulation: {} IPN deliveries ({} again after an acknowledgement), {} forged IPNs, {} reversals or refunds, \
         {} reversals canceled, {} chargebacks written, {} chargebacks canceled, {} notifications taken up again by the cron, \
         {} partial refunds ({} partly refunded orders left failed unrecorded), {} genuine messages naming another order, {} IPNs never delivered, {} scheduled re-reads of processed payments, \
         {} chargebacks found without their message and left standing for review",
        s.stats.ipn_deliveries,
        s.stats.ipn_redeliveries,
        s.stats.ipn_forged,
        s.stats.reversals,
        s.stats.reversals_canceled,
        s.stats.chargebacks,
        s.stats.reinstated,
        s.stats.notices_retried,
        s.stats.partial_refunds,
        s.stats.partial_refund_failed_unrecorded,
        s.stats.misaddressed,
        s.stats.ipns_lost,
        s.stats.rechecks,
        s.stats.reversals_unproven,
    );
    eprintln!(
        "simulation: {} IPN postbacks lost (answered 503, sent again; half the IPNs in windows-1252)",
        s.stats.postbacks_lost,
    );
    eprintln!(
        "simulation: {} sellers paid by permission, {} revocations, {} orders refused by PayPal for a permission \
         (10002/10007: failed, no money moved), {} accounts marked refused for it",
        s.stats.permission_sellers,
        s.stats.revocations,
        s.stats.permission_refusals,
        s.stats.permission_accounts_refused,
    );
    print_cards(&s.stats.cards);
    eprintln!(
        "simulation: {} SQL statements run on SQLite by this test process",
        db::EXECUTED.load(std::sync::atomic::Ordering::Relaxed)
    );
    for (kind, (n, first)) in &s.known {
        eprintln!("known bug {kind:?}: {n} histories, first seed {first}");
    }
    if let Some(first) = s.failing.first() {
        let w = World::random(*first, true);
        eprintln!("{}", w.report());
        panic!(
            "{} of {} histories violate an invariant; seeds {:?}; replay: SIM_SEED={first} cargo test --test simulation -- --nocapture",
            s.failing.len(),
            s.histories,
            &s.failing[..s.failing.len().min(20)]
        );
    }
}

#[test]
fn random_histories_keep_every_invariant() {
    // Strict: no violation is excused, not even one of a known (fixed) bug.
    simulate(true);
}

#[test]
fn the_same_seed_replays_the_same_history() {
    for seed in [3, 97, 1134] {
        let (a, b) = (World::random(seed, true), World::random(seed, true));
        assert_eq!(a.log(), b.log(), "seed {seed}");
        let quiet = World::random(seed, false);
        assert_eq!(
            a.violations().len(),
            quiet.violations().len(),
            "logging changes nothing, seed {seed}"
        );
        assert_eq!(a.stats().steps, quiet.stats().steps);
        assert!(a.log().len() > 10);
    }
}

// ---------------------------------------------------------------- executor

/// Two cron runs' lease-takers, written as flows over the effects, on the
/// simulation's executor: each poll carries out one batch, the seed-free
/// interleaving below is the one a history could draw, and a crash drops
/// what the actor had not yet done.
#[test]
fn the_executor_carries_out_one_effect_per_poll_and_a_crash_drops_the_rest() {
    use exec::{Actors, Polled};
    use paybook::core::flow::{Effects, WireRequest};
    use paybook::core::reconcile::{finish_run, take_lease};
    use std::rc::Rc;

    struct Nobody;
    impl fx::Provider for Nobody {
        fn act(&self, _: &fx::Sim, _: &WireRequest) -> fx::Delivery {
            fx::Delivery::Failed(paybook::core::flow::NoAnswer::Timeout)
        }
    }
    let sim = Rc::new(fx::Sim::new(1, db::Db::pooled(), Box::new(Nobody), true));
    let lease_run = |sim: &Rc<fx::Sim>| -> exec::Actor<bool> {
        let sim = sim.clone();
        Box::pin(async move {
            let now = world::at(sim.now.get());
            let until = world::at(sim.now.get() + 240);
            let took = match sim.run(&vec![take_lease(&now, &until)]).await {
                Ok(r) => r.first().is_some_and(|r| r.changes == 1),
                Err(_) => false,
            };
            if took {
                let _ = sim.run(&finish_run(&now, &until)).await;
            }
            took
        })
    };
    let mut actors = Actors::default();
    let a = actors.spawn(|id| format!("cron#{id}"), lease_run(&sim));
    let b = actors.spawn(|id| format!("cron#{id}"), lease_run(&sim));
    assert!(matches!(
        actors.poll(a, &sim.parking),
        Some(Polled::Parked(_))
    ));
    assert_eq!(
        sim.counts.borrow().batches,
        0,
        "nothing ran before the first effect"
    );
    actors.poll(a, &sim.parking);
    assert_eq!(sim.counts.borrow().batches, 1, "a took the lease");
    actors.poll(b, &sim.parking);
    assert!(
        matches!(actors.poll(b, &sim.parking), Some(Polled::Done(false))),
        "b finds it held"
    );
    assert!(
        actors.crash(a),
        "a crashes holding the lease, before its finish"
    );
    assert_eq!(sim.counts.borrow().batches, 2);
    assert_eq!(
        sim.db.read_i64(
            "SELECT count(*) FROM settings WHERE key = 'last_cron_at'",
            vec![]
        ),
        0,
        "the crashed run never finished"
    );
    assert!(sim.broken.borrow().is_empty());
}
