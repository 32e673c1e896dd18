//! Partial refunds end to end (issue 14, item 1): a seller who refunds a
//! cent of a processed trade at PayPal does not get the title back; the
//! trade stands, the order waits for an operator, and its page says so.
//! Refunding the rest (the whole payment, then) charges the trade back as
//! before.

use serde_json::Value;

use crate::flows::register;
use crate::harness::Server;
use crate::purchase::{buy, psp_cents, titles};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![(
        "partial_refunds::a_cent_refunded_leaves_the_title_with_the_buyer_and_a_full_refund_charges_back",
        a_cent_refunded_leaves_the_title_with_the_buyer_and_a_full_refund_charges_back,
    )]
}

fn deliver(server: &Server) {
    let r = server.client().post_form_with(
        "/_emulator/paypal/ipn/deliver",
        &[],
        &[("Accept", "application/json")],
    );
    assert_eq!(r.status, 200, "deliver: {}", r.body);
}

/// `POST /_emulator/paypal/transactions/{txn}/reverse` with
/// `status=Refunded` and, for a partial refund, `amount`.
fn refund(server: &Server, txn: &str, amount: Option<&str>) -> Value {
    let mut form = vec![("status", "Refunded")];
    if let Some(amount) = amount {
        form.push(("amount", amount));
    }
    let r = server.client().post_form_with(
        &format!("/_emulator/paypal/transactions/{txn}/reverse"),
        &form,
        &[("Accept", "application/json")],
    );
    assert_eq!(r.status, 200, "refund: {}", r.body);
    r.json()
}

fn holder_is(server: &Server, isin: &str, email: &str) -> bool {
    let t = server.client().get_json(&format!("/titles/{isin}")).json();
    t["holder"]
        .as_str()
        .is_some_and(|h| h.starts_with(&email[..1]))
}

fn a_cent_refunded_leaves_the_title_with_the_buyer_and_a_full_refund_charges_back(world: &World) {
    let server = &world.server;
    let alice = register(server, "part-a", "10.00");
    let bob = register(server, "part-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let order = buy(world, &bob, &isin, "1.00", "100");
    assert_eq!(order["code"], 2, "{order}");
    deliver(server);
    let id = order["id"].as_str().unwrap_or("").to_string();
    let txn = order["psp_transaction_id"]
        .as_str()
        .unwrap_or("")
        .to_string();

    // Alice refunds one cent at PayPal.
    let answer = refund(server, &txn, Some("0.01"));
    assert_eq!(
        answer["transaction"]["status"], "Partially-Refunded",
        "{answer}"
    );
    let body = answer["ipn"]["body"].as_str().unwrap_or("");
    assert!(
        body.contains("payment_status=Refunded") && body.contains("mc_gross=-0.01"),
        "PayPal's partial refund message: {body}"
    );
    deliver(server);
    let order = bob.client.get_json(&format!("/orders/{id}")).json();
    assert_eq!(order["code"], 2, "the trade stands: {order}");
    assert_eq!(order["substate"], "needs_review", "{order}");
    assert!(
        holder_is(server, &isin, &bob.email),
        "the title stays Bob's"
    );
    assert_eq!(
        server.client().get_json(&format!("/titles/{isin}")).json()["value"],
        "2.00"
    );
    assert_eq!(psp_cents(server, &bob), 901, "one cent came back");
    let page = bob.client.get(&format!("/orders/{id}?lang=en"));
    assert!(
        page.body
            .contains("part of this payment went back to the buyer"),
        "{}",
        page.body
    );
    // PayPal's resent message changes nothing more.
    deliver(server);
    assert_eq!(
        bob.client.get_json(&format!("/orders/{id}")).json()["code"],
        2
    );

    // Alice refunds the rest: the whole payment is back with Bob.
    let answer = refund(server, &txn, None);
    assert_eq!(answer["transaction"]["status"], "Refunded", "{answer}");
    deliver(server);
    let order = bob.client.get_json(&format!("/orders/{id}")).json();
    assert_eq!(order["code"], -3, "charged back: {order}");
    assert!(holder_is(server, &isin, &alice.email), "back with Alice");
    assert_eq!(psp_cents(server, &bob), 1_000);
}
