//! Sellers' refunds end to end with PayPal (issue 19, backoffice.md §3):
//! the seller refunds from the order page (password, CSRF), PayPal's
//! emulator moves the money back, the trade is undone as a chargeback
//! undoes it (title back, or a split's new title voided), both parties are
//! mailed, a second request is refused, PayPal's later notification of the
//! refund changes nothing more; a refund whose answer was lost is finished
//! by the cron with exactly one refund at PayPal; the API refunds once and
//! answers a repeat with the refund as it stands. The ledger records the
//! undo once.

use serde_json::Value;

use crate::flows::{csrf, mails_to, register, Member, PASSWORD};
use crate::harness::Server;
use crate::purchase::{buy_on, psp_cents, titles};
use crate::reconciler::{advance, own_server, run_cron};
use crate::refusals::fault;
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "refunds::a_refunded_transfer_gives_the_buyer_his_money_and_the_seller_his_title_once",
            a_refunded_transfer_gives_the_buyer_his_money_and_the_seller_his_title_once,
        ),
        (
            "refunds::a_refunded_split_voids_the_new_title",
            a_refunded_split_voids_the_new_title,
        ),
        (
            "refunds::a_lost_refund_answer_is_finished_by_the_cron_with_one_refund_at_paypal",
            a_lost_refund_answer_is_finished_by_the_cron_with_one_refund_at_paypal,
        ),
        (
            "refunds::the_api_refunds_once_and_answers_a_repeat_with_the_refund",
            the_api_refunds_once_and_answers_a_repeat_with_the_refund,
        ),
    ]
}

fn deliver(server: &Server) {
    let r = server.client().post_form_with(
        "/_emulator/paypal/ipn/deliver",
        &[],
        &[("Accept", "application/json")],
    );
    assert_eq!(r.status, 200, "deliver: {}", r.body);
}

/// Bob buys one of Alice's titles; the order as Bob reads it.
fn bought(server: &Server, alice: &Member, bob: &Member, amount: &str, rate: &str) -> Value {
    let isin = titles(alice)[0].0.clone();
    let order = buy_on(server, bob, &isin, amount, rate);
    assert_eq!(order["code"], 2, "{order}");
    deliver(server);
    order
}

fn id_of(order: &Value) -> String {
    order["id"].as_str().unwrap_or("").to_string()
}

/// `POST /orders/{id}/refund` as `member` with `password`.
fn ask_refund(member: &Member, id: &str, password: &str) -> crate::harness::Resp {
    let token = csrf(&member.client, "/buy");
    member.client.post_form(
        &format!("/orders/{id}/refund"),
        &[("csrf_token", &token), ("current_password", password)],
    )
}

fn holder_of(server: &Server, isin: &str) -> Value {
    server.client().get_json(&format!("/titles/{isin}")).json()
}

fn transaction(server: &Server, txn: &str) -> Value {
    let r = server
        .client()
        .get_json(&format!("/_emulator/paypal/transactions/{txn}"));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["transaction"].clone()
}

/// (D1 round trips, PSP calls) of one answer, from `Server-Timing`.
fn cost(r: &crate::harness::Resp) -> (u32, u32) {
    let timing = r.header("server-timing").unwrap_or("");
    let read = |name: &str| -> u32 {
        timing
            .split(',')
            .map(str::trim)
            .find(|part| part.starts_with(&format!("{name};")))
            .and_then(|part| part.rsplit("dur=").next())
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(u32::MAX)
    };
    (read("d1"), read("psp"))
}

