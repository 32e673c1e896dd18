//! The payments and day-export SQL on SQLite with the real schema: which
//! orders a day's export holds, the filters and the totals.

use rusqlite::{types::Null, Connection};

use super::*;
use crate::core::backoffice::export::{PaymentRow, Total};
use crate::core::backoffice::TypedFilters;
use crate::core::sql::StmtResult;

const D: &str = "2026-12-02";

/// Orders around day D: `p1` paid on D then put in review on D+1; `c1`
/// paid on D-1 and charged back on D; `f1` failed on D; `r1` paid long
/// ago, charged back and re-applied on D (a ledger entry); `f2` failed on
/// D+1; `pend` made on D and still pending; `u1` (USD) paid on D.
fn db() -> Connection {
    let conn = Connection::open_in_memory().expect("db");
    conn.execute_batch(include_str!("../../../schema.sql"))
        .expect("schema");
    // Titles and ISINs are not what these queries read: no rows for them.
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO clients (id, email, password_hash, language, psp_environment, created_at) VALUES
           (1, 'alice@example.org', 'h', 'en', 'emulator', '2026-01-01T00:00:00Z'),
           (2, 'bob@example.org', 'h', 'en', 'emulator', '2026-01-01T00:00:00Z');
         INSERT INTO orders (id, buyer_id, seller_id, title_id, isin, title_version, title_value_cents,
           amount_cents, currency, profit_rate, new_value_cents, code, substate, psp, psp_environment,
           seller_credentials_version, buyer_language, created_at, updated_at, psp_transaction_id, psp_token) VALUES
           ('p1', 2, 1, 1, 'ZZ0000000001', 1, 100, 150, 'EUR', 50, 200, 2, 'needs_review', 'paypal', 'emulator', 1, 'en',
            '2026-12-02T09:59:00Z', '2026-12-03T08:00:00Z', 'T-P1', 'EC-P1'),
           ('c1', 2, 1, 2, 'ZZ0000000002', 1, 100, 100, 'EUR', 0, 100, -3, 'done', 'sips', 'emulator', 1, 'en',
            '2026-12-01T10:00:00Z', '2026-12-02T12:00:00Z', 'T-C1', NULL),
           ('f1', 1, 2, 3, 'ZZ0000000003', 1, 100, 300, 'EUR', 0, 100, -2, 'done', 'paypal', 'emulator', 1, 'en',
            '2026-12-01T23:00:00Z', '2026-12-02T01:00:00Z', NULL, 'EC-F1'),
           ('r1', 2, 1, 4, 'ZZ0000000004', 1, 100, 400, 'EUR', 0, 100, 2, 'done', 'paypal', 'emulator', 1, 'en',
            '2026-11-20T10:00:00Z', '2026-12-02T15:00:00Z', 'T-R1', 'EC-R1'),
           ('f2', 2, 1, 5, 'ZZ0000000005', 1, 100, 500, 'EUR', 0, 100, -2, 'done', 'monetico', 'emulator', 1, 'en',
            '2026-12-02T20:00:00Z', '2026-12-03T01:00:00Z', NULL, NULL),
           ('pend', 2, 1, 6, 'ZZ0000000006', 1, 100, 600, 'EUR', 0, 100, 0, 'confirming', 'paypal', 'emulator', 1, 'en',
            '2026-12-02T13:00:00Z', '2026-12-02T13:01:00Z', NULL, 'EC-PEND'),
           ('u1', 1, 2, 7, 'ZZ0000000007', 1, 100, 700, 'USD', 0, 100, 2, 'done', 'paypal', 'emulator', 1, 'en',
            '2026-12-02T16:00:00Z', '2026-12-02T16:05:00Z', 'T-U1', 'EC-U1');
         INSERT INTO trades (order_id, at, title_id, isin, amount_cents, currency, profit_rate, buyer_id,
           seller_id, new_title_id, new_isin, new_value_cents, previous_value_cents, status) VALUES
           ('p1', '2026-12-02T10:00:00Z', 1, 'ZZ0000000001', 150, 'EUR', 50, 2, 1, 1, 'ZZ0000000001', 200, 100, 'processed'),
           ('c1', '2026-12-01T10:01:00Z', 2, 'ZZ0000000002', 100, 'EUR', 0, 2, 1, 2, 'ZZ0000000002', 100, 100, 'chargeback'),
           ('r1', '2026-11-20T10:01:00Z', 4, 'ZZ0000000004', 400, 'EUR', 0, 2, 1, 4, 'ZZ0000000004', 100, 100, 'processed'),
           ('u1', '2026-12-02T16:05:00Z', 7, 'ZZ0000000007', 700, 'USD', 0, 1, 2, 7, 'ZZ0000000007', 100, 100, 'processed');
         INSERT INTO ledger (n, at, kind, order_id, isin, hash) VALUES
           (1, '2026-12-02T15:00:00Z', 'reapply', 'r1', 'ZZ0000000004', 'h');",
    )
    .expect("rows");
    conn
}

