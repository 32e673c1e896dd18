//! The SQL of re-sealing stored PSP credentials under the current key (after
//! a key rotation, or for values still in the v1 format): the cron takes a
//! bounded number per run, and writes each one in its own batch, guarded on
//! the old sealed text so that nothing else is overwritten.

use super::sql::{Param, Stmt};

/// A stored credentials version (a row of `psp_accounts`, current or not)
/// due for re-sealing.
#[derive(serde::Deserialize, Debug, Clone)]
pub struct Due {
    pub client_id: i64,
    pub version: i64,
    pub api_username: String,
    pub sealed_secret: String,
}

/// Up to `limit` values not sealed under `current_prefix` (`v2.<kid>.`), in
/// random order, so that a value that cannot be opened (its key is gone)
/// does not hold back the others run after run.
pub fn due(current_prefix: &str, limit: i64) -> Stmt {
    Stmt::new(
        "SELECT client_id, version, public_ref AS api_username, sealed_secret \
         FROM psp_accounts WHERE sealed_secret != '' \
         AND substr(sealed_secret, 1, length(?1)) != ?1 ORDER BY random() LIMIT ?2",
        vec![Param::from(current_prefix), Param::Int(limit)],
    )
}

/// Replaces one value, only if it is still the one that was read (the old
/// sealed text, random nonce included, names one row whatever its provider).
pub fn replace(client_id: i64, version: i64, old_sealed: &str, new_sealed: &str) -> Stmt {
    Stmt::new(
        "UPDATE psp_accounts SET sealed_secret = ?4 \
         WHERE client_id = ?1 AND version = ?2 AND sealed_secret = ?3",
        vec![
            Param::Int(client_id),
            Param::Int(version),
            Param::from(old_sealed),
            Param::from(new_sealed),
        ],
    )
}
