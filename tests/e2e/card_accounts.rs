//! Sellers' receiving accounts at card providers, end to end (spec
//! `providers.md` §2): registering with a Monetico account (checked for its
//! format only, unique TPE), logging in with it, `/account` listing, adding,
//! replacing and removing accounts (never the last one), and a card-only
//! seller's titles offered on `/buy` with a card button.

use std::sync::atomic::{AtomicU64, Ordering};

use paybook::core::crypto;
use paybook::core::sealing::{Binding, Keyring, SealingKey};

use crate::flows::{csrf, login, register, Member, PASSWORD};
use crate::harness::{
    apply_migrations, fresh_state_dir, register_monetico_seller, register_sips_seller,
    unique_email, Client, Resp, Server,
};
use crate::purchase::titles;
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "card_accounts::a_seller_registers_with_a_monetico_account_and_logs_in_with_it",
            a_seller_registers_with_a_monetico_account_and_logs_in_with_it,
        ),
        (
            "card_accounts::a_bad_monetico_key_or_a_taken_tpe_is_refused_naming_the_field",
            a_bad_monetico_key_or_a_taken_tpe_is_refused_naming_the_field,
        ),
        (
            "card_accounts::the_register_form_offers_each_provider_with_its_emulator_link",
            the_register_form_offers_each_provider_with_its_emulator_link,
        ),
        (
            "card_accounts::a_paypal_client_adds_replaces_and_removes_a_monetico_account",
            a_paypal_client_adds_replaces_and_removes_a_monetico_account,
        ),
        (
            "card_accounts::the_last_receiving_account_cannot_be_removed",
            the_last_receiving_account_cannot_be_removed,
        ),
        (
            "card_accounts::a_monetico_only_seller_is_offered_with_a_card_button_on_buy",
            a_monetico_only_seller_is_offered_with_a_card_button_on_buy,
        ),
        (
            "card_accounts::a_403_shows_the_forms_again_with_the_chosen_provider_and_no_secret",
            a_403_shows_the_forms_again_with_the_chosen_provider_and_no_secret,
        ),
        (
            "card_accounts::only_the_enabled_providers_are_offered_the_first_by_default",
            only_the_enabled_providers_are_offered_the_first_by_default,
        ),
        (
            "card_accounts::sellers_register_with_the_card_emulators_merchants",
            sellers_register_with_the_card_emulators_merchants,
        ),
        (
            "card_accounts::a_card_account_is_sealed_for_its_row_and_resealed_after_a_key_rotation",
            a_card_account_is_sealed_for_its_row_and_resealed_after_a_key_rotation,
        ),
    ]
}

/// A Monetico account as a seller types it: a fresh TPE, a société and a
/// 40-hex key (the emulator's shape).
struct Monetico {
    tpe: String,
    societe: String,
    key: String,
}

fn monetico(label: &str) -> Monetico {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let seed = format!("{label}-{}-{n}", std::process::id());
    let hex = crypto::sha256_hex(seed.as_bytes()).to_uppercase();
    Monetico {
        tpe: format!("T{}", &hex[..6]),
        societe: format!("site{n}"),
        key: hex[..40].to_string(),
    }
}

fn register_monetico(client: &Client, email: &str, account: &Monetico) -> Resp {
    let token = csrf(client, "/register");
    client.post_form(
        "/register",
        &[
            ("csrf_token", &token),
            ("email", email),
            ("password", PASSWORD),
            ("psp", "monetico"),
            ("monetico_tpe", &account.tpe),
            ("monetico_societe", &account.societe),
            ("monetico_key", &account.key),
            ("accept_terms", "on"),
        ],
    )
}

/// POST /account with `fields` (the CSRF token and current password added).
fn post_account(client: &Client, fields: &[(&str, &str)]) -> Resp {
    let token = csrf(client, "/login");
    let mut form = vec![
        ("csrf_token", token.as_str()),
        ("current_password", PASSWORD),
    ];
    form.extend_from_slice(fields);
    client.post_form("/account", &form)
}

fn add_monetico(client: &Client, account: &Monetico) -> Resp {
    post_account(
        client,
        &[
            ("action", "psp_account"),
            ("psp", "monetico"),
            ("monetico_tpe", &account.tpe),
            ("monetico_societe", &account.societe),
            ("monetico_key", &account.key),
        ],
    )
}

/// `/account`'s receiving accounts: (psp, public_ref, status).
fn psp_accounts(client: &Client) -> Vec<(String, String, String)> {
    let r = client.get_json("/account");
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    j["psp_accounts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|a| {
            let s = |k: &str| a[k].as_str().unwrap_or_default().to_string();
            (s("psp"), s("public_ref"), s("status"))
        })
        .collect()
}

