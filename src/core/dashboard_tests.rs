//! Tests of the dashboard's periods and statements.

use super::*;
use crate::core::sql::Row;

fn group(bucket: i64, code: i64, psp: &str, currency: &str, orders: i64, cents: i64) -> GroupRow {
    serde_json::from_value(json!({
        "bucket": bucket, "code": code, "psp": psp, "currency": currency,
        "orders": orders, "amount_cents": cents,
    }))
    .expect("group")
}

#[test]
fn the_periods_start_at_utc_midnights_today_six_and_twenty_nine_days_before() {
    let now = UtcTime::parse("2026-12-02T07:20:00Z").expect("time");
    let starts: Vec<String> = Period::ALL
        .iter()
        .map(|p| p.start(now).to_string())
        .collect();
    assert_eq!(
        starts,
        [
            "2026-12-02T00:00:00Z",
            "2026-11-26T00:00:00Z",
            "2026-11-03T00:00:00Z"
        ]
    );
    assert_eq!(day_text(now), "2026-12-02");
}

#[test]
fn a_period_counts_its_own_days_and_the_narrower_periods() {
    let rows = [
        group(0, 2, "paypal", "EUR", 2, 300),
        group(1, 2, "paypal", "EUR", 1, 100),
        group(2, 2, "sips", "EUR", 1, 1000),
        group(2, -2, "paypal", "EUR", 4, 400),
        group(0, 2, "paypal", "USD", 1, 50),
    ];
    let [today, week, month] = periods(&rows);
    let paid = |f: &Figures| -> Vec<(String, i64, i64)> {
        f.paid
            .iter()
            .map(|p| (p.currency.clone(), p.orders, p.amount_cents))
            .collect()
    };
    assert_eq!(
        paid(&today),
        [("EUR".into(), 2, 300), ("USD".into(), 1, 50)]
    );
    assert_eq!(paid(&week), [("EUR".into(), 3, 400), ("USD".into(), 1, 50)]);
    assert_eq!(
        paid(&month),
        [("EUR".into(), 4, 1400), ("USD".into(), 1, 50)]
    );
    let failed: Vec<&Line> = month
        .lines
        .iter()
        .filter(|l| l.status == OrderStatus::Failed)
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!((failed[0].orders, failed[0].amount_cents), (4, 400));
    assert_eq!(
        month
            .lines
            .iter()
            .filter(|l| l.status == OrderStatus::Processed)
            .count(),
        3,
        "paypal EUR, sips EUR, paypal USD"
    );
}

#[test]
fn the_json_names_each_period_and_keeps_amounts_in_the_wire_form() {
    let [today, week, month] = periods(&[group(0, 2, "paypal", "EUR", 1, 1230)]);
    let waiting = Waiting {
        orders_unresolved: 1,
        orders_needs_review: 0,
        notifications_unresolved: 2,
        outbox_waiting: 3,
        outbox_failed: 4,
        last_cron_at: None,
        ledger_head: Head::genesis(),
    };
    let j = json(&[today, week, month], &waiting);
    assert_eq!(j["periods"]["today"]["orders"][0]["status"], "processed");
    assert_eq!(j["periods"]["7_days"]["paid"][0]["amount"], "12.30");
    assert_eq!(j["periods"]["30_days"]["orders"][0]["psp"], "paypal");
    assert_eq!(j["waiting"]["outbox_failed"], 4);
    assert_eq!(j["waiting"]["ledger_head"]["n"], 0);
}

#[test]
fn an_empty_answer_reads_as_nothing_waiting_and_the_genesis_head() {
    let mut summary = Row::new();
    summary.insert("last_cron_at".into(), Value::Null);
    summary.insert("orders_unresolved".into(), json!(0));
    summary.insert("outbox_backlog".into(), json!(0));
    summary.insert("notifications_unresolved".into(), json!(0));
    let results = vec![
        StmtResult::default(),
        StmtResult::from_rows(vec![summary], 0),
        StmtResult::default(),
        StmtResult::default(),
    ];
    let (groups, waiting) = read(&results, 0).expect("reads");
    assert!(groups.is_empty());
    assert_eq!(waiting.ledger_head, Head::genesis());
    assert_eq!(waiting.outbox_waiting, 0);
}

#[test]
fn the_ledger_head_shown_is_the_last_sealed_entry_while_the_newest_waits_for_its_seal() {
    use crate::core::backoffice::payments::tests::query;
    use crate::core::ledger::{self, Entry, Kind};
    let conn = rusqlite::Connection::open_in_memory().expect("db");
    conn.execute_batch(include_str!("../../schema.sql"))
        .expect("schema applies");
    let entry = Entry {
        at: "2026-12-02T08:00:00Z".into(),
        kind: Kind::ClearDispute,
        order_id: None,
        isin: "ZZ0000000001".into(),
        amount_cents: None,
        currency: None,
        buyer_id: None,
        seller_id: None,
        new_isin: Some("ZZ0000000001".into()),
        new_value_cents: Some(100),
        seller_value_cents: None,
    };
    for _ in 0..2 {
        query(&conn, &ledger::append(&entry));
    }
    conn.execute_batch("UPDATE ledger SET hash = 'h1' WHERE n = 1")
        .expect("the first entry sealed");
    let now = UtcTime::parse("2026-12-02T09:00:00Z").expect("time");
    let results: Vec<StmtResult> = batch(now).iter().map(|s| query(&conn, s)).collect();
    let (_, waiting) = read(&results, 0).expect("an unsealed entry does not break the page");
    assert_eq!(
        waiting.ledger_head,
        Head {
            n: 1,
            hash: "h1".into()
        }
    );
}
