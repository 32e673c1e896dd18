//! Placing an order: the title as it stands, the typed amount and rate, and
//! the purchase rules of spec §5 (with each refusal's message in both languages).

use serde::Deserialize;

use crate::core::i18n::Lang;
use crate::core::money::{Amount, Currency};
use crate::core::psp::ProviderId;
use crate::core::rules::{purchase_outcome, Outcome, ProfitRate, ProfitRateError};
use crate::core::sql::{Param, Stmt};

/// The title as it stands, with what its holder's account allows.
#[derive(Deserialize, Debug, Clone)]
pub struct TitleForSale {
    pub title_id: i64,
    pub isin: String,
    pub value_cents: i64,
    pub currency: String,
    pub version: i64,
    pub status: String,
    pub claim_order_id: Option<String>,
    pub holder_id: i64,
    pub holder_email: String,
    pub holder_environment: String,
    /// The provider of the holder's account below.
    pub holder_provider: Option<ProviderId>,
    /// The holder's current receiving account at the provider asked for:
    /// all four `None` when he has none there (see [`TitleForSale::account`]).
    pub holder_credentials_status: Option<String>,
    pub holder_credentials_version: Option<i64>,
    pub holder_api_username: Option<String>,
    pub holder_sealed_secret: Option<String>,
    /// The providers the holder accepts (current accounts, not refused), in
    /// `ProviderId::ALL` order, comma-separated.
    pub holder_providers: Option<String>,
}

/// The title holder's receiving account at one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolderAccount<'a> {
    pub status: &'a str,
    pub version: i64,
    pub public_ref: &'a str,
    pub sealed_secret: &'a str,
}

/// The title with its holder's account at `chosen` (by default the first
/// of `enabled` he accepts), and the providers he accepts.
pub fn title_for_sale(isin: &str, chosen: Option<ProviderId>, enabled: &[ProviderId]) -> Stmt {
    // `,paypal,sips,`: a provider's place in it orders the default choice.
    let order: String = enabled.iter().fold(",".to_string(), |mut list, p| {
        list.push_str(p.as_str());
        list.push(',');
        list
    });
    Stmt::new(
        "SELECT t.id AS title_id, t.isin, t.value_cents, t.currency, t.version, t.status, \
         t.claim_order_id, c.id AS holder_id, c.email AS holder_email, \
         c.psp_environment AS holder_environment, a.provider AS holder_provider, \
         a.status AS holder_credentials_status, \
         a.version AS holder_credentials_version, a.public_ref AS holder_api_username, \
         a.sealed_secret AS holder_sealed_secret, \
         (SELECT group_concat(x.provider) FROM psp_accounts x WHERE x.client_id = c.id \
          AND x.replaced_at IS NULL AND x.status = 'ok') AS holder_providers \
         FROM titles t JOIN clients c ON c.id = t.holder_id \
         LEFT JOIN psp_accounts a ON a.client_id = c.id AND a.replaced_at IS NULL \
         AND a.provider = COALESCE(?2, (SELECT x.provider FROM psp_accounts x \
             WHERE x.client_id = c.id AND x.replaced_at IS NULL \
             AND instr(?3, ',' || x.provider || ',') > 0 \
             ORDER BY x.status != 'ok', instr(?3, ',' || x.provider || ',') LIMIT 1)) \
         WHERE t.isin = ?1",
        vec![
            Param::from(isin),
            Param::from(chosen.map(ProviderId::as_str)),
            Param::from(order),
        ],
    )
}

impl TitleForSale {
    /// The holder's account at the provider the title was read for.
    pub fn account(&self) -> Option<HolderAccount<'_>> {
        Some(HolderAccount {
            status: self.holder_credentials_status.as_deref()?,
            version: self.holder_credentials_version?,
            public_ref: self.holder_api_username.as_deref()?,
            sealed_secret: self.holder_sealed_secret.as_deref()?,
        })
    }

    /// The providers of `enabled` the holder accepts, in that order.
    pub fn accepted(&self, enabled: &[ProviderId]) -> Vec<ProviderId> {
        let listed: Vec<&str> = self
            .holder_providers
            .as_deref()
            .map(|l| l.split(',').collect())
            .unwrap_or_default();
        enabled
            .iter()
            .copied()
            .filter(|p| listed.contains(&p.as_str()))
            .collect()
    }
}

