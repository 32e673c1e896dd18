//! The order the purchase's unit tests decide about (the return's steps and
//! the after-payment decisions), with a mail setting and a trace statement.

use super::record::MailSetting;
use super::state::OrderState;
use crate::core::order::{OrderStatus, Substate};
use crate::core::sql::Stmt;

pub(super) fn order() -> OrderState {
    OrderState {
        id: "ord1".into(),
        code: OrderStatus::Pending,
        substate: Substate::Confirming,
        buyer_id: 2,
        seller_id: 1,
        title_id: 7,
        isin: "ZZ0000000001".into(),
        title_version: 3,
        title_value_cents: 500,
        amount_cents: 200,
        currency: "EUR".into(),
        profit_rate: 100,
        new_value_cents: 400,
        new_isin: Some("ZZ0000000002".into()),
        psp: crate::core::psp::ProviderId::Paypal,
        psp_token: Some("EC-1".into()),
        psp_payer_id: Some("PAYER".into()),
        attempt: 1,
        psp_transaction_id: None,
        created_at: "2026-11-22T10:00:00Z".into(),
        buyer_email: "bob@example.org".into(),
        buyer_language: "en".into(),
        seller_email: "alice@example.org".into(),
        seller_language: "fr".into(),
        seller_api_username: "alice_api1.example.org".into(),
        seller_sealed_secret: "v1.x".into(),
        seller_credentials_version: 1,
        title_holder_id: 1,
        title_current_version: 3,
        title_current_value_cents: 500,
        title_claim_order_id: Some("ord1".into()),
        title_status: "active".into(),
        payment_lease_until: Some("2026-11-22T10:01:00Z".into()),
        psp_receiver_id: None,
    }
}

pub(super) fn mail() -> MailSetting {
    MailSetting {
        delivered_on_write: true,
        operator_email: Some("operator@example.org".into()),
        site_url: Some("https://paybook.example".into()),
    }
}

pub(super) fn trace() -> Stmt {
    Stmt::new("INSERT INTO psp_traces DEFAULT VALUES", vec![])
}
