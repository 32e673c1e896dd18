//! The operator's order and disputed-title pages end to end (issue 19):
//! `resolve` settles a `needs_review` order only as PayPal's own answer,
//! read in that request (paid → processed with one trade; refunded whole →
//! failed, the title released; still pending → nothing changes); a trade
//! partly refunded at PayPal is kept or undone; a disputed title is
//! cleared with a reason and a ledger entry; a POST without a reason
//! changes nothing; every action is in the audit log; anyone else gets 404.

use serde_json::Value;

use crate::flows::{csrf, login, paypal_account, post_register, register, Member, PASSWORD};
use crate::harness::{apply_migrations, fresh_state_dir, Client, Resp, Server};
use crate::purchase::{buy_on, local, psp_cents, titles};
use crate::reconciler::{advance, run_cron};
use crate::refusals::{approved_order, complete_at_paypal, order_of, payment_fault};
use crate::{Test, World};

/// The operator of every e2e server (`ADMIN_EMAILS` in `start_world`).
pub const OPERATOR: &str = "operator@paybook.test";

pub fn tests() -> Vec<Test> {
    vec![
        (
            "admin_orders::an_operator_resolves_reviews_only_as_paypal_says",
            an_operator_resolves_reviews_only_as_paypal_says,
        ),
        (
            "admin_orders::an_operator_recheck_applies_a_refund_paypal_never_notified",
            an_operator_recheck_applies_a_refund_paypal_never_notified,
        ),
        (
            "admin_orders::partial_refunds_are_kept_or_undone_and_a_dispute_is_cleared_with_a_reason",
            partial_refunds_are_kept_or_undone_and_a_dispute_is_cleared_with_a_reason,
        ),
    ]
}

/// The operator's browser: registered on `server`, or signed in when an
/// earlier test registered the address.
fn operator(server: &Server) -> Client {
    let client = server.client();
    let paypal = paypal_account(
        server,
        &format!("pp-{}", crate::harness::unique_email("op")),
        "10.00",
    );
    if post_register(&client, OPERATOR, PASSWORD, &paypal).status != 303 {
        assert_eq!(
            login(&client, OPERATOR, PASSWORD).status,
            303,
            "operator login"
        );
    }
    client
}

/// `POST` an action on `path` as JSON (the CSRF token from its page);
/// returns the answer.
fn act(client: &Client, path: &str, fields: &[(&str, &str)]) -> Resp {
    let page = if path.starts_with("/admin/titles/") {
        "/admin/titles"
    } else {
        path
    };
    let token = csrf(client, page);
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    client.post_form_with(path, &all, &[("Accept", "application/json")])
}

/// The audit log's entries about `target`: (action, reason, after).
fn audit(server: &Server, target: &str) -> Vec<(String, String, Value)> {
    let db = server.db();
    let mut stmt = db
        .prepare("SELECT action, reason, after_json FROM audit_log WHERE target = ?1 ORDER BY id")
        .expect("audit query");
    stmt.query_map([target], |r| {
        let after: String = r.get(2)?;
        Ok((
            r.get(0)?,
            r.get(1)?,
            serde_json::from_str(&after).unwrap_or(Value::Null),
        ))
    })
    .expect("audit rows")
    .filter_map(Result::ok)
    .collect()
}

