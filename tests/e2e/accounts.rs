//! Accounts end to end: registration with emulated PayPal credentials
//! (checked with GetBalance, sealed, initiation title), refusals with PayPal's
//! words, duplicates, login and logout, password reset through the mailbox,
//! CSRF, body size, rate limits, cookie flags and escaping.

use paybook::core::crypto::{self, PasswordHash};
use paybook::core::isin::Isin;

use crate::flows::{
    self, csrf, login, mails_to, paypal_account, post_register, register, PASSWORD,
};
use crate::harness::{apply_migrations, fresh_state_dir, unique_email, Server};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "accounts::registration_checks_credentials_seals_them_and_issues_an_initiation_title",
            registration_checks_credentials_seals_them_and_issues_an_initiation_title,
        ),
        (
            "accounts::stored_password_hash_is_pbkdf2_sha256_and_matches_a_native_derivation",
            stored_password_hash_is_pbkdf2_sha256_and_matches_a_native_derivation,
        ),
        (
            "accounts::bad_credentials_are_refused_with_paypals_code_and_message",
            bad_credentials_are_refused_with_paypals_code_and_message,
        ),
        (
            "accounts::duplicate_email_and_api_username_are_refused",
            duplicate_email_and_api_username_are_refused,
        ),
        (
            "accounts::invalid_fields_get_a_french_message_each_and_keep_values",
            invalid_fields_get_a_french_message_each_and_keep_values,
        ),
        (
            "accounts::login_wrong_password_and_logout",
            login_wrong_password_and_logout,
        ),
        (
            "accounts::login_follows_next_only_to_a_local_path",
            login_follows_next_only_to_a_local_path,
        ),
        (
            "accounts::pages_needing_a_session_redirect_or_answer_401_json",
            pages_needing_a_session_redirect_or_answer_401_json,
        ),
        (
            "accounts::password_reset_through_the_mailbox_is_single_use",
            password_reset_through_the_mailbox_is_single_use,
        ),
        (
            "accounts::password_reset_answers_the_same_for_unknown_addresses",
            password_reset_answers_the_same_for_unknown_addresses,
        ),
        (
            "accounts::password_change_ends_other_sessions",
            password_change_ends_other_sessions,
        ),
        (
            "accounts::credentials_change_keeps_the_old_version",
            credentials_change_keeps_the_old_version,
        ),
        (
            "accounts::post_without_or_with_a_wrong_csrf_token_is_403",
            post_without_or_with_a_wrong_csrf_token_is_403,
        ),
        ("accounts::body_over_16_kib_is_413", body_over_16_kib_is_413),
        (
            "accounts::repeated_logins_are_rate_limited_with_429",
            repeated_logins_are_rate_limited_with_429,
        ),
        (
            "accounts::session_and_csrf_cookies_are_httponly_and_samesite_lax",
            session_and_csrf_cookies_are_httponly_and_samesite_lax,
        ),
        (
            "accounts::script_typed_in_every_text_field_comes_back_escaped",
            script_typed_in_every_text_field_comes_back_escaped,
        ),
        (
            "accounts::register_page_links_to_the_emulator_and_terms_exist_in_both_languages",
            register_page_links_to_the_emulator_and_terms_exist_in_both_languages,
        ),
        (
            "accounts::emulator_accounts_are_created_once_and_report_their_balance",
            emulator_accounts_are_created_once_and_report_their_balance,
        ),
        (
            "accounts::emulator_get_balance_answers_like_paypal",
            emulator_get_balance_answers_like_paypal,
        ),
        (
            "accounts::sandbox_with_secrets_serves_and_hides_the_emulator",
            sandbox_with_secrets_serves_and_hides_the_emulator,
        ),
        (
            "accounts::emulator_mode_secrets_are_generated_once_and_survive_a_restart",
            emulator_mode_secrets_are_generated_once_and_survive_a_restart,
        ),
    ]
}

fn client_id(world: &World, email: &str) -> i64 {
    world
        .server
        .db()
        .query_row("SELECT id FROM clients WHERE email = ?1", [email], |r| {
            r.get(0)
        })
        .expect("client stored")
}

