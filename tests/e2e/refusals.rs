//! When PayPal says no, or says nothing (issue 7): each answer PayPal can
//! give at the return, and its absence, produced with the emulator's faults,
//! leads to one clear state of the order, the title and both balances, and
//! never to a lost or double payment.

use serde_json::Value;

use crate::flows::{csrf, mails_to, register, Member, PASSWORD};
use crate::harness::Server;
use crate::purchase::{approve, local, post_buy, psp_cents, titles};
use crate::reconciler::{advance, own_server};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        ("refusals::funding_refusal_sends_the_buyer_back_with_the_same_token_and_the_next_attempt", funding_refusal_sends_the_buyer_back_with_the_same_token_and_the_next_attempt),
        ("refusals::other_refusals_fail_the_order_release_the_claim_and_show_paypals_words", other_refusals_fail_the_order_release_the_claim_and_show_paypals_words),
        ("refusals::a_lost_answer_stays_confirming_and_a_refresh_records_it_once_via_11607", a_lost_answer_stays_confirming_and_a_refresh_records_it_once_via_11607),
        ("refusals::already_paid_10415_is_recorded_with_the_original_transaction", already_paid_10415_is_recorded_with_the_original_transaction),
        ("refusals::a_pending_payment_keeps_the_title_claimed_and_moves_nothing", a_pending_payment_keeps_the_title_claimed_and_moves_nothing),
        ("refusals::refused_seller_credentials_are_marked_mailed_and_block_purchases_until_fixed", refused_seller_credentials_are_marked_mailed_and_block_purchases_until_fixed),
    ]
}

pub fn fault(server: &Server, fields: &[(&str, &str)]) {
    let r = server.client().post_form_with(
        "/_emulator/paypal/faults",
        fields,
        &[("Accept", "application/json")],
    );
    assert_eq!(r.status, 201, "fault: {}", r.body);
}

/// A one-shot fault on the next DoExpressCheckoutPayment for `token`:
/// `(field, value)` is `("error_code", "10486")`, `("drop", "1")` or
/// `("payment_status", "Pending")`.
pub fn payment_fault(server: &Server, token: &str, (field, value): (&str, &str)) {
    fault(
        server,
        &[
            ("method", "DoExpressCheckoutPayment"),
            ("token", token),
            (field, value),
        ],
    );
}

/// PayPal completes the Pending payment `txn` (the emulator's route).
pub fn complete_at_paypal(server: &Server, txn: &str) {
    let r = server.client().post_form_with(
        &format!("/_emulator/paypal/transactions/{txn}/complete"),
        &[],
        &[("Accept", "application/json")],
    );
    assert!(r.status == 200 || r.status == 201, "{}", r.body);
}

/// Places an order and approves it; returns (checkout URL, return URL, token).
pub fn approved_order(buyer: &Member, isin: &str, amount: &str) -> (String, String, String) {
    let r = post_buy(buyer, isin, amount, "100");
    assert_eq!(r.status, 303, "{}", r.body);
    let checkout = r.header("location").unwrap_or_default().to_string();
    let token = checkout
        .split("token=")
        .nth(1)
        .and_then(|t| t.split('&').next())
        .unwrap_or("")
        .to_string();
    let back = approve(&buyer.client, &checkout, buyer);
    (checkout, back, token)
}

