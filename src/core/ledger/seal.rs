//! Sealing: hashing the unsealed entries in order. Every append leaves
//! its entry unsealed (`ledger::append`: SQL cannot compute SHA-256 and
//! the pseudonyms need the deployment id, a setting made at boot), as
//! migration 0015 left the trades recorded before the ledger existed. The
//! Worker seals after the request that appended (`flow::ledger`), in the
//! cron, and before the ledger is shown. The table's trigger lets an
//! entry's `hash` go from NULL to a value and nothing else; two sealers
//! compute the same hashes, and the second one's updates change nothing.

use super::view::Stored;
use super::Head;
use crate::core::sql::{Batch, Param, Stmt};

/// Entries sealed per batch.
pub const PER_BATCH: i64 = 500;

/// The unsealed entries (at most [`PER_BATCH`]) and the sealed entry just
/// before the first of them, in order.
pub fn unsealed() -> Stmt {
    Stmt::new(
        "SELECT n, at, kind, order_id, isin, amount_cents, currency, buyer_id, seller_id, new_isin, \
         new_value_cents, seller_value_cents, hash FROM ledger \
         WHERE n >= (SELECT MIN(n) FROM ledger WHERE hash IS NULL) - 1 ORDER BY n LIMIT ?1",
        vec![Param::Int(PER_BATCH + 1)],
    )
}

/// The updates sealing `rows` ([`unsealed`]'s answer) and the last head
/// they make; an empty batch when nothing is to seal (or the rows are not
/// a run that follows a sealed entry or the genesis).
pub fn seal(rows: &[Stored], deployment_id: &str) -> (Batch, Option<Head>) {
    let mut previous = match rows.first() {
        Some(first) if first.hash.is_some() => Head {
            n: first.n,
            hash: first.hash.clone().unwrap_or_default(),
        },
        Some(first) if first.n == 1 => Head::genesis(),
        Some(_) | None => return (Vec::new(), None),
    };
    let mut batch = Vec::new();
    for row in rows.iter().filter(|r| r.hash.is_none()) {
        let Some(hash) = row
            .expected_hash(&previous.hash, deployment_id)
            .filter(|_| row.n == previous.n + 1)
        else {
            break;
        };
        batch.push(Stmt::new(
            "UPDATE ledger SET hash = ?2 WHERE n = ?1 AND hash IS NULL",
            vec![Param::Int(row.n), Param::from(hash.as_str())],
        ));
        previous = Head { n: row.n, hash };
    }
    let last = (!batch.is_empty()).then_some(previous);
    (batch, last)
}

#[cfg(test)]
mod tests {
    use super::super::view::verify;
    use super::*;
    use crate::core::ledger::GENESIS_HASH;

    fn unsealed_row(n: i64, kind: &str) -> Stored {
        Stored {
            n,
            at: format!("2026-01-0{n}T10:00:00Z"),
            kind: kind.into(),
            order_id: Some(format!("o{n}")),
            isin: "ZZ0000000001".into(),
            amount_cents: Some(150),
            currency: Some("EUR".into()),
            buyer_id: Some(2),
            seller_id: Some(1),
            new_isin: Some("ZZ0000000001".into()),
            new_value_cents: Some(225),
            seller_value_cents: None,
            hash: None,
        }
    }

    #[test]
    fn sealing_the_migrated_entries_in_order_makes_a_valid_chain() {
        let mut rows = vec![unsealed_row(1, "trade"), unsealed_row(2, "undo")];
        let (batch, head) = seal(&rows, "dep");
        assert_eq!(batch.len(), 2);
        for (row, stmt) in rows.iter_mut().zip(&batch) {
            if let Some(Param::Text(h)) = stmt.params.get(1) {
                row.hash = Some(h.clone());
            }
        }
        assert_eq!(verify(&rows, &Head::genesis(), "dep").ok(), head);
    }

    #[test]
    fn sealing_goes_on_from_the_last_sealed_entry() {
        let first = super::super::view::tests::stored(1, GENESIS_HASH, "trade");
        let rows = vec![first.clone(), unsealed_row(2, "trade")];
        let (batch, head) = seal(&rows, "dep");
        assert_eq!(batch.len(), 1);
        let expected =
            unsealed_row(2, "trade").expected_hash(first.hash.as_deref().unwrap_or(""), "dep");
        assert_eq!(head.map(|h| h.hash), expected);
    }

    #[test]
    fn nothing_to_seal_is_an_empty_batch() {
        assert_eq!(seal(&[], "dep"), (Vec::new(), None));
    }
}
