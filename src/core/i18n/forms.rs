//! What a form field tells the browser so that `static/forms.js` checks it
//! as the user types (issue 21): the rule that applies (`data-check`) and,
//! per problem, the very message the server gives for it (`data-msg-*`),
//! taken from the functions the server itself calls, in the page's
//! language. The script holds no text of its own; each rule mirrors the
//! Rust parser named on its constructor here, and `tests/browser/forms.mjs`
//! proves on a table of inputs that both give the same message.

use std::fmt;

use super::Lang;
use crate::core::account::Problem;
use crate::core::purchase::{BuyProblem, Limits};
use crate::core::receiving::ReceivingProblem;

/// The checks of one field, rendered as HTML attributes by `Display`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldCheck {
    /// The script's name of the rule (`data-check`).
    rule: &'static str,
    /// Whether an empty value is refused (the `required` attribute, which
    /// assistive technologies announce; forms are `novalidate`, so that the
    /// browser never answers in its own words instead of the server's).
    required: bool,
    /// `(problem, message)`: the script's name of a problem and its text.
    messages: Vec<(&'static str, String)>,
    /// Other values the rule needs (the amount's bounds, in cents).
    data: Vec<(&'static str, String)>,
}

impl FieldCheck {
    fn new(rule: &'static str, required: bool, messages: Vec<(&'static str, String)>) -> Self {
        FieldCheck {
            rule,
            required,
            messages,
            data: Vec::new(),
        }
    }

    /// The message shown for `problem`, if the field has one.
    pub fn message(&self, problem: &str) -> Option<&str> {
        self.messages
            .iter()
            .find(|(p, _)| *p == problem)
            .map(|(_, m)| m.as_str())
    }
}

/// Escapes text for a double-quoted HTML attribute value.
fn escape(text: &str, out: &mut fmt::Formatter<'_>) -> fmt::Result {
    for c in text.chars() {
        match c {
            '&' => out.write_str("&amp;")?,
            '<' => out.write_str("&lt;")?,
            '>' => out.write_str("&gt;")?,
            '"' => out.write_str("&quot;")?,
            '\'' => out.write_str("&#39;")?,
            c => write!(out, "{c}")?,
        }
    }
    Ok(())
}

/// ` required data-check="…" data-msg-…="…"`, escaped: templates insert
/// it with `|safe` inside the field's `<input>` tag.
impl fmt::Display for FieldCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.required {
            f.write_str(" required")?;
        }
        write!(f, " data-check=\"{}\"", self.rule)?;
        let named = self.messages.iter().map(|(n, v)| ("msg", n, v));
        let data = self.data.iter().map(|(n, v)| ("", n, v));
        for (prefix, name, value) in named.chain(data) {
            let dash = if prefix.is_empty() { "" } else { "-" };
            write!(f, " data-{prefix}{dash}{name}=\"")?;
            escape(value, f)?;
            f.write_str("\"")?;
        }
        Ok(())
    }
}

/// The checks of the fields of one language's forms.
#[derive(Clone, Copy, Debug)]
pub struct Checks(Lang);

impl Lang {
    /// The field checks, with this language's messages.
    pub fn checks(self) -> Checks {
        Checks(self)
    }
}

