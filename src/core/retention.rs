//! Retention (`RETENTION_DAYS`, issue 14 item 12): what the platform keeps
//! of PayPal's raw data, and for how long. PayPal's notifications carry the
//! payer's e-mail, name and address; PayPal's answers carry both parties'
//! PayPal identities. They are needed while a payment can still change
//! (a chargeback, a late notification), not for ever.
//!
//! After the retention period the cron blanks, in bounded batches:
//! - a notification's raw `body`, once acted on (a `received` one is still
//!   the cron's work and keeps it), and likewise the raw bytes the IPN
//!   listener recorded first (`psp_ipn_receipts`);
//! - a trace's raw `request` and `response` fields and their wire bytes.
//!   Its neutral columns (operation, outcome, error codes, the provider's
//!   reference, time) stay, so the order page still tells what happened;
//!   the ledger (orders, trades, titles) is never touched;
//! - the body of an e-mail given up (sent ones lose theirs when sent).
//!
//! Each statement reads through a partial index of what is left to blank
//! (migrations 0008 and 0010), so a run costs the rows it purges, not the
//! history.

use super::sql::{Batch, Param, Stmt};
use super::time::UtcTime;

/// Rows of each kind blanked per cron run at most: a backlog (the first
/// run after an upgrade) drains over a few runs instead of one huge write.
pub const ROWS_PER_RUN: i64 = 500;

/// The instant before which raw data is purged.
pub fn cutoff(now: UtcTime, retention_days: i64) -> UtcTime {
    now.plus_seconds(-retention_days.saturating_mul(86_400))
}

