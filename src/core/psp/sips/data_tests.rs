//! Tests of `data`: request Data as the contract lists it, sealed forms,
//! and received Data split, decoded or refused.

use super::*;
use crate::core::crypto::hmac_sha256;

fn request() -> PaypageRequest<'static> {
    PaypageRequest {
        merchant_id: "002001000000001",
        key_version: 1,
        amount: Amount::from_cents(1250).unwrap(),
        currency: Currency::EUR,
        transaction_reference: "PB7K2Q9X4M",
        normal_return_url: "https://paybook.example/psp/sips/return",
        automatic_response_url: "https://paybook.example/psp/sips/notify",
        capture_day: 6,
        lang: Lang::Fr,
    }
}

#[test]
fn a_request_carries_every_field_of_the_contract_in_a_fixed_order() {
    assert_eq!(
        request_data(&request()).unwrap(),
        "amount=1250|currencyCode=978|merchantId=002001000000001|\
         normalReturnUrl=https://paybook.example/psp/sips/return|\
         automaticResponseUrl=https://paybook.example/psp/sips/notify|\
         transactionReference=PB7K2Q9X4M|keyVersion=1|captureMode=VALIDATION|\
         captureDay=6|orderChannel=INTERNET|customerLanguage=fr"
    );
    let english = PaypageRequest {
        lang: Lang::En,
        ..request()
    };
    assert!(request_data(&english)
        .unwrap()
        .ends_with("|customerLanguage=en"));
}

#[test]
fn the_form_is_sealed_with_hmac_over_the_data_as_posted() {
    let form = paypage_form(&request(), "002001000000001_KEY1").unwrap();
    assert_eq!(form.data, request_data(&request()).unwrap());
    assert_eq!(form.interface_version, "HP_2.24");
    assert_eq!(form.seal_algorithm, "HMAC-SHA-256");
    let mac = hmac_sha256(b"002001000000001_KEY1", form.data.as_bytes());
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(form.seal, hex);
}

#[test]
fn euro_is_978_and_a_currency_without_a_code_is_refused() {
    assert_eq!(currency_code(Currency::EUR), Ok("978"));
    assert_eq!(currency_code(Currency::parse("USD").unwrap()), Ok("840"));
    let yen = Currency::parse("JPY").unwrap();
    assert_eq!(currency_code(yen), Err(DataError::Currency("JPY".into())));
    let in_yen = PaypageRequest {
        currency: yen,
        ..request()
    };
    assert!(request_data(&in_yen).is_err());
}

#[test]
fn a_value_that_would_break_the_format_is_refused_not_sent() {
    let pipe = PaypageRequest {
        normal_return_url: "https://x/?a=1|b",
        ..request()
    };
    assert!(matches!(
        request_data(&pipe),
        Err(DataError::BadValue {
            field: "normalReturnUrl",
            ..
        })
    ));
    for bad in ["", "PB-7", "PB 7", &"A".repeat(36)] {
        let reference = PaypageRequest {
            transaction_reference: bad,
            ..request()
        };
        assert!(request_data(&reference).is_err(), "{bad:?}");
    }
    for bad in ["00200100000000", "0020010000000011", "00200100000000a"] {
        let merchant = PaypageRequest {
            merchant_id: bad,
            ..request()
        };
        assert!(request_data(&merchant).is_err(), "{bad:?}");
    }
}

#[test]
fn pairs_split_on_the_first_equals_and_keep_empty_values() {
    let pairs = split_pairs("a=1|info=<X B=Y C=Z />|empty=|n=null").unwrap();
    assert_eq!(
        pairs,
        vec![
            ("a", "1"),
            ("info", "<X B=Y C=Z />"),
            ("empty", ""),
            ("n", "null")
        ]
    );
}

#[test]
fn joined_pairs_split_back_to_the_same_pairs() {
    let pairs = [
        ("responseCode", "00"),
        ("info", "<X B=Y />"),
        ("empty", ""),
        ("n", "null"),
    ];
    let data = join_pairs(&pairs).unwrap();
    assert_eq!(data, "responseCode=00|info=<X B=Y />|empty=|n=null");
    assert_eq!(split_pairs(&data).unwrap(), pairs);
}

#[test]
fn pairs_that_could_not_be_split_back_are_not_joined() {
    assert_eq!(join_pairs(&[]), Err(DataError::Empty));
    assert_eq!(join_pairs(&[("", "1")]), Err(DataError::EmptyKey));
    assert_eq!(
        join_pairs(&[("a=b", "1")]),
        Err(DataError::BadPair("a=b".into()))
    );
    assert_eq!(
        join_pairs(&[("a|b", "1")]),
        Err(DataError::BadPair("a|b".into()))
    );
    assert_eq!(
        join_pairs(&[("a", "1|b=2")]),
        Err(DataError::BadPair("a".into()))
    );
    assert_eq!(
        join_pairs(&[("a", "1"), ("a", "2")]),
        Err(DataError::DuplicateKey("a".into()))
    );
}

#[test]
fn malformed_data_is_an_error_never_a_panic() {
    assert_eq!(split_pairs(""), Err(DataError::Empty));
    assert_eq!(split_pairs("a=1|b"), Err(DataError::NoEquals("b".into())));
    assert_eq!(split_pairs("a=1|=2"), Err(DataError::EmptyKey));
    assert_eq!(
        split_pairs("a=1|a=1"),
        Err(DataError::DuplicateKey("a".into()))
    );
    assert_eq!(
        split_pairs("a=1||b=2"),
        Err(DataError::NoEquals(String::new()))
    );
}

#[test]
fn base64_data_is_decoded_and_an_unknown_encoding_refused() {
    let plain = "amount=1000|responseCode=00";
    let b64 = base64::engine::general_purpose::STANDARD.encode(plain);
    assert_eq!(decode_data(&b64, "base64").unwrap(), plain);
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(plain);
    assert_eq!(decode_data(&url, "base64url").unwrap(), plain);
    assert_eq!(decode_data(plain, "").unwrap(), plain);
    assert!(matches!(
        decode_data(plain, "rot13"),
        Err(DataError::Encoding(_))
    ));
    assert!(matches!(
        decode_data("%%%", "base64"),
        Err(DataError::Encoding(_))
    ));
}
