//! Typed views of the answers the platform reads (SetExpressCheckout,
//! GetExpressCheckoutDetails, DoExpressCheckoutPayment, GetTransactionDetails,
//! GetBalance).

use crate::core::money::Amount;

use super::response::parse_amount;
use super::{CheckoutStatus, NvpError, NvpResponse, PaymentStatus, PendingReason};

// Typed views. They read fields only and do not look at ACK: check
// `NvpResponse::is_success` / `errors` first. Absent or empty optional fields
// are `None`; a present amount that is not an amount is an error.

/// What SetExpressCheckout answers on success.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetExpressCheckoutAnswer {
    pub token: String,
}

pub fn set_express_checkout_answer(
    answer: &NvpResponse,
) -> Result<SetExpressCheckoutAnswer, NvpError> {
    Ok(SetExpressCheckoutAnswer {
        token: answer.required("TOKEN")?.to_owned(),
    })
}

/// What GetExpressCheckoutDetails says about a checkout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutDetails {
    pub token: String,
    pub checkout_status: CheckoutStatus,
    /// Present once the buyer approved.
    pub payer_id: Option<String>,
    pub amount: Option<Amount>,
    pub currency: Option<String>,
    pub invnum: Option<String>,
    /// Present once paid (PaymentActionCompleted).
    pub transaction_id: Option<String>,
}

pub fn checkout_details(answer: &NvpResponse) -> Result<CheckoutDetails, NvpError> {
    Ok(CheckoutDetails {
        token: answer.required("TOKEN")?.to_owned(),
        checkout_status: CheckoutStatus::parse(answer.required("CHECKOUTSTATUS")?),
        payer_id: answer.optional_string(&["PAYERID"]),
        // The PAYMENTREQUEST_0_ names are current; the bare ones are the
        // deprecated duplicates PayPal still sends.
        amount: answer.optional_amount(&["PAYMENTREQUEST_0_AMT", "AMT"])?,
        currency: answer.optional_string(&["PAYMENTREQUEST_0_CURRENCYCODE", "CURRENCYCODE"]),
        invnum: answer.optional_string(&["PAYMENTREQUEST_0_INVNUM", "INVNUM"]),
        transaction_id: answer.optional_string(&[
            "PAYMENTREQUEST_0_TRANSACTIONID",
            "PAYMENTREQUESTINFO_0_TRANSACTIONID",
        ]),
    })
}

/// The payment DoExpressCheckoutPayment made (`PAYMENTINFO_0_*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentInfo {
    pub transaction_id: String,
    pub payment_status: PaymentStatus,
    pub pending_reason: Option<PendingReason>,
    pub amount: Option<Amount>,
    /// Absent in a pending or multi-currency capture.
    pub fee: Option<Amount>,
    pub currency: Option<String>,
    /// The receiver's payer id.
    pub secure_merchant_account_id: Option<String>,
    /// The receiver's e-mail (sent when the receiver is not the caller).
    pub seller_paypal_account_id: Option<String>,
    /// Echoed MSGSUBID.
    pub msgsubid: Option<String>,
}

pub fn payment_info(answer: &NvpResponse) -> Result<PaymentInfo, NvpError> {
    Ok(PaymentInfo {
        transaction_id: answer.required("PAYMENTINFO_0_TRANSACTIONID")?.to_owned(),
        payment_status: PaymentStatus::parse(answer.required("PAYMENTINFO_0_PAYMENTSTATUS")?),
        pending_reason: answer
            .first_of(&["PAYMENTINFO_0_PENDINGREASON"])
            .map(PendingReason::parse),
        amount: answer.optional_amount(&["PAYMENTINFO_0_AMT"])?,
        fee: answer.optional_amount(&["PAYMENTINFO_0_FEEAMT"])?,
        currency: answer.optional_string(&["PAYMENTINFO_0_CURRENCYCODE"]),
        secure_merchant_account_id: answer
            .optional_string(&["PAYMENTINFO_0_SECUREMERCHANTACCOUNTID"]),
        seller_paypal_account_id: answer.optional_string(&["PAYMENTINFO_0_SELLERPAYPALACCOUNTID"]),
        msgsubid: answer.optional_string(&["MSGSUBID"]),
    })
}

