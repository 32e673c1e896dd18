//! What people type to register, log in and manage their account, parsed
//! into valid values at the edge (parse, don't validate). Each problem is a
//! named [`Problem`] tied to a field; pages show its text in the user's
//! language next to the field and keep what was typed (passwords excepted).

use super::i18n::Lang;
use super::psp::{ProviderId, TypedAccount};
use super::receiving::{AccountInput, ReceivingProblem};

/// A client's e-mail address: trimmed, lower-cased, at most 254 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, Problem> {
        let email = input.trim().to_lowercase();
        if email.is_empty() {
            return Err(Problem::Required);
        }
        if email.chars().count() > 254 {
            return Err(Problem::TooLong);
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err(Problem::EmailInvalid);
        };
        let allowed =
            |c: char| !c.is_whitespace() && !c.is_control() && c != '@' && c != '<' && c != '>';
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        if local.is_empty() || !local.chars().all(allowed) || !domain_ok {
            return Err(Problem::EmailInvalid);
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `a***@example.org`: how other people's e-mails appear in public.
    pub fn masked(email: &str) -> String {
        match email.split_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            None => "***".to_string(),
        }
    }
}

/// A new password: 8 to 128 characters, kept exactly as typed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

impl Password {
    pub fn parse(input: &str) -> Result<Password, Problem> {
        let n = input.chars().count();
        if n == 0 {
            Err(Problem::Required)
        } else if n < 8 {
            Err(Problem::PasswordTooShort)
        } else if n > 128 {
            Err(Problem::TooLong)
        } else {
            Ok(Password(input.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// PayPal API credentials as typed (trimmed; at most 128 characters each).
#[derive(Clone, PartialEq, Eq)]
pub struct ApiCredentials {
    pub username: String,
    pub password: String,
    pub signature: String,
}

impl std::fmt::Debug for ApiCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiCredentials {{ username: {:?}, .. }}", self.username)
    }
}

fn api_field(input: &str) -> Result<String, Problem> {
    let value = input.trim();
    if value.is_empty() {
        Err(Problem::Required)
    } else if value.chars().count() > 128 {
        Err(Problem::TooLong)
    } else if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        Err(Problem::Invalid)
    } else {
        Ok(value.to_string())
    }
}

/// A form field a problem can be attached to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Email,
    Password,
    ApiUsername,
    ApiPassword,
    ApiSignature,
    AcceptTerms,
    CurrentPassword,
    NewPassword,
    Isin,
    Amount,
    ProfitRate,
    /// The form as a whole (e.g. a PSP refusal).
    Form,
    /// The receiving account's provider and its fields (`core::receiving`).
    Psp,
    SipsMerchantId,
    SipsSecretKey,
    SipsKeyVersion,
    MoneticoTpe,
    MoneticoSociete,
    MoneticoKey,
    /// PayPal by permission: the seller's PayPal account e-mail.
    PaypalEmail,
}

impl Field {
    /// The form field's name, as in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Field::Email => "email",
            Field::Password => "password",
            Field::ApiUsername => "api_username",
            Field::ApiPassword => "api_password",
            Field::ApiSignature => "api_signature",
            Field::AcceptTerms => "accept_terms",
            Field::CurrentPassword => "current_password",
            Field::NewPassword => "new_password",
            Field::Isin => "isin",
            Field::Amount => "amount",
            Field::ProfitRate => "profit_rate",
            Field::Form => "form",
            Field::Psp => "psp",
            Field::SipsMerchantId => "sips_merchant_id",
            Field::SipsSecretKey => "sips_secret_key",
            Field::SipsKeyVersion => "sips_key_version",
            Field::MoneticoTpe => "monetico_tpe",
            Field::MoneticoSociete => "monetico_societe",
            Field::MoneticoKey => "monetico_key",
            Field::PaypalEmail => "paypal_email",
        }
    }
}

/// Everything that can be wrong with what was typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    Required,
    TooLong,
    Invalid,
    EmailInvalid,
    EmailTaken,
    PasswordTooShort,
    ApiUsernameTaken,
    TermsNotAccepted,
    PasswordIncorrect,
    LoginFailed,
    ResetLinkInvalid,
    PspRefusedCredentials,
    PspUnavailable,
    /// A receiving account's own problems (`core::receiving`).
    Receiving(ReceivingProblem),
}

