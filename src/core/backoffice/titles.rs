//! Disputed titles (backoffice.md §2): a chargeback whose titles had moved
//! on flags them `disputed` (`core::chargeback`); the operator lists them
//! with the trades that left them so, and clears a flag with a reason. The
//! clearing changes the public history's meaning, so it is a ledger entry
//! (`clear_dispute`), appended in the same batch as the flag's change and
//! the audit entry.

use serde::Deserialize;

use crate::core::ledger::{self, Entry, Kind};
use crate::core::sql::{guard_one_row_changed, Batch, Param, Stmt};

/// Disputed titles shown at most.
pub const SHOWN: i64 = 200;

/// The disputed titles, then the trades that flagged them (charged back
/// or reinstated while their titles had moved on).
pub fn disputed() -> Vec<Stmt> {
    vec![
        Stmt::new(
            "SELECT t.id, t.isin, t.value_cents, t.currency, h.email AS holder_email, t.status, t.updated_at \
             FROM titles t JOIN clients h ON h.id = t.holder_id WHERE t.disputed = 1 ORDER BY t.isin LIMIT ?1",
            vec![Param::Int(SHOWN)],
        ),
        Stmt::new(
            "SELECT tr.order_id, tr.at, tr.isin, tr.new_isin, tr.amount_cents, tr.currency, tr.status, \
             tr.reversal, t.isin AS disputed_isin \
             FROM titles t JOIN trades tr ON tr.title_id = t.id OR tr.new_title_id = t.id \
             WHERE t.disputed = 1 AND tr.reversal IS NOT NULL ORDER BY t.isin, tr.id LIMIT ?1",
            vec![Param::Int(SHOWN * 4)],
        ),
    ]
}

/// A title as `clear_dispute` needs it.
#[derive(Deserialize, Debug, Clone)]
pub struct TitleRow {
    pub id: i64,
    pub isin: String,
    pub disputed: i64,
    pub value_cents: i64,
    pub currency: String,
    pub holder_id: i64,
}

pub fn by_isin(isin: &str) -> Stmt {
    Stmt::new(
        "SELECT id, isin, disputed, value_cents, currency, holder_id FROM titles WHERE isin = ?1",
        vec![Param::from(isin)],
    )
}

/// The ledger entry of a cleared dispute: the title and its value as it
/// stands (no order, amount or parties: nothing was paid).
pub fn entry(title: &TitleRow, at: &str) -> Entry {
    Entry {
        at: at.to_string(),
        kind: Kind::ClearDispute,
        order_id: None,
        isin: title.isin.clone(),
        amount_cents: None,
        currency: Some(title.currency.clone()),
        buyer_id: None,
        seller_id: None,
        new_isin: None,
        new_value_cents: Some(title.value_cents),
        seller_value_cents: None,
    }
}

/// Clears the flag (guarded: still disputed), with its ledger entry;
/// `audit` is the operator's entry, written in the same batch.
pub fn clear_dispute(title: &TitleRow, audit: Stmt, now: &str) -> Batch {
    vec![
        Stmt::new(
            "UPDATE titles SET disputed = 0, updated_at = ?2 WHERE id = ?1 AND disputed = 1",
            vec![Param::Int(title.id), Param::from(now)],
        ),
        guard_one_row_changed(),
        ledger::append(&entry(title, now)),
        audit,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn title() -> TitleRow {
        TitleRow {
            id: 7,
            isin: "ZZ0000000001".into(),
            disputed: 1,
            value_cents: 225,
            currency: "EUR".into(),
            holder_id: 2,
        }
    }

    #[test]
    fn clearing_a_dispute_is_guarded_and_appends_one_clear_dispute_entry_with_the_audit() {
        let audit = Stmt::new("SELECT 'audit'", vec![]);
        let batch = clear_dispute(&title(), audit, "2026-12-02T08:00:00Z");
        assert!(batch[0].sql.contains("AND disputed = 1"), "guarded");
        assert_eq!(batch[1], guard_one_row_changed());
        assert!(batch[2].sql.starts_with("INSERT INTO ledger"));
        assert_eq!(batch[2].params[1], Param::from("clear_dispute"));
        assert_eq!(batch[3].sql, "SELECT 'audit'");
    }

    #[test]
    fn the_entry_names_the_title_and_no_payment() {
        let e = entry(&title(), "t");
        assert_eq!(
            (e.kind, e.isin.as_str()),
            (Kind::ClearDispute, "ZZ0000000001")
        );
        assert_eq!((e.order_id, e.amount_cents, e.buyer_id), (None, None, None));
    }
}
