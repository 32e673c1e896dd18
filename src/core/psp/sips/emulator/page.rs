//! The emulated Sips pages' texts, in the buyer's language
//! (`customerLanguage`): the card page, its error page and the page that
//! brings the manual response back to the shop.

use crate::core::i18n::Lang;

pub struct CardTexts {
    pub banner: &'static str,
    pub title: &'static str,
    pub merchant: &'static str,
    pub amount: &'static str,
    pub reference: &'static str,
    pub card_number: &'static str,
    pub pay: &'static str,
    pub refuse: &'static str,
    pub cancel: &'static str,
    pub invalid_card: &'static str,
    pub unknown_action: &'static str,
    pub error_title: &'static str,
    pub error_code: &'static str,
    pub not_found: &'static str,
    pub return_title: &'static str,
    pub return_intro: &'static str,
    pub continue_to_shop: &'static str,
    pub accounts_title: &'static str,
    pub merchant_id: &'static str,
    pub secret_key: &'static str,
    pub key_version: &'static str,
    pub balance: &'static str,
    pub email: &'static str,
    pub create: &'static str,
    pub invalid_email: &'static str,
}

const EN: CardTexts = CardTexts {
    banner: "Emulated Worldline Sips, no real money",
    title: "Card payment",
    merchant: "Merchant",
    amount: "Amount",
    reference: "Reference",
    card_number: "Card number",
    pay: "Pay",
    refuse: "Card refused",
    cancel: "Cancel",
    invalid_card: "This card number is not valid (12 to 19 digits, Luhn check).",
    unknown_action: "Choose pay, refuse or cancel.",
    error_title: "Payment request refused",
    error_code: "Response code",
    not_found: "This payment is unknown or already decided.",
    return_title: "Back to the shop",
    return_intro: "Your payment is decided; the shop is told.",
    continue_to_shop: "Continue",
    accounts_title: "Sips merchants (emulated)",
    merchant_id: "Merchant id",
    secret_key: "Secret key",
    key_version: "Key version",
    balance: "Settlement balance",
    email: "E-mail",
    create: "Create or show",
    invalid_email: "email: name@example.org",
};

const FR: CardTexts = CardTexts {
    banner: "Worldline Sips émulé, pas d'argent réel",
    title: "Paiement par carte",
    merchant: "Commerçant",
    amount: "Montant",
    reference: "Référence",
    card_number: "Numéro de carte",
    pay: "Payer",
    refuse: "Carte refusée",
    cancel: "Annuler",
    invalid_card: "Ce numéro de carte n'est pas valide (12 à 19 chiffres, clé de Luhn).",
    unknown_action: "Choisissez payer, refuser ou annuler.",
    error_title: "Demande de paiement refusée",
    error_code: "Code réponse",
    not_found: "Ce paiement est inconnu ou déjà décidé.",
    return_title: "Retour à la boutique",
    return_intro: "Votre paiement est décidé ; la boutique en est informée.",
    continue_to_shop: "Continuer",
    accounts_title: "Commerçants Sips (émulés)",
    merchant_id: "Identifiant commerçant",
    secret_key: "Clé secrète",
    key_version: "Version de clé",
    balance: "Solde de remise",
    email: "E-mail",
    create: "Créer ou afficher",
    invalid_email: "e-mail : nom@example.org",
};

/// The texts in `lang`.
pub fn card_texts(lang: Lang) -> &'static CardTexts {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

/// The page's language: the request's `customerLanguage` when it is one
/// PayBook speaks, else `fallback`.
pub fn card_lang(customer_language: Option<&str>, fallback: Lang) -> Lang {
    match customer_language {
        Some("fr") => Lang::Fr,
        Some("en") => Lang::En,
        Some(_) | None => fallback,
    }
}
