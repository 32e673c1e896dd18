//! Tests of `office`: request bodies as Sips spells them and sealed, and
//! answers read, believed or refused.

use super::*;
use crate::core::psp::sips::OFFICE_INTERFACE_VERSION;

const KEY: &str = "002001000000001_KEY1";

fn validate_request() -> CashManagementRequest {
    CashManagementRequest {
        currency_code: "978".into(),
        interface_version: OFFICE_INTERFACE_VERSION.into(),
        key_version: 1,
        merchant_id: "002001000000001".into(),
        operation_amount: 1250,
        operation_origin: "PAYBOOK".into(),
        transaction_reference: "PB7K2Q9X4M".into(),
    }
}

/// `fields` sealed with `key`, as Sips would answer.
fn sealed(mut fields: serde_json::Value, key: &str) -> String {
    let seal = json_seal(&fields, key);
    fields["seal"] = serde_json::Value::from(seal);
    fields.to_string()
}

#[test]
fn each_call_has_sips_path() {
    assert_eq!(
        Operation::Validate.path(),
        "rs-services/v2/cashManagement/validate"
    );
    assert_eq!(
        Operation::Cancel.path(),
        "rs-services/v2/cashManagement/cancel"
    );
    assert_eq!(
        Operation::Refund.path(),
        "rs-services/v2/cashManagement/refund"
    );
    assert_eq!(
        Operation::GetTransactionData.path(),
        "rs-services/v2/diagnostic/getTransactionData"
    );
}

#[test]
fn a_cash_management_body_carries_sips_field_names_cents_and_its_seal() {
    let body: serde_json::Value =
        serde_json::from_str(&sealed_body(&validate_request(), KEY).unwrap()).unwrap();
    let expected_fields = [
        "currencyCode",
        "interfaceVersion",
        "keyVersion",
        "merchantId",
        "operationAmount",
        "operationOrigin",
        "seal",
        "transactionReference",
    ];
    let names: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(names, expected_fields);
    assert_eq!(body["operationAmount"], serde_json::json!(1250));
    assert!(verify_json_seal(&body, KEY));
    assert_eq!(
        crate::core::psp::sips::seal::json_seal_string(&body),
        "978CR_WS_2.270020010000000011250PAYBOOKPB7K2Q9X4M",
        "keyVersion and seal are not sealed"
    );
}

#[test]
fn a_transaction_data_body_is_sealed_too() {
    let request = TransactionDataRequest {
        interface_version: OFFICE_INTERFACE_VERSION.into(),
        key_version: 2,
        merchant_id: "002001000000001".into(),
        transaction_reference: "PB7K2Q9X4M".into(),
    };
    let body: serde_json::Value =
        serde_json::from_str(&sealed_body(&request, KEY).unwrap()).unwrap();
    assert_eq!(body["keyVersion"], serde_json::json!(2));
    assert_eq!(body["transactionReference"], "PB7K2Q9X4M");
    assert!(verify_json_seal(&body, KEY));
}

#[test]
fn a_sealed_validate_answer_is_done_with_typed_fields() {
    let body = sealed(
        serde_json::json!({"responseCode": "00", "acquirerResponseCode": "00",
            "authorisationId": "482913", "newAmount": 1250, "newStatus": "TO_CAPTURE",
            "operationDateTime": "2026-12-02T03:12:00+01:00", "extra": "kept out"}),
        KEY,
    );
    let read: OfficeAnswer<CashManagementAnswer> = read_answer(&body, KEY).unwrap();
    assert_eq!(read.verdict, OfficeVerdict::Done);
    assert_eq!(read.answer.new_amount, Amount::from_cents(1250));
    assert_eq!(read.answer.new_status, Some(TransactionStatus::ToCapture));
    assert_eq!(read.answer.authorisation_id.as_deref(), Some("482913"));
    assert_eq!(read.answer.error_field_name, None);
}

#[test]
fn a_decline_is_an_outcome_with_sips_code() {
    let body = sealed(
        serde_json::json!({"responseCode": "24", "newStatus": "CANCELLED"}),
        KEY,
    );
    let read: OfficeAnswer<CashManagementAnswer> = read_answer(&body, KEY).unwrap();
    assert!(matches!(read.verdict, OfficeVerdict::Refused { code, .. } if code == "24"));
    assert_eq!(read.answer.new_status, Some(TransactionStatus::Cancelled));
}

#[test]
fn an_unsealed_refusal_is_believed_but_an_unsealed_success_is_not() {
    let refused = r#"{"responseCode":"34"}"#;
    let read: OfficeAnswer<CashManagementAnswer> = read_answer(refused, KEY).unwrap();
    assert_eq!(read.verdict, OfficeVerdict::KeyRefused);
    let done = r#"{"responseCode":"00","newStatus":"TO_CAPTURE"}"#;
    assert_eq!(
        read_answer::<CashManagementAnswer>(done, KEY),
        Err(OfficeError::BadSeal)
    );
}