impl Problem {
    pub fn message(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Problem::Receiving(problem), lang) => problem.message(lang),
            (Problem::Required, Lang::En) => "This field is required.",
            (Problem::Required, Lang::Fr) => "Ce champ est obligatoire.",
            (Problem::TooLong, Lang::En) => "This is too long.",
            (Problem::TooLong, Lang::Fr) => "C'est trop long.",
            (Problem::Invalid, Lang::En) => "This value is not valid (no spaces).",
            (Problem::Invalid, Lang::Fr) => "Cette valeur n'est pas valide (pas d'espaces).",
            (Problem::EmailInvalid, Lang::En) => "Enter an e-mail address such as name@example.org.",
            (Problem::EmailInvalid, Lang::Fr) => "Saisissez une adresse e-mail comme nom@example.org.",
            (Problem::EmailTaken, Lang::En) => "An account with this e-mail address already exists.",
            (Problem::EmailTaken, Lang::Fr) => "Un compte existe déjà avec cette adresse e-mail.",
            (Problem::PasswordTooShort, Lang::En) => "The password must have at least 8 characters.",
            (Problem::PasswordTooShort, Lang::Fr) => "Le mot de passe doit avoir au moins 8 caractères.",
            (Problem::ApiUsernameTaken, Lang::En) => "These PayPal API credentials are already used by another account.",
            (Problem::ApiUsernameTaken, Lang::Fr) => "Ces identifiants API PayPal sont déjà utilisés par un autre compte.",
            (Problem::TermsNotAccepted, Lang::En) => "You must accept the terms and the risk notice.",
            (Problem::TermsNotAccepted, Lang::Fr) => "Vous devez accepter les conditions et l'avertissement sur les risques.",
            (Problem::PasswordIncorrect, Lang::En) => "The current password is not correct.",
            (Problem::PasswordIncorrect, Lang::Fr) => "Le mot de passe actuel n'est pas correct.",
            (Problem::LoginFailed, Lang::En) => "E-mail address or password is not correct.",
            (Problem::LoginFailed, Lang::Fr) => "Adresse e-mail ou mot de passe incorrect.",
            (Problem::ResetLinkInvalid, Lang::En) => "This reset link is not valid: it has expired or was already used. Ask for a new one.",
            (Problem::ResetLinkInvalid, Lang::Fr) => "Ce lien de réinitialisation n'est pas valide : il a expiré ou a déjà servi. Demandez-en un nouveau.",
            (Problem::PspRefusedCredentials, Lang::En) => "PayPal refused these API credentials.",
            (Problem::PspRefusedCredentials, Lang::Fr) => "PayPal a refusé ces identifiants API.",
            (Problem::PspUnavailable, Lang::En) => "PayPal could not be reached to check your credentials; nothing was saved. Please try again.",
            (Problem::PspUnavailable, Lang::Fr) => "PayPal n'a pas pu être joint pour vérifier vos identifiants ; rien n'a été enregistré. Veuillez réessayer.",
        }
    }
}

/// Problems found in one form, per field, in the order found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormErrors(Vec<(Field, Problem)>);

impl FormErrors {
    pub fn add(&mut self, field: Field, problem: Problem) {
        self.0.push((field, problem));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: Field) -> Option<Problem> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, p)| *p)
    }

    pub fn iter(&self) -> impl Iterator<Item = &(Field, Problem)> {
        self.0.iter()
    }

    /// Keeps the value when it parsed, records the problem otherwise.
    pub fn check<T>(&mut self, field: Field, result: Result<T, Problem>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(problem) => {
                self.add(field, problem);
                None
            }
        }
    }
}

/// The register form as posted.
#[derive(Clone, Debug, Default)]
pub struct RegisterInput {
    pub email: String,
    pub password: String,
    /// The receiving account (`psp` and that provider's fields).
    pub account: AccountInput,
    pub accept_terms: bool,
}

/// A registration that passed every check that needs no database or PSP.
#[derive(Debug)]
pub struct Registration {
    pub email: Email,
    pub password: Password,
    pub account: TypedAccount,
}

impl RegisterInput {
    /// `enabled`: the providers this deployment offers (`PSPS`).
    pub fn parse(&self, enabled: &[ProviderId]) -> Result<Registration, FormErrors> {
        let mut errors = FormErrors::default();
        let email = errors.check(Field::Email, Email::parse(&self.email));
        let password = errors.check(Field::Password, Password::parse(&self.password));
        let account = self.account.parse(enabled, &mut errors);
        if !self.accept_terms {
            errors.add(Field::AcceptTerms, Problem::TermsNotAccepted);
        }
        match (email, password, account) {
            (Some(email), Some(password), Some(account)) if errors.is_empty() => Ok(Registration {
                email,
                password,
                account,
            }),
            _ => Err(errors),
        }
    }
}

