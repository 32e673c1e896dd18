//! Accounts hardening end to end (issue 14, items 9, 10, 11 and 13a):
//! peppered password hashes upgraded at login, the settings refused outside
//! emulator mode, credentials sealed in format v2 and re-sealed by the cron
//! after a key rotation, rate limits keyed by account and address together,
//! no enumeration through `/register`, sessions that live 30 days idle and a
//! year at most, and the client's language following his last choice.
//!
//! Tests that move the clock, change settings or restart start their own
//! server; the others share the world's.

use std::path::PathBuf;

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use paybook::core::account::Problem;
use paybook::core::crypto::{self, PasswordHash};
use paybook::core::i18n::Lang;

use crate::flows::{self, csrf, login, mails_to, paypal_account, post_register, PASSWORD};
use crate::harness::{apply_migrations, fresh_state_dir, unique_email, Client, Server};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "hardening_accounts::twenty_registrations_at_once_all_succeed_none_with_a_500",
            twenty_registrations_at_once_all_succeed_none_with_a_500,
        ),
        (
            "hardening_accounts::new_hashes_are_peppered_and_older_ones_are_rewritten_at_login",
            new_hashes_are_peppered_and_older_ones_are_rewritten_at_login,
        ),
        (
            "hardening_accounts::sandbox_without_pepper_with_short_secrets_or_few_iterations_is_misconfigured",
            sandbox_without_pepper_with_short_secrets_or_few_iterations_is_misconfigured,
        ),
        (
            "hardening_accounts::credentials_survive_a_key_rotation_and_the_cron_reseals_them",
            credentials_survive_a_key_rotation_and_the_cron_reseals_them,
        ),
        (
            "hardening_accounts::one_address_cannot_lock_an_account_out_of_login_from_another",
            one_address_cannot_lock_an_account_out_of_login_from_another,
        ),
        (
            "hardening_accounts::one_address_cannot_lock_an_account_out_of_password_reset",
            one_address_cannot_lock_an_account_out_of_password_reset,
        ),
        (
            "hardening_accounts::register_tells_a_taken_email_only_after_paypal_accepts_the_credentials",
            register_tells_a_taken_email_only_after_paypal_accepts_the_credentials,
        ),
        (
            "hardening_accounts::credential_changes_are_rate_limited",
            credential_changes_are_rate_limited,
        ),
        (
            "hardening_accounts::sessions_renew_their_cookie_when_used_and_end_after_30_days_idle_or_a_year",
            sessions_renew_their_cookie_when_used_and_end_after_30_days_idle_or_a_year,
        ),
        (
            "hardening_accounts::the_clients_language_follows_his_last_choice_and_his_emails_use_it",
            the_clients_language_follows_his_last_choice_and_his_emails_use_it,
        ),
    ]
}

/// A long secret for servers started outside emulator mode.
fn long_secret(label: &str) -> String {
    format!("{label}-0123456789abcdef0123456789abcdef")
}

fn own_server(label: &str, vars: &[(&str, &str)]) -> (PathBuf, Server) {
    let state = fresh_state_dir(label).expect("state");
    apply_migrations(&state).expect("migrations");
    let server = Server::start(state.clone(), vars).expect("server");
    (state, server)
}

fn setting(server: &Server, key: &str) -> String {
    server
        .db()
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .expect("setting")
}

fn password_hash_of(server: &Server, email: &str) -> String {
    server
        .db()
        .query_row(
            "SELECT password_hash FROM clients WHERE email = ?1",
            [email],
            |r| r.get(0),
        )
        .expect("password hash")
}

fn advance_clock(server: &Server, seconds: i64) {
    let r = server.client().post_form(
        "/_emulator/clock",
        &[("advance_seconds", &seconds.to_string())],
    );
    assert_eq!(r.status, 200, "clock: {}", r.body);
}

fn run_cron(server: &Server) {
    let r = server.client().get("/__scheduled?cron=*/5+*+*+*+*");
    assert_eq!(r.status, 200, "cron: {}", r.body);
}

// ---------------------------------------------------------------- item 9

