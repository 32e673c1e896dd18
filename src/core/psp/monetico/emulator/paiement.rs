//! `paiement.cgi` at the emulated bank: the check of the form the buyer's
//! browser posts (a known TPE, the sorted MAC under the merchant's derived
//! key, version 3.0, its société, an amount, a reference, the return URLs;
//! nothing is recorded when it fails) and the CGI2 notification the
//! decision leads to, with the fields `core::psp::monetico::notification`
//! reads, sealed as the real bank seals them.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha1::{Digest, Sha1};

use super::card::{brand, CardDecision};
use crate::core::i18n::Lang;
use crate::core::psp::monetico::amount::WireAmount;
use crate::core::psp::monetico::form::valid_reference;
use crate::core::psp::monetico::key::UsableKey;
use crate::core::psp::monetico::mac::{hex_lower, Layout, VERSION};
use crate::core::psp::monetico::notification::{sealed_body, Received};
use crate::core::psp::monetico::paris;
use crate::core::sql::emulator::monetico::Merchant;
use crate::core::time::UtcTime;

/// The languages `lgue` may name (reference A4).
const LANGUAGES: [&str; 9] = ["FR", "EN", "DE", "IT", "ES", "NL", "PT", "SV", "JA"];

/// A form `paiement.cgi` accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaiementForm {
    pub tpe: String,
    pub reference: String,
    pub amount: WireAmount,
    pub texte_libre: String,
    pub lgue: String,
    pub mail: String,
    pub url_ok: String,
    pub url_err: String,
}

/// Why `paiement.cgi` refuses a form (its error page, HTTP 400).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaiementError {
    /// Not a urlencoded form, or without `MAC`.
    NotForm,
    UnknownTpe,
    BadMac,
    /// A field missing or malformed.
    Field(&'static str),
    /// The reference was used before at this TPE.
    ReusedReference,
}

impl PaiementError {
    /// Why, in the buyer's language (the error page).
    pub fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (PaiementError::NotForm, Lang::En) => "not a sealed form (no MAC)".into(),
            (PaiementError::NotForm, Lang::Fr) => {
                "ce n'est pas un formulaire scellé (pas de MAC)".into()
            }
            (PaiementError::UnknownTpe, Lang::En) => "unknown TPE".into(),
            (PaiementError::UnknownTpe, Lang::Fr) => "TPE inconnu".into(),
            (PaiementError::BadMac, Lang::En) => {
                "the MAC does not match (commande non authentifiée)".into()
            }
            (PaiementError::BadMac, Lang::Fr) => {
                "le MAC ne correspond pas (commande non authentifiée)".into()
            }
            (PaiementError::Field(name), Lang::En) => format!("field {name} missing or malformed"),
            (PaiementError::Field(name), Lang::Fr) => format!("champ {name} absent ou mal formé"),
            (PaiementError::ReusedReference, Lang::En) => {
                "this reference was already used at this TPE".into()
            }
            (PaiementError::ReusedReference, Lang::Fr) => {
                "cette référence a déjà été utilisée pour ce TPE".into()
            }
        }
    }
}

impl fmt::Display for PaiementError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

/// Checks a posted form against its merchant (`None`: the TPE is
/// unknown). The MAC is checked first, so that nothing else is said about
/// a form that is not the merchant's.
pub fn check_paiement(
    received: &Received,
    merchant: Option<&Merchant>,
) -> Result<PaiementForm, PaiementError> {
    let merchant = merchant.ok_or(PaiementError::UnknownTpe)?;
    let key = UsableKey::derive(&merchant.cle).map_err(|_| PaiementError::BadMac)?;
    if !received.mac_valid(&key, Layout::Sorted) {
        return Err(PaiementError::BadMac);
    }
    let field = |name: &'static str| received.field(name).ok_or(PaiementError::Field(name));
    let filled = |name: &'static str| {
        field(name).and_then(|v| {
            Some(v)
                .filter(|v| !v.is_empty())
                .ok_or(PaiementError::Field(name))
        })
    };
    if field("version")? != VERSION {
        return Err(PaiementError::Field("version"));
    }
    if field("societe")? != merchant.societe {
        return Err(PaiementError::Field("societe"));
    }
    filled("date")?;
    let amount = WireAmount::parse(field("montant")?)
        .ok()
        .filter(|a| a.cents > 0)
        .ok_or(PaiementError::Field("montant"))?;
    let reference = field("reference")?;
    if !valid_reference(reference) {
        return Err(PaiementError::Field("reference"));
    }
    let lgue = field("lgue")?;
    if !LANGUAGES.contains(&lgue) {
        return Err(PaiementError::Field("lgue"));
    }
    Ok(PaiementForm {
        tpe: merchant.tpe.clone(),
        reference: reference.to_string(),
        amount,
        texte_libre: received.field("texte-libre").unwrap_or("").to_string(),
        lgue: lgue.to_string(),
        mail: received.field("mail").unwrap_or("").to_string(),
        url_ok: filled("url_retour_ok")?.to_string(),
        url_err: filled("url_retour_err")?.to_string(),
    })
}

