//! Proof of the purchase and the reconciler by seeded, deterministic
//! simulation (issue 8, item 4).
//!
//! What it drives: the same core functions the Worker runs
//! (`purchase::{title_for_sale, plan, create_order, on_return, classify,
//! after_payment, cancel}`, `reconcile::{take_lease, due_orders,
//! read_checkout, read_transaction, resolve, finish_run}`) and the same SQL,
//! on SQLite with the migrations applied, one transaction per batch exactly
//! as D1 runs it (a guard's abort rolls the whole batch back). The shell's
//! handlers (`routes/purchase.rs`, `settle.rs`, `cron.rs`) are mirrored as
//! step machines whose every step is one SQL batch or one PayPal call, so
//! that buyers, refreshes, cancels and cron runs (two at once included)
//! interleave at every point and an actor can crash between any two steps.
//! PayPal is a model in Rust (`simulation/paypal.rs`) answering with real
//! NVP fields and error codes; it loses answers, fails calls, refuses
//! transiently (10445), holds payments Pending (then completes or denies
//! them) and refuses funding (10486), as each history's seed decides; some
//! of its notifications are never delivered, and the history ends with the
//! months of the cron's scheduled re-reads (`core::recheck`), which must
//! find those reversals all the same. The clock is the simulation's.
//!
//! What it checks (`simulation/world.rs`):
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
//!    is start + deposits + received - paid - held;
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
//! and besides: after every step, claims and orders agree (a confirming or
//! psp_pending order holds its title's claim; a claim belongs to an open
//! order of that title) and there is one trade per processed order; an
//! order is failed, canceled or reopened only when PayPal holds no live
//! payment for it (checked after every batch that does so); trades follow
//! the rules (`new = (x*(100+r)+50) div 100`, X >= V transfers, X < V
//! leaves V - X to the seller and issues the new ISIN); a core batch never
//! fails except on a guard, and its placeholders match its parameters;
//! two cron runs never hold the lease at once; a seed replays exactly.
//!
//! How to use it: `cargo test --test simulation` runs 10,000 histories (the
//! count and the time are printed with `--nocapture`). A failing history
//! prints its seed and its step log; `SIM_SEED=<n> cargo test --test
//! simulation -- --nocapture` replays exactly that one, `SIM_HISTORIES=<n>`
//! changes the count, `SIM_STRICT=1` fails on known bugs too.
//!
//! Bugs found in `src/core` are named in `world::KnownBug`. A violation is
//! attributed to one only where it arises (the decision that fails a paid
//! order, the call that pays an unclaimed order), and the orders it touches
//! are then excused from the final checks; the randomized test counts those
//! histories and fails on anything else. The `bug_*` tests reproduce each
//! bug (scripted, and the shortest seed) and are ignored so that the rest
//! stays green: `cargo test --test simulation -- --ignored bug_`.

#[path = "simulation/actors.rs"]
mod actors;
#[path = "simulation/checks.rs"]
mod checks;
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
#[path = "simulation/ledger.rs"]
mod ledger;
#[path = "simulation/paypal.rs"]
mod paypal;
#[path = "simulation/rng.rs"]
mod rng;
#[path = "simulation/world.rs"]
mod world;

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

// ---------------------------------------------------------------- scenarios
//
// Scripted histories with exact end states. Clients are numbered from 0:
// sellers first, then buyers; client `i` has id `i + 1`.

use paypal::{Api, Fault, Rates};
use world::TTL_SECONDS;

const MINUTE: i64 = 60;
const HOUR: i64 = 3_600;

/// One seller (client 0, a title worth 10.00) and `buyers` buyers holding
/// 50.00 each on PayPal.
fn market(buyers: usize) -> World {
    let values = vec![1_000; buyers + 1];
    let mut balances = vec![5_000; buyers + 1];
    balances[0] = 0;
    World::new(0, Rates::default(), &values, &balances, 1)
}

/// `buyer` orders the seller's title for `amount` cents at rate 100: the
/// whole buy (read, SetExpressCheckout, order) runs; the order's index.
fn order(w: &mut World, buyer: usize, seller: usize, amount: i64) -> usize {
    let isin = w.isin_of_client(seller);
    let before = w.orders.len();
    let t = w.start_buy(buyer, &isin, amount, 100);
    w.finish(t);
    assert_eq!(w.orders.len(), before + 1, "the order was created");
    before
}