/// Parses the three `api_*` fields, recording a problem per field.
pub fn parse_credentials(
    errors: &mut FormErrors,
    username: &str,
    password: &str,
    signature: &str,
) -> Option<ApiCredentials> {
    let username = errors.check(Field::ApiUsername, api_field(username));
    let password = errors.check(Field::ApiPassword, api_field(password));
    let signature = errors.check(Field::ApiSignature, api_field(signature));
    Some(ApiCredentials {
        username: username?,
        password: password?,
        signature: signature?,
    })
}

/// A local path to go to after logging in: only `/something`, never another
/// site (`//evil.example`, `/\evil`, `https://...`).
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 512
        && !next.chars().any(|c| c.is_control());
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lower_cased_and_checked() {
        assert_eq!(
            Email::parse("  Alice@Example.ORG ").map(|e| e.0),
            Ok("alice@example.org".into())
        );
        assert_eq!(Email::parse(""), Err(Problem::Required));
        for bad in [
            "alice",
            "alice@",
            "@example.org",
            "a b@example.org",
            "a@example",
            "a@.org",
            "a@example..org",
            "<a>@x.org",
        ] {
            assert_eq!(Email::parse(bad), Err(Problem::EmailInvalid), "{bad}");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(Problem::TooLong));
    }

    #[test]
    fn emails_are_masked_to_the_first_letter() {
        assert_eq!(Email::masked("alice@example.org"), "a***@example.org");
        assert_eq!(Email::masked("broken"), "***");
    }

    #[test]
    fn passwords_have_8_to_128_characters() {
        assert_eq!(Password::parse("1234567"), Err(Problem::PasswordTooShort));
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"é".repeat(128)).is_ok());
        assert_eq!(Password::parse(&"x".repeat(129)), Err(Problem::TooLong));
        assert_eq!(Password::parse(""), Err(Problem::Required));
    }

    #[test]
    fn registration_reports_every_field_at_once() {
        let input = RegisterInput {
            email: "nope".into(),
            password: "short".into(),
            ..Default::default()
        };
        let errors = input.parse(&ProviderId::ALL).expect_err("refused");
        assert_eq!(errors.get(Field::Email), Some(Problem::EmailInvalid));
        assert_eq!(errors.get(Field::Password), Some(Problem::PasswordTooShort));
        assert_eq!(errors.get(Field::ApiUsername), Some(Problem::Required));
        assert_eq!(errors.get(Field::ApiPassword), Some(Problem::Required));
        assert_eq!(errors.get(Field::ApiSignature), Some(Problem::Required));
        assert_eq!(
            errors.get(Field::AcceptTerms),
            Some(Problem::TermsNotAccepted)
        );
    }

    #[test]
    fn a_complete_registration_parses() {
        let input = RegisterInput {
            email: "Bob@example.org".into(),
            password: "correct horse".into(),
            account: AccountInput {
                api_username: " bob_api1.example.org ".into(),
                api_password: "PW".into(),
                api_signature: "SIG".into(),
                ..Default::default()
            },
            accept_terms: true,
        };
        let r = input.parse(&ProviderId::ALL).expect("valid");
        assert_eq!(r.email.as_str(), "bob@example.org");
        assert_eq!(r.account.public_ref(), "bob_api1.example.org");
    }

    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(safe_next("/claims"), Some("/claims"));
        assert_eq!(safe_next("/orders/abc?x=1"), Some("/orders/abc?x=1"));
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "claims",
            "",
            "/a\nb",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_problem_has_a_message_in_both_languages() {
        let all = [
            Problem::Required,
            Problem::TooLong,
            Problem::Invalid,
            Problem::EmailInvalid,
            Problem::EmailTaken,
            Problem::PasswordTooShort,
            Problem::ApiUsernameTaken,
            Problem::TermsNotAccepted,
            Problem::PasswordIncorrect,
            Problem::LoginFailed,
            Problem::ResetLinkInvalid,
            Problem::PspRefusedCredentials,
            Problem::PspUnavailable,
        ];
        for p in all {
            assert_ne!(p.message(Lang::En), p.message(Lang::Fr), "{p:?}");
        }
    }
}
