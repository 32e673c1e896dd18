//! The words of the receiving-account forms and list (registration and
//! account pages, spec `providers.md` §2), in both languages: kept beside
//! [`Texts`](super::Texts) as a struct of their own, so that a missing
//! translation is still a compile error.

use super::Lang;

/// The receiving accounts' words.
pub struct ReceivingTexts {
    pub psp_legend: &'static str,
    pub psp_note: &'static str,
    pub paypal_heading: &'static str,
    pub sips_heading: &'static str,
    pub monetico_heading: &'static str,
    pub card_emulator_hint: &'static str,
    pub field_sips_merchant_id: &'static str,
    pub field_sips_secret_key: &'static str,
    pub field_sips_key_version: &'static str,
    pub field_monetico_tpe: &'static str,
    pub field_monetico_societe: &'static str,
    pub field_monetico_key: &'static str,
    pub list_title: &'static str,
    pub col_provider: &'static str,
    pub col_account: &'static str,
    pub col_status: &'static str,
    pub status_ok: &'static str,
    pub status_refused: &'static str,
    pub add_title: &'static str,
    pub add_note: &'static str,
    pub add_submit: &'static str,
    pub add_done: &'static str,
    pub remove_title: &'static str,
    pub remove_note: &'static str,
    pub remove_field: &'static str,
    pub remove_submit: &'static str,
    pub remove_done: &'static str,
    /// Before a card provider's refusal code ("Sips error 34"), with
    /// `{provider}` standing for its name.
    pub error_label: &'static str,
}

pub const EN: ReceivingTexts = ReceivingTexts {
    psp_legend: "How buyers pay you",
    psp_note: "Choose a payment provider and give your account there; only the chosen provider's fields are read. PayBook checks the account where the provider allows it and stores its secrets encrypted; it never shows them back.",
    paypal_heading: "PayPal (API credentials)",
    sips_heading: "Worldline Sips (card payments)",
    monetico_heading: "Monetico (card payments)",
    card_emulator_hint: "Demonstration mode: create an emulated merchant account on",
    field_sips_merchant_id: "Sips merchant id (15 digits)",
    field_sips_secret_key: "Sips secret key",
    field_sips_key_version: "Sips key version",
    field_monetico_tpe: "Monetico TPE number (7 characters)",
    field_monetico_societe: "Monetico société code",
    field_monetico_key: "Monetico key (40 characters)",
    list_title: "Your receiving accounts",
    col_provider: "Provider",
    col_account: "Account",
    col_status: "Status",
    status_ok: "ok",
    status_refused: "refused by the provider: replace it",
    add_title: "Add or replace a receiving account",
    add_note: "Orders already made keep using the account they were made with.",
    add_submit: "Check and save the account",
    add_done: "Your receiving account was checked and saved.",
    remove_title: "Remove a receiving account",
    remove_note: "You keep at least one receiving account.",
    remove_field: "Provider",
    remove_submit: "Remove the account",
    remove_done: "The receiving account was removed.",
    error_label: "{provider} error",
};

pub const FR: ReceivingTexts = ReceivingTexts {
    psp_legend: "Comment les acheteurs vous paient",
    psp_note: "Choisissez un prestataire de paiement et indiquez votre compte chez lui ; seuls les champs du prestataire choisi sont lus. PayBook vérifie le compte quand le prestataire le permet et conserve ses secrets chiffrés ; il ne les réaffiche jamais.",
    paypal_heading: "PayPal (identifiants API)",
    sips_heading: "Worldline Sips (paiement par carte)",
    monetico_heading: "Monetico (paiement par carte)",
    card_emulator_hint: "Mode démonstration : créez un compte commerçant émulé sur",
    field_sips_merchant_id: "Identifiant commerçant Sips (15 chiffres)",
    field_sips_secret_key: "Clé secrète Sips",
    field_sips_key_version: "Version de la clé Sips",
    field_monetico_tpe: "Numéro de TPE Monetico (7 caractères)",
    field_monetico_societe: "Code société Monetico",
    field_monetico_key: "Clé Monetico (40 caractères)",
    list_title: "Vos comptes de réception",
    col_provider: "Prestataire",
    col_account: "Compte",
    col_status: "État",
    status_ok: "ok",
    status_refused: "refusé par le prestataire : remplacez-le",
    add_title: "Ajouter ou remplacer un compte de réception",
    add_note: "Les commandes déjà passées gardent le compte avec lequel elles ont été faites.",
    add_submit: "Vérifier et enregistrer le compte",
    add_done: "Votre compte de réception a été vérifié et enregistré.",
    remove_title: "Retirer un compte de réception",
    remove_note: "Vous gardez au moins un compte de réception.",
    remove_field: "Prestataire",
    remove_submit: "Retirer le compte",
    remove_done: "Le compte de réception a été retiré.",
    error_label: "Erreur {provider}",
};

impl Lang {
    /// The receiving accounts' words in this language.
    pub fn receiving(self) -> &'static ReceivingTexts {
        match self {
            Lang::En => &EN,
            Lang::Fr => &FR,
        }
    }
}
