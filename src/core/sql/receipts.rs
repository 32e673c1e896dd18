//! Every provider's messages as received (`psp_ipn_receipts`): the exact
//! bytes are recorded before anything reads them, then the row leaves
//! `received` once, for `verified`, `forged` or `unreadable`, with a
//! detail. A row left `received` (a crash, a store that failed) is taken
//! up again by the cron from its bytes. PayPal's listener keeps its own
//! copy of these statements (`psp::paypal::receipts`) with its postback's
//! steps; the card providers' messages (`flow::card`) use these.

use serde::Deserialize;

use super::{hex, Param, Stmt};
use crate::core::psp::ProviderId;

/// How a recorded message ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Its seal verified (acted on, or not this order's: see the detail).
    Verified,
    /// Its seal or MAC did not verify: never believed.
    Forged,
    /// Not a message the platform can read, or naming no order of ours.
    Unreadable,
}

impl Ending {
    fn as_str(self) -> &'static str {
        match self {
            Ending::Verified => "verified",
            Ending::Forged => "forged",
            Ending::Unreadable => "unreadable",
        }
    }
}

/// Records the bytes as received; returns its id. They travel as hex text
/// (D1's binding has no byte type that works in every runtime) and are
/// stored as a BLOB.
pub fn record(provider: ProviderId, body: &[u8], now: &str) -> Stmt {
    Stmt::new(
        "INSERT INTO psp_ipn_receipts (provider, received_at, body, state, updated_at) \
         VALUES (?1, ?2, unhex(?3), 'received', ?2) RETURNING id",
        vec![
            Param::from(provider.as_str()),
            Param::from(now),
            Param::from(hex(body)),
        ],
    )
}

#[derive(Deserialize)]
pub struct Recorded {
    pub id: i64,
}

/// Moves a message out of `received` (once: a second handler's write
/// changes nothing).
pub fn end(id: i64, ending: Ending, detail: &str, now: &str) -> Stmt {
    Stmt::new(
        "UPDATE psp_ipn_receipts SET state = ?2, detail = ?3, updated_at = ?4 \
         WHERE id = ?1 AND state = 'received'",
        vec![
            Param::Int(id),
            Param::from(ending.as_str()),
            Param::from(detail),
            Param::from(now),
        ],
    )
}

/// `provider`'s messages still `received`, recorded between `not_before`
/// and `received_before`, oldest first.
pub fn due(provider: ProviderId, received_before: &str, not_before: &str, limit: i64) -> Stmt {
    Stmt::new(
        // 'received' spelled out so that SQLite can use the partial index.
        "SELECT id, hex(body) AS body_hex FROM psp_ipn_receipts WHERE state = 'received' \
         AND provider = ?4 AND received_at <= ?1 AND received_at >= ?2 \
         ORDER BY received_at, id LIMIT ?3",
        vec![
            Param::from(received_before),
            Param::from(not_before),
            Param::Int(limit),
            Param::from(provider.as_str()),
        ],
    )
}

/// A message due again.
#[derive(Deserialize, Clone, Debug)]
pub struct Due {
    pub id: i64,
    pub body_hex: String,
}

impl Due {
    /// The bytes as received; `None` if the stored hex is damaged.
    pub fn bytes(&self) -> Option<Vec<u8>> {
        let digits = self.body_hex.as_bytes();
        if !digits.len().is_multiple_of(2) {
            return None;
        }
        digits
            .chunks(2)
            .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_bytes_come_back_from_their_hex_and_damaged_hex_is_none() {
        let due = Due {
            id: 1,
            body_hex: hex(b"Data=a|b&Seal=00"),
        };
        assert_eq!(due.bytes().as_deref(), Some(&b"Data=a|b&Seal=00"[..]));
        let damaged = Due {
            id: 1,
            body_hex: "ABC".into(),
        };
        assert_eq!(damaged.bytes(), None);
    }
}