/// What a notification is about.
#[derive(Clone, Debug)]
pub struct NotificationFacts<'a> {
    pub tpe: &'a str,
    pub reference: &'a str,
    pub amount: WireAmount,
    pub texte_libre: &'a str,
    pub decision: &'a CardDecision,
    /// The card's digits (empty when the buyer typed none).
    pub card: &'a str,
    pub ipclient: &'a str,
    pub at: UtcTime,
}

/// 3-D Secure's outcome as modern notifications carry it (base64 JSON).
const AUTHENTICATION: &str =
    r#"{"protocol":"3DSecure","status":"authenticated","version":"2.1.0","details":{}}"#;

/// The notification's fields in the order the bank posts them (its MAC is
/// added by [`notification_body`]).
pub fn notification_fields(n: &NotificationFacts<'_>) -> Vec<(&'static str, String)> {
    let (y, mo, ..) = n.at.plus_seconds(paris::offset_seconds(n.at)).parts();
    let with_card = !n.card.is_empty();
    let card_or = |value: String| if with_card { value } else { String::new() };
    let motif = n.decision.motifrefus.clone().unwrap_or_default();
    vec![
        ("TPE", n.tpe.to_string()),
        ("date", paris::notification_date(n.at)),
        ("montant", n.amount.to_string()),
        ("reference", n.reference.to_string()),
        ("texte-libre", n.texte_libre.to_string()),
        ("code-retour", n.decision.code_retour.clone()),
        ("cvx", if with_card { "oui" } else { "non" }.to_string()),
        // The card's expiry is not asked: two years from now.
        (
            "vld",
            card_or(format!("{mo:02}{:02}", (y + 2).rem_euclid(100))),
        ),
        ("brand", brand(n.card).to_string()),
        ("numauto", n.decision.numauto.clone().unwrap_or_default()),
        ("motifrefus", motif.clone()),
        ("originecb", card_or("FRA".to_string())),
        ("bincb", card_or(n.card.chars().take(6).collect())),
        (
            "hpancb",
            card_or(hex_lower(&Sha1::digest(n.card.as_bytes())).to_ascii_uppercase()),
        ),
        ("ipclient", n.ipclient.to_string()),
        ("originetr", "FRA".to_string()),
        ("modepaiement", "CB".to_string()),
        ("authentification", STANDARD.encode(AUTHENTICATION)),
        ("usage", "debit".to_string()),
        ("typecompte", "particulier".to_string()),
        ("ecard", "non".to_string()),
        ("motifrefusautorisation", motif),
    ]
}

/// The notification's body: its fields urlencoded, sorted MAC last.
pub fn notification_body(n: &NotificationFacts<'_>, key: &UsableKey) -> String {
    let fields = notification_fields(n);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    sealed_body(&pairs, key)
}

/// Whether the platform's answer acknowledges a notification: lines
/// `version=2` and `cdr=0` (a final newline or not), HTTP 200.
pub fn acknowledged(http_status: u16, body: &str) -> bool {
    let lines: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    http_status == 200 && lines == ["version=2", "cdr=0"]
}

#[cfg(test)]
#[path = "paiement_tests.rs"]
mod tests;
