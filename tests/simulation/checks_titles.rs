//! The final invariants on titles and trades ((3): one existing holder,
//! unique active ISINs, every ISIN reserved, a split title from its
//! processed order, the titles the replay of the trades; the trade rules;
//! disputed flags), on quiescence ((6): nothing left unresolved, no claim
//! of a final order) and on notifications (verified iff PayPal sent them,
//! read whatever their charset, every one acted on, none recorded that
//! PayPal did not send). PayPal's side is the emulator's tables.

use std::collections::{BTreeMap, BTreeSet};

use paybook::core::psp::paypal::receipts as ipn_receipts;

use super::checks::{Client, Facts, Found, OrderRow, TitleRow};
use super::fx::Sim;

/// (3), the trade rules and the flags.
pub fn check_titles(
    f: &Facts,
    clients: &[Client],
    initial: &BTreeMap<i64, (i64, i64)>,
    found: &mut Vec<Found>,
) {
    let order_by_id: BTreeMap<&str, &OrderRow> =
        f.orders.iter().map(|o| (o.id.as_str(), o)).collect();
    let client_ids: BTreeSet<i64> = clients.iter().map(|c| c.id).collect();
    let mut seen_isins = BTreeSet::new();
    for t in &f.titles {
        if !client_ids.contains(&t.holder_id) {
            found.push((
                "(3) every title has exactly one holder",
                format!("title {} holder {}", t.id, t.holder_id),
                None,
            ));
        }
        if t.status == "active" && !seen_isins.insert(t.isin.clone()) {
            found.push((
                "(3) no two active titles share an ISIN",
                t.isin.clone(),
                None,
            ));
        }
        if !f.isins.contains(&t.isin) {
            found.push((
                "(3) every ISIN of a title is reserved in isins",
                t.isin.clone(),
                None,
            ));
        }
        if t.issued_by == "split" {
            let ok = t
                .issuing_order_id
                .as_deref()
                .and_then(|id| order_by_id.get(id))
                .is_some_and(|o| {
                    matches!(o.code, 2 | -3)
                        && o.new_isin.as_deref() == Some(t.isin.as_str())
                        && Some(o.title_id) == t.parent_title_id
                });
            if !ok {
                found.push((
                    "a split title comes from its processed order",
                    format!("title {}", t.id),
                    t.issuing_order_id.clone(),
                ));
            }
        }
    }
    // Trade rules, and the titles as the replay of the public history.
    let mut expected = initial.clone();
    let mut voided_expected = BTreeSet::new();
    for t in &f.trades {
        // An undone trade is not on the titles (charged back, or paid
        // again after a canceled reversal but not re-applied); its split
        // title, if any, is voided.
        if t.reversal.as_deref() == Some("undone") {
            if t.new_title_id != t.title_id {
                voided_expected.insert(t.new_title_id);
            }
            continue;
        }
        let x = t.amount_cents;
        let grown = (x * (100 + t.profit_rate) + 50) / 100;
        let order_ok = order_by_id.get(t.order_id.as_str()).is_some_and(|o| {
            o.amount_cents == x
                && o.profit_rate == t.profit_rate
                && o.buyer_id == t.buyer_id
                && o.seller_id == t.seller_id
                && o.title_id == t.title_id
                && o.title_value_cents == t.previous_value_cents
                && o.new_value_cents == grown
        });
        if !order_ok || t.new_value_cents != grown {
            found.push((
                "a trade follows its order and new = (x*(100+r)+50)/100",
                format!("trade of {}", t.order_id),
                Some(t.order_id.clone()),
            ));
        }
        match expected.get(&t.title_id).copied() {
            Some((value, holder)) if value == t.previous_value_cents && holder == t.seller_id => {}
            other => found.push((
                "a trade applies to the title as it stood",
                format!(
                    "trade of {} on title {}: title was {other:?}",
                    t.order_id, t.title_id
                ),
                Some(t.order_id.clone()),
            )),
        }
        if x >= t.previous_value_cents {
            if t.seller_value_cents.is_some()
                || t.new_isin != t.isin
                || t.new_title_id != t.title_id
            {
                found.push((
                    "X >= V transfers the title",
                    format!("trade of {}", t.order_id),
                    Some(t.order_id.clone()),
                ));
            }
            expected.insert(t.title_id, (grown, t.buyer_id));
        } else {
            if t.seller_value_cents != Some(t.previous_value_cents - x) || t.new_isin == t.isin {
                found.push((
                    "X < V splits: the seller keeps V - X",
                    format!("trade of {}", t.order_id),
                    Some(t.order_id.clone()),
                ));
            }
            expected.insert(t.title_id, (t.previous_value_cents - x, t.seller_id));
            expected.insert(t.new_title_id, (grown, t.buyer_id));
        }
    }
    let voided: BTreeSet<i64> = f
        .titles
        .iter()
        .filter(|t| t.status == "voided")
        .map(|t| t.id)
        .collect();
    if voided != voided_expected {
        found.push((
            "voided titles are exactly the new titles of undone splits",
            format!("voided {voided:?}, undone splits {voided_expected:?}"),
            None,
        ));
    }
    // Flags: the titles of a trade whose reversal left it on them are
    // flagged; only titles a reversal touched are.
    let reversed_titles: BTreeSet<i64> = f
        .trades
        .iter()
        .filter(|t| t.reversal.is_some())
        .flat_map(|t| [t.title_id, t.new_title_id])
        .collect();
    let must_flag: BTreeSet<i64> = f
        .trades
        .iter()
        .filter(|t| t.reversal.as_deref() == Some("disputed"))
        .flat_map(|t| [t.title_id, t.new_title_id])
        .collect();
    for t in &f.titles {
        let flagged = t.disputed != 0;
        if (flagged && !reversed_titles.contains(&t.id)) || (!flagged && must_flag.contains(&t.id))
        {
            found.push((
                "a title is flagged disputed exactly when a reversal left its trade on it",
                format!("title {} disputed={}", t.id, t.disputed),
                None,
            ));
        }
    }
    let active: Vec<&TitleRow> = f.titles.iter().filter(|t| t.status == "active").collect();
    for t in &active {
        if expected.get(&t.id) != Some(&(t.value_cents, t.holder_id)) {
            found.push((
                "titles are the replay of the public history",
                format!(
                    "title {} is ({}, holder {}), history says {:?}",
                    t.id,
                    t.value_cents,
                    t.holder_id,
                    expected.get(&t.id)
                ),
                None,
            ));
        }
    }
    if expected.len() != active.len() {
        found.push((
            "titles are the replay of the public history",
            format!(
                "{} active titles, history has {}",
                active.len(),
                expected.len()
            ),
            None,
        ));
    }
}