/// The buyer approves and is sent back: the whole return runs.
fn approve_and_return(w: &mut World, o: usize) {
    assert!(w.approve(o), "PayPal accepts the approval");
    let r = w.start_return(o);
    w.finish(r);
}

fn state(w: &World, o: usize) -> (i64, String, Option<String>) {
    w.order_state(o)
}

fn s(text: &str) -> String {
    text.to_string()
}

/// PayPal delivers its notifications, a day passes with the cron running,
/// then every invariant is checked.
fn settle_and_check(w: &mut World) {
    w.deliver_all_ipns();
    for _ in 0..3 {
        w.advance(5 * MINUTE);
        w.run_cron();
    }
    w.advance(TTL_SECONDS + HOUR);
    w.run_cron();
    w.check_final();
    assert!(w.violations().is_empty(), "{}", w.report());
}

#[test]
fn a_lost_payment_answer_is_completed_by_the_cron() {
    let mut w = market(1);
    let o = order(&mut w, 1, 0, 1_000);
    w.fault_next(Api::DoEc, Fault::LoseAnswer);
    approve_and_return(&mut w, o);
    // PayPal paid, the platform never heard: the order waits, claimed.
    assert_eq!(w.payments().len(), 1);
    assert_eq!(state(&w, o), (0, s("confirming"), None));
    let isin = w.isin_of_client(0);
    assert_eq!(
        w.title_state(&isin),
        (1_000, 1, Some(w.orders[o].id.clone()))
    );
    // Within a minute the cron leaves it to the return in flight.
    w.advance(30);
    w.run_cron();
    assert_eq!(state(&w, o), (0, s("confirming"), None));
    w.advance(5 * MINUTE);
    w.run_cron();
    assert_eq!(state(&w, o), (2, s("done"), None));
    // The title passed to the buyer at (10.00 × 200 + 0.50) div 1 = 20.00.
    assert_eq!(w.title_state(&isin), (2_000, 2, None));
    assert_eq!(w.count("SELECT count(*) FROM trades"), 1);
    assert_eq!(w.balance(0), 1_000);
    assert_eq!(w.balance(1), 4_000);
    settle_and_check(&mut w);
}

#[test]
fn two_buyers_racing_for_one_title_pay_once() {
    let mut w = market(2);
    let (o1, o2) = (order(&mut w, 1, 0, 1_000), order(&mut w, 2, 0, 400));
    assert!(w.approve(o1) && w.approve(o2));
    let (r1, r2) = (w.start_return(o1), w.start_return(o2));
    // Both read the order awaiting and the title free; both try to claim.
    assert!(w.step(r1) && w.step(r2));
    assert!(w.step(r1), "the first claim wins");
    assert!(
        w.step(r2),
        "the second claim's guard aborts its batch; it re-reads"
    );
    w.finish(r2);
    w.finish(r1);
    assert_eq!(state(&w, o1), (2, s("done"), None));
    assert_eq!(state(&w, o2), (-2, s("done"), Some(s("title_unavailable"))));
    assert_eq!(w.payments().len(), 1, "the loser never reached PayPal");
    assert_eq!(w.pp.sends.borrow().len(), 1);
    assert_eq!(w.title_state(&w.isin_of_client(0)), (2_000, 2, None));
    assert_eq!(
        w.count("SELECT count(*) FROM titles"),
        3,
        "no split title was issued"
    );
    settle_and_check(&mut w);
}