impl Checks {
    fn problems(self, list: &[(&'static str, Problem)]) -> Vec<(&'static str, String)> {
        list.iter()
            .map(|(name, p)| (*name, p.message(self.0).to_string()))
            .collect()
    }

    fn receiving(self, rule: &'static str, problem: ReceivingProblem) -> FieldCheck {
        // `receiving::required` first, then the provider's parser.
        let messages = self.problems(&[
            ("required", Problem::Required),
            ("invalid", Problem::Receiving(problem)),
        ]);
        FieldCheck::new(rule, true, messages)
    }

    /// `account::Email::parse`.
    pub fn email(self) -> FieldCheck {
        let messages = self.problems(&[
            ("required", Problem::Required),
            ("too_long", Problem::TooLong),
            ("invalid", Problem::EmailInvalid),
        ]);
        FieldCheck::new("email", true, messages)
    }

    /// `account::Password::parse` (a new password).
    pub fn new_password(self) -> FieldCheck {
        let messages = self.problems(&[
            ("required", Problem::Required),
            ("too_short", Problem::PasswordTooShort),
            ("too_long", Problem::TooLong),
        ]);
        FieldCheck::new("password", true, messages)
    }

    /// A password typed to prove who one is (login, current password):
    /// only its absence is refused before the server compares it.
    pub fn password(self) -> FieldCheck {
        self.filled(Problem::Required.message(self.0))
    }

    /// A field refused only when empty, with the server's `message`
    /// (the refund's password: `RefundTexts::password_required`).
    pub fn filled(self, message: &str) -> FieldCheck {
        FieldCheck::new("filled", true, vec![("required", message.to_string())])
    }

    /// `account::api_field` (PayPal's API username, password, signature).
    pub fn api_field(self) -> FieldCheck {
        let messages = self.problems(&[
            ("required", Problem::Required),
            ("too_long", Problem::TooLong),
            ("invalid", Problem::Invalid),
        ]);
        FieldCheck::new("api", true, messages)
    }

    /// `sips::account::parse`, merchant id.
    pub fn sips_merchant_id(self) -> FieldCheck {
        self.receiving("sips_merchant_id", ReceivingProblem::SipsMerchantId)
    }

    /// `sips::account::parse`, secret key.
    pub fn sips_secret_key(self) -> FieldCheck {
        self.receiving("sips_secret_key", ReceivingProblem::SipsSecretKey)
    }

    /// `sips::account::parse`, key version.
    pub fn sips_key_version(self) -> FieldCheck {
        self.receiving("sips_key_version", ReceivingProblem::SipsKeyVersion)
    }

    /// `monetico::account::check`, TPE (`form::valid_tpe`).
    pub fn monetico_tpe(self) -> FieldCheck {
        self.receiving("monetico_tpe", ReceivingProblem::MoneticoTpe)
    }

    /// `monetico::account::check`, société (`form::valid_societe`).
    pub fn monetico_societe(self) -> FieldCheck {
        self.receiving("monetico_societe", ReceivingProblem::MoneticoSociete)
    }

    /// `monetico::account::check`, key (`key::UsableKey::derive`).
    pub fn monetico_key(self) -> FieldCheck {
        self.receiving("monetico_key", ReceivingProblem::MoneticoKey)
    }

    /// `RegisterInput::parse`: the terms' box must be ticked.
    pub fn terms(self) -> FieldCheck {
        let messages = self.problems(&[("invalid", Problem::TermsNotAccepted)]);
        FieldCheck::new("terms", false, messages)
    }

    /// `isin::Isin::parse`, as `flow::purchase::check` reports it.
    pub fn isin(self, limits: &Limits) -> FieldCheck {
        let invalid = BuyProblem::IsinInvalid.message(self.0, limits);
        FieldCheck::new("isin", true, vec![("invalid", invalid)])
    }

    /// `purchase::parse_amount` (`money::Amount::parse`, then the bounds).
    pub fn amount(self, limits: &Limits) -> FieldCheck {
        let lang = self.0;
        let messages = [
            ("required", BuyProblem::AmountRequired),
            ("invalid", BuyProblem::AmountMalformed),
            ("too_small", BuyProblem::AmountTooSmall),
            ("too_large", BuyProblem::AmountTooLarge),
        ]
        .into_iter()
        .map(|(name, p)| (name, p.message(lang, limits)))
        .collect();
        let mut check = FieldCheck::new("amount", true, messages);
        check.data = vec![
            ("min-cents", limits.min_amount.cents().to_string()),
            ("max-cents", limits.max_amount.cents().to_string()),
        ];
        check
    }

    /// `purchase::parse_rate` (`rules::ProfitRate::parse`).
    pub fn rate(self, limits: &Limits) -> FieldCheck {
        let invalid = BuyProblem::RateMalformed.message(self.0, limits);
        FieldCheck::new("rate", true, vec![("invalid", invalid)])
    }

    /// An API key's name (`routes::account::api_keys::create`): 1 to 100
    /// characters once trimmed.
    pub fn key_name(self) -> FieldCheck {
        let invalid = self.0.texts().account_api_key_name_invalid;
        FieldCheck::new("key_name", true, vec![("invalid", invalid.to_string())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::money::{Amount, Currency};

    fn limits() -> Limits {
        Limits {
            currency: Currency::EUR,
            min_amount: Amount::from_cents(100).expect("cents"),
            max_amount: Amount::from_cents(1_000_000).expect("cents"),
        }
    }

    #[test]
    fn a_field_carries_the_servers_own_message_for_each_problem() {
        let fr = Lang::Fr.checks();
        assert_eq!(
            fr.email().message("invalid"),
            Some(Problem::EmailInvalid.message(Lang::Fr))
        );
        assert_eq!(
            fr.sips_merchant_id().message("invalid"),
            Some(ReceivingProblem::SipsMerchantId.message(Lang::Fr))
        );
        let too_large = BuyProblem::AmountTooLarge.message(Lang::En, &limits());
        assert_eq!(
            Lang::En.checks().amount(&limits()).message("too_large"),
            Some(too_large.as_str())
        );
        assert!(too_large.contains("10,000.00 EUR"), "{too_large}");
    }

    #[test]
    fn the_attributes_are_escaped_and_carry_the_amounts_bounds_in_cents() {
        let html = Lang::Fr.checks().amount(&limits()).to_string();
        assert!(
            html.starts_with(" required data-check=\"amount\""),
            "{html}"
        );
        assert!(html.contains(" data-min-cents=\"100\""), "{html}");
        assert!(html.contains(" data-max-cents=\"1000000\""), "{html}");
        let email = Lang::Fr.checks().email().to_string();
        assert!(email.contains("data-msg-invalid=\"Saisissez"), "{email}");
        // The API field's French "n'est pas valide" comes out escaped.
        let api = Lang::Fr.checks().api_field().to_string();
        assert!(api.contains("n&#39;est") && !api.contains('\''), "{api}");
        let filled = Lang::En.checks().filled("a \"b\" <c> & 'd'").to_string();
        assert_eq!(
            filled,
            " required data-check=\"filled\" \
             data-msg-required=\"a &quot;b&quot; &lt;c&gt; &amp; &#39;d&#39;\""
        );
    }

    #[test]
    fn the_terms_box_is_not_marked_required_and_says_why_it_is_refused() {
        let html = Lang::En.checks().terms().to_string();
        assert!(!html.contains("required"), "{html}");
        assert!(html.contains(Problem::TermsNotAccepted.message(Lang::En)));
    }
}