fn registration_checks_credentials_seals_them_and_issues_an_initiation_title(world: &World) {
    let member = register(&world.server, "reg", "1000.00");
    let db = world.server.db();
    let id = client_id(world, &member.email);
    let (isin, value, currency, issued_by): (String, i64, String, String) = db
        .query_row(
            "SELECT isin, value_cents, currency, issued_by FROM titles WHERE holder_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("initiation title");
    assert_eq!(value, 100, "INITIAL_TITLE_VALUE 1.00");
    assert_eq!(currency, "EUR");
    assert_eq!(issued_by, "initiation");
    let parsed = Isin::parse(&isin).expect("valid ISIN");
    assert!(parsed.is_paybook());
    let (environment, language, api_username): (String, String, String) = db
        .query_row(
            "SELECT c.psp_environment, c.language, a.public_ref FROM clients c \
             JOIN psp_accounts a ON a.client_id = c.id AND a.provider = 'paypal' \
             AND a.replaced_at IS NULL WHERE c.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("client");
    assert_eq!(environment, "emulator");
    assert_eq!(language, "en");
    assert_eq!(api_username, member.paypal.api_username);
    let sealed: String = db
        .query_row(
            "SELECT sealed_secret FROM psp_accounts WHERE client_id = ?1 AND version = 1",
            [id],
            |r| r.get(0),
        )
        .expect("credentials v1");
    assert!(sealed.starts_with("v2."), "{sealed}");
    assert!(!sealed.contains(&member.paypal.api_password));
    assert!(!sealed.contains(&member.paypal.api_signature));
    let (method, ack, request): (String, String, String) = db
        .query_row(
            "SELECT operation, outcome, request FROM psp_traces WHERE client_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("GetBalance trace");
    assert_eq!(method, "GetBalance");
    assert_eq!(ack, "Success");
    assert!(
        !request.contains(&member.paypal.api_password),
        "no API password in traces"
    );
    assert!(
        !request.contains(&member.paypal.api_signature),
        "no signature in traces"
    );
    assert!(!request.contains("PWD") && !request.contains("SIGNATURE"));
    // Signed in: the account page answers.
    let page = member.client.get("/account");
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&member.email));
}

fn stored_password_hash_is_pbkdf2_sha256_and_matches_a_native_derivation(world: &World) {
    let member = register(&world.server, "hash", "10.00");
    let stored: String = world
        .server
        .db()
        .query_row(
            "SELECT password_hash FROM clients WHERE email = ?1",
            [&member.email],
            |r| r.get(0),
        )
        .expect("hash");
    assert!(
        stored.starts_with("pbkdf2-sha256-pepper$100000$"),
        "{stored}"
    );
    let parsed = PasswordHash::parse(&stored).expect("parses");
    assert_eq!(parsed.iterations, 100_000);
    // WebCrypto's output (stored by the Worker) equals the native PBKDF2 of
    // the peppered password (the pepper emulator mode generated).
    let pepper: String = world
        .server
        .db()
        .query_row(
            "SELECT value FROM settings WHERE key = 'password_pepper'",
            [],
            |r| r.get(0),
        )
        .expect("pepper");
    let input = crypto::hmac_sha256(pepper.as_bytes(), PASSWORD.as_bytes());
    let native = crypto::pbkdf2_sha256(&input, &parsed.salt, parsed.iterations);
    assert!(parsed.matches(&native));
    let wrong_input = crypto::hmac_sha256(pepper.as_bytes(), b"another password");
    let wrong = crypto::pbkdf2_sha256(&wrong_input, &parsed.salt, parsed.iterations);
    assert!(!parsed.matches(&wrong));
}

fn bad_credentials_are_refused_with_paypals_code_and_message(world: &World) {
    let email = unique_email("badcred");
    let mut account = paypal_account(&world.server, &format!("pp-{email}"), "10.00");
    account.api_signature = "not-the-signature".into();
    let client = world.server.client();
    let r = post_register(&client, &email, PASSWORD, &account);
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("PayPal refused these API credentials."),
        "{}",
        r.body
    );
    assert!(r.body.contains("10002"));
    assert!(r.body.contains("Security header is not valid"));
    assert!(
        r.body.contains(&format!("value=\"{email}\"")),
        "e-mail kept"
    );
    assert!(!r.body.contains(PASSWORD), "password never echoed");
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
}

