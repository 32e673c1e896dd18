//! The ledger (backoffice.md §4): every change to the public history — a
//! trade recorded, undone, re-applied, a dispute cleared — as an entry
//! hash-chained to the one before it, so that rewriting any past entry
//! changes every hash after it. This module owns the canonical form, the
//! hash, the pseudonyms, and the statement that appends an entry; the
//! append runs in the same batch as the change it records
//! (`flow::ledger::run`).
//!
//! Appending needs the previous entry's hash, which SQL cannot compute, and
//! reading the head first would let two recordings at once race for it.
//! So every entry goes in at the tail unsealed ([`append`]: numbered by the
//! database inside the batch's transaction, which cannot lose a race) and
//! is hashed in order right after the answer (`seal`, through
//! `Effects::seal_later`; the cron and `/ledger` seal too). The chain never
//! forks, the change an entry records is never applied without it, and a
//! recording costs no read of the head.

use crate::core::chargeback::TradeState;
use crate::core::crypto::sha256_hex;
use crate::core::money::plain_cents;
use crate::core::sql::{Batch, Param, Stmt};

pub mod seal;
pub mod view;

/// `hash_0`: the hash before the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The version tag that starts every canonical line.
const TAG: &str = "paybook-ledger-1";

/// The last entry: `n = 0` and [`GENESIS_HASH`] for an empty ledger.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Head {
    pub n: i64,
    pub hash: String,
}

impl Head {
    pub fn genesis() -> Head {
        Head {
            n: 0,
            hash: GENESIS_HASH.into(),
        }
    }
}

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Trade,
    /// A trade undone: a chargeback or a refund (`trades.status`
    /// becomes `chargeback`, whether the titles were restored or flagged).
    Undo,
    /// A canceled reversal: the trade stands again.
    Reapply,
    /// An operator cleared a title's dispute.
    ClearDispute,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Trade => "trade",
            Kind::Undo => "undo",
            Kind::Reapply => "reapply",
            Kind::ClearDispute => "clear_dispute",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        [Kind::Trade, Kind::Undo, Kind::Reapply, Kind::ClearDispute]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// One entry's fields, as stored (clients by id; their pseudonyms are
/// computed for the canonical form and for display). `None` is an empty
/// field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub at: String,
    pub kind: Kind,
    pub order_id: Option<String>,
    pub isin: String,
    pub amount_cents: Option<i64>,
    pub currency: Option<String>,
    pub buyer_id: Option<i64>,
    pub seller_id: Option<i64>,
    pub new_isin: Option<String>,
    pub new_value_cents: Option<i64>,
    pub seller_value_cents: Option<i64>,
}

impl Entry {
    /// The entry recording what happened to a trade (`kind`) at `at`.
    pub fn of_trade(t: &TradeState, kind: Kind, at: &str) -> Entry {
        Entry {
            at: at.to_string(),
            kind,
            order_id: Some(t.order_id.clone()),
            isin: t.isin.clone(),
            amount_cents: Some(t.amount_cents),
            currency: Some(t.currency.clone()),
            buyer_id: Some(t.buyer_id),
            seller_id: Some(t.seller_id),
            new_isin: Some(t.new_isin.clone()),
            new_value_cents: Some(t.new_value_cents),
            seller_value_cents: t.seller_value_cents,
        }
    }
}

/// A client's pseudonym: stable for a deployment, never his e-mail.
pub fn pseudonym(deployment_id: &str, client_id: i64) -> String {
    sha256_hex(format!("{deployment_id}:{client_id}").as_bytes())
}

/// An amount in the `/history` format (`12.30`); an entry without one (a
/// dispute cleared) has the spec's empty field, never a zero.
pub fn cents_field(cents: Option<i64>) -> String {
    match cents {
        Some(c) => plain_cents(c),
        None => String::new(),
    }
}

/// Entry `n`'s canonical line (backoffice.md §4).
pub fn canonical(n: i64, entry: &Entry, deployment_id: &str) -> String {
    let who = |id: Option<i64>| {
        id.map(|id| pseudonym(deployment_id, id))
            .unwrap_or_default()
    };
    [
        TAG.to_string(),
        n.to_string(),
        entry.at.clone(),
        entry.kind.as_str().to_string(),
        entry.order_id.clone().unwrap_or_default(),
        entry.isin.clone(),
        cents_field(entry.amount_cents),
        entry.currency.clone().unwrap_or_default(),
        who(entry.buyer_id),
        who(entry.seller_id),
        entry.new_isin.clone().unwrap_or_default(),
        cents_field(entry.new_value_cents),
        cents_field(entry.seller_value_cents),
    ]
    .join("|")
}

/// `hash_n` from `hash_(n-1)` and entry `n`'s canonical line.
pub fn chain(previous_hash: &str, canonical: &str) -> String {
    sha256_hex(format!("{previous_hash}\n{canonical}").as_bytes())
}

