//! Accessible pages (issue 21): `tests/browser/a11y.mjs` runs axe-core
//! (npm, WCAG 2.1 A and AA rules) in a real headless Chromium on every
//! page a user meets, in English and in French, and fills the login and
//! buy forms with the keyboard alone. This side registers the people the
//! pages need: a PayPal seller, a Sips seller, a Monetico seller, a buyer
//! and the operator of `ADMIN_EMAILS`.

use crate::flows::{login, paypal_account, post_register, register, PASSWORD};
use crate::harness::{unique_email, Client, Server};
use crate::monetico_purchase::monetico_seller;
use crate::purchase::titles;
use crate::sips_purchase::register_with_sips;
use crate::{Test, World};

/// The operator `tests/e2e/main.rs` puts in `ADMIN_EMAILS`.
const OPERATOR: &str = "operator@paybook.test";

pub fn tests() -> Vec<Test> {
    vec![(
        "accessibility::every_page_has_no_wcag_21_aa_violation_in_both_languages_and_forms_work_by_keyboard",
        every_page_has_no_wcag_21_aa_violation_in_both_languages_and_forms_work_by_keyboard,
    )]
}

fn every_page_has_no_wcag_21_aa_violation_in_both_languages_and_forms_work_by_keyboard(
    world: &World,
) {
    let server = &world.server;
    let buyer = register(server, "a11y-buyer", "50.00");
    // Each language buys from its own sellers: a purchase may pass the
    // title to the buyer, and a card order left at the bank holds its title.
    let titles_by_lang = serde_json::json!({
        "en": sellers_titles(server, "en"),
        "fr": sellers_titles(server, "fr"),
    });
    let operator = server.client();
    let account = paypal_account(server, &unique_email("pp-a11y-op"), "10.00");
    if post_register(&operator, OPERATOR, PASSWORD, &account).status != 303 {
        assert_eq!(
            login(&operator, OPERATOR, PASSWORD).status,
            303,
            "operator login"
        );
    }
    let input = serde_json::json!({
        "base": server.base_url,
        "email": buyer.email,
        "password": PASSWORD,
        "paypal_email": buyer.paypal.email,
        "titles": titles_by_lang,
        "operator": OPERATOR,
    });
    crate::browser::run_script("a11y.mjs", &input);
}

/// The ISIN a new PayPal seller, a new Sips seller and a new Monetico
/// seller each hold, for the pages of one language.
fn sellers_titles(server: &Server, lang: &str) -> serde_json::Value {
    let first_isin = |client: &Client| {
        client.get_json("/claims").json()["titles"][0]["isin"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let paypal = register(server, &format!("a11y-{lang}-seller"), "20.00");
    let sips = register_with_sips(server, &format!("a11y-{lang}-sips"));
    let (monetico, _bank) = monetico_seller(server, &format!("a11y-{lang}-monetico"));
    let isins = serde_json::json!({
        "paypal": titles(&paypal)[0].0,
        "sips": first_isin(&sips.client),
        "monetico": first_isin(&monetico.client),
    });
    for provider in ["paypal", "sips", "monetico"] {
        assert!(
            isins[provider].as_str().is_some_and(|i| !i.is_empty()),
            "{provider} seller holds a title"
        );
    }
    isins
}