fn a_refunded_transfer_gives_the_buyer_his_money_and_the_seller_his_title_once(world: &World) {
    let server = &world.server;
    let alice = register(server, "ref-a", "10.00");
    let bob = register(server, "ref-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let before_value = holder_of(server, &isin)["value"].clone();
    let order = bought(server, &alice, &bob, "1.00", "100");
    let id = id_of(&order);
    let txn = order["psp_transaction_id"].as_str().unwrap_or("").to_string();
    assert_eq!(psp_cents(server, &bob), 900);

    // The seller is offered the form; the buyer is not.
    let page = alice.client.get(&format!("/orders/{id}?lang=en"));
    assert!(page.body.contains("id=\"refund-form\""), "{}", page.body);
    assert!(!bob
        .client
        .get(&format!("/orders/{id}"))
        .body
        .contains("id=\"refund-form\""));
    // The buyer cannot refund, and a wrong password refuses it in place.
    let r = ask_refund(&bob, &id, PASSWORD);
    assert_eq!(r.status, 403, "{}", r.body);
    let r = ask_refund(&alice, &id, "not the password");
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(psp_cents(server, &bob), 900, "nothing moved");

    let r = ask_refund(&alice, &id, PASSWORD);
    assert_eq!(r.status, 303, "{}", r.body);
    // Session, password, read, intent, the end (trade undone, ledger,
    // mails, trace): five round trips and one call to PayPal.
    assert_eq!(cost(&r), (5, 1), "{:?}", r.header("server-timing"));
    let seen = bob.client.get_json(&format!("/orders/{id}")).json();
    assert_eq!(seen["code"], -3, "undone as a chargeback: {seen}");
    assert_eq!(seen["refund"]["state"], "refunded", "{seen}");
    assert_eq!(seen["refund"]["trade_outcome"], "undone", "{seen}");
    assert_eq!(psp_cents(server, &bob), 1_000, "the buyer's money is back");
    assert_eq!(psp_cents(server, &alice), 1_000);
    let title = holder_of(server, &isin);
    assert_eq!(title["value"], before_value, "{title}");
    assert!(
        titles(&alice).iter().any(|(i, _)| *i == isin),
        "the title is Alice's again"
    );
    assert_eq!(transaction(server, &txn)["status"], "Refunded");
    let to_bob = mails_to(server, &bob.email);
    assert!(
        to_bob
            .iter()
            .any(|m| m["subject"].as_str().is_some_and(|s| s.contains("refunded"))),
        "{to_bob:?}"
    );
    let to_alice = mails_to(server, &alice.email);
    let refunded: Vec<&Value> = to_alice
        .iter()
        .filter(|m| m["body"].as_str().is_some_and(|b| b.contains("You refunded")))
        .collect();
    assert_eq!(refunded.len(), 1, "{to_alice:?}");

    // A second request is refused; PayPal's message of the refund, and a
    // resent one, change nothing more.
    let r = ask_refund(&alice, &id, PASSWORD);
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("already"), "{}", r.body);
    deliver(server);
    deliver(server);
    let again = alice.client.get_json(&format!("/orders/{id}")).json();
    assert_eq!(again["code"], -3);
    assert_eq!(psp_cents(server, &bob), 1_000);
    assert!(titles(&alice).iter().any(|(i, _)| *i == isin));
    let page = bob.client.get(&format!("/orders/{id}?lang=fr"));
    assert!(page.body.contains("Remboursé"), "{}", page.body);
}

fn a_refunded_split_voids_the_new_title(world: &World) {
    let server = &world.server;
    let alice = register(server, "refs-a", "10.00");
    let bob = register(server, "refs-b", "10.00");
    // Bob buys Alice's title (1.00 at 100 %: it is worth 2.00), then Alice
    // pays 1.50 of it back: a split (Bob keeps 0.50, Alice's new title).
    let isin = titles(&alice)[0].0.clone();
    bought(server, &alice, &bob, "1.00", "100");
    let order = buy_on(server, &alice, &isin, "1.50", "50");
    assert_eq!(order["code"], 2, "{order}");
    deliver(server);
    let new_isin = order["new_isin"].as_str().unwrap_or("").to_string();
    assert!(!new_isin.is_empty() && new_isin != isin, "a split: {order}");
    assert_eq!(psp_cents(server, &alice), 950);
    let r = ask_refund(&bob, &id_of(&order), PASSWORD);
    assert_eq!(r.status, 303, "{}", r.body);
    let voided = holder_of(server, &new_isin);
    assert_eq!(voided["voided"], true, "{voided}");
    assert_eq!(
        titles(&bob).iter().find(|(i, _)| *i == isin).map(|t| t.1),
        Some(200),
        "the parent has its value back"
    );
    assert!(titles(&alice).iter().all(|(i, _)| *i != new_isin));
    assert_eq!(psp_cents(server, &alice), 1_100, "1.50 back to Alice");
    let mail = mails_to(server, &alice.email);
    assert!(
        mail.iter().any(|m| m["body"]
            .as_str()
            .is_some_and(|b| b.contains(&new_isin) && b.contains("voided"))),
        "{mail:?}"
    );
}

