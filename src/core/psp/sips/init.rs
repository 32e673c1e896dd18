//! A payment request as Sips' `paymentInit` receives it (the built-in
//! emulator's side, providers.md §5): the posted form's `Data` read back
//! into typed fields, so that the emulator checks the seal over the raw
//! `Data`, the key version and the reference (`34`, `94`) and answers in
//! the request's terms. The platform builds requests with
//! `data::request_data`; reading one back gives the same values.

use super::data::DataError;
use super::fields::Fields;
use crate::core::money::Amount;

/// The fields of a received payment request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedRequest {
    pub merchant_id: String,
    pub key_version: u32,
    pub amount: Amount,
    /// ISO 4217 numeric (`978`).
    pub currency_code: String,
    pub transaction_reference: String,
    pub normal_return_url: String,
    pub automatic_response_url: Option<String>,
    pub capture_mode: Option<String>,
    pub capture_day: Option<u32>,
    pub order_channel: Option<String>,
    pub customer_language: Option<String>,
}

/// Reads a request's plain `Data`: the fields Sips requires (reference
/// part B2) must be there, and `transactionReference` too (PayBook always
/// sends it; Sips would otherwise make one up).
pub fn parse_request(data: &str) -> Result<ReceivedRequest, DataError> {
    let mut fields = Fields::parse(data)?;
    Ok(ReceivedRequest {
        amount: fields
            .amount("amount")?
            .ok_or(DataError::Missing("amount"))?,
        currency_code: fields.required("currencyCode")?,
        merchant_id: fields.required("merchantId")?,
        normal_return_url: fields.required("normalReturnUrl")?,
        transaction_reference: fields.required("transactionReference")?,
        key_version: fields
            .small("keyVersion")?
            .ok_or(DataError::Missing("keyVersion"))?,
        automatic_response_url: fields.take("automaticResponseUrl"),
        capture_mode: fields.take("captureMode"),
        capture_day: fields.small("captureDay")?,
        order_channel: fields.take("orderChannel"),
        customer_language: fields.take("customerLanguage"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::i18n::Lang;
    use crate::core::money::Currency;
    use crate::core::psp::sips::data::{request_data, PaypageRequest};

    fn built(capture_day: u32) -> String {
        request_data(&PaypageRequest {
            merchant_id: "002001000000001",
            key_version: 3,
            amount: Amount::from_cents(1250).unwrap(),
            currency: Currency::EUR,
            transaction_reference: "PB7K2Q9X4M",
            normal_return_url: "https://paybook.example/psp/sips/return",
            automatic_response_url: "https://paybook.example/psp/sips/notify",
            capture_day,
            lang: Lang::En,
        })
        .unwrap()
    }

    #[test]
    fn a_request_the_platform_built_reads_back_with_the_same_values() {
        let r = parse_request(&built(6)).unwrap();
        assert_eq!(r.merchant_id, "002001000000001");
        assert_eq!(r.key_version, 3);
        assert_eq!(r.amount, Amount::from_cents(1250).unwrap());
        assert_eq!(r.currency_code, "978");
        assert_eq!(r.transaction_reference, "PB7K2Q9X4M");
        assert_eq!(
            r.normal_return_url,
            "https://paybook.example/psp/sips/return"
        );
        assert_eq!(
            r.automatic_response_url.as_deref(),
            Some("https://paybook.example/psp/sips/notify")
        );
        assert_eq!(r.capture_mode.as_deref(), Some("VALIDATION"));
        assert_eq!(r.capture_day, Some(6));
        assert_eq!(r.order_channel.as_deref(), Some("INTERNET"));
        assert_eq!(r.customer_language.as_deref(), Some("en"));
    }

    #[test]
    fn the_public_sample_request_reads_with_its_optional_fields_absent() {
        let data = "amount=1234|currencyCode=978|merchantId=002001000000001|\
                    normalReturnUrl=http://www.normalreturnurl.com|\
                    transactionReference=marlon1|keyVersion=1";
        let r = parse_request(data).unwrap();
        assert_eq!(r.amount, Amount::from_cents(1234).unwrap());
        assert_eq!(r.automatic_response_url, None);
        assert_eq!(r.capture_day, None);
    }

    #[test]
    fn a_request_missing_a_required_field_or_with_a_bad_number_is_refused() {
        let full = built(6);
        for field in [
            "amount",
            "currencyCode",
            "merchantId",
            "normalReturnUrl",
            "transactionReference",
            "keyVersion",
        ] {
            let without: Vec<&str> = full
                .split('|')
                .filter(|pair| !pair.starts_with(&format!("{field}=")))
                .collect();
            assert_eq!(
                parse_request(&without.join("|")),
                Err(DataError::Missing(field)),
                "{field}"
            );
        }
        let cases = [
            ("amount=1250", "amount=12.50"),
            ("keyVersion=3", "keyVersion=x"),
        ];
        for (good, bad) in cases {
            let broken = full.replace(good, bad);
            assert!(
                matches!(parse_request(&broken), Err(DataError::NotANumber { .. })),
                "{bad}"
            );
        }
        let twice = format!("{full}|amount=1");
        assert_eq!(
            parse_request(&twice),
            Err(DataError::DuplicateKey("amount".into()))
        );
    }
}
