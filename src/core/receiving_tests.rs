//! Receiving accounts as typed: the provider chosen among the enabled
//! ones, each provider's fields parsed with a problem per field.

use super::*;

const KEY: &str = "0123456789ABCDEF0123456789ABCDEF01234567";

fn input(fields: &[(&str, &str)]) -> AccountInput {
    AccountInput::read(|name| {
        fields
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(String::new(), |(_, v)| (*v).to_string())
    })
}

fn parsed(fields: &[(&str, &str)]) -> Result<TypedAccount, FormErrors> {
    let mut errors = FormErrors::default();
    match input(fields).parse(&ProviderId::ALL, &mut errors) {
        Some(account) if errors.is_empty() => Ok(account),
        Some(_) | None => Err(errors),
    }
}

#[test]
fn paypal_is_the_default_provider_when_it_is_enabled_else_the_first_enabled() {
    let none = input(&[]);
    assert_eq!(none.provider(&ProviderId::ALL), Ok(ProviderId::Paypal));
    assert_eq!(
        none.provider(&[ProviderId::Monetico, ProviderId::Sips]),
        Ok(ProviderId::Monetico)
    );
}

#[test]
fn a_provider_not_enabled_or_unknown_is_refused_on_the_psp_field() {
    let sips = input(&[("psp", "sips")]);
    assert_eq!(
        sips.provider(&[ProviderId::Paypal]),
        Err(Problem::Receiving(ReceivingProblem::NotOffered))
    );
    let errors = parsed(&[("psp", "stripe")]).expect_err("refused");
    assert_eq!(
        errors.get(Field::Psp),
        Some(Problem::Receiving(ReceivingProblem::NotOffered))
    );
}

#[test]
fn a_monetico_account_parses_and_only_its_fields_are_read() {
    let account = parsed(&[
        ("psp", "monetico"),
        ("monetico_tpe", "1234567"),
        ("monetico_societe", "monSite1"),
        ("monetico_key", KEY),
        ("api_username", "ignored user name with spaces"),
    ])
    .expect("valid");
    assert_eq!(account.provider(), ProviderId::Monetico);
    assert_eq!(account.public_ref(), "1234567");
}

#[test]
fn a_bad_monetico_key_is_named_on_its_field() {
    let errors = parsed(&[
        ("psp", "monetico"),
        ("monetico_tpe", "1234567"),
        ("monetico_societe", "monSite1"),
        ("monetico_key", "0123"),
    ])
    .expect_err("refused");
    assert_eq!(
        errors.get(Field::MoneticoKey),
        Some(Problem::Receiving(ReceivingProblem::MoneticoKey))
    );
    assert_eq!(Field::MoneticoKey.name(), "monetico_key");
}

#[test]
fn every_empty_field_of_the_chosen_provider_is_required() {
    let errors = parsed(&[("psp", "sips")]).expect_err("refused");
    for field in [
        Field::SipsMerchantId,
        Field::SipsSecretKey,
        Field::SipsKeyVersion,
    ] {
        assert_eq!(errors.get(field), Some(Problem::Required), "{field:?}");
    }
    assert_eq!(errors.get(Field::ApiUsername), None, "PayPal's not read");
}

#[test]
fn a_sips_account_parses_and_a_short_merchant_id_is_named() {
    let account = parsed(&[
        ("psp", "sips"),
        ("sips_merchant_id", "002001000000001"),
        ("sips_secret_key", "002001000000001_KEY1"),
        ("sips_key_version", "1"),
    ])
    .expect("valid");
    assert_eq!(account.public_ref(), "002001000000001");
    let errors = parsed(&[
        ("psp", "sips"),
        ("sips_merchant_id", "12345"),
        ("sips_secret_key", "k"),
        ("sips_key_version", "1"),
    ])
    .expect_err("refused");
    assert_eq!(
        errors.get(Field::SipsMerchantId),
        Some(Problem::Receiving(ReceivingProblem::SipsMerchantId))
    );
}

#[test]
fn paypal_credentials_parse_as_before() {
    let account = parsed(&[
        ("api_username", " bob_api1.example.org "),
        ("api_password", "PW"),
        ("api_signature", "SIG"),
    ])
    .expect("valid");
    assert_eq!(account.public_ref(), "bob_api1.example.org");
}

#[test]
fn secrets_are_never_printed() {
    let typed = input(&[
        ("api_password", "PW-SECRET"),
        ("sips_secret_key", "SIPS-SECRET"),
        ("monetico_key", KEY),
    ]);
    let shown = format!("{typed:?}");
    assert!(!shown.contains("PW-SECRET") && !shown.contains("SIPS-SECRET") && !shown.contains(KEY));
}

/// One account of each kind, as typed.
fn one_of_each() -> Vec<TypedAccount> {
    let credentials = parsed(&[
        ("api_username", "bob_api1.example.org"),
        ("api_password", "PW"),
        ("api_signature", "SIG"),
    ]);
    let sips = parsed(&[
        ("psp", "sips"),
        ("sips_merchant_id", "002001000000001"),
        ("sips_secret_key", "002001000000001_KEY1"),
        ("sips_key_version", "1"),
    ]);
    let monetico = parsed(&[
        ("psp", "monetico"),
        ("monetico_tpe", "1234567"),
        ("monetico_societe", "monSite1"),
        ("monetico_key", KEY),
    ]);
    let mut accounts: Vec<TypedAccount> = [credentials, sips, monetico]
        .into_iter()
        .map(|a| a.expect("valid"))
        .collect();
    accounts.push(TypedAccount::PaypalGranted("bob@example.org".into()));
    accounts
}

#[test]
fn each_kind_of_account_is_named_taken_on_its_own_field_in_its_own_words() {
    let named: Vec<(&str, Problem)> = one_of_each()
        .iter()
        .map(|a| (public_field(a).name(), taken(a)))
        .collect();
    assert_eq!(
        named,
        [
            ("api_username", Problem::ApiUsernameTaken),
            (
                "sips_merchant_id",
                Problem::Receiving(ReceivingProblem::MerchantIdTaken)
            ),
            (
                "monetico_tpe",
                Problem::Receiving(ReceivingProblem::TpeTaken)
            ),
            // By permission, the e-mail is all the seller typed: it is the
            // field at fault, not API credentials he never saw.
            (
                "paypal_email",
                Problem::Receiving(ReceivingProblem::PaypalEmailTaken)
            ),
        ]
    );
    for account in one_of_each() {
        let provider = account.provider();
        for problem in [taken(&account), refused(provider), unreachable(provider)] {
            assert_ne!(problem.message(Lang::En), problem.message(Lang::Fr));
        }
    }
}
