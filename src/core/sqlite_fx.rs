//! The core's unit tests run its flows and SQL on SQLite with the real
//! migrations, as the simulation does, in small: a batch runs as D1 runs
//! it (one transaction, a guard's abort rolls it back, a statement that
//! returns rows reports no changes), the clock moves only when told and
//! random bytes are counted. Tests only.

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use rusqlite::types::{Null, ValueRef};
use rusqlite::Connection;
use serde_json::Value;

use crate::core::flow::{
    Effects, NoAnswer, RandomUnavailable, StoreError, WireAnswer, WireRequest,
};
use crate::core::sql::{Batch, Param, Row, StmtResult};
use crate::core::time::UtcTime;

pub(crate) struct SqliteFx {
    conn: Connection,
    pub(crate) now: Cell<i64>,
    drawn: Cell<u8>,
}

impl SqliteFx {
    pub(crate) fn new() -> SqliteFx {
        let conn = Connection::open_in_memory().expect("in-memory SQLite");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("migrations/")
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        for file in files {
            let sql = std::fs::read_to_string(&file).expect("migration");
            conn.execute_batch(&sql).expect("migration applies");
        }
        SqliteFx {
            conn,
            now: Cell::new(1_767_225_600),
            drawn: Cell::new(0),
        }
    }

    fn exec(&self, stmt: &crate::core::sql::Stmt) -> rusqlite::Result<StmtResult> {
        let mut st = self.conn.prepare(stmt.sql)?;
        for (i, p) in stmt.params.iter().enumerate() {
            match p {
                Param::Null => st.raw_bind_parameter(i + 1, Null)?,
                Param::Int(v) => st.raw_bind_parameter(i + 1, v)?,
                Param::Text(v) => st.raw_bind_parameter(i + 1, v.as_str())?,
            }
        }
        let names: Vec<String> = st.column_names().iter().map(|s| s.to_string()).collect();
        let mut out = Vec::new();
        let mut rows = st.raw_query();
        while let Some(row) = rows.next()? {
            let mut map = Row::new();
            for (i, name) in names.iter().enumerate() {
                let value = match row.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::from(v),
                    ValueRef::Real(v) => Value::from(v),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        Value::String(String::from_utf8_lossy(t).into_owned())
                    }
                };
                map.insert(name.clone(), value);
            }
            out.push(map);
        }
        // As D1: a statement that returns rows reports no changes.
        let changes = if names.is_empty() {
            self.conn.changes()
        } else {
            0
        };
        Ok(StmtResult::from_rows(out, changes))
    }
}

impl Effects for SqliteFx {
    async fn run(&self, batch: &Batch) -> Result<Vec<StmtResult>, StoreError> {
        let fail = |e: rusqlite::Error| match e.to_string() {
            m if m.contains("guard failed") => StoreError::Guard,
            m => StoreError::Failed(m),
        };
        self.conn.execute_batch("BEGIN").map_err(fail)?;
        let results: Result<Vec<_>, _> = batch.iter().map(|s| self.exec(s)).collect();
        let end = if results.is_ok() {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        self.conn.execute_batch(end).map_err(fail)?;
        results.map_err(fail)
    }
    async fn send(&self, _: &WireRequest) -> Result<WireAnswer, NoAnswer> {
        Err(NoAnswer::Network("the emulator calls no one".into()))
    }
    fn now(&self) -> UtcTime {
        UtcTime::from_unix_seconds(self.now.get())
    }
    fn fill_random(&self, out: &mut [u8]) -> Result<(), RandomUnavailable> {
        for b in out {
            self.drawn.set(self.drawn.get().wrapping_add(7));
            *b = self.drawn.get();
        }
        Ok(())
    }
    fn log(&self, _: &str) {}
}

/// Polls a future that never waits (SQLite answers at once) to its end.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}
