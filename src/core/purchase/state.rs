//! The order as the return reads it ([`OrderState`], joined with its title
//! and seller), and the `order_state!` SELECT other modules reuse.

use serde::Deserialize;

use super::ids::msgsubid;
use crate::core::money::Amount;
use crate::core::order::{OrderStatus, Substate};
use crate::core::psp::ProviderId;
use crate::core::sql::{Param, Stmt};

/// An order with its title as it stands now and what recording needs.
#[derive(Deserialize, Debug, Clone)]
pub struct OrderState {
    pub id: String,
    pub code: OrderStatus,
    pub substate: Substate,
    pub buyer_id: i64,
    pub seller_id: i64,
    pub title_id: i64,
    pub isin: String,
    pub title_version: i64,
    pub title_value_cents: i64,
    pub amount_cents: i64,
    pub currency: String,
    pub profit_rate: i64,
    pub new_value_cents: i64,
    pub new_isin: Option<String>,
    /// The provider the order pays through.
    pub psp: ProviderId,
    pub psp_token: Option<String>,
    pub psp_payer_id: Option<String>,
    pub attempt: i64,
    pub psp_transaction_id: Option<String>,
    pub created_at: String,
    pub buyer_email: String,
    /// The buyer's language (his receipt is written in it).
    pub buyer_language: String,
    pub seller_email: String,
    pub seller_language: String,
    pub seller_api_username: String,
    pub seller_sealed_secret: String,
    /// The credentials version the order was made with (its sealed value is
    /// bound to it).
    pub seller_credentials_version: i64,
    pub title_holder_id: i64,
    pub title_current_version: i64,
    pub title_current_value_cents: i64,
    pub title_claim_order_id: Option<String>,
    pub title_status: String,
    /// Until when a return may send the payment (see `take_payment_lease`).
    pub payment_lease_until: Option<String>,
    /// The receiver PayPal reported when the payment was recorded.
    #[serde(default)]
    pub psp_receiver_id: Option<String>,
}

macro_rules! order_state {
    ($($where:literal),+) => {
        concat!(
            "SELECT o.id, o.code, o.substate, o.buyer_id, o.seller_id, o.title_id, o.isin, ",
            "o.title_version, o.title_value_cents, o.amount_cents, o.currency, o.profit_rate, o.new_value_cents, ",
            "o.new_isin, o.psp, o.psp_token, o.psp_payer_id, o.attempt, o.psp_transaction_id, o.created_at, ",
            "b.email AS buyer_email, b.language AS buyer_language, s.email AS seller_email, ",
            "s.language AS seller_language, ",
            "a.public_ref AS seller_api_username, a.sealed_secret AS seller_sealed_secret, ",
            "o.seller_credentials_version, ",
            "t.holder_id AS title_holder_id, t.version AS title_current_version, ",
            "t.value_cents AS title_current_value_cents, t.claim_order_id AS title_claim_order_id, ",
            "t.status AS title_status, o.payment_lease_until, o.psp_receiver_id ",
            "FROM orders o JOIN clients b ON b.id = o.buyer_id JOIN clients s ON s.id = o.seller_id ",
            "JOIN psp_accounts a ON a.client_id = o.seller_id AND a.provider = o.psp ",
            "AND a.version = o.seller_credentials_version ",
            "JOIN titles t ON t.id = o.title_id ",
            $($where),+
        )
    };
}

// The reconciler selects the same columns with its own WHERE.
pub(crate) use order_state;

/// The order a provider's checkout reference belongs to (the return needs
/// no session); references are unique per provider.
pub fn order_by_token(provider: ProviderId, token: &str) -> Stmt {
    Stmt::new(
        order_state!("WHERE o.psp = ?2 AND o.psp_token = ?1"),
        vec![Param::from(token), Param::from(provider.as_str())],
    )
}

pub fn order_by_id(id: &str) -> Stmt {
    Stmt::new(order_state!("WHERE o.id = ?1"), vec![Param::from(id)])
}

impl OrderState {
    /// Whether the title is still exactly what the order was made for.
    pub fn title_unchanged(&self) -> bool {
        self.title_status == "active"
            && self.title_holder_id == self.seller_id
            && self.title_current_version == self.title_version
            && self.title_current_value_cents == self.title_value_cents
    }

    pub fn holds_claim(&self) -> bool {
        self.title_claim_order_id.as_deref() == Some(self.id.as_str())
    }

    pub fn amount(&self) -> Amount {
        // Never taken: `orders.amount_cents` is CHECK (> 0), and a zero
        // would be refused by the PSP, never paid.
        Amount::from_cents(self.amount_cents).unwrap_or(Amount::ZERO)
    }

    pub fn msgsubid(&self) -> String {
        msgsubid(&self.id, self.attempt)
    }

    /// The provider the order pays through.
    pub fn provider(&self) -> ProviderId {
        self.psp
    }

    /// Still waiting for its buyer, or told pending by a card provider
    /// before any claim or payment (Sips `60`): nothing moved yet.
    pub fn unclaimed_card_pending_or_new(&self) -> bool {
        match self.substate {
            Substate::AwaitingBuyer => true,
            Substate::PspPending => self.psp_transaction_id.is_none() && !self.holds_claim(),
            Substate::Confirming | Substate::NeedsReview | Substate::Done => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::order_state_row;
    use serde_json::json;

    #[test]
    fn an_order_row_reads_its_code_and_substate_as_enums() {
        let row = order_state_row(json!({"code": -2, "substate": "done"}));
        let order: OrderState = serde_json::from_value(row).expect("a known row");
        assert_eq!(
            (order.code, order.substate),
            (OrderStatus::Failed, Substate::Done)
        );
    }

    #[test]
    fn an_order_row_with_an_unknown_code_or_substate_does_not_decode() {
        for change in [
            json!({"code": 5}),
            json!({"substate": "paid"}),
            json!({"substate": null}),
        ] {
            let row = order_state_row(change.clone());
            assert!(
                serde_json::from_value::<OrderState>(row).is_err(),
                "{change} must be a decode error"
            );
        }
    }
}
