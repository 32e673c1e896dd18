//! What each party of an order may see of Monetico's traces (the
//! paiement.cgi form, capture and release calls and their answers;
//! `core::privacy`): an allow-list per role, so that a field not named here
//! (the MAC, the buyer's e-mail, the return URLs, the card's details) is
//! never shown, whatever the bank adds tomorrow.

use serde_json::{Map, Value};

use crate::core::privacy::Role;

/// What both parties may see of a Monetico trace: the call, its outcome
/// and the amounts.
const SHARED: &[&str] = &[
    "version",
    "date",
    "date_commande",
    "montant",
    "montant_a_capturer",
    "montant_deja_capture",
    "montant_restant",
    "montant_recredit",
    "reference",
    "lgue",
    "cdr",
    "lib",
    "code-retour",
    "no_answer",
    "no_call",
];

/// The merchant's own identifiers at the bank and its authorization
/// numbers: the seller's business.
const SELLER_ONLY: &[&str] = &["TPE", "societe", "aut", "num_autorisation", "numauto"];

/// The fields of a Monetico trace `role` may see (an allow-list: the MAC,
/// the buyer's e-mail, the return URLs and the card's details never).
pub fn visible_fields(role: Role, fields: &Value) -> Value {
    let Some(object) = fields.as_object() else {
        return Value::Object(Map::new());
    };
    let shown = object
        .iter()
        .filter(|(name, _)| {
            SHARED.contains(&name.as_str())
                || (role == Role::Seller && SELLER_ONLY.contains(&name.as_str()))
        })
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    Value::Object(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buyer_sees_the_outcome_and_amounts_but_never_the_mac_mail_or_merchant_ids() {
        let fields = serde_json::json!({
            "TPE": "1234567", "societe": "s", "MAC": "AB", "mail": "b@example.org",
            "montant": "12.30EUR", "cdr": "1", "lib": "paiement accepte", "aut": "123456",
            "url_retour_ok": "http://x", "reference": "ord1",
        });
        let buyer = visible_fields(Role::Buyer, &fields);
        assert_eq!(
            buyer,
            serde_json::json!({ "montant": "12.30EUR", "cdr": "1", "lib": "paiement accepte", "reference": "ord1" })
        );
        let seller = visible_fields(Role::Seller, &fields);
        assert_eq!(seller["TPE"], "1234567");
        assert_eq!(seller["aut"], "123456");
        assert!(seller.get("MAC").is_none() && seller.get("mail").is_none());
        assert_eq!(
            visible_fields(Role::Buyer, &serde_json::json!("x")),
            serde_json::json!({})
        );
    }
}
