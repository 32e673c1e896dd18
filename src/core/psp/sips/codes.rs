//! Sips' `responseCode` (reference part B4, sips-sdk-java `ResponseCode`)
//! and what it means: for a Paypage payment response, the seam's outcome of
//! an authorization ([`Authorization`]); for an Office answer, whether the
//! operation was done ([`OfficeVerdict`]). Both mappings name every code (a
//! new code is a compile error there); a code Sips sends that this table
//! does not know is [`ResponseCode::Unknown`], carrying the text, and is a
//! refusal shown with its code, never an authorization.
//! `acquirerResponseCode` (the issuer's code) is kept as text for display.

/// A Sips `responseCode`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ResponseCode {
    /// 00: accepted.
    Accepted,
    /// 02: card ceiling exceeded, referral to the issuer.
    Referral,
    /// 03: invalid merchant contract.
    InvalidMerchant,
    /// 05: refused.
    Refused,
    /// 11: PAN blocked.
    PanBlocked,
    /// 12: invalid transaction.
    InvalidTransaction,
    /// 14: invalid PAN or card data.
    InvalidCardData,
    /// 17: the buyer canceled.
    CanceledByBuyer,
    /// 24: operation not authorised (in the transaction's state).
    NotAuthorised,
    /// 25: transaction not found.
    NotFound,
    /// 30: format error.
    FormatError,
    /// 34: fraud suspected, including a bad seal or key version.
    FraudSuspected,
    /// 40: function not supported.
    Unsupported,
    /// 51: amount too high.
    AmountTooHigh,
    /// 54: card expired.
    CardExpired,
    /// 60: pending.
    Pending,
    /// 63: security rules not met.
    SecurityRules,
    /// 75: too many attempts at the card number.
    TooManyAttempts,
    /// 90: service temporarily unavailable.
    ServiceUnavailable,
    /// 94: duplicate `transactionReference`.
    DuplicateReference,
    /// 97: timeframe exceeded.
    TimeframeExceeded,
    /// 99: Sips internal error.
    InternalError,
    /// A code this table does not know, as sent.
    Unknown(String),
}

impl ResponseCode {
    pub const KNOWN: [ResponseCode; 22] = [
        ResponseCode::Accepted,
        ResponseCode::Referral,
        ResponseCode::InvalidMerchant,
        ResponseCode::Refused,
        ResponseCode::PanBlocked,
        ResponseCode::InvalidTransaction,
        ResponseCode::InvalidCardData,
        ResponseCode::CanceledByBuyer,
        ResponseCode::NotAuthorised,
        ResponseCode::NotFound,
        ResponseCode::FormatError,
        ResponseCode::FraudSuspected,
        ResponseCode::Unsupported,
        ResponseCode::AmountTooHigh,
        ResponseCode::CardExpired,
        ResponseCode::Pending,
        ResponseCode::SecurityRules,
        ResponseCode::TooManyAttempts,
        ResponseCode::ServiceUnavailable,
        ResponseCode::DuplicateReference,
        ResponseCode::TimeframeExceeded,
        ResponseCode::InternalError,
    ];

    /// The code as Sips sends it (two digits); anything else is `Unknown`.
    pub fn parse(text: &str) -> ResponseCode {
        ResponseCode::KNOWN
            .into_iter()
            .find(|code| code.as_str() == text)
            .unwrap_or_else(|| ResponseCode::Unknown(text.to_owned()))
    }

    /// The code as Sips spells it.
    pub fn as_str(&self) -> &str {
        match self {
            ResponseCode::Accepted => "00",
            ResponseCode::Referral => "02",
            ResponseCode::InvalidMerchant => "03",
            ResponseCode::Refused => "05",
            ResponseCode::PanBlocked => "11",
            ResponseCode::InvalidTransaction => "12",
            ResponseCode::InvalidCardData => "14",
            ResponseCode::CanceledByBuyer => "17",
            ResponseCode::NotAuthorised => "24",
            ResponseCode::NotFound => "25",
            ResponseCode::FormatError => "30",
            ResponseCode::FraudSuspected => "34",
            ResponseCode::Unsupported => "40",
            ResponseCode::AmountTooHigh => "51",
            ResponseCode::CardExpired => "54",
            ResponseCode::Pending => "60",
            ResponseCode::SecurityRules => "63",
            ResponseCode::TooManyAttempts => "75",
            ResponseCode::ServiceUnavailable => "90",
            ResponseCode::DuplicateReference => "94",
            ResponseCode::TimeframeExceeded => "97",
            ResponseCode::InternalError => "99",
            ResponseCode::Unknown(text) => text,
        }
    }

