//! Every refusal the emulator answers, with PayPal's error code and its
//! short and long texts, and the error a fault injects.

use super::TRIA;

/// Every refusal the emulator answers, each with PayPal's code and texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    InternalError,
    SecurityError,
    InvalidTransactionId,
    OrderTotalInvalid,
    ReturnUrlMissing,
    CancelUrlMissing,
    TokenMissing,
    InvalidToken,
    TokenExpired,
    CartTotalsMismatch,
    AmountTooLarge,
    AlreadyCompleted,
    TooManyAttempts,
    CannotComplete,
    PayerIdMissing,
    PayerMismatch,
    NewFundingSource,
    ItemTotalInvalid,
    ShippingTotalInvalid,
    HandlingTotalInvalid,
    TaxTotalInvalid,
    ItemAmountInvalid,
    CurrencyMismatch,
    TryLater,
    NotAuthorized,
    Unfunded,
    ZeroAmount,
    CurrencyNotSupported,
    InvalidParameter,
    UnknownMethod,
    NoMethod,
    NoRequest,
    AmountMissing,
    /// A call with `SUBJECT` for an account that granted the caller
    /// nothing (or that PayPal does not know).
    NoPermissionGranted,
    /// A call with `SUBJECT` outside the permissions granted to the caller.
    PermissionDenied,
}

// PayPal's messages too long for one line of the table below.
const TOKEN_MISSING: &str = "Express Checkout token is missing.";
const TOKEN_EXPIRED_SHORT: &str = "This Express Checkout session has expired.";
const TOKEN_EXPIRED_LONG: &str =
    "This Express Checkout session has expired.  Token value is no longer valid.";
const CART_TOTALS_MISMATCH_LONG: &str =
    "The totals of the cart item amounts do not match order amounts.";
const AMOUNT_TOO_LARGE_LONG: &str =
    "The amount exceeds the maximum amount for a single transaction.";
const ALREADY_COMPLETED_LONG: &str =
    "A successful transaction has already been completed for this token.";
const TOO_MANY_ATTEMPTS_LONG: &str =
    "You have exceeded the maximum number of payment attempts for this token.";
const CANNOT_COMPLETE_SHORT: &str = "Transaction cannot complete.";
const CANNOT_COMPLETE_LONG: &str =
    "Instruct the customer to retry the transaction using an alternative payment \
                 method from the customer's PayPal wallet. The transaction did not complete with \
                 the customer's selected payment method.";
const PAYER_MISMATCH_SHORT: &str = "This Express Checkout session belongs to a different customer.";
const PAYER_MISMATCH_LONG: &str =
    "This Express Checkout session belongs to a different customer.  Token value mismatch.";
const NEW_FUNDING_SOURCE_SHORT: &str = "Customer must choose new funding sources.";
const NEW_FUNDING_SOURCE_LONG: &str =
    "The customer must return to PayPal to select new funding sources.";
const CURRENCY_MISMATCH_LONG: &str =
    "The transaction currency specified must be the same as previously specified.";
const TRY_LATER: &str =
    "This transaction cannot be processed at this time. Please try again later.";
const NOT_AUTHORIZED_SHORT: &str = "Payment not authorized";
const NOT_AUTHORIZED_LONG: &str = "Payment has not been authorized by the user.";
const UNFUNDED_SHORT: &str = "This transaction couldn't be completed.";
const UNFUNDED_LONG: &str =
    "This transaction couldn't be completed. Please redirect your customer to PayPal.";
const ZERO_AMOUNT_SHORT: &str = "Invalid Data";
const ZERO_AMOUNT_LONG: &str =
    "This transaction cannot be processed. The amount to be charged is zero.";
const CURRENCY_NOT_SUPPORTED_LONG: &str =
    "Receiving country does not support the transaction currency.";
const INVALID_PARAMETER_SHORT: &str = "Invalid Parameter";
const INVALID_PARAMETER_LONG: &str = "A Parameter is Invalid : Unable to identify parameter";
const UNKNOWN_METHOD_SHORT: &str = "Unspecified Method";
const UNKNOWN_METHOD_LONG: &str = "Method Specified is not Supported";
const AMOUNT_MISSING_SHORT: &str = "Missing Parameter";
const AMOUNT_MISSING_LONG: &str = "OrderTotal (Amt) : Required parameter missing";
const NO_PERMISSION_SHORT: &str = "Authentication/Authorization Failed";
const NO_PERMISSION_LONG: &str = "You do not have permission(s) to make this API call";
const PERMISSION_DENIED_LONG: &str = "You do not have permissions to make this API call";

