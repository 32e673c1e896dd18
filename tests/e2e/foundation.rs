//! The foundation: health, the home page from D1 in both languages, the
//! headers every answer carries, unknown routes, the cron trigger, and the
//! 503 answers of a misconfigured deployment or a database that is behind.

use crate::harness::{apply_migrations, fresh_state_dir, Server};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "foundation::healthz_reports_ok_with_schema_version_and_mode",
            healthz_reports_ok_with_schema_version_and_mode,
        ),
        (
            "foundation::home_page_renders_in_english_by_default",
            home_page_renders_in_english_by_default,
        ),
        (
            "foundation::lang_query_switches_to_french_and_is_remembered",
            lang_query_switches_to_french_and_is_remembered,
        ),
        (
            "foundation::accept_language_picks_french_and_unknown_lang_is_ignored",
            accept_language_picks_french_and_unknown_lang_is_ignored,
        ),
        (
            "foundation::every_answer_carries_the_security_headers",
            every_answer_carries_the_security_headers,
        ),
        (
            "foundation::unknown_route_is_a_404_page_or_404_json",
            unknown_route_is_a_404_page_or_404_json,
        ),
        (
            "foundation::cron_trigger_runs_and_is_reported_by_healthz",
            cron_trigger_runs_and_is_reported_by_healthz,
        ),
        (
            "foundation::sandbox_without_secrets_answers_503_misconfigured",
            sandbox_without_secrets_answers_503_misconfigured,
        ),
        (
            "foundation::database_behind_answers_503_until_migrated",
            database_behind_answers_503_until_migrated,
        ),
    ]
}

fn healthz_reports_ok_with_schema_version_and_mode(world: &World) {
    let r = world.server.client().get("/healthz");
    assert_eq!(r.status, 200);
    let body = r.json();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["psp_mode"], "emulator");
    let migrations = std::fs::read_dir(crate::harness::root().join("migrations"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(body["schema_version"].as_u64(), Some(migrations as u64));
}

fn home_page_renders_in_english_by_default(world: &World) {
    let r = world.server.client().get("/");
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap_or("")
        .starts_with("text/html"));
    assert!(r.body.contains("<html lang=\"en\">"));
    for menu in [
        "Home",
        "Market",
        "Buy",
        "My orders",
        "My claims",
        "History",
        "Contact",
        "Documents",
        "Register",
        "Log in",
    ] {
        assert!(r.body.contains(&format!(">{menu}</a>")), "menu item {menu}");
    }
    assert!(r.body.contains("Risk notice"));
    assert!(r.body.contains("You can lose what you pay."));
    assert!(r.body.contains("Latest trades"));
    assert!(r.body.contains("no real money"), "emulator banner");
    // The latest trades come from D1: one round trip.
    assert!(r
        .header("server-timing")
        .unwrap_or("")
        .contains("d1;desc=\"D1 round trips\";dur=1"));
}

fn lang_query_switches_to_french_and_is_remembered(world: &World) {
    let client = world.server.client();
    let r = client.get("/?lang=fr");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("<html lang=\"fr\">"));
    assert!(r.body.contains("Derniers échanges"));
    assert!(r.body.contains("Avertissement sur les risques"));
    let cookie = r
        .headers_named("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("__Host-lang="))
        .unwrap_or("");
    assert!(cookie.starts_with("__Host-lang=fr"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    // The cookie keeps French without the query.
    let again = client.get("/");
    assert!(again.body.contains("<html lang=\"fr\">"));
}

fn accept_language_picks_french_and_unknown_lang_is_ignored(world: &World) {
    let client = world.server.client();
    let r = client.get_with("/", &[("Accept-Language", "fr-FR,fr;q=0.9,en;q=0.5")]);
    assert!(r.body.contains("<html lang=\"fr\">"));
    let r = client.get_with("/?lang=de", &[("Accept-Language", "fr")]);
    assert!(
        r.body.contains("<html lang=\"fr\">"),
        "unknown lang falls back to Accept-Language"
    );
    assert!(
        r.header("set-cookie").is_none(),
        "an unknown lang is not remembered"
    );
    let r = client.get("/?lang=zz");
    assert!(r.body.contains("<html lang=\"en\">"));
}

fn every_answer_carries_the_security_headers(world: &World) {
    let client = world.server.client();
    for path in ["/", "/healthz", "/no-such-page"] {
        let r = client.get(path);
        let csp = r.header("content-security-policy").unwrap_or("");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert_eq!(r.header("referrer-policy"), Some("same-origin"), "{path}");
        assert_eq!(r.header("vary"), Some("Accept, Cookie"), "{path}");
    }
    let css = client.get("/static/site.css");
    assert_eq!(css.status, 200);
    assert!(css
        .header("content-type")
        .unwrap_or("")
        .starts_with("text/css"));
}

fn unknown_route_is_a_404_page_or_404_json(world: &World) {
    let client = world.server.client();
    let r = client.get("/no-such-page");
    assert_eq!(r.status, 404);
    assert!(r.body.contains("This page does not exist."));
    let r = client.get("/no-such-page?lang=fr");
    assert!(
        r.body.contains("Cette page n&#39;existe pas.")
            || r.body.contains("Cette page n'existe pas.")
    );
    let r = client.get_json("/no-such-page");
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"], "not_found");
}

fn cron_trigger_runs_and_is_reported_by_healthz(world: &World) {
    let client = world.server.client();
    let r = client.get("/__scheduled?cron=*/5+*+*+*+*");
    assert_eq!(r.status, 200);
    let health = client.get("/healthz").json();
    let last = health["last_cron_at"].as_str().unwrap_or("");
    assert_eq!(
        last.len(),
        20,
        "last_cron_at is YYYY-MM-DDTHH:MM:SSZ: {health}"
    );
    assert!(last.ends_with('Z'));
}

fn sandbox_without_secrets_answers_503_misconfigured(_world: &World) {
    let state = fresh_state_dir("sandbox").expect("state dir");
    apply_migrations(&state).expect("migrations");
    let server = Server::start(state, &[("PSP_MODE", "sandbox")]).expect("server starts");
    let client = server.client();
    let r = client.get("/healthz");
    assert_eq!(r.status, 503);
    let body = r.json();
    assert_eq!(body["status"], "misconfigured");
    let missing: Vec<&str> = body["missing"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        missing,
        vec!["SESSION_SECRET", "CREDENTIALS_KEY", "PASSWORD_PEPPER"]
    );
    // Pages refuse too, and never with a 500.
    assert_eq!(client.get("/").status, 503);
}

fn database_behind_answers_503_until_migrated(_world: &World) {
    let state = fresh_state_dir("behind").expect("state dir");
    let server = Server::start(state.clone(), &[]).expect("server starts");
    let client = server.client();
    let r = client.get("/healthz");
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["status"], "database_behind");
    assert_eq!(client.get("/").status, 503);
    apply_migrations(&state).expect("migrations");
    let r = client.get("/healthz");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "ok");
}
