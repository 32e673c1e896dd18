//! The ledger (backoffice.md §4): every change to the public history — a
//! trade recorded, undone, re-applied, a dispute cleared — as an entry
//! hash-chained to the one before it, so that rewriting any past entry
//! changes every hash after it. This module owns the canonical form, the
//! hash, the pseudonyms, and the statement that appends an entry; the
//! append runs in the same batch as the change it records
//! (`flow::ledger::run_appending`).
//!
//! Appending needs the previous entry's hash, which SQL cannot compute: the
//! batch carries `n` and the hash computed here from the head read before
//! it. The table's trigger aborts the batch ([`HEAD_MOVED`]) when another
//! entry was appended meanwhile, and the caller appends at the tail
//! instead ([`at_tail`]: numbered by the database, sealed later by
//! `seal`); so the chain never forks and the change it records is never
//! applied without its entry.

use crate::core::chargeback::TradeState;
use crate::core::crypto::sha256_hex;
use crate::core::money::plain_cents;
use crate::core::sql::{Batch, Param, Stmt};

pub mod seal;
pub mod view;

/// The trigger's message when an append does not follow the head.
pub const HEAD_MOVED: &str = "ledger head moved";

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

/// Where a batch's entry goes: after `head`, with the deployment's
/// pseudonyms.
#[derive(Debug, Clone, Copy)]
pub struct Chain<'a> {
    pub head: &'a Head,
    pub deployment_id: &'a str,
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

    /// The entry back from an append statement's parameters (see
    /// [`append`]); `None` for any other statement.
    fn of_append(stmt: &Stmt) -> Option<Entry> {
        if stmt.sql != APPEND_SQL {
            return None;
        }
        let text = |i: usize| match stmt.params.get(i) {
            Some(Param::Text(t)) => Some(t.clone()),
            Some(Param::Int(_) | Param::Null) | None => None,
        };
        let int = |i: usize| match stmt.params.get(i) {
            Some(Param::Int(v)) => Some(*v),
            Some(Param::Text(_) | Param::Null) | None => None,
        };
        Some(Entry {
            at: text(1)?,
            kind: Kind::parse(&text(2)?)?,
            order_id: text(3),
            isin: text(4)?,
            amount_cents: int(5),
            currency: text(6),
            buyer_id: int(7),
            seller_id: int(8),
            new_isin: text(9),
            new_value_cents: int(10),
            seller_value_cents: int(11),
        })
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

/// The one statement that appends an entry ([`append`], [`unchained`]).
const APPEND_SQL: &str =
    "INSERT INTO ledger (n, at, kind, order_id, isin, amount_cents, currency, buyer_id, seller_id, \
     new_isin, new_value_cents, seller_value_cents, hash) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

/// The statement appending `entry` after `head`, and the new head.
pub fn append(head: &Head, entry: &Entry, deployment_id: &str) -> (Stmt, Head) {
    let n = head.n + 1;
    let hash = chain(&head.hash, &canonical(n, entry, deployment_id));
    (entry_stmt(n, entry, Some(&hash)), Head { n, hash })
}

/// An entry appended by a batch built where the head is not known (the
/// purchase's record batch): `n` is 0, which the table's trigger always
/// refuses, so that it is only ever written through [`rechain`]
/// (`flow::ledger::run_appending` does it).
pub fn unchained(entry: &Entry) -> Stmt {
    entry_stmt(0, entry, None)
}

/// `batch` with every entry it appends numbered and hashed after `head`
/// in order (whatever head it was built on), and the head after them.
pub fn rechain(batch: &Batch, head: &Head, deployment_id: &str) -> (Batch, Head) {
    let mut head = head.clone();
    let batch = batch
        .iter()
        .map(|stmt| match Entry::of_append(stmt) {
            Some(entry) => {
                let (stmt, next) = append(&head, &entry, deployment_id);
                head = next;
                stmt
            }
            None => stmt.clone(),
        })
        .collect();
    (batch, head)
}

/// The statement appending an entry at the ledger's tail, numbered by the
/// database (`MAX(n) + 1`, inside the batch's transaction) and unsealed.
const TAIL_SQL: &str =
    "INSERT INTO ledger (n, at, kind, order_id, isin, amount_cents, currency, buyer_id, seller_id, \
     new_isin, new_value_cents, seller_value_cents, hash) \
     VALUES ((SELECT COALESCE(MAX(n), 0) + 1 FROM ledger), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL)";

/// `batch` with every entry it appends written at the tail unsealed
/// instead ([`TAIL_SQL`]): it cannot lose a race for the head, so that a
/// payment's record batch always lands under contention; the entries are
/// sealed right after, in order, like the migrated ones (`seal`).
pub fn at_tail(batch: &Batch) -> Batch {
    batch
        .iter()
        .map(|stmt| match Entry::of_append(stmt) {
            Some(entry) => {
                let mut params = entry_stmt(0, &entry, None).params;
                params.remove(0);
                params.pop();
                Stmt::new(TAIL_SQL, params)
            }
            None => stmt.clone(),
        })
        .collect()
}

/// Whether `batch` appends an entry.
pub fn appends(batch: &Batch) -> bool {
    batch.iter().any(|s| s.sql == APPEND_SQL)
}

fn entry_stmt(n: i64, entry: &Entry, hash: Option<&str>) -> Stmt {
    Stmt::new(
        APPEND_SQL,
        vec![
            Param::Int(n),
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
            Param::from(hash),
        ],
    )
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
    fn rechaining_numbers_every_entry_of_a_batch_after_the_head_in_order() {
        let head = Head {
            n: 4,
            hash: "h4".into(),
        };
        let undo = Entry {
            kind: Kind::Undo,
            ..trade()
        };
        let batch = vec![
            Stmt::new("UPDATE x", vec![]),
            unchained(&trade()),
            append(&Head::genesis(), &undo, "dep").0,
        ];
        let (chained, last) = rechain(&batch, &head, "dep");
        assert_eq!(chained[0], batch[0]);
        let (first, after_first) = append(&head, &trade(), "dep");
        assert_eq!(chained[1], first);
        let (second, after_second) = append(&after_first, &undo, "dep");
        assert_eq!(chained[2], second);
        assert_eq!(last, after_second);
        assert_eq!(last.n, 6);
        assert!(appends(&batch));
        assert!(!appends(&vec![Stmt::new("UPDATE x", vec![])]));
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

    #[test]
    fn appending_numbers_the_entry_after_the_head_and_returns_the_new_head() {
        let (stmt, head) = append(&Head::genesis(), &trade(), "dep");
        assert_eq!(head.n, 1);
        assert_eq!(
            head.hash,
            chain(GENESIS_HASH, &canonical(1, &trade(), "dep"))
        );
        assert_eq!(stmt.params[0], Param::Int(1));
        assert_eq!(stmt.params[12], Param::from(head.hash.as_str()));
    }
}