fn new_hashes_are_peppered_and_older_ones_are_rewritten_at_login(_world: &World) {
    let (state, server) = own_server("pepper", &[("PBKDF2_ITERATIONS", "1000")]);
    let member = flows::register(&server, "pepper", "1.00");
    let stored = password_hash_of(&server, &member.email);
    assert!(stored.starts_with("pbkdf2-sha256-pepper$1000$"), "{stored}");
    // PBKDF2 ran over HMAC-SHA256(pepper, password), the pepper being the
    // one emulator mode generated and kept.
    let pepper = setting(&server, "password_pepper");
    assert_eq!(pepper.len(), 64);
    let parsed = PasswordHash::parse(&stored).expect("parses");
    let input = crypto::hmac_sha256(pepper.as_bytes(), PASSWORD.as_bytes());
    assert!(parsed.matches(&crypto::pbkdf2_sha256(&input, &parsed.salt, 1_000)));
    assert!(!parsed.matches(&crypto::pbkdf2_sha256(
        PASSWORD.as_bytes(),
        &parsed.salt,
        1_000
    )));

    // A hash as the code before the pepper stored it.
    drop(server);
    let salt = [7u8; 16];
    let legacy = format!(
        "pbkdf2-sha256$1000${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(crypto::pbkdf2_sha256(PASSWORD.as_bytes(), &salt, 1_000))
    );
    {
        let path = crate::harness::find_sqlite_in(&state).expect("D1 file");
        let db = rusqlite::Connection::open(path).expect("open D1 while stopped");
        db.execute(
            "UPDATE clients SET password_hash = ?1 WHERE email = ?2",
            [&legacy, &member.email],
        )
        .expect("legacy hash");
    }
    let server = Server::start(state.clone(), &[("PBKDF2_ITERATIONS", "1000")]).expect("again");
    let client = server.client();
    // A wrong password rewrites nothing.
    assert_eq!(login(&client, &member.email, "wrong password").status, 422);
    assert_eq!(password_hash_of(&server, &member.email), legacy);
    // The right one still works and upgrades the hash to the pepper.
    let r = login(&client, &member.email, PASSWORD);
    assert_eq!(r.status, 303, "{}", r.body);
    let upgraded = password_hash_of(&server, &member.email);
    assert!(
        upgraded.starts_with("pbkdf2-sha256-pepper$1000$"),
        "{upgraded}"
    );

    // More iterations configured: the next login rewrites it again.
    drop(server);
    let server = Server::start(state, &[("PBKDF2_ITERATIONS", "2000")]).expect("more iterations");
    let client = server.client();
    assert_eq!(login(&client, &member.email, PASSWORD).status, 303);
    let stronger = password_hash_of(&server, &member.email);
    assert!(
        stronger.starts_with("pbkdf2-sha256-pepper$2000$"),
        "{stronger}"
    );
    assert_eq!(client.get("/account").status, 200);
}

