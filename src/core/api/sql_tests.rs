//! The `spend_id` store's statements on SQLite with the real schema: an id
//! taken, found taken, taken over once its request is stale, kept or
//! freed only by the request holding it, and forgotten after 30 days.

use rusqlite::Connection;

use super::*;
use crate::core::backoffice::payments::tests::query;

const KEY: &str = "keyhash";
const FIELDS: &str = r#"{"amount":"1.00","isin":"ZZ1"}"#;

/// Bob's key within its rate limit. No orders: not what these statements
/// read (foreign keys off).
fn db() -> Connection {
    let conn = Connection::open_in_memory().expect("db");
    conn.execute_batch(include_str!("../../../schema.sql"))
        .expect("schema");
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO clients (id, email, password_hash, language, psp_environment, created_at) VALUES
           (1, 'bob@example.org', 'h', 'en', 'emulator', '2026-01-01T00:00:00Z');
         INSERT INTO api_keys (client_id, key_hash, prefix, name, created_at) VALUES
           (1, 'keyhash', 'pbk_', 'k', '2026-01-01T00:00:00Z');
         INSERT INTO rate_limits (bucket, window_start, hits) VALUES ('b', 'w', 1);",
    )
    .expect("rows");
    conn
}

/// Runs `stmt`; the rows it changed.
fn exec(conn: &Connection, stmt: &Stmt) -> u64 {
    query(conn, stmt).changes
}

/// Takes `s1` with `fields` at `now`, stale before `stale_before`.
fn reserve(conn: &Connection, fields: &str, now: &str, stale_before: &str) -> u64 {
    exec(
        conn,
        &reserve_spend_of_key(&KeyedSpend {
            key_hash: KEY,
            payer: "bob@example.org",
            bucket: "b",
            window: "w",
            limit: 10,
            spend_id: "s1",
            fields,
            now,
            stale_before,
        }),
    )
}

fn held(taken_at: &str) -> HeldSpend<'_> {
    HeldSpend {
        client_id: 1,
        spend_id: "s1",
        taken_at,
    }
}

/// (state, updated_at, order_id) of `s1`.
fn stored(conn: &Connection) -> Option<(String, String, Option<String>)> {
    conn.query_row(
        "SELECT state, updated_at, order_id FROM api_spends WHERE spend_id = 's1'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .ok()
}

const T0: &str = "2026-12-01T10:00:00Z";
const T1: &str = "2026-12-01T10:05:00Z";
const T2: &str = "2026-12-01T10:20:00Z";

#[test]
fn an_id_is_taken_once_and_a_started_one_stays_its_holders_within_the_lease() {
    let conn = db();
    assert_eq!(reserve(&conn, FIELDS, T0, "2026-12-01T09:50:00Z"), 1);
    // Five minutes on: the lease (10 minutes) still runs.
    assert_eq!(reserve(&conn, FIELDS, T1, "2026-12-01T09:55:00Z"), 0);
    assert_eq!(stored(&conn).map(|s| s.1), Some(T0.to_string()));
}

#[test]
fn a_started_id_past_its_lease_is_taken_over_by_the_same_spend_only() {
    let conn = db();
    assert_eq!(reserve(&conn, FIELDS, T0, "2026-12-01T09:50:00Z"), 1);
    let other = r#"{"amount":"2.00","isin":"ZZ1"}"#;
    assert_eq!(
        reserve(&conn, other, T2, "2026-12-01T10:10:00Z"),
        0,
        "another spend under the id is a conflict, not a takeover"
    );
    assert_eq!(reserve(&conn, FIELDS, T2, "2026-12-01T10:10:00Z"), 1);
    assert_eq!(stored(&conn).map(|s| s.1), Some(T2.to_string()));
    // The request that died neither keeps nor frees it any more.
    assert_eq!(exec(&conn, &finish_spend(&held(T0), "o-old", "{}", T2)), 0);
    assert_eq!(exec(&conn, &release_spend(&held(T0))), 0);
    assert_eq!(exec(&conn, &finish_spend(&held(T2), "o-new", "{}", T2)), 1);
    let (state, _, order) = stored(&conn).expect("kept");
    assert_eq!((state.as_str(), order.as_deref()), ("done", Some("o-new")));
}

#[test]
fn a_done_spend_is_never_taken_over() {
    let conn = db();
    assert_eq!(reserve(&conn, FIELDS, T0, "2026-12-01T09:50:00Z"), 1);
    assert_eq!(exec(&conn, &finish_spend(&held(T0), "o1", "{}", T0)), 1);
    assert_eq!(reserve(&conn, FIELDS, T2, "2026-12-01T10:10:00Z"), 0);
    assert_eq!(stored(&conn).and_then(|s| s.2), Some("o1".to_string()));
}

#[test]
fn spends_older_than_the_cutoff_are_forgotten_and_newer_ones_kept() {
    let conn = db();
    assert_eq!(reserve(&conn, FIELDS, T0, "2026-12-01T09:50:00Z"), 1);
    assert_eq!(exec(&conn, &purge_spends("2026-12-01T10:00:00Z", 500)), 0);
    assert!(stored(&conn).is_some());
    assert_eq!(exec(&conn, &purge_spends("2026-12-01T10:00:01Z", 500)), 1);
    assert!(stored(&conn).is_none());
}
