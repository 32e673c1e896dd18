//! The IPN listener end to end (issue 14, items 2 and 4b): every message
//! is recorded as received before anything else (`psp_ipn_receipts`), read
//! in the charset it names (windows-1252, PayPal's default, with a payer
//! called René), answered 503 when PayPal's postback said nothing usable
//! (the emulator then sends it again, and the cron verifies the recorded
//! bytes again), recorded as forged on `INVALID`, and refused when a key
//! is sent twice.

use serde_json::Value;

use crate::flows::{register, Member};
use crate::harness::Server;
use crate::purchase::{local, titles};
use crate::refusals::{approved_order, complete_at_paypal, fault, order_of, payment_fault};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "ipn_listener::a_windows_1252_ipn_with_an_accented_name_completes_a_pending_payment",
            a_windows_1252_ipn_with_an_accented_name_completes_a_pending_payment,
        ),
        (
            "ipn_listener::a_failed_postback_is_answered_503_then_the_resent_ipn_and_the_cron_act_on_it",
            a_failed_postback_is_answered_503_then_the_resent_ipn_and_the_cron_act_on_it,
        ),
        (
            "ipn_listener::an_invalid_ipn_is_recorded_as_forged_and_changes_nothing",
            an_invalid_ipn_is_recorded_as_forged_and_changes_nothing,
        ),
        (
            "ipn_listener::an_ipn_with_a_duplicated_key_is_recorded_unreadable_and_not_acted_on",
            an_ipn_with_a_duplicated_key_is_recorded_unreadable_and_not_acted_on,
        ),
        (
            "ipn_listener::an_ipn_body_over_16_kib_is_refused_with_413",
            an_ipn_body_over_16_kib_is_refused_with_413,
        ),
    ]
}

/// Delivers the emulator's queued IPNs; returns how many were acknowledged.
fn deliver(server: &Server) -> i64 {
    let r = server.client().post_form_with(
        "/_emulator/paypal/ipn/deliver",
        &[],
        &[("Accept", "application/json")],
    );
    assert_eq!(r.status, 200, "deliver: {}", r.body);
    r.json()["delivered"].as_i64().unwrap_or(-1)
}

/// The emulator's messages about `txn`, newest first.
fn ipns(server: &Server, txn: &str) -> Vec<Value> {
    let r = server
        .client()
        .get_json(&format!("/_emulator/paypal/ipn?txn_id={txn}"));
    assert_eq!(r.status, 200);
    r.json()["messages"].as_array().cloned().unwrap_or_default()
}

pub fn message_with(server: &Server, txn: &str, status: &str) -> Value {
    ipns(server, txn)
        .into_iter()
        .find(|m| m["payment_status"] == status)
        .unwrap_or_else(|| panic!("no {status} IPN for {txn}"))
}

