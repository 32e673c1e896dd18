//! A seller's receiving accounts (spec `providers.md` §2) as typed on the
//! registration and account pages: the provider he chose (`psp`, one of the
//! enabled ones, PayPal by default) and that provider's fields, parsed into
//! a [`TypedAccount`] with a problem per field (the other providers' fields
//! are not read); the field each provider knows an account by (unique per
//! deployment among current accounts), and the problems proper to
//! receiving accounts, in both languages.

use std::fmt;

use super::account::{parse_credentials, Email, Field, FormErrors, Problem};
use super::config::SellerAuth;
use super::i18n::Lang;
use super::psp::monetico::account::{check as check_monetico, AccountError};
use super::psp::sips::account::{parse as parse_sips, SipsAccountError};
use super::psp::{ProviderId, TypedAccount};

/// The receiving-account fields of a form, as posted.
#[derive(Clone, Default)]
pub struct AccountInput {
    pub psp: String,
    pub api_username: String,
    pub api_password: String,
    pub api_signature: String,
    pub sips_merchant_id: String,
    pub sips_secret_key: String,
    pub sips_key_version: String,
    pub monetico_tpe: String,
    pub monetico_societe: String,
    pub monetico_key: String,
    /// PayPal by permission: the seller's PayPal e-mail.
    pub paypal_email: String,
    /// How this deployment takes new PayPal accounts (set by the caller
    /// from `PAYPAL_SELLER_AUTH`; credentials by default).
    pub paypal_auth: SellerAuth,
}

impl fmt::Debug for AccountInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Secrets are never printed.
        write!(
            f,
            "AccountInput {{ psp: {:?}, api_username: {:?}, sips_merchant_id: {:?}, \
             monetico_tpe: {:?}, paypal_email: {:?}, .. }}",
            self.psp,
            self.api_username,
            self.sips_merchant_id,
            self.monetico_tpe,
            self.paypal_email
        )
    }
}

impl AccountInput {
    /// The fields read through `get` (a form's value by name, "" if absent).
    pub fn read(get: impl Fn(&str) -> String) -> AccountInput {
        AccountInput {
            psp: get("psp"),
            api_username: get("api_username"),
            api_password: get("api_password"),
            api_signature: get("api_signature"),
            sips_merchant_id: get("sips_merchant_id"),
            sips_secret_key: get("sips_secret_key"),
            sips_key_version: get("sips_key_version"),
            monetico_tpe: get("monetico_tpe"),
            monetico_societe: get("monetico_societe"),
            monetico_key: get("monetico_key"),
            paypal_email: get("paypal_email"),
            paypal_auth: SellerAuth::default(),
        }
    }

    /// The chosen provider: `psp` among `enabled`; when it is empty,
    /// PayPal if enabled, else the first enabled one.
    pub fn provider(&self, enabled: &[ProviderId]) -> Result<ProviderId, Problem> {
        let typed = self.psp.trim();
        let chosen = if typed.is_empty() {
            enabled
                .iter()
                .copied()
                .find(|p| *p == ProviderId::Paypal)
                .or_else(|| enabled.first().copied())
        } else {
            ProviderId::parse(typed).filter(|p| enabled.contains(p))
        };
        chosen.ok_or(Problem::Receiving(ReceivingProblem::NotOffered))
    }

    /// The chosen provider's account, or `None` with the problems recorded
    /// in `errors` (one per field at fault).
    pub fn parse(&self, enabled: &[ProviderId], errors: &mut FormErrors) -> Option<TypedAccount> {
        let provider = errors.check(Field::Psp, self.provider(enabled))?;
        match provider {
            ProviderId::Paypal => match self.paypal_auth {
                SellerAuth::Credentials => parse_credentials(
                    errors,
                    &self.api_username,
                    &self.api_password,
                    &self.api_signature,
                )
                .map(TypedAccount::Paypal),
                // Only his PayPal e-mail: the grant is checked at PayPal.
                SellerAuth::Permission => errors
                    .check(Field::PaypalEmail, Email::parse(&self.paypal_email))
                    .map(|email| TypedAccount::PaypalGranted(email.as_str().to_string())),
            },
            ProviderId::Sips => self.parse_sips(errors),
            ProviderId::Monetico => self.parse_monetico(errors),
        }
    }