fn names(body: &serde_json::Value, key: &str) -> Vec<String> {
    body[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn sandbox_without_pepper_with_short_secrets_or_few_iterations_is_misconfigured(_world: &World) {
    let long = long_secret("credentials");
    let (_state, server) = own_server(
        "no-pepper",
        &[
            ("PSP_MODE", "sandbox"),
            ("SESSION_SECRET", "too-short-session-secret"),
            ("CREDENTIALS_KEY", &long),
        ],
    );
    let r = server.client().get("/healthz");
    assert_eq!(r.status, 503, "{}", r.body);
    let body = r.json();
    assert_eq!(body["status"], "misconfigured");
    assert_eq!(names(&body, "missing"), vec!["PASSWORD_PEPPER"]);
    assert_eq!(names(&body, "invalid"), vec!["SESSION_SECRET"]);
    drop(server);

    let (_state, server) = own_server(
        "few-iterations",
        &[
            ("PSP_MODE", "sandbox"),
            ("SESSION_SECRET", &long_secret("session")),
            ("CREDENTIALS_KEY", &long),
            ("PASSWORD_PEPPER", &long_secret("pepper")),
            ("PBKDF2_ITERATIONS", "50000"),
        ],
    );
    let r = server.client().get("/healthz");
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(names(&r.json(), "invalid"), vec!["PBKDF2_ITERATIONS"]);
}

// ---------------------------------------------------------------- item 10

fn sealed_of(server: &Server, email: &str) -> String {
    server
        .db()
        .query_row(
            "SELECT a.sealed_secret FROM psp_accounts a JOIN clients c \
             ON c.id = a.client_id AND a.replaced_at IS NULL WHERE c.email = ?1",
            [email],
            |r| r.get(0),
        )
        .expect("sealed credentials")
}

/// The key id of a `v2.<kid>.<base64>` value.
fn kid_of(sealed: &str) -> String {
    sealed.split('.').nth(1).unwrap_or_default().to_string()
}

/// The PayPal balance `/claims` reads with the stored credentials, past the
/// one-minute balance cache.
fn balance_read_with_stored_credentials(server: &Server, client: &Client) -> serde_json::Value {
    advance_clock(server, 120);
    let r = client.get_json("/claims");
    assert_eq!(r.status, 200, "{}", r.body);
    let body = r.json();
    assert!(body["psp_error"].is_null(), "{body}");
    body["psp_balance"].clone()
}

/// [`balance_read_with_stored_credentials`] for each signed-in browser.
fn balances_read_with_stored_credentials(server: &Server, sessions: &[&str]) -> Vec<String> {
    sessions
        .iter()
        .map(|session| {
            let client = server.client();
            client.set_cookie("__Host-session", session);
            let balance = balance_read_with_stored_credentials(server, &client);
            balance.as_str().unwrap_or_default().to_string()
        })
        .collect()
}

fn credentials_survive_a_key_rotation_and_the_cron_reseals_them(_world: &World) {
    let (state, server) = own_server("rotation", &[]);
    let alice = flows::register(&server, "rot-a", "12.34");
    let bob = flows::register(&server, "rot-b", "5.00");
    let old_key = setting(&server, "credentials_key");
    let sealed = sealed_of(&server, &alice.email);
    assert!(sealed.starts_with("v2."), "{sealed}");
    let old_kid = kid_of(&sealed);
    for secret in [&alice.paypal.api_password, &alice.paypal.api_signature] {
        assert!(!sealed.contains(secret.as_str()));
    }
    // Bob's value as the code before format v2 sealed it (SHA-256 key, no AAD).
    let v1 = crypto::seal(
        &old_key,
        [3u8; 12],
        serde_json::json!({
            "password": bob.paypal.api_password,
            "signature": bob.paypal.api_signature,
        })
        .to_string()
        .as_bytes(),
    )
    .expect("v1");
    let session_a = alice.client.cookie("__Host-session").expect("session a");
    let session_b = bob.client.cookie("__Host-session").expect("session b");
    drop(server);
    {
        let path = crate::harness::find_sqlite_in(&state).expect("D1 file");
        let db = rusqlite::Connection::open(path).expect("open D1 while stopped");
        db.execute(
            "UPDATE psp_accounts SET sealed_secret = ?1 \
             WHERE client_id = (SELECT id FROM clients WHERE email = ?2)",
            [&v1, &bob.email],
        )
        .expect("v1 value");
    }

    // The operator rotates: a new key, the old one as previous.
    let new_key = long_secret("rotated credentials key");
    let server = Server::start(
        state.clone(),
        &[
            ("CREDENTIALS_KEY", &new_key),
            ("CREDENTIALS_KEY_PREVIOUS", &old_key),
        ],
    )
    .expect("rotated");
    assert_eq!(
        balances_read_with_stored_credentials(&server, &[&session_a, &session_b]),
        ["12.34", "5.00"]
    );
    run_cron(&server);
    // Both re-sealed under one key id, not the old one; that it is the new
    // key shows below, once the old one is gone.
    let resealed: Vec<String> = [&alice, &bob]
        .iter()
        .map(|m| sealed_of(&server, &m.email))
        .collect();
    for value in &resealed {
        assert!(value.starts_with("v2."), "{value}");
        assert_ne!(kid_of(value), old_kid, "{value}");
    }
    assert_eq!(kid_of(&resealed[0]), kid_of(&resealed[1]));

    // The previous key is retired: everything still opens.
    drop(server);
    let server = Server::start(state, &[("CREDENTIALS_KEY", &new_key)]).expect("retired");
    assert_eq!(
        balances_read_with_stored_credentials(&server, &[&session_a, &session_b]),
        ["12.34", "5.00"]
    );
}

// ---------------------------------------------------------------- item 11

fn one_address_cannot_lock_an_account_out_of_login_from_another(world: &World) {
    let member = flows::register(&world.server, "lockout", "1.00");
    let attacker = world.server.client();
    let token = csrf(&attacker, "/login");
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let r = attacker.post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", &member.email),
                ("password", "guessing"),
            ],
        );
        statuses.push(r.status);
    }
    assert_eq!(statuses[..10], [422; 10], "{statuses:?}");
    assert_eq!(statuses[10..], [429, 429], "{statuses:?}");
    // The owner, from his own address, is not locked out.
    let owner = world.server.client();
    let r = login(&owner, &member.email, PASSWORD);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(owner.get("/account").status, 200);
}

