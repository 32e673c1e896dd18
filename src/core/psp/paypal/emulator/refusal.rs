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
}

impl Refusal {
    pub const ALL: [Refusal; 33] = [
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
    ];

    /// (L_ERRORCODE, L_SHORTMESSAGE, L_LONGMESSAGE).
    pub fn texts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Refusal::InternalError => ("10001", "Internal Error", "Internal Error"),
            Refusal::SecurityError => ("10002", "Security error", "Security header is not valid"),
            Refusal::InvalidTransactionId => ("10004", TRIA, "The transaction id is not valid"),
            Refusal::OrderTotalInvalid => ("10401", TRIA, "Order total is invalid."),
            Refusal::ReturnUrlMissing => ("10404", TRIA, "ReturnURL is missing."),
            Refusal::CancelUrlMissing => ("10405", TRIA, "CancelURL is missing."),
            Refusal::TokenMissing => (
                "10408",
                "Express Checkout token is missing.",
                "Express Checkout token is missing.",
            ),
            Refusal::InvalidToken => ("10410", "Invalid token", "Invalid token."),
            Refusal::TokenExpired => (
                "10411",
                "This Express Checkout session has expired.",
                "This Express Checkout session has expired.  Token value is no longer valid.",
            ),
            Refusal::CartTotalsMismatch => (
                "10413",
                TRIA,
                "The totals of the cart item amounts do not match order amounts.",
            ),
            Refusal::AmountTooLarge => (
                "10414",
                TRIA,
                "The amount exceeds the maximum amount for a single transaction.",
            ),
            Refusal::AlreadyCompleted => (
                "10415",
                TRIA,
                "A successful transaction has already been completed for this token.",
            ),
            Refusal::TooManyAttempts => (
                "10416",
                TRIA,
                "You have exceeded the maximum number of payment attempts for this token.",
            ),
            Refusal::CannotComplete => (
                "10417",
                "Transaction cannot complete.",
                "Instruct the customer to retry the transaction using an alternative payment \
                 method from the customer's PayPal wallet. The transaction did not complete with \
                 the customer's selected payment method.",
            ),
            Refusal::PayerIdMissing => ("10419", TRIA, "Express Checkout PayerID is missing."),
            Refusal::PayerMismatch => (
                "10421",
                "This Express Checkout session belongs to a different customer.",
                "This Express Checkout session belongs to a different customer.  Token value mismatch.",
            ),
            Refusal::NewFundingSource => (
                "10422",
                "Customer must choose new funding sources.",
                "The customer must return to PayPal to select new funding sources.",
            ),
            Refusal::ItemTotalInvalid => ("10426", TRIA, "Item total is invalid."),
            Refusal::ShippingTotalInvalid => ("10427", TRIA, "Shipping total is invalid."),
            Refusal::HandlingTotalInvalid => ("10428", TRIA, "Handling total is invalid."),
            Refusal::TaxTotalInvalid => ("10429", TRIA, "Tax total is invalid."),
            Refusal::ItemAmountInvalid => ("10431", TRIA, "Item amount is invalid."),
            Refusal::CurrencyMismatch => (
                "10444",
                TRIA,
                "The transaction currency specified must be the same as previously specified.",
            ),
            Refusal::TryLater => (
                "10445",
                "This transaction cannot be processed at this time. Please try again later.",
                "This transaction cannot be processed at this time. Please try again later.",
            ),
            Refusal::NotAuthorized => (
                "10485",
                "Payment not authorized",
                "Payment has not been authorized by the user.",
            ),
            Refusal::Unfunded => (
                "10486",
                "This transaction couldn't be completed.",
                "This transaction couldn't be completed. Please redirect your customer to PayPal.",
            ),
            Refusal::ZeroAmount => (
                "10525",
                "Invalid Data",
                "This transaction cannot be processed. The amount to be charged is zero.",
            ),
            Refusal::CurrencyNotSupported => (
                "10605",
                TRIA,
                "Receiving country does not support the transaction currency.",
            ),
            Refusal::InvalidParameter => (
                "81001",
                "Invalid Parameter",
                "A Parameter is Invalid : Unable to identify parameter",
            ),
            Refusal::UnknownMethod => (
                "81002",
                "Unspecified Method",
                "Method Specified is not Supported",
            ),
            Refusal::NoMethod => ("81003", "Unspecified Method", "No Method Specified"),
            Refusal::NoRequest => ("81004", "No Request Received", "No Request Received"),
            Refusal::AmountMissing => (
                "81100",
                "Missing Parameter",
                "OrderTotal (Amt) : Required parameter missing",
            ),
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
        let mut codes: Vec<&str> = Refusal::ALL.iter().map(|r| r.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Refusal::ALL.len());
        for refusal in Refusal::ALL {
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