    fn parse_sips(&self, errors: &mut FormErrors) -> Option<TypedAccount> {
        let typed = [
            (Field::SipsMerchantId, &self.sips_merchant_id),
            (Field::SipsSecretKey, &self.sips_secret_key),
            (Field::SipsKeyVersion, &self.sips_key_version),
        ];
        if !required(errors, &typed) {
            return None;
        }
        let parsed = parse_sips(
            &self.sips_merchant_id,
            &self.sips_secret_key,
            &self.sips_key_version,
        );
        match parsed {
            Ok(account) => Some(TypedAccount::Sips(account)),
            Err(error) => {
                let (field, problem) = match error {
                    SipsAccountError::MerchantId => {
                        (Field::SipsMerchantId, ReceivingProblem::SipsMerchantId)
                    }
                    SipsAccountError::SecretKey => {
                        (Field::SipsSecretKey, ReceivingProblem::SipsSecretKey)
                    }
                    SipsAccountError::KeyVersion => {
                        (Field::SipsKeyVersion, ReceivingProblem::SipsKeyVersion)
                    }
                };
                errors.add(field, Problem::Receiving(problem));
                None
            }
        }
    }

    fn parse_monetico(&self, errors: &mut FormErrors) -> Option<TypedAccount> {
        let typed = [
            (Field::MoneticoTpe, &self.monetico_tpe),
            (Field::MoneticoSociete, &self.monetico_societe),
            (Field::MoneticoKey, &self.monetico_key),
        ];
        if !required(errors, &typed) {
            return None;
        }
        match check_monetico(
            &self.monetico_tpe,
            &self.monetico_societe,
            &self.monetico_key,
        ) {
            Ok(account) => Some(TypedAccount::Monetico(account)),
            Err(error) => {
                let (field, problem) = match error {
                    AccountError::Tpe => (Field::MoneticoTpe, ReceivingProblem::MoneticoTpe),
                    AccountError::Societe => {
                        (Field::MoneticoSociete, ReceivingProblem::MoneticoSociete)
                    }
                    AccountError::Key(_) => (Field::MoneticoKey, ReceivingProblem::MoneticoKey),
                };
                errors.add(field, Problem::Receiving(problem));
                None
            }
        }
    }
}

/// Records `Required` for each empty field; whether all were filled.
fn required(errors: &mut FormErrors, typed: &[(Field, &String)]) -> bool {
    let mut all = true;
    for (field, value) in typed {
        if value.trim().is_empty() {
            errors.add(*field, Problem::Required);
            all = false;
        }
    }
    all
}

/// How a provider is named on the pages.
pub fn display_name(provider: ProviderId) -> &'static str {
    match provider {
        ProviderId::Paypal => "PayPal",
        ProviderId::Sips => "Sips",
        ProviderId::Monetico => "Monetico",
    }
}

/// The field an account is known by (its public name, unique per
/// deployment among current accounts): a PayPal account taken by
/// permission is known by its e-mail, one with API credentials by its
/// API username.
pub fn public_field(account: &TypedAccount) -> Field {
    match account {
        TypedAccount::Paypal(_) => Field::ApiUsername,
        TypedAccount::PaypalGranted(_) => Field::PaypalEmail,
        TypedAccount::Sips(_) => Field::SipsMerchantId,
        TypedAccount::Monetico(_) => Field::MoneticoTpe,
    }
}

/// The problem when another client's current account has the same public
/// name.
pub fn taken(account: &TypedAccount) -> Problem {
    match account {
        TypedAccount::Paypal(_) => Problem::ApiUsernameTaken,
        TypedAccount::PaypalGranted(_) => Problem::Receiving(ReceivingProblem::PaypalEmailTaken),
        TypedAccount::Sips(_) => Problem::Receiving(ReceivingProblem::MerchantIdTaken),
        TypedAccount::Monetico(_) => Problem::Receiving(ReceivingProblem::TpeTaken),
    }
}

/// The problem when the provider refused the account.
pub fn refused(provider: ProviderId) -> Problem {
    match provider {
        ProviderId::Paypal => Problem::PspRefusedCredentials,
        ProviderId::Sips => Problem::Receiving(ReceivingProblem::SipsRefused),
        ProviderId::Monetico => Problem::Receiving(ReceivingProblem::MoneticoRefused),
    }
}

/// The problem when the provider could not be asked (nothing is saved).
pub fn unreachable(provider: ProviderId) -> Problem {
    match provider {
        ProviderId::Paypal => Problem::PspUnavailable,
        ProviderId::Sips => Problem::Receiving(ReceivingProblem::SipsUnavailable),
        ProviderId::Monetico => Problem::Receiving(ReceivingProblem::MoneticoUnavailable),
    }
}

