//! NVP answers: `NvpResponse` (decoded fields in order), its `Ack` and the
//! `L_ERRORCODEn` error list, and the field readers the typed views share.

use crate::core::money::Amount;
use crate::core::time::UtcTime;

use super::codec::{decode, encode_like_paypal};
use super::NvpError;

/// The `ACK` of an answer (AckCodeType).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ack {
    Success,
    SuccessWithWarning,
    Failure,
    FailureWithWarning,
    Warning,
    PartialSuccess,
    CustomCode,
    Unknown(String),
}

impl Ack {
    /// Case-insensitive; anything else (including an absent ACK, `""`) is
    /// `Unknown`.
    pub fn parse(text: &str) -> Ack {
        let known = [
            Ack::Success,
            Ack::SuccessWithWarning,
            Ack::Failure,
            Ack::FailureWithWarning,
            Ack::Warning,
            Ack::PartialSuccess,
            Ack::CustomCode,
        ];
        known
            .into_iter()
            .find(|ack| ack.as_str().eq_ignore_ascii_case(text))
            .unwrap_or_else(|| Ack::Unknown(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        match self {
            Ack::Success => "Success",
            Ack::SuccessWithWarning => "SuccessWithWarning",
            Ack::Failure => "Failure",
            Ack::FailureWithWarning => "FailureWithWarning",
            Ack::Warning => "Warning",
            Ack::PartialSuccess => "PartialSuccess",
            Ack::CustomCode => "CustomCode",
            Ack::Unknown(text) => text,
        }
    }

    /// Success and SuccessWithWarning mean the call did its work (11607
    /// answers SuccessWithWarning with the original result attached).
    pub fn is_success(&self) -> bool {
        match self {
            Ack::Success | Ack::SuccessWithWarning => true,
            Ack::Failure
            | Ack::FailureWithWarning
            | Ack::Warning
            | Ack::PartialSuccess
            | Ack::CustomCode
            | Ack::Unknown(_) => false,
        }
    }
}

/// One entry of the `L_ERRORCODEn` … list of an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorItem {
    pub code: String,
    pub short_message: String,
    pub long_message: String,
    /// `Error` or `Warning`.
    pub severity: String,
}

/// A decoded answer: its fields in the order PayPal sent them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NvpResponse {
    fields: Vec<(String, String)>,
}

impl NvpResponse {
    /// Decodes an answer body (see [`decode`]).
    pub fn parse(body: &str) -> Result<NvpResponse, NvpError> {
        decode(body).map(|fields| NvpResponse { fields })
    }

    /// An answer made of these fields (the emulator builds its answers so).
    pub fn from_fields(fields: Vec<(String, String)>) -> NvpResponse {
        NvpResponse { fields }
    }

    /// The body PayPal would send for these fields.
    pub fn encode(&self) -> String {
        encode_like_paypal(&self.fields)
    }

    /// The first value of `name`, if present (possibly empty).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn fields(&self) -> &[(String, String)] {
        &self.fields
    }

    pub fn ack(&self) -> Ack {
        Ack::parse(self.get("ACK").unwrap_or(""))
    }

    pub fn is_success(&self) -> bool {
        self.ack().is_success()
    }

    /// `L_ERRORCODEn`, `L_SHORTMESSAGEn`, `L_LONGMESSAGEn`,
    /// `L_SEVERITYCODEn` for n = 0, 1, … until none of the four is present;
    /// a missing piece of an entry is empty.
    pub fn errors(&self) -> Vec<ErrorItem> {
        let mut items = Vec::new();
        for n in 0.. {
            let code = self.get(&format!("L_ERRORCODE{n}"));
            let short_message = self.get(&format!("L_SHORTMESSAGE{n}"));
            let long_message = self.get(&format!("L_LONGMESSAGE{n}"));
            let severity = self.get(&format!("L_SEVERITYCODE{n}"));
            if code.is_none()
                && short_message.is_none()
                && long_message.is_none()
                && severity.is_none()
            {
                break;
            }
            items.push(ErrorItem {
                code: code.unwrap_or("").to_owned(),
                short_message: short_message.unwrap_or("").to_owned(),
                long_message: long_message.unwrap_or("").to_owned(),
                severity: severity.unwrap_or("").to_owned(),
            });
        }
        items
    }

    pub fn first_error(&self) -> Option<ErrorItem> {
        self.errors().into_iter().next()
    }

    /// Whether any listed error has this code (e.g. `"10486"`).
    pub fn has_error_code(&self, code: &str) -> bool {
        self.errors().iter().any(|e| e.code == code)
    }

    /// PayPal's id of the call, for support requests and traces.
    pub fn correlation_id(&self) -> Option<&str> {
        self.non_empty("CORRELATIONID")
    }

    /// `TIMESTAMP`, when present and well formed.
    pub fn timestamp(&self) -> Option<UtcTime> {
        self.get("TIMESTAMP").and_then(UtcTime::parse)
    }

    pub fn token(&self) -> Option<&str> {
        self.non_empty("TOKEN")
    }

    /// The value of `name` when present and not empty: PayPal sends some
    /// optional fields empty, which means the same as absent.
    fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    pub(super) fn required(&self, name: &str) -> Result<&str, NvpError> {
        self.non_empty(name)
            .ok_or_else(|| NvpError::MissingField(name.to_owned()))
    }

    /// The first of `names` present and not empty.
    pub(super) fn first_of(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|name| self.non_empty(name))
    }

    pub(super) fn optional_string(&self, names: &[&str]) -> Option<String> {
        self.first_of(names).map(str::to_owned)
    }

    /// The amount in the first of `names` present; a present value that is
    /// not an amount is an error, not `None`.
    pub(super) fn optional_amount(&self, names: &[&str]) -> Result<Option<Amount>, NvpError> {
        for name in names {
            if let Some(value) = self.non_empty(name) {
                return parse_amount(name, value).map(Some);
            }
        }
        Ok(None)
    }
}

