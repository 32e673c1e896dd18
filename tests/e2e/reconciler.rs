//! The reconciler end to end (issue 8): the cron (`/__scheduled`) resolves
//! unknown outcomes by asking PayPal. Each test runs its own server, since
//! advancing the emulator's clock moves time for everything on a server.

use crate::flows::{register, Member};
use crate::harness::{apply_migrations, fresh_state_dir, Server};
use crate::purchase::{local, post_buy, psp_cents, titles};
use crate::refusals::{approved_order, complete_at_paypal, fault, order_of, payment_fault};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "reconciler::a_dropped_answer_is_completed_by_the_cron",
            a_dropped_answer_is_completed_by_the_cron,
        ),
        (
            "reconciler::an_expired_unpaid_order_is_failed_by_the_cron_after_the_ttl",
            an_expired_unpaid_order_is_failed_by_the_cron_after_the_ttl,
        ),
        (
            "reconciler::a_pending_payment_completed_at_paypal_is_recorded_by_the_cron",
            a_pending_payment_completed_at_paypal_is_recorded_by_the_cron,
        ),
        (
            "accounts::sessions_and_reset_links_expire_by_the_clock",
            sessions_and_reset_links_expire_by_the_clock,
        ),
        (
            "reconciler::a_payment_lost_past_the_token_life_is_recorded_by_the_cron",
            a_payment_lost_past_the_token_life_is_recorded_by_the_cron,
        ),
        (
            "reconciler::a_bare_10411_fails_the_order_and_its_ipn_puts_it_back_for_review",
            a_bare_10411_fails_the_order_and_its_ipn_puts_it_back_for_review,
        ),
        (
            "reconciler::a_reversal_paypal_could_not_confirm_is_charged_back_by_the_cron",
            a_reversal_paypal_could_not_confirm_is_charged_back_by_the_cron,
        ),
        (
            "browse::history_market_and_orders_page_by_fifty",
            history_market_and_orders_page_by_fifty,
        ),
    ]
}

pub fn own_server(label: &str) -> Server {
    let state = fresh_state_dir(label).expect("state");
    apply_migrations(&state).expect("migrations");
    Server::start(state, &[]).expect("server")
}

pub fn advance(server: &Server, seconds: i64) {
    let r = server.client().post_form_with(
        "/_emulator/clock",
        &[("advance_seconds", &seconds.to_string())],
        &[("Accept", "application/json")],
    );
    assert_eq!(r.status, 200, "clock: {}", r.body);
}

pub(crate) fn run_cron(server: &Server) {
    let r = server.client().get("/__scheduled?cron=*/5+*+*+*+*");
    assert_eq!(r.status, 200);
}

