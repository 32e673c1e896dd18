//! Statements of the isolate's first round trip: make the once-generated
//! settings exist, then read them and the applied schema version.

use super::{Param, Stmt};

pub const SCHEMA_VERSION_SQL: &str = "SELECT COUNT(*) AS applied FROM d1_migrations";

/// `INSERT OR IGNORE`, so that two isolates booting at once keep the
/// first value written and both read it back.
pub fn ensure_setting(key: &str, value: String) -> Stmt {
    Stmt::new(
        "INSERT OR IGNORE INTO settings (key, value) VALUES (?1, ?2)",
        vec![Param::from(key), Param::from(value)],
    )
}

pub fn read_settings() -> Stmt {
    Stmt::new("SELECT key, value FROM settings", vec![])
}

pub fn schema_version() -> Stmt {
    Stmt::new(SCHEMA_VERSION_SQL, vec![])
}