fn a_seller_registers_with_a_monetico_account_and_logs_in_with_it(world: &World) {
    let email = unique_email("mon-reg");
    let account = monetico("reg");
    let client = world.server.client();
    let r = register_monetico(&client, &email, &account);
    assert_eq!(r.status, 303, "{}", r.body);
    let (provider, public_ref, sealed): (String, String, String) = world
        .server
        .db()
        .query_row(
            "SELECT a.provider, a.public_ref, a.sealed_secret FROM psp_accounts a \
             JOIN clients c ON c.id = a.client_id WHERE c.email = ?1",
            [&email],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("the one account stored");
    assert_eq!(
        (provider.as_str(), public_ref.as_str()),
        ("monetico", account.tpe.as_str())
    );
    assert!(sealed.starts_with("v2."), "sealed: {sealed}");
    assert!(!sealed.contains(&account.key) && !sealed.contains(&account.societe));
    // Signed in at once, and again from another browser.
    assert_eq!(
        psp_accounts(&client),
        vec![("monetico".into(), account.tpe.clone(), "ok".into())]
    );
    let browser = world.server.client();
    let r = login(&browser, &email, PASSWORD);
    assert_eq!(r.status, 303, "a card-only client logs in: {}", r.body);
    let me = browser.get_json("/account").json();
    assert!(me["api_username"].is_null(), "no PayPal account: {me}");
    let page = browser.get("/account?lang=en");
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("id=\"psp-account-monetico\""),
        "{}",
        page.body
    );
    assert!(page.body.contains(&account.tpe));
    assert!(!page.body.contains(&account.key), "never a secret");
    // No PayPal balance to ask for: the claims page answers without one.
    let claims = browser.get_json("/claims");
    assert_eq!(claims.status, 200);
    let claims = claims.json();
    assert!(
        claims["psp_balance"].is_null() && claims["psp_error"].is_null(),
        "{claims}"
    );
    assert_eq!(browser.get("/claims").status, 200);
}

fn a_bad_monetico_key_or_a_taken_tpe_is_refused_naming_the_field(world: &World) {
    let client = world.server.client();
    let email = unique_email("mon-bad");
    let mut account = monetico("bad");
    let good_key = std::mem::replace(&mut account.key, "0123".into());
    let r = register_monetico(&client, &email, &account);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("id=\"monetico_key-error\""), "{}", r.body);
    assert!(r
        .body
        .contains("The Monetico key is the 40 hexadecimal characters"));
    assert!(
        r.body.contains(&format!("value=\"{}\"", account.tpe)),
        "TPE kept"
    );
    assert!(
        r.body.contains("value=\"monetico\" checked"),
        "Monetico still chosen"
    );
    assert!(
        !r.body.contains("value=\"0123\""),
        "the key is never sent back"
    );
    let stored: i64 = world
        .server
        .db()
        .query_row(
            "SELECT COUNT(*) FROM clients WHERE email = ?1",
            [&email],
            |r| r.get(0),
        )
        .unwrap_or(-1);
    assert_eq!(stored, 0, "nothing saved");
    account.key = good_key;
    assert_eq!(register_monetico(&client, &email, &account).status, 303);
    // Another seller with the same TPE: refused, in his language.
    let other = world.server.client();
    other.get("/?lang=fr");
    let r = register_monetico(&other, &unique_email("mon-dup"), &account);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("id=\"monetico_tpe-error\""));
    assert!(r
        .body
        .contains("Ce TPE Monetico est déjà utilisé par un autre compte."));
}

