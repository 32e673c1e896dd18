//! The unit tests' shared rows and requests: accounts, a checkout in each
//! status, a transaction, and SetExpressCheckout/DoExpressCheckoutPayment lists.

use super::answer::{pairs, Envelope};
use super::Fields;
use crate::core::sql::emulator::{Account, Checkout, Transaction};
use crate::core::time::UtcTime;

pub(super) fn fields(list: &[(&str, &str)]) -> Fields {
    pairs(list)
}

pub(super) fn envelope() -> Envelope {
    Envelope {
        timestamp: UtcTime::from_unix_seconds(1_668_124_819),
        correlation_id: "e1b4cff42265c".to_owned(),
        version: "204".to_owned(),
    }
}

pub(super) fn receiver() -> Account {
    Account {
        id: 1,
        email: "seller@example.org".to_owned(),
        payer_id: "XBAQ9CSARUZ7J".to_owned(),
        api_username: "seller_api1.example.org".to_owned(),
        api_password: "P".to_owned(),
        api_signature: "S".to_owned(),
        balance_cents: 0,
        currency: "EUR".to_owned(),
    }
}

pub(super) fn other() -> Account {
    Account {
        id: 3,
        email: "other@example.org".to_owned(),
        payer_id: "OTHER00000000".to_owned(),
        ..receiver()
    }
}

pub(super) fn created_at() -> UtcTime {
    UtcTime::from_unix_seconds(1_668_124_000)
}

pub(super) fn checkout(status: &str) -> Checkout {
    let approved = status != "created";
    Checkout {
        token: "EC-9J76236023054520Y".to_owned(),
        receiver_account_id: 1,
        receiver_email: "seller@example.org".to_owned(),
        receiver_payer_id: "XBAQ9CSARUZ7J".to_owned(),
        receiver_currency: "EUR".to_owned(),
        amount_cents: 2_000,
        currency: "EUR".to_owned(),
        invnum: Some("PB-abc-7".to_owned()),
        custom: None,
        notify_url: Some("https://pay.example/psp/paypal/ipn".to_owned()),
        return_url: "https://pay.example/psp/paypal/return".to_owned(),
        cancel_url: "https://pay.example/psp/paypal/cancel?order=7".to_owned(),
        locale_code: Some("fr_FR".to_owned()),
        created_at: created_at().to_string(),
        status: status.to_owned(),
        payer_account_id: approved.then_some(2),
        payer_email: approved.then(|| "buyer@example.org".to_owned()),
        payer_payer_id: approved.then(|| "Y8K3PSJYN24D4".to_owned()),
        payer_balance_cents: approved.then_some(5_000),
        payer_currency: approved.then(|| "EUR".to_owned()),
        transaction_id: (status == "completed").then(|| "17G53960CL6245248".to_owned()),
        msgsubid: (status == "completed").then(|| "7-1".to_owned()),
        answer: None,
        attempts: 0,
    }
}

pub(super) fn set_ec(extra: &[(&str, &str)]) -> Fields {
    let mut list = fields(&[
        ("METHOD", "SetExpressCheckout"),
        ("PAYMENTREQUEST_0_AMT", "20.00"),
        ("PAYMENTREQUEST_0_CURRENCYCODE", "EUR"),
        ("RETURNURL", "https://pay.example/r"),
        ("CANCELURL", "https://pay.example/c"),
    ]);
    for (name, value) in extra {
        match list.iter_mut().find(|(n, _)| n == name) {
            Some(existing) => existing.1 = (*value).to_owned(),
            None => list.push(((*name).to_owned(), (*value).to_owned())),
        }
    }
    list
}

pub(super) fn without(list: Fields, name: &str) -> Fields {
    list.into_iter().filter(|(n, _)| n != name).collect()
}

pub(super) fn do_ec(extra: &[(&str, &str)]) -> Fields {
    let mut list = fields(&[
        ("METHOD", "DoExpressCheckoutPayment"),
        ("TOKEN", "EC-9J76236023054520Y"),
        ("PAYERID", "Y8K3PSJYN24D4"),
        ("PAYMENTREQUEST_0_AMT", "20.00"),
        ("PAYMENTREQUEST_0_CURRENCYCODE", "EUR"),
        ("PAYMENTREQUEST_0_PAYMENTACTION", "Sale"),
        ("MSGSUBID", "7-1"),
    ]);
    for (name, value) in extra {
        match list.iter_mut().find(|(n, _)| n == name) {
            Some(existing) => existing.1 = (*value).to_owned(),
            None => list.push(((*name).to_owned(), (*value).to_owned())),
        }
    }
    list
}

pub(super) fn now() -> UtcTime {
    created_at().plus_seconds(60)
}

pub(super) fn transaction(status: &str) -> Transaction {
    Transaction {
        id: "17G53960CL6245248".to_owned(),
        token: "EC-9J76236023054520Y".to_owned(),
        payer_account_id: 2,
        payer_email: "buyer@example.org".to_owned(),
        payer_payer_id: "Y8K3PSJYN24D4".to_owned(),
        receiver_account_id: 1,
        receiver_email: "seller@example.org".to_owned(),
        receiver_payer_id: "XBAQ9CSARUZ7J".to_owned(),
        amount_cents: 2_000,
        currency: "EUR".to_owned(),
        invnum: Some("PB-abc-7".to_owned()),
        custom: None,
        notify_url: None,
        locale_code: None,
        status: status.to_owned(),
        pending_reason: "None".to_owned(),
        reason_code: "None".to_owned(),
        settled: 1,
        order_time: "2022-11-11T00:00:18Z".to_owned(),
        payer_balance_cents: 0,
        receiver_balance_cents: 2_000,
        refunded_cents: 0,
    }
}
