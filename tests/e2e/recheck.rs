//! What the cron learns without PayPal's notifications (issue 14, items 3
//! and 5): a refund whose IPN never comes is found by the scheduled
//! re-reads of processed payments (1, 7, 30, 90 and 180 days after the
//! trade, then never again), and a payment Pending past
//! `PENDING_MAX_DAYS` goes to review with its title still claimed. Each
//! test runs its own server, since they move the clock.

use crate::flows::register;
use crate::harness::Server;
use crate::purchase::{local, titles};
use crate::reconciler::{advance, own_server};
use crate::refusals::{approved_order, fault, order_of, payment_fault};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "recheck::a_refund_whose_ipn_never_comes_is_charged_back_by_the_cron_a_day_later",
            a_refund_whose_ipn_never_comes_is_charged_back_by_the_cron_a_day_later,
        ),
        (
            "recheck::a_payment_still_standing_is_read_five_times_then_never_again",
            a_payment_still_standing_is_read_five_times_then_never_again,
        ),
        (
            "recheck::a_payment_pending_past_pending_max_days_goes_to_review_still_claimed",
            a_payment_pending_past_pending_max_days_goes_to_review_still_claimed,
        ),
    ]
}

const DAY_SECONDS: i64 = 86_400;

fn run_cron(server: &Server) {
    let r = server.client().get("/__scheduled?cron=*/5+*+*+*+*");
    assert_eq!(r.status, 200);
}

fn post(server: &Server, path: &str, fields: &[(&str, &str)]) {
    let r = server
        .client()
        .post_form_with(path, fields, &[("Accept", "application/json")]);
    assert_eq!(r.status, 200, "{path}: {}", r.body);
}

/// The order's code and its trade's status, read from the database.
fn order_and_trade(server: &Server, order_id: &str) -> (i64, String) {
    server
        .db()
        .query_row(
            "SELECT o.code, tr.status FROM orders o JOIN trades tr ON tr.order_id = o.id WHERE o.id = ?1",
            [order_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap_or((0, String::new()))
}

/// How many times PayPal was asked about the order's payment.
fn reads(server: &Server, order_id: &str) -> i64 {
    server
        .db()
        .query_row(
            "SELECT count(*) FROM psp_traces WHERE order_id = ?1 AND operation = 'GetTransactionDetails'",
            [order_id],
            |r| r.get(0),
        )
        .unwrap_or(-1)
}

/// Bob buys Alice's title for 1.00; its payment's own IPN is delivered.
/// Returns (server, order id, transaction id, Alice's API username).
fn paid(label: &str) -> (Server, String, String, String) {
    let server = own_server(label);
    let alice = register(&server, &format!("{label}-a"), "10.00");
    let bob = register(&server, &format!("{label}-b"), "10.00");
    let isin = titles(&alice)[0].0.clone();
    let order = crate::purchase::buy_on(&server, &bob, &isin, "1.00", "100");
    assert_eq!(order["code"], 2, "{order}");
    post(&server, "/_emulator/paypal/ipn/deliver", &[]);
    let id = order["id"].as_str().unwrap_or("").to_string();
    let txn = order["psp_transaction_id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    (server, id, txn, alice.paypal.api_username.clone())
}

fn a_refund_whose_ipn_never_comes_is_charged_back_by_the_cron_a_day_later(_world: &World) {
    let (server, id, txn, seller) = paid("recheck-rev");
    post(
        &server,
        &format!("/_emulator/paypal/transactions/{txn}/reverse"),
        &[("status", "Refunded")],
    );
    // PayPal never delivers the reversal's notification.
    post(
        &server,
        &format!("/_emulator/paypal/ipn/drop?txn_id={txn}"),
        &[],
    );
    advance(&server, 600);
    run_cron(&server);
    assert_eq!(
        order_and_trade(&server, &id),
        (2, "processed".into()),
        "nothing is known before the first read is due"
    );
    advance(&server, DAY_SECONDS);
    // The day-1 read finds PayPal unreachable: nothing changes, and the
    // read is not counted as done.
    fault(
        &server,
        &[
            ("method", "GetTransactionDetails"),
            ("api_username", &seller),
            ("error_code", "10445"),
        ],
    );
    let before = reads(&server, &id);
    run_cron(&server);
    assert_eq!(reads(&server, &id), before + 1, "the day-1 read was made");
    assert_eq!(order_and_trade(&server, &id), (2, "processed".into()));
    // The next run reads again and applies what PayPal says, as the
    // notification would have.
    advance(&server, 300);
    run_cron(&server);
    assert_eq!(
        order_and_trade(&server, &id),
        (-3, "chargeback".into()),
        "charged back without a notification"
    );
    let reversal: Option<String> = server
        .db()
        .query_row(
            "SELECT reversal FROM trades WHERE order_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap_or(None);
    assert_eq!(reversal.as_deref(), Some("undone"));
}

fn a_payment_still_standing_is_read_five_times_then_never_again(_world: &World) {
    let (server, id, _txn, _) = paid("recheck-std");
    let mut elapsed = 0;
    let mut expected = reads(&server, &id);
    for day in [1, 7, 30, 90, 180] {
        // Just before the read is due: no read.
        let due = day * DAY_SECONDS;
        advance(&server, due - 600 - elapsed);
        run_cron(&server);
        assert_eq!(reads(&server, &id), expected, "before day {day}");
        advance(&server, 1_200);
        elapsed = due + 600;
        run_cron(&server);
        expected += 1;
        assert_eq!(reads(&server, &id), expected, "the day-{day} read");
        run_cron(&server);
        assert_eq!(reads(&server, &id), expected, "day {day}: read once");
    }
    advance(&server, 365 * DAY_SECONDS);
    run_cron(&server);
    assert_eq!(
        reads(&server, &id),
        expected,
        "after the 180-day read, never again"
    );
    assert_eq!(order_and_trade(&server, &id), (2, "processed".into()));
}

fn a_payment_pending_past_pending_max_days_goes_to_review_still_claimed(_world: &World) {
    let server = own_server("pending-max");
    let alice = register(&server, "pmax-a", "10.00");
    let bob = register(&server, "pmax-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let (_, back, token) = approved_order(&bob, &isin, "1.00");
    payment_fault(&server, &token, ("payment_status", "Pending"));
    bob.client.get(&local(&back));
    assert_eq!(order_of(&bob)["substate"], "psp_pending");
    let claimed = |server: &Server| {
        server.client().get_json(&format!("/titles/{isin}")).json()["claimed"] == true
    };
    assert!(claimed(&server));
    advance(&server, 10 * DAY_SECONDS - 3_600);
    run_cron(&server);
    assert_eq!(
        order_of(&bob)["substate"],
        "psp_pending",
        "before PENDING_MAX_DAYS (10) it waits"
    );
    advance(&server, 2 * 3_600);
    run_cron(&server);
    let order = order_of(&bob);
    assert_eq!(
        (order["code"].as_i64(), order["substate"].as_str()),
        (Some(0), Some("needs_review")),
        "still Pending after 10 days: an operator looks at it; {order}"
    );
    assert!(
        claimed(&server),
        "money may still arrive: the title stays claimed"
    );
}
