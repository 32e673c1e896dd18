//! The emulator's card page: the card number's check (Luhn, 12 to 19
//! digits), the buyer's three choices and what each decides (the
//! `code-retour`, `motifrefus` and authorization number the notification
//! will carry), and the page's texts in both languages.

use crate::core::i18n::Lang;
use crate::core::psp::monetico::codes::{ReturnCode, Verdict};

use super::State;

/// Whether `number` is a card number: 12 to 19 digits (spaces allowed
/// between groups) whose Luhn sum is right.
pub fn valid_card_number(number: &str) -> bool {
    let digits: Vec<u32> = number
        .chars()
        .filter(|c| *c != ' ')
        .map(|c| c.to_digit(10))
        .collect::<Option<Vec<u32>>>()
        .unwrap_or_default();
    if !(12..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| match (i % 2 == 1, d * 2) {
            (true, doubled) if doubled > 9 => doubled - 9,
            (true, doubled) => doubled,
            (false, _) => *d,
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The card number's digits only.
pub fn card_digits(number: &str) -> String {
    number.chars().filter(char::is_ascii_digit).collect()
}

/// The `brand` a notification gives a card: by its first digits as the
/// networks allot them (`na` when there is no card).
pub fn brand(digits: &str) -> &'static str {
    match digits.as_bytes() {
        [b'4', ..] => "VI",
        [b'5', b'1'..=b'5', ..] | [b'2', ..] => "MC",
        [b'3', b'4' | b'7', ..] => "AM",
        [] => "na",
        [_, ..] => "CB",
    }
}

/// What the buyer chose on the card page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardAction {
    Pay,
    Refuse,
    Cancel,
}

impl CardAction {
    pub fn parse(text: &str) -> Option<CardAction> {
        const NAMES: [(&str, CardAction); 3] = [
            ("pay", CardAction::Pay),
            ("refuse", CardAction::Refuse),
            ("cancel", CardAction::Cancel),
        ];
        let text = text.trim();
        NAMES
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, a)| *a)
    }
}

/// The `motifrefus` of a card the emulator refuses (one of Monetico's).
pub const MOTIF_REFUSED: &str = "Refus";
/// The `motifrefus` of a buyer who gave up on the card page: the
/// emulator's own (Monetico's list has no such reason).
pub const MOTIF_CANCELED: &str = "Annulation client";

/// What the card page decided: the payment's new state and the
/// notification's `code-retour`, authorization number and `motifrefus`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardDecision {
    pub state: State,
    pub code_retour: String,
    pub numauto: Option<String>,
    pub motifrefus: Option<String>,
}

/// Decides the buyer's choice: paying authorizes (`payetest`: the
/// emulator is a test server), refusing or cancelling is `Annulation`. A
/// `paiement` fault's code replaces the code-retour; the state follows
/// what that code means (an unrecognized one keeps the buyer's choice).
pub fn decide_card(action: CardAction, fault_code: Option<&str>, numauto: &str) -> CardDecision {
    let (chosen, motif) = match action {
        CardAction::Pay => (ReturnCode::Payetest, None),
        CardAction::Refuse => (ReturnCode::Annulation, Some(MOTIF_REFUSED)),
        CardAction::Cancel => (ReturnCode::Annulation, Some(MOTIF_CANCELED)),
    };
    let code = fault_code.map_or(chosen.clone(), ReturnCode::parse);
    let state = match code.verdict(None) {
        Verdict::Authorized { .. } => State::Authorized,
        Verdict::Refused { .. } => State::Refused,
        Verdict::Unrecognized { .. } => match chosen.verdict(None) {
            Verdict::Authorized { .. } => State::Authorized,
            Verdict::Refused { .. } | Verdict::Unrecognized { .. } => State::Refused,
        },
    };
    let (numauto, motifrefus) = match state {
        State::Authorized => (Some(numauto.to_string()), None),
        State::Pending | State::Refused | State::Captured | State::Released | State::Recredited => {
            (None, Some(motif.unwrap_or(MOTIF_REFUSED).to_string()))
        }
    };
    CardDecision {
        state,
        code_retour: code.as_text(),
        numauto,
        motifrefus,
    }
}

/// The card page's language: `lgue` FR is French, anything else English.
pub fn page_lang(lgue: &str) -> Lang {
    if lgue == "FR" {
        Lang::Fr
    } else {
        Lang::En
    }
}

/// Every text of the card page and of the emulator's error page.
pub struct CardTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub merchant: &'static str,
    pub amount: &'static str,
    pub reference: &'static str,
    pub card_number: &'static str,
    pub pay: &'static str,
    pub refuse: &'static str,
    pub cancel: &'static str,
    pub bad_card: &'static str,
    pub not_found: &'static str,
    pub refused_form: &'static str,
    pub lost_return: &'static str,
}

const CARD_EN: CardTexts = CardTexts {
    title: "Pay by card (emulated Monetico)",
    intro: "Type a test card number (any Luhn-valid number of 12 to 19 digits, e.g. 4000 0000 0000 0002). No real card is charged.",
    merchant: "Merchant",
    amount: "Amount",
    reference: "Reference",
    card_number: "Card number",
    pay: "Pay",
    refuse: "Have the card refused",
    cancel: "Cancel and return to the merchant",
    bad_card: "This is not a valid card number (12 to 19 digits, Luhn).",
    not_found: "This payment is unknown or already decided.",
    refused_form: "The payment form was refused:",
    lost_return: "The connection to the merchant was lost (emulated fault): the merchant learns of the payment from the bank's notification only.",
};