#[test]
fn a_refresh_during_confirming_pays_once() {
    let mut w = market(1);
    let o = order(&mut w, 1, 0, 600);
    assert!(w.approve(o));
    let r1 = w.start_return(o);
    assert!(w.step(r1) && w.step(r1), "read, then claim");
    // The buyer refreshes while the first return is executing the payment:
    // the first return holds the payment lease, so the refresh only shows.
    let r2 = w.start_return(o);
    assert!(
        w.step(r2),
        "the refresh reads the order confirming: Execute"
    );
    w.fault_next(Api::DoEc, Fault::LoseAnswer);
    w.finish(r1);
    assert_eq!(state(&w, o), (0, s("confirming"), None));
    w.finish(r2);
    assert_eq!(
        w.pp.sends.borrow().len(),
        1,
        "one payment call in flight per order"
    );
    // After the lease, a refresh sends the same MSGSUBID again: PayPal
    // replays the original payment (11607) and the refresh records it.
    w.advance(61);
    let r3 = w.start_return(o);
    w.finish(r3);
    assert_eq!(w.pp.sends.borrow().len(), 2);
    assert_eq!(
        w.pp.sends.borrow()[0].msgsubid,
        w.pp.sends.borrow()[1].msgsubid
    );
    assert!(
        w.pp.sends.borrow()[1].answer.contains("11607"),
        "{}",
        w.pp.sends.borrow()[1].answer
    );
    assert_eq!(w.payments().len(), 1);
    assert_eq!(state(&w, o), (2, s("done"), None));
    // 6.00 < 10.00: a split. The seller keeps 4.00, the buyer gets 12.00.
    assert_eq!(w.title_state(&w.isin_of_client(0)), (400, 1, None));
    assert_eq!(w.count("SELECT count(*) FROM titles WHERE issued_by = 'split' AND holder_id = 2 AND value_cents = 1200"), 1);
    settle_and_check(&mut w);
}

#[test]
fn a_pending_payment_completed_later_is_recorded() {
    let mut w = market(1);
    let o = order(&mut w, 1, 0, 1_000);
    w.fault_next(Api::DoEc, Fault::Pending);
    approve_and_return(&mut w, o);
    assert_eq!(state(&w, o), (0, s("psp_pending"), None));
    assert_eq!(w.balance(0), 0, "a Pending payment moves no money yet");
    w.advance(5 * MINUTE);
    w.run_cron();
    assert_eq!(
        state(&w, o),
        (0, s("psp_pending"), None),
        "still Pending at PayPal: wait"
    );
    w.advance(40 * MINUTE);
    w.decide_pending(0, true);
    w.advance(5 * MINUTE);
    w.run_cron();
    assert_eq!(state(&w, o), (2, s("done"), None));
    assert_eq!(w.title_state(&w.isin_of_client(0)), (2_000, 2, None));
    assert_eq!(w.balance(0), 1_000);
    settle_and_check(&mut w);
}

#[test]
fn a_reversal_before_its_order_is_recorded_fails_the_order_and_frees_the_title() {
    let mut w = market(1);
    let o = order(&mut w, 1, 0, 1_000);
    w.fault_next(Api::DoEc, Fault::LoseAnswer);
    approve_and_return(&mut w, o);
    assert_eq!(state(&w, o).1, "confirming");
    // PayPal refunds at once, and its message arrives before anything else.
    w.reverse(0, true);
    let m = w.ipn_with("Refunded");
    let id = w.start_ipn(m);
    w.finish(id);
    // PayPal says the payment is refunded: the order fails, nothing moved.
    assert_eq!(state(&w, o).0, -2);
    assert_eq!(w.title_state(&w.isin_of_client(0)), (1_000, 1, None));
    assert_eq!(w.count("SELECT count(*) FROM trades"), 0);
    settle_and_check(&mut w);
}

#[test]
fn a_handler_that_crashes_after_recording_a_reversal_is_finished_by_paypals_resend() {
    let mut w = market(1);
    let o = order(&mut w, 1, 0, 1_000);
    approve_and_return(&mut w, o);
    w.deliver_all_ipns();
    assert_eq!(state(&w, o).0, 2);
    w.reverse(0, false);
    let m = w.ipn_with("Reversed");
    let id = w.start_ipn(m);
    assert!(w.step(id), "the bytes recorded");
    assert!(w.step(id), "verified");
    assert!(w.step(id), "recorded");
    w.crash(id);
    assert_eq!(
        w.count("SELECT count(*) FROM psp_notifications WHERE outcome = 'received'"),
        1,
        "recorded, not acted on"
    );
    assert_eq!(state(&w, o).0, 2);
    // No 200 reached PayPal: it sends the message again.
    w.deliver_all_ipns();
    assert_eq!(state(&w, o).0, -3);
    assert_eq!(w.title_state(&w.isin_of_client(0)), (1_000, 1, None));
    settle_and_check(&mut w);
}

