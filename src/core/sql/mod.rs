//! SQL as data. The core writes statements (text + parameters) and reads rows
//! as JSON objects; the shell runs them on D1 and the simulation runs the same
//! statements on SQLite. A group of statements that must happen together is
//! one [`Batch`], which both backends run as a single transaction.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The number of files in `migrations/`; the worker answers 503 while the
/// database has fewer applied (a test keeps the two equal).
pub const SCHEMA_VERSION: i64 = 19;

/// A bound parameter. D1 has no 64-bit integers on its wire (numbers are
/// JavaScript doubles), so integers are checked to fit in 32 bits by the
/// shell; cents, ids and counts all do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Param {
    Null,
    Int(i64),
    Text(String),
}

impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}

impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Param::Text(v.to_string())
    }
}

impl From<String> for Param {
    fn from(v: String) -> Self {
        Param::Text(v)
    }
}

impl<T: Into<Param>> From<Option<T>> for Param {
    fn from(v: Option<T>) -> Self {
        v.map_or(Param::Null, Into::into)
    }
}

/// One SQL statement with `?1`-style parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stmt {
    pub sql: &'static str,
    pub params: Vec<Param>,
}

impl Stmt {
    pub fn new(sql: &'static str, params: Vec<Param>) -> Stmt {
        Stmt { sql, params }
    }
}

/// Statements run in order as one transaction: all or nothing.
pub type Batch = Vec<Stmt>;

/// A row as the database returned it: column name to value.
pub type Row = Map<String, Value>;

/// What one statement of a batch gave back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StmtResult {
    pub rows: Vec<Row>,
    /// Rows inserted, updated or deleted.
    pub changes: u64,
}

/// A row that does not have the expected shape: a bug or a schema drift,
/// never user input.
#[derive(Debug)]
pub struct RowError(pub String);

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unexpected row shape: {}", self.0)
    }
}

/// Reads each row of `result` into `T`.
pub fn rows<T: DeserializeOwned>(result: &StmtResult) -> Result<Vec<T>, RowError> {
    result
        .rows
        .iter()
        .map(|row| {
            serde_json::from_value(Value::Object(row.clone())).map_err(|e| RowError(e.to_string()))
        })
        .collect()
}

/// Reads the first row of `result`, if any, into `T`.
pub fn first<T: DeserializeOwned>(result: &StmtResult) -> Result<Option<T>, RowError> {
    match result.rows.first() {
        None => Ok(None),
        Some(row) => serde_json::from_value(Value::Object(row.clone()))
            .map(Some)
            .map_err(|e| RowError(e.to_string())),
    }
}

/// Batch guards: placed right after a statement that must change exactly
/// one row, it aborts (rolls back) the whole batch otherwise.
pub fn guard_one_row_changed() -> Stmt {
    Stmt::new("INSERT INTO guard (ok) SELECT changes() = 1", vec![])
}

pub mod boot;
pub mod clients;
#[cfg(feature = "emulators")]
pub mod emulator;
pub mod health;
pub mod outbox;
pub mod rate_limits;
pub mod receipts;
pub mod resets;
pub mod sessions;
pub mod titles;
pub mod traces;

/// Bytes as upper-case hex text, for `unhex(?N)`: D1's binding has no byte
/// type that works in every runtime, so BLOBs travel as text.
pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Pair {
        key: String,
        value: Option<i64>,
    }

    #[test]
    fn rows_read_into_typed_structs_and_nulls_become_none() {
        let mut a = Row::new();
        a.insert("key".into(), Value::from("x"));
        a.insert("value".into(), Value::from(3));
        let mut b = Row::new();
        b.insert("key".into(), Value::from("y"));
        b.insert("value".into(), Value::Null);
        let result = StmtResult {
            rows: vec![a, b],
            changes: 0,
        };
        let pairs: Vec<Pair> = rows(&result).expect("rows parse");
        assert_eq!(
            pairs,
            vec![
                Pair {
                    key: "x".into(),
                    value: Some(3)
                },
                Pair {
                    key: "y".into(),
                    value: None
                }
            ]
        );
    }

    #[test]
    fn a_row_of_the_wrong_shape_is_an_error_not_a_panic() {
        let mut a = Row::new();
        a.insert("key".into(), Value::from(7));
        let result = StmtResult {
            rows: vec![a],
            changes: 0,
        };
        assert!(first::<Pair>(&result).is_err());
    }
}