const CARD_FR: CardTexts = CardTexts {
    title: "Paiement par carte (Monetico émulé)",
    intro: "Saisissez un numéro de carte de test (tout numéro valide selon Luhn de 12 à 19 chiffres, par exemple 4000 0000 0000 0002). Aucune carte réelle n'est débitée.",
    merchant: "Commerçant",
    amount: "Montant",
    reference: "Référence",
    card_number: "Numéro de carte",
    pay: "Payer",
    refuse: "Faire refuser la carte",
    cancel: "Annuler et revenir chez le commerçant",
    bad_card: "Ce numéro de carte n'est pas valide (12 à 19 chiffres, Luhn).",
    not_found: "Ce paiement est inconnu ou déjà décidé.",
    refused_form: "Le formulaire de paiement a été refusé :",
    lost_return: "La connexion avec le commerçant a été perdue (panne émulée) : il n'apprend le paiement que par la notification de la banque.",
};

pub fn card_texts(lang: Lang) -> &'static CardTexts {
    match lang {
        Lang::En => &CARD_EN,
        Lang::Fr => &CARD_FR,
    }
}

/// The texts of the emulator's merchant accounts page.
pub struct AccountTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub email: &'static str,
    pub tpe: &'static str,
    pub societe: &'static str,
    pub key: &'static str,
    pub balance: &'static str,
    pub create: &'static str,
    pub bad_email: &'static str,
}

const ACCOUNTS_EN: AccountTexts = AccountTexts {
    title: "Monetico emulator: merchants",
    intro: "A merchant as the bank sets one up: type these into PayBook's registration or account page to be paid by card.",
    email: "E-mail",
    tpe: "TPE",
    societe: "Société code",
    key: "Security key (clé de sécurité)",
    balance: "Settlement balance",
    create: "Create",
    bad_email: "email: name@example.org",
};

const ACCOUNTS_FR: AccountTexts = AccountTexts {
    title: "Émulateur Monetico : commerçants",
    intro: "Un commerçant tel que la banque le configure : saisissez ces valeurs dans la page d'inscription ou de compte de PayBook pour être payé par carte.",
    email: "E-mail",
    tpe: "TPE",
    societe: "Code société",
    key: "Clé de sécurité",
    balance: "Solde des remises",
    create: "Créer",
    bad_email: "email : nom@example.org",
};

pub fn account_texts(lang: Lang) -> &'static AccountTexts {
    match lang {
        Lang::En => &ACCOUNTS_EN,
        Lang::Fr => &ACCOUNTS_FR,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_valid_numbers_of_12_to_19_digits_are_cards() {
        assert!(valid_card_number("4000000000000002"));
        assert!(valid_card_number("4000 0000 0000 0002"));
        assert!(valid_card_number("5555555555554444"));
        assert!(valid_card_number("378282246310005"));
        assert!(!valid_card_number("4000000000000001"));
        assert!(!valid_card_number("42"));
        assert!(!valid_card_number("00000000000"));
        assert!(valid_card_number("000000000000"));
        assert!(!valid_card_number(&"0".repeat(20)));
        assert!(!valid_card_number("4000-0000-0000-0002"));
        assert!(!valid_card_number(""));
        assert!(!valid_card_number("٤000000000000002"));
    }

    #[test]
    fn brands_follow_the_first_digits() {
        assert_eq!(brand("4000000000000002"), "VI");
        assert_eq!(brand("5555555555554444"), "MC");
        assert_eq!(brand("378282246310005"), "AM");
        assert_eq!(brand("6011000000000004"), "CB");
        assert_eq!(brand(""), "na");
    }

    #[test]
    fn paying_authorizes_with_payetest_and_an_authorization_number() {
        let d = decide_card(CardAction::Pay, None, "123456");
        assert_eq!(d.state, State::Authorized);
        assert_eq!(d.code_retour, "payetest");
        assert_eq!(d.numauto.as_deref(), Some("123456"));
        assert_eq!(d.motifrefus, None);
    }

    #[test]
    fn refusing_or_cancelling_is_annulation_with_its_reason() {
        let refused = decide_card(CardAction::Refuse, None, "123456");
        assert_eq!(
            (refused.state, refused.code_retour.as_str()),
            (State::Refused, "Annulation")
        );
        assert_eq!(refused.motifrefus.as_deref(), Some("Refus"));
        assert_eq!(refused.numauto, None);
        let canceled = decide_card(CardAction::Cancel, None, "123456");
        assert_eq!(canceled.motifrefus.as_deref(), Some("Annulation client"));
        assert_eq!(canceled.state, State::Refused);
    }

    #[test]
    fn a_fault_code_replaces_the_code_retour_and_its_meaning_decides_the_state() {
        let refused = decide_card(CardAction::Pay, Some("Annulation"), "1");
        assert_eq!((refused.state, refused.numauto), (State::Refused, None));
        let paid = decide_card(CardAction::Refuse, Some("paiement"), "1");
        assert_eq!(paid.state, State::Authorized);
        assert_eq!(paid.code_retour, "paiement");
        let odd = decide_card(CardAction::Pay, Some("paiement_pf2"), "1");
        assert_eq!(
            (odd.state, odd.code_retour.as_str()),
            (State::Authorized, "paiement_pf2")
        );
    }

    #[test]
    fn actions_parse_by_name_only() {
        assert_eq!(CardAction::parse("pay"), Some(CardAction::Pay));
        assert_eq!(CardAction::parse(" refuse "), Some(CardAction::Refuse));
        assert_eq!(CardAction::parse("cancel"), Some(CardAction::Cancel));
        assert_eq!(CardAction::parse("PAY"), None);
        assert_eq!(CardAction::parse(""), None);
    }
}
