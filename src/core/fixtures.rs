//! Unit-test fixtures shared by the core's decision modules (notify,
//! reconcile, recheck, payment_check): one order as `purchase::order_state!`
//! reads it and one trade as `chargeback::trade_of_order` reads it, so that
//! each test states only the fields its case is about.

use serde_json::{json, Value};

use super::chargeback::TradeState;
use super::order::{OrderStatus, Substate};
use super::purchase::OrderState;

/// Order `o1`: client 2 buys title 7 (`ZZ0000000001`, 2.00 EUR) from client
/// 1 for 1.50 EUR at 50 %, token `EC-1`; `changes` overrides any field.
pub fn order_state(changes: Value) -> OrderState {
    serde_json::from_value(order_state_row(changes)).expect("an order state")
}

/// [`order_state`]'s order as the database row it is read from.
pub fn order_state_row(changes: Value) -> Value {
    let mut order = json!({
        "id": "o1", "code": 0, "substate": "confirming",
        "buyer_id": 2, "seller_id": 1, "title_id": 7, "isin": "ZZ0000000001",
        "title_version": 1, "title_value_cents": 200, "amount_cents": 150, "currency": "EUR",
        "profit_rate": 50, "new_value_cents": 225, "new_isin": null, "psp": "paypal", "psp_token": "EC-1",
        "psp_payer_id": "P", "attempt": 1, "psp_transaction_id": null,
        "created_at": "2026-01-05T10:00:00Z", "buyer_email": "b@example.org", "buyer_language": "en",
        "seller_email": "a@example.org", "seller_language": "en",
        "seller_api_username": "a_api1", "seller_sealed_secret": "v1.x",
        "seller_credentials_version": 1,
        "title_holder_id": 1, "title_current_version": 1, "title_current_value_cents": 200,
        "title_claim_order_id": null, "title_status": "active", "payment_lease_until": null,
        "psp_receiver_id": null
    });
    if let (Some(base), Value::Object(changes)) = (order.as_object_mut(), changes) {
        base.extend(changes);
    }
    order
}

/// The trade of [`order_state`]'s order, recorded (the title passed; paid
/// to receiver `RCV`), with its `status` and `reversal`.
pub fn trade_state(status: &str, reversal: Option<&str>) -> TradeState {
    TradeState {
        trade_id: 5,
        order_id: "o1".into(),
        order_code: OrderStatus::Processed,
        title_id: 7,
        new_title_id: 7,
        isin: "ZZ0000000001".into(),
        new_isin: "ZZ0000000001".into(),
        amount_cents: 150,
        currency: "EUR".into(),
        new_value_cents: 225,
        seller_value_cents: None,
        previous_value_cents: 200,
        buyer_id: 2,
        seller_id: 1,
        status: status.into(),
        reversal: reversal.map(str::to_string),
        seller_email: "a@example.org".into(),
        seller_language: "en".into(),
        psp_receiver_id: Some("RCV".into()),
        order_substate: Substate::Done,
        order_review: None,
    }
}