fn reset_request(client: &Client, email: &str) -> u16 {
    let token = csrf(client, "/login");
    client
        .post_form(
            "/password-reset",
            &[("csrf_token", &token), ("email", email)],
        )
        .status
}

fn one_address_cannot_lock_an_account_out_of_password_reset(world: &World) {
    let member = flows::register(&world.server, "reset-lock", "1.00");
    let attacker = world.server.client();
    let statuses: Vec<u16> = (0..6)
        .map(|_| reset_request(&attacker, &member.email))
        .collect();
    assert_eq!(statuses, [200, 200, 200, 429, 429, 429]);
    let before = mails_to(&world.server, &member.email).len();
    assert_eq!(before, 3);
    let owner = world.server.client();
    assert_eq!(reset_request(&owner, &member.email), 200);
    assert_eq!(mails_to(&world.server, &member.email).len(), before + 1);
}

fn register_tells_a_taken_email_only_after_paypal_accepts_the_credentials(world: &World) {
    let member = flows::register(&world.server, "taken", "1.00");
    let taken = Problem::EmailTaken.message(Lang::En);
    // Somebody without working PayPal credentials learns nothing.
    let mut stranger = paypal_account(&world.server, &unique_email("pp-stranger"), "1.00");
    stranger.api_signature = "not-the-signature".into();
    let r = post_register(&world.server.client(), &member.email, PASSWORD, &stranger);
    assert_eq!(r.status, 422);
    assert!(r.body.contains("10002"), "PayPal's refusal: {}", r.body);
    assert!(!r.body.contains(taken), "{}", r.body);
    // With working credentials, the conflict is told.
    stranger = paypal_account(&world.server, &unique_email("pp-stranger2"), "1.00");
    let r = post_register(&world.server.client(), &member.email, PASSWORD, &stranger);
    assert_eq!(r.status, 422);
    assert!(r.body.contains(taken), "{}", r.body);
}

fn credential_changes_are_rate_limited(world: &World) {
    let member = flows::register(&world.server, "cred-limit", "1.00");
    let token = csrf(&member.client, "/login");
    let statuses: Vec<u16> = (0..7)
        .map(|_| {
            member
                .client
                .post_form(
                    "/account",
                    &[
                        ("csrf_token", &token),
                        ("action", "credentials"),
                        ("current_password", "not my password"),
                        ("api_username", &member.paypal.api_username),
                        ("api_password", &member.paypal.api_password),
                        ("api_signature", &member.paypal.api_signature),
                    ],
                )
                .status
        })
        .collect();
    assert_eq!(statuses, [422, 422, 422, 422, 422, 429, 429]);
    // Other account pages still answer.
    assert_eq!(member.client.get("/account").status, 200);
}

// ---------------------------------------------------------------- item 13a

const DAY: i64 = 86_400;

fn session_cookies(r: &crate::harness::Resp) -> Vec<String> {
    r.headers_named("set-cookie")
        .into_iter()
        .filter(|c| c.split('=').next().is_some_and(|n| n.ends_with("session")))
        .map(String::from)
        .collect()
}

