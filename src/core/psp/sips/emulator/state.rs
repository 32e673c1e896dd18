//! A transaction's life at the emulated Sips: its statuses (Sips' own,
//! plus `INITIALIZED` while the buyer is on the card page), the status a
//! payment response leaves it in, the lapse of an authorization not
//! validated within `captureDay` days on the emulator's clock, and the
//! remittance of a validated transaction at the end of its day (UTC, on
//! the emulator's clock: an emulator convention; Sips remits in a nightly
//! batch). Before remittance Office `cancel` takes money back, after it
//! `refund` does.

use crate::core::psp::sips::codes::ResponseCode;
use crate::core::psp::sips::office::TransactionStatus;
use crate::core::time::UtcTime;

/// The capture mode that waits for Office `validate` (the platform's).
pub const VALIDATION: &str = "VALIDATION";

/// A day on the emulator's clock.
const DAY_SECONDS: i64 = 86_400;

/// A stored transaction's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxStatus {
    /// `paymentInit` accepted; the buyer has not decided yet. Office does
    /// not know it (`25`), as Sips knows no transaction before payment.
    Initialized,
    /// Authorized, waiting for `validate`.
    ToValidate,
    /// Validated, waiting for the end of the day's remittance (already in
    /// the merchant's balance, which counts what will be settled): `cancel`
    /// reduces it, `refund` is refused.
    ToCapture,
    /// Remitted (or captured at once, `AUTHOR_CAPTURE`): `refund` gives
    /// money back, `cancel` is refused.
    Captured,
    /// Released before capture, or canceled by the buyer (`17`).
    Cancelled,
    Refused,
    /// Not validated within `captureDay` days.
    Expired,
    /// Captured, then refunded whole.
    Credited,
    /// Sips has not decided (`60`).
    Pending,
}

impl TxStatus {
    pub const ALL: [TxStatus; 9] = [
        TxStatus::Initialized,
        TxStatus::ToValidate,
        TxStatus::ToCapture,
        TxStatus::Captured,
        TxStatus::Cancelled,
        TxStatus::Refused,
        TxStatus::Expired,
        TxStatus::Credited,
        TxStatus::Pending,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TxStatus::Initialized => "INITIALIZED",
            TxStatus::ToValidate => "TO_VALIDATE",
            TxStatus::ToCapture => "TO_CAPTURE",
            TxStatus::Captured => "CAPTURED",
            TxStatus::Cancelled => "CANCELLED",
            TxStatus::Refused => "REFUSED",
            TxStatus::Expired => "EXPIRED",
            TxStatus::Credited => "CREDITED",
            TxStatus::Pending => "PENDING",
        }
    }

    /// A stored status; `None` for text this table does not know.
    pub fn parse(text: &str) -> Option<TxStatus> {
        TxStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The status Office shows (`None`: Office does not know it yet).
    pub fn office(self) -> Option<TransactionStatus> {
        match self {
            TxStatus::Initialized => None,
            TxStatus::ToValidate => Some(TransactionStatus::ToValidate),
            TxStatus::ToCapture => Some(TransactionStatus::ToCapture),
            TxStatus::Captured => Some(TransactionStatus::Captured),
            TxStatus::Cancelled => Some(TransactionStatus::Cancelled),
            TxStatus::Refused => Some(TransactionStatus::Refused),
            TxStatus::Expired => Some(TransactionStatus::Expired),
            TxStatus::Credited => Some(TransactionStatus::Credited),
            TxStatus::Pending => Some(TransactionStatus::Unknown("PENDING".to_owned())),
        }
    }
}

/// The status a payment decided with `code` leaves, and whether it was
/// captured at once (any capture mode but `VALIDATION` remits at once).
pub fn status_after_payment(code: &ResponseCode, capture_mode: &str) -> (TxStatus, bool) {
    match code {
        ResponseCode::Accepted if capture_mode == VALIDATION => (TxStatus::ToValidate, false),
        ResponseCode::Accepted => (TxStatus::Captured, true),
        ResponseCode::CanceledByBuyer => (TxStatus::Cancelled, false),
        ResponseCode::Pending => (TxStatus::Pending, false),
        ResponseCode::Referral
        | ResponseCode::InvalidMerchant
        | ResponseCode::Refused
        | ResponseCode::PanBlocked
        | ResponseCode::InvalidTransaction
        | ResponseCode::InvalidCardData
        | ResponseCode::NotAuthorised
        | ResponseCode::NotFound
        | ResponseCode::FormatError
        | ResponseCode::FraudSuspected
        | ResponseCode::Unsupported
        | ResponseCode::AmountTooHigh
        | ResponseCode::CardExpired
        | ResponseCode::SecurityRules
        | ResponseCode::TooManyAttempts
        | ResponseCode::ServiceUnavailable
        | ResponseCode::DuplicateReference
        | ResponseCode::TimeframeExceeded
        | ResponseCode::InternalError
        | ResponseCode::Unknown(_) => (TxStatus::Refused, false),
    }
}

