//! The emulator's clock offset, kept in `settings` so that every isolate
//! sees the clock moves.

use crate::core::sql::{first, Param, Stmt, StmtResult};

#[derive(serde::Deserialize)]
pub struct ClockOffset {
    pub value: String,
}

/// The persisted clock offset (`settings.clock_offset_seconds`), read so
/// that every isolate sees the emulator's clock moves.
pub fn clock_offset() -> Stmt {
    Stmt::new(
        "SELECT value FROM settings WHERE key = 'clock_offset_seconds'",
        vec![],
    )
}

/// Adds `seconds` to the persisted offset and returns the new total.
/// The amount travels as text: it may not fit D1's 32-bit integers.
pub fn advance_clock(seconds: i64) -> Stmt {
    Stmt::new(
        "INSERT INTO settings (key, value) VALUES ('clock_offset_seconds', CAST(CAST(?1 AS INTEGER) AS TEXT)) \
         ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + CAST(?1 AS INTEGER) AS TEXT) \
         RETURNING value",
        vec![Param::Text(seconds.to_string())],
    )
}

/// The clock offset a batch read ([`clock_offset`]) or set
/// ([`advance_clock`]), from its results: the Worker's emulator effects
/// adopt it after every batch, so the emulator's functions in the core can
/// read the offset in the batch that loads their rows and take `now()` as
/// the emulator's clock. `None` when the batch has neither or no number.
pub fn clock_offset_in(batch: &[Stmt], results: &[StmtResult]) -> Option<i64> {
    let (read, moved) = (clock_offset().sql, advance_clock(0).sql);
    let (_, result) = batch
        .iter()
        .zip(results)
        .find(|(stmt, _)| stmt.sql == read || stmt.sql == moved)?;
    let row: ClockOffset = first(result).ok()??;
    row.value.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::sql::{guard_one_row_changed, Row};

    fn value_row(value: &str) -> StmtResult {
        let mut row = Row::new();
        row.insert("value".into(), serde_json::Value::from(value));
        StmtResult::from_rows(vec![row], 0)
    }

    #[test]
    fn the_offset_is_found_where_the_batch_read_or_moved_it() {
        let batch = vec![guard_one_row_changed(), clock_offset()];
        let results = vec![StmtResult::default(), value_row(" 3600")];
        assert_eq!(clock_offset_in(&batch, &results), Some(3600));
        let moved = vec![advance_clock(-60)];
        assert_eq!(clock_offset_in(&moved, &[value_row("-60")]), Some(-60));
    }

    #[test]
    fn no_offset_without_its_statement_a_row_or_a_number() {
        let other = vec![guard_one_row_changed()];
        assert_eq!(clock_offset_in(&other, &[value_row("5")]), None);
        assert_eq!(
            clock_offset_in(&[clock_offset()], &[StmtResult::default()]),
            None
        );
        assert_eq!(clock_offset_in(&[clock_offset()], &[value_row("x")]), None);
    }
}
