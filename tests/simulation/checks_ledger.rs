//! The ledger (backoffice.md §4) after every step that wrote: its chain
//! holds (each new entry numbered after the last one checked and hashed
//! with the previous hash and its canonical line, the production
//! `core::ledger::view::verify`), and replaying every entry (trade: the
//! trade stands, `undo`: charged back, `reapply`: standing again) gives
//! exactly the public history's trades and statuses (`trades`).
//! Incremental: only the entries appended since the last look are read.
//! Entries appended at the tail unsealed (a lost race for the head,
//! `flow::ledger::run_appending`) may follow the sealed ones until their
//! writer, the next append or the cron seals them: they are replayed but
//! not verified yet, and once quiescent none is left (`check_sealed`).

use std::collections::BTreeMap;

use paybook::core::ledger::view::{verify, Stored};
use paybook::core::ledger::Head;
use paybook::core::sql::Param;

use super::actors::DEPLOYMENT;
use super::checks::Found;
use super::fx::Sim;
use super::ledger::Ledger;

/// What the entries checked so far add up to.
pub struct LedgerSeen {
    head: Head,
    /// Order id → the status its trade has after the entries replayed.
    status: BTreeMap<String, &'static str>,
}

impl Default for LedgerSeen {
    fn default() -> Self {
        LedgerSeen {
            head: Head::genesis(),
            status: BTreeMap::new(),
        }
    }
}

const CHAIN: &str = "the ledger's chain holds";
const REPLAY: &str = "the ledger replays to the public history";

/// The next status of a trade an entry of `kind` records, or why it
/// cannot follow `before`.
fn replayed(kind: &str, before: Option<&'static str>) -> Result<&'static str, String> {
    match (kind, before) {
        ("trade", None) => Ok("processed"),
        ("undo", Some("processed")) => Ok("chargeback"),
        ("reapply", Some("chargeback")) => Ok("processed"),
        (kind, before) => Err(format!("{kind} after {before:?}")),
    }
}

pub fn check_ledger(sim: &Sim, ledger: &Ledger, seen: &mut LedgerSeen) {
    let rows: Vec<Stored> = sim
        .db
        .read(
            "SELECT n, at, kind, order_id, isin, amount_cents, currency, buyer_id, seller_id, new_isin, \
             new_value_cents, seller_value_cents, hash FROM ledger WHERE n > ?1 ORDER BY n",
            vec![Param::Int(seen.head.n)],
        )
        .into_iter()
        .filter_map(|r| serde_json::from_value(serde_json::Value::Object(r)).ok())
        .collect();
    let sealed = rows.iter().take_while(|r| r.hash.is_some()).count();
    let (sealed_rows, tail) = rows.split_at(sealed);
    if let Some(row) = tail.iter().find(|r| r.hash.is_some()) {
        let why = "sealed after an unsealed entry";
        ledger.violation(sim, CHAIN, format!("entry {}: {why}", row.n), None);
        return;
    }
    match verify(sealed_rows, &seen.head, DEPLOYMENT) {
        Ok(head) => seen.head = head,
        Err((n, why)) => {
            ledger.violation(sim, CHAIN, format!("entry {n}: {why:?}"), None);
            return;
        }
    }
    if let Some(gap) = tail.iter().zip(seen.head.n + 1..).find(|(r, n)| r.n != *n) {
        let (row, n) = gap;
        ledger.violation(
            sim,
            CHAIN,
            format!("entry {}: numbered after {}", row.n, n - 1),
            None,
        );
        return;
    }
    let replay_tail = |status: &mut BTreeMap<String, &'static str>, rows: &[Stored]| {
        for row in rows {
            let order = row.order_id.clone().unwrap_or_default();
            let before = status.get(&order).copied();
            match replayed(&row.kind, before) {
                Ok(next) => {
                    status.insert(order, next);
                }
                Err(why) => ledger.violation(sim, REPLAY, format!("entry {}: {why}", row.n), None),
            }
        }
    };
    replay_tail(&mut seen.status, sealed_rows);
    // The unsealed tail counts for the comparison, but is read (and
    // replayed) again next time, once sealed.
    let mut status = seen.status.clone();
    replay_tail(&mut status, tail);
    let history: BTreeMap<String, String> = sim
        .db
        .read("SELECT order_id, status FROM trades", vec![])
        .into_iter()
        .map(|r| {
            let s = |k: &str| r.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
            (s("order_id"), s("status"))
        })
        .collect();
    let replay: BTreeMap<String, String> = status
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    if replay != history {
        let differ: Vec<_> = history
            .iter()
            .filter(|(k, v)| replay.get(*k) != Some(*v))
            .map(|(k, v)| format!("{k}: history {v}, ledger {:?}", replay.get(k)))
            .chain(
                replay
                    .keys()
                    .filter(|k| !history.contains_key(*k))
                    .map(|k| format!("{k}: in the ledger only")),
            )
            .collect();
        ledger.violation(sim, REPLAY, differ.join("; "), None);
    }
}

/// Once quiescent (the cron has run), no entry is left unsealed.
pub fn check_sealed(sim: &Sim, found: &mut Vec<Found>) {
    let unsealed = sim
        .db
        .read("SELECT n FROM ledger WHERE hash IS NULL ORDER BY n", vec![]);
    if let Some(first) = unsealed.first() {
        found.push((
            "the ledger is sealed once quiescent",
            format!(
                "{} entries unsealed from {:?}",
                unsealed.len(),
                first.get("n")
            ),
            None,
        ));
    }
}
