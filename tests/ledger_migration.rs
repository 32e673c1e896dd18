//! Migration 0015 on SQLite: the trades recorded before it become ledger
//! entries once each, in time order (`trades.at`, then id), a charged-back
//! trade followed by its `undo`; they are entered unsealed (SQL has no
//! SHA-256, the pseudonyms need the deployment id), and sealing them in
//! order (`core::ledger::seal`, as the Worker does) makes a valid chain.
//! The triggers let a hash go from NULL to a value and nothing else. An
//! append lands at the tail unsealed (migration 0019) and is sealed the
//! same way; until then a `/ledger` page leaves it out, with its head.

use std::path::PathBuf;

use paybook::core::ledger::view::{verify, Stored};
use paybook::core::ledger::{self, seal, Head};
use paybook::core::sql::Param;
use rusqlite::{params_from_iter, Connection};

fn migrations() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("migrations/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    files
}

fn apply(conn: &Connection, before_ledger: bool) {
    for file in migrations() {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if (name < "0015") == before_ledger {
            let sql = std::fs::read_to_string(&file).expect("readable");
            conn.execute_batch(&sql)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

fn trade(conn: &Connection, id: i64, at: &str, status: &str) {
    conn.execute(
        "INSERT INTO trades (id, order_id, at, title_id, isin, amount_cents, currency, profit_rate, \
         buyer_id, seller_id, new_title_id, new_isin, new_value_cents, previous_value_cents, status) \
         VALUES (?1, 'o' || ?1, ?2, 1, 'ZZ0000000001', 100 * ?1, 'EUR', 50, 2, 1, 1, 'ZZ0000000001', \
         150 * ?1, 100, ?3)",
        rusqlite::params![id, at, status],
    )
    .expect("trade");
}

fn entries(conn: &Connection) -> Vec<Stored> {
    let mut st = conn
        .prepare(
            "SELECT n, at, kind, order_id, isin, amount_cents, currency, buyer_id, seller_id, \
             new_isin, new_value_cents, seller_value_cents, hash FROM ledger ORDER BY n",
        )
        .expect("select");
    st.query_map([], |r| {
        Ok(Stored {
            n: r.get(0)?,
            at: r.get(1)?,
            kind: r.get(2)?,
            order_id: r.get(3)?,
            isin: r.get(4)?,
            amount_cents: r.get(5)?,
            currency: r.get(6)?,
            buyer_id: r.get(7)?,
            seller_id: r.get(8)?,
            new_isin: r.get(9)?,
            new_value_cents: r.get(10)?,
            seller_value_cents: r.get(11)?,
            hash: r.get(12)?,
        })
    })
    .expect("rows")
    .map(|r| r.expect("row"))
    .collect()
}

/// `stmt`'s parameters as SQLite values.
fn values(stmt: &paybook::core::sql::Stmt) -> Vec<rusqlite::types::Value> {
    stmt.params
        .iter()
        .map(|p| match p {
            Param::Null => rusqlite::types::Value::Null,
            Param::Int(i) => rusqlite::types::Value::Integer(*i),
            Param::Text(t) => rusqlite::types::Value::Text(t.clone()),
        })
        .collect()
}

fn run(conn: &Connection, stmt: &paybook::core::sql::Stmt) -> rusqlite::Result<usize> {
    conn.execute(stmt.sql, params_from_iter(values(stmt)))
}

/// A database with three trades recorded before the ledger existed (one
/// charged back), migrated.
fn migrated_with_trades() -> Connection {
    let conn = Connection::open_in_memory().expect("db");
    // The trades alone (their orders, titles and clients do not matter here).
    conn.execute_batch("PRAGMA foreign_keys = OFF;")
        .expect("pragma");
    apply(&conn, true);
    trade(&conn, 1, "2026-03-02T10:00:00Z", "processed");
    trade(&conn, 2, "2026-03-01T10:00:00Z", "chargeback");
    trade(&conn, 3, "2026-03-02T10:00:00Z", "processed");
    apply(&conn, false);
    conn
}

#[test]
fn trades_before_the_ledger_become_entries_in_time_order_with_a_charged_back_ones_undo() {
    let conn = migrated_with_trades();
    let rows = entries(&conn);
    let listed: Vec<(i64, String, String)> = rows
        .iter()
        .map(|r| (r.n, r.kind.clone(), r.order_id.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        listed,
        [
            (1, "trade".to_string(), "o2".to_string()),
            (2, "undo".into(), "o2".into()),
            (3, "trade".into(), "o1".into()),
            (4, "trade".into(), "o3".into()),
        ]
    );
    assert!(rows.iter().all(|r| r.hash.is_none()), "entered unsealed");
    assert_eq!(rows[2].amount_cents, Some(100));
    assert_eq!(rows[2].new_value_cents, Some(150));
    assert_eq!(rows[2].buyer_id, Some(2));
}

#[test]
fn sealing_the_migrated_entries_in_order_makes_a_valid_chain_and_appends_follow_it() {
    let conn = migrated_with_trades();
    let (batch, head) = seal::seal(&entries(&conn), "dep");
    assert_eq!(batch.len(), 4);
    for stmt in &batch {
        assert_eq!(run(&conn, stmt).expect("sealed"), 1);
    }
    let rows = entries(&conn);
    let verified = verify(&rows, &Head::genesis(), "dep").expect("a valid chain");
    assert_eq!(Some(verified.clone()), head);
    assert_eq!(verified.n, 4);
    // Sealing again changes nothing.
    assert_eq!(seal::seal(&entries(&conn), "dep").0, Vec::new());
}

#[test]
fn a_hash_goes_from_null_to_a_value_and_nothing_else_changes() {
    let conn = migrated_with_trades();
    let refused = |sql: &str| {
        let e = conn.execute_batch(sql).expect_err(sql);
        assert!(e.to_string().contains("ledger"), "{sql}: {e}");
    };
    refused("UPDATE ledger SET amount_cents = 1 WHERE n = 1");
    refused("UPDATE ledger SET amount_cents = 1, hash = 'x' WHERE n = 1");
    conn.execute_batch("UPDATE ledger SET hash = 'x' WHERE n = 1")
        .expect("sealing");
    refused("UPDATE ledger SET hash = 'y' WHERE n = 1");
    refused("DELETE FROM ledger WHERE n = 4");
    refused(
        "INSERT INTO ledger (n, at, kind, isin) VALUES (9, '2026-03-03T00:00:00Z', 'trade', 'ZZ0000000001')",
    );
}

#[test]
fn appends_land_at_the_tail_unsealed_and_sealing_them_in_order_completes_the_chain() {
    let conn = migrated_with_trades();
    for stmt in &seal::seal(&entries(&conn), "dep").0 {
        run(&conn, stmt).expect("sealed");
    }
    let entry = entries(&conn)[3].entry().expect("an entry");
    // Numbered by the database, whatever was appended before them.
    for _ in 0..2 {
        assert_eq!(run(&conn, &ledger::append(&entry)).expect("at the tail"), 1);
    }
    let rows = entries(&conn);
    assert_eq!(
        rows.iter().map(|r| r.n).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    assert!(rows[4].hash.is_none() && rows[5].hash.is_none());
    assert_eq!(rows[4].entry(), Some(entry));
    // As `seal::unsealed` reads them: from the sealed entry before the first
    // unsealed one.
    let (seals, head) = seal::seal(&rows[3..], "dep");
    assert_eq!(seals.len(), 2);
    for stmt in &seals {
        assert_eq!(run(&conn, stmt).expect("sealed"), 1);
    }
    let verified = verify(&entries(&conn), &Head::genesis(), "dep").expect("a valid chain");
    assert_eq!(Some(verified.clone()), head);
    assert_eq!(verified.n, 6);
}

/// The `n` (and hash) of each row `stmt` reads.
fn read(conn: &Connection, stmt: &paybook::core::sql::Stmt) -> Vec<(i64, Option<String>)> {
    let mut st = conn.prepare(stmt.sql).expect("prepares");
    st.query_map(params_from_iter(values(stmt)), |r| {
        Ok((r.get("n")?, r.get("hash")?))
    })
    .expect("query")
    .map(|r| r.expect("row"))
    .collect()
}

#[test]
fn a_page_publishes_the_sealed_entries_and_their_head_not_an_append_still_unsealed() {
    let conn = migrated_with_trades();
    for stmt in &seal::seal(&entries(&conn), "dep").0 {
        run(&conn, stmt).expect("sealed");
    }
    let entry = entries(&conn)[3].entry().expect("an entry");
    run(&conn, &ledger::append(&entry)).expect("at the tail");
    let page = read(&conn, &paybook::core::ledger::view::from(1, 500));
    assert_eq!(page.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert!(page.iter().all(|r| r.1.is_some()), "{page:?}");
    let head = read(&conn, &ledger::sealed_head());
    assert_eq!(head, [page[3].clone()], "the page's last entry is its head");
    // What a verifier reads checks out: the unsealed entry waits its seal.
    let published: Vec<Stored> = entries(&conn).into_iter().take(4).collect();
    assert_eq!(
        verify(&published, &Head::genesis(), "dep").map(|h| h.n),
        Ok(4)
    );
}
