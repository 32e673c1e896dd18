//! Sips Office (JSON, reference part B5): the requests PayBook sends
//! (`validate` to capture an authorization, `cancel` to release it or
//! reduce it before remittance, `refund` after remittance,
//! `getTransactionData` to read a transaction) with Sips' field names and
//! their JSON seal, and their answers read into typed fields with the seal
//! checked. A decline is an outcome ([`OfficeVerdict`]), an answer that
//! cannot be read or believed is an [`OfficeError`]. Amounts are integer
//! cents, sent as JSON numbers, read from numbers or digit strings.

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use super::codes::{OfficeVerdict, ResponseCode};
use super::seal::{json_seal, verify_json_seal};
use crate::core::money::Amount;

/// An Office call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Validate,
    Cancel,
    Refund,
    GetTransactionData,
}

impl Operation {
    /// The call's path under the Office base URL (`SIPS_OFFICE_URL`).
    pub fn path(self) -> &'static str {
        match self {
            Operation::Validate => "rs-services/v2/cashManagement/validate",
            Operation::Cancel => "rs-services/v2/cashManagement/cancel",
            Operation::Refund => "rs-services/v2/cashManagement/refund",
            Operation::GetTransactionData => "rs-services/v2/diagnostic/getTransactionData",
        }
    }
}

/// `validate`, `cancel` and `refund`: an operation on one transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CashManagementRequest {
    pub currency_code: String,
    pub interface_version: String,
    pub key_version: u32,
    pub merchant_id: String,
    /// Cents.
    pub operation_amount: i64,
    /// Who asked (shown in Sips' back office).
    pub operation_origin: String,
    pub transaction_reference: String,
}

/// `getTransactionData`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionDataRequest {
    pub interface_version: String,
    pub key_version: u32,
    pub merchant_id: String,
    pub transaction_reference: String,
}

/// Why an Office answer cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OfficeError {
    /// Not JSON, or not the answer's shape (the reason, for the log).
    Unreadable(String),
    /// A seal that is not ours, or an accepting answer without one.
    BadSeal,
}

impl std::fmt::Display for OfficeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OfficeError::Unreadable(why) => write!(f, "unreadable Office answer: {why}"),
            OfficeError::BadSeal => write!(f, "Office answer with a bad seal"),
        }
    }
}

/// The sealed JSON body of `request` under the account's key.
pub fn sealed_body<T: Serialize>(request: &T, secret_key: &str) -> Result<String, OfficeError> {
    let mut fields = serde_json::to_value(request)
        .map_err(|e| OfficeError::Unreadable(format!("request: {e}")))?;
    let seal = json_seal(&fields, secret_key);
    let object = fields
        .as_object_mut()
        .ok_or_else(|| OfficeError::Unreadable("request is not an object".to_owned()))?;
    object.insert("seal".to_owned(), serde_json::Value::from(seal));
    Ok(fields.to_string())
}

/// A transaction's state at Sips (`newStatus`, `transactionStatus`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransactionStatus {
    /// Authorized, waiting for `validate` (`captureMode=VALIDATION`).
    ToValidate,
    /// Validated: sent for remittance at the end of the day.
    ToCapture,
    Captured,
    Cancelled,
    Refused,
    /// Not validated before its `captureLimitDate`: lapsed.
    Expired,
    /// A refund waiting for remittance.
    ToCredit,
    Credited,
    /// A status this table does not know, as sent.
    Unknown(String),
}

/// What a transaction's status means for the order's money.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Authorized, not captured: no money moved yet.
    Authorized,
    /// Captured (or on its way to remittance): the money moves.
    Captured,
    /// Never captured and never will be (cancelled, refused, lapsed).
    NotPaid,
    /// Captured, then refunded (whole or in part: compare the amounts).
    Refunded,
    /// Nothing usable: never treated as a failure.
    Unknown,
}

impl TransactionStatus {
    pub const KNOWN: [TransactionStatus; 8] = [
        TransactionStatus::ToValidate,
        TransactionStatus::ToCapture,
        TransactionStatus::Captured,
        TransactionStatus::Cancelled,
        TransactionStatus::Refused,
        TransactionStatus::Expired,
        TransactionStatus::ToCredit,
        TransactionStatus::Credited,
    ];

    pub fn parse(text: &str) -> TransactionStatus {
        TransactionStatus::KNOWN
            .into_iter()
            .find(|status| status.as_str() == text)
            .unwrap_or_else(|| TransactionStatus::Unknown(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        match self {
            TransactionStatus::ToValidate => "TO_VALIDATE",
            TransactionStatus::ToCapture => "TO_CAPTURE",
            TransactionStatus::Captured => "CAPTURED",
            TransactionStatus::Cancelled => "CANCELLED",
            TransactionStatus::Refused => "REFUSED",
            TransactionStatus::Expired => "EXPIRED",
            TransactionStatus::ToCredit => "TO_CREDIT",
            TransactionStatus::Credited => "CREDITED",
            TransactionStatus::Unknown(text) => text,
        }
    }

    pub fn stage(&self) -> Stage {
        match self {
            TransactionStatus::ToValidate => Stage::Authorized,
            TransactionStatus::ToCapture | TransactionStatus::Captured => Stage::Captured,
            TransactionStatus::Cancelled
            | TransactionStatus::Refused
            | TransactionStatus::Expired => Stage::NotPaid,
            TransactionStatus::ToCredit | TransactionStatus::Credited => Stage::Refunded,
            TransactionStatus::Unknown(_) => Stage::Unknown,
        }
    }
}

/// The answer to `validate`, `cancel` and `refund`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CashManagementAnswer {
    #[serde(with = "code_field")]
    pub response_code: ResponseCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_response_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorisation_id: Option<String>,
    /// The transaction's amount after the operation.
    #[serde(default, with = "cents_field", skip_serializing_if = "Option::is_none")]
    pub new_amount: Option<Amount>,
    #[serde(
        default,
        with = "status_field",
        skip_serializing_if = "Option::is_none"
    )]
    pub new_status: Option<TransactionStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_date_time: Option<String>,
    /// The request field Sips found wrong (with `12`, `30`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_field_name: Option<String>,
}