    /// What the code means, in Sips' words (shown beside the code).
    pub fn meaning(&self) -> &'static str {
        match self {
            ResponseCode::Accepted => "accepted",
            ResponseCode::Referral => "card ceiling exceeded, referral to the issuer",
            ResponseCode::InvalidMerchant => "invalid merchant contract",
            ResponseCode::Refused => "refused",
            ResponseCode::PanBlocked => "card number blocked",
            ResponseCode::InvalidTransaction => "invalid transaction",
            ResponseCode::InvalidCardData => "invalid card number or data",
            ResponseCode::CanceledByBuyer => "canceled by the buyer",
            ResponseCode::NotAuthorised => "operation not authorised",
            ResponseCode::NotFound => "transaction not found",
            ResponseCode::FormatError => "format error",
            ResponseCode::FraudSuspected => "fraud suspected (seal or key version refused)",
            ResponseCode::Unsupported => "function not supported",
            ResponseCode::AmountTooHigh => "amount too high",
            ResponseCode::CardExpired => "card expired",
            ResponseCode::Pending => "pending",
            ResponseCode::SecurityRules => "security rules not met",
            ResponseCode::TooManyAttempts => "too many attempts",
            ResponseCode::ServiceUnavailable => "service temporarily unavailable",
            ResponseCode::DuplicateReference => "duplicate transaction reference",
            ResponseCode::TimeframeExceeded => "timeframe exceeded",
            ResponseCode::InternalError => "Sips internal error",
            ResponseCode::Unknown(_) => "unknown response code",
        }
    }

    /// What a Paypage payment response with this code means for the order.
    pub fn authorization(&self) -> Authorization {
        match self {
            ResponseCode::Accepted => Authorization::Authorized,
            ResponseCode::CanceledByBuyer => Authorization::Canceled,
            ResponseCode::Pending => Authorization::Pending,
            ResponseCode::FraudSuspected => Authorization::Forged,
            ResponseCode::DuplicateReference => Authorization::DuplicateReference,
            ResponseCode::Referral
            | ResponseCode::InvalidMerchant
            | ResponseCode::Refused
            | ResponseCode::PanBlocked
            | ResponseCode::InvalidTransaction
            | ResponseCode::InvalidCardData
            | ResponseCode::NotAuthorised
            | ResponseCode::NotFound
            | ResponseCode::FormatError
            | ResponseCode::Unsupported
            | ResponseCode::AmountTooHigh
            | ResponseCode::CardExpired
            | ResponseCode::SecurityRules
            | ResponseCode::TooManyAttempts
            | ResponseCode::ServiceUnavailable
            | ResponseCode::TimeframeExceeded
            | ResponseCode::InternalError
            | ResponseCode::Unknown(_) => Authorization::Refused {
                code: self.as_str().to_owned(),
                message: self.meaning().to_owned(),
            },
        }
    }

    /// What an Office answer with this code says of the operation asked.
    pub fn office_verdict(&self) -> OfficeVerdict {
        match self {
            ResponseCode::Accepted => OfficeVerdict::Done,
            ResponseCode::NotFound => OfficeVerdict::NotFound,
            ResponseCode::FraudSuspected => OfficeVerdict::KeyRefused,
            ResponseCode::ServiceUnavailable | ResponseCode::InternalError => {
                OfficeVerdict::Unavailable {
                    code: self.as_str().to_owned(),
                }
            }
            ResponseCode::Referral
            | ResponseCode::InvalidMerchant
            | ResponseCode::Refused
            | ResponseCode::PanBlocked
            | ResponseCode::InvalidTransaction
            | ResponseCode::InvalidCardData
            | ResponseCode::CanceledByBuyer
            | ResponseCode::NotAuthorised
            | ResponseCode::FormatError
            | ResponseCode::Unsupported
            | ResponseCode::AmountTooHigh
            | ResponseCode::CardExpired
            | ResponseCode::Pending
            | ResponseCode::SecurityRules
            | ResponseCode::TooManyAttempts
            | ResponseCode::DuplicateReference
            | ResponseCode::TimeframeExceeded
            | ResponseCode::Unknown(_) => OfficeVerdict::Refused {
                code: self.as_str().to_owned(),
                message: self.meaning().to_owned(),
            },
        }
    }
}