/// Reads the head (no row: an empty ledger, [`Head::genesis`]).
pub fn head() -> Stmt {
    Stmt::new(
        "SELECT n, hash FROM ledger ORDER BY n DESC LIMIT 1",
        Vec::new(),
    )
}

/// The last sealed entry: the head a page publishes (an entry appended at
/// the tail under contention is sealed a moment later; until then the
/// head before it is the one anyone can check).
pub fn sealed_head() -> Stmt {
    Stmt::new(
        "SELECT n, hash FROM ledger WHERE hash IS NOT NULL ORDER BY n DESC LIMIT 1",
        Vec::new(),
    )
}

/// The one statement that appends an entry: at the tail, numbered by the
/// database (`MAX(n) + 1`, inside the batch's transaction) and unsealed.
const APPEND_SQL: &str =
    "INSERT INTO ledger (n, at, kind, order_id, isin, amount_cents, currency, buyer_id, seller_id, \
     new_isin, new_value_cents, seller_value_cents, hash) \
     VALUES ((SELECT COALESCE(MAX(n), 0) + 1 FROM ledger), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL)";

/// The statement appending `entry` at the ledger's tail, in the batch of
/// the change it records; whoever runs that batch asks for it to be sealed
/// (`flow::ledger::run`).
pub fn append(entry: &Entry) -> Stmt {
    Stmt::new(
        APPEND_SQL,
        vec![
            Param::from(entry.at.as_str()),
            Param::from(entry.kind.as_str()),
            Param::from(entry.order_id.as_deref()),
            Param::from(entry.isin.as_str()),
            Param::from(entry.amount_cents),
            Param::from(entry.currency.as_deref()),
            Param::from(entry.buyer_id),
            Param::from(entry.seller_id),
            Param::from(entry.new_isin.as_deref()),
            Param::from(entry.new_value_cents),
            Param::from(entry.seller_value_cents),
        ],
    )
}

/// Whether `batch` appends an entry.
pub fn appends(batch: &Batch) -> bool {
    batch.iter().any(|s| s.sql == APPEND_SQL)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trade() -> Entry {
        Entry {
            at: "2026-12-02T08:00:00Z".into(),
            kind: Kind::Trade,
            order_id: Some("o1".into()),
            isin: "ZZ0000000001".into(),
            amount_cents: Some(1230),
            currency: Some("EUR".into()),
            buyer_id: Some(2),
            seller_id: Some(1),
            new_isin: Some("ZZ0000000001".into()),
            new_value_cents: Some(1353),
            seller_value_cents: None,
        }
    }

    #[test]
    fn the_canonical_line_joins_the_specified_fields_with_pipes_and_leaves_empty_ones_empty() {
        let line = canonical(1, &trade(), "dep");
        let fields: Vec<&str> = line.split('|').collect();
        assert_eq!(fields.len(), 13);
        assert_eq!(
            &fields[..8],
            [
                "paybook-ledger-1",
                "1",
                "2026-12-02T08:00:00Z",
                "trade",
                "o1",
                "ZZ0000000001",
                "12.30",
                "EUR"
            ]
        );
        assert_eq!(fields[8], sha256_hex(b"dep:2"), "the buyer's pseudonym");
        assert_eq!(fields[9], sha256_hex(b"dep:1"), "the seller's pseudonym");
        assert_eq!(&fields[10..], ["ZZ0000000001", "13.53", ""]);
    }

    #[test]
    fn the_first_hash_is_the_one_the_offline_verifier_computes() {
        // scripts/verify-ledger's canonical() and chain() on the same entry
        // (Python's hashlib): the two implementations agree.
        assert_eq!(
            chain(GENESIS_HASH, &canonical(1, &trade(), "dep")),
            "e9a22093bb11adc5dc4dce9b6c9c94d933217f424d20c57a0697100a244d2a52"
        );
    }

    #[test]
    fn an_entry_goes_in_at_the_tail_unsealed_and_a_batch_with_one_is_known_to_append() {
        let stmt = append(&trade());
        assert!(stmt.sql.contains("MAX(n), 0) + 1"), "{}", stmt.sql);
        assert!(stmt.sql.ends_with("NULL)"), "unsealed: {}", stmt.sql);
        assert_eq!(stmt.params.len(), 11);
        assert_eq!(stmt.params[1], Param::from("trade"));
        let update = Stmt::new("UPDATE x", vec![]);
        assert!(appends(&vec![update.clone(), stmt]));
        assert!(!appends(&vec![update]));
    }

    #[test]
    fn each_hash_covers_the_previous_hash_and_the_canonical_line() {
        let first = chain(GENESIS_HASH, "a");
        assert_eq!(first, sha256_hex(format!("{GENESIS_HASH}\na").as_bytes()));
        assert_ne!(
            chain(&first, "b"),
            chain(GENESIS_HASH, "b"),
            "the chain depends on what came before"
        );
    }
}