/// The answer to `getTransactionData`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionDataAnswer {
    #[serde(with = "code_field")]
    pub response_code: ResponseCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    #[serde(
        default,
        with = "status_field",
        skip_serializing_if = "Option::is_none"
    )]
    pub transaction_status: Option<TransactionStatus>,
    /// The amount authorized.
    #[serde(default, with = "cents_field", skip_serializing_if = "Option::is_none")]
    pub origin_amount: Option<Amount>,
    /// The amount after validations, cancels and refunds.
    #[serde(default, with = "cents_field", skip_serializing_if = "Option::is_none")]
    pub current_amount: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_limit_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorisation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_response_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_date_time: Option<String>,
}

/// An Office answer read and believed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficeAnswer<T> {
    pub verdict: OfficeVerdict,
    pub answer: T,
}

/// Reads an Office answer `body` sealed with the account's key.
pub fn read_answer<T: DeserializeOwned + HasCode>(
    body: &str,
    secret_key: &str,
) -> Result<OfficeAnswer<T>, OfficeError> {
    let fields: serde_json::Value =
        serde_json::from_str(body).map_err(|e| OfficeError::Unreadable(e.to_string()))?;
    let has_seal = fields.get("seal").is_some();
    if has_seal && !verify_json_seal(&fields, secret_key) {
        return Err(OfficeError::BadSeal);
    }
    let answer: T =
        serde_json::from_value(fields).map_err(|e| OfficeError::Unreadable(e.to_string()))?;
    let verdict = answer.code().office_verdict();
    // A refusal moves nothing, and Sips may leave it unsealed (a 34 for a
    // wrong key cannot be sealed with the right one); an accepting answer
    // changes the order, so it must carry our seal.
    if !has_seal && verdict == OfficeVerdict::Done {
        return Err(OfficeError::BadSeal);
    }
    Ok(OfficeAnswer { verdict, answer })
}

/// An answer's `responseCode`.
pub trait HasCode {
    fn code(&self) -> &ResponseCode;
}

impl HasCode for CashManagementAnswer {
    fn code(&self) -> &ResponseCode {
        &self.response_code
    }
}

impl HasCode for TransactionDataAnswer {
    fn code(&self) -> &ResponseCode {
        &self.response_code
    }
}

/// `responseCode` as Sips spells it, both ways.
mod code_field {
    use super::ResponseCode;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(code: &ResponseCode, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(code.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ResponseCode, D::Error> {
        String::deserialize(d).map(|text| ResponseCode::parse(&text))
    }
}

/// A transaction status as Sips spells it, both ways.
mod status_field {
    use super::TransactionStatus;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        status: &Option<TransactionStatus>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match status {
            Some(status) => s.serialize_str(status.as_str()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<TransactionStatus>, D::Error> {
        Option::<String>::deserialize(d).map(|text| text.map(|t| TransactionStatus::parse(&t)))
    }
}

/// An amount in cents: sent as a JSON integer; read from a JSON integer or
/// a digit string, `null` absent, a fraction, a sign or anything else an
/// error.
mod cents_field {
    use crate::core::money::Amount;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    /// Most digits an amount in cents may have (a thousand billion).
    const MAX_AMOUNT_DIGITS: usize = 12;

    pub fn serialize<S: Serializer>(amount: &Option<Amount>, s: S) -> Result<S::Ok, S::Error> {
        match amount {
            Some(amount) => s.serialize_i64(amount.cents()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Amount>, D::Error> {
        let cents = match Option::<serde_json::Value>::deserialize(d)? {
            None | Some(serde_json::Value::Null) => return Ok(None),
            Some(serde_json::Value::Number(n)) => n.as_i64(),
            Some(serde_json::Value::String(text)) => digits(&text),
            Some(
                serde_json::Value::Bool(_)
                | serde_json::Value::Array(_)
                | serde_json::Value::Object(_),
            ) => None,
        };
        cents
            .and_then(Amount::from_cents)
            .map(Some)
            .ok_or_else(|| D::Error::custom("an amount is a non-negative integer of cents"))
    }

    /// `text` as a number if it is 1 to 12 ASCII digits.
    fn digits(text: &str) -> Option<i64> {
        let plain = !text.is_empty()
            && text.len() <= MAX_AMOUNT_DIGITS
            && text.bytes().all(|b| b.is_ascii_digit());
        plain.then(|| text.parse::<i64>().ok()).flatten()
    }
}

#[cfg(test)]
#[path = "office_tests.rs"]
mod tests;