/// (D1 round trips, provider calls) of one answer, from `Server-Timing`.
fn cost(r: &Resp) -> (u32, u32) {
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

fn count(server: &Server, sql: &str, param: &str) -> i64 {
    server
        .db()
        .query_row(sql, [param], |r| r.get(0))
        .unwrap_or(-1)
}

/// Bob's order for Alice's first title, paid with PayPal's `Pending`,
/// then past `PENDING_MAX_DAYS` (10): the cron puts it in review.
fn pending_in_review(server: &Server, alice: &Member, bob: &Member) -> (String, String) {
    let isin = titles(alice)[0].0.clone();
    let (_, back, token) = approved_order(bob, &isin, "1.00");
    payment_fault(server, &token, ("payment_status", "Pending"));
    bob.client.get(&local(&back));
    advance(server, 11 * 86_400);
    run_cron(server);
    let order = order_of(bob);
    assert_eq!(
        (order["code"].as_i64(), order["substate"].as_str()),
        (Some(0), Some("needs_review")),
        "{order}"
    );
    let id = order["id"].as_str().unwrap_or("").to_string();
    let txn = order["psp_transaction_id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    (id, txn)
}

fn an_operator_resolves_reviews_only_as_paypal_says(_world: &World) {
    let state = fresh_state_dir("admin-resolve").expect("state");
    apply_migrations(&state).expect("migrations");
    let server = Server::start(state, &[("ADMIN_EMAILS", OPERATOR)]).expect("server");
    let op = operator(&server);
    let alice = register(&server, "adm-a", "10.00");
    let bob = register(&server, "adm-b", "10.00");
    let (id, txn) = pending_in_review(&server, &alice, &bob);
    let path = format!("/admin/orders/{id}");
    let target = format!("order:{id}");

    // Only operators see the back office.
    assert_eq!(bob.client.get(&path).status, 404);
    assert_eq!(server.client().get("/admin/titles?disputed=1").status, 404);
    let page = op.get(&format!("{path}?lang=en"));
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(cost(&page), (2, 0), "the session, then one batch of reads");
    assert!(
        page.body.contains(&bob.email) && page.body.contains("GetTransactionDetails"),
        "unmasked e-mails and full traces"
    );
    assert!(op
        .get(&format!("{path}?lang=fr"))
        .body
        .contains("Traces du prestataire"));

    // No reason: refused, said clearly, nothing changes.
    let r = act(&op, &path, &[("action", "resolve"), ("reason", "  ")]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["result"]["status"], "reason_required");
    assert!(audit(&server, &target).is_empty(), "nothing recorded");
    assert_eq!(r.json()["order"]["substate"], "needs_review");

    // PayPal still says Pending: the order stays, the page says why.
    let r = act(
        &op,
        &path,
        &[("action", "resolve"), ("reason", "buyer asked")],
    );
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.json()["result"]["status"], "still_pending", "{}", r.body);
    assert!(r.json()["result"]["provider_said"]
        .as_str()
        .unwrap_or("")
        .starts_with("pending"));
    assert_eq!(r.json()["order"]["substate"], "needs_review");

    // PayPal completes it: resolved as paid, one trade.
    complete_at_paypal(&server, &txn);
    let r = act(
        &op,
        &path,
        &[("action", "resolve"), ("reason", "PayPal shows it paid")],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    assert_eq!(j["result"]["status"], "processed", "{j}");
    assert_eq!(
        cost(&r),
        (4, 1),
        "session, order and head, the record, the page"
    );
    assert_eq!(
        (j["order"]["code"].as_i64(), j["order"]["substate"].as_str()),
        (Some(2), Some("done"))
    );
    assert_eq!(j["trade"].as_array().map(Vec::len), Some(1), "one trade");
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM trades WHERE order_id = ?1",
            &id
        ),
        1
    );
    assert_eq!(psp_cents(&server, &bob), 900);
    let entries = "SELECT COUNT(*) FROM ledger WHERE order_id = ?1 AND kind = 'trade'";
    assert_eq!(count(&server, entries, &id), 1, "one ledger entry");
    let resolved = audit(&server, &target);
    let actions: Vec<&str> = resolved.iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        ["resolve", "resolve"],
        "the refused attempt and the resolution"
    );
    assert_eq!(resolved[1].1, "PayPal shows it paid");
    assert_eq!(resolved[1].2["code"], 2);
    assert!(resolved[1].2["provider"]
        .as_str()
        .unwrap_or("")
        .starts_with("completed"));
    assert_eq!(resolved[1].2["stated"], Value::Null, "read, not stated");

    // A second review, refunded whole at PayPal: not paid → failed, title released.
    let carol = register(&server, "adm-c", "10.00");
    let erin = register(&server, "adm-e", "10.00");
    let (id2, isin2) = partly_refunded_unrecorded(&server, &erin, &carol);
    refund(&server, &order_txn(&carol), None);
    let path2 = format!("/admin/orders/{id2}");
    let r = act(
        &op,
        &path2,
        &[("action", "resolve"), ("reason", "refunded in full")],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    assert_eq!(j["result"]["status"], "failed", "{j}");
    assert_eq!(j["order"]["code"], -2);
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM titles WHERE isin = ?1 AND claim_order_id IS NULL",
            &isin2
        ),
        1,
        "released"
    );
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM trades WHERE order_id = ?1",
            &id2
        ),
        0
    );
    assert_eq!(audit(&server, &format!("order:{id2}")).len(), 1);
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM ledger WHERE order_id = ?1",
            &id2
        ),
        0
    );

    // recheck asks PayPal and is recorded.
    let r = act(
        &op,
        &path,
        &[("action", "recheck"), ("reason", "look again")],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(audit(&server, &target).len(), 3);
}