/// The states of the receipts whose bytes contain `needle`, oldest first.
fn receipts(server: &Server, needle: &str) -> Vec<(String, Option<String>)> {
    let db = server.db();
    let mut stmt = db
        .prepare(
            "SELECT state, detail FROM psp_ipn_receipts \
             WHERE instr(body, CAST(?1 AS BLOB)) > 0 ORDER BY id",
        )
        .expect("psp_ipn_receipts");
    let rows = stmt
        .query_map([needle], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query");
    rows.map(|r| r.expect("row")).collect()
}

pub fn states(server: &Server, needle: &str) -> Vec<String> {
    receipts(server, needle)
        .into_iter()
        .map(|(s, _)| s)
        .collect()
}

fn notifications(server: &Server, txn: &str) -> i64 {
    server
        .db()
        .query_row(
            "SELECT COUNT(*) FROM psp_notifications WHERE transaction_id = ?1 OR body LIKE ?2",
            [txn, &format!("%parent_txn_id={txn}%")],
            |r| r.get(0),
        )
        .unwrap_or(-1)
}

fn post_ipn(server: &Server, body: &[u8]) -> u16 {
    server
        .client()
        .post_raw("/psp/paypal/ipn", "application/x-www-form-urlencoded", body)
        .status
}

/// Sets the charset of the IPNs about payments to `member`'s account.
fn ipn_charset(server: &Server, member: &Member, charset: &str) {
    let r = server.client().post_form_with(
        "/_emulator/paypal/accounts",
        &[("email", &member.paypal.email), ("ipn_charset", charset)],
        &[("Accept", "application/json")],
    );
    assert_eq!(r.status, 200, "ipn_charset: {}", r.body);
}

/// A payment left Pending by PayPal, then completed there: its Completed
/// IPN is queued, not delivered. Returns the transaction id.
pub fn pending_then_completed(server: &Server, seller: &Member, buyer: &Member) -> String {
    let isin = titles(seller)[0].0.clone();
    let (_, back, token) = approved_order(buyer, &isin, "1.00");
    payment_fault(server, &token, ("payment_status", "Pending"));
    buyer.client.get(&local(&back));
    let order = order_of(buyer);
    assert_eq!(order["substate"], "psp_pending", "{order}");
    // The Pending IPN first, so that only the completion is left queued.
    deliver(server);
    let txn = order["psp_transaction_id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    complete_at_paypal(server, &txn);
    txn
}

fn a_windows_1252_ipn_with_an_accented_name_completes_a_pending_payment(world: &World) {
    let server = &world.server;
    let alice = register(server, "ipn-cp1252-a", "10.00");
    // The payer's name comes from the e-mail: René.
    let bob = register(server, "rené.ipn-cp1252", "10.00");
    ipn_charset(server, &alice, "windows-1252");
    let txn = pending_then_completed(server, &alice, &bob);
    let completed = message_with(server, &txn, "Completed");
    let body = completed["body"].as_str().unwrap_or_default().to_string();
    assert!(body.contains("&charset=windows-1252&"), "{body}");
    assert!(body.contains("&first_name=Pp-ren%E9&"), "{body}");
    deliver(server);
    let order = order_of(&bob);
    assert_eq!(
        order["code"], 2,
        "completed by its windows-1252 IPN: {order}"
    );
    assert_eq!(
        states(server, &format!("txn_id={txn}&"))
            .last()
            .map(String::as_str),
        Some("verified")
    );
    assert_eq!(
        message_with(server, &txn, "Completed")["last_http_status"],
        200
    );
}

fn a_failed_postback_is_answered_503_then_the_resent_ipn_and_the_cron_act_on_it(_world: &World) {
    // Its own server: postback faults match any message.
    let server = crate::reconciler::own_server("ipn-postback");
    let alice = register(&server, "ipn-pb-a", "10.00");
    let bob = register(&server, "ipn-pb-b", "10.00");
    let txn = pending_then_completed(&server, &alice, &bob);
    let body = message_with(&server, &txn, "Completed")["body"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let needle = body.as_str();

    // PayPal's answer is lost: 503, recorded, not acted on.
    fault(&server, &[("method", "ipn-verify"), ("drop", "1")]);
    assert_eq!(deliver(&server), 0, "not acknowledged");
    let message = message_with(&server, &txn, "Completed");
    assert_eq!(message["last_http_status"], 503, "{message}");
    assert_eq!(message["delivered"], false, "{message}");
    assert_eq!(order_of(&bob)["code"], 0);
    assert_eq!(states(&server, needle), ["received"]);

    // An answer that is neither VERIFIED nor INVALID: 503 as well.
    fault(&server, &[("method", "ipn-verify"), ("error_code", "1")]);
    assert_eq!(post_ipn(&server, body.as_bytes()), 503);
    assert_eq!(order_of(&bob)["code"], 0);
    assert_eq!(states(&server, needle), ["received", "received"]);
    // /healthz counts what waits for a postback among the unresolved.
    let health = server.client().get_json("/healthz").json();
    assert_eq!(health["notifications_unresolved"], 2, "{health}");

    // The emulator sends it again, as PayPal does: now verified, acted on.
    assert_eq!(deliver(&server), 1);
    let order = order_of(&bob);
    assert_eq!(order["code"], 2, "completed by the resent IPN: {order}");
    let message = message_with(&server, &txn, "Completed");
    assert_eq!(message["delivered"], true, "{message}");
    assert_eq!(message["attempts"], 2, "{message}");
    assert_eq!(
        states(&server, needle),
        ["received", "received", "verified"]
    );

    // The cron verifies the recorded bytes left unverified; nothing twice.
    crate::reconciler::advance(&server, 120);
    let r = server.client().get("/__scheduled?cron=*/5+*+*+*+*");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        states(&server, needle),
        ["verified", "verified", "verified"]
    );
    let health = server.client().get_json("/healthz").json();
    assert_eq!(health["notifications_unresolved"], 0, "{health}");
    // Pending and Completed, each once.
    assert_eq!(notifications(&server, &txn), 2);
    assert_eq!(order_of(&bob)["code"], 2);
}

/// A paid order whose payment IPN was delivered; returns its transaction.
fn paid(world: &World, seller: &Member, buyer: &Member) -> String {
    let isin = titles(seller)[0].0.clone();
    let order = crate::purchase::buy(world, buyer, &isin, "1.00", "100");
    assert_eq!(order["code"], 2, "{order}");
    deliver(&world.server);
    order["psp_transaction_id"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

fn an_invalid_ipn_is_recorded_as_forged_and_changes_nothing(world: &World) {
    let server = &world.server;
    let alice = register(server, "ipn-inv-a", "10.00");
    let bob = register(server, "ipn-inv-b", "10.00");
    let txn = paid(world, &alice, &bob);
    let before = notifications(server, &txn);
    // A reversal PayPal never sent, in windows-1252, under a transaction id
    // of its own: the payment's with another first letter (a payment whose
    // id began with F made this test find the payment's own IPN too).
    let other = if txn.starts_with('F') { 'G' } else { 'F' };
    let forged_txn = format!("{other}{}", &txn[1..]);
    let forged = format!(
        "mc_gross=-1.00&parent_txn_id={txn}&payment_status=Reversed&reason_code=chargeback&txn_id={forged_txn}&mc_currency=EUR&charset=windows-1252&first_name=Ren%E9&verify_sign=FORGED"
    );
    assert_eq!(post_ipn(server, forged.as_bytes()), 200, "acknowledged");
    let recorded = receipts(server, &format!("txn_id={forged_txn}&"));
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0].0, "forged");
    assert_eq!(notifications(server, &txn), before, "never a notification");
    assert_eq!(order_of(&bob)["code"], 2, "still processed");
}

fn an_ipn_with_a_duplicated_key_is_recorded_unreadable_and_not_acted_on(world: &World) {
    let server = &world.server;
    let alice = register(server, "ipn-dup-key-a", "10.00");
    let bob = register(server, "ipn-dup-key-b", "10.00");
    let txn = paid(world, &alice, &bob);
    let before = notifications(server, &txn);
    let body = message_with(server, &txn, "Completed")["body"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // PayPal's own message with a second payment_status: which one PayPal
    // would check cannot be known.
    let doubled = format!("{body}&payment_status=Reversed");
    assert_eq!(post_ipn(server, doubled.as_bytes()), 200, "acknowledged");
    let recorded = receipts(server, &doubled);
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0].0, "unreadable");
    assert!(
        recorded[0]
            .1
            .as_deref()
            .unwrap_or("")
            .contains("DuplicateKey(\"payment_status\")"),
        "{recorded:?}"
    );
    assert_eq!(notifications(server, &txn), before);
    assert_eq!(order_of(&bob)["code"], 2, "not acted on");
}

fn an_ipn_body_over_16_kib_is_refused_with_413(world: &World) {
    let body = format!(
        "txn_id=1&payment_status=Completed&pad={}",
        "x".repeat(17 * 1024)
    );
    assert_eq!(post_ipn(&world.server, body.as_bytes()), 413);
}