#[test]
fn a_wrong_seal_is_refused_whatever_the_code() {
    for code in ["00", "05", "25"] {
        let body = sealed(serde_json::json!({"responseCode": code}), "another key");
        assert_eq!(
            read_answer::<TransactionDataAnswer>(&body, KEY),
            Err(OfficeError::BadSeal),
            "{code}"
        );
    }
}

#[test]
fn an_unreadable_answer_is_an_error_not_a_decline() {
    let cases = [
        "",
        "not json",
        "[]",
        r#"{"newStatus":"CAPTURED"}"#,
        r#"{"responseCode":0}"#,
        r#"{"responseCode":"05","newAmount":12.5}"#,
        r#"{"responseCode":"05","newAmount":"12.50"}"#,
        r#"{"responseCode":"05","newAmount":-1}"#,
    ];
    for body in cases {
        assert!(
            matches!(
                read_answer::<CashManagementAnswer>(body, KEY),
                Err(OfficeError::Unreadable(_))
            ),
            "{body:?}"
        );
    }
}

#[test]
fn amounts_are_read_from_numbers_or_digit_strings_and_null_is_absent() {
    let body = sealed(
        serde_json::json!({"responseCode": "00", "originAmount": "1250",
            "currentAmount": 0, "transactionStatus": "CANCELLED", "currencyCode": null}),
        KEY,
    );
    let read: OfficeAnswer<TransactionDataAnswer> = read_answer(&body, KEY).unwrap();
    assert_eq!(read.answer.origin_amount, Amount::from_cents(1250));
    assert_eq!(read.answer.current_amount, Amount::from_cents(0));
    assert_eq!(read.answer.currency_code, None);
}

#[test]
fn a_transaction_never_found_is_not_found_and_proves_the_key_when_sealed() {
    let body = sealed(serde_json::json!({"responseCode": "25"}), KEY);
    let read: OfficeAnswer<TransactionDataAnswer> = read_answer(&body, KEY).unwrap();
    assert_eq!(read.verdict, OfficeVerdict::NotFound);
    assert_eq!(read.answer.transaction_status, None);
}

#[test]
fn every_status_maps_to_a_stage_and_an_unknown_one_keeps_its_text() {
    let stages = [
        ("TO_VALIDATE", Stage::Authorized),
        ("TO_CAPTURE", Stage::Captured),
        ("CAPTURED", Stage::Captured),
        ("CANCELLED", Stage::NotPaid),
        ("REFUSED", Stage::NotPaid),
        ("EXPIRED", Stage::NotPaid),
        ("TO_CREDIT", Stage::Refunded),
        ("CREDITED", Stage::Refunded),
    ];
    for (text, stage) in stages {
        let status = TransactionStatus::parse(text);
        assert_eq!(status.as_str(), text);
        assert_eq!(status.stage(), stage, "{text}");
    }
    assert_eq!(stages.len(), TransactionStatus::KNOWN.len());
    let odd = TransactionStatus::parse("UNDEFINED");
    assert_eq!(odd, TransactionStatus::Unknown("UNDEFINED".into()));
    assert_eq!(odd.as_str(), "UNDEFINED");
    assert_eq!(odd.stage(), Stage::Unknown);
}

#[test]
fn an_answer_the_emulator_seals_reads_back_the_same() {
    let answer = CashManagementAnswer {
        response_code: ResponseCode::Accepted,
        acquirer_response_code: Some("00".into()),
        authorisation_id: Some("482913".into()),
        new_amount: Amount::from_cents(1250),
        new_status: Some(TransactionStatus::ToCapture),
        operation_date_time: Some("2026-12-02T03:12:00+01:00".into()),
        error_field_name: None,
    };
    let body = sealed_body(&answer, KEY).unwrap();
    let fields: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(fields["responseCode"], "00");
    assert_eq!(fields["newAmount"], serde_json::json!(1250));
    assert_eq!(fields["newStatus"], "TO_CAPTURE");
    assert!(
        fields.get("errorFieldName").is_none(),
        "absent fields are left out"
    );
    let read: OfficeAnswer<CashManagementAnswer> = read_answer(&body, KEY).unwrap();
    assert_eq!(read.answer, answer);

    let data = TransactionDataAnswer {
        response_code: ResponseCode::Unknown("42".into()),
        transaction_reference: Some("PB7K2Q9X4M".into()),
        merchant_id: Some("002001000000001".into()),
        transaction_status: Some(TransactionStatus::Unknown("ODD".into())),
        origin_amount: Amount::from_cents(1250),
        current_amount: None,
        currency_code: Some("978".into()),
        capture_limit_date: Some("20261208".into()),
        authorisation_id: None,
        acquirer_response_code: None,
        transaction_date_time: None,
    };
    let body = sealed_body(&data, KEY).unwrap();
    let read: OfficeAnswer<TransactionDataAnswer> = read_answer(&body, KEY).unwrap();
    assert_eq!(read.answer, data);
}
