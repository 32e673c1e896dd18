//! Fixed-window counters that brake login, register, reset and buy.

use super::{Param, Stmt};

/// Counts one hit in `bucket`'s current window and returns the count.
pub fn hit(bucket: &str, window_start: &str) -> Stmt {
    Stmt::new(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES (?1, ?2, 1) \
         ON CONFLICT (bucket, window_start) DO UPDATE SET hits = hits + 1 RETURNING hits",
        vec![Param::from(bucket), Param::from(window_start)],
    )
}

/// Forgets windows that ended before `before`.
pub fn prune(before: &str) -> Stmt {
    Stmt::new(
        "DELETE FROM rate_limits WHERE window_start < ?1",
        vec![Param::from(before)],
    )
}