/// The last instant an authorization made at `authorized_at` can be
/// validated: `capture_day` days later.
pub fn capture_limit(authorized_at: UtcTime, capture_day: i64) -> UtcTime {
    authorized_at.plus_seconds(capture_day.max(0).saturating_mul(DAY_SECONDS))
}

/// `captureLimitDate` as Sips writes it (`YYYYMMDD`).
pub fn limit_date(limit: UtcTime) -> String {
    let (y, m, d, _, _, _) = limit.parts();
    format!("{y:04}{m:02}{d:02}")
}

/// When a transaction validated at `validated_at` is remitted: the next
/// midnight (UTC) on the emulator's clock.
pub fn remittance(validated_at: UtcTime) -> UtcTime {
    let seconds = validated_at.unix_seconds();
    UtcTime::from_unix_seconds(seconds - seconds.rem_euclid(DAY_SECONDS) + DAY_SECONDS)
}

/// When a stored transaction was authorized and last written (for a
/// `TO_CAPTURE` one: validated, or reduced the same day).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Times {
    pub authorized_at: Option<UtcTime>,
    pub updated_at: Option<UtcTime>,
}

/// The status as it is at `now`: an authorization past its capture
/// limit has lapsed, a validation past its day's end is remitted
/// (whatever is stored until an operation writes it).
pub fn effective_status(
    stored: TxStatus,
    times: Times,
    capture_day: i64,
    now: UtcTime,
) -> TxStatus {
    match (stored, times.authorized_at, times.updated_at) {
        (TxStatus::ToValidate, Some(at), _) if now > capture_limit(at, capture_day) => {
            TxStatus::Expired
        }
        (TxStatus::ToCapture, _, Some(at)) if now >= remittance(at) => TxStatus::Captured,
        (status, _, _) => status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_back_and_office_knows_all_but_the_card_page() {
        for status in TxStatus::ALL {
            assert_eq!(TxStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(TxStatus::parse("LOST"), None);
        assert_eq!(TxStatus::Initialized.office(), None);
        assert_eq!(
            TxStatus::ToValidate.office(),
            Some(TransactionStatus::ToValidate)
        );
    }

    #[test]
    fn an_authorization_lapses_once_capture_day_days_have_passed() {
        let at = UtcTime::from_unix_seconds(1_767_225_600);
        let limit = capture_limit(at, 6);
        assert_eq!(limit, at.plus_seconds(6 * 86_400));
        let times = Times {
            authorized_at: Some(at),
            updated_at: Some(at),
        };
        let status = |now| effective_status(TxStatus::ToValidate, times, 6, now);
        assert_eq!(status(at.plus_seconds(86_400)), TxStatus::ToValidate);
        assert_eq!(status(limit), TxStatus::ToValidate);
        assert_eq!(status(limit.plus_seconds(1)), TxStatus::Expired);
        assert_eq!(
            effective_status(TxStatus::Captured, times, 6, limit.plus_seconds(1)),
            TxStatus::Captured,
            "a validated transaction never lapses"
        );
        assert_eq!(limit_date(limit), "20260107");
    }

    #[test]
    fn a_validation_is_remitted_at_the_next_utc_midnight_and_not_before() {
        // 2026-01-01T10:00:00Z
        let validated = UtcTime::from_unix_seconds(1_767_225_600 + 36_000);
        let midnight = UtcTime::from_unix_seconds(1_767_225_600 + 86_400);
        assert_eq!(remittance(validated), midnight);
        assert_eq!(remittance(midnight), midnight.plus_seconds(86_400));
        let times = Times {
            authorized_at: Some(validated),
            updated_at: Some(validated),
        };
        let status = |now| effective_status(TxStatus::ToCapture, times, 6, now);
        assert_eq!(status(midnight.plus_seconds(-1)), TxStatus::ToCapture);
        assert_eq!(status(midnight), TxStatus::Captured);
    }

    #[test]
    fn a_payment_response_leaves_the_status_its_code_says() {
        let of = |code: &str, mode: &str| status_after_payment(&ResponseCode::parse(code), mode);
        assert_eq!(of("00", "VALIDATION"), (TxStatus::ToValidate, false));
        assert_eq!(of("00", "AUTHOR_CAPTURE"), (TxStatus::Captured, true));
        assert_eq!(of("17", "VALIDATION"), (TxStatus::Cancelled, false));
        assert_eq!(of("60", "VALIDATION"), (TxStatus::Pending, false));
        assert_eq!(of("05", "VALIDATION"), (TxStatus::Refused, false));
        assert_eq!(of("42", "VALIDATION"), (TxStatus::Refused, false));
    }
}