/// Parses a PayPal amount: `20.00`, `1000` (JPY), maybe with `,` thousands
/// separators (`1,000.00`), which PayPal allows.
pub(super) fn parse_amount(field: &str, value: &str) -> Result<Amount, NvpError> {
    let without_separators: String = value.chars().filter(|c| *c != ',').collect();
    Amount::parse_decimal(&without_separators).ok_or_else(|| NvpError::InvalidAmount {
        field: field.to_owned(),
        value: value.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    #[test]
    fn every_fixture_parses_and_reencodes_byte_for_byte_like_paypal() {
        for body in ALL_FIXTURES {
            let answer = parse(body);
            assert!(answer.correlation_id().is_some(), "{body}");
            assert!(answer.timestamp().is_some(), "{body}");
            assert_eq!(encode_like_paypal(answer.fields()), body);
            assert_eq!(answer.encode(), body);
        }
    }

    #[test]
    fn bad_credentials_10002() {
        let answer = parse(BAD_CREDENTIALS_10002);
        assert_single_error(
            &answer,
            "10002",
            "Security error",
            "Security header is not valid",
        );
        assert_eq!(answer.get("VERSION"), Some("0.000000"));
        assert_eq!(answer.correlation_id(), Some("3bea2076bb9c3"));
    }

    #[test]
    fn zero_amount_10525() {
        let answer = parse(ZERO_AMOUNT_10525);
        assert_single_error(
            &answer,
            "10525",
            "Invalid Data",
            "This transaction cannot be processed. The amount to be charged is zero.",
        );
    }

    #[test]
    fn errors_are_read_in_order_until_the_list_ends() {
        let answer = NvpResponse::from_fields(pairs(&[
            ("ACK", "FailureWithWarning"),
            ("L_ERRORCODE0", "10413"),
            ("L_SHORTMESSAGE0", "a"),
            ("L_LONGMESSAGE0", "b"),
            ("L_SEVERITYCODE0", "Error"),
            ("L_ERRORCODE1", "10001"),
            ("L_SEVERITYCODE1", "Warning"),
            ("L_ERRORCODE3", "ignored: the list stopped at 2"),
        ]));
        assert_eq!(answer.ack(), Ack::FailureWithWarning);
        let codes: Vec<String> = answer.errors().into_iter().map(|e| e.code).collect();
        assert_eq!(codes, ["10413", "10001"]);
        assert_eq!(answer.errors()[1].long_message, "");
        assert!(!answer.has_error_code("10486"));
    }

    #[test]
    fn acks_parse_every_code_and_keep_unknown_text() {
        for (text, ack, success) in [
            ("Success", Ack::Success, true),
            ("SuccessWithWarning", Ack::SuccessWithWarning, true),
            ("Failure", Ack::Failure, false),
            ("FailureWithWarning", Ack::FailureWithWarning, false),
            ("Warning", Ack::Warning, false),
            ("PartialSuccess", Ack::PartialSuccess, false),
            ("CustomCode", Ack::CustomCode, false),
        ] {
            assert_eq!(Ack::parse(text), ack);
            assert_eq!(ack.as_str(), text);
            assert_eq!(ack.is_success(), success);
        }
        assert_eq!(Ack::parse("success"), Ack::Success);
        assert_eq!(Ack::parse("Okay"), Ack::Unknown("Okay".to_owned()));
        assert!(!Ack::parse("Okay").is_success());
    }
}
