//! D1 on SQLite: the migrations applied in order to an in-memory database
//! with foreign keys on, and a batch run as D1 runs it — one transaction,
//! `?N` parameters bound as given, rows as JSON objects (integers as JSON
//! numbers), and any error (a guard's `RAISE(ABORT)` included) rolling the
//! whole batch back.

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::OnceLock;

use paybook::core::sql::{self, Param, Row, Stmt, StmtResult};
use rusqlite::types::{Null, ValueRef};
use rusqlite::Connection;
use serde_json::Value;

/// Why a batch did not apply (nothing of it was written).
#[derive(Clone, Debug)]
pub struct DbError(pub String);

impl DbError {
    /// A guarded statement changed no row: the batch was refused on purpose.
    pub fn is_guard(&self) -> bool {
        self.0.contains("guard failed")
    }
}

fn migrations() -> &'static [String] {
    static SQL: OnceLock<Vec<String>> = OnceLock::new();
    SQL.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("migrations/ exists")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|f| std::fs::read_to_string(f).expect("readable migration"))
            .collect()
    })
}

pub static EXECUTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub struct Db {
    conn: Connection,
    /// Emptied between histories, in this order.
    tables: Vec<String>,
    /// Never written by a history (sessions, the emulator's tables, ...).
    others: Vec<String>,
}

thread_local! {
    static POOL: RefCell<Option<Db>> = const { RefCell::new(None) };
}

impl Db {
    /// A fresh database: this thread's connection emptied (every row of
    /// every table deleted, so rowids restart at 1 exactly as in a new
    /// database), or a new one. Keeping the connection keeps its prepared
    /// statements, which is most of the speed of the bulk run.
    pub fn pooled() -> Db {
        match POOL.with(|p| p.borrow_mut().take()) {
            Some(db) => {
                // Children before parents, so that foreign keys stay on
                // (toggling the pragma would expire every cached statement).
                // Tables nobody wrote are skipped; the check below proves it.
                for table in &db.tables {
                    db.conn
                        .prepare_cached(&format!("DELETE FROM \"{table}\""))
                        .and_then(|mut s| s.execute([]))
                        .expect("empty table");
                }
                debug_assert!(db.untouched_tables_are_empty());
                db
            }
            None => Db::open(),
        }
    }