/// Who is buying.
#[derive(Clone, Debug)]
pub struct Buyer {
    pub client_id: i64,
    pub psp_environment: String,
    /// The buyer's own PayPal API username, when he has a PayPal account.
    pub api_username: Option<String>,
}

/// The deployment's bounds on one payment.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub currency: Currency,
    pub min_amount: Amount,
    pub max_amount: Amount,
}

/// Why a purchase cannot be made; each has a message per language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuyProblem {
    IsinInvalid,
    TitleUnknown,
    TitleVoided,
    OwnTitle,
    SamePspAccount,
    OtherCurrency,
    OtherEnvironment,
    SellerCredentialsRefused,
    /// The holder has no receiving account at the provider chosen.
    ProviderNotAccepted,
    TitleBeingPaid,
    AmountRequired,
    AmountMalformed,
    AmountTooSmall,
    AmountTooLarge,
    RateMalformed,
}

/// Which form field a problem belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuyField {
    Isin,
    Amount,
    ProfitRate,
}

impl BuyProblem {
    pub fn field(self) -> BuyField {
        match self {
            BuyProblem::AmountRequired
            | BuyProblem::AmountMalformed
            | BuyProblem::AmountTooSmall
            | BuyProblem::AmountTooLarge => BuyField::Amount,
            BuyProblem::RateMalformed => BuyField::ProfitRate,
            BuyProblem::IsinInvalid
            | BuyProblem::TitleUnknown
            | BuyProblem::TitleVoided
            | BuyProblem::OwnTitle
            | BuyProblem::SamePspAccount
            | BuyProblem::OtherCurrency
            | BuyProblem::OtherEnvironment
            | BuyProblem::SellerCredentialsRefused
            | BuyProblem::ProviderNotAccepted
            | BuyProblem::TitleBeingPaid => BuyField::Isin,
        }
    }

    /// Whether the answer is 404 (no such title) rather than 422.
    pub fn is_not_found(self) -> bool {
        self == BuyProblem::TitleUnknown
    }

