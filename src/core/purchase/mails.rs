//! The e-mails a payment sends the seller (and the operator), in English
//! and French: sold (spec §11) and needs review.

use super::state::OrderState;
use crate::core::i18n::Lang;
use crate::core::rules::Outcome;

/// The seller's e-mail (spec §11): plain text, the ISIN in the subject, who
/// paid, the amount as `12.34 EUR`, the ISIN and the new value, in the
/// seller's language.
pub fn seller_mail(
    order: &OrderState,
    outcome: &Outcome,
    new_isin: &str,
    lang: Lang,
) -> (String, String) {
    let paid = format!("{} {}", order.amount().to_plain(), order.currency);
    let new_value = format!("{} {}", outcome.new_value().to_plain(), order.currency);
    let isin = &order.isin;
    let buyer = &order.buyer_email;
    match (lang, outcome) {
        (Lang::En, Outcome::Transfer { .. }) => (
            format!("PayBook: {isin} sold for {paid}"),
            format!(
                "{buyer} paid you {paid} through PayPal for your title {isin}.\n\n\
                 The title passed to {buyer}; its new declared value is {new_value}.\n\n\
                 A declared value is not money. PayPal's fee, if any, is yours to bear.\n"
            ),
        ),
        (Lang::En, Outcome::Split { seller_value, .. }) => (
            format!("PayBook: {isin} partly sold for {paid}"),
            format!(
                "{buyer} paid you {paid} through PayPal for part of your title {isin}.\n\n\
                 You keep {isin}, now worth {} {}. A new title {new_isin} worth {new_value} was issued to {buyer}.\n\n\
                 A declared value is not money. PayPal's fee, if any, is yours to bear.\n",
                seller_value.to_plain(),
                order.currency
            ),
        ),
        (Lang::Fr, Outcome::Transfer { .. }) => (
            format!("PayBook : {isin} vendu pour {paid}"),
            format!(
                "{buyer} vous a payé {paid} par PayPal pour votre titre {isin}.\n\n\
                 Le titre est passé à {buyer} ; sa nouvelle valeur déclarée est de {new_value}.\n\n\
                 Une valeur déclarée n'est pas de l'argent. Les frais PayPal éventuels sont à votre charge.\n"
            ),
        ),
        (Lang::Fr, Outcome::Split { seller_value, .. }) => (
            format!("PayBook : {isin} vendu en partie pour {paid}"),
            format!(
                "{buyer} vous a payé {paid} par PayPal pour une partie de votre titre {isin}.\n\n\
                 Vous gardez {isin}, qui vaut maintenant {} {}. Un nouveau titre {new_isin} d'une valeur de {new_value} a été émis pour {buyer}.\n\n\
                 Une valeur déclarée n'est pas de l'argent. Les frais PayPal éventuels sont à votre charge.\n",
                seller_value.to_plain(),
                order.currency
            ),
        ),
    }
}

pub(super) fn review_mail(
    order: &OrderState,
    transaction_id: &str,
    lang: Lang,
) -> (String, String) {
    let isin = &order.isin;
    match lang {
        Lang::En => (
            format!("PayBook: a payment for {isin} needs review"),
            format!(
                "PayPal executed payment {transaction_id} for order {} ({} {}), but its amount or currency differs from the order. \
                 Money has moved, so the order is kept for review and the title {isin} stays reserved. The operator will look into it.\n",
                order.id,
                order.amount().to_plain(),
                order.currency
            ),
        ),
        Lang::Fr => (
            format!("PayBook : un paiement pour {isin} doit être vérifié"),
            format!(
                "PayPal a exécuté le paiement {transaction_id} pour l'ordre {} ({} {}), mais son montant ou sa devise diffère de l'ordre. \
                 L'argent a circulé : l'ordre est donc gardé pour vérification et le titre {isin} reste réservé. L'opérateur va s'en occuper.\n",
                order.id,
                order.amount().to_plain(),
                order.currency
            ),
        ),
    }
}