    fn untouched_tables_are_empty(&self) -> bool {
        self.others.iter().all(|t| {
            let empty = self
                .conn
                .query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| {
                    r.get::<_, i64>(0)
                })
                .is_ok_and(|n| n == 0);
            if !empty {
                eprintln!("table {t} was written by a history");
            }
            empty
        })
    }

    /// Gives the connection back to this thread's pool.
    pub fn recycle(self) {
        POOL.with(|p| *p.borrow_mut() = Some(self));
    }

    pub fn open() -> Db {
        let conn = Connection::open_in_memory().expect("in-memory SQLite");
        conn.execute_batch("PRAGMA foreign_keys = ON;")
            .expect("foreign keys");
        for sql in migrations() {
            conn.execute_batch(sql).expect("migration applies");
        }
        // Each history starts with an empty ledger: the simulation alone
        // may empty it (tests/schema.rs holds the trigger).
        conn.execute_batch("DROP TRIGGER ledger_never_deleted;")
            .expect("ledger emptied between histories");
        conn.set_prepared_statement_cache_capacity(256);
        let mut tables: Vec<String> = {
            let mut st = conn
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
                .expect("tables");
            let names = st
                .query_map([], |r| r.get::<_, String>(0))
                .expect("tables")
                .map(|r| r.expect("name"))
                .collect();
            names
        };
        // The tables the platform's core writes, referencing tables first.
        let written = [
            // The emulator's (PayPal's) own tables, children first.
            "emulator_ipn_messages",
            "emulator_faults",
            "emulator_transactions",
            "emulator_checkouts",
            "emulator_grants",
            "emulator_accounts",
            // The card banks' (Sips, Monetico) own tables, children first.
            "emulator_sips_faults",
            "emulator_sips_responses",
            "emulator_sips_transactions",
            "emulator_sips_merchants",
            "emulator_monetico_faults",
            "emulator_monetico_notifications",
            "emulator_monetico_payments",
            "emulator_monetico_merchants",
            "psp_ipn_receipts",
            // Written by the outbox's delivered-on-write trigger.
            "emulator_mail",
            "psp_notifications",
            "ledger",
            "trades",
            "psp_traces",
            "outbox",
            "orders",
            "titles",
            "isins",
            "psp_accounts",
            "clients",
            "settings",
        ];
        let others: Vec<String> = tables
            .iter()
            .filter(|t| !written.contains(&t.as_str()))
            .cloned()
            .collect();
        tables = written.iter().map(|t| t.to_string()).collect();
        Db {
            conn,
            tables,
            others,
        }
    }

    /// Runs `batch` as one transaction: all statements or none.
    pub fn run(&self, batch: &[Stmt]) -> Result<Vec<StmtResult>, DbError> {
        self.control("BEGIN")?;
        let mut results = Vec::with_capacity(batch.len());
        for stmt in batch {
            match self.exec(stmt) {
                Ok(r) => results.push(r),
                Err(e) => {
                    self.control("ROLLBACK").expect("rollback");
                    return Err(e);
                }
            }
        }
        self.control("COMMIT")?;
        Ok(results)
    }

    fn control(&self, sql: &str) -> Result<(), DbError> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut s| s.execute([]))
            .map(|_| ())
            .map_err(|e| DbError(e.to_string()))
    }

    /// One read outside any batch (the simulation's own checks).
    pub fn read(&self, sql: &'static str, params: Vec<Param>) -> Vec<Row> {
        sql::rows(&self.read_result(sql, params)).expect("rows read as maps")
    }

    /// One read outside any batch, as the core's readers get it.
    pub fn read_result(&self, sql: &'static str, params: Vec<Param>) -> StmtResult {
        match self.exec(&Stmt::new(sql, params)) {
            Ok(r) => r,
            Err(e) => panic!("check query failed: {} — {sql}", e.0),
        }
    }

    pub fn read_i64(&self, sql: &'static str, params: Vec<Param>) -> i64 {
        let rows = self.read(sql, params);
        rows.first()
            .and_then(|r| r.values().next())
            .and_then(Value::as_i64)
            .unwrap_or(0)
    }

    fn exec(&self, stmt: &Stmt) -> Result<StmtResult, DbError> {
        EXECUTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let err = |e: rusqlite::Error| DbError(e.to_string());
        let mut st = self.conn.prepare_cached(stmt.sql).map_err(err)?;
        // D1 refuses a statement whose bindings do not match its placeholders.
        if st.parameter_count() != stmt.params.len() {
            return Err(DbError(format!(
                "{} placeholders but {} parameters in: {}",
                st.parameter_count(),
                stmt.params.len(),
                stmt.sql
            )));
        }
        for (i, p) in stmt.params.iter().enumerate() {
            let bound = match p {
                Param::Null => st.raw_bind_parameter(i + 1, Null),
                Param::Int(v) => st.raw_bind_parameter(i + 1, v),
                Param::Text(v) => st.raw_bind_parameter(i + 1, v.as_str()),
            };
            bound.map_err(err)?;
        }
        let names: Vec<String> = st.column_names().iter().map(|s| s.to_string()).collect();
        let mut rows_out = Vec::new();
        {
            let mut rows = st.raw_query();
            while let Some(row) = rows.next().map_err(err)? {
                let mut map = Row::new();
                for (i, name) in names.iter().enumerate() {
                    let value = match row.get_ref(i).map_err(err)? {
                        ValueRef::Null => Value::Null,
                        ValueRef::Integer(v) => Value::from(v),
                        ValueRef::Real(v) => {
                            serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
                        }
                        ValueRef::Text(t) | ValueRef::Blob(t) => {
                            Value::String(String::from_utf8_lossy(t).into_owned())
                        }
                    };
                    map.insert(name.clone(), value);
                }
                rows_out.push(map);
            }
        }
        let changes = if names.is_empty() {
            self.conn.changes()
        } else {
            0
        };
        Ok(StmtResult::from_rows(rows_out, changes))
    }
}