    pub fn message(self, lang: Lang, limits: &Limits) -> String {
        let (min, max) = (
            limits.min_amount.format(lang),
            limits.max_amount.format(lang),
        );
        let currency = limits.currency;
        match (self, lang) {
            (BuyProblem::IsinInvalid, Lang::En) => "This is not a valid ISIN.".into(),
            (BuyProblem::IsinInvalid, Lang::Fr) => "Ce n'est pas un ISIN valide.".into(),
            (BuyProblem::TitleUnknown, Lang::En) => "No title has this ISIN here.".into(),
            (BuyProblem::TitleUnknown, Lang::Fr) => "Aucun titre n'a cet ISIN ici.".into(),
            (BuyProblem::TitleVoided, Lang::En) => "This title was voided: it cannot be bought.".into(),
            (BuyProblem::TitleVoided, Lang::Fr) => "Ce titre a été annulé : il ne peut pas être acheté.".into(),
            (BuyProblem::OwnTitle, Lang::En) => "You hold this title: you cannot buy it from yourself.".into(),
            (BuyProblem::OwnTitle, Lang::Fr) => "Vous détenez ce titre : vous ne pouvez pas l'acheter à vous-même.".into(),
            (BuyProblem::SamePspAccount, Lang::En) => "The holder uses your own PayPal account: you cannot pay yourself.".into(),
            (BuyProblem::SamePspAccount, Lang::Fr) => "Le détenteur utilise votre propre compte PayPal : vous ne pouvez pas vous payer vous-même.".into(),
            (BuyProblem::OtherCurrency, Lang::En) => format!("This title is not in {currency}: it cannot be bought here."),
            (BuyProblem::OtherCurrency, Lang::Fr) => format!("Ce titre n'est pas en {currency} : il ne peut pas être acheté ici."),
            (BuyProblem::OtherEnvironment, Lang::En) => "The holder's PayPal account is in another environment (test or real) than yours.".into(),
            (BuyProblem::OtherEnvironment, Lang::Fr) => "Le compte PayPal du détenteur est dans un autre environnement (test ou réel) que le vôtre.".into(),
            (BuyProblem::SellerCredentialsRefused, Lang::En) => "The holder's PayPal credentials no longer work: this title cannot be bought until they update them.".into(),
            (BuyProblem::SellerCredentialsRefused, Lang::Fr) => "Les identifiants PayPal du détenteur ne fonctionnent plus : ce titre ne peut pas être acheté tant qu'il ne les a pas mis à jour.".into(),
            (BuyProblem::TitleBeingPaid, Lang::En) => "A payment for this title is being executed right now. Try again later.".into(),
            (BuyProblem::TitleBeingPaid, Lang::Fr) => "Un paiement pour ce titre est en cours. Réessayez plus tard.".into(),
            (BuyProblem::AmountRequired, Lang::En) => "Enter the amount you pay.".into(),
            (BuyProblem::AmountRequired, Lang::Fr) => "Saisissez le montant que vous payez.".into(),
            (BuyProblem::AmountMalformed, Lang::En) => "Enter an amount such as 12.30 or 12,30: digits, at most 2 decimals, no sign or symbol.".into(),
            (BuyProblem::AmountMalformed, Lang::Fr) => "Saisissez un montant comme 12,30 ou 12.30 : des chiffres, au plus 2 décimales, sans signe ni symbole.".into(),
            (BuyProblem::AmountTooSmall, Lang::En) => format!("The amount must be at least {min} {currency}."),
            (BuyProblem::AmountTooSmall, Lang::Fr) => format!("Le montant doit être d'au moins {min} {currency}."),
            (BuyProblem::AmountTooLarge, Lang::En) => format!("The amount must be at most {max} {currency} (one payment); buy a larger title in parts."),
            (BuyProblem::AmountTooLarge, Lang::Fr) => format!("Le montant doit être d'au plus {max} {currency} (un paiement) ; achetez un titre plus grand par parties."),
            (BuyProblem::ProviderNotAccepted, Lang::En) => "The holder of this title is not paid this way: choose another way to pay.".into(),
            (BuyProblem::ProviderNotAccepted, Lang::Fr) => "Le détenteur de ce titre n'est pas payé de cette façon : choisissez un autre moyen de paiement.".into(),
            (BuyProblem::RateMalformed, Lang::En) => "Enter a whole profit rate from 0 to 100.".into(),
            (BuyProblem::RateMalformed, Lang::Fr) => "Saisissez un taux de profit entier de 0 à 100.".into(),
        }
    }
}

/// A purchase that passed every rule: what to write as an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedPurchase {
    pub title_id: i64,
    pub isin: String,
    pub seller_id: i64,
    pub title_version: i64,
    pub title_value: Amount,
    pub amount: Amount,
    pub rate: ProfitRate,
    pub outcome: Outcome,
    pub seller_credentials_version: i64,
}

/// Parses the typed amount (the spec's pattern, then the bounds).
pub fn parse_amount(typed: &str, limits: &Limits) -> Result<Amount, BuyProblem> {
    let amount = Amount::parse(typed).map_err(|e| match e {
        crate::core::money::AmountError::Empty => BuyProblem::AmountRequired,
        crate::core::money::AmountError::Malformed => BuyProblem::AmountMalformed,
    })?;
    if amount < limits.min_amount {
        Err(BuyProblem::AmountTooSmall)
    } else if amount > limits.max_amount {
        Err(BuyProblem::AmountTooLarge)
    } else {
        Ok(amount)
    }
}

/// A POSTed rate: omitted means 100; empty or not an integer 0..=100 is
/// refused.
pub fn parse_rate(typed: Option<&str>) -> Result<ProfitRate, BuyProblem> {
    match typed {
        None => Ok(ProfitRate::DEFAULT),
        Some(text) => ProfitRate::parse(text).map_err(|e| match e {
            ProfitRateError::Empty
            | ProfitRateError::NotAnInteger
            | ProfitRateError::OutOfRange => BuyProblem::RateMalformed,
        }),
    }
}

