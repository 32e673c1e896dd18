//! Tests of the daily report: its day, its text in both languages, and
//! the batch that queues it once (run twice on SQLite with the schema).

use rusqlite::{types::Null, Connection};

use super::*;
use crate::core::dashboard::{periods, GroupRow, Waiting};
use crate::core::ledger::Head;

#[test]
fn a_run_reports_the_utc_day_before_it() {
    let now = UtcTime::parse("2026-12-02T00:04:00Z").expect("time");
    let day = Day::before(now);
    assert_eq!(day.day, "2026-12-01");
    assert_eq!(day.start.to_string(), "2026-12-01T00:00:00Z");
    assert_eq!(day.end().to_string(), "2026-12-02T00:00:00Z");
}

#[test]
fn each_operator_gets_his_clients_language_else_the_default() {
    let emails = vec!["a@x.test".to_string(), "b@x.test".to_string()];
    let rows = [LanguageRow {
        email: "a@x.test".into(),
        language: "fr".into(),
    }];
    assert_eq!(
        recipients(&emails, &rows, Lang::En),
        [
            ("a@x.test".to_string(), Lang::Fr),
            ("b@x.test".to_string(), Lang::En)
        ]
    );
}

fn figures_and_waiting() -> (Figures, Waiting) {
    let row: GroupRow = serde_json::from_value(serde_json::json!({
        "bucket": 0, "code": 2, "psp": "paypal", "currency": "EUR",
        "orders": 2, "amount_cents": 123_450,
    }))
    .expect("row");
    let [day, _, _] = periods(&[row]);
    let waiting = Waiting {
        orders_unresolved: 3,
        orders_needs_review: 1,
        notifications_unresolved: 0,
        outbox_waiting: 0,
        outbox_failed: 2,
        last_cron_at: Some("2026-12-02T00:00:00Z".into()),
        ledger_head: Head {
            n: 7,
            hash: "ab".repeat(32),
        },
    };
    (day, waiting)
}

#[test]
fn the_report_says_the_days_figures_what_waits_and_the_ledger_head_in_english() {
    let (figures, waiting) = figures_and_waiting();
    let (subject, body) = text(
        Lang::En,
        "2026-12-01",
        &figures,
        &waiting,
        Some("https://pb.test"),
    );
    assert_eq!(subject, "PayBook daily report for 2026-12-01");
    assert!(
        body.contains("processed · paypal · 2 orders · 1,234.50 EUR"),
        "{body}"
    );
    assert!(body.contains("E-mails given up: 2"), "{body}");
    assert!(
        body.contains(&format!("entry 7, hash {}", "ab".repeat(32))),
        "{body}"
    );
    assert!(body.contains("https://pb.test/admin"), "{body}");
}

#[test]
fn the_report_is_french_for_a_french_operator() {
    let (figures, waiting) = figures_and_waiting();
    let (subject, body) = text(
        Lang::Fr,
        "2026-12-01",
        &figures,
        &waiting,
        Some("https://pb.test"),
    );
    assert_eq!(subject, "PayBook : rapport quotidien du 2026-12-01");
    assert!(
        body.contains("traité · paypal · 2 ordres · 1\u{202f}234,50 EUR"),
        "{body}"
    );
    assert!(body.contains("Tête du registre : entrée 7"), "{body}");
}

#[test]
fn without_a_public_address_the_report_gives_the_back_office_path_not_a_made_up_link() {
    let (figures, waiting) = figures_and_waiting();
    let (_, body) = text(Lang::En, "2026-12-01", &figures, &waiting, None);
    assert!(body.contains(" /admin\n"), "{body}");
    assert!(!body.contains("http"), "{body}");
}

fn run(conn: &Connection, batch: &Batch) -> Vec<usize> {
    batch
        .iter()
        .map(|stmt| {
            let mut st = conn.prepare(stmt.sql).expect("prepares");
            assert_eq!(st.parameter_count(), stmt.params.len(), "{}", stmt.sql);
            for (i, p) in stmt.params.iter().enumerate() {
                match p {
                    Param::Null => st.raw_bind_parameter(i + 1, Null),
                    Param::Int(v) => st.raw_bind_parameter(i + 1, v),
                    Param::Text(v) => st.raw_bind_parameter(i + 1, v.as_str()),
                }
                .expect("binds");
            }
            st.raw_execute().expect("runs")
        })
        .collect()
}

fn letters(to: &[&str]) -> Vec<Letter> {
    to.iter()
        .map(|to| Letter {
            to: to.to_string(),
            subject: "s".into(),
            body: "b".into(),
        })
        .collect()
}

#[test]
fn the_second_batch_for_a_day_writes_nothing_even_with_other_letters() {
    let conn = Connection::open_in_memory().expect("db");
    conn.execute_batch(include_str!("../../schema.sql"))
        .expect("schema applies");
    let first = run(
        &conn,
        &queue(
            "2026-12-01",
            &letters(&["a@x.test", "b@x.test"]),
            "2026-12-02T00:05:00Z",
            false,
        ),
    );
    assert_eq!(first, [1, 1, 1], "two letters and the claim");
    // An overlapping run that read the day unreported, even with another
    // operator list, changes nothing.
    let second = run(
        &conn,
        &queue(
            "2026-12-01",
            &letters(&["c@x.test"]),
            "2026-12-02T00:10:00Z",
            false,
        ),
    );
    assert_eq!(second, [0, 0]);
    let next_day = run(
        &conn,
        &queue(
            "2026-12-02",
            &letters(&["a@x.test"]),
            "2026-12-03T00:05:00Z",
            true,
        ),
    );
    assert_eq!(next_day, [1, 1]);
    let count: i64 = conn
        .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))
        .expect("count");
    assert_eq!(count, 3);
}

#[test]
fn the_read_batch_runs_on_the_schema() {
    let conn = Connection::open_in_memory().expect("db");
    conn.execute_batch(include_str!("../../schema.sql"))
        .expect("schema applies");
    conn.execute_batch(
        "INSERT INTO clients (email, password_hash, language, psp_environment, created_at) \
         VALUES ('a@x.test', 'h', 'fr', 'emulator', '2026-12-01T00:00:00Z')",
    )
    .expect("client");
    let day = Day::before(UtcTime::parse("2026-12-02T00:04:00Z").expect("time"));
    let batch = read_batch(&day, &["a@x.test".to_string()]);
    for stmt in &batch {
        let st = conn.prepare(stmt.sql).expect("prepares");
        assert_eq!(st.parameter_count(), stmt.params.len(), "{}", stmt.sql);
    }
    let language: String = conn
        .query_row(batch[0].sql, [r#"["a@x.test"]"#], |r| r.get(1))
        .expect("language");
    assert_eq!(language, "fr");
    let reported_rows: i64 = conn
        .query_row(reported(&day.day).sql, [day.day.as_str()], |r| r.get(0))
        .expect("reported");
    assert_eq!(reported_rows, 0);
}
