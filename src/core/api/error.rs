//! The API's numbered errors (api.md §4): one type, each error with its
//! number, class, HTTP status, message and the field it is about. The
//! numbers keep their meaning forever; `ALL` lists every one of them (the
//! OpenAPI document is checked against it).

use serde_json::{json, Value};

/// Every error the API answers, by number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// 1000: the body is not readable JSON or XML of the right shape.
    Malformed,
    /// 1001: the amount is not `digits[.digits]`.
    AmountMalformed,
    /// 1002: more decimals than the currency has.
    AmountTooPrecise,
    /// 1003: a field is missing or not of its type.
    FieldInvalid,
    /// 1004: an unknown primitive version.
    VersionUnknown,
    /// 1005: neither JSON nor XML.
    UnsupportedMediaType,
    /// 1006: a body over the size cap.
    TooLarge,
    /// 1007: no such order, spend or title (for this client).
    NotFound,
    /// 1008: no such route or method.
    NoRoute,
    /// 2001: missing, unknown or revoked key.
    KeyInvalid,
    /// 2003: `payer` is not the key's client.
    PayerNotYou,
    /// 3001: the title cannot be bought (unknown, voided, own, being paid...).
    TitleUnavailable,
    /// 3002: the amount is outside `MIN_AMOUNT`..`MAX_AMOUNT`.
    AmountOutOfBounds,
    /// 3003: not the deployment's currency.
    CurrencyRefused,
    /// 3004: the title's holder is not `payee`.
    PayeeChanged,
    /// 3005: the holder has no account at the provider asked for.
    ProviderNotAccepted,
    /// 3006: `action_at` in the future.
    ActionInFuture,
    /// 3007: the provider refused the checkout.
    ProviderRefused,
    /// 3008: the order no longer awaits the buyer.
    NotCancelable,
    /// 3009: the order cannot be refunded (not the seller's paid trade,
    /// under review, past `REFUND_DAYS`).
    NotRefundable,
    /// 4001: the `spend_id` was used with other fields.
    SpendIdReused,
    /// 4002: a spend with this `spend_id` is under way.
    SpendInProgress,
    /// 5001: the provider did not answer.
    ProviderUnreachable,
    /// 5002: the platform cannot serve now.
    Unavailable,
    /// 5003: too many requests with this key.
    RateLimited,
}

impl ErrorKind {
    /// Every error, in number order.
    pub const ALL: [ErrorKind; 25] = [
        ErrorKind::Malformed,
        ErrorKind::AmountMalformed,
        ErrorKind::AmountTooPrecise,
        ErrorKind::FieldInvalid,
        ErrorKind::VersionUnknown,
        ErrorKind::UnsupportedMediaType,
        ErrorKind::TooLarge,
        ErrorKind::NotFound,
        ErrorKind::NoRoute,
        ErrorKind::KeyInvalid,
        ErrorKind::PayerNotYou,
        ErrorKind::TitleUnavailable,
        ErrorKind::AmountOutOfBounds,
        ErrorKind::CurrencyRefused,
        ErrorKind::PayeeChanged,
        ErrorKind::ProviderNotAccepted,
        ErrorKind::ActionInFuture,
        ErrorKind::ProviderRefused,
        ErrorKind::NotCancelable,
        ErrorKind::NotRefundable,
        ErrorKind::SpendIdReused,
        ErrorKind::SpendInProgress,
        ErrorKind::ProviderUnreachable,
        ErrorKind::Unavailable,
        ErrorKind::RateLimited,
    ];

    /// (number, HTTP status, name, message), from [`TABLE`].
    fn facts(self) -> (u16, u16, &'static str, &'static str) {
        TABLE
            .iter()
            .find(|row| row.0 == self)
            .map_or((5002, 503, "unavailable", "retry"), |row| {
                (row.1, row.2, row.3, row.4)
            })
    }

    pub fn number(self) -> u16 {
        self.facts().0
    }

    pub fn status(self) -> u16 {
        self.facts().1
    }

    pub fn name(self) -> &'static str {
        self.facts().2
    }

    /// The class a caller acts on, from the number's thousand.
    pub fn class(self) -> &'static str {
        match self.number() / 1000 {
            1 => "invalid_request",
            2 => "authentication",
            3 => "refused",
            4 => "idempotency",
            _ => "temporary",
        }
    }
}