#[test]
fn a_refund_whose_notification_never_comes_is_charged_back_by_the_day_1_re_read() {
    let mut w = market(1);
    let o = order(&mut w, 1, 0, 1_000);
    approve_and_return(&mut w, o);
    w.deliver_all_ipns();
    assert_eq!(state(&w, o).0, 2);
    // The seller refunds the whole payment; its message is never delivered.
    w.reverse(0, true);
    let m = w.ipn_with("Refunded");
    w.lose_ipn(m);
    w.advance(HOUR);
    w.run_cron();
    assert_eq!(state(&w, o).0, 2, "the day-1 read is not due yet");
    w.advance(24 * HOUR);
    w.run_cron();
    assert_eq!(state(&w, o).0, -3, "the day-1 read charges it back");
    assert_eq!(w.title_state(&w.isin_of_client(0)), (1_000, 1, None));
    settle_and_check(&mut w);
}

/// GetTransactionDetails says `Reversed` with no amount: without the
/// reversal's own message, a re-read cannot tell a whole chargeback from a
/// partial one, so the trade stands and waits for an operator
/// (`core::partial`, `Share::Unproven`); a later read that finds the
/// reversal canceled clears the mark.
#[test]
fn a_chargeback_whose_notification_never_comes_is_put_up_for_review_by_the_re_reads() {
    let mut w = market(1);
    let o = order(&mut w, 1, 0, 1_000);
    approve_and_return(&mut w, o);
    w.deliver_all_ipns();
    assert_eq!(state(&w, o).0, 2);
    w.reverse(0, false);
    let m = w.ipn_with("Reversed");
    w.lose_ipn(m);
    w.advance(25 * HOUR);
    w.run_cron();
    let (code, substate, _) = state(&w, o);
    assert_eq!(
        (code, substate.as_str()),
        (2, "needs_review"),
        "the day-1 read flags it"
    );
    assert_eq!(
        w.title_state(&w.isin_of_client(0)),
        (2_000, 2, None),
        "the trade stands"
    );
    // PayPal settles the chargeback for the seller; that message is lost
    // too: the day-7 read clears the review mark.
    w.cancel_reversal(0);
    let m = w.ipn_with("Canceled_Reversal");
    w.lose_ipn(m);
    w.advance(7 * 24 * HOUR);
    w.run_cron();
    let (code, substate, _) = state(&w, o);
    assert_eq!(
        (code, substate.as_str()),
        (2, "done"),
        "the day-7 read clears it"
    );
    settle_and_check(&mut w);
}

#[test]
fn a_reversal_canceled_after_its_unrecorded_order_failed_puts_the_order_up_for_review() {
    let mut w = market(1);
    let o = order(&mut w, 1, 0, 1_000);
    w.fault_next(Api::DoEc, Fault::LoseAnswer);
    approve_and_return(&mut w, o);
    w.reverse(0, false);
    let id = w.start_ipn(w.ipn_with("Reversed"));
    w.finish(id);
    assert_eq!(state(&w, o).0, -2);
    // PayPal settles the chargeback for the seller: the buyer has paid
    // after all, and the title may have moved on; a person decides.
    w.cancel_reversal(0);
    w.deliver_all_ipns();
    let (code, substate, _) = state(&w, o);
    assert_eq!((code, substate.as_str()), (0, "needs_review"));
    settle_and_check(&mut w);
}