/// A payment response's outcome, in the seam's words (spec §1): the flows
/// claim on `Authorized`, and the order's status follows the others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Authorization {
    /// 00: the card is authorized, no money moved yet (`VALIDATION`): claim,
    /// then capture with Office `validate` (or release with `cancel`).
    Authorized,
    /// 17: the buyer canceled on Sips' page (`canceled`, -1).
    Canceled,
    /// 60: Sips has not decided (`psp_pending`).
    Pending,
    /// 34: Sips suspects fraud or refused our seal or key version.
    Forged,
    /// 94: the order's reference was already used at Sips.
    DuplicateReference,
    /// Any other code (`psp_refused`, Sips' code shown).
    Refused { code: String, message: String },
}

/// What an Office answer says of the operation asked (`validate`,
/// `cancel`, `refund`, `getTransactionData`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OfficeVerdict {
    /// 00: done (or, for a read, here is the transaction).
    Done,
    /// 25: Sips knows no such transaction.
    NotFound,
    /// 34: Sips refused our seal or key version: the account's key is wrong.
    KeyRefused,
    /// 90, 99: Sips could not answer now; not a refusal: ask again (a
    /// capture stays unknown until a read says what happened).
    Unavailable { code: String },
    /// Any other code: Sips refused the operation, with its code shown.
    Refused { code: String, message: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUIRED: [&str; 22] = [
        "00", "02", "03", "05", "11", "12", "14", "17", "24", "25", "30", "34", "40", "51", "54",
        "60", "63", "75", "90", "94", "97", "99",
    ];

    #[test]
    fn every_code_of_the_reference_parses_to_a_known_variant_and_back() {
        for text in REQUIRED {
            let code = ResponseCode::parse(text);
            assert!(!matches!(code, ResponseCode::Unknown(_)), "{text}");
            assert_eq!(code.as_str(), text);
            assert!(!code.meaning().is_empty(), "{text}");
        }
        assert_eq!(ResponseCode::KNOWN.len(), REQUIRED.len());
    }

    #[test]
    fn an_unknown_code_keeps_its_text_and_is_refused_with_it() {
        let code = ResponseCode::parse("42");
        assert_eq!(code, ResponseCode::Unknown("42".into()));
        assert_eq!(code.as_str(), "42");
        assert!(matches!(
            code.authorization(),
            Authorization::Refused { code, .. } if code == "42"
        ));
        for odd in ["", "0", "000", " 00", "null"] {
            assert!(
                matches!(ResponseCode::parse(odd), ResponseCode::Unknown(_)),
                "{odd:?}"
            );
        }
    }

    #[test]
    fn a_payment_response_maps_as_the_contract_says() {
        let of = |text: &str| ResponseCode::parse(text).authorization();
        assert_eq!(of("00"), Authorization::Authorized);
        assert_eq!(of("17"), Authorization::Canceled);
        assert_eq!(of("60"), Authorization::Pending);
        assert_eq!(of("34"), Authorization::Forged);
        assert_eq!(of("94"), Authorization::DuplicateReference);
    }

    #[test]
    fn every_other_code_is_a_refusal_showing_sips_code_and_meaning() {
        let special = ["00", "17", "60", "34", "94"];
        for text in REQUIRED.into_iter().filter(|t| !special.contains(t)) {
            let code = ResponseCode::parse(text);
            assert_eq!(
                code.authorization(),
                Authorization::Refused {
                    code: text.into(),
                    message: code.meaning().into()
                },
                "{text}"
            );
        }
    }

    #[test]
    fn an_office_answer_is_done_only_for_00() {
        let of = |text: &str| ResponseCode::parse(text).office_verdict();
        assert_eq!(of("00"), OfficeVerdict::Done);
        assert_eq!(of("25"), OfficeVerdict::NotFound);
        assert_eq!(of("34"), OfficeVerdict::KeyRefused);
        assert_eq!(of("90"), OfficeVerdict::Unavailable { code: "90".into() });
        assert_eq!(of("99"), OfficeVerdict::Unavailable { code: "99".into() });
        assert!(matches!(of("24"), OfficeVerdict::Refused { code, .. } if code == "24"));
        assert!(matches!(of("7x"), OfficeVerdict::Refused { code, .. } if code == "7x"));
        for text in REQUIRED.into_iter().filter(|t| *t != "00") {
            assert_ne!(of(text), OfficeVerdict::Done, "{text}");
        }
    }
}
