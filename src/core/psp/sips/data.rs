//! The Paypage `Data` string (reference part B2, B4): `key=value` pairs
//! joined by `|`. Building a payment request's `Data` in a fixed order (so
//! that the same order always gives the same bytes and seal), its sealed
//! form, and splitting a received `Data` into pairs: each pair splits on its
//! first `=` only (values contain `=`), empty values are kept, a key seen
//! twice is refused (which value would be believed?). The typed reading of
//! a response is `response`'s.

use base64::Engine;

use super::seal::{paypage_seal, SealAlgorithm};
use super::PAYPAGE_INTERFACE_VERSION;
use crate::core::i18n::Lang;
use crate::core::money::{Amount, Currency};

/// Why a `Data` string could not be built or read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataError {
    /// No pair at all.
    Empty,
    /// A pair without `=` (its text, for the log).
    NoEquals(String),
    /// A pair with nothing before its `=`.
    EmptyKey,
    /// The same key twice.
    DuplicateKey(String),
    /// A field the message must carry is absent, empty or `null`.
    Missing(&'static str),
    /// A field that must be a number is not one.
    NotANumber { field: &'static str, value: String },
    /// A value to send contains the pair separator `|`, or breaks the
    /// field's format (merchant id, reference).
    BadValue { field: &'static str, value: String },
    /// A pair to join that could not be split back (its key, for the log).
    BadPair(String),
    /// A currency Sips is not sent in by PayBook.
    Currency(String),
    /// The `Encode` named is not one Sips uses, or its text does not decode.
    Encoding(String),
}

impl std::fmt::Display for DataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DataError::Empty => write!(f, "empty Data"),
            DataError::NoEquals(pair) => write!(f, "pair without '=': {pair:?}"),
            DataError::EmptyKey => write!(f, "pair with an empty key"),
            DataError::DuplicateKey(key) => write!(f, "key {key:?} appears twice"),
            DataError::Missing(field) => write!(f, "{field} is missing"),
            DataError::NotANumber { field, value } => {
                write!(f, "{field} is not a number: {value:?}")
            }
            DataError::BadValue { field, value } => write!(f, "{field} cannot be sent: {value:?}"),
            DataError::BadPair(key) => write!(f, "pair {key:?} cannot be sent"),
            DataError::Currency(code) => write!(f, "currency {code} has no Sips code here"),
            DataError::Encoding(what) => write!(f, "Data encoding: {what}"),
        }
    }
}

/// ISO 4217 numeric codes of the currencies PayBook may charge in.
const CURRENCY_CODES: [(&str, &str); 4] = [
    ("EUR", "978"),
    ("USD", "840"),
    ("GBP", "826"),
    ("CHF", "756"),
];

/// The ISO 4217 numeric code Sips takes for `currency`.
pub fn currency_code(currency: Currency) -> Result<&'static str, DataError> {
    CURRENCY_CODES
        .into_iter()
        .find(|(alpha, _)| *alpha == currency.as_str())
        .map(|(_, numeric)| numeric)
        .ok_or_else(|| DataError::Currency(currency.as_str().to_owned()))
}

/// Longest `transactionReference` Sips takes.
const MAX_REFERENCE_LEN: usize = 35;

/// `value` if it can travel as field `field` (no `|`), else the error.
fn sendable<'v>(field: &'static str, value: &'v str) -> Result<&'v str, DataError> {
    if value.contains('|') || value.is_empty() {
        return Err(DataError::BadValue {
            field,
            value: value.to_owned(),
        });
    }
    Ok(value)
}

/// Checks the merchant id (15 digits) and the reference (alphanumeric).
fn check_identifiers(request: &PaypageRequest<'_>) -> Result<(), DataError> {
    let merchant = request.merchant_id;
    if merchant.len() != 15 || !merchant.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DataError::BadValue {
            field: "merchantId",
            value: merchant.to_owned(),
        });
    }
    let reference = request.transaction_reference;
    if reference.is_empty()
        || reference.len() > MAX_REFERENCE_LEN
        || !reference.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(DataError::BadValue {
            field: "transactionReference",
            value: reference.to_owned(),
        });
    }
    Ok(())
}

/// A payment request: authorize only (`captureMode=VALIDATION`), captured
/// later with Office `validate` once the order holds its claim (spec §1).
#[derive(Clone, Debug)]
pub struct PaypageRequest<'a> {
    /// The seller's Sips merchant id (15 digits).
    pub merchant_id: &'a str,
    pub key_version: u32,
    pub amount: Amount,
    pub currency: Currency,
    /// PayBook's order reference: unique, alphanumeric.
    pub transaction_reference: &'a str,
    /// Where the buyer's browser brings the manual response.
    pub normal_return_url: &'a str,
    /// Where Sips posts the automatic response.
    pub automatic_response_url: &'a str,
    /// Days the authorization stays capturable (`CAPTURE_DAYS`).
    pub capture_day: u32,
    pub lang: Lang,
}

