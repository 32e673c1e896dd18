//! A `spend_id` whose request died (api.md §3, "retry with the same
//! `spend_id`"): the id answers 4002 while its 10-minute lease runs, then
//! the same spend takes it over and makes its order once; the cron forgets
//! spends after 30 days. On a server of its own: the dead request is
//! written into the stopped server's D1, and its clock is moved.

use crate::api::{error_number, pair, spend, spend_body, Pair};
use crate::harness::{apply_migrations, find_sqlite_in, fresh_state_dir, Server};
use crate::reconciler::{advance, run_cron};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![(
        "api_spend_ids::a_spend_id_left_started_by_a_dead_request_is_taken_over_after_its_lease",
        a_spend_id_left_started_by_a_dead_request_is_taken_over_after_its_lease,
    )]
}

fn a_spend_id_left_started_by_a_dead_request_is_taken_over_after_its_lease(_world: &World) {
    let state = fresh_state_dir("spend-ids").expect("state");
    apply_migrations(&state).expect("migrations");
    let server = Server::start(state.clone(), &[]).expect("server");
    let p = pair(&server, "dead");
    let body = spend_body(&p, Some("dead-1"), "3.00");
    // Its fingerprint as the Worker stores it, from a spend that went
    // through under another id.
    let r = spend(
        &p.bob.client,
        &p.key,
        &spend_body(&p, Some("probe-1"), "3.00"),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    drop(server);
    {
        // What a request that died after taking `dead-1` leaves: the id
        // `started`, no order, no answer.
        let path = find_sqlite_in(&state).expect("D1 file");
        let db = rusqlite::Connection::open(path).expect("open D1 while stopped");
        let now = paybook::core::time::UtcTime::from_unix_seconds(unix_now()).to_string();
        let changed = db
            .execute(
                "INSERT INTO api_spends (client_id, spend_id, fields, state, created_at, updated_at) \
                 SELECT client_id, 'dead-1', fields, 'started', ?1, ?1 FROM api_spends \
                 WHERE spend_id = 'probe-1'",
                [&now],
            )
            .expect("the dead request's id");
        assert_eq!(changed, 1);
    }
    let server = Server::start(state, &[]).expect("restarted");
    let client = server.client();
    let r = spend(&client, &p.key, &body);
    assert_eq!((r.status, error_number(&r)), (409, 4002), "{}", r.body);
    assert_eq!(count_orders(&server, &p), 1, "no order made for it yet");

    advance(&server, 601);
    let r = spend(&client, &p.key, &body);
    assert_eq!(r.status, 201, "taken over: {}", r.body);
    let order = r.json()["order"]["id"].clone();
    assert!(order.is_string(), "{}", r.body);
    let again = spend(&client, &p.key, &body);
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json()["order"]["id"], order);
    assert_eq!(count_orders(&server, &p), 2);

    // After 30 days the cron forgets the id: it may be used again.
    advance(&server, 31 * 86_400);
    run_cron(&server);
    let r = spend(&client, &p.key, &body);
    assert_eq!(r.status, 201, "forgotten, made anew: {}", r.body);
    assert_ne!(r.json()["order"]["id"], order);
}

/// Bob's orders as stored (the pair's clients name the stopped server).
fn count_orders(server: &Server, p: &Pair) -> usize {
    let db = server.db();
    let n: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM orders o JOIN clients c ON c.id = o.buyer_id WHERE c.email = ?1",
            [&p.bob.email],
            |r| r.get(0),
        )
        .expect("count");
    usize::try_from(n).unwrap_or(0)
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(0))
        .unwrap_or(0)
}