/// Known gap, found by seed 5745 once notifications could be lost: the
/// scheduled re-reads (`core::recheck`) cover traded payments only. A
/// payment reversed before its order was recorded fails the order (no
/// trade, no transaction kept); if PayPal then cancels the reversal and
/// that message never comes, nothing asks PayPal again and the payment
/// stands without its order. The random histories always deliver that one
/// message (`world.rs`, event 13) until this is fixed.
#[test]
#[ignore = "known gap: a failed order's payment is never read again"]
fn bug_a_canceled_reversal_of_a_failed_order_whose_message_is_lost_goes_unseen() {
    let mut w = market(1);
    let o = order(&mut w, 1, 0, 1_000);
    w.fault_next(Api::DoEc, Fault::LoseAnswer);
    approve_and_return(&mut w, o);
    w.reverse(0, false);
    let id = w.start_ipn(w.ipn_with("Reversed"));
    w.finish(id);
    assert_eq!(state(&w, o).0, -2);
    w.cancel_reversal(0);
    let m = w.ipn_with("Canceled_Reversal");
    w.lose_ipn(m);
    for _ in 0..8 {
        w.advance(24 * HOUR);
        w.run_cron();
    }
    let (code, substate, _) = state(&w, o);
    assert_eq!((code, substate.as_str()), (0, "needs_review"));
}

/// Found by seed 17178: a handler asked PayPal (Reversed), PayPal then
/// canceled the reversal, the cancellation's handler found the order still
/// processed and agreed, and only then did the first handler write its
/// chargeback: the trade stayed charged back for a payment that stands.
/// Fixed: after a change the handler looks again until PayPal agrees.
#[test]
fn bug_seed_17178_a_chargeback_written_after_its_reversal_was_canceled_stays() {
    let mut w = market(1);
    let o = order(&mut w, 1, 0, 1_000);
    approve_and_return(&mut w, o);
    w.deliver_all_ipns();
    w.reverse(0, false);
    let slow = w.start_ipn(w.ipn_with("Reversed"));
    assert!(w.step(slow), "the bytes recorded");
    assert!(w.step(slow), "verified");
    assert!(w.step(slow), "recorded");
    assert!(w.step(slow), "read");
    assert!(w.step(slow), "PayPal says Reversed");
    w.cancel_reversal(0);
    let quick = w.start_ipn(w.ipn_with("Canceled_Reversal"));
    w.finish(quick);
    assert_eq!(state(&w, o).0, 2, "nothing to change yet");
    w.finish(slow);
    assert_eq!(
        state(&w, o).0,
        2,
        "charged back, then put back on a second look"
    );
    assert_eq!(w.title_state(&w.isin_of_client(0)), (2_000, 2, None));
    settle_and_check(&mut w);
}

#[test]
fn a_denied_pending_payment_fails_the_order_and_frees_the_title() {
    let mut w = market(1);
    let o = order(&mut w, 1, 0, 1_000);
    w.fault_next(Api::DoEc, Fault::Pending);
    approve_and_return(&mut w, o);
    w.advance(20 * MINUTE);
    w.decide_pending(0, false);
    w.advance(5 * MINUTE);
    w.run_cron();
    assert_eq!(state(&w, o), (-2, s("done"), Some(s("psp_refused"))));
    assert_eq!(w.title_state(&w.isin_of_client(0)), (1_000, 1, None));
    assert_eq!(w.balance(1), 5_000, "the buyer got the held money back");
    settle_and_check(&mut w);
}

#[test]
fn an_expired_unpaid_order_is_failed_after_the_ttl() {
    let mut w = market(1);
    let o = order(&mut w, 1, 0, 1_000);
    w.advance(4 * HOUR);
    w.run_cron();
    assert_eq!(
        state(&w, o),
        (0, s("awaiting_buyer"), None),
        "not before PENDING_TTL_HOURS"
    );
    w.advance(TTL_SECONDS - 4 * HOUR + MINUTE);
    w.run_cron();
    assert_eq!(state(&w, o), (-2, s("done"), Some(s("unpaid_after_ttl"))));
    assert!(w.payments().is_empty());
    assert_eq!(w.title_state(&w.isin_of_client(0)), (1_000, 1, None));
    settle_and_check(&mut w);
}

#[test]
fn a_funding_refusal_lets_the_buyer_pay_again_with_a_new_msgsubid() {
    let mut w = market(1);
    let o = order(&mut w, 1, 0, 1_000);
    w.fault_next(Api::DoEc, Fault::Funding);
    approve_and_return(&mut w, o);
    assert_eq!(state(&w, o), (0, s("awaiting_buyer"), None));
    assert_eq!(
        w.title_state(&w.isin_of_client(0)).2,
        None,
        "the claim is released"
    );
    approve_and_return(&mut w, o);
    assert_eq!(state(&w, o), (2, s("done"), None));
    let ids: Vec<String> =
        w.pp.sends
            .borrow()
            .iter()
            .map(|s| s.msgsubid.clone())
            .collect();
    let id = w.orders[o].id.clone();
    assert_eq!(ids, vec![format!("{id}-1"), format!("{id}-2")]);
    settle_and_check(&mut w);
}