/// One batch blanking at most `limit` rows of each kind older than
/// `cutoff`. Idempotent: a blanked row no longer matches.
pub fn purge(cutoff: UtcTime, limit: i64) -> Batch {
    let before = cutoff.to_string();
    let params = || vec![Param::from(before.as_str()), Param::Int(limit)];
    vec![
        Stmt::new(
            // The wire bytes are written with the fields and go with them, so
            // the partial index's condition covers them too.
            "UPDATE psp_traces SET request = '', response = NULL, request_wire = NULL, \
             response_wire = NULL WHERE id IN \
             (SELECT id FROM psp_traces WHERE (response IS NOT NULL OR request <> '') \
             AND at < ?1 ORDER BY at LIMIT ?2)",
            params(),
        ),
        Stmt::new(
            "UPDATE psp_notifications SET body = '' WHERE id IN \
             (SELECT id FROM psp_notifications WHERE body <> '' AND outcome <> 'received' \
             AND received_at < ?1 ORDER BY received_at LIMIT ?2)",
            params(),
        ),
        Stmt::new(
            "UPDATE psp_ipn_receipts SET body = X'' WHERE id IN \
             (SELECT id FROM psp_ipn_receipts WHERE length(body) > 0 AND state <> 'received' \
             AND received_at < ?1 ORDER BY received_at LIMIT ?2)",
            params(),
        ),
        Stmt::new(
            "UPDATE outbox SET body = '' WHERE id IN \
             (SELECT id FROM outbox WHERE status = 'failed' AND body <> '' \
             AND created_at < ?1 LIMIT ?2)",
            params(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::{types::Null, Connection};

    fn db() -> Connection {
        let conn = Connection::open_in_memory().expect("db");
        let schema = include_str!("../../schema.sql");
        conn.execute_batch(schema).expect("schema applies");
        conn.execute_batch(
            "INSERT INTO psp_traces (order_id, client_id, provider, operation, outcome, error_codes, provider_ref, at, request, response, request_wire, response_wire) VALUES
               (NULL, NULL, 'paypal', 'GetTransactionDetails', 'Success', NULL, 'old1', '2025-01-01T00:00:00Z', '{\"TRANSACTIONID\":\"T1\"}', '{\"EMAIL\":\"payer@example.org\"}', CAST('TRANSACTIONID=T1' AS BLOB), CAST('EMAIL=payer%40example.org' AS BLOB)),
               (NULL, NULL, 'paypal', 'DoExpressCheckoutPayment', 'Failure', '10486', 'old2', '2025-01-02T00:00:00Z', '{\"TOKEN\":\"EC-1\"}', '{\"ACK\":\"Failure\"}', CAST('TOKEN=EC-1' AS BLOB), CAST('ACK=Failure' AS BLOB)),
               (NULL, NULL, 'paypal', 'GetTransactionDetails', 'Success', NULL, 'new', '2026-06-01T00:00:00Z', '{\"TRANSACTIONID\":\"T2\"}', '{\"EMAIL\":\"payer@example.org\"}', CAST('TRANSACTIONID=T2' AS BLOB), CAST('EMAIL=payer%40example.org' AS BLOB));
             INSERT INTO psp_notifications (provider, transaction_id, status, order_id, received_at, body, outcome) VALUES
               ('paypal', 'T1', 'Completed', NULL, '2025-01-01T00:00:00Z', 'payer_email=payer%40example.org', 'nothing_to_change'),
               ('paypal', 'T1', 'Reversed', NULL, '2025-01-01T00:00:00Z', 'payer_email=payer%40example.org', 'received'),
               ('paypal', 'T2', 'Completed', NULL, '2026-06-01T00:00:00Z', 'payer_email=payer%40example.org', 'nothing_to_change');
             INSERT INTO psp_ipn_receipts (provider, received_at, body, state, updated_at) VALUES
               ('paypal', '2025-01-01T00:00:00Z', CAST('first_name=Ren%E9' AS BLOB), 'verified', '2025-01-01T00:00:00Z'),
               ('paypal', '2025-01-01T00:00:00Z', CAST('first_name=Ren%E9' AS BLOB), 'received', '2025-01-01T00:00:00Z'),
               ('paypal', '2026-06-01T00:00:00Z', CAST('first_name=Ren%E9' AS BLOB), 'forged', '2026-06-01T00:00:00Z');",
        )
        .expect("rows");
        conn
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

    fn texts(conn: &Connection, sql: &str) -> Vec<String> {
        let mut st = conn.prepare(sql).expect("prepares");
        let rows = st
            .query_map([], |r| r.get::<_, Option<String>>(0))
            .expect("query");
        rows.map(|r| r.expect("row").unwrap_or_else(|| "NULL".into()))
            .collect()
    }

    fn now() -> UtcTime {
        UtcTime::parse("2026-07-01T00:00:00Z").expect("time")
    }

    #[test]
    fn the_cutoff_is_retention_days_before_now() {
        assert_eq!(
            cutoff(now(), 400).to_string(),
            "2025-05-27T00:00:00Z",
            "400 days before 2026-07-01"
        );
    }

    #[test]
    fn old_raw_fields_are_blanked_and_the_neutral_columns_kept() {
        let conn = db();
        run(&conn, &purge(cutoff(now(), 400), ROWS_PER_RUN));
        assert_eq!(
            texts(
                &conn,
                "SELECT request || '|' || COALESCE(response, 'NULL') || '|' \
                 || COALESCE(CAST(request_wire AS TEXT), 'NULL') || '|' \
                 || COALESCE(CAST(response_wire AS TEXT), 'NULL') FROM psp_traces ORDER BY id"
            ),
            vec![
                "|NULL|NULL|NULL".to_string(),
                "|NULL|NULL|NULL".to_string(),
                "{\"TRANSACTIONID\":\"T2\"}|{\"EMAIL\":\"payer@example.org\"}\
                 |TRANSACTIONID=T2|EMAIL=payer%40example.org"
                    .to_string(),
            ],
            "old traces lose their fields and their wire bytes"
        );
        assert_eq!(
            texts(&conn, "SELECT operation || '|' || outcome || '|' || COALESCE(error_codes, '') || '|' || provider_ref || '|' || at FROM psp_traces ORDER BY id LIMIT 2"),
            vec![
                "GetTransactionDetails|Success||old1|2025-01-01T00:00:00Z".to_string(),
                "DoExpressCheckoutPayment|Failure|10486|old2|2025-01-02T00:00:00Z".to_string(),
            ]
        );
        assert_eq!(
            texts(
                &conn,
                "SELECT outcome || ':' || body FROM psp_notifications ORDER BY id"
            ),
            vec![
                "nothing_to_change:".to_string(),
                "received:payer_email=payer%40example.org".to_string(),
                "nothing_to_change:payer_email=payer%40example.org".to_string(),
            ],
            "a message the cron still has to act on keeps its body"
        );
        assert_eq!(
            texts(
                &conn,
                "SELECT state || ':' || CAST(body AS TEXT) FROM psp_ipn_receipts ORDER BY id"
            ),
            vec![
                "verified:".to_string(),
                "received:first_name=Ren%E9".to_string(),
                "forged:first_name=Ren%E9".to_string(),
            ],
            "old receipts lose their bytes, but not one still to verify"
        );
    }

    #[test]
    fn a_run_purges_at_most_its_limit_and_the_next_run_goes_on() {
        let conn = db();
        let counts = run(&conn, &purge(cutoff(now(), 400), 1));
        assert_eq!(counts, vec![1, 1, 1, 0]);
        let counts = run(&conn, &purge(cutoff(now(), 400), 1));
        assert_eq!(counts, vec![1, 0, 0, 0]);
        let counts = run(&conn, &purge(cutoff(now(), 400), 1));
        assert_eq!(counts, vec![0, 0, 0, 0], "nothing left: idempotent");
    }

    #[test]
    fn the_purge_reads_through_the_partial_indexes() {
        let conn = db();
        let batch = purge(cutoff(now(), 400), ROWS_PER_RUN);
        for (stmt, index) in batch.iter().zip([
            "psp_traces_unpurged",
            "psp_notifications_unpurged",
            "psp_ipn_receipts_unpurged",
        ]) {
            let sql = format!("EXPLAIN QUERY PLAN {}", stmt.sql)
                .replace("?1", "'2025-05-27T00:00:00Z'")
                .replace("?2", "500");
            let mut st = conn.prepare(&sql).expect("plan");
            let plan: Vec<String> = st
                .query_map([], |r| r.get::<_, String>(3))
                .expect("plan rows")
                .map(|r| r.expect("row"))
                .collect();
            assert!(
                plan.iter().any(|step| step.contains(index)),
                "{index}: {plan:?}"
            );
        }
    }
}