/// (6) quiescence: nothing left unresolved once PayPal's answer is known,
/// no claim of a final order.
pub fn check_quiet(f: &Facts, review: &BTreeSet<String>, ttl_before: &str, found: &mut Vec<Found>) {
    let order_by_id: BTreeMap<&str, &OrderRow> =
        f.orders.iter().map(|o| (o.id.as_str(), o)).collect();
    for o in f.orders.iter().filter(|o| o.code == 0) {
        let stuck = match o.substate.as_str() {
            "needs_review" => !review.contains(&o.id),
            "awaiting_buyer" => o.created_at.as_str() < ttl_before,
            _ => true,
        };
        if stuck {
            found.push((
                "(6) no order is left unresolved once PayPal's answer is known",
                format!("order {} {}", o.id, o.substate),
                Some(o.id.clone()),
            ));
        }
    }
    for t in f.titles.iter().filter(|t| t.claim_order_id.is_some()) {
        let claim = t.claim_order_id.clone().unwrap_or_default();
        let open = order_by_id.get(claim.as_str()).is_some_and(|o| o.code == 0);
        if !open {
            found.push((
                "(6) no title keeps the claim of a final order",
                format!("title {} claimed by {claim}", t.id),
                Some(claim.clone()),
            ));
        }
    }
}

/// Notifications: a receipt is verified iff PayPal sent its bytes (and
/// read whatever its charset), every message PayPal still resends was
/// acted on, no message PayPal did not send is recorded, no payment is
/// left Pending.
pub fn check_notifications(sim: &Sim, f: &Facts, lost: &BTreeSet<i64>, found: &mut Vec<Found>) {
    let sent: BTreeSet<&[u8]> = f.messages.iter().map(|m| m.body.as_bytes()).collect();
    for r in sim.db.read(
        "SELECT id, hex(body) AS body_hex, state FROM psp_ipn_receipts WHERE provider = 'paypal'",
        vec![],
    ) {
        let state = r.get("state").and_then(|v| v.as_str()).unwrap_or("");
        let hex = r.get("body_hex").and_then(|v| v.as_str()).unwrap_or("");
        let due = ipn_receipts::Due {
            id: 0,
            body_hex: hex.to_string(),
        };
        let body = due.bytes().unwrap_or_default();
        if body.is_empty() {
            // Blanked by the retention purge (`RETENTION_DAYS`).
            continue;
        }
        let wrong = if sent.contains(body.as_slice()) {
            state == ipn_receipts::FORGED || state == ipn_receipts::UNREADABLE
        } else {
            state == ipn_receipts::VERIFIED
        };
        if wrong {
            found.push((
                "a notification is verified iff PayPal sent it, and read whatever its charset",
                format!("receipt {:?} {state}", r.get("id")),
                None,
            ));
        }
    }
    let left = sim.db.read_i64(
        "SELECT (SELECT count(*) FROM psp_notifications WHERE outcome = 'received') \
         + (SELECT count(*) FROM psp_ipn_receipts WHERE state = 'received')",
        vec![],
    );
    let unacked = f
        .messages
        .iter()
        .filter(|m| m.status == "queued" && !lost.contains(&m.id))
        .count();
    if left != 0 || unacked != 0 {
        found.push((
            "(6) every notification is acted on once the system is quiet",
            format!("{left} left received, {unacked} unacknowledged"),
            None,
        ));
    }
    for r in sim.db.read(
        "SELECT transaction_id AS txn_id, body FROM psp_notifications",
        vec![],
    ) {
        let body = r.get("body").and_then(|v| v.as_str()).unwrap_or("");
        if !body.is_empty() && !sent.contains(body.as_bytes()) {
            found.push((
                "no message PayPal did not send is recorded",
                format!("{:?}", r.get("txn_id")),
                None,
            ));
        }
    }
    if f.payments.iter().any(|p| p.status == "Pending") {
        found.push(("PayPal settled every pending payment", String::new(), None));
    }
}
