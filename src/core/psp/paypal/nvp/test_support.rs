//! Test support shared by the NVP unit tests: the recorded PayPal answers
//! (read from `tests/fixtures/psp/paypal/`) and small builders.

use super::*;
use crate::core::money::Amount;

// Raw answers recorded from PayPal, copied verbatim from
// shared/reference/paypal-nvp-fixtures.md (sources in brackets); the exact
// bytes, no final newline (tests/fixtures/psp/paypal/README.md).

/// [DJPP] test_setExpressCheckout.yaml, sandbox, v116.
pub(super) const SET_EC_SUCCESS_V116: &str =
    include_str!("../../../../../tests/fixtures/psp/paypal/nvp_set_ec_success_v116.txt");

/// [OMNI] ExpressPurchaseSuccess.txt, v85.
pub(super) const SET_EC_SUCCESS_V85: &str =
    include_str!("../../../../../tests/fixtures/psp/paypal/nvp_set_ec_success_v85.txt");

/// [SMASH] SetExpressCheckoutSuccess.response, v204.
pub(super) const SET_EC_SUCCESS_V204: &str =
    include_str!("../../../../../tests/fixtures/psp/paypal/nvp_set_ec_success_v204.txt");

/// [SMASH] SetExpressCheckoutFail.response: 10605.
pub(super) const SET_EC_FAILURE_10605: &str =
    include_str!("../../../../../tests/fixtures/psp/paypal/nvp_set_ec_failure_10605.txt");

/// [OSCAR] api_tests.py: bad credentials, any method.
pub(super) const BAD_CREDENTIALS_10002: &str =
    include_str!("../../../../../tests/fixtures/psp/paypal/nvp_bad_credentials_10002.txt");

/// [OMNI] ExpressPurchaseFailure.txt: zero amount. The recording's
/// TIMESTAMP and CORRELATIONID are elided in the reference; these two
/// are reconstructed (plausible values of the same shape).
pub(super) const ZERO_AMOUNT_10525: &str =
    include_str!("../../../../../tests/fixtures/psp/paypal/nvp_zero_amount_10525.txt");

/// [OSCAR] view_tests.py BuyerPaysOnPaypalResponseTests, sandbox, v119.
pub(super) const GET_EC_APPROVED: &str =
    include_str!("../../../../../tests/fixtures/psp/paypal/nvp_get_ec_approved.txt");

/// [SMASH] GetLatestPaymentStatusNotClicked.response, v204: no PAYERID.
pub(super) const GET_EC_NOT_APPROVED: &str =
    include_str!("../../../../../tests/fixtures/psp/paypal/nvp_get_ec_not_approved.txt");

/// [SMASH] GetLatestPaymentStatusWithError.response: expired token.
pub(super) const GET_EC_EXPIRED_10411: &str =
    include_str!("../../../../../tests/fixtures/psp/paypal/nvp_get_ec_expired_10411.txt");

/// [SMASH] DoExpressCheckoutPayment.response, v204.
pub(super) const DO_EC_COMPLETED_V204: &str =
    include_str!("../../../../../tests/fixtures/psp/paypal/nvp_do_ec_completed_v204.txt");

/// [OMNI] ExpressCompletePurchaseSuccess.txt, v85.
pub(super) const DO_EC_COMPLETED_V85: &str =
    include_str!("../../../../../tests/fixtures/psp/paypal/nvp_do_ec_completed_v85.txt");

/// [OMNI] ExpressCompletePurchaseFailureRedirect.txt, v119: 10486.
pub(super) const DO_EC_FAILURE_10486: &str =
    include_str!("../../../../../tests/fixtures/psp/paypal/nvp_do_ec_failure_10486.txt");

/// [DJPP] test_validate_confirm_form_error.yaml, v116: 10410.
pub(super) const DO_EC_FAILURE_10410_V116: &str =
    include_str!("../../../../../tests/fixtures/psp/paypal/nvp_do_ec_failure_10410_v116.txt");

/// [OMNI] ExpressCompletePurchaseFailure.txt, v85: 10410.
pub(super) const DO_EC_FAILURE_10410_V85: &str =
    include_str!("../../../../../tests/fixtures/psp/paypal/nvp_do_ec_failure_10410_v85.txt");

pub(super) const ALL_FIXTURES: [&str; 14] = [
    SET_EC_SUCCESS_V116,
    SET_EC_SUCCESS_V85,
    SET_EC_SUCCESS_V204,
    SET_EC_FAILURE_10605,
    BAD_CREDENTIALS_10002,
    ZERO_AMOUNT_10525,
    GET_EC_APPROVED,
    GET_EC_NOT_APPROVED,
    GET_EC_EXPIRED_10411,
    DO_EC_COMPLETED_V204,
    DO_EC_COMPLETED_V85,
    DO_EC_FAILURE_10486,
    DO_EC_FAILURE_10410_V116,
    DO_EC_FAILURE_10410_V85,
];

pub(super) fn parse(body: &str) -> NvpResponse {
    match NvpResponse::parse(body) {
        Ok(answer) => answer,
        Err(e) => panic!("fixture does not parse: {e}"),
    }
}

pub(super) fn cents(amount: Option<Amount>) -> Option<i64> {
    amount.map(Amount::cents)
}

pub(super) fn credentials() -> Credentials {
    Credentials {
        username: "seller_api1.example.com".to_owned(),
        password: "S3CR3TPWD".to_owned(),
        signature: "An5ns1Kso7MWUdW4ErQKJJJ4qi4-SIGNATURE".to_owned(),
        subject: None,
    }
}

pub(super) fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

/// The single error of a failure fixture, checked field by field.
pub(super) fn assert_single_error(answer: &NvpResponse, code: &str, short: &str, long: &str) {
    assert_eq!(answer.ack(), Ack::Failure);
    assert!(!answer.is_success());
    let errors = answer.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        errors[0],
        ErrorItem {
            code: code.to_owned(),
            short_message: short.to_owned(),
            long_message: long.to_owned(),
            severity: "Error".to_owned(),
        }
    );
    assert_eq!(answer.first_error().as_ref(), errors.first());
    assert!(answer.has_error_code(code));
}

pub(super) const TRIA: &str = "Transaction refused because of an invalid argument. See additional error messages for details.";
