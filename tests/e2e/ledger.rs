//! The ledger end to end (backoffice.md §4), on a server of its own (the
//! tests rewrite its database): the Alice/Bob series with a chargeback and
//! a canceled reversal appends one entry per change, `/ledger/verify`, the
//! head on `/history` and `/healthz` agree, and `scripts/verify-ledger`
//! passes; one `UPDATE` of a past trade made with `wrangler d1 execute`
//! makes the verifier fail naming that trade's entry; a stored entry
//! rewritten (its trigger dropped) makes `/ledger/verify` name it.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::flows::{register, Member};
use crate::harness::{self, Server};
use crate::purchase::{buy_on, titles};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![(
        "ledger::the_verifier_passes_after_the_series_and_names_the_entry_a_rewrite_breaks",
        the_verifier_passes_after_the_series_and_names_the_entry_a_rewrite_breaks,
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

fn reverse(server: &Server, txn: &str, status: &str) {
    let r = server.client().post_form_with(
        &format!("/_emulator/paypal/transactions/{txn}/reverse"),
        &[("status", status)],
        &[("Accept", "application/json")],
    );
    assert!(r.status == 200 || r.status == 201, "reverse: {}", r.body);
    deliver(server);
}

/// Buys and pays; the payment's transaction id.
fn paid(server: &Server, buyer: &Member, isin: &str, amount: &str, rate: &str) -> String {
    let order = buy_on(server, buyer, isin, amount, rate);
    assert_eq!(order["code"], 2, "{order}");
    deliver(server);
    order["psp_transaction_id"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// `scripts/verify-ledger` on `server`: its exit code and what it printed.
fn verifier(server: &Server) -> (i32, String) {
    verifier_of(&server.base_url)
}

/// `scripts/verify-ledger URL`: its exit code and what it printed.
pub fn verifier_of(url: &str) -> (i32, String) {
    let out = Command::new("python3")
        .arg(harness::root().join("scripts/verify-ledger"))
        .arg(url)
        .stdin(Stdio::null())
        .output()
        .expect("python3 runs the verifier");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// One SQL command on the server's local D1, as an operator would run it.
fn d1_execute(state_dir: &Path, sql: &str) {
    let out = Command::new(harness::root().join("node_modules/.bin/wrangler"))
        .args(["d1", "execute", "DB", "--local", "--persist-to"])
        .arg(state_dir)
        .args(["--command", sql])
        .current_dir(harness::root())
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CI", "true")
        .stdin(Stdio::null())
        .output()
        .expect("wrangler runs");
    assert!(
        out.status.success(),
        "d1 execute: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn kinds(ledger: &Value) -> Vec<String> {
    ledger["entries"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["kind"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn the_verifier_passes_after_the_series_and_names_the_entry_a_rewrite_breaks(_world: &World) {
    let state = harness::fresh_state_dir("ledger").expect("state dir");
    harness::apply_migrations(&state).expect("migrations");
    let server = Server::start(state.clone(), &[]).expect("server");
    let alice = register(&server, "ledger-alice", "100.00");
    let bob = register(&server, "ledger-bob", "100.00");
    let alice_title = titles(&alice)[0].0.clone();
    let bob_title = titles(&bob)[0].0.clone();
    // The series: equal, less (a split), higher.
    paid(&server, &bob, &alice_title, "1.00", "100");
    let split = paid(&server, &alice, &alice_title, "1.50", "50");
    let higher = paid(&server, &alice, &bob_title, "2.00", "10");
    // The higher one reversed, then the reversal canceled; the split refunded.
    reverse(&server, &higher, "Reversed");
    reverse(&server, &higher, "Canceled_Reversal");
    reverse(&server, &split, "Refunded");

    let client = server.client();
    let ledger = client.get_json("/ledger").json();
    assert_eq!(
        kinds(&ledger),
        ["trade", "trade", "trade", "undo", "reapply", "undo"],
        "{ledger}"
    );
    let first = &ledger["entries"][0];
    assert_eq!(first["amount"], "1.00");
    assert_eq!(first["seller_value"], "", "an empty field is empty");
    assert_eq!(
        first["buyer"].as_str().map(str::len),
        Some(64),
        "a pseudonym"
    );
    assert!(!ledger.to_string().contains("ledger-alice"), "no e-mail");
    assert!(ledger["next_from"].is_null());
    let verified = client.get_json("/ledger/verify").json();
    assert_eq!(verified["valid"], true, "{verified}");
    let head = verified["head"].clone();
    assert_eq!(head["n"], 6);
    assert_eq!(ledger["head"], head);
    assert_eq!(client.get_json("/history").json()["ledger_head"], head);
    assert_eq!(client.get_json("/healthz").json()["ledger_head"], head);
    let hash = head["hash"].as_str().unwrap_or_default().to_string();
    assert!(client.get("/history?lang=fr").body.contains(&hash));
    assert_eq!(client.get_json("/ledger?from=0").status, 422);
    assert_eq!(
        kinds(&client.get_json("/ledger?from=5").json()),
        ["reapply", "undo"]
    );
    let (code, out) = verifier(&server);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&hash), "prints the head: {out}");

    // One past trade rewritten in the database: its entry no longer
    // matches the history.
    d1_execute(
        &state,
        "UPDATE trades SET amount_cents = amount_cents + 100 WHERE id = (SELECT MIN(id) FROM trades)",
    );
    let (code, out) = verifier(&server);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL entry 1:") && out.contains("amount"),
        "{out}"
    );

    // A stored entry rewritten (its trigger dropped first): the chain
    // breaks there.
    d1_execute(
        &state,
        "DROP TRIGGER ledger_never_updated; UPDATE ledger SET amount_cents = 1 WHERE n = 3",
    );
    let broken = client.get_json("/ledger/verify").json();
    assert_eq!(broken["valid"], false, "{broken}");
    assert_eq!(broken["entry"], 3, "{broken}");
    assert_eq!(broken["reason"], "hash_mismatch");
    let (code, out) = verifier(&server);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL entry 3:"), "{out}");
}
