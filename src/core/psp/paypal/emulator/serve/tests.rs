//! The emulator's work run on SQLite with the real migrations
//! (`core::sqlite_fx`, re-exported here for the card emulators' tests).

use super::*;
use crate::core::psp::paypal::emulator::{FaultKind, FaultSpec};
use crate::core::psp::paypal::nvp::{self, Method, NvpResponse, PaymentStatus, PendingReason};
use crate::core::sql::emulator;

pub(crate) use crate::core::sqlite_fx::{block_on, SqliteFx};

fn account(fx: &SqliteFx, email: &str, cents: i64) -> emulator::Account {
    let spec = NewAccountSpec {
        email,
        balance_cents: cents,
        currency: "EUR",
        ipn_charset: None,
    };
    block_on(create_account(fx, &spec)).expect("account").1
}

fn call(fx: &SqliteFx, who: &emulator::Account, fields: &[(&str, &str)]) -> NvpResponse {
    let all: Vec<(String, String)> = [
        ("USER", who.api_username.as_str()),
        ("PWD", &who.api_password),
        ("SIGNATURE", &who.api_signature),
        ("VERSION", "204"),
    ]
    .iter()
    .chain(fields)
    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
    .collect();
    let (status, body) = block_on(answer_nvp(fx, &nvp::encode_like_paypal(&all)));
    assert_eq!(status, 200, "{body}");
    NvpResponse::parse(&body).expect("an NVP answer")
}

/// A payment of 20.00 by the buyer to the seller, taken Pending by a fault
/// scoped to its token: (transaction id, seller, buyer).
fn pending_payment(fx: &SqliteFx) -> (String, emulator::Account, emulator::Account) {
    let seller = account(fx, "seller@example.org", 0);
    let buyer = account(fx, "buyer@example.org", 5_000);
    let set = call(
        fx,
        &seller,
        &[
            ("METHOD", "SetExpressCheckout"),
            ("PAYMENTREQUEST_0_AMT", "20.00"),
            ("PAYMENTREQUEST_0_CURRENCYCODE", "EUR"),
            (
                "PAYMENTREQUEST_0_NOTIFYURL",
                "https://pay.example/psp/paypal/ipn",
            ),
            ("RETURNURL", "https://pay.example/r"),
            ("CANCELURL", "https://pay.example/c"),
        ],
    );
    let token = set.get("TOKEN").expect("a token").to_owned();
    let approval = block_on(approve_checkout(fx, &token, "Buyer@Example.org")).expect("approve");
    let Approval::Approved { payer_id, .. } = approval else {
        panic!("{approval:?}");
    };
    let pending = FaultKind::Status {
        status: PaymentStatus::Pending,
        pending_reason: PendingReason::PaymentReview,
    };
    let spec = FaultSpec {
        method: Method::DoExpressCheckoutPayment,
        token: Some(token.clone()),
        api_username: None,
        kind: pending,
    };
    block_on(set_fault(fx, &spec)).expect("fault");
    let paid = call(
        fx,
        &seller,
        &[
            ("METHOD", "DoExpressCheckoutPayment"),
            ("TOKEN", &token),
            ("PAYERID", &payer_id),
            ("PAYMENTREQUEST_0_AMT", "20.00"),
            ("PAYMENTREQUEST_0_CURRENCYCODE", "EUR"),
            ("PAYMENTREQUEST_0_PAYMENTACTION", "Sale"),
        ],
    );
    assert_eq!(paid.get("PAYMENTINFO_0_PAYMENTSTATUS"), Some("Pending"));
    let id = paid.get("PAYMENTINFO_0_TRANSACTIONID").expect("an id");
    (id.to_owned(), seller, buyer)
}

fn balance(fx: &SqliteFx, who: &emulator::Account) -> i64 {
    let found = block_on(account_by_email(fx, &who.email)).expect("read");
    found.expect("the account").balance_cents
}

#[test]
fn a_denied_pending_payment_moves_no_money_and_queues_a_denied_ipn_paypal_verifies() {
    let fx = SqliteFx::new();
    let (id, seller, buyer) = pending_payment(&fx);
    let EventOutcome::Done { transaction, ipn } = block_on(deny_pending(&fx, &id)).expect("deny")
    else {
        panic!("not denied");
    };
    assert_eq!(transaction.status, "Denied");
    assert_eq!(
        (ipn.txn_id.as_str(), ipn.payment_status.as_str()),
        (id.as_str(), "Denied")
    );
    assert!(ipn.body.contains("payment_status=Denied"), "{}", ipn.body);
    assert_eq!((balance(&fx, &seller), balance(&fx, &buyer)), (0, 5_000));
    let verified = block_on(verify_postback(&fx, ipn.body.as_bytes()));
    assert_eq!(verified, (200, "VERIFIED".to_owned()));
    let queued = block_on(queued_ipns(&fx, 10)).expect("queue");
    assert_eq!(queued.last().map(|q| q.id), Some(ipn.id));
    let again = [
        block_on(deny_pending(&fx, &id)),
        block_on(complete_pending(&fx, &id)),
    ];
    for outcome in again {
        let outcome = outcome.expect("read");
        assert!(
            matches!(outcome, EventOutcome::Conflict("not_pending")),
            "{outcome:?}"
        );
    }
}

#[test]
fn a_completed_pending_payment_still_pays_the_receiver() {
    let fx = SqliteFx::new();
    let (id, seller, buyer) = pending_payment(&fx);
    let outcome = block_on(complete_pending(&fx, &id)).expect("complete");
    let EventOutcome::Done { transaction, ipn } = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(
        (transaction.status.as_str(), ipn.payment_status.as_str()),
        ("Completed", "Completed")
    );
    assert_eq!(
        (balance(&fx, &seller), balance(&fx, &buyer)),
        (2_000, 3_000)
    );
    let denied = block_on(deny_pending(&fx, &id)).expect("read");
    assert!(
        matches!(denied, EventOutcome::Conflict("not_pending")),
        "{denied:?}"
    );
}

#[test]
fn the_same_random_bytes_and_clock_give_the_same_emulator() {
    let (a, b) = (SqliteFx::new(), SqliteFx::new());
    assert_eq!(pending_payment(&a).0, pending_payment(&b).0);
}