#[test]
fn a_cancel_at_paypal_before_the_return_ends_the_order_without_payment() {
    let mut w = market(1);
    let o = order(&mut w, 1, 0, 1_000);
    let c = w.start_cancel(o);
    w.finish(c);
    assert_eq!(state(&w, o), (-1, s("done"), None));
    approve_and_return(&mut w, o);
    assert_eq!(state(&w, o), (-1, s("done"), None));
    assert!(
        w.pp.sends.borrow().is_empty(),
        "a canceled order never executes a payment"
    );
    settle_and_check(&mut w);
}

#[test]
fn two_cron_runs_at_once_resolve_an_order_once() {
    let mut w = market(2);
    let o = order(&mut w, 1, 0, 1_000);
    w.fault_next(Api::DoEc, Fault::LoseAnswer);
    approve_and_return(&mut w, o);
    w.advance(5 * MINUTE);
    let (a, b) = (w.start_cron(), w.start_cron());
    assert!(w.step(a), "a takes the lease");
    assert!(!w.step(b), "b finds it held and stops");
    w.finish(a);
    assert_eq!(state(&w, o), (2, s("done"), None));
    // A crashed run's lease expires; the next run catches up.
    let o2 = order(&mut w, 2, 0, 2_500);
    w.fault_next(Api::DoEc, Fault::LoseAnswer);
    approve_and_return(&mut w, o2);
    w.advance(2 * MINUTE);
    let c = w.start_cron();
    assert!(w.step(c));
    w.crash(c);
    w.advance(MINUTE);
    let d = w.start_cron();
    assert!(!w.step(d), "the crashed run's lease still holds");
    w.advance(4 * MINUTE);
    w.run_cron();
    assert_eq!(state(&w, o2), (2, s("done"), None));
    settle_and_check(&mut w);
}

/// A maintenance aid, not a proof: the shortest history (fewest steps) of
/// each known bug among `SIM_HISTORIES` seeds, to pick minimal repros.
#[test]
#[ignore = "tool: prints the shortest seed of each known bug"]
fn shortest_seed_of_each_known_bug() {
    let count = env_u64("SIM_HISTORIES").unwrap_or(10_000);
    let mut best: BTreeMap<KnownBug, (u64, u64)> = BTreeMap::new();
    for seed in 0..count {
        let w = World::random(seed, false);
        for v in &w.violations() {
            if let Some(k) = v.known {
                let e = best.entry(k).or_insert((u64::MAX, seed));
                if w.stats().steps < e.0 {
                    *e = (w.stats().steps, seed);
                }
            }
        }
        w.recycle();
    }
    for (k, (steps, seed)) in best {
        eprintln!("{k:?}: seed {seed} ({steps} steps)");
    }
}

// ---------------------------------------------------------------- bugs
//
// Each test below asserts the correct behaviour and fails today; they are
// ignored so that the rest stays green. Run them with
// `cargo test --test simulation -- --ignored bug_`.

fn replay_strictly(seed: u64) {
    let w = World::random(seed, true);
    assert!(w.violations().is_empty(), "{}", w.report());
}

/// Cron every 5 minutes, as deployed, until the order's token is `age` old.
fn cron_every_five_minutes_until(w: &mut World, o: usize, age: i64) {
    while w.token_age(o) < age {
        w.advance(5 * MINUTE);
        w.run_cron();
    }
}

