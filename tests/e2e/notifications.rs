//! PayPal notifications and chargebacks end to end (issue 9): IPNs the
//! emulator sends (delivered in-process, asynchronously, through
//! `/_emulator/paypal/ipn/deliver`), verified by the postback before they
//! are believed; a Pending payment completed by IPN, a duplicate counted
//! once, a forged IPN ignored, reversals of a transfer, of a split and of a
//! title that moved on, a canceled reversal, and messages delivered out of
//! order.

use serde_json::Value;

use crate::flows::{mails_to, register, Member};
use crate::harness::Server;
use crate::purchase::{buy, local, psp_cents, titles};
use crate::refusals::{approved_order, complete_at_paypal, order_of, payment_fault};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "notifications::a_pending_payment_is_completed_by_its_ipn",
            a_pending_payment_is_completed_by_its_ipn,
        ),
        (
            "notifications::a_duplicate_ipn_is_recorded_once",
            a_duplicate_ipn_is_recorded_once,
        ),
        (
            "notifications::a_forged_ipn_is_ignored",
            a_forged_ipn_is_ignored,
        ),
        (
            "notifications::a_reversed_transfer_is_undone",
            a_reversed_transfer_is_undone,
        ),
        (
            "notifications::a_refunded_split_voids_the_new_title_and_restores_the_seller",
            a_refunded_split_voids_the_new_title_and_restores_the_seller,
        ),
        (
            "notifications::a_reversal_after_the_title_moved_on_flags_it_disputed",
            a_reversal_after_the_title_moved_on_flags_it_disputed,
        ),
        (
            "notifications::a_canceled_reversal_reapplies_the_trade",
            a_canceled_reversal_reapplies_the_trade,
        ),
        (
            "notifications::notifications_out_of_order_end_as_paypal_says",
            notifications_out_of_order_end_as_paypal_says,
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

fn ipns(server: &Server, txn: &str) -> Vec<Value> {
    let r = server
        .client()
        .get_json(&format!("/_emulator/paypal/ipn?txn_id={txn}"));
    assert_eq!(r.status, 200);
    let j = r.json();
    j.as_array()
        .cloned()
        .or_else(|| j["messages"].as_array().cloned())
        .unwrap_or_default()
}

fn notifications(world: &World, txn: &str) -> i64 {
    world
        .server
        .db()
        .query_row(
            "SELECT COUNT(*) FROM psp_notifications WHERE transaction_id = ?1",
            [txn],
            |r| r.get(0),
        )
        .unwrap_or(-1)
}

fn reverse(server: &Server, txn: &str, status: &str) {
    let r = server.client().post_form_with(
        &format!("/_emulator/paypal/transactions/{txn}/reverse"),
        &[("status", status)],
        &[("Accept", "application/json")],
    );
    assert!(
        r.status == 200 || r.status == 201,
        "reverse: {} {}",
        r.status,
        r.body
    );
}

fn title(world: &World, isin: &str) -> Value {
    world
        .server
        .client()
        .get_json(&format!("/titles/{isin}"))
        .json()
}

fn paid(world: &World, buyer: &Member, isin: &str, amount: &str, rate: &str) -> (String, String) {
    let order = buy(world, buyer, isin, amount, rate);
    assert_eq!(order["code"], 2, "{order}");
    deliver(&world.server);
    (
        order["id"].as_str().unwrap_or("").to_string(),
        order["psp_transaction_id"]
            .as_str()
            .unwrap_or("")
            .to_string(),
    )
}

fn a_pending_payment_is_completed_by_its_ipn(world: &World) {
    let alice = register(&world.server, "ipn-pend-a", "10.00");
    let bob = register(&world.server, "ipn-pend-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let (_, back, token) = approved_order(&bob, &isin, "1.00");
    payment_fault(&world.server, &token, ("payment_status", "Pending"));
    bob.client.get(&local(&back));
    let order = order_of(&bob);
    assert_eq!(order["substate"], "psp_pending");
    let txn = order["psp_transaction_id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    complete_at_paypal(&world.server, &txn);
    deliver(&world.server);
    let order = order_of(&bob);
    assert_eq!(order["code"], 2, "completed by IPN: {order}");
    assert_eq!(psp_cents(&world.server, &bob), 900);
    assert_eq!(psp_cents(&world.server, &alice), 1_100);
    assert_eq!(title(world, &isin)["claimed"], false);
}

fn a_duplicate_ipn_is_recorded_once(world: &World) {
    let alice = register(&world.server, "ipn-dup-a", "10.00");
    let bob = register(&world.server, "ipn-dup-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let (_, txn) = paid(world, &bob, &isin, "1.00", "100");
    assert_eq!(
        notifications(world, &txn),
        1,
        "the payment's IPN was received"
    );
    let sent = ipns(&world.server, &txn);
    let body = sent
        .iter()
        .find_map(|m| m["body"].as_str())
        .expect("the emulator sent an IPN")
        .to_string();
    // PayPal resends: the same bytes, verified again, recorded once.
    for _ in 0..2 {
        let r = world.server.client().post_raw(
            "/psp/paypal/ipn",
            "application/x-www-form-urlencoded",
            body.as_bytes(),
        );
        assert_eq!(r.status, 200);
    }
    assert_eq!(notifications(world, &txn), 1);
    assert_eq!(order_of(&bob)["code"], 2);
    assert_eq!(psp_cents(&world.server, &bob), 900);
}

fn a_forged_ipn_is_ignored(world: &World) {
    let alice = register(&world.server, "ipn-forge-a", "10.00");
    let bob = register(&world.server, "ipn-forge-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let (_, txn) = paid(world, &bob, &isin, "1.00", "100");
    // A refund PayPal never sent, posted directly.
    let forged = format!("txn_id=FORGED{}&parent_txn_id={txn}&payment_status=Refunded&mc_gross=-1.00&mc_currency=EUR&reason_code=refund", &txn[..6]);
    let r = world.server.client().post_raw(
        "/psp/paypal/ipn",
        "application/x-www-form-urlencoded",
        forged.as_bytes(),
    );
    assert_eq!(r.status, 200, "answered, never acted on");
    assert_eq!(notifications(world, &format!("FORGED{}", &txn[..6])), 0);
    assert_eq!(order_of(&bob)["code"], 2, "still processed");
    assert_eq!(
        title(world, &isin)["holder"]
            .as_str()
            .map(|h| h.starts_with(&bob.email[..1])),
        Some(true)
    );
    // A genuine IPN with one byte changed fails the postback too.
    let body = ipns(&world.server, &txn)
        .iter()
        .find_map(|m| m["body"].as_str().map(str::to_string))
        .unwrap_or_default();
    let altered = body.replacen("payment_status=Completed", "payment_status=Reversed", 1);
    world.server.client().post_raw(
        "/psp/paypal/ipn",
        "application/x-www-form-urlencoded",
        altered.as_bytes(),
    );
    assert_eq!(order_of(&bob)["code"], 2);
}

fn a_reversed_transfer_is_undone(world: &World) {
    let alice = register(&world.server, "rev-t-a", "10.00");
    let bob = register(&world.server, "rev-t-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let (id, txn) = paid(world, &bob, &isin, "1.00", "100");
    reverse(&world.server, &txn, "Reversed");
    deliver(&world.server);
    let order = bob.client.get_json(&format!("/orders/{id}")).json();
    assert_eq!(order["code"], -3, "{order}");
    assert_eq!(order["status"], "chargeback");
    let t = title(world, &isin);
    assert_eq!(t["value"], "1.00", "back at its old value");
    assert!(
        t["holder"]
            .as_str()
            .unwrap_or("")
            .starts_with(&alice.email[..1]),
        "back with the seller: {t}"
    );
    assert_eq!(t["disputed"], false);
    assert_eq!(titles(&alice).len(), 1);
    assert!(titles(&bob).iter().all(|(i, _)| *i != isin));
    assert_eq!(psp_cents(&world.server, &bob), 1_000, "the money went back");
    let history = world.server.client().get_json("/history").json();
    let trade = history["trades"]
        .as_array()
        .and_then(|a| a.iter().find(|t| t["isin"] == isin.as_str()))
        .cloned()
        .unwrap_or_default();
    assert_eq!(trade["status"], "chargeback");
    assert!(mails_to(&world.server, &alice.email)
        .iter()
        .any(|m| m["subject"].as_str().unwrap_or("").contains("was reversed")));
}

fn a_refunded_split_voids_the_new_title_and_restores_the_seller(world: &World) {
    let alice = register(&world.server, "rev-s-a", "10.00");
    let bob = register(&world.server, "rev-s-b", "10.00");
    let carol = register(&world.server, "rev-s-c", "10.00");
    let isin = titles(&alice)[0].0.clone();
    paid(world, &bob, &isin, "1.00", "100");
    // The title is now Bob's at 2.00; Carol pays 1.50: a split.
    let (id, txn) = paid(world, &carol, &isin, "1.50", "0");
    let order = carol.client.get_json(&format!("/orders/{id}")).json();
    let new_isin = order["new_isin"].as_str().unwrap_or("").to_string();
    assert_eq!(title(world, &isin)["value"], "0.50");
    reverse(&world.server, &txn, "Refunded");
    deliver(&world.server);
    assert_eq!(
        carol.client.get_json(&format!("/orders/{id}")).json()["code"],
        -3
    );
    assert_eq!(
        title(world, &isin)["value"],
        "2.00",
        "X returns to the seller's title"
    );
    let voided = title(world, &new_isin);
    assert_eq!(voided["voided"], true, "{voided}");
    assert!(titles(&carol).iter().all(|(i, _)| *i != new_isin));
    let kept: i64 = world
        .server
        .db()
        .query_row(
            "SELECT COUNT(*) FROM isins WHERE isin = ?1",
            [&new_isin],
            |r| r.get(0),
        )
        .unwrap_or(0);
    assert_eq!(kept, 1, "the ISIN is never reused");
}

fn a_reversal_after_the_title_moved_on_flags_it_disputed(world: &World) {
    let alice = register(&world.server, "rev-d-a", "10.00");
    let bob = register(&world.server, "rev-d-b", "10.00");
    let carol = register(&world.server, "rev-d-c", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let (id, txn) = paid(world, &bob, &isin, "1.00", "100");
    paid(world, &carol, &isin, "2.00", "0");
    reverse(&world.server, &txn, "Reversed");
    deliver(&world.server);
    assert_eq!(
        bob.client.get_json(&format!("/orders/{id}")).json()["code"],
        -3
    );
    let t = title(world, &isin);
    assert_eq!(t["disputed"], true, "{t}");
    assert!(
        t["holder"]
            .as_str()
            .unwrap_or("")
            .starts_with(&carol.email[..1]),
        "the later buyer keeps it"
    );
    let page = world
        .server
        .client()
        .get(&format!("/titles/{isin}?lang=en"));
    assert!(page.body.contains("Disputed"));
}

fn a_canceled_reversal_reapplies_the_trade(world: &World) {
    let alice = register(&world.server, "rev-c-a", "10.00");
    let bob = register(&world.server, "rev-c-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let (id, txn) = paid(world, &bob, &isin, "1.00", "100");
    reverse(&world.server, &txn, "Reversed");
    deliver(&world.server);
    assert_eq!(
        bob.client.get_json(&format!("/orders/{id}")).json()["code"],
        -3
    );
    reverse(&world.server, &txn, "Canceled_Reversal");
    deliver(&world.server);
    let order = bob.client.get_json(&format!("/orders/{id}")).json();
    assert_eq!(order["code"], 2, "{order}");
    let t = title(world, &isin);
    assert_eq!(t["value"], "2.00");
    assert!(t["holder"]
        .as_str()
        .unwrap_or("")
        .starts_with(&bob.email[..1]));
    assert_eq!(psp_cents(&world.server, &bob), 900);
    assert!(mails_to(&world.server, &alice.email).iter().any(|m| {
        let subject = m["subject"].as_str().unwrap_or("");
        subject.contains("reversal") && subject.contains("was canceled")
    }));
}

fn post_ipn(server: &Server, body: &str) {
    let r = server.client().post_raw(
        "/psp/paypal/ipn",
        "application/x-www-form-urlencoded",
        body.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
}

fn notification_outcome(server: &Server, status: &str, parent: &str) -> String {
    server
        .db()
        .query_row(
            "SELECT outcome FROM psp_notifications WHERE status = ?1 AND body LIKE ?2",
            [status, &format!("%parent_txn_id={parent}%")],
            |r| r.get(0),
        )
        .unwrap_or_default()
}

fn notifications_out_of_order_end_as_paypal_says(_world: &World) {
    // Its own server: on the shared one, another test's delivery could
    // deliver these messages in the order they were sent.
    let server = crate::reconciler::own_server("ipn-order");
    let alice = register(&server, "ipn-order-a", "10.00");
    let bob = register(&server, "ipn-order-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let order = crate::purchase::buy_on(&server, &bob, &isin, "1.00", "100");
    assert_eq!(order["code"], 2, "{order}");
    deliver(&server);
    let id = order["id"].as_str().unwrap_or("").to_string();
    let txn = order["psp_transaction_id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    // A chargeback, then its cancellation, both before any message is
    // delivered; PayPal then delivers the later one first.
    reverse(&server, &txn, "Reversed");
    reverse(&server, &txn, "Canceled_Reversal");
    let messages = ipns(&server, &txn);
    let body_of = |status: &str| {
        messages
            .iter()
            .find(|m| m["payment_status"] == status)
            .and_then(|m| m["body"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let (reversed, canceled) = (body_of("Reversed"), body_of("Canceled_Reversal"));
    assert!(!reversed.is_empty() && !canceled.is_empty(), "{messages:?}");
    post_ipn(&server, &canceled);
    post_ipn(&server, &reversed);
    // Each message made PayBook ask PayPal, which says the payment stands:
    // the trade is never charged back.
    let order = bob.client.get_json(&format!("/orders/{id}")).json();
    assert_eq!(order["code"], 2, "{order}");
    assert_eq!(
        notification_outcome(&server, "Reversed", &txn),
        "nothing_to_change"
    );
    let t = server.client().get_json(&format!("/titles/{isin}")).json();
    assert_eq!(t["value"], "2.00");
    assert_eq!(t["disputed"], false);
    assert!(t["holder"]
        .as_str()
        .unwrap_or("")
        .starts_with(&bob.email[..1]));
    assert!(!mails_to(&server, &alice.email)
        .iter()
        .any(|m| m["subject"].as_str().unwrap_or("").contains("was reversed")));
    // PayPal's own (re)deliveries of the same messages change nothing.
    deliver(&server);
    assert_eq!(
        bob.client.get_json(&format!("/orders/{id}")).json()["code"],
        2
    );
    assert_eq!(psp_cents(&server, &bob), 900, "the payment stands");
}
