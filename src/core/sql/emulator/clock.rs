//! The emulator's clock offset, kept in `settings` so that every isolate
//! sees the clock moves.

use crate::core::sql::{Param, Stmt};

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
