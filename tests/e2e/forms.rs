//! The forms check as the user types, with the server's own messages
//! (issue 21): `tests/browser/forms.mjs` types a table of bad values into
//! the register, login, password reset, buy, account and refund forms in
//! Chromium with JavaScript, and sends the same values from a Chromium
//! without it, in English and in French, and requires the same words on
//! both sides. This side registers the buyer, a seller whose title the buy
//! form names and a payer whose order the seller may refund, and checks
//! that the script is served as the pages name it.

use crate::flows::{register, PASSWORD};
use crate::purchase::{buy, titles};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "forms::typed_values_get_the_servers_message_before_sending_in_both_languages_and_without_javascript_the_same",
            typed_values_get_the_servers_message_before_sending_in_both_languages_and_without_javascript_the_same,
        ),
        (
            "forms::the_forms_script_is_served_from_the_worker_with_a_versioned_url_and_a_long_cache",
            the_forms_script_is_served_from_the_worker_with_a_versioned_url_and_a_long_cache,
        ),
    ]
}

fn typed_values_get_the_servers_message_before_sending_in_both_languages_and_without_javascript_the_same(
    world: &World,
) {
    let server = &world.server;
    let seller = register(server, "forms-seller", "20.00");
    let buyer = register(server, "forms-buyer", "20.00");
    let isin = titles(&seller)[0].0.clone();
    // A paid order the seller may refund (a split: he keeps the title).
    let payer = register(server, "forms-payer", "20.00");
    let order = buy(world, &payer, &isin, "1.00", "100");
    assert_eq!(order["code"], 2, "{order}");
    let input = serde_json::json!({
        "base": server.base_url,
        "email": buyer.email,
        "password": PASSWORD,
        "isin": isin,
        "seller": seller.email,
        "order": order["id"],
    });
    crate::browser::run_script("forms.mjs", &input);
}

fn the_forms_script_is_served_from_the_worker_with_a_versioned_url_and_a_long_cache(world: &World) {
    let client = world.server.client();
    let page = client.get("/login");
    let start = page
        .body
        .find("/static/forms.js?v=")
        .expect("the page names the forms script");
    let url: String = page.body[start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let script = client.get(&url);
    assert_eq!(script.status, 200);
    assert_eq!(
        script.header("Content-Type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(
        script.header("Cache-Control"),
        Some("public, max-age=31536000, immutable")
    );
    let csp = script.header("Content-Security-Policy").unwrap_or_default();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(
        script.body.contains("data-check"),
        "the script reads the fields' checks"
    );
    assert!(
        !script.body.contains("This field is required"),
        "the script holds no text of its own"
    );
}