/// What can be wrong with a receiving account typed, added or removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceivingProblem {
    NotOffered,
    SipsMerchantId,
    SipsSecretKey,
    SipsKeyVersion,
    MoneticoTpe,
    MoneticoSociete,
    MoneticoKey,
    MerchantIdTaken,
    TpeTaken,
    /// A PayPal account (by permission) another client receives with.
    PaypalEmailTaken,
    SipsRefused,
    SipsUnavailable,
    MoneticoRefused,
    MoneticoUnavailable,
    /// Removing the client's only current account.
    LastAccount,
    /// Removing an account the client does not have.
    NoAccount,
    /// His accounts changed meanwhile (another change won the race).
    Changed,
}

impl ReceivingProblem {
    pub fn message(self, lang: Lang) -> &'static str {
        use ReceivingProblem as R;
        match (self, lang) {
            (R::NotOffered, Lang::En) => "Choose one of the payment providers offered here.",
            (R::NotOffered, Lang::Fr) => "Choisissez l'un des prestataires de paiement proposés ici.",
            (R::SipsMerchantId, Lang::En) => "A Sips merchant id is 15 digits.",
            (R::SipsMerchantId, Lang::Fr) => "Un identifiant commerçant Sips compte 15 chiffres.",
            (R::SipsSecretKey, Lang::En) => "The secret key is 1 to 256 printable characters, no spaces.",
            (R::SipsSecretKey, Lang::Fr) => "La clé secrète compte 1 à 256 caractères imprimables, sans espace.",
            (R::SipsKeyVersion, Lang::En) => "The key version is a whole number, 1 or more.",
            (R::SipsKeyVersion, Lang::Fr) => "La version de clé est un nombre entier, 1 ou plus.",
            (R::MoneticoTpe, Lang::En) => "A Monetico TPE number is 7 letters or digits.",
            (R::MoneticoTpe, Lang::Fr) => "Un numéro de TPE Monetico compte 7 lettres ou chiffres.",
            (R::MoneticoSociete, Lang::En) => "The société code is 1 to 100 characters, no spaces.",
            (R::MoneticoSociete, Lang::Fr) => "Le code société compte 1 à 100 caractères, sans espace.",
            (R::MoneticoKey, Lang::En) => "The Monetico key is the 40 hexadecimal characters Monetico gave you.",
            (R::MoneticoKey, Lang::Fr) => "La clé Monetico est formée des 40 caractères hexadécimaux que Monetico vous a donnés.",
            (R::MerchantIdTaken, Lang::En) => "This Sips merchant id is already used by another account.",
            (R::MerchantIdTaken, Lang::Fr) => "Cet identifiant commerçant Sips est déjà utilisé par un autre compte.",
            (R::TpeTaken, Lang::En) => "This Monetico TPE is already used by another account.",
            (R::TpeTaken, Lang::Fr) => "Ce TPE Monetico est déjà utilisé par un autre compte.",
            (R::PaypalEmailTaken, Lang::En) => "This PayPal account already receives payments for another account here.",
            (R::PaypalEmailTaken, Lang::Fr) => "Ce compte PayPal reçoit déjà les paiements d'un autre compte ici.",
            (R::SipsRefused, Lang::En) => "Sips refused this account (merchant id, secret key or key version).",
            (R::SipsRefused, Lang::Fr) => "Sips a refusé ce compte (identifiant commerçant, clé secrète ou version de clé).",
            (R::SipsUnavailable, Lang::En) => "Sips could not be reached to check your account; nothing was saved. Please try again.",
            (R::SipsUnavailable, Lang::Fr) => "Sips n'a pas pu être joint pour vérifier votre compte ; rien n'a été enregistré. Veuillez réessayer.",
            (R::MoneticoRefused, Lang::En) => "Monetico refused this account.",
            (R::MoneticoRefused, Lang::Fr) => "Monetico a refusé ce compte.",
            (R::MoneticoUnavailable, Lang::En) => "Monetico could not be reached to check your account; nothing was saved. Please try again.",
            (R::MoneticoUnavailable, Lang::Fr) => "Monetico n'a pas pu être joint pour vérifier votre compte ; rien n'a été enregistré. Veuillez réessayer.",
            (R::LastAccount, Lang::En) => "This is your only receiving account: add another one before you remove it.",
            (R::LastAccount, Lang::Fr) => "C'est votre seul compte de réception : ajoutez-en un autre avant de le retirer.",
            (R::NoAccount, Lang::En) => "You have no receiving account with this provider.",
            (R::NoAccount, Lang::Fr) => "Vous n'avez pas de compte de réception chez ce prestataire.",
            (R::Changed, Lang::En) => "Your receiving accounts changed meanwhile; nothing was saved. Please try again.",
            (R::Changed, Lang::Fr) => "Vos comptes de réception ont changé entre-temps ; rien n'a été enregistré. Veuillez réessayer.",
        }
    }
}

#[cfg(test)]
#[path = "receiving_tests.rs"]
mod tests;
