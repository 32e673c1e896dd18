//! Sealing a backlog on SQLite with the real migrations: one `seal_all`
//! seals [`SEAL_ROUNDS`] batches at most and returns the head it reached;
//! the next call goes on from there, and the chain it makes is valid.

use super::*;
use crate::core::ledger::view::verify;
use crate::core::ledger::{Entry, Kind};
use crate::core::sqlite_fx::{block_on, SqliteFx};

fn entry(i: i64) -> Entry {
    Entry {
        at: "2026-03-02T10:00:00Z".into(),
        kind: Kind::Trade,
        order_id: Some(format!("o{i}")),
        isin: "ZZ0000000001".into(),
        amount_cents: Some(100 + i),
        currency: Some("EUR".into()),
        buyer_id: Some(2),
        seller_id: Some(1),
        new_isin: Some("ZZ0000000001".into()),
        new_value_cents: Some(150),
        seller_value_cents: None,
    }
}

/// The sealed head as stored (`None`: nothing sealed).
fn sealed(fx: &SqliteFx) -> Option<HeadRow> {
    let results = block_on(fx.run(&vec![ledger::sealed_head()])).expect("the sealed head");
    row_at(&results, 0).expect("a head row")
}

#[test]
fn a_backlog_is_sealed_a_bounded_number_of_rounds_per_call_and_completed_by_the_next() {
    let fx = SqliteFx::new();
    let bound = SEAL_ROUNDS as i64 * seal::PER_BATCH;
    let total = bound + 7;
    let appends: Batch = (1..=total).map(|i| ledger::append(&entry(i))).collect();
    block_on(fx.run(&appends)).expect("a migrated backlog, unsealed");

    let first = block_on(seal_all(&fx, "dep")).expect("sealed");
    // Its rounds' worth (the first round reads no sealed entry before its
    // run, so it seals one more), and not the whole backlog.
    assert_eq!(first.n, bound + 1, "one call's rounds");
    assert_eq!(sealed(&fx).map(|h| h.n), Some(first.n));

    let second = block_on(seal_all(&fx, "dep")).expect("sealed");
    assert_eq!(second.n, total);
    assert_eq!(sealed(&fx).map(|h| h.n), Some(total));

    let rows =
        block_on(fx.run(&vec![crate::core::ledger::view::from(1, total)])).expect("the entries");
    let rows: Vec<Stored> = rows_at(&rows, 0).expect("rows");
    assert_eq!(verify(&rows, &Head::genesis(), "dep"), Ok(second));
}
