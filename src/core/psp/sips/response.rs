//! A Paypage response (automatic, server to server, or manual, through the
//! buyer's browser; reference part B4): its seal checked over the raw
//! `Data` as posted, then its `Data` read into typed fields. Empty values
//! and the literal `null` are absent; amounts are integer cents; keys this
//! module does not type are kept aside, as sent. Whether the response is
//! the order's (merchant, amount, currency, reference) is the adapter's
//! check; what its code means is `codes`'.

use std::collections::BTreeMap;

use super::codes::ResponseCode;
use super::data::{decode_data, DataError};
use super::fields::Fields;
use super::seal::{verify_paypage_seal, SealAlgorithm};
use crate::core::money::Amount;

/// A response as posted: the form's `Data`, `Seal` and `Encode`.
#[derive(Clone, Copy, Debug)]
pub struct ResponseMessage<'a> {
    pub data: &'a str,
    pub seal: &'a str,
    /// Empty, or `base64` when the request asked for it.
    pub encode: &'a str,
}

/// Why a response cannot be believed or read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResponseError {
    /// The seal is not the account key's over this `Data`: forged, or
    /// another key; recorded, and nothing changes.
    BadSeal,
    /// Sealed, but not a response PayBook can read.
    Unreadable(DataError),
}

/// The fields of a response PayBook reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaypageResponse {
    pub merchant_id: String,
    pub response_code: ResponseCode,
    pub transaction_reference: Option<String>,
    pub amount: Option<Amount>,
    /// ISO 4217 numeric (`978`).
    pub currency_code: Option<String>,
    pub key_version: Option<u32>,
    /// The issuer's code, shown beside Sips' own.
    pub acquirer_response_code: Option<String>,
    pub authorisation_id: Option<String>,
    pub capture_mode: Option<String>,
    pub capture_day: Option<u32>,
    /// `YYYYMMDD`: the last day the authorization can be captured.
    pub capture_limit_date: Option<String>,
    /// ISO-8601 with an offset.
    pub transaction_date_time: Option<String>,
    pub masked_pan: Option<String>,
    pub payment_mean_brand: Option<String>,
    pub complementary_info: Option<String>,
    /// Every other key, with its value as sent (`null` and empty included).
    pub other: BTreeMap<String, String>,
}

/// Checks `message`'s seal under `secret_key` with `algorithm` (the one
/// the account uses), then reads its `Data`.
pub fn read_response(
    message: &ResponseMessage<'_>,
    algorithm: SealAlgorithm,
    secret_key: &str,
) -> Result<PaypageResponse, ResponseError> {
    if !verify_paypage_seal(algorithm, message.data, secret_key, message.seal) {
        return Err(ResponseError::BadSeal);
    }
    let plain = decode_data(message.data, message.encode).map_err(ResponseError::Unreadable)?;
    parse_response(&plain).map_err(ResponseError::Unreadable)
}