#[test]
// Fixed: was a bug the simulation found (see the note above the test).
fn bug_the_reconciler_fails_a_pending_payment_once_its_token_is_3_hours_old() {
    let mut w = market(1);
    let o = order(&mut w, 1, 0, 1_000);
    w.fault_next(Api::DoEc, Fault::Pending);
    approve_and_return(&mut w, o);
    assert_eq!(state(&w, o), (0, s("psp_pending"), None));
    // PayPal keeps the payment Pending for hours (review, eCheck); the cron
    // asks every 5 minutes. Past 3 hours, GetExpressCheckoutDetails says
    // 10411 and the reconciler reads it as "never paid".
    cron_every_five_minutes_until(&mut w, o, 3 * HOUR + 10 * MINUTE);
    assert_eq!(
        state(&w, o),
        (0, s("psp_pending"), None),
        "the order was failed and its title freed while PayPal holds its Pending payment {}",
        w.payments()[0].id
    );
    w.decide_pending(0, true);
    settle_and_check(&mut w);
}

#[test]
// Fixed: PayPal echoes the paid transaction on an expired token, and the
// reconciler reads it.
fn bug_the_reconciler_fails_a_paid_order_whose_lost_answer_it_sees_after_3_hours() {
    let mut w = market(1);
    let o = order(&mut w, 1, 0, 1_000);
    // The buyer approves near the end of the token's life; the answer of
    // the payment is lost; the cron's next run (5 minutes later) is past 3 h.
    w.advance(2 * HOUR + 57 * MINUTE);
    w.fault_next(Api::DoEc, Fault::LoseAnswer);
    approve_and_return(&mut w, o);
    assert_eq!(w.payments().len(), 1);
    w.advance(5 * MINUTE);
    w.run_cron();
    assert_ne!(
        state(&w, o).0,
        -2,
        "a paid order was failed as unpaid on 10411"
    );
    settle_and_check(&mut w);
    assert_eq!(state(&w, o), (2, s("done"), None));
}

#[test]
// Fixed: was a bug the simulation found (see the note above the test).
fn bug_a_transient_refusal_of_a_refresh_fails_an_order_that_is_paid() {
    let mut w = market(1);
    let o = order(&mut w, 1, 0, 1_000);
    w.fault_next(Api::DoEc, Fault::LoseAnswer);
    approve_and_return(&mut w, o);
    assert_eq!(
        (w.payments().len(), state(&w, o)),
        (1, (0, s("confirming"), None))
    );
    // The buyer's page timed out; they reload it (after the payment lease);
    // PayPal answers 10445 ("try again later") before looking at the MSGSUBID.
    w.advance(61);
    w.fault_next(Api::DoEc, Fault::Transient);
    let r = w.start_return(o);
    w.finish(r);
    // A refusal of a repeated call proves nothing: PayPal is asked, finds
    // the first call's payment, and the order is recorded.
    assert_eq!(
        state(&w, o),
        (2, s("done"), None),
        "the paid order was failed on 10445 and its claim released"
    );
    settle_and_check(&mut w);
}

#[test]
// Fixed: PayPal echoes the paid transaction on an expired token, and the
// reconciler reads it.
fn bug_a_refresh_after_3_hours_fails_an_order_that_is_paid() {
    let mut w = market(1);
    let o = order(&mut w, 1, 0, 1_000);
    w.advance(2 * HOUR + 58 * MINUTE);
    w.fault_next(Api::DoEc, Fault::LoseAnswer);
    approve_and_return(&mut w, o);
    // Two minutes later, before the cron's next run, the buyer reloads the
    // page: PayPal checks the token's age before the MSGSUBID and says
    // 10411, not 11607.
    w.advance(2 * MINUTE + 30);
    let r = w.start_return(o);
    w.finish(r);
    assert_ne!(state(&w, o).0, -2, "the paid order was failed on 10411");
    settle_and_check(&mut w);
}

#[test]
// Fixed: was a bug the simulation found (the shell now holds a payment lease).
fn bug_a_funding_refusal_reopens_an_order_that_a_concurrent_refresh_pays() {
    let mut w = market(1);
    let o = order(&mut w, 1, 0, 1_000);
    assert!(w.approve(o));
    let r1 = w.start_return(o);
    assert!(w.step(r1) && w.step(r1), "read, claim");
    let r2 = w.start_return(o);
    assert!(
        w.step(r2),
        "the refresh reads the order confirming: Execute"
    );
    w.fault_next(Api::DoEc, Fault::Funding);
    w.finish(r1);
    assert_eq!(
        state(&w, o),
        (0, s("awaiting_buyer"), None),
        "10486: reopened, claim released"
    );
    w.finish(r2);
    assert_eq!(
        w.pp.sends.borrow().len(),
        1,
        "the refresh did not send a payment for the reopened order"
    );
    assert!(w.payments().is_empty());
    settle_and_check(&mut w);
}

