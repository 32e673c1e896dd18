//! Scripted card histories with exact end states, on the production flows
//! and the Sips and Monetico emulators (see `tests/simulation.rs`). Client
//! 0 sells (a title worth 10.00) through a card bank, client 1 buys.

use paybook::core::psp::ProviderId;
use paybook::core::sql::Param;

use super::paypal::Rates;
use super::scenarios::{settle_and_check, HOUR};
use super::world::{World, TTL_SECONDS};

fn card_market(sips: bool, monetico: bool) -> World {
    let mut w = World::new(0, Rates::default(), &[1_000, 1_000], &[0, 5_000], 1);
    w.add_card_accounts(0, sips, monetico);
    w
}

/// The buyer orders the seller's title by card for `cents`; the card
/// order's index.
fn card_order(w: &mut World, provider: ProviderId, cents: i64) -> usize {
    let isin = w.isin_of_client(0);
    let before = w.card.orders.borrow().len();
    let t = w.start_card_buy(1, &isin, cents, 100, provider);
    w.finish(t);
    assert_eq!(
        w.card.orders.borrow().len(),
        before + 1,
        "the order was created"
    );
    before
}

fn card_state(w: &World, i: usize) -> (i64, String) {
    let id = w.card.orders.borrow()[i].id.clone();
    let rows = w.sim.db.read(
        "SELECT code, substate FROM orders WHERE id = ?1",
        vec![Param::from(id.as_str())],
    );
    let r = rows.first().expect("the order exists");
    (
        r.get("code").and_then(|v| v.as_i64()).unwrap_or(-99),
        r.get("substate")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned(),
    )
}

fn balance(w: &World, query: &'static str) -> i64 {
    w.sim.db.read_i64(query, vec![])
}

const SIPS_BALANCE: &str = "SELECT COALESCE(sum(balance_cents), 0) FROM emulator_sips_merchants";
const MONETICO_BALANCE: &str =
    "SELECT COALESCE(sum(balance_cents), 0) FROM emulator_monetico_merchants";

#[test]
fn a_sips_payment_whose_manual_response_comes_first_is_captured_once() {
    let mut w = card_market(true, false);
    let o = card_order(&mut w, ProviderId::Sips, 1_000);
    w.card_page(o, 0);
    let manual = w.start_manual_response(o).expect("a manual response");
    w.finish(manual);
    assert_eq!(card_state(&w, o), (2, "done".to_string()));
    w.deliver_all_card_messages();
    assert_eq!(balance(&w, SIPS_BALANCE), 1_000, "captured once");
    settle_and_check(&mut w);
}

#[test]
fn a_refused_sips_card_fails_the_order_and_moves_no_money() {
    let mut w = card_market(true, false);
    let o = card_order(&mut w, ProviderId::Sips, 1_000);
    w.card_page(o, 1);
    w.deliver_all_card_messages();
    assert_eq!(card_state(&w, o).0, -2);
    assert_eq!(balance(&w, SIPS_BALANCE), 0);
    settle_and_check(&mut w);
}

#[test]
fn a_monetico_payment_whose_notification_never_comes_fails_after_the_ttl_uncaptured() {
    let mut w = card_market(false, true);
    let o = card_order(&mut w, ProviderId::Monetico, 1_000);
    w.card_page(o, 0);
    w.card.cards.lost.borrow_mut().insert(("monetico", 1));
    w.card.cards.seen.borrow_mut().insert("monetico", 1);
    w.advance(TTL_SECONDS + HOUR);
    w.run_cron();
    assert_eq!(card_state(&w, o), (-2, "done".to_string()));
    assert_eq!(balance(&w, MONETICO_BALANCE), 0);
    settle_and_check(&mut w);
}

#[test]
fn a_monetico_trade_is_not_scheduled_for_re_reads_it_has_no_read_call_for() {
    let mut w = card_market(false, true);
    let o = card_order(&mut w, ProviderId::Monetico, 1_000);
    w.card_page(o, 0);
    w.deliver_all_card_messages();
    assert_eq!(card_state(&w, o), (2, "done".to_string()));
    assert_eq!(balance(&w, MONETICO_BALANCE), 1_000);
    assert_eq!(
        w.count("SELECT count(*) FROM trades WHERE recheck_at IS NOT NULL"),
        0
    );
    settle_and_check(&mut w);
}
