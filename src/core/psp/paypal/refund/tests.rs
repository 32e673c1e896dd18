use serde_json::json;

use super::*;
use crate::core::fixtures::order_state;
use crate::core::psp::paypal::nvp::Credentials;

fn credentials() -> Credentials {
    Credentials {
        username: "seller_api1.example.org".into(),
        password: "S3CRETPASSWORD".into(),
        signature: "AbCdSiGnAtUrE".into(),
    }
}

fn answer(body: &str) -> RefundOutcome {
    classify(&NvpResponse::parse(body).expect("NVP"))
}

#[test]
fn the_request_is_a_full_refund_of_the_payment_keyed_by_the_order() {
    let order = order_state(json!({ "id": "o1", "code": 2, "psp_transaction_id": "TX1" }));
    let request = request(&credentials(), &order, "TX1");
    let fields = request.redacted();
    let get = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("METHOD"), Some("RefundTransaction"));
    assert_eq!(get("TRANSACTIONID"), Some("TX1"));
    assert_eq!(get("REFUNDTYPE"), Some("Full"));
    assert_eq!(get("MSGSUBID"), Some("o1"), "the same for every retry");
    assert_eq!(get("AMT"), None, "a full refund names no amount");
    assert_eq!(get("PWD"), None);
    let wire = request.encode();
    assert!(wire.contains("METHOD=RefundTransaction&") || wire.contains("METHOD=RefundTransaction"));
    assert!(!request.encode_redacted().contains("S3CRETPASSWORD"));
}

#[test]
fn a_success_names_the_refund_and_a_replay_of_the_first_answer_too() {
    assert_eq!(
        answer("REFUNDTRANSACTIONID=9PU21925Y1234567A&FEEREFUNDAMT=0%2e00&GROSSREFUNDAMT=1%2e50&ACK=Success&REFUNDSTATUS=Instant"),
        RefundOutcome::Refunded { reference: "9PU21925Y1234567A".into() }
    );
    assert_eq!(
        answer("REFUNDTRANSACTIONID=9PU21925Y1234567A&ACK=SuccessWithWarning&L_ERRORCODE0=11607&L_SHORTMESSAGE0=Duplicate%20Request&L_LONGMESSAGE0=x&L_SEVERITYCODE0=Warning"),
        RefundOutcome::Refunded { reference: "9PU21925Y1234567A".into() }
    );
    assert!(matches!(
        answer("ACK=Success"),
        RefundOutcome::Unknown(NoAnswer::Unreadable(_))
    ));
}

#[test]
fn paypals_refusals_are_final_and_transient_errors_are_asked_again() {
    assert_eq!(
        answer("ACK=Failure&L_ERRORCODE0=10009&L_SHORTMESSAGE0=Transaction%20refused&L_LONGMESSAGE0=This%20transaction%20has%20already%20been%20fully%20refunded&L_SEVERITYCODE0=Error"),
        RefundOutcome::Refused {
            code: "10009".into(),
            message: "This transaction has already been fully refunded".into()
        }
    );
    assert!(matches!(
        answer("ACK=Failure&L_ERRORCODE0=10007&L_LONGMESSAGE0=You%20do%20not%20have%20permissions"),
        RefundOutcome::Refused { .. }
    ));
    for code in ["10001", "10014", "10445"] {
        assert!(
            matches!(
                answer(&format!("ACK=Failure&L_ERRORCODE0={code}&L_LONGMESSAGE0=later")),
                RefundOutcome::Unknown(_)
            ),
            "{code}"
        );
    }
    assert!(matches!(answer("ACK=PartialSuccess"), RefundOutcome::Unknown(_)));
}