/// Applies the purchase rules to the title as it stands, paid through
/// `provider`.
pub fn plan(
    buyer: &Buyer,
    title: &TitleForSale,
    provider: ProviderId,
    amount: Amount,
    rate: ProfitRate,
    limits: &Limits,
) -> Result<PlannedPurchase, BuyProblem> {
    if title.status != "active" {
        return Err(BuyProblem::TitleVoided);
    }
    if title.holder_id == buyer.client_id {
        return Err(BuyProblem::OwnTitle);
    }
    let Some(account) = title.account() else {
        return Err(BuyProblem::ProviderNotAccepted);
    };
    // A card buyer needs no account at the bank; with PayPal, never pay
    // with the seller's own account.
    if provider == ProviderId::Paypal && buyer.api_username.as_deref() == Some(account.public_ref) {
        return Err(BuyProblem::SamePspAccount);
    }
    if title.currency != limits.currency.as_str() {
        return Err(BuyProblem::OtherCurrency);
    }
    if title.holder_environment != buyer.psp_environment {
        return Err(BuyProblem::OtherEnvironment);
    }
    if account.status != "ok" {
        return Err(BuyProblem::SellerCredentialsRefused);
    }
    if title.claim_order_id.is_some() {
        return Err(BuyProblem::TitleBeingPaid);
    }
    // `titles.value_cents` is CHECK (>= 0): never below zero.
    let value = Amount::from_cents(title.value_cents).unwrap_or(Amount::ZERO);
    Ok(PlannedPurchase {
        title_id: title.title_id,
        isin: title.isin.clone(),
        seller_id: title.holder_id,
        title_version: title.version,
        title_value: value,
        amount,
        rate,
        outcome: purchase_outcome(value, amount, rate),
        seller_credentials_version: account.version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            currency: Currency::EUR,
            min_amount: Amount::from_cents(100).unwrap_or_default(),
            max_amount: Amount::from_cents(1_000_000).unwrap_or_default(),
        }
    }

    fn title() -> TitleForSale {
        TitleForSale {
            title_id: 7,
            isin: "ZZ0000000001".into(),
            value_cents: 500,
            currency: "EUR".into(),
            version: 3,
            status: "active".into(),
            claim_order_id: None,
            holder_id: 1,
            holder_email: "alice@example.org".into(),
            holder_environment: "emulator".into(),
            holder_provider: Some(ProviderId::Paypal),
            holder_credentials_status: Some("ok".into()),
            holder_credentials_version: Some(2),
            holder_api_username: Some("alice_api1.example.org".into()),
            holder_sealed_secret: Some("v1.x".into()),
            holder_providers: Some("paypal".into()),
        }
    }

    fn buyer() -> Buyer {
        Buyer {
            client_id: 2,
            psp_environment: "emulator".into(),
            api_username: Some("bob_api1.example.org".into()),
        }
    }

    fn amount(cents: i64) -> Amount {
        Amount::from_cents(cents).unwrap_or_default()
    }

    #[test]
    fn a_valid_purchase_is_bound_to_the_title_as_it_is() {
        let plan = plan(
            &buyer(),
            &title(),
            ProviderId::Paypal,
            amount(200),
            ProfitRate::DEFAULT,
            &limits(),
        )
        .expect("allowed");
        assert_eq!(plan.title_version, 3);
        assert_eq!(plan.title_value, amount(500));
        assert_eq!(plan.seller_id, 1);
        assert_eq!(plan.seller_credentials_version, 2);
        assert_eq!(
            plan.outcome,
            Outcome::Split {
                new_value: amount(400),
                seller_value: amount(300)
            }
        );
    }

    #[test]
    fn the_rules_refuse_each_forbidden_purchase() {
        let l = limits();
        let r = ProfitRate::DEFAULT;
        let mut own = title();
        own.holder_id = 2;
        assert_eq!(
            plan(&buyer(), &own, ProviderId::Paypal, amount(100), r, &l),
            Err(BuyProblem::OwnTitle)
        );
        let mut same_account = title();
        same_account.holder_api_username = Some("bob_api1.example.org".into());
        assert_eq!(
            plan(
                &buyer(),
                &same_account,
                ProviderId::Paypal,
                amount(100),
                r,
                &l
            ),
            Err(BuyProblem::SamePspAccount)
        );
        let mut usd = title();
        usd.currency = "USD".into();
        assert_eq!(
            plan(&buyer(), &usd, ProviderId::Paypal, amount(100), r, &l),
            Err(BuyProblem::OtherCurrency)
        );
        let mut live = title();
        live.holder_environment = "live".into();
        assert_eq!(
            plan(&buyer(), &live, ProviderId::Paypal, amount(100), r, &l),
            Err(BuyProblem::OtherEnvironment)
        );
        let mut refused = title();
        refused.holder_credentials_status = Some("refused".into());
        assert_eq!(
            plan(&buyer(), &refused, ProviderId::Paypal, amount(100), r, &l),
            Err(BuyProblem::SellerCredentialsRefused)
        );
        let mut claimed = title();
        claimed.claim_order_id = Some("other".into());
        assert_eq!(
            plan(&buyer(), &claimed, ProviderId::Paypal, amount(100), r, &l),
            Err(BuyProblem::TitleBeingPaid)
        );
        let mut voided = title();
        voided.status = "voided".into();
        assert_eq!(
            plan(&buyer(), &voided, ProviderId::Paypal, amount(100), r, &l),
            Err(BuyProblem::TitleVoided)
        );
    }

    #[test]
    fn a_holder_without_an_account_at_the_chosen_provider_is_not_paid_that_way() {
        let mut paypal_only = title();
        paypal_only.holder_credentials_status = None;
        paypal_only.holder_credentials_version = None;
        paypal_only.holder_api_username = None;
        paypal_only.holder_sealed_secret = None;
        let r = ProfitRate::DEFAULT;
        assert_eq!(
            plan(
                &buyer(),
                &paypal_only,
                ProviderId::Sips,
                amount(100),
                r,
                &limits()
            ),
            Err(BuyProblem::ProviderNotAccepted)
        );
        assert_eq!(title().accepted(&ProviderId::ALL), vec![ProviderId::Paypal]);
    }

    #[test]
    fn a_card_buyer_may_share_the_sellers_paypal_username_since_no_paypal_account_pays() {
        let mut same = title();
        same.holder_api_username = Some("bob_api1.example.org".into());
        let r = ProfitRate::DEFAULT;
        assert!(plan(&buyer(), &same, ProviderId::Sips, amount(100), r, &limits()).is_ok());
    }

    #[test]
    fn amounts_respect_the_pattern_and_the_bounds() {
        let l = limits();
        assert_eq!(parse_amount("1,20", &l), Ok(amount(120)));
        assert_eq!(parse_amount("0.99", &l), Err(BuyProblem::AmountTooSmall));
        assert_eq!(
            parse_amount("10000.01", &l),
            Err(BuyProblem::AmountTooLarge)
        );
        assert_eq!(parse_amount("", &l), Err(BuyProblem::AmountRequired));
        assert_eq!(parse_amount("-5", &l), Err(BuyProblem::AmountMalformed));
        assert_eq!(parse_amount("1.234", &l), Err(BuyProblem::AmountMalformed));
    }

    #[test]
    fn an_omitted_rate_means_100_and_an_empty_one_is_refused() {
        assert_eq!(parse_rate(None), Ok(ProfitRate::DEFAULT));
        assert_eq!(parse_rate(Some("")), Err(BuyProblem::RateMalformed));
        assert_eq!(parse_rate(Some("2.5")), Err(BuyProblem::RateMalformed));
        assert_eq!(parse_rate(Some("7")).map(ProfitRate::percent), Ok(7));
    }

    #[test]
    fn every_problem_speaks_both_languages() {
        let all = [
            BuyProblem::IsinInvalid,
            BuyProblem::TitleUnknown,
            BuyProblem::TitleVoided,
            BuyProblem::OwnTitle,
            BuyProblem::SamePspAccount,
            BuyProblem::OtherCurrency,
            BuyProblem::OtherEnvironment,
            BuyProblem::SellerCredentialsRefused,
            BuyProblem::TitleBeingPaid,
            BuyProblem::AmountRequired,
            BuyProblem::AmountMalformed,
            BuyProblem::AmountTooSmall,
            BuyProblem::AmountTooLarge,
            BuyProblem::RateMalformed,
        ];
        for p in all {
            assert_ne!(
                p.message(Lang::En, &limits()),
                p.message(Lang::Fr, &limits()),
                "{p:?}"
            );
        }
        assert!(BuyProblem::AmountTooSmall
            .message(Lang::Fr, &limits())
            .contains("1,00 EUR"));
    }
}