fn sessions_renew_their_cookie_when_used_and_end_after_30_days_idle_or_a_year(_world: &World) {
    let (_state, server) = own_server("sessions", &[]);
    let active = flows::register(&server, "active", "1.00");
    let idle = server.client();
    assert_eq!(login(&idle, &active.email, PASSWORD).status, 303);

    advance_clock(&server, 2 * DAY);
    let r = active.client.get("/account");
    assert_eq!(r.status, 200);
    let renewed = session_cookies(&r);
    assert_eq!(renewed.len(), 1, "{:?}", r.headers);
    assert!(renewed[0].contains("Max-Age=2592000"), "{}", renewed[0]);
    // At most once a day.
    let r = active.client.get("/account");
    assert!(session_cookies(&r).is_empty(), "{:?}", r.headers);

    // 30 days idle ends the other session.
    advance_clock(&server, 29 * DAY);
    assert_eq!(active.client.get("/account").status, 200);
    assert_eq!(idle.get("/account").status, 303, "idle 31 days");

    // Used every 20 days, the active one lives until a year after login.
    let mut elapsed = 31 * DAY;
    while elapsed + 20 * DAY < 365 * DAY {
        advance_clock(&server, 20 * DAY);
        elapsed += 20 * DAY;
        assert_eq!(
            active.client.get("/account").status,
            200,
            "day {}",
            elapsed / DAY
        );
    }
    advance_clock(&server, 365 * DAY - elapsed + 60);
    let r = active.client.get("/account");
    assert_eq!(r.status, 303, "a year after it began");
}

fn the_clients_language_follows_his_last_choice_and_his_emails_use_it(world: &World) {
    let member = flows::register(&world.server, "lang", "1.00");
    let language = |email: &str| -> String {
        world
            .server
            .db()
            .query_row(
                "SELECT language FROM clients WHERE email = ?1",
                [email],
                |r| r.get(0),
            )
            .expect("language")
    };
    assert_eq!(language(&member.email), "en");
    // The language switch, while signed in, on a page that reads nothing.
    assert_eq!(member.client.get("/contact?lang=fr").status, 200);
    assert_eq!(language(&member.email), "fr");
    // E-mails follow it: a reset asked from a browser that chose nothing.
    assert_eq!(reset_request(&world.server.client(), &member.email), 200);
    let mails = mails_to(&world.server, &member.email);
    let subject = mails[0]["subject"].as_str().unwrap_or_default();
    assert_eq!(subject, Lang::Fr.texts().reset_mail_subject);
    // Logging in from a new browser brings the client's language along.
    let browser = world.server.client();
    let r = login(&browser, &member.email, PASSWORD);
    assert_eq!(r.status, 303);
    assert!(
        r.headers_named("set-cookie")
            .iter()
            .any(|c| c.starts_with("__Host-lang=fr")),
        "{:?}",
        r.headers
    );
    // Choosing at login makes it the client's again.
    let token = csrf(&browser, "/login");
    let r = browser.post_form(
        "/login?lang=en",
        &[
            ("csrf_token", &token),
            ("email", &member.email),
            ("password", PASSWORD),
        ],
    );
    assert_eq!(r.status, 303);
    assert_eq!(language(&member.email), "en");
}

/// Twenty people registering at the same moment all read the same next
/// client id; before, three rounds were not enough and some got a 500.
fn twenty_registrations_at_once_all_succeed_none_with_a_500(world: &World) {
    let server = &world.server;
    let people: Vec<_> = (0..20)
        .map(|i| {
            let email = unique_email(&format!("rush-{i}"));
            let account = paypal_account(server, &format!("pp-{email}"), "1.00");
            (server.client(), email, account)
        })
        .collect();
    let statuses: Vec<(String, u16, String)> = std::thread::scope(|scope| {
        let running: Vec<_> = people
            .iter()
            .map(|(client, email, account)| {
                scope.spawn(move || {
                    let r = post_register(client, email, PASSWORD, account);
                    (email.clone(), r.status, r.body)
                })
            })
            .collect();
        running
            .into_iter()
            .map(|t| t.join().expect("a registration thread"))
            .collect()
    });
    for (email, status, body) in &statuses {
        assert_eq!(*status, 303, "{email}: {body}");
    }
    // Each is signed in as himself, with his own initiation title.
    let mut isins: Vec<String> = people
        .iter()
        .map(|(client, email, _)| {
            let claims = client.get_json("/claims").json();
            let titles = claims["titles"].as_array().cloned().unwrap_or_default();
            assert_eq!(titles.len(), 1, "{email}: {claims}");
            titles[0]["isin"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    isins.sort();
    isins.dedup();
    assert_eq!(isins.len(), 20, "twenty distinct titles: {isins:?}");
}
