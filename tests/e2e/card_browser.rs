//! A purchase by card through the emulated Sips in a real headless
//! Chromium, in French (`tests/browser/card_purchase.mjs`, the script the
//! Monetico browser test runs too): the buy preview's Sips button, the
//! checkout form posted to the bank by itself, the card page, the manual
//! response auto-posted back by the browser, the order processed; a
//! screenshot is kept in `test-artifacts/sips-purchase-fr.png`. The
//! driver, [`buy_in_chromium`], serves Monetico's browser test too.

use crate::flows::{register, PASSWORD};
use crate::harness::{root, Server};
use crate::purchase::titles;
use crate::sips_purchase::register_with_sips;
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![(
        "card_browser::a_sips_card_purchase_in_french_in_chromium",
        a_sips_card_purchase_in_french_in_chromium,
    )]
}

fn a_sips_card_purchase_in_french_in_chromium(world: &World) {
    let server = &world.server;
    let seller = register_with_sips(server, "sips-browser-seller");
    let buyer = register(server, "sips-browser-buyer", "10.00");
    let isin = seller.client.get_json("/claims").json()["titles"][0]["isin"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!isin.is_empty(), "the seller holds a title");
    buy_in_chromium(server, &buyer.email, &isin, "sips");
    // What the browser did, seen from the server and the bank.
    let merchant = server.client().get_json(&format!(
        "/_emulator/sips/accounts?email={}",
        seller.merchant_email.replace('@', "%40")
    ));
    assert_eq!(merchant.json()["balance"], "1.00", "captured once, whole");
    assert!(
        titles(&buyer).iter().any(|(i, _)| *i == isin),
        "the title passed"
    );
}

/// Runs `tests/browser/card_purchase.mjs`: the buyer `email` (password
/// [`PASSWORD`]) buys `isin` for 1,00 by card with `provider` in Chromium;
/// the screenshot is `test-artifacts/{provider}-purchase-fr.png`.
pub fn buy_in_chromium(server: &Server, email: &str, isin: &str, provider: &str) {
    let screenshot = root().join(format!("test-artifacts/{provider}-purchase-fr.png"));
    let _ = std::fs::remove_file(&screenshot);
    let input = serde_json::json!({
        "base": server.base_url,
        "email": email,
        "password": PASSWORD,
        "isin": isin,
        "provider": provider,
        "screenshot": screenshot,
    });
    crate::browser::run_script("card_purchase.mjs", &input);
    assert!(screenshot.exists(), "screenshot kept");
}