/// What GetTransactionDetails says about one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionDetails {
    pub transaction_id: String,
    pub payment_status: PaymentStatus,
    pub pending_reason: Option<PendingReason>,
    pub amount: Option<Amount>,
    pub currency: Option<String>,
    pub invnum: Option<String>,
    pub receiver_id: Option<String>,
    pub receiver_email: Option<String>,
}

pub fn transaction_details(answer: &NvpResponse) -> Result<TransactionDetails, NvpError> {
    Ok(TransactionDetails {
        transaction_id: answer.required("TRANSACTIONID")?.to_owned(),
        payment_status: PaymentStatus::parse(answer.required("PAYMENTSTATUS")?),
        pending_reason: answer
            .first_of(&["PENDINGREASON"])
            .map(PendingReason::parse),
        amount: answer.optional_amount(&["AMT"])?,
        currency: answer.optional_string(&["CURRENCYCODE"]),
        invnum: answer.optional_string(&["INVNUM"]),
        receiver_id: answer.optional_string(&["RECEIVERID"]),
        receiver_email: answer.optional_string(&["RECEIVEREMAIL"]),
    })
}

/// The calling account's balance (GetBalance, first currency).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Balance {
    pub amount: Amount,
    pub currency: String,
}

pub fn balance(answer: &NvpResponse) -> Result<Balance, NvpError> {
    let amount_text = answer.required("L_AMT0")?;
    Ok(Balance {
        amount: parse_amount("L_AMT0", amount_text)?,
        currency: answer.required("L_CURRENCYCODE0")?.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::*;
    use super::*;

    #[test]
    fn set_express_checkout_successes_of_three_versions() {
        let cases = [
            (
                SET_EC_SUCCESS_V116,
                "EC-3LF340639R522674Y",
                "116.0",
                "ec0595edef36",
                "2016-10-06T11:57:28Z",
            ),
            (
                SET_EC_SUCCESS_V85,
                "EC-42721413K79637829",
                "85.0",
                "37b8b9915987c",
                "2013-02-15T19:19:21Z",
            ),
            (
                SET_EC_SUCCESS_V204,
                "EC-9J76236023054520Y",
                "204",
                "a39dc9a647360",
                "2022-11-23T19:59:19Z",
            ),
        ];
        for (body, token, version, correlation_id, timestamp) in cases {
            let answer = parse(body);
            assert_eq!(answer.ack(), Ack::Success);
            assert!(answer.is_success());
            assert!(answer.errors().is_empty());
            assert_eq!(answer.first_error(), None);
            assert_eq!(answer.token(), Some(token));
            assert_eq!(answer.get("VERSION"), Some(version));
            assert_eq!(answer.correlation_id(), Some(correlation_id));
            assert_eq!(
                answer.timestamp().map(|t| t.to_string()),
                Some(timestamp.to_owned())
            );
            assert_eq!(
                set_express_checkout_answer(&answer),
                Ok(SetExpressCheckoutAnswer {
                    token: token.to_owned()
                })
            );
        }
    }

    #[test]
    fn set_express_checkout_failure_10605() {
        let answer = parse(SET_EC_FAILURE_10605);
        assert_single_error(
            &answer,
            "10605",
            TRIA,
            "Receiving country does not support the transaction currency.",
        );
        assert_eq!(answer.token(), None);
        assert_eq!(
            set_express_checkout_answer(&answer),
            Err(NvpError::MissingField("TOKEN".to_owned()))
        );
    }

    #[test]
    fn get_express_checkout_details_after_approval() {
        let answer = parse(GET_EC_APPROVED);
        assert!(answer.is_success());
        let details = match checkout_details(&answer) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            details,
            CheckoutDetails {
                token: "EC-7F151994RW7618524".to_owned(),
                checkout_status: CheckoutStatus::PaymentActionNotInitiated,
                payer_id: Some("Y8K3PSJYN24D4".to_owned()),
                amount: Amount::from_cents(2_399),
                currency: Some("EUR".to_owned()),
                invnum: None,
                transaction_id: None,
            }
        );
        assert_eq!(answer.get("EMAIL"), Some("info-buyer@test.com"));
        assert_eq!(answer.get("SHIPTOSTREET"), Some("street Test, 1"));
        assert_eq!(answer.get("L_ITEMWEIGHTVALUE0"), Some("   0.00000"));
        assert_eq!(
            answer.get("L_PAYMENTREQUEST_0_DESC0"),
            Some("This is an invaluable resource for any IT professional who works with ...")
        );
        assert_eq!(answer.get("PAYMENTREQUESTINFO_0_ERRORCODE"), Some("0"));
    }

    #[test]
    fn get_express_checkout_details_before_approval_has_no_payer() {
        let answer = parse(GET_EC_NOT_APPROVED);
        assert!(answer.is_success());
        let details = match checkout_details(&answer) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(details.token, "EC-3N850751G6970773S");
        assert_eq!(
            details.checkout_status,
            CheckoutStatus::PaymentActionNotInitiated
        );
        assert_eq!(details.payer_id, None);
        assert_eq!(cents(details.amount), Some(7_700));
        assert_eq!(details.currency.as_deref(), Some("USD"));
        assert_eq!(details.invnum.as_deref(), Some("47.1"));
        assert_eq!(details.transaction_id, None);
        assert_eq!(
            answer.get("PAYMENTREQUEST_0_SELLERPAYPALACCOUNTID"),
            Some("fr-tech-facilitator@wikimedia.org")
        );
        assert_eq!(answer.get("DESC"), Some("Wikimedia 877 600 9454"));
    }

    #[test]
    fn get_express_checkout_details_expired_10411_keeps_both_spaces() {
        let answer = parse(GET_EC_EXPIRED_10411);
        assert_single_error(
            &answer,
            "10411",
            "This Express Checkout session has expired.",
            "This Express Checkout session has expired.  Token value is no longer valid.",
        );
        assert_eq!(
            checkout_details(&answer),
            Err(NvpError::MissingField("TOKEN".to_owned()))
        );
    }

    #[test]
    fn checkout_completed_carries_the_transaction_id() {
        let answer = NvpResponse::from_fields(pairs(&[
            ("TOKEN", "EC-0AB12345CD6789012"),
            ("CHECKOUTSTATUS", "PaymentActionCompleted"),
            ("ACK", "Success"),
            ("PAYERID", "Y8K3PSJYN24D4"),
            ("PAYMENTREQUEST_0_AMT", "1,000.00"),
            ("PAYMENTREQUEST_0_CURRENCYCODE", "EUR"),
            ("PAYMENTREQUEST_0_INVNUM", "PB-dep1-42"),
            ("PAYMENTREQUEST_0_TRANSACTIONID", ""),
            ("PAYMENTREQUESTINFO_0_TRANSACTIONID", "8RM57414KW761861W"),
        ]));
        let details = match checkout_details(&answer) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            details.checkout_status,
            CheckoutStatus::PaymentActionCompleted
        );
        assert_eq!(cents(details.amount), Some(100_000));
        assert_eq!(details.invnum.as_deref(), Some("PB-dep1-42"));
        assert_eq!(details.transaction_id.as_deref(), Some("8RM57414KW761861W"));
    }

    #[test]
    fn do_express_checkout_payment_completed_v204() {
        let answer = parse(DO_EC_COMPLETED_V204);
        assert!(answer.is_success());
        assert_eq!(answer.token(), Some("EC-TESTTOKEN12345678910"));
        let info = match payment_info(&answer) {
            Ok(i) => i,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            info,
            PaymentInfo {
                transaction_id: "17G53960CL6245248".to_owned(),
                payment_status: PaymentStatus::Completed,
                pending_reason: Some(PendingReason::None),
                amount: Amount::from_cents(2_000),
                fee: Amount::from_cents(119),
                currency: Some("USD".to_owned()),
                secure_merchant_account_id: Some("XBAQ9CSARUZ7J".to_owned()),
                seller_paypal_account_id: Some("fr-tech-facilitator@wikimedia.org".to_owned()),
                msgsubid: None,
            }
        );
        assert_eq!(info.payment_status.outcome(), PaymentOutcome::Completed);
        assert_eq!(
            answer.get("PAYMENTINFO_0_PROTECTIONELIGIBILITYTYPE"),
            Some("ItemNotReceivedEligible,UnauthorizedPaymentEligible")
        );
    }

    #[test]
    fn do_express_checkout_payment_completed_v85() {
        let answer = parse(DO_EC_COMPLETED_V85);
        assert!(answer.is_success());
        assert_eq!(answer.token(), Some("EC-96V667110D1727015"));
        let info = match payment_info(&answer) {
            Ok(i) => i,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(info.transaction_id, "8RM57414KW761861W");
        assert_eq!(info.payment_status, PaymentStatus::Completed);
        assert_eq!(cents(info.amount), Some(1_000));
        assert_eq!(cents(info.fee), Some(59));
        assert_eq!(
            info.secure_merchant_account_id.as_deref(),
            Some("VZTRGMSKHHAEW")
        );
        assert_eq!(info.seller_paypal_account_id, None);
        assert_eq!(
            answer.get("PAYMENTINFO_0_RECEIPTID"),
            Some("0368-2088-8643-7560")
        );
        assert_eq!(
            answer.timestamp().map(|t| t.to_string()).as_deref(),
            Some("2013-02-20T13:54:28Z")
        );
    }

    #[test]
    fn do_express_checkout_payment_10486_asks_for_a_redirect() {
        let answer = parse(DO_EC_FAILURE_10486);
        assert_single_error(
            &answer,
            "10486",
            "This transaction couldn't be completed.",
            "This transaction couldn't be completed. Please redirect your customer to PayPal.",
        );
        assert_eq!(answer.token(), Some("ASDFASDFASDF"));
        assert_eq!(
            payment_info(&answer),
            Err(NvpError::MissingField(
                "PAYMENTINFO_0_TRANSACTIONID".to_owned()
            ))
        );
    }

    #[test]
    fn do_express_checkout_payment_10410_in_two_versions() {
        for (body, version, correlation_id) in [
            (DO_EC_FAILURE_10410_V116, "116.0", "aa945d05e95da"),
            (DO_EC_FAILURE_10410_V85, "85.0", "73310039452e7"),
        ] {
            let answer = parse(body);
            assert_single_error(&answer, "10410", "Invalid token", "Invalid token.");
            assert_eq!(answer.get("VERSION"), Some(version));
            assert_eq!(answer.correlation_id(), Some(correlation_id));
            assert_eq!(answer.token(), None);
        }
    }

    #[test]
    fn duplicate_msgsubid_11607_is_a_success_with_the_original_payment() {
        let answer = NvpResponse::from_fields(pairs(&[
            ("ACK", "SuccessWithWarning"),
            ("MSGSUBID", "42-1"),
            ("L_ERRORCODE0", "11607"),
            ("L_SHORTMESSAGE0", "Duplicate Request"),
            (
                "L_LONGMESSAGE0",
                "A successful transaction has already been completed for this token.",
            ),
            ("L_SEVERITYCODE0", "Warning"),
            ("PAYMENTINFO_0_TRANSACTIONID", "17G53960CL6245248"),
            ("PAYMENTINFO_0_PAYMENTSTATUS", "Pending"),
            ("PAYMENTINFO_0_PENDINGREASON", "multicurrency"),
            ("PAYMENTINFO_0_AMT", "20.00"),
            ("PAYMENTINFO_0_CURRENCYCODE", "EUR"),
        ]));
        assert_eq!(answer.ack(), Ack::SuccessWithWarning);
        assert!(answer.is_success());
        assert!(answer.has_error_code("11607"));
        let info = match payment_info(&answer) {
            Ok(i) => i,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(info.payment_status.outcome(), PaymentOutcome::Pending);
        assert_eq!(info.pending_reason, Some(PendingReason::MultiCurrency));
        assert_eq!(info.fee, None);
        assert_eq!(info.msgsubid.as_deref(), Some("42-1"));
    }

    #[test]
    fn get_transaction_details_and_get_balance_views() {
        let answer = NvpResponse::from_fields(pairs(&[
            ("RECEIVEREMAIL", "seller@example.com"),
            ("RECEIVERID", "XBAQ9CSARUZ7J"),
            ("TRANSACTIONID", "17G53960CL6245248"),
            ("PAYMENTSTATUS", "Refunded"),
            ("PENDINGREASON", "None"),
            ("AMT", "1000"),
            ("CURRENCYCODE", "JPY"),
            ("INVNUM", "PB-dep1-7"),
            ("ACK", "Success"),
        ]));
        let details = match transaction_details(&answer) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            details,
            TransactionDetails {
                transaction_id: "17G53960CL6245248".to_owned(),
                payment_status: PaymentStatus::Refunded,
                pending_reason: Some(PendingReason::None),
                amount: Amount::from_cents(100_000),
                currency: Some("JPY".to_owned()),
                invnum: Some("PB-dep1-7".to_owned()),
                receiver_id: Some("XBAQ9CSARUZ7J".to_owned()),
                receiver_email: Some("seller@example.com".to_owned()),
            }
        );
        assert_eq!(details.payment_status.outcome(), PaymentOutcome::Reversed);

        let answer = NvpResponse::from_fields(pairs(&[
            ("L_AMT0", "1,234.56"),
            ("L_CURRENCYCODE0", "EUR"),
            ("ACK", "Success"),
        ]));
        assert_eq!(
            balance(&answer),
            Ok(Balance {
                amount: Amount::from_cents(123_456).unwrap_or_default(),
                currency: "EUR".to_owned()
            })
        );
        let no_currency = NvpResponse::from_fields(pairs(&[("L_AMT0", "1.00")]));
        assert_eq!(
            balance(&no_currency),
            Err(NvpError::MissingField("L_CURRENCYCODE0".to_owned()))
        );
    }

    #[test]
    fn malformed_amounts_and_missing_statuses_are_errors_not_panics() {
        let bad_amount = NvpResponse::from_fields(pairs(&[
            ("PAYMENTINFO_0_TRANSACTIONID", "17G53960CL6245248"),
            ("PAYMENTINFO_0_PAYMENTSTATUS", "Completed"),
            ("PAYMENTINFO_0_AMT", "-20.00"),
        ]));
        assert_eq!(
            payment_info(&bad_amount),
            Err(NvpError::InvalidAmount {
                field: "PAYMENTINFO_0_AMT".to_owned(),
                value: "-20.00".to_owned()
            })
        );
        for amount in ["20.001", "1e3", "abc", "20,00.0.0"] {
            let answer =
                NvpResponse::from_fields(pairs(&[("L_AMT0", amount), ("L_CURRENCYCODE0", "EUR")]));
            assert!(
                matches!(balance(&answer), Err(NvpError::InvalidAmount { .. })),
                "{amount}"
            );
        }
        let no_status = NvpResponse::from_fields(pairs(&[("TRANSACTIONID", "17G53960CL6245248")]));
        assert_eq!(
            transaction_details(&no_status),
            Err(NvpError::MissingField("PAYMENTSTATUS".to_owned()))
        );
        assert_eq!(
            checkout_details(&NvpResponse::from_fields(Vec::new())),
            Err(NvpError::MissingField("TOKEN".to_owned()))
        );
        assert_eq!(
            NvpResponse::from_fields(Vec::new()).ack(),
            Ack::Unknown(String::new())
        );
        assert!(NvpError::MissingField("TOKEN".to_owned())
            .to_string()
            .contains("TOKEN"));
    }
}
