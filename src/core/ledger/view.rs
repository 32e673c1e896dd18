//! The ledger as stored and as published: the rows `/ledger` pages through
//! (JSON with pseudonyms, amounts as `/history` shows them), and the
//! recomputation `/ledger/verify` and the sealing run over them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{canonical, cents_field as cents, chain, pseudonym, Entry, Head, Kind, GENESIS_HASH};
use crate::core::sql::{Param, Stmt};

/// Entries per `/ledger` page.
pub const PAGE_SIZE: i64 = 500;

/// Entries read per round trip when the whole chain is recomputed.
pub const VERIFY_CHUNK: i64 = 2000;

/// One stored entry; `hash` is empty (NULL) only for an entry the
/// migration entered and the Worker has not sealed yet (`super::seal`).
#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub n: i64,
    pub at: String,
    pub kind: String,
    pub order_id: Option<String>,
    pub isin: String,
    pub amount_cents: Option<i64>,
    pub currency: Option<String>,
    pub buyer_id: Option<i64>,
    pub seller_id: Option<i64>,
    pub new_isin: Option<String>,
    pub new_value_cents: Option<i64>,
    pub seller_value_cents: Option<i64>,
    pub hash: Option<String>,
}

impl Stored {
    /// The entry's fields; `None` for a kind this version does not know
    /// (the table's CHECK forbids it).
    pub fn entry(&self) -> Option<Entry> {
        Some(Entry {
            at: self.at.clone(),
            kind: Kind::parse(&self.kind)?,
            order_id: self.order_id.clone(),
            isin: self.isin.clone(),
            amount_cents: self.amount_cents,
            currency: self.currency.clone(),
            buyer_id: self.buyer_id,
            seller_id: self.seller_id,
            new_isin: self.new_isin.clone(),
            new_value_cents: self.new_value_cents,
            seller_value_cents: self.seller_value_cents,
        })
    }

    /// The hash this entry must have after `previous_hash`.
    pub fn expected_hash(&self, previous_hash: &str, deployment_id: &str) -> Option<String> {
        let entry = self.entry()?;
        Some(chain(
            previous_hash,
            &canonical(self.n, &entry, deployment_id),
        ))
    }
}

/// Sealed entries `from` onwards, one more than `limit` (saying whether a
/// next page exists). Entries are sealed in order, so these are the
/// chain's sealed prefix: an entry appended a moment ago at the tail is
/// published once sealed, never with an empty hash that a verifier would
/// take for a break.
pub fn from(first_n: i64, limit: i64) -> Stmt {
    Stmt::new(
        "SELECT n, at, kind, order_id, isin, amount_cents, currency, buyer_id, seller_id, new_isin, \
         new_value_cents, seller_value_cents, hash FROM ledger WHERE n >= ?1 AND hash IS NOT NULL \
         ORDER BY n LIMIT ?2",
        vec![Param::Int(first_n), Param::Int(limit + 1)],
    )
}

/// The head row as stored: `hash` NULL while the migration's entries are
/// not sealed.
#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct HeadRow {
    pub n: i64,
    pub hash: Option<String>,
}

/// The head as published: `{"n", "hash"}` (`hash` null while unsealed).
pub fn head_json(head: Option<&HeadRow>) -> Value {
    match head {
        Some(h) => json!({ "n": h.n, "hash": h.hash }),
        None => json!({ "n": 0, "hash": GENESIS_HASH }),
    }
}

/// `/ledger`'s answer for the rows [`from`] read and the head, serialized
/// as it is (`serde_json::to_string`): typed members, so that a page of
/// 500 entries builds no map per entry. Members are declared in the
/// alphabetical order the published JSON has always had.
#[derive(Serialize, Debug)]
struct PageOut<'a> {
    entries: Vec<EntryOut<'a>>,
    head: Value,
    next_from: Option<i64>,
}