#[test]
// Fixed: was a bug the simulation found (see the note above the test).
fn bug_a_late_refusal_of_attempt_1_ends_attempt_2() {
    let mut w = market(1);
    let o = order(&mut w, 1, 0, 1_000);
    assert!(w.approve(o));
    let r1 = w.start_return(o);
    assert!(w.step(r1) && w.step(r1), "read, claim");
    let stale = w.start_return(o);
    assert!(
        w.step(stale),
        "a refresh reads attempt 1 confirming: Execute"
    );
    w.fault_next(Api::DoEc, Fault::Funding);
    w.finish(r1);
    // The buyer picks another funding source; attempt 2 claims the title.
    assert!(w.approve(o));
    let r3 = w.start_return(o);
    assert!(w.step(r3) && w.step(r3), "read, claim (attempt 2)");
    // Now the stale refresh's call of attempt 1 is refused too.
    w.fault_next(Api::DoEc, Fault::Funding);
    w.finish(stale);
    let id = w.orders[o].id.clone();
    assert_eq!(
        w.title_state(&w.isin_of_client(0)).2,
        Some(id),
        "the refusal of MSGSUBID -1 released the claim of attempt 2, whose call is in flight"
    );
    w.finish(r3);
    settle_and_check(&mut w);
}

#[test]
// Fixed: was a bug the simulation found (see the note above the test).
fn bug_a_run_that_outlived_its_lease_ends_the_next_runs_lease() {
    let mut w = market(1);
    let a = w.start_cron();
    assert!(w.step(a), "a takes the lease for 4 minutes");
    w.advance(5 * MINUTE);
    let b = w.start_cron();
    assert!(w.step(b), "a's lease expired: b takes it");
    w.finish(a);
    let c = w.start_cron();
    assert!(
        !w.step(c),
        "c started while b still holds the lease: a's finish_run ended b's lease"
    );
}

#[test]
// Fixed: was a liveness bug the simulation found (orders are now looked at
// longest-unchecked first).
fn bug_twenty_pending_payments_starve_a_lost_answer_in_the_reconciler() {
    let n = 21;
    let values = vec![1_000; 2 * n];
    let balances: Vec<i64> = (0..2 * n).map(|i| if i < n { 0 } else { 5_000 }).collect();
    let mut w = World::new(0, Rates::default(), &values, &balances, n);
    for i in 0..n - 1 {
        let o = order(&mut w, n + i, i, 1_000);
        w.fault_next(Api::DoEc, Fault::Pending);
        approve_and_return(&mut w, o);
        assert_eq!(state(&w, o).1, "psp_pending");
    }
    w.advance(2 * MINUTE);
    let last = order(&mut w, 2 * n - 1, n - 1, 1_000);
    w.fault_next(Api::DoEc, Fault::LoseAnswer);
    approve_and_return(&mut w, last);
    for _ in 0..12 {
        w.advance(5 * MINUTE);
        w.run_cron();
    }
    assert_eq!(
        state(&w, last),
        (2, s("done"), None),
        "an hour of cron runs never looked at the lost answer"
    );
}

#[test]
// Fixed: was a bug the simulation found (see the note above the test).
fn bug_seed_13351_a_pending_payment_failed_on_10411() {
    replay_strictly(13351);
}

#[test]
// Fixed: was a bug the simulation found (see the note above the test).
fn bug_seed_11163_a_concurrent_10445_fails_a_paid_order() {
    replay_strictly(11163);
}

#[test]
// Fixed: was a bug the simulation found (see the note above the test).
fn bug_seed_13046_a_late_refusal_ends_the_next_attempt() {
    replay_strictly(13046);
}

#[test]
// Fixed: the shortest seed of a bug the simulation found (a finished run
// ended another run's lease).
fn bug_seed_139_a_finished_run_ends_another_runs_lease() {
    replay_strictly(139);
}