/// Every error: number, HTTP status, name, message.
#[rustfmt::skip]
const TABLE: [(ErrorKind, u16, u16, &str, &str); 25] = [
    (ErrorKind::Malformed, 1000, 400, "malformed_body", "the body cannot be read"),
    (ErrorKind::AmountMalformed, 1001, 422, "amount_malformed", "amount must be digits, optionally a dot and digits"),
    (ErrorKind::AmountTooPrecise, 1002, 422, "amount_too_precise", "amount has more decimals than the currency"),
    (ErrorKind::FieldInvalid, 1003, 422, "field_invalid", "a field is missing or invalid"),
    (ErrorKind::VersionUnknown, 1004, 400, "primitive_version_unknown", "unknown primitive version"),
    (ErrorKind::UnsupportedMediaType, 1005, 415, "unsupported_media_type", "send application/json or application/xml"),
    (ErrorKind::TooLarge, 1006, 413, "body_too_large", "the body is too large"),
    (ErrorKind::NotFound, 1007, 404, "not_found", "no such resource"),
    (ErrorKind::NoRoute, 1008, 404, "no_route", "no such route or method"),
    (ErrorKind::KeyInvalid, 2001, 401, "key_invalid", "missing, unknown or revoked API key"),
    (ErrorKind::PayerNotYou, 2003, 403, "payer_not_key_owner", "payer is not the key's client"),
    (ErrorKind::TitleUnavailable, 3001, 409, "title_unavailable", "the title cannot be bought now"),
    (ErrorKind::AmountOutOfBounds, 3002, 422, "amount_out_of_bounds", "amount outside the allowed bounds"),
    (ErrorKind::CurrencyRefused, 3003, 422, "currency_refused", "currency is not the deployment's"),
    (ErrorKind::PayeeChanged, 3004, 409, "payee_changed", "the title's holder is not payee"),
    (ErrorKind::ProviderNotAccepted, 3005, 422, "provider_not_accepted", "the holder has no account at this provider"),
    (ErrorKind::ActionInFuture, 3006, 422, "action_at_in_future", "spends are executed at once"),
    (ErrorKind::ProviderRefused, 3007, 422, "provider_refused", "the provider refused the checkout"),
    (ErrorKind::NotCancelable, 3008, 409, "not_cancelable", "the order no longer awaits the buyer"),
    (ErrorKind::NotRefundable, 3009, 409, "not_refundable", "the order cannot be refunded now"),
    (ErrorKind::SpendIdReused, 4001, 409, "spend_id_reused_with_different_request", "spend_id was used with other fields"),
    (ErrorKind::SpendInProgress, 4002, 409, "spend_in_progress", "this spend is under way: retry"),
    (ErrorKind::ProviderUnreachable, 5001, 503, "provider_unreachable", "the provider did not answer: retry"),
    (ErrorKind::Unavailable, 5002, 503, "unavailable", "the platform cannot serve now: retry"),
    (ErrorKind::RateLimited, 5003, 429, "rate_limited", "too many requests: retry later"),
];

/// One error answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
    /// The request field(s) it is about (comma-separated when several).
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(kind: ErrorKind) -> ApiError {
        ApiError {
            kind,
            message: kind.facts().3.to_string(),
            field: None,
        }
    }

    pub fn on(kind: ErrorKind, field: &str) -> ApiError {
        ApiError {
            field: Some(field.to_string()),
            message: format!("{}: {field}", kind.facts().3),
            kind,
        }
    }

    pub fn with_message(mut self, message: String) -> ApiError {
        self.message = message;
        self
    }

    pub fn status(&self) -> u16 {
        self.kind.status()
    }

    /// `{"error": {...}}` (the version block is added by the writer).
    pub fn body(&self) -> Value {
        json!({ "error": {
            "number": self.kind.number(),
            "class": self.kind.class(),
            "name": self.kind.name(),
            "message": self.message,
            "field": self.field,
        }})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_number_is_unique_and_its_status_fits_its_class() {
        let mut numbers: Vec<u16> = ErrorKind::ALL.iter().map(|k| k.number()).collect();
        let count = numbers.len();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), count);
        for kind in ErrorKind::ALL {
            let allowed: &[u16] = match kind.class() {
                "invalid_request" => &[400, 404, 413, 415, 422],
                "authentication" => &[401, 403],
                "refused" => &[409, 422],
                "idempotency" => &[409],
                _ => &[429, 503],
            };
            assert!(allowed.contains(&kind.status()), "{kind:?}");
        }
    }

    #[test]
    fn every_error_is_in_the_table() {
        for kind in ErrorKind::ALL {
            assert!(TABLE.iter().any(|row| row.0 == kind), "{kind:?}");
        }
    }

    #[test]
    fn the_contracts_numbers_keep_their_meaning() {
        assert_eq!(ErrorKind::AmountMalformed.number(), 1001);
        assert_eq!(ErrorKind::AmountTooPrecise.number(), 1002);
        assert_eq!(ErrorKind::VersionUnknown.number(), 1004);
        assert_eq!(ErrorKind::KeyInvalid.number(), 2001);
        assert_eq!(ErrorKind::PayerNotYou.number(), 2003);
        assert_eq!(ErrorKind::AmountOutOfBounds.number(), 3002);
        assert_eq!(ErrorKind::CurrencyRefused.number(), 3003);
        assert_eq!(ErrorKind::PayeeChanged.number(), 3004);
        assert_eq!(ErrorKind::ActionInFuture.number(), 3006);
        assert_eq!(ErrorKind::SpendIdReused.number(), 4001);
        assert_eq!(ErrorKind::SpendInProgress.number(), 4002);
        assert_eq!(ErrorKind::RateLimited.number(), 5003);
        assert_eq!(ErrorKind::RateLimited.status(), 429);
    }

    #[test]
    fn an_error_names_its_field_in_its_body() {
        let body = ApiError::on(ErrorKind::SpendIdReused, "amount").body();
        assert_eq!(body["error"]["number"], 4001);
        assert_eq!(body["error"]["class"], "idempotency");
        assert_eq!(body["error"]["field"], "amount");
    }
}