/// One entry as `/ledger` publishes it: clients by pseudonym, empty
/// fields as empty strings (as in the canonical form).
#[derive(Serialize, Debug)]
struct EntryOut<'a> {
    amount: String,
    at: &'a str,
    buyer: &'a str,
    currency: &'a str,
    hash: Option<&'a str>,
    isin: &'a str,
    kind: &'a str,
    n: i64,
    new_isin: &'a str,
    new_value: String,
    order_id: &'a str,
    seller: &'a str,
    seller_value: String,
}

/// The pseudonyms of the clients `rows` name, each computed once (a page
/// names the same few clients many times: one SHA-256 each, not two per
/// entry).
fn pseudonyms(rows: &[Stored], deployment_id: &str) -> BTreeMap<i64, String> {
    rows.iter()
        .flat_map(|r| [r.buyer_id, r.seller_id])
        .flatten()
        .map(|id| (id, pseudonym(deployment_id, id)))
        .collect()
}

fn page_json<'a>(
    rows: &'a [Stored],
    head: Option<&HeadRow>,
    names: &'a BTreeMap<i64, String>,
    limit: i64,
) -> PageOut<'a> {
    let shown = usize::try_from(limit).unwrap_or(usize::MAX);
    let next_from = (rows.len() > shown)
        .then(|| rows.get(shown).map(|r| r.n))
        .flatten();
    let who = |id: Option<i64>| id.and_then(|id| names.get(&id)).map_or("", String::as_str);
    let entries = rows
        .iter()
        .take(shown)
        .map(|s| EntryOut {
            amount: cents(s.amount_cents),
            at: &s.at,
            buyer: who(s.buyer_id),
            currency: s.currency.as_deref().unwrap_or_default(),
            hash: s.hash.as_deref(),
            isin: &s.isin,
            kind: &s.kind,
            n: s.n,
            new_isin: s.new_isin.as_deref().unwrap_or_default(),
            new_value: cents(s.new_value_cents),
            order_id: s.order_id.as_deref().unwrap_or_default(),
            seller: who(s.seller_id),
            seller_value: cents(s.seller_value_cents),
        })
        .collect();
    PageOut {
        entries,
        head: head_json(head),
        next_from,
    }
}

/// `/ledger`'s page as JSON text: the rows [`from`] read, the head.
pub fn page_text(
    rows: &[Stored],
    head: Option<&HeadRow>,
    deployment_id: &str,
    limit: i64,
) -> String {
    let names = pseudonyms(rows, deployment_id);
    // Strings, integers and options only: serializing cannot fail.
    serde_json::to_string(&page_json(rows, head, &names, limit)).unwrap_or_default()
}

/// Why the chain does not hold at an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// Entry numbers must run 1, 2, 3, ... without a gap.
    Numbering { expected: i64 },
    /// The stored hash is not the one its fields and the previous hash give.
    Hash { expected: String },
    /// Entered by the migration and not sealed yet.
    Unsealed,
    /// A kind this version does not know.
    Kind,
}

impl Break {
    pub fn reason(&self) -> &'static str {
        match self {
            Break::Numbering { .. } => "numbering",
            Break::Hash { .. } => "hash_mismatch",
            Break::Unsealed => "unsealed",
            Break::Kind => "unknown_kind",
        }
    }
}