impl Refusal {
    pub const ALL: [Refusal; 35] = [
        Refusal::InternalError,
        Refusal::SecurityError,
        Refusal::InvalidTransactionId,
        Refusal::OrderTotalInvalid,
        Refusal::ReturnUrlMissing,
        Refusal::CancelUrlMissing,
        Refusal::TokenMissing,
        Refusal::InvalidToken,
        Refusal::TokenExpired,
        Refusal::CartTotalsMismatch,
        Refusal::AmountTooLarge,
        Refusal::AlreadyCompleted,
        Refusal::TooManyAttempts,
        Refusal::CannotComplete,
        Refusal::PayerIdMissing,
        Refusal::PayerMismatch,
        Refusal::NewFundingSource,
        Refusal::ItemTotalInvalid,
        Refusal::ShippingTotalInvalid,
        Refusal::HandlingTotalInvalid,
        Refusal::TaxTotalInvalid,
        Refusal::ItemAmountInvalid,
        Refusal::CurrencyMismatch,
        Refusal::TryLater,
        Refusal::NotAuthorized,
        Refusal::Unfunded,
        Refusal::ZeroAmount,
        Refusal::CurrencyNotSupported,
        Refusal::InvalidParameter,
        Refusal::UnknownMethod,
        Refusal::NoMethod,
        Refusal::NoRequest,
        Refusal::AmountMissing,
        Refusal::NoPermissionGranted,
        Refusal::PermissionDenied,
    ];

    /// (L_ERRORCODE, L_SHORTMESSAGE, L_LONGMESSAGE).
    pub fn texts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Refusal::InternalError => ("10001", "Internal Error", "Internal Error"),
            Refusal::SecurityError => ("10002", "Security error", "Security header is not valid"),
            Refusal::NoPermissionGranted => ("10002", NO_PERMISSION_SHORT, NO_PERMISSION_LONG),
            Refusal::PermissionDenied => ("10007", "Permission denied", PERMISSION_DENIED_LONG),
            Refusal::InvalidTransactionId => ("10004", TRIA, "The transaction id is not valid"),
            Refusal::OrderTotalInvalid => ("10401", TRIA, "Order total is invalid."),
            Refusal::ReturnUrlMissing => ("10404", TRIA, "ReturnURL is missing."),
            Refusal::CancelUrlMissing => ("10405", TRIA, "CancelURL is missing."),
            Refusal::TokenMissing => ("10408", TOKEN_MISSING, TOKEN_MISSING),
            Refusal::InvalidToken => ("10410", "Invalid token", "Invalid token."),
            Refusal::TokenExpired => ("10411", TOKEN_EXPIRED_SHORT, TOKEN_EXPIRED_LONG),
            Refusal::CartTotalsMismatch => ("10413", TRIA, CART_TOTALS_MISMATCH_LONG),
            Refusal::AmountTooLarge => ("10414", TRIA, AMOUNT_TOO_LARGE_LONG),
            Refusal::AlreadyCompleted => ("10415", TRIA, ALREADY_COMPLETED_LONG),
            Refusal::TooManyAttempts => ("10416", TRIA, TOO_MANY_ATTEMPTS_LONG),
            Refusal::CannotComplete => ("10417", CANNOT_COMPLETE_SHORT, CANNOT_COMPLETE_LONG),
            Refusal::PayerIdMissing => ("10419", TRIA, "Express Checkout PayerID is missing."),
            Refusal::PayerMismatch => ("10421", PAYER_MISMATCH_SHORT, PAYER_MISMATCH_LONG),
            Refusal::NewFundingSource => {
                ("10422", NEW_FUNDING_SOURCE_SHORT, NEW_FUNDING_SOURCE_LONG)
            }
            Refusal::ItemTotalInvalid => ("10426", TRIA, "Item total is invalid."),
            Refusal::ShippingTotalInvalid => ("10427", TRIA, "Shipping total is invalid."),
            Refusal::HandlingTotalInvalid => ("10428", TRIA, "Handling total is invalid."),
            Refusal::TaxTotalInvalid => ("10429", TRIA, "Tax total is invalid."),
            Refusal::ItemAmountInvalid => ("10431", TRIA, "Item amount is invalid."),
            Refusal::CurrencyMismatch => ("10444", TRIA, CURRENCY_MISMATCH_LONG),
            Refusal::TryLater => ("10445", TRY_LATER, TRY_LATER),
            Refusal::NotAuthorized => ("10485", NOT_AUTHORIZED_SHORT, NOT_AUTHORIZED_LONG),
            Refusal::Unfunded => ("10486", UNFUNDED_SHORT, UNFUNDED_LONG),
            Refusal::ZeroAmount => ("10525", ZERO_AMOUNT_SHORT, ZERO_AMOUNT_LONG),
            Refusal::CurrencyNotSupported => ("10605", TRIA, CURRENCY_NOT_SUPPORTED_LONG),
            Refusal::InvalidParameter => ("81001", INVALID_PARAMETER_SHORT, INVALID_PARAMETER_LONG),
            Refusal::UnknownMethod => ("81002", UNKNOWN_METHOD_SHORT, UNKNOWN_METHOD_LONG),
            Refusal::NoMethod => ("81003", "Unspecified Method", "No Method Specified"),
            Refusal::NoRequest => ("81004", "No Request Received", "No Request Received"),
            Refusal::AmountMissing => ("81100", AMOUNT_MISSING_SHORT, AMOUNT_MISSING_LONG),
        }
    }

    pub fn code(self) -> &'static str {
        self.texts().0
    }

    /// The refusal with this code, if the emulator knows its texts.
    pub fn from_code(code: &str) -> Option<Refusal> {
        Refusal::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn error(self) -> ErrorText {
        let (code, short, long) = self.texts();
        ErrorText {
            code: code.to_owned(),
            short: short.to_owned(),
            long: long.to_owned(),
        }
    }
}