/// Reads a plain `Data` whose seal was checked.
pub fn parse_response(data: &str) -> Result<PaypageResponse, DataError> {
    let mut fields = Fields::parse(data)?;
    Ok(PaypageResponse {
        merchant_id: fields.required("merchantId")?,
        response_code: ResponseCode::parse(&fields.required("responseCode")?),
        transaction_reference: fields.take("transactionReference"),
        amount: fields.amount("amount")?,
        currency_code: fields.take("currencyCode"),
        key_version: fields.small("keyVersion")?,
        acquirer_response_code: fields.take("acquirerResponseCode"),
        authorisation_id: fields.take("authorisationId"),
        capture_mode: fields.take("captureMode"),
        capture_day: fields.small("captureDay")?,
        capture_limit_date: fields.take("captureLimitDate"),
        transaction_date_time: fields.take("transactionDateTime"),
        masked_pan: fields.take("maskedPan"),
        payment_mean_brand: fields.take("paymentMeanBrand"),
        complementary_info: fields.take("complementaryInfo"),
        other: fields.rest(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::psp::sips::fixtures::{AUTHORIZED_RESPONSE, AUTHORIZED_RESPONSE_SHA256};
    use base64::Engine;

    const KEY: &str = "002001000000001_KEY1";

    fn authorized() -> ResponseMessage<'static> {
        ResponseMessage {
            data: AUTHORIZED_RESPONSE,
            seal: AUTHORIZED_RESPONSE_SHA256,
            encode: "",
        }
    }

    #[test]
    fn the_simulation_shaped_response_verifies_and_reads_typed_fields() {
        let r = read_response(&authorized(), SealAlgorithm::Sha256, KEY).unwrap();
        assert_eq!(r.merchant_id, "002001000000001");
        assert_eq!(r.response_code, ResponseCode::Accepted);
        assert_eq!(r.transaction_reference.as_deref(), Some("PB7K2Q9X4M"));
        assert_eq!(r.amount, Amount::from_cents(1250));
        assert_eq!(r.currency_code.as_deref(), Some("978"));
        assert_eq!(r.key_version, Some(1));
        assert_eq!(r.acquirer_response_code.as_deref(), Some("00"));
        assert_eq!(r.authorisation_id.as_deref(), Some("482913"));
        assert_eq!(r.capture_mode.as_deref(), Some("VALIDATION"));
        assert_eq!(r.capture_day, Some(6));
        assert_eq!(r.capture_limit_date.as_deref(), Some("20261208"));
        assert_eq!(
            r.transaction_date_time.as_deref(),
            Some("2026-12-02T03:10:04+01:00")
        );
        assert_eq!(r.masked_pan.as_deref(), Some("4100##########00"));
        assert_eq!(r.payment_mean_brand.as_deref(), Some("VISA"));
    }

    #[test]
    fn values_containing_equals_are_kept_whole() {
        let r = parse_response(AUTHORIZED_RESPONSE).unwrap();
        let info = r.complementary_info.unwrap();
        assert!(info.starts_with("<RULE_RESULT CR=0 />,CARD_COUNTRY=FRA,<CARD_INFOS BDOM=XXX"));
        assert!(info.ends_with("PRODUCTPROFILE=D />"));
    }

    #[test]
    fn literal_null_and_empty_values_are_absent_typed_and_kept_aside_as_sent() {
        let r = parse_response(AUTHORIZED_RESPONSE).unwrap();
        assert_eq!(
            r.other.get("customerMobilePhone").map(String::as_str),
            Some("null")
        );
        assert_eq!(
            r.other.get("cardCSCResultCode").map(String::as_str),
            Some("")
        );
        assert_eq!(
            r.other.get("holderAuthentStatus").map(String::as_str),
            Some("3D_SUCCESS")
        );
        let data = "merchantId=002001000000001|responseCode=05|amount=null|\
                    transactionReference=|authorisationId=null";
        let refused = parse_response(data).unwrap();
        assert_eq!(refused.response_code, ResponseCode::Refused);
        assert_eq!(refused.amount, None);
        assert_eq!(refused.transaction_reference, None);
        assert_eq!(refused.authorisation_id, None);
        assert!(refused.other.is_empty(), "typed keys are not kept aside");
    }

    #[test]
    fn a_changed_byte_or_another_key_or_algorithm_is_a_bad_seal() {
        let tampered = AUTHORIZED_RESPONSE.replace("amount=1250", "amount=1");
        let message = ResponseMessage {
            data: &tampered,
            ..authorized()
        };
        assert_eq!(
            read_response(&message, SealAlgorithm::Sha256, KEY),
            Err(ResponseError::BadSeal)
        );
        assert_eq!(
            read_response(&authorized(), SealAlgorithm::Sha256, "002001000000001_KEY2"),
            Err(ResponseError::BadSeal)
        );
        assert_eq!(
            read_response(&authorized(), SealAlgorithm::HmacSha256, KEY),
            Err(ResponseError::BadSeal)
        );
    }

    #[test]
    fn a_base64_response_is_sealed_as_posted_and_read_decoded() {
        let posted = base64::engine::general_purpose::STANDARD.encode(AUTHORIZED_RESPONSE);
        let seal =
            crate::core::psp::sips::seal::paypage_seal(SealAlgorithm::HmacSha256, &posted, KEY);
        let message = ResponseMessage {
            data: &posted,
            seal: &seal,
            encode: "base64",
        };
        let r = read_response(&message, SealAlgorithm::HmacSha256, KEY).unwrap();
        assert_eq!(r, parse_response(AUTHORIZED_RESPONSE).unwrap());
    }

    #[test]
    fn amounts_are_integer_cents_and_anything_else_is_unreadable() {
        let with =
            |amount: &str| parse_response(&format!("merchantId=1|responseCode=00|amount={amount}"));
        assert_eq!(with("0").unwrap().amount, Amount::from_cents(0));
        assert_eq!(
            with("999999999999").unwrap().amount,
            Amount::from_cents(999_999_999_999)
        );
        for bad in ["12.50", "-1", "+1", "1e3", " 1", "1 000", "9999999999999"] {
            assert!(
                matches!(
                    with(bad),
                    Err(DataError::NotANumber {
                        field: "amount",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_response_without_merchant_or_code_or_with_a_repeated_key_is_unreadable() {
        assert_eq!(
            parse_response("responseCode=00"),
            Err(DataError::Missing("merchantId"))
        );
        assert_eq!(
            parse_response("merchantId=1|responseCode=null"),
            Err(DataError::Missing("responseCode"))
        );
        assert_eq!(
            parse_response("merchantId=1|responseCode=00|amount=1|amount=2"),
            Err(DataError::DuplicateKey("amount".into()))
        );
        let sealed_garbage = "not data";
        let seal =
            crate::core::psp::sips::seal::paypage_seal(SealAlgorithm::Sha256, sealed_garbage, KEY);
        let message = ResponseMessage {
            data: sealed_garbage,
            seal: &seal,
            encode: "",
        };
        assert!(matches!(
            read_response(&message, SealAlgorithm::Sha256, KEY),
            Err(ResponseError::Unreadable(DataError::NoEquals(_)))
        ));
    }

    #[test]
    fn an_unknown_response_code_is_read_with_its_text() {
        let r = parse_response("merchantId=1|responseCode=42").unwrap();
        assert_eq!(r.response_code, ResponseCode::Unknown("42".into()));
    }
}