/// Recomputes `rows` (a run of consecutive entries) after `previous`:
/// the head after the last one, or the first entry that breaks the chain.
pub fn verify(rows: &[Stored], previous: &Head, deployment_id: &str) -> Result<Head, (i64, Break)> {
    let mut head = previous.clone();
    for row in rows {
        if row.n != head.n + 1 {
            return Err((
                row.n,
                Break::Numbering {
                    expected: head.n + 1,
                },
            ));
        }
        let Some(expected) = row.expected_hash(&head.hash, deployment_id) else {
            return Err((row.n, Break::Kind));
        };
        match row.hash.as_deref() {
            None => return Err((row.n, Break::Unsealed)),
            Some(stored) if stored != expected => return Err((row.n, Break::Hash { expected })),
            Some(_) => {}
        }
        head = Head {
            n: row.n,
            hash: expected,
        };
    }
    Ok(head)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn stored(n: i64, previous: &str, kind: &str) -> Stored {
        let mut s = Stored {
            n,
            at: "2026-12-02T08:00:00Z".into(),
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
        };
        s.hash = s.expected_hash(previous, "dep");
        s
    }

    fn chain_of(count: i64) -> Vec<Stored> {
        let mut rows = Vec::new();
        let mut previous = GENESIS_HASH.to_string();
        for n in 1..=count {
            let row = stored(n, &previous, "trade");
            previous = row.hash.clone().unwrap_or_default();
            rows.push(row);
        }
        rows
    }

    #[test]
    fn a_chain_built_entry_by_entry_verifies_to_its_last_hash() {
        let rows = chain_of(3);
        let head = verify(&rows, &Head::genesis(), "dep").expect("valid");
        assert_eq!(head.n, 3);
        assert_eq!(Some(head.hash), rows[2].hash);
    }

    #[test]
    fn rewriting_a_past_entrys_amount_breaks_the_chain_at_that_entry() {
        let mut rows = chain_of(3);
        rows[1].amount_cents = Some(9999);
        let (n, why) = verify(&rows, &Head::genesis(), "dep").expect_err("broken");
        assert_eq!(n, 2);
        assert_eq!(why.reason(), "hash_mismatch");
    }

    #[test]
    fn a_missing_entry_breaks_the_numbering() {
        let mut rows = chain_of(3);
        rows.remove(1);
        assert_eq!(
            verify(&rows, &Head::genesis(), "dep"),
            Err((3, Break::Numbering { expected: 2 }))
        );
    }

    #[test]
    fn a_page_says_where_the_next_one_starts_and_shows_empty_fields_empty() {
        let rows = chain_of(3);
        let page: Value = serde_json::from_str(&page_text(&rows, None, "dep", 2)).unwrap();
        assert_eq!(page["entries"].as_array().map(Vec::len), Some(2));
        assert_eq!(page["next_from"], 3);
        assert_eq!(page["entries"][0]["seller_value"], "");
        assert_eq!(page["entries"][0]["amount"], "1.50");
        assert_eq!(page["entries"][0]["buyer"], pseudonym("dep", 2));
        assert_eq!(page["head"]["n"], 0);
    }

    #[test]
    fn the_typed_page_is_byte_for_byte_the_page_built_as_maps() {
        let mut rows = chain_of(4);
        rows[1].buyer_id = None;
        rows[1].amount_cents = None;
        rows[1].currency = None;
        rows[1].order_id = None;
        rows[2].new_isin = Some("ZZ0000000002".into());
        rows[2].new_value_cents = Some(1234);
        rows[2].seller_value_cents = Some(99);
        rows[3].hash = None;
        let who = |id: Option<i64>| id.map(|id| pseudonym("dep", id)).unwrap_or_default();
        let entries: Vec<Value> = rows
            .iter()
            .take(3)
            .map(|s| {
                json!({
                    "n": s.n, "at": s.at, "kind": s.kind,
                    "order_id": s.order_id.clone().unwrap_or_default(), "isin": s.isin,
                    "amount": cents(s.amount_cents), "currency": s.currency.clone().unwrap_or_default(),
                    "buyer": who(s.buyer_id), "seller": who(s.seller_id),
                    "new_isin": s.new_isin.clone().unwrap_or_default(),
                    "new_value": cents(s.new_value_cents), "seller_value": cents(s.seller_value_cents),
                    "hash": s.hash,
                })
            })
            .collect();
        let head = HeadRow { n: 4, hash: None };
        let maps = json!({ "entries": entries, "head": head_json(Some(&head)), "next_from": 4 });
        assert_eq!(page_text(&rows, Some(&head), "dep", 3), maps.to_string());
        let last: Value = serde_json::from_str(&page_text(&rows, None, "dep", 500)).unwrap();
        assert_eq!(last["entries"][3]["hash"], Value::Null);
        assert_eq!(last["next_from"], Value::Null);
    }
}