/// Runs `stmt` on SQLite, its rows and changes as D1 gives them (a
/// statement that returns rows reports no changes).
pub(crate) fn query(conn: &Connection, stmt: &Stmt) -> StmtResult {
    let mut st = conn.prepare(stmt.sql).expect("prepares");
    assert_eq!(st.parameter_count(), stmt.params.len(), "{}", stmt.sql);
    for (i, p) in stmt.params.iter().enumerate() {
        match p {
            Param::Null => st.raw_bind_parameter(i + 1, Null),
            Param::Int(v) => st.raw_bind_parameter(i + 1, v),
            Param::Text(v) => st.raw_bind_parameter(i + 1, v.as_str()),
        }
        .expect("binds");
    }
    let names: Vec<String> = st.column_names().iter().map(|n| n.to_string()).collect();
    let mut rows = st.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().expect("row") {
        let mut map = serde_json::Map::new();
        for (i, name) in names.iter().enumerate() {
            let value = match row.get_ref(i).expect("value") {
                rusqlite::types::ValueRef::Null => serde_json::Value::Null,
                rusqlite::types::ValueRef::Integer(v) => v.into(),
                rusqlite::types::ValueRef::Text(t) => {
                    String::from_utf8_lossy(t).into_owned().into()
                }
                other => panic!("unexpected {other:?}"),
            };
            map.insert(name.clone(), value);
        }
        out.push(map);
    }
    let changes = if names.is_empty() { conn.changes() } else { 0 };
    StmtResult::from_rows(out, changes)
}

fn ids(conn: &Connection, stmt: &Stmt) -> Vec<String> {
    let rows: Vec<PaymentRow> = crate::core::sql::rows(&query(conn, stmt)).expect("payment rows");
    rows.into_iter().map(|r| r.id).collect()
}

fn filters(status: &str, psp: &str, q: &str) -> PaymentFilters {
    TypedFilters {
        from: String::new(),
        to: String::new(),
        status: status.into(),
        psp: psp.into(),
        q: q.into(),
    }
    .parse()
    .expect("valid")
}

#[test]
fn a_days_export_holds_the_orders_whose_code_was_set_that_day_in_time_order() {
    let conn = db();
    let on_d = Day::parse(D).expect("day");
    // p1's trade is on D (its review on D+1 does not move it); c1 was
    // charged back on D; f1 failed on D; r1 was re-applied on D (ledger);
    // u1 was paid on D. Not f2 (D+1) nor the pending order.
    assert_eq!(
        ids(&conn, &super::day(on_d)),
        ["f1", "c1", "r1", "u1", "p1"]
    );
    let next = Day::parse("2026-12-03").expect("day");
    assert_eq!(
        ids(&conn, &super::day(next)),
        ["f2"],
        "a review is no code change"
    );
    let before = Day::parse("2026-12-01").expect("day");
    assert_eq!(ids(&conn, &super::day(before)), ["c1"], "paid on D-1");
}

#[test]
fn the_list_is_newest_first_and_filtered_by_day_status_provider_and_search() {
    let conn = db();
    let all = filters("", "", "");
    assert_eq!(
        ids(&conn, &list(&all, Page::FIRST)),
        ["f2", "u1", "pend", "p1", "f1", "c1", "r1"]
    );
    let on_d = TypedFilters {
        from: D.into(),
        to: D.into(),
        ..TypedFilters::default()
    }
    .parse()
    .expect("valid");
    assert_eq!(
        ids(&conn, &list(&on_d, Page::FIRST)),
        ["f2", "u1", "pend", "p1"]
    );
    assert_eq!(
        ids(&conn, &list(&filters("failed", "", ""), Page::FIRST)),
        ["f2", "f1"]
    );
    assert_eq!(
        ids(&conn, &list(&filters("needs_review", "", ""), Page::FIRST)),
        ["p1"]
    );
    assert_eq!(
        ids(&conn, &list(&filters("", "sips", ""), Page::FIRST)),
        ["c1"]
    );
    assert_eq!(
        ids(&conn, &list(&filters("", "", "ALICE@"), Page::FIRST)).len(),
        7
    );
    assert_eq!(
        ids(&conn, &list(&filters("2", "", "zz0000000004"), Page::FIRST)),
        ["r1"]
    );
    assert_eq!(
        ids(&conn, &list(&filters("", "", "EC-F1"), Page::FIRST)),
        ["f1"]
    );
    assert_eq!(
        ids(&conn, &list(&filters("", "", "T-P1"), Page::FIRST)),
        ["p1"]
    );
    assert_eq!(
        ids(&conn, &list(&filters("", "", "nobody"), Page::FIRST)),
        Vec::<String>::new()
    );
}

#[test]
fn totals_count_and_sum_the_whole_selection_per_currency() {
    let conn = db();
    let read = |f: &PaymentFilters| -> Vec<Total> {
        crate::core::sql::rows(&query(&conn, &totals(f))).expect("totals")
    };
    let t = |currency: &str, count, amount_cents| Total {
        currency: currency.into(),
        count,
        amount_cents,
    };
    assert_eq!(
        read(&filters("processed", "", "")),
        [t("EUR", 2, 550), t("USD", 1, 700)]
    );
    assert_eq!(read(&filters("failed", "paypal", "")), [t("EUR", 1, 300)]);
    assert_eq!(read(&filters("canceled", "", "")), Vec::<Total>::new());
}
