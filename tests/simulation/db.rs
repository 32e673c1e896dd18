//! D1 on SQLite: the migrations applied in order to an in-memory database
//! with foreign keys on, and a batch run as D1 runs it — one transaction,
//! `?N` parameters bound as given, rows as JSON objects (integers as JSON
//! numbers), and any error (a guard's `RAISE(ABORT)` included) rolling the
//! whole batch back.

use std::path::PathBuf;
use std::sync::OnceLock;

use paybook::core::sql::{Param, Row, Stmt, StmtResult};
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
        files.iter().map(|f| std::fs::read_to_string(f).expect("readable migration")).collect()
    })
}

pub struct Db {
    conn: Connection,
}

impl Db {
    pub fn open() -> Db {
        let conn = Connection::open_in_memory().expect("in-memory SQLite");
        conn.execute_batch("PRAGMA foreign_keys = ON;").expect("foreign keys");
        for sql in migrations() {
            conn.execute_batch(sql).expect("migration applies");
        }
        conn.set_prepared_statement_cache_capacity(128);
        Db { conn }
    }

    /// Runs `batch` as one transaction: all statements or none.
    pub fn run(&self, batch: &[Stmt]) -> Result<Vec<StmtResult>, DbError> {
        self.conn.execute_batch("BEGIN").map_err(|e| DbError(e.to_string()))?;
        let mut results = Vec::with_capacity(batch.len());
        for stmt in batch {
            match self.exec(stmt) {
                Ok(r) => results.push(r),
                Err(e) => {
                    self.conn.execute_batch("ROLLBACK").expect("rollback");
                    return Err(e);
                }
            }
        }
        self.conn.execute_batch("COMMIT").map_err(|e| DbError(e.to_string()))?;
        Ok(results)
    }

    /// One read outside any batch (the simulation's own checks).
    pub fn read(&self, sql: &'static str, params: Vec<Param>) -> Vec<Row> {
        match self.exec(&Stmt::new(sql, params)) {
            Ok(r) => r.rows,
            Err(e) => panic!("check query failed: {} — {sql}", e.0),
        }
    }

    pub fn read_i64(&self, sql: &'static str, params: Vec<Param>) -> i64 {
        let rows = self.read(sql, params);
        rows.first().and_then(|r| r.values().next()).and_then(Value::as_i64).unwrap_or(0)
    }

    fn exec(&self, stmt: &Stmt) -> Result<StmtResult, DbError> {
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
                        ValueRef::Real(v) => serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
                        ValueRef::Text(t) | ValueRef::Blob(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
                    };
                    map.insert(name.clone(), value);
                }
                rows_out.push(map);
            }
        }
        let changes = if names.is_empty() { self.conn.changes() } else { 0 };
        Ok(StmtResult { rows: rows_out, changes })
    }
}