pub fn order_of(buyer: &Member) -> Value {
    let id = buyer.client.get_json("/orders").json()["orders"][0]["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    buyer.client.get_json(&format!("/orders/{id}")).json()
}

fn claimed(server: &Server, isin: &str) -> bool {
    server.client().get_json(&format!("/titles/{isin}")).json()["claimed"] == true
}

fn funding_refusal_sends_the_buyer_back_with_the_same_token_and_the_next_attempt(world: &World) {
    let alice = register(&world.server, "fund-a", "10.00");
    let bob = register(&world.server, "fund-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let (checkout, back, token) = approved_order(&bob, &isin, "1.00");
    payment_fault(&world.server, &token, ("error_code", "10486"));
    let r = bob.client.get(&local(&back));
    assert_eq!(r.status, 303);
    let again = r.header("location").unwrap_or_default().to_string();
    assert!(
        again.contains(&format!("token={token}")) && again.contains("useraction=commit"),
        "back to PayPal: {again}"
    );
    let order = order_of(&bob);
    assert_eq!(
        (order["code"].as_i64(), order["substate"].as_str()),
        (Some(0), Some("awaiting_buyer"))
    );
    assert!(!claimed(&world.server, &isin), "claim released");
    assert_eq!(psp_cents(&world.server, &bob), 1_000);
    // The buyer picks another funding source and comes back: paid, with the
    // next MSGSUBID attempt.
    let back = approve(&bob.client, &checkout, &bob);
    let r = bob.client.get(&local(&back));
    assert_eq!(r.status, 303);
    let order = order_of(&bob);
    assert_eq!(order["code"], 2, "{order}");
    let msgsubids: Vec<String> = order["trace"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(|c| c["request"]["MSGSUBID"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let id = order["id"].as_str().unwrap_or("");
    assert_eq!(msgsubids, vec![format!("{id}-1"), format!("{id}-2")]);
    assert_eq!(psp_cents(&world.server, &bob), 900);
}

fn other_refusals_fail_the_order_release_the_claim_and_show_paypals_words(world: &World) {
    let alice = register(&world.server, "refuse-a", "10.00");
    let bob = register(&world.server, "refuse-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let (_, back, token) = approved_order(&bob, &isin, "1.00");
    payment_fault(&world.server, &token, ("error_code", "10417"));
    let r = bob.client.get(&local(&back));
    assert_eq!(r.status, 303);
    let order = order_of(&bob);
    assert_eq!(order["code"], -2);
    assert_eq!(order["status"], "failed");
    assert_eq!(order["psp_error"]["code"], "10417");
    assert!(!claimed(&world.server, &isin));
    assert_eq!(psp_cents(&world.server, &bob), 1_000);
    assert_eq!(psp_cents(&world.server, &alice), 1_000);
    let page = bob.client.get(&format!(
        "/orders/{}?lang=en",
        order["id"].as_str().unwrap_or("")
    ));
    assert!(page
        .body
        .contains("This order failed; no money moved for it."));
    assert!(page
        .body
        .contains("PayPal error 10417: Instruct the customer to retry the transaction"));
    // The title can be bought again.
    let carol = register(&world.server, "refuse-c", "10.00");
    assert_eq!(post_buy(&carol, &isin, "1.00", "1").status, 303);
}

fn do_ec_calls(order: &Value) -> usize {
    order["trace"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter(|c| c["method"] == "DoExpressCheckoutPayment")
                .count()
        })
        .unwrap_or(0)
}

// Runs on its own server: it moves the clock past the payment lease.
fn a_lost_answer_stays_confirming_and_a_refresh_records_it_once_via_11607(_world: &World) {
    let server = own_server("lost-answer");
    let alice = register(&server, "lost-a", "10.00");
    let bob = register(&server, "lost-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let (_, back, token) = approved_order(&bob, &isin, "1.00");
    payment_fault(&server, &token, ("drop", "1"));
    let r = bob.client.get(&local(&back));
    assert_eq!(r.status, 303);
    let order = order_of(&bob);
    assert_eq!(
        (order["code"].as_i64(), order["substate"].as_str()),
        (Some(0), Some("confirming")),
        "never failed on a guess"
    );
    assert!(claimed(&server, &isin), "the title stays claimed");
    let page = bob.client.get(&format!(
        "/orders/{}?lang=en",
        order["id"].as_str().unwrap_or("")
    ));
    assert!(page
        .body
        .contains("Your payment is being confirmed with the payment provider."));
    assert_eq!(psp_cents(&server, &bob), 900, "PayPal did the work");
    // A refresh while the first call may still be in flight sends nothing.
    bob.client.get(&local(&back));
    assert_eq!(
        do_ec_calls(&order_of(&bob)),
        1,
        "one payment call in flight per order"
    );
    // Once the payment lease has passed, a refresh sends the same MSGSUBID
    // again: PayPal answers 11607 with the original payment, recorded once.
    advance(&server, 61);
    let r = bob.client.get(&local(&back));
    assert_eq!(r.status, 303);
    let order = order_of(&bob);
    assert_eq!(order["code"], 2, "{order}");
    assert_eq!(psp_cents(&server, &bob), 900, "paid once");
    assert_eq!(psp_cents(&server, &alice), 1_100);
    let calls: Vec<(String, Vec<String>)> = order["trace"]
        .as_array()
        .map(|t| {
            t.iter()
                .map(|c| {
                    let codes = c["error_codes"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    (c["method"].as_str().unwrap_or("").to_string(), codes)
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(
        calls
            .iter()
            .any(|(m, codes)| m == "DoExpressCheckoutPayment"
                && codes.contains(&"11607".to_string())),
        "{calls:?}"
    );
    let original = order["trace"]
        .as_array()
        .and_then(|t| {
            t.iter().find_map(|c| {
                c["fields"]["PAYMENTINFO_0_TRANSACTIONID"]
                    .as_str()
                    .map(str::to_string)
            })
        })
        .unwrap_or_default();
    assert_eq!(
        order["psp_transaction_id"].as_str(),
        Some(original.as_str())
    );
    assert_eq!(mails_to(&server, &alice.email).len(), 1);
}

// Runs on its own server: it moves the clock past the payment lease.
fn already_paid_10415_is_recorded_with_the_original_transaction(_world: &World) {
    let server = own_server("already-paid");
    let alice = register(&server, "paid-a", "10.00");
    let bob = register(&server, "paid-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let (_, back, token) = approved_order(&bob, &isin, "2.00");
    payment_fault(&server, &token, ("drop", "1"));
    bob.client.get(&local(&back));
    advance(&server, 61);
    payment_fault(&server, &token, ("error_code", "10415"));
    let r = bob.client.get(&local(&back));
    assert_eq!(r.status, 303);
    let order = order_of(&bob);
    assert_eq!(order["code"], 2, "treated as paid: {order}");
    let methods: Vec<&str> = order["trace"]
        .as_array()
        .map(|t| t.iter().filter_map(|c| c["method"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        methods.contains(&"GetExpressCheckoutDetails")
            && methods.contains(&"GetTransactionDetails"),
        "{methods:?}"
    );
    assert_eq!(psp_cents(&server, &bob), 800, "paid once");
    let txn = order["psp_transaction_id"].as_str().unwrap_or("");
    let r = server
        .client()
        .get_json(&format!("/_emulator/paypal/transactions/{txn}"));
    assert_eq!(r.status, 200, "the original transaction: {}", r.body);
}

fn a_pending_payment_keeps_the_title_claimed_and_moves_nothing(world: &World) {
    let alice = register(&world.server, "pend-a", "10.00");
    let bob = register(&world.server, "pend-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let (_, back, token) = approved_order(&bob, &isin, "1.00");
    fault(
        &world.server,
        &[
            ("method", "DoExpressCheckoutPayment"),
            ("token", &token),
            ("payment_status", "Pending"),
            ("pending_reason", "multi-currency"),
        ],
    );
    bob.client.get(&local(&back));
    let order = order_of(&bob);
    assert_eq!(
        (order["code"].as_i64(), order["substate"].as_str()),
        (Some(0), Some("psp_pending"))
    );
    assert!(order["psp_transaction_id"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    assert!(claimed(&world.server, &isin));
    assert_eq!(
        psp_cents(&world.server, &bob),
        1_000,
        "nothing moves while Pending"
    );
    assert_eq!(psp_cents(&world.server, &alice), 1_000);
    assert_eq!(titles(&alice)[0].1, 100, "the seller still holds the title");
    let page = bob.client.get(&format!(
        "/orders/{}?lang=fr",
        order["id"].as_str().unwrap_or("")
    ));
    assert!(page.body.contains("statut Pending"));
    // A refresh does not pay again.
    bob.client.get(&local(&back));
    assert_eq!(order_of(&bob)["substate"], "psp_pending");
}

fn refused_seller_credentials_are_marked_mailed_and_block_purchases_until_fixed(world: &World) {
    let alice = register(&world.server, "creds-a", "10.00");
    let bob = register(&world.server, "creds-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    fault(
        &world.server,
        &[
            ("method", "SetExpressCheckout"),
            ("api_username", &alice.paypal.api_username),
            ("error_code", "10002"),
        ],
    );
    let r = post_buy(&bob, &isin, "1.00", "10");
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .contains("The holder&#39;s PayPal credentials no longer work")
            || r.body
                .contains("The holder's PayPal credentials no longer work"),
        "{}",
        r.body
    );
    assert!(r.body.contains("10002"));
    let status: String = world
        .server
        .db()
        .query_row(
            "SELECT a.status FROM psp_accounts a JOIN clients c ON c.id = a.client_id \
             AND a.replaced_at IS NULL WHERE c.email = ?1",
            [&alice.email],
            |row| row.get(0),
        )
        .unwrap_or_default();
    assert_eq!(status, "refused");
    let mails = mails_to(&world.server, &alice.email);
    assert!(mails.iter().any(|m| m["subject"]
        .as_str()
        .unwrap_or("")
        .contains("PayPal refuses your API credentials")));
    // Refused before PayPal is even asked.
    let r = post_buy(&bob, &isin, "1.00", "10");
    assert_eq!(r.status, 422);
    let account = alice.client.get("/account?lang=en");
    assert!(account
        .body
        .contains("PayPal refuses your stored API credentials"));
    // The seller saves working credentials (the same, now accepted again).
    let token = csrf(&alice.client, "/register");
    let r = alice.client.post_form(
        "/account",
        &[
            ("csrf_token", &token),
            ("action", "credentials"),
            ("current_password", PASSWORD),
            ("api_username", &alice.paypal.api_username),
            ("api_password", &alice.paypal.api_password),
            ("api_signature", &alice.paypal.api_signature),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        post_buy(&bob, &isin, "1.00", "10").status,
        303,
        "buyable again"
    );
}