/// Bob's payment refunded whole at PayPal, its notification never sent:
/// the operator's recheck of the processed order charges the trade back
/// at once (the cron's re-read would, a day after the trade); the title is
/// Alice's again, and a second recheck changes nothing.
fn an_operator_recheck_applies_a_refund_paypal_never_notified(world: &World) {
    let server = &world.server;
    let op = operator(server);
    let alice = register(server, "adm-rr-a", "10.00");
    let bob = register(server, "adm-rr-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let order = buy_on(server, &bob, &isin, "1.00", "100");
    assert_eq!(order["code"], 2, "{order}");
    let id = order["id"].as_str().unwrap_or("").to_string();
    let txn = order_txn(&bob);
    refund(server, &txn, None);
    let r = server.client().post_form_with(
        &format!("/_emulator/paypal/ipn/drop?txn_id={txn}"),
        &[],
        &[("Accept", "application/json")],
    );
    assert_eq!(r.status, 200, "drop: {}", r.body);
    let path = format!("/admin/orders/{id}");
    let r = act(
        &op,
        &path,
        &[("action", "recheck"), ("reason", "buyer says refunded")],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(order_of(&bob)["code"], -3, "charged back");
    assert!(
        titles(&alice).iter().any(|(i, _)| *i == isin),
        "back with Alice"
    );
    assert!(titles(&bob).iter().all(|(i, _)| *i != isin));
    let r = act(&op, &path, &[("action", "recheck"), ("reason", "again")]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(order_of(&bob)["code"], -3);
    let changed: Vec<Value> = audit(server, &format!("order:{id}"))
        .into_iter()
        .map(|(action, _, after)| {
            assert_eq!(action, "recheck");
            after["changed"].clone()
        })
        .collect();
    assert_eq!(changed, [Value::Bool(true), Value::Bool(false)]);
}

fn order_txn(buyer: &Member) -> String {
    order_of(buyer)["psp_transaction_id"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// Carol pays the seller's title with the answer lost; before the cron
/// looks, a cent is refunded at PayPal: the cron puts the order (code 0)
/// in review, its title still claimed. Returns (order, ISIN).
fn partly_refunded_unrecorded(
    server: &Server,
    seller: &Member,
    carol: &Member,
) -> (String, String) {
    let isin = titles(seller)[0].0.clone();
    let (_, back, token) = approved_order(carol, &isin, "1.00");
    payment_fault(server, &token, ("drop", "1"));
    carol.client.get(&local(&back));
    let txn = paid_txn(server, &token);
    refund(server, &txn, Some("0.01"));
    advance(server, 120);
    run_cron(server);
    let order = order_of(carol);
    assert_eq!(
        (order["code"].as_i64(), order["substate"].as_str()),
        (Some(0), Some("needs_review")),
        "{order}"
    );
    (order["id"].as_str().unwrap_or("").to_string(), isin)
}

/// The transaction PayPal made for checkout `token` (its answer was lost).
fn paid_txn(server: &Server, token: &str) -> String {
    server
        .db()
        .query_row(
            "SELECT transaction_id FROM emulator_checkouts WHERE token = ?1",
            [token],
            |r| r.get(0),
        )
        .unwrap_or_default()
}

fn refund(server: &Server, txn: &str, amount: Option<&str>) {
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
}

fn deliver(server: &Server) {
    let r = server.client().post_form_with(
        "/_emulator/paypal/ipn/deliver",
        &[],
        &[("Accept", "application/json")],
    );
    assert_eq!(r.status, 200, "deliver: {}", r.body);
}

/// A processed trade of 1.00, a cent refunded at PayPal: in review.
fn partly_refunded_trade(server: &Server, seller: &Member, buyer: &Member) -> (String, String) {
    let isin = titles(seller)[0].0.clone();
    let order = buy_on(server, buyer, &isin, "1.00", "100");
    assert_eq!(order["code"], 2, "{order}");
    deliver(server);
    let txn = order["psp_transaction_id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    refund(server, &txn, Some("0.01"));
    deliver(server);
    let id = order["id"].as_str().unwrap_or("").to_string();
    let o = buyer.client.get_json(&format!("/orders/{id}")).json();
    assert_eq!(
        (o["code"].as_i64(), o["substate"].as_str()),
        (Some(2), Some("needs_review")),
        "{o}"
    );
    (id, isin)
}

fn partial_refunds_are_kept_or_undone_and_a_dispute_is_cleared_with_a_reason(world: &World) {
    let server = &world.server;
    let op = operator(server);
    let alice = register(server, "admp-a", "10.00");
    let bob = register(server, "admp-b", "10.00");

    // Kept: the trade stands, the review closes.
    let (kept, _) = partly_refunded_trade(server, &alice, &bob);
    let r = act(
        &op,
        &format!("/admin/orders/{kept}"),
        &[("action", "keep_trade"), ("reason", "a goodwill cent")],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["result"]["status"], "kept");
    assert_eq!(
        cost(&r),
        (4, 0),
        "session, trade and head, the write, the page"
    );
    assert_eq!(
        (
            r.json()["order"]["code"].as_i64(),
            r.json()["order"]["substate"].as_str()
        ),
        (Some(2), Some("done"))
    );
    assert_eq!(audit(server, &format!("order:{kept}"))[0].0, "keep_trade");

    // Undone: charged back, the title back with its seller.
    let (undone, isin) = partly_refunded_trade(server, &bob, &alice);
    let r = act(
        &op,
        &format!("/admin/orders/{undone}"),
        &[("action", "undo_trade"), ("reason", "seller asked")],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["result"]["status"], "undone", "{}", r.body);
    assert_eq!(r.json()["order"]["code"], -3);
    let holder: String = server
        .db()
        .query_row(
            "SELECT c.email FROM titles t JOIN clients c ON c.id = t.holder_id WHERE t.isin = ?1",
            [&isin],
            |r| r.get(0),
        )
        .unwrap_or_default();
    assert_eq!(holder, bob.email, "back with its seller");
    let undo = "SELECT COUNT(*) FROM ledger WHERE order_id = ?1 AND kind = 'undo'";
    assert_eq!(count(server, undo, &undone), 1, "its ledger entry");
    assert_eq!(count(server, undo, &kept), 0, "a kept trade stands");
    let undo_audit = audit(server, &format!("order:{undone}"));
    assert_eq!(
        (undo_audit[0].0.as_str(), undo_audit[0].2["code"].as_i64()),
        ("undo_trade", Some(-3))
    );

    // A dispute: Bob's payment reversed after Carol bought the title on.
    let carol = register(server, "admp-c", "10.00");
    let dave = register(server, "admp-d", "10.00");
    let isin = titles(&carol)[0].0.clone();
    let first = buy_on(server, &dave, &isin, "1.00", "100");
    deliver(server);
    buy_on(server, &carol, &isin, "2.00", "0");
    deliver(server);
    let txn = first["psp_transaction_id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let r = server.client().post_form_with(
        &format!("/_emulator/paypal/transactions/{txn}/reverse"),
        &[("status", "Reversed")],
        &[("Accept", "application/json")],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    deliver(server);
    let list = op.get_json("/admin/titles?disputed=1").json();
    assert!(
        list["titles"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["isin"] == isin.as_str())),
        "{list}"
    );
    assert!(
        list["trades"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["order_id"] == first["id"])),
        "{list}"
    );

    let path = format!("/admin/titles/{isin}");
    let r = act(&op, &path, &[("action", "clear_dispute"), ("reason", "")]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        op.get("/admin/titles?disputed=1&lang=en")
            .body
            .contains(&isin),
        "still disputed"
    );
    assert!(audit(server, &format!("title:{isin}")).is_empty());
    let refused = op.post_form(
        &path,
        &[
            ("csrf_token", &csrf(&op, "/admin/titles")),
            ("action", "clear_dispute"),
        ],
    );
    assert!(
        refused.body.contains("Give a reason") || refused.body.contains("Indiquez un motif"),
        "a clear message"
    );

    let r = act(
        &op,
        &path,
        &[
            ("action", "clear_dispute"),
            ("reason", "both parties agreed"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["result"]["status"], "cleared");
    assert_eq!(
        count(server, "SELECT disputed FROM titles WHERE isin = ?1", &isin),
        0
    );
    assert_eq!(
        count(
            server,
            "SELECT COUNT(*) FROM ledger WHERE kind = 'clear_dispute' AND isin = ?1",
            &isin
        ),
        1
    );
    let cleared = audit(server, &format!("title:{isin}"));
    assert_eq!(
        (cleared.len(), cleared[0].1.as_str()),
        (1, "both parties agreed")
    );
    let verify = server.client().get_json("/ledger/verify").json();
    assert_eq!(verify["valid"], true, "{verify}");
}