fn the_register_form_offers_each_provider_with_its_emulator_link(world: &World) {
    let r = world.server.client().get("/register");
    assert_eq!(r.status, 200);
    for provider in ["paypal", "sips", "monetico"] {
        assert!(
            r.body
                .contains(&format!("name=\"psp\" id=\"psp-{provider}\"")),
            "{provider}"
        );
        assert!(
            r.body.contains(&format!("id=\"fields-{provider}\"")),
            "{provider}"
        );
        assert!(
            r.body
                .contains(&format!("href=\"/_emulator/{provider}/accounts\"")),
            "{provider}"
        );
    }
    assert!(
        r.body.contains("value=\"paypal\" checked"),
        "PayPal by default"
    );
    for field in [
        "sips_merchant_id",
        "sips_secret_key",
        "sips_key_version",
        "monetico_key",
    ] {
        assert!(r.body.contains(&format!("name=\"{field}\"")), "{field}");
    }
    // A malformed Sips merchant id is refused before Sips is asked.
    let client = world.server.client();
    let token = csrf(&client, "/register");
    let r = client.post_form(
        "/register",
        &[
            ("csrf_token", &token),
            ("email", &unique_email("sips-bad")),
            ("password", PASSWORD),
            ("psp", "sips"),
            ("sips_merchant_id", "12345"),
            ("sips_secret_key", "secret"),
            ("sips_key_version", "1"),
            ("accept_terms", "on"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("id=\"sips_merchant_id-error\""));
    assert!(r.body.contains("A Sips merchant id is 15 digits."));
    // A provider this deployment does not offer is no choice.
    let r = client.post_form(
        "/register",
        &[
            ("csrf_token", &token),
            ("psp", "stripe"),
            ("accept_terms", "on"),
        ],
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"psp-error\""));
}

fn a_paypal_client_adds_replaces_and_removes_a_monetico_account(world: &World) {
    let member = register(&world.server, "mon-add", "10.00");
    let first = monetico("add");
    let r = add_monetico(&member.client, &first);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r
        .body
        .contains("Your receiving account was checked and saved."));
    let paypal = (
        "paypal".to_string(),
        member.paypal.api_username.clone(),
        "ok".to_string(),
    );
    assert_eq!(
        psp_accounts(&member.client),
        vec![
            paypal.clone(),
            ("monetico".into(), first.tpe.clone(), "ok".into())
        ]
    );
    // The PayPal fields of the JSON answer stay.
    let me = member.client.get_json("/account").json();
    assert_eq!(me["api_username"], member.paypal.api_username.as_str());
    assert_eq!(me["credentials_status"], "ok");
    // Replaced: a new version, the first one kept for the orders made with it.
    let second = monetico("add2");
    assert_eq!(add_monetico(&member.client, &second).status, 200);
    assert_eq!(
        psp_accounts(&member.client),
        vec![
            paypal.clone(),
            ("monetico".into(), second.tpe.clone(), "ok".into())
        ]
    );
    let versions = monetico_versions(world, &member);
    assert_eq!(
        versions,
        vec![(1, first.tpe.clone(), true), (2, second.tpe.clone(), false)]
    );
    // A wrong current password changes nothing.
    let token = csrf(&member.client, "/login");
    let r = member.client.post_form(
        "/account",
        &[
            ("csrf_token", &token),
            ("action", "psp_account_remove"),
            ("psp", "monetico"),
            ("current_password", "not the password"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("The current password is not correct."));
    assert_eq!(psp_accounts(&member.client).len(), 2);
    let r = remove(&member.client, "monetico");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("The receiving account was removed."));
    assert_eq!(psp_accounts(&member.client), vec![paypal]);
    assert!(monetico_versions(world, &member)
        .iter()
        .all(|(_, _, replaced)| *replaced));
}

/// The member's Monetico versions: (version, TPE, replaced).
fn monetico_versions(world: &World, member: &Member) -> Vec<(i64, String, bool)> {
    let db = world.server.db();
    let mut statement = db
        .prepare(
            "SELECT a.version, a.public_ref, a.replaced_at IS NOT NULL FROM psp_accounts a \
             JOIN clients c ON c.id = a.client_id \
             WHERE c.email = ?1 AND a.provider = 'monetico' ORDER BY a.version",
        )
        .expect("query");
    let rows = statement
        .query_map([&member.email], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("rows");
    rows.map(|r| r.expect("row")).collect()
}

fn remove(client: &Client, provider: &str) -> Resp {
    post_account(
        client,
        &[("action", "psp_account_remove"), ("psp", provider)],
    )
}

fn the_last_receiving_account_cannot_be_removed(world: &World) {
    let member = register(&world.server, "last", "10.00");
    let r = remove(&member.client, "paypal");
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r
        .body
        .contains("This is your only receiving account: add another one before you remove it."));
    let r = remove(&member.client, "monetico");
    assert_eq!(r.status, 422, "none there");
    assert!(r
        .body
        .contains("You have no receiving account with this provider."));
    assert_eq!(psp_accounts(&member.client).len(), 1, "still there");
    // A card-only seller keeps his one account too.
    let client = world.server.client();
    let email = unique_email("last-mon");
    assert_eq!(
        register_monetico(&client, &email, &monetico("last")).status,
        303
    );
    assert_eq!(remove(&client, "monetico").status, 422);
    assert_eq!(psp_accounts(&client).len(), 1);
}

fn a_monetico_only_seller_is_offered_with_a_card_button_on_buy(world: &World) {
    let seller_client = world.server.client();
    let seller_email = unique_email("mon-seller");
    let r = register_monetico(&seller_client, &seller_email, &monetico("seller"));
    assert_eq!(r.status, 303, "{}", r.body);
    let seller = seller_client;
    let claims = seller.get_json("/claims").json();
    let isin = claims["titles"][0]["isin"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!isin.is_empty(), "initiation title: {claims}");
    let buyer = register(&world.server, "mon-buyer", "10.00");
    let preview = buyer.client.get(&format!(
        "/buy?isin={isin}&amount=1.00&profit_rate=20&lang=en"
    ));
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(
        preview
            .body
            .contains("name=\"psp\" value=\"monetico\" id=\"pay\">Pay by card (Monetico)"),
        "{}",
        preview.body
    );
    assert!(
        !preview.body.contains("value=\"paypal\""),
        "the seller takes no PayPal"
    );
    // A seller with both: one button each, PayPal first (PSPS order).
    assert_eq!(add_monetico(&buyer.client, &monetico("both")).status, 200);
    let isin = titles(&buyer)[0].0.clone();
    let preview = seller.get(&format!(
        "/buy?isin={isin}&amount=1.00&profit_rate=20&lang=en"
    ));
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(preview
        .body
        .contains("name=\"psp\" value=\"paypal\" id=\"pay\""));
    assert!(preview
        .body
        .contains("name=\"psp\" value=\"monetico\" id=\"pay-monetico\">Pay by card (Monetico)"));
}

/// The seller's current Monetico row: (client id, version, TPE, sealed).
fn sealed_monetico(server: &Server, email: &str) -> (i64, i64, String, String) {
    server
        .db()
        .query_row(
            "SELECT a.client_id, a.version, a.public_ref, a.sealed_secret FROM psp_accounts a \
             JOIN clients c ON c.id = a.client_id \
             WHERE c.email = ?1 AND a.provider = 'monetico' AND a.replaced_at IS NULL",
            [email],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("Monetico account")
}

/// The sealed JSON opened with `key` alone, for its own row only.
fn opened(key: &str, row: &(i64, i64, String, String)) -> serde_json::Value {
    let keyring = Keyring {
        current: SealingKey::new(key).expect("key"),
        previous: None,
    };
    let binding = |version| Binding {
        client_id: row.0,
        version,
        api_username: &row.2,
    };
    assert!(
        keyring.open(binding(row.1 + 1), &row.3).is_err(),
        "bound to its version"
    );
    let plain = keyring.open(binding(row.1), &row.3).expect("opens");
    serde_json::from_slice(&plain).expect("JSON")
}

fn a_card_account_is_sealed_for_its_row_and_resealed_after_a_key_rotation(_world: &World) {
    let state = fresh_state_dir("card-rotation").expect("state");
    apply_migrations(&state).expect("migrations");
    let server = Server::start(state.clone(), &[]).expect("server");
    let email = unique_email("mon-rot");
    let account = monetico("rot");
    assert_eq!(
        register_monetico(&server.client(), &email, &account).status,
        303
    );
    let old_key: String = server
        .db()
        .query_row(
            "SELECT value FROM settings WHERE key = 'credentials_key'",
            [],
            |r| r.get(0),
        )
        .expect("emulator-mode key");
    let row = sealed_monetico(&server, &email);
    let secret = opened(&old_key, &row);
    assert_eq!(secret["societe"], account.societe.as_str());
    assert_eq!(
        secret["key"],
        account.key.to_lowercase().as_str(),
        "the derived key"
    );
    drop(server);
    // The operator rotates the key; the cron re-seals card accounts too.
    let new_key = "rotated card credentials key 0123456789abcdef".to_string();
    let server = Server::start(
        state,
        &[
            ("CREDENTIALS_KEY", &new_key),
            ("CREDENTIALS_KEY_PREVIOUS", &old_key),
        ],
    )
    .expect("rotated");
    let r = server.client().get("/__scheduled?cron=*/5+*+*+*+*");
    assert_eq!(r.status, 200, "cron: {}", r.body);
    let resealed = sealed_monetico(&server, &email);
    assert_ne!(resealed.3, row.3, "re-sealed");
    assert_eq!(opened(&new_key, &resealed), secret);
}

fn a_403_shows_the_forms_again_with_the_chosen_provider_and_no_secret(world: &World) {
    let account = monetico("again");
    let client = world.server.client();
    let _ = csrf(&client, "/register");
    let typed = [
        ("csrf_token", "not-the-token"),
        ("email", "again@example.org"),
        ("psp", "monetico"),
        ("monetico_tpe", account.tpe.as_str()),
        ("monetico_societe", account.societe.as_str()),
        ("monetico_key", account.key.as_str()),
    ];
    let r = client.post_form("/register", &typed);
    assert_eq!(r.status, 403);
    assert!(r.body.contains("value=\"monetico\" checked"), "{}", r.body);
    assert!(r.body.contains(&format!("value=\"{}\"", account.tpe)));
    assert!(r.body.contains(&format!("value=\"{}\"", account.societe)));
    assert!(!r.body.contains(&account.key), "the key is never sent back");
    let member = register(&world.server, "again", "10.00");
    let mut fields = vec![("action", "psp_account")];
    fields.extend_from_slice(&typed[2..]);
    fields.push(("csrf_token", "not-the-token"));
    let r = member.client.post_form("/account", &fields);
    assert_eq!(r.status, 403);
    assert!(r.body.contains("id=\"psp-account-form\""));
    assert!(r.body.contains(&format!("value=\"{}\"", account.tpe)));
    assert!(!r.body.contains(&account.key));
}

fn only_the_enabled_providers_are_offered_the_first_by_default(_world: &World) {
    let state = fresh_state_dir("psps-monetico").expect("state");
    apply_migrations(&state).expect("migrations");
    let server = Server::start(state, &[("PSPS", "monetico")]).expect("server");
    let client = server.client();
    let page = client.get("/register");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"fields-monetico\""));
    assert!(
        page.body.contains("value=\"monetico\" checked"),
        "the only one"
    );
    for absent in ["fields-paypal", "fields-sips", "psp-paypal", "psp-sips"] {
        assert!(!page.body.contains(absent), "{absent} not offered");
    }
    // PayPal's fields are no choice here.
    let token = csrf(&client, "/register");
    let email = unique_email("psps");
    let r = client.post_form(
        "/register",
        &[
            ("csrf_token", &token),
            ("email", &email),
            ("password", PASSWORD),
            ("psp", "paypal"),
            ("api_username", "someone_api1.example.org"),
            ("api_password", "x"),
            ("api_signature", "y"),
            ("accept_terms", "on"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("id=\"psp-error\""));
    // Without `psp`, the first enabled provider's fields are read.
    let account = monetico("psps");
    let r = client.post_form(
        "/register",
        &[
            ("csrf_token", &token),
            ("email", &email),
            ("password", PASSWORD),
            ("monetico_tpe", &account.tpe),
            ("monetico_societe", &account.societe),
            ("monetico_key", &account.key),
            ("accept_terms", "on"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        psp_accounts(&client),
        vec![("monetico".into(), account.tpe.clone(), "ok".into())]
    );
}

fn sellers_register_with_the_card_emulators_merchants(world: &World) {
    let sips_client = world.server.client();
    let sips = register_sips_seller(&sips_client, &unique_email("sips-seller"));
    assert_eq!(sips.public_ref.len(), 15, "{:?}", sips.merchant);
    assert_eq!(
        psp_accounts(&sips_client),
        vec![("sips".into(), sips.public_ref.clone(), "ok".into())]
    );
    // The Office check left its trace with the new client.
    let traced: i64 = world
        .server
        .db()
        .query_row(
            "SELECT COUNT(*) FROM psp_traces t JOIN clients c ON c.id = t.client_id \
             WHERE c.email = ?1 AND t.provider = 'sips'",
            [&sips.email],
            |r| r.get(0),
        )
        .unwrap_or(-1);
    assert!(traced >= 1, "Office trace: {traced}");
    let monetico_client = world.server.client();
    let monetico = register_monetico_seller(&monetico_client, &unique_email("mon-seller"));
    assert_eq!(
        psp_accounts(&monetico_client),
        vec![("monetico".into(), monetico.public_ref.clone(), "ok".into())]
    );
    // The same merchant id again, for another seller: taken.
    let other = world.server.client();
    let token = csrf(&other, "/register");
    let s = |k: &str| match &sips.merchant[k] {
        serde_json::Value::String(v) => v.clone(),
        v => v.to_string(),
    };
    let r = other.post_form(
        "/register",
        &[
            ("csrf_token", &token),
            ("email", &unique_email("sips-dup")),
            ("password", PASSWORD),
            ("psp", "sips"),
            ("sips_merchant_id", &s("sips_merchant_id")),
            ("sips_secret_key", &s("sips_secret_key")),
            ("sips_key_version", &s("sips_key_version")),
            ("accept_terms", "on"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r
        .body
        .contains("This Sips merchant id is already used by another account."));
}