/// The form the buyer's browser posts to Sips' `paymentInit`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaypageForm {
    pub data: String,
    pub interface_version: &'static str,
    pub seal: String,
    pub seal_algorithm: &'static str,
}

/// The `Data` of `request`, fields in a fixed order.
pub fn request_data(request: &PaypageRequest<'_>) -> Result<String, DataError> {
    check_identifiers(request)?;
    let language = match request.lang {
        Lang::Fr => "fr",
        Lang::En => "en",
    };
    let pairs = [
        ("amount", request.amount.cents().to_string()),
        ("currencyCode", currency_code(request.currency)?.to_owned()),
        ("merchantId", request.merchant_id.to_owned()),
        (
            "normalReturnUrl",
            sendable("normalReturnUrl", request.normal_return_url)?.to_owned(),
        ),
        (
            "automaticResponseUrl",
            sendable("automaticResponseUrl", request.automatic_response_url)?.to_owned(),
        ),
        (
            "transactionReference",
            request.transaction_reference.to_owned(),
        ),
        ("keyVersion", request.key_version.to_string()),
        ("captureMode", "VALIDATION".to_owned()),
        ("captureDay", request.capture_day.to_string()),
        ("orderChannel", "INTERNET".to_owned()),
        ("customerLanguage", language.to_owned()),
    ];
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    join_pairs(&borrowed)
}

/// The sealed (HMAC-SHA-256) form of `request` under the account's key.
pub fn paypage_form(
    request: &PaypageRequest<'_>,
    secret_key: &str,
) -> Result<PaypageForm, DataError> {
    let data = request_data(request)?;
    let algorithm = SealAlgorithm::HmacSha256;
    Ok(PaypageForm {
        seal: paypage_seal(algorithm, &data, secret_key),
        data,
        interface_version: PAYPAGE_INTERFACE_VERSION,
        seal_algorithm: algorithm.as_str(),
    })
}

/// The plain `Data` of a received message: as posted when `encode` is
/// empty, decoded for `base64` and `base64url`. The seal is checked on the
/// text as posted, before this.
pub fn decode_data(raw: &str, encode: &str) -> Result<String, DataError> {
    let alphabet = if encode.is_empty() {
        return Ok(raw.to_owned());
    } else if encode == "base64" {
        &base64::alphabet::STANDARD
    } else if encode == "base64url" {
        &base64::alphabet::URL_SAFE
    } else {
        return Err(DataError::Encoding(format!("unknown Encode {encode:?}")));
    };
    let config = base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent);
    let bytes = base64::engine::GeneralPurpose::new(alphabet, config)
        .decode(raw.trim())
        .map_err(|e| DataError::Encoding(e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| DataError::Encoding("not UTF-8".to_owned()))
}

/// A `Data` string of `pairs`, in order (what the emulator sends back as a
/// response). A key must be non-empty without `=` or `|`, a value without
/// `|`; values may contain `=`.
pub fn join_pairs(pairs: &[(&str, &str)]) -> Result<String, DataError> {
    if pairs.is_empty() {
        return Err(DataError::Empty);
    }
    let mut joined: Vec<String> = Vec::with_capacity(pairs.len());
    for (n, (key, value)) in pairs.iter().enumerate() {
        if key.is_empty() {
            return Err(DataError::EmptyKey);
        }
        if key.contains(['=', '|']) || value.contains('|') {
            return Err(DataError::BadPair((*key).to_owned()));
        }
        if pairs.iter().take(n).any(|(seen, _)| seen == key) {
            return Err(DataError::DuplicateKey((*key).to_owned()));
        }
        joined.push(format!("{key}={value}"));
    }
    Ok(joined.join("|"))
}

/// The pairs of a `Data` string, in order.
pub fn split_pairs(data: &str) -> Result<Vec<(&str, &str)>, DataError> {
    if data.is_empty() {
        return Err(DataError::Empty);
    }
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for pair in data.split('|') {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| DataError::NoEquals(pair.to_owned()))?;
        if key.is_empty() {
            return Err(DataError::EmptyKey);
        }
        if pairs.iter().any(|(seen, _)| *seen == key) {
            return Err(DataError::DuplicateKey(key.to_owned()));
        }
        pairs.push((key, value));
    }
    Ok(pairs)
}

#[cfg(test)]
#[path = "data_tests.rs"]
mod tests;