fn duplicate_email_and_api_username_are_refused(world: &World) {
    let first = register(&world.server, "dup", "10.00");
    let other = world.server.client();
    let r = post_register(&other, &first.email.to_uppercase(), PASSWORD, &first.paypal);
    assert_eq!(r.status, 422);
    assert!(r
        .body
        .contains("An account with this e-mail address already exists."));
    assert!(r
        .body
        .contains("These PayPal API credentials are already used by another account."));
    let r = post_register(&other, &unique_email("dup2"), PASSWORD, &first.paypal);
    assert_eq!(r.status, 422);
    assert!(!r
        .body
        .contains("An account with this e-mail address already exists."));
    assert!(r
        .body
        .contains("These PayPal API credentials are already used by another account."));
}

fn invalid_fields_get_a_french_message_each_and_keep_values(world: &World) {
    let client = world.server.client();
    client.get("/?lang=fr");
    let token = csrf(&client, "/register");
    let r = client.post_form(
        "/register",
        &[
            ("csrf_token", &token),
            ("email", "pas-un-email"),
            ("password", "court"),
            ("api_username", "moi"),
        ],
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("<html lang=\"fr\">"));
    assert!(r
        .body
        .contains("Saisissez une adresse e-mail comme nom@example.org."));
    assert!(r
        .body
        .contains("Le mot de passe doit avoir au moins 8 caractères."));
    assert!(r.body.contains("Ce champ est obligatoire."));
    assert!(r.body.contains("Vous devez accepter les conditions"));
    assert!(r.body.contains("value=\"pas-un-email\""));
    assert!(r.body.contains("value=\"moi\""));
    assert!(!r.body.contains("value=\"court\""), "password not kept");
}

fn login_wrong_password_and_logout(world: &World) {
    let member = register(&world.server, "login", "10.00");
    let browser = world.server.client();
    let r = login(&browser, &member.email, "wrong password!");
    assert_eq!(r.status, 422);
    assert!(r
        .body
        .contains("E-mail address or password is not correct."));
    assert!(r.body.contains(&format!("value=\"{}\"", member.email)));
    let r = login(
        &browser,
        &format!("  {}  ", member.email.to_uppercase()),
        PASSWORD,
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/claims"));
    assert_eq!(browser.get("/account").status, 200);
    let token = csrf(&browser, "/login");
    let r = browser.post_form("/logout", &[("csrf_token", &token)]);
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/"));
    let r = browser.get("/account");
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/login?next=%2Faccount"));
    // The other browser (from registration) is still signed in.
    assert_eq!(member.client.get("/account").status, 200);
}

fn login_follows_next_only_to_a_local_path(world: &World) {
    let member = register(&world.server, "next", "10.00");
    for (next, expected) in [
        ("/account", "/account"),
        ("https://evil.example/", "/claims"),
        ("//evil.example", "/claims"),
    ] {
        let browser = world.server.client();
        let token = csrf(&browser, "/login");
        let r = browser.post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", &member.email),
                ("password", PASSWORD),
                ("next", next),
            ],
        );
        assert_eq!(r.status, 303);
        assert_eq!(r.header("location"), Some(expected), "next={next}");
    }
}

fn pages_needing_a_session_redirect_or_answer_401_json(world: &World) {
    let client = world.server.client();
    let r = client.get_json("/account");
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"], "login_required");
    let r = client.get("/account");
    assert_eq!(r.status, 303);
    // A forged session cookie is ignored, not trusted.
    client.set_cookie("__Host-session", "deadbeef.0123");
    assert_eq!(client.get("/account").status, 303);
}

