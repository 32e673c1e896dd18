//! The notification listener's steps before a message is acted on: the raw
//! bytes are recorded first (`psp_ipn_receipts`), then read (charset,
//! duplicate keys, required fields), then verified by PayPal's postback,
//! and only then handed to `core::notify` (recorded once in
//! `psp_notifications`, whose outcome takes over). PayPal resends a message
//! until it gets a 200, for about four days: so the listener answers 200
//! only once the message is safely recorded and either verified, forged or
//! unreadable for good, and asks for it again (503) whenever it could not
//! record it or PayPal's postback said nothing usable. A message left
//! `received` (a postback that failed, a crash) is verified again by the
//! cron from its recorded bytes ([`due`]).
//!
//! Decisions: an unreadable message (an unknown charset, a key sent twice,
//! a missing field) is acknowledged: PayPal would resend the very same
//! bytes, which would be just as unreadable, and a listener failing for
//! days gets disabled by PayPal; its bytes stay recorded for an operator.

use crate::core::notify;
use crate::core::psp::notice::Notice;
use crate::core::psp::paypal::charset::ascii_body;
use crate::core::psp::paypal::ipn::{NotificationError, Verdict};
use crate::core::psp::ProviderId;
use crate::core::sql::{Batch, Param, Stmt};

/// A message recorded, not verified yet.
pub const RECEIVED: &str = "received";
/// Verified by PayPal and recorded in `psp_notifications`.
pub const VERIFIED: &str = "verified";
/// PayPal answered `INVALID`: never acted on.
pub const FORGED: &str = "forged";
/// Not a message the platform can read: never acted on.
pub const UNREADABLE: &str = "unreadable";

pub use crate::core::psp::notice::Answer;

/// The receipts' table is every provider's: PayPal's messages are
/// recorded, listed and read back as the card providers' are.
pub use crate::core::sql::receipts::{Due, Recorded};

/// Records the bytes as received (before anything else); returns its id.
pub fn record(body: &[u8], now: &str) -> Stmt {
    crate::core::sql::receipts::record(ProviderId::Paypal, body, now)
}

/// Moves a message out of `received` (once: a second handler's write
/// changes nothing).
fn settle(id: i64, state: &str, detail: Option<&str>, now: &str) -> Stmt {
    Stmt::new(
        "UPDATE psp_ipn_receipts SET state = ?2, detail = ?3, updated_at = ?4 \
         WHERE id = ?1 AND state = 'received'",
        vec![
            Param::Int(id),
            Param::from(state),
            Param::from(detail),
            Param::from(now),
        ],
    )
}

/// A message that cannot be read: recorded as such, acknowledged.
pub fn unreadable(id: i64, error: &NotificationError, now: &str) -> (Batch, Answer) {
    let detail = format!("{error:?}");
    (
        vec![settle(id, UNREADABLE, Some(&detail), now)],
        Answer::Acknowledge,
    )
}

/// What to write once PayPal answered the postback about a readable
/// message, and what to answer. Only a verified message reaches
/// `psp_notifications` (as `received`: the notification handler then acts
/// on it, or the cron does); a forged one is marked and acknowledged; an
/// unknown answer leaves it `received` and asks PayPal to send it again.
pub fn after_postback(
    id: i64,
    raw: &[u8],
    n: &Notice,
    order_id: Option<&str>,
    verdict: &Verdict,
    now: &str,
) -> (Batch, Answer) {
    match verdict {
        Verdict::Verified => (
            vec![
                settle(id, VERIFIED, None, now),
                notify::record_once(n, order_id, &ascii_body(raw), now),
            ],
            Answer::Acknowledge,
        ),
        Verdict::Forged => (
            vec![settle(id, FORGED, Some("postback: INVALID"), now)],
            Answer::Acknowledge,
        ),
        Verdict::Unknown(_) => (Vec::new(), Answer::SendAgain),
    }
}

/// Messages still `received` (not verified) between `not_before` and
/// `received_before`, oldest first, for the cron to verify again.
pub fn due(received_before: &str, not_before: &str, limit: i64) -> Stmt {
    crate::core::sql::receipts::due(ProviderId::Paypal, received_before, not_before, limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::psp::paypal::ipn;
    use crate::core::sql;

    #[test]
    fn bytes_travel_as_hex_both_ways() {
        let raw = b"first_name=Ren\xe9&x=%E9";
        let due = |body_hex: &str| Due {
            id: 1,
            body_hex: body_hex.into(),
        };
        assert_eq!(due(&sql::hex(raw)).bytes().as_deref(), Some(&raw[..]));
        assert_eq!(due("4").bytes(), None);
        assert_eq!(due("zz").bytes(), None);
    }

    #[test]
    fn only_a_verified_message_reaches_the_notifications_and_only_an_unknown_answer_asks_again() {
        let raw = b"txn_id=T1&payment_status=Completed&mc_gross=1.50&mc_currency=EUR";
        let n = ipn::parse_bytes(raw).expect("parses");
        let (batch, answer) = after_postback(1, raw, &n, None, &Verdict::Verified, "t");
        assert_eq!(answer, Answer::Acknowledge);
        assert!(batch.iter().any(|s| s.sql.contains("psp_notifications")));
        let (batch, answer) = after_postback(1, raw, &n, None, &Verdict::Forged, "t");
        assert_eq!(answer, Answer::Acknowledge);
        assert!(!batch.iter().any(|s| s.sql.contains("psp_notifications")));
        assert!(batch
            .iter()
            .any(|s| s.params.contains(&Param::from(FORGED))));
        let (batch, answer) =
            after_postback(1, raw, &n, None, &Verdict::Unknown("timeout".into()), "t");
        assert_eq!(answer, Answer::SendAgain);
        assert!(batch.is_empty());
        assert_eq!(Answer::SendAgain.http_status(), 503);
    }
}
