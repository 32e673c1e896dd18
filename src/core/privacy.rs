//! What each party of an order may see of the provider's answers (spec §6,
//! security review F10). Both parties read the same trace rows, but an
//! answer may carry the other party's data (the seller's account and fee,
//! the payer's identity, a token that reopens the buyer's checkout). So a
//! trace is shown through an allow-list per role, which each provider
//! module keeps for its own fields (`psp::visible_fields`).

/// The reader's side of the order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Buyer,
    Seller,
}

impl Role {
    /// From the `role` column of an order row; anything else is treated as
    /// the buyer, the side that sees less of the other's data.
    pub fn parse(role: &str) -> Role {
        if role == "seller" {
            Role::Seller
        } else {
            Role::Buyer
        }
    }
}