fn password_reset_through_the_mailbox_is_single_use(world: &World) {
    let member = register(&world.server, "reset", "10.00");
    let browser = world.server.client();
    let token = csrf(&browser, "/register");
    let r = browser.post_form(
        "/password-reset",
        &[("csrf_token", &token), ("email", &member.email)],
    );
    assert_eq!(r.status, 200);
    let mails = mails_to(&world.server, &member.email);
    let mail = mails.first().expect("a reset mail");
    assert_eq!(mail["subject"], "PayBook: reset your password");
    let body = mail["body"].as_str().unwrap_or_default();
    let link = body
        .split_whitespace()
        .find(|w| w.contains("/password-reset/"))
        .expect("link in mail")
        .to_string();
    let path = link
        .split_once("/password-reset/")
        .map(|(_, t)| format!("/password-reset/{t}"))
        .unwrap_or_default();
    assert_eq!(browser.get(&path).status, 200);
    let r = browser.post_form(
        &path,
        &[
            ("csrf_token", &token),
            ("new_password", "a brand new password"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/login"));
    // Every session ended; the old password no longer works, the new one does.
    assert_eq!(member.client.get("/account").status, 303);
    assert_eq!(
        login(&world.server.client(), &member.email, PASSWORD).status,
        422
    );
    assert_eq!(
        login(
            &world.server.client(),
            &member.email,
            "a brand new password"
        )
        .status,
        303
    );
    // Single use.
    assert_eq!(browser.get(&path).status, 404);
    let r = browser.post_form(
        &path,
        &[
            ("csrf_token", &token),
            ("new_password", "yet another password"),
        ],
    );
    assert_eq!(r.status, 404);
    assert!(r.body.contains("This reset link is not valid"));
}

fn password_reset_answers_the_same_for_unknown_addresses(world: &World) {
    let browser = world.server.client();
    let token = csrf(&browser, "/login");
    let nobody = unique_email("nobody");
    let r = browser.post_form(
        "/password-reset",
        &[("csrf_token", &token), ("email", &nobody)],
    );
    assert_eq!(r.status, 200);
    assert!(r
        .body
        .contains("If an account uses this address, a link was sent to it."));
    assert!(mails_to(&world.server, &nobody).is_empty());
}

fn password_change_ends_other_sessions(world: &World) {
    let member = register(&world.server, "pwchange", "10.00");
    let other = world.server.client();
    assert_eq!(login(&other, &member.email, PASSWORD).status, 303);
    let token = csrf(&member.client, "/login");
    let r = member.client.post_form(
        "/account",
        &[
            ("csrf_token", &token),
            ("action", "password"),
            ("current_password", "not it at all"),
            ("new_password", "a new password"),
        ],
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("The current password is not correct."));
    let r = member.client.post_form(
        "/account",
        &[
            ("csrf_token", &token),
            ("action", "password"),
            ("current_password", PASSWORD),
            ("new_password", "a new password"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Your password was changed."));
    assert_eq!(other.get("/account").status, 303, "the other session ended");
    assert_eq!(
        member.client.get("/account").status,
        200,
        "this browser got a new session"
    );
}

fn credentials_change_keeps_the_old_version(world: &World) {
    let member = register(&world.server, "creds", "10.00");
    let fresh = paypal_account(&world.server, &format!("pp2-{}", member.email), "5.00");
    let token = csrf(&member.client, "/login");
    let mut fields = vec![
        ("csrf_token", token.clone()),
        ("action", "credentials".to_string()),
        ("current_password", PASSWORD.to_string()),
        ("api_username", fresh.api_username.clone()),
        ("api_password", fresh.api_password.clone()),
        ("api_signature", "wrong".to_string()),
    ];
    let as_refs = |f: &Vec<(&'static str, String)>| {
        f.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>()
    };
    let refs = as_refs(&fields);
    let r = member.client.post_form(
        "/account",
        &refs
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect::<Vec<_>>(),
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("10002"));
    fields[5].1 = fresh.api_signature.clone();
    let refs = as_refs(&fields);
    let r = member.client.post_form(
        "/account",
        &refs
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect::<Vec<_>>(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let id = client_id(world, &member.email);
    let db = world.server.db();
    let versions: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM psp_accounts WHERE client_id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap_or(0);
    assert_eq!(versions, 2);
    let (current, username): (i64, String) = db
        .query_row(
            "SELECT version, public_ref FROM psp_accounts \
             WHERE client_id = ?1 AND provider = 'paypal' AND replaced_at IS NULL",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("client");
    assert_eq!(current, 2);
    assert_eq!(username, fresh.api_username);
}

fn post_without_or_with_a_wrong_csrf_token_is_403(world: &World) {
    let client = world.server.client();
    let _ = csrf(&client, "/login");
    let r = client.post_form(
        "/login",
        &[("email", "a@example.org"), ("password", "whatever1")],
    );
    assert_eq!(r.status, 403);
    assert!(r.body.contains("This form has expired"));
    let r = client.post_form(
        "/login",
        &[
            ("csrf_token", "abc.def"),
            ("email", "a@example.org"),
            ("password", "x"),
        ],
    );
    assert_eq!(r.status, 403);
    // A token valid for another browser does not work with this one's cookie.
    let other = world.server.client();
    let foreign = csrf(&other, "/login");
    let r = client.post_form("/register", &[("csrf_token", &foreign)]);
    assert_eq!(r.status, 403);
}

fn body_over_16_kib_is_413(world: &World) {
    let client = world.server.client();
    let token = csrf(&client, "/login");
    let big = "x".repeat(17 * 1024);
    let r = client.post_form("/login", &[("csrf_token", &token), ("email", &big)]);
    assert_eq!(r.status, 413);
}

fn repeated_logins_are_rate_limited_with_429(world: &World) {
    let client = world.server.client();
    let token = csrf(&client, "/login");
    let email = unique_email("limited");
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let r = client.post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", &email),
                ("password", "wrong password"),
            ],
        );
        statuses.push(r.status);
    }
    assert!(statuses[..10].iter().all(|s| *s == 422), "{statuses:?}");
    assert_eq!(statuses[10], 429, "{statuses:?}");
    assert_eq!(statuses[11], 429);
}

fn session_and_csrf_cookies_are_httponly_and_samesite_lax(world: &World) {
    let email = unique_email("cookie");
    let account = paypal_account(&world.server, &format!("pp-{email}"), "1.00");
    let client = world.server.client();
    let r = client.get("/register");
    let csrf_cookie = r
        .headers_named("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("__Host-csrf="))
        .unwrap_or("")
        .to_string();
    assert!(
        csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Lax"),
        "{csrf_cookie}"
    );
    assert!(
        csrf_cookie.contains("; Secure"),
        "__Host- cookies: {csrf_cookie}"
    );
    let r = post_register(&client, &email, PASSWORD, &account);
    let session = r
        .headers_named("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("__Host-session="))
        .unwrap_or("")
        .to_string();
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    assert!(session.contains("Max-Age=2592000"), "30 days: {session}");
}

fn script_typed_in_every_text_field_comes_back_escaped(world: &World) {
    let client = world.server.client();
    let token = csrf(&client, "/register");
    let payload = "<script>alert(1)</script>\"'";
    let r = client.post_form(
        "/register",
        &[
            ("csrf_token", &token),
            ("email", payload),
            ("password", payload),
            ("api_username", payload),
            ("api_password", payload),
            ("api_signature", payload),
        ],
    );
    assert_eq!(r.status, 422);
    assert!(
        !r.body.contains("<script>alert(1)</script>"),
        "raw payload reflected"
    );
    assert!(
        r.body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#39;")
            || r.body
                .contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;"),
        "escaped payload kept: {}",
        r.body
    );
    let r = client.post_form(
        "/login",
        &[
            ("csrf_token", &token),
            ("email", payload),
            ("password", "x"),
            ("next", payload),
        ],
    );
    assert_eq!(r.status, 422);
    assert!(!r.body.contains("<script>alert(1)</script>"));
    let r = client.get("/no-such-<script>alert(1)</script>");
    assert!(!r.body.contains("<script>alert(1)</script>"));
}

fn register_page_links_to_the_emulator_and_terms_exist_in_both_languages(world: &World) {
    let client = world.server.client();
    let r = client.get("/register");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("href=\"/_emulator/paypal/accounts\""));
    assert!(r.body.contains("name=\"accept_terms\""));
    assert!(
        r.body.contains("You can lose what you pay."),
        "risk notice on the form"
    );
    let r = client.get("/terms");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Terms of use, risks and privacy"));
    let r = client.get("/terms?lang=fr");
    assert!(
        r.body.contains("Conditions d&#39;utilisation")
            || r.body.contains("Conditions d'utilisation")
    );
    for path in ["/login?lang=fr", "/password-reset?lang=fr"] {
        let r = client.get(path);
        assert_eq!(r.status, 200);
        assert!(r.body.contains("<html lang=\"fr\">"));
    }
}

fn emulator_accounts_are_created_once_and_report_their_balance(world: &World) {
    let email = unique_email("emu");
    let client = world.server.client();
    let first = client.post_form_with(
        "/_emulator/paypal/accounts",
        &[("email", &email), ("balance", "12,50")],
        &[("Accept", "application/json")],
    );
    assert_eq!(first.status, 201);
    let again = client.post_form_with(
        "/_emulator/paypal/accounts",
        &[("email", &email)],
        &[("Accept", "application/json")],
    );
    assert_eq!(again.status, 200);
    assert_eq!(first.json()["api_signature"], again.json()["api_signature"]);
    let r = client.get_json(&format!(
        "/_emulator/paypal/accounts?email={}",
        email.replace('@', "%40")
    ));
    assert_eq!(r.status, 200);
    let j = r.json();
    assert_eq!(j["balance"], "12.50");
    assert_eq!(j["payer_id"].as_str().map(str::len), Some(13));
    let html = client.post_form(
        "/_emulator/paypal/accounts",
        &[("email", &unique_email("emu-html"))],
    );
    assert_eq!(html.status, 201);
    assert!(html.body.contains("Emulated PayPal, no real money"));
    assert!(html.body.contains("API signature"));
}

fn emulator_get_balance_answers_like_paypal(world: &World) {
    let account = paypal_account(&world.server, &unique_email("nvp"), "77.00");
    let client = world.server.client();
    let body = format!(
        "USER={}&PWD={}&SIGNATURE={}&METHOD=GetBalance&VERSION=204",
        account.api_username, account.api_password, account.api_signature
    );
    let r = client.post_raw(
        "/_emulator/paypal/nvp",
        "application/x-www-form-urlencoded",
        body.as_bytes(),
    );
    assert_eq!(r.status, 200);
    let answer = paybook::core::psp::paypal::nvp::NvpResponse::parse(&r.body).expect("NVP");
    assert!(answer.is_success());
    assert_eq!(answer.get("L_AMT0"), Some("77.00"));
    assert_eq!(answer.get("L_CURRENCYCODE0"), Some("EUR"));
    assert!(
        r.body.contains("L_AMT0=77%2e00"),
        "PayPal's lower-case escapes: {}",
        r.body
    );
    let bad = format!(
        "USER={}&PWD=nope&SIGNATURE=nope&METHOD=GetBalance&VERSION=204",
        account.api_username
    );
    let r = client.post_raw(
        "/_emulator/paypal/nvp",
        "application/x-www-form-urlencoded",
        bad.as_bytes(),
    );
    let answer = paybook::core::psp::paypal::nvp::NvpResponse::parse(&r.body).expect("NVP");
    assert_eq!(answer.get("ACK"), Some("Failure"));
    let error = answer.first_error().expect("error");
    assert_eq!(error.code, "10002");
    assert_eq!(error.short_message, "Security error");
    assert_eq!(error.long_message, "Security header is not valid");
}

fn sandbox_with_secrets_serves_and_hides_the_emulator(_world: &World) {
    let state = fresh_state_dir("sandbox-ok").expect("state");
    apply_migrations(&state).expect("migrations");
    let server = Server::start(
        state,
        &[
            ("PSP_MODE", "sandbox"),
            ("SESSION_SECRET", "test-session-secret-0123456789abcdef"),
            ("CREDENTIALS_KEY", "test-credentials-key-0123456789abcdef"),
            ("PASSWORD_PEPPER", "test-password-pepper-0123456789abcdef"),
        ],
    )
    .expect("server");
    let client = server.client();
    let health = client.get("/healthz");
    assert_eq!(health.status, 200, "{}", health.body);
    assert_eq!(health.json()["psp_mode"], "sandbox");
    for path in ["/_emulator/paypal/accounts", "/_emulator/mail"] {
        assert_eq!(client.get(path).status, 404, "{path}");
    }
    let r = client.post_form("/_emulator/paypal/nvp", &[("METHOD", "GetBalance")]);
    assert_eq!(r.status, 404);
    let page = client.get("/register");
    assert!(
        !page.body.contains("/_emulator/"),
        "no emulator link in sandbox"
    );
    assert!(
        !page.body.contains("no real money moves"),
        "no emulator banner"
    );
}

fn emulator_mode_secrets_are_generated_once_and_survive_a_restart(_world: &World) {
    let state = fresh_state_dir("restart").expect("state");
    apply_migrations(&state).expect("migrations");
    let server = Server::start(state.clone(), &[]).expect("server");
    let member = flows::register(&server, "restart", "1.00");
    let session = member
        .client
        .cookie("__Host-session")
        .expect("session cookie");
    let secret: String = server
        .db()
        .query_row(
            "SELECT value FROM settings WHERE key = 'session_secret'",
            [],
            |r| r.get(0),
        )
        .expect("generated secret");
    assert_eq!(secret.len(), 64);
    drop(server);
    let again = Server::start(state, &[]).expect("restarted");
    let client = again.client();
    client.set_cookie("__Host-session", &session);
    assert_eq!(
        client.get("/account").status,
        200,
        "the same secret signs the same cookie"
    );
    let secret_after: String = again
        .db()
        .query_row(
            "SELECT value FROM settings WHERE key = 'session_secret'",
            [],
            |r| r.get(0),
        )
        .expect("secret");
    assert_eq!(secret, secret_after);
}