fn a_dropped_answer_is_completed_by_the_cron(_world: &World) {
    let server = own_server("cron-drop");
    let alice = register(&server, "cron-a", "10.00");
    let bob = register(&server, "cron-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let (_, back, token) = approved_order(&bob, &isin, "1.00");
    payment_fault(&server, &token, ("drop", "1"));
    bob.client.get(&local(&back));
    assert_eq!(order_of(&bob)["substate"], "confirming");
    let health = server.client().get("/healthz").json();
    assert_eq!(health["orders_unresolved"], 1);
    advance(&server, 120);
    run_cron(&server);
    let order = order_of(&bob);
    assert_eq!(order["code"], 2, "{order}");
    let methods: Vec<&str> = order["trace"]
        .as_array()
        .map(|t| t.iter().filter_map(|c| c["method"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        methods.contains(&"GetTransactionDetails"),
        "resolved by asking PayPal: {methods:?}"
    );
    assert_eq!(psp_cents(&server, &bob), 900, "paid once");
    assert_eq!(psp_cents(&server, &alice), 1_100);
    let health = server.client().get("/healthz").json();
    assert_eq!(health["orders_unresolved"], 0);
    assert!(health["last_cron_at"].as_str().is_some());
    // The cron records the trade at the ledger's tail and seals it before
    // its run ends: the published head is that entry, hashed.
    assert_eq!(health["ledger_head"]["n"], 1, "{health}");
    let hash = health["ledger_head"]["hash"].as_str().unwrap_or_default();
    assert!(hash.len() == 64 && hash != "0".repeat(64), "{health}");
}

fn an_expired_unpaid_order_is_failed_by_the_cron_after_the_ttl(_world: &World) {
    let server = own_server("cron-ttl");
    let alice = register(&server, "ttl-a", "10.00");
    let bob = register(&server, "ttl-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    assert_eq!(post_buy(&bob, &isin, "1.00", "100").status, 303);
    run_cron(&server);
    assert_eq!(
        order_of(&bob)["code"],
        0,
        "young orders wait for their buyer"
    );
    advance(&server, 23 * 3_600);
    run_cron(&server);
    assert_eq!(
        order_of(&bob)["code"],
        0,
        "before PENDING_TTL_HOURS (24) nothing happens"
    );
    advance(&server, 2 * 3_600);
    run_cron(&server);
    let order = order_of(&bob);
    assert_eq!(order["code"], -2, "{order}");
    assert_eq!(order["failure_reason"], "unpaid_after_ttl");
    let methods: Vec<&str> = order["trace"]
        .as_array()
        .map(|t| t.iter().filter_map(|c| c["method"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        methods.contains(&"GetExpressCheckoutDetails"),
        "PayPal was asked, not guessed: {methods:?}"
    );
    assert_eq!(psp_cents(&server, &bob), 1_000);
}

fn a_pending_payment_completed_at_paypal_is_recorded_by_the_cron(_world: &World) {
    let server = own_server("cron-pending");
    let alice = register(&server, "pc-a", "10.00");
    let bob = register(&server, "pc-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let (_, back, token) = approved_order(&bob, &isin, "1.00");
    payment_fault(&server, &token, ("payment_status", "Pending"));
    bob.client.get(&local(&back));
    let order = order_of(&bob);
    assert_eq!(order["substate"], "psp_pending");
    advance(&server, 120);
    run_cron(&server);
    assert_eq!(
        order_of(&bob)["substate"],
        "psp_pending",
        "still Pending at PayPal: wait"
    );
    let txn = order["psp_transaction_id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    complete_at_paypal(&server, &txn);
    advance(&server, 120);
    run_cron(&server);
    let order = order_of(&bob);
    assert_eq!(order["code"], 2, "{order}");
    assert_eq!(order["psp_transaction_id"].as_str(), Some(txn.as_str()));
    assert_eq!(psp_cents(&server, &bob), 900);
}

/// Sessions end after 30 days idle and reset links after one hour, by the
/// platform's clock (moved by the emulator's clock).
pub fn sessions_and_reset_links_expire_by_the_clock(_world: &World) {
    let server = own_server("expiry");
    let member = register(&server, "expiry", "1.00");
    let token = crate::flows::csrf(&member.client, "/login");
    let r = member.client.post_form(
        "/password-reset",
        &[("csrf_token", &token), ("email", &member.email)],
    );
    assert_eq!(r.status, 200);
    let mail = crate::flows::mails_to(&server, &member.email)
        .first()
        .cloned()
        .unwrap_or_default();
    let body = mail["body"].as_str().unwrap_or("").to_string();
    let link = body
        .split_whitespace()
        .find(|w| w.contains("/password-reset/"))
        .unwrap_or("")
        .to_string();
    let path = local(&link);
    assert_eq!(
        member.client.get(&path).status,
        200,
        "valid within the hour"
    );
    advance(&server, 3_601);
    assert_eq!(
        member.client.get(&path).status,
        404,
        "expired after one hour"
    );
    advance(&server, 29 * 86_400);
    assert_eq!(
        member.client.get("/account").status,
        200,
        "29 days idle: still signed in"
    );
    advance(&server, 31 * 86_400);
    let r = member.client.get("/account");
    assert_eq!(r.status, 303, "over 30 days idle: signed out");
}

/// The history, the market and the orders page by 50, newest first. On a
/// server of its own: pages are counted by offset, so a title registered
/// by another test between two reads would shift them.
pub fn history_market_and_orders_page_by_fifty(_world: &World) {
    let server = own_server("paging");
    let buyer = register(&server, "pager-buyer", "1000.00");
    let mut isins = Vec::new();
    for i in 0..51 {
        if i > 0 && i % 25 == 0 {
            // Past the buy rate limit's window (30 per 10 minutes).
            advance(&server, 601);
        }
        let seller = register(&server, &format!("pager-seller{i}"), "1.00");
        let isin = titles(&seller)[0].0.clone();
        let order = crate::purchase::buy_on(&server, &buyer, &isin, "1.00", "0");
        assert_eq!(order["code"], 2);
        isins.push(isin);
    }
    let client = server.client();
    let first = client.get_json("/history").json();
    let page1 = first["trades"].as_array().cloned().unwrap_or_default();
    assert_eq!(page1.len(), 50);
    assert_eq!(first["next_page"], 2);
    assert_eq!(page1[0]["isin"], isins[50].as_str(), "newest first");
    let second = client.get_json("/history?page=2").json();
    assert_eq!(second["trades"].as_array().map(Vec::len), Some(1));
    assert_eq!(second["trades"][0]["isin"], isins[0].as_str());
    assert!(second["next_page"].is_null());
    let orders = buyer.client.get_json("/orders").json();
    assert_eq!(orders["orders"].as_array().map(Vec::len), Some(50));
    assert_eq!(orders["next_page"], 2);
    let more = buyer.client.get_json("/orders?page=2").json();
    assert_eq!(more["orders"].as_array().map(Vec::len), Some(1));
    let html = client.get("/history?page=2");
    assert!(
        html.body.contains("href=\"/history?page=1\""),
        "previous link"
    );
    market_pages_by_fifty(&server, &isins);
}

/// 52 active titles: the 51 bought (newest first), then the buyer's own.
fn market_pages_by_fifty(server: &Server, isins: &[String]) {
    let client = server.client();
    let first = client.get_json("/market").json();
    let page1: Vec<String> = first["titles"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["isin"].as_str().map(str::to_string))
        .collect();
    let newest: Vec<String> = isins.iter().rev().take(50).cloned().collect();
    assert_eq!(page1, newest, "page 1: the 50 newest, newest first");
    assert_eq!(first["next_page"], 2);
    let second = client.get_json("/market?page=2").json();
    let page2 = second["titles"].as_array().cloned().unwrap_or_default();
    assert_eq!(page2.len(), 2, "the oldest bought and the buyer's own");
    assert_eq!(page2[0]["isin"], isins[0].as_str());
    assert!(second["next_page"].is_null());
    let html = client.get("/market");
    assert!(html.body.contains("href=\"/market?page=2\""), "next link");
    assert_eq!(client.get_json("/market?page=0").status, 422);
    assert_eq!(client.get_json("/market?page=abc").status, 422);
}

/// On a server of its own: Bob pays Alice 1.00, the answer is lost, and
/// the clock passes the token's 3 hours before anyone looks again.
fn paid_with_its_answer_lost_past_the_token_life(
    label: &str,
    prefix: &str,
) -> (Server, Member, Member, String) {
    let server = own_server(label);
    let alice = register(&server, &format!("{prefix}-a"), "10.00");
    let bob = register(&server, &format!("{prefix}-b"), "10.00");
    let isin = titles(&alice)[0].0.clone();
    let (_, back, token) = approved_order(&bob, &isin, "1.00");
    payment_fault(&server, &token, ("drop", "1"));
    bob.client.get(&local(&back));
    advance(&server, 3 * 3_600 + 60);
    (server, alice, bob, token)
}

/// A payment whose answer was lost and that nobody looked at before its
/// token expired: GetExpressCheckoutDetails answers 10411 but, as PayPal
/// does, still names the transaction, so the cron records the payment.
pub fn a_payment_lost_past_the_token_life_is_recorded_by_the_cron(_world: &World) {
    let (server, alice, bob, _) =
        paid_with_its_answer_lost_past_the_token_life("lost-expired", "le");
    run_cron(&server);
    let order = order_of(&bob);
    assert_eq!(order["code"], 2, "{order}");
    assert!(order["psp_transaction_id"]
        .as_str()
        .is_some_and(|t| t.len() == 17));
    assert_eq!(psp_cents(&server, &bob), 900, "the money moved once");
    assert_eq!(psp_cents(&server, &alice), 1_100);
}

/// The same, when PayPal answers a bare 10411 without the cart (as some
/// recorded answers do): the order is failed as unpaid, and the payment's
/// verified IPN puts it back, pending, for review, with its transaction,
/// so that no payment is lost.
pub fn a_bare_10411_fails_the_order_and_its_ipn_puts_it_back_for_review(_world: &World) {
    let (server, _alice, bob, token) =
        paid_with_its_answer_lost_past_the_token_life("bare-10411", "b11");
    fault(
        &server,
        &[
            ("method", "GetExpressCheckoutDetails"),
            ("token", &token),
            ("error_code", "10411"),
        ],
    );
    run_cron(&server);
    let order = order_of(&bob);
    assert_eq!(
        (order["code"].as_i64(), order["substate"].as_str()),
        (Some(0), Some("needs_review")),
        "{order}"
    );
    assert!(order["psp_transaction_id"]
        .as_str()
        .is_some_and(|t| t.len() == 17));
    assert_eq!(psp_cents(&server, &bob), 900, "the money moved once");
}

fn a_reversal_paypal_could_not_confirm_is_charged_back_by_the_cron(_world: &World) {
    let server = own_server("cron-ipn");
    let alice = register(&server, "cron-ipn-a", "10.00");
    let bob = register(&server, "cron-ipn-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let order = crate::purchase::buy_on(&server, &bob, &isin, "1.00", "100");
    assert_eq!(order["code"], 2, "{order}");
    let deliver = |server: &Server| {
        let r = server.client().post_form_with(
            "/_emulator/paypal/ipn/deliver",
            &[],
            &[("Accept", "application/json")],
        );
        assert_eq!(r.status, 200, "{}", r.body);
    };
    // The payment's own message first: nothing to change.
    deliver(&server);
    let txn = order["psp_transaction_id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let id = order["id"].as_str().unwrap_or("").to_string();
    let reversed = server.client().post_form_with(
        &format!("/_emulator/paypal/transactions/{txn}/reverse"),
        &[("status", "Reversed")],
        &[("Accept", "application/json")],
    );
    assert_eq!(reversed.status, 200, "{}", reversed.body);
    // PayPal is unreachable when the message arrives: it is answered and
    // kept, not acted on.
    fault(
        &server,
        &[
            ("method", "GetTransactionDetails"),
            ("api_username", &alice.paypal.api_username),
            ("error_code", "10445"),
        ],
    );
    deliver(&server);
    let outcome = |server: &Server| -> String {
        server
            .db()
            .query_row(
                "SELECT outcome FROM psp_notifications WHERE status = 'Reversed'",
                [],
                |r| r.get(0),
            )
            .unwrap_or_default()
    };
    assert_eq!(outcome(&server), "received");
    let health = server.client().get("/healthz").json();
    assert_eq!(health["notifications_unresolved"], 1, "{health}");
    assert_eq!(
        bob.client.get_json(&format!("/orders/{id}")).json()["code"],
        2
    );
    // A minute later the cron takes it up again and PayPal answers.
    advance(&server, 120);
    run_cron(&server);
    assert_eq!(outcome(&server), "chargeback_undone");
    let health = server.client().get("/healthz").json();
    assert_eq!(health["notifications_unresolved"], 0, "{health}");
    let order = bob.client.get_json(&format!("/orders/{id}")).json();
    assert_eq!(order["code"], -3, "{order}");
    assert_eq!(order["status"], "chargeback");
}