/// One `L_ERRORCODE0` … entry of an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorText {
    pub code: String,
    pub short: String,
    pub long: String,
}

/// The error a fault injects: PayPal's own texts for a known code, a
/// generic text for any other.
pub fn fault_error(code: &str) -> ErrorText {
    match Refusal::from_code(code) {
        Some(refusal) => refusal.error(),
        None => ErrorText {
            code: code.to_owned(),
            short: TRIA.to_owned(),
            long: format!("The emulator was asked to refuse this call with error {code}."),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_has_a_unique_code_and_paypals_texts() {
        // PayPal answers 10002 with other texts too (no third-party
        // grant): an injected 10002 is the security error.
        let distinct = Refusal::ALL
            .into_iter()
            .filter(|r| *r != Refusal::NoPermissionGranted);
        let mut codes: Vec<&str> = distinct.clone().map(|r| r.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Refusal::ALL.len() - 1);
        assert_eq!(Refusal::from_code("10002"), Some(Refusal::SecurityError));
        for refusal in distinct {
            assert_eq!(Refusal::from_code(refusal.code()), Some(refusal));
            let (_, short, long) = refusal.texts();
            assert!(!short.is_empty() && !long.is_empty());
        }
        assert_eq!(
            Refusal::TokenExpired.texts().2,
            "This Express Checkout session has expired.  Token value is no longer valid."
        );
        assert_eq!(
            Refusal::PayerMismatch.texts().2,
            "This Express Checkout session belongs to a different customer.  Token value mismatch."
        );
        assert_eq!(
            Refusal::CannotComplete.texts().2,
            "Instruct the customer to retry the transaction using an alternative payment method \
             from the customer's PayPal wallet. The transaction did not complete with the \
             customer's selected payment method."
        );
        let generic = fault_error("12345");
        assert_eq!(generic.code, "12345");
        assert_eq!(generic.short, TRIA);
        assert_eq!(fault_error("10486"), Refusal::Unfunded.error());
        for code in [
            "10001", "10002", "10410", "10411", "10415", "10417", "10422", "10445", "10486",
        ] {
            assert!(Refusal::from_code(code).is_some(), "{code}");
            assert!(!fault_error(code).long.contains("emulator"), "{code}");
        }
    }
}
