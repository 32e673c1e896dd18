//! Runs the core's [`Batch`]es on D1. One call here is one D1 round trip; the
//! request context counts them for the `Server-Timing` header. Every batch
//! runs in a D1 session (`shell::replica` says where a request's starts).

use serde::Deserialize;
use worker::js_sys::{Array, JSON};
use worker::wasm_bindgen::JsValue;
use worker::{D1DatabaseSession, D1Result, D1Type};

use crate::core::sql::{Batch, Param, StmtResult};

/// The message of the `guard` view's trigger (migrations/0001_initial.sql).
const GUARD_MESSAGE: &str = "guard failed";

/// Why a batch did not run.
#[derive(Debug)]
pub enum DbError {
    /// A parameter does not fit D1's wire (an integer beyond 32 bits).
    Param(String),
    /// D1 refused or failed the batch; nothing in it was applied.
    D1(String),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Param(m) => write!(f, "parameter: {m}"),
            DbError::D1(m) => write!(f, "d1: {m}"),
        }
    }
}

impl DbError {
    /// Whether the batch failed on one of our guards (the `guard` view's
    /// trigger aborts with "guard failed"), rather than on D1 itself.
    pub fn guard(&self) -> Option<&str> {
        match self {
            DbError::D1(m) => m
                .find(GUARD_MESSAGE)
                .map(|at| &m[at..at + GUARD_MESSAGE.len()]),
            DbError::Param(_) => None,
        }
    }
}

fn d1_type(param: &Param) -> Result<D1Type<'_>, DbError> {
    Ok(match param {
        Param::Null => D1Type::Null,
        Param::Int(v) => D1Type::Integer(
            i32::try_from(*v).map_err(|_| DbError::Param(format!("{v} does not fit 32 bits")))?,
        ),
        Param::Text(s) => D1Type::Text(s),
    })
}

/// Runs `batch` as one transaction and returns each statement's rows and
/// changes, in order.
pub async fn run(db: &D1DatabaseSession, batch: &Batch) -> Result<Vec<StmtResult>, DbError> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let mut prepared = Vec::with_capacity(batch.len());
    for stmt in batch {
        let args = stmt
            .params
            .iter()
            .map(d1_type)
            .collect::<Result<Vec<_>, _>>()?;
        let bound = db
            .prepare(stmt.sql)
            .bind_refs(&args)
            .map_err(|e| DbError::D1(format!("bind {}: {e}", stmt.sql)))?;
        prepared.push(bound);
    }
    let results = db
        .batch(prepared)
        .await
        .map_err(|e| DbError::D1(describe(&e)))?;
    let mut out = Vec::with_capacity(results.len());
    for result in results {
        let rows_json = rows_json(&result)?;
        let changes = result
            .meta()
            .ok()
            .flatten()
            .and_then(|m| m.changes)
            .unwrap_or(0) as u64;
        out.push(StmtResult::from_json(rows_json, changes));
    }
    Ok(out)
}

/// A D1 row kept as the JavaScript object it is (no conversion).
#[derive(Deserialize)]
struct JsRow(#[serde(with = "worker::d1::serde_wasm_bindgen::preserve")] JsValue);

/// The statement's rows as one JSON text, made by the runtime's
/// `JSON.stringify` in one call; the core reads it straight into typed rows.
/// Converting each row to a `serde_json::Value` here instead cost several
/// wasm-to-JS calls per field (a key string, a type check, a value) and an
/// allocation for each: most of the per-row CPU of the read pages.
fn rows_json(result: &D1Result) -> Result<String, DbError> {
    let rows = result
        .results::<JsRow>()
        .map_err(|e| DbError::D1(describe(&e)))?;
    if rows.is_empty() {
        return Ok(String::new());
    }
    let array: Array = rows.into_iter().map(|row| row.0).collect();
    let text = JSON::stringify(&array).map_err(|e| DbError::D1(format!("rows as JSON: {e:?}")))?;
    Ok(String::from(text))
}

fn describe(error: &worker::Error) -> String {
    match error {
        // Not `Display`: it casts the cause to a string unchecked, which
        // aborts the instance when D1 gives no cause.
        worker::Error::D1(d1) => {
            let js: &worker::js_sys::Error = d1.as_ref();
            format!("{} ({})", String::from(js.message()), d1.cause())
        }
        other => other.to_string(),
    }
}
