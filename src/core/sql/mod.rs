//! SQL as data. The core writes statements (text + parameters) and reads rows
//! from JSON text (an array of objects) straight into typed structs; the shell runs them on D1 and the simulation runs the same
//! statements on SQLite. A group of statements that must happen together is
//! one [`Batch`], which both backends run as a single transaction.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use reader::Reader;

/// The number of files in `migrations/`; the worker answers 503 while the
/// database has fewer applied (a test keeps the two equal).
pub const SCHEMA_VERSION: i64 = 20;

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

/// A row as the database returned it: column name to value. For the few
/// readers that show any table's columns (the back office's record views);
/// every other reader names its columns in a struct.
pub type Row = Map<String, Value>;

/// What one statement of a batch gave back.
///
/// The rows stay in the JSON text the shell received them in (D1's rows,
/// stringified by the runtime in one call; the simulation's SQLite rows,
/// serialised), and [`rows`] and [`first`] read that text straight into
/// typed structs (with [`reader`], not serde_json's deserializer: a smaller
/// wasm, same values). Going through a `serde_json::Value` map per row cost an
/// allocation per column name and value, a clone of every map and, on D1,
/// several wasm-to-JS calls per field: the per-row work that kept `/history`
/// and `/titles/{isin}` under the one-query baseline (issue 22).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StmtResult {
    /// A JSON array of objects (column name to value); empty means no rows.
    rows_json: String,
    /// Rows inserted, updated or deleted.
    pub changes: u64,
}

impl StmtResult {
    /// From a JSON array of row objects, as D1 gives them.
    pub fn from_json(rows_json: String, changes: u64) -> StmtResult {
        StmtResult { rows_json, changes }
    }

    /// From rows built one by one (the simulation's SQLite, unit tests).
    pub fn from_rows(rows: Vec<Row>, changes: u64) -> StmtResult {
        let rows_json = if rows.is_empty() {
            String::new()
        } else {
            // A map of strings to JSON values always serialises.
            serde_json::to_string(&rows).unwrap_or_default()
        };
        StmtResult { rows_json, changes }
    }

    /// The rows as JSON text (a JSON array; empty when there are none).
    pub fn rows_json(&self) -> &str {
        &self.rows_json
    }

    /// How many rows the statement gave back.
    pub fn row_count(&self) -> usize {
        rows::<serde::de::IgnoredAny>(self).map_or(0, |r| r.len())
    }
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

fn text(result: &StmtResult) -> &str {
    match result.rows_json.trim() {
        "" => "[]",
        t => t,
    }
}

/// Reads each row of `result` into `T`.
pub fn rows<T: DeserializeOwned>(result: &StmtResult) -> Result<Vec<T>, RowError> {
    let mut reader = Reader::new(text(result));
    let mut first = true;
    let mut out = Vec::new();
    reader.open_rows()?;
    while reader.next_row(&mut first)? {
        out.push(T::deserialize(&mut reader)?);
    }
    reader.end()?;
    Ok(out)
}

/// Reads the first row of `result`, if any, into `T`; the others are only
/// skipped over, not built.
pub fn first<T: DeserializeOwned>(result: &StmtResult) -> Result<Option<T>, RowError> {
    let mut reader = Reader::new(text(result));
    let mut first = true;
    reader.open_rows()?;
    let row = if reader.next_row(&mut first)? {
        let row = T::deserialize(&mut reader)?;
        reader.skip_rows(&mut first)?;
        Some(row)
    } else {
        None
    };
    reader.end()?;
    Ok(row)
}

impl From<reader::ReadError> for RowError {
    fn from(error: reader::ReadError) -> RowError {
        RowError(error.0)
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
mod reader;
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
        let result = StmtResult::from_rows(vec![a, b], 0);
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
        let result = StmtResult::from_rows(vec![a], 0);
        assert!(first::<Pair>(&result).is_err());
    }

    #[test]
    fn first_reads_the_first_row_and_only_skips_the_others() {
        // The second row would not read as a Pair: `first` must not build it.
        let result = StmtResult::from_json(
            r#"[{"key":"x","value":1,"extra":[1,2]},{"key":7}]"#.into(),
            0,
        );
        let pair = first::<Pair>(&result).expect("first row parses");
        assert_eq!(
            pair,
            Some(Pair {
                key: "x".into(),
                value: Some(1)
            })
        );
        assert_eq!(result.row_count(), 2);
    }

    #[test]
    fn no_rows_read_as_empty_whatever_the_text() {
        for result in [
            StmtResult::default(),
            StmtResult::from_rows(Vec::new(), 3),
            StmtResult::from_json("[]".into(), 0),
        ] {
            assert!(rows::<Pair>(&result).expect("rows").is_empty());
            assert_eq!(first::<Pair>(&result).expect("first"), None);
            assert_eq!(result.row_count(), 0);
        }
    }

    #[test]
    fn text_that_is_not_an_array_of_rows_is_an_error_not_a_panic() {
        for text in ["{", "[{\"key\":\"x\"}] trailing", "{\"key\":\"x\"}"] {
            let result = StmtResult::from_json(text.into(), 0);
            assert!(rows::<Pair>(&result).is_err(), "{text}");
            assert!(first::<Pair>(&result).is_err(), "{text}");
        }
    }

    #[test]
    fn rows_read_as_generic_maps_for_the_record_views() {
        let result = StmtResult::from_json(r#"[{"b":1,"a":null}]"#.into(), 0);
        let maps = rows::<Row>(&result).expect("maps");
        assert_eq!(maps[0]["b"], Value::from(1));
        assert_eq!(maps[0]["a"], Value::Null);
    }
}