fn a_lost_refund_answer_is_finished_by_the_cron_with_one_refund_at_paypal(_world: &World) {
    let server = own_server("refund-lost");
    let alice = register(&server, "refl-a", "10.00");
    let bob = register(&server, "refl-b", "10.00");
    let order = bought(&server, &alice, &bob, "1.00", "100");
    let id = id_of(&order);
    let txn = order["psp_transaction_id"].as_str().unwrap_or("").to_string();
    fault(
        &server,
        &[
            ("method", "RefundTransaction"),
            ("api_username", &alice.paypal.api_username),
            ("drop", "1"),
        ],
    );
    let r = ask_refund(&alice, &id, PASSWORD);
    assert_eq!(r.status, 303, "{}", r.body);
    let seen = alice.client.get_json(&format!("/orders/{id}")).json();
    assert_eq!(seen["refund"]["state"], "requested", "{seen}");
    assert_eq!(seen["code"], 2, "nothing undone on an unknown outcome");
    assert_eq!(psp_cents(&server, &bob), 1_000, "PayPal did refund");
    // Asking again at once is refused: the refund is under way.
    assert_eq!(ask_refund(&alice, &id, PASSWORD).status, 409);

    advance(&server, 120);
    run_cron(&server);
    let seen = alice.client.get_json(&format!("/orders/{id}")).json();
    assert_eq!(seen["refund"]["state"], "refunded", "{seen}");
    assert_eq!(seen["code"], -3, "{seen}");
    assert_eq!(psp_cents(&server, &bob), 1_000, "refunded once, not twice");
    assert_eq!(psp_cents(&server, &alice), 1_000);
    assert_eq!(transaction(&server, &txn)["status"], "Refunded");
    let db = server.db();
    let at_paypal: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM emulator_refunds WHERE transaction_id = ?1",
            [&txn],
            |row| row.get(0),
        )
        .unwrap_or(-1);
    assert_eq!(at_paypal, 1, "one refund at PayPal");
    let attempts: i64 = db
        .query_row(
            "SELECT attempts FROM refunds WHERE order_id = ?1",
            [&id],
            |row| row.get(0),
        )
        .unwrap_or(-1);
    assert_eq!(attempts, 2);
    let undo_entries: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM ledger WHERE order_id = ?1 AND kind = 'undo'",
            [&id],
            |row| row.get(0),
        )
        .unwrap_or(-1);
    assert_eq!(undo_entries, 1, "the ledger records the undo once");
    run_cron(&server);
    assert_eq!(psp_cents(&server, &bob), 1_000);
}

fn the_api_refunds_once_and_answers_a_repeat_with_the_refund(world: &World) {
    let server = &world.server;
    let alice = register(server, "refapi-a", "10.00");
    let bob = register(server, "refapi-b", "10.00");
    let order = bought(server, &alice, &bob, "1.00", "100");
    let id = id_of(&order);
    let (_, alice_key) = crate::api::new_key(&alice, "refunds");
    let (_, bob_key) = crate::api::new_key(&bob, "refunds");
    let post = |key: &str, accept: &str| {
        server.client().send(
            "POST",
            &format!("/api/v1/orders/{id}/refund"),
            &[("Authorization", &format!("Bearer {key}")), ("Accept", accept)],
            None,
        )
    };
    let r = post(&bob_key, "application/json");
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.json()["error"]["number"], 3009, "{}", r.body);
    let r = post(&alice_key, "application/json");
    assert_eq!(r.status, 200, "{}", r.body);
    // Key, read, intent, the end, the refund as it now stands.
    assert_eq!(cost(&r), (5, 1), "{:?}", r.header("server-timing"));
    let j = r.json();
    assert_eq!(j["state"], "refunded", "{j}");
    assert_eq!(j["version"]["primitive"], "refund/1");
    assert_eq!(psp_cents(server, &bob), 1_000);
    let again = post(&alice_key, "application/xml");
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(cost(&again), (3, 0), "a repeat asks PayPal nothing");
    assert!(
        again.body.contains("<state>refunded</state>"),
        "{}",
        again.body
    );
    assert_eq!(psp_cents(server, &bob), 1_000, "once");
    let missing = server.client().send(
        "POST",
        "/api/v1/orders/nosuchorder0/refund",
        &[("Authorization", &format!("Bearer {alice_key}"))],
        None,
    );
    assert_eq!(missing.status, 404, "{}", missing.body);
}
