//! The web hardening and the closed emulator (issue 14, items 6 to 8): HSTS
//! off localhost, the headers on static files and 503s, `__Host-` cookies,
//! the CSRF token bound to its session, cross-site POSTs refused, request
//! bodies cut at 16 KiB while they still stream, and the emulator hidden
//! on a public host unless the request carries `EMULATOR_TOKEN`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::emulator::{assert_success, call, checkout_path, set_ec_request_to};
use crate::flows::{csrf, paypal_account, post_register, register, PASSWORD};
use crate::harness::{apply_migrations, fresh_state_dir, unique_email, Resp, Server};
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![
        (
            "hardening::hsts_is_sent_for_a_public_host_and_not_for_localhost",
            hsts_is_sent_for_a_public_host_and_not_for_localhost,
        ),
        (
            "hardening::the_static_css_and_the_503s_carry_the_security_headers",
            the_static_css_and_the_503s_carry_the_security_headers,
        ),
        (
            "hardening::every_cookie_is_host_prefixed_secure_and_path_root",
            every_cookie_is_host_prefixed_secure_and_path_root,
        ),
        (
            "hardening::a_csrf_token_from_another_session_is_refused_even_with_its_cookie",
            a_csrf_token_from_another_session_is_refused_even_with_its_cookie,
        ),
        (
            "hardening::a_cross_site_post_to_login_is_refused",
            a_cross_site_post_to_login_is_refused,
        ),
        (
            "hardening::a_chunked_body_over_16_kib_is_refused_while_it_still_streams",
            a_chunked_body_over_16_kib_is_refused_while_it_still_streams,
        ),
        (
            "hardening::the_emulator_is_404_on_a_public_host_when_no_token_is_configured",
            the_emulator_is_404_on_a_public_host_when_no_token_is_configured,
        ),
        (
            "hardening::the_emulator_opens_on_a_public_host_only_with_its_token",
            the_emulator_opens_on_a_public_host_only_with_its_token,
        ),
        (
            "hardening::a_cross_site_post_to_the_emulator_clock_is_refused",
            a_cross_site_post_to_the_emulator_clock_is_refused,
        ),
        (
            "hardening::the_emulator_checkout_never_sends_the_buyer_to_a_foreign_url",
            the_emulator_checkout_never_sends_the_buyer_to_a_foreign_url,
        ),
        (
            "hardening::emulator_mode_with_a_paypal_url_answers_503_misconfigured",
            emulator_mode_with_a_paypal_url_answers_503_misconfigured,
        ),
    ]
}

const PUBLIC_HOST: &str = "paybook.example";

/// The port of the server, for `Host:` headers naming it differently.
fn port(server: &Server) -> String {
    server
        .base_url
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_string()
}

fn assert_security_headers(r: &Resp, what: &str) {
    let csp = r.header("content-security-policy").unwrap_or("");
    assert!(csp.contains("default-src 'none'"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(r.header("referrer-policy"), Some("same-origin"), "{what}");
    assert_eq!(r.header("vary"), Some("Accept, Cookie"), "{what}");
}

fn hsts_is_sent_for_a_public_host_and_not_for_localhost(world: &World) {
    let client = world.server.client();
    for path in ["/", "/no-such-page", "/static/site.css"] {
        let r = client.get_with(path, &[("Host", PUBLIC_HOST)]);
        let hsts = r.header("strict-transport-security").unwrap_or("");
        assert!(hsts.contains("max-age=63072000"), "{path}: {hsts:?}");
        assert!(hsts.contains("includeSubDomains"), "{path}: {hsts:?}");
        let r = client.get(path);
        assert_eq!(
            r.header("strict-transport-security"),
            None,
            "{path} on 127.0.0.1"
        );
        let local = format!("localhost:{}", port(&world.server));
        let r = client.get_with(path, &[("Host", &local)]);
        assert_eq!(
            r.header("strict-transport-security"),
            None,
            "{path} on localhost"
        );
    }
}

fn the_static_css_and_the_503s_carry_the_security_headers(world: &World) {
    let css = world.server.client().get("/static/site.css");
    assert_eq!(css.status, 200);
    assert_security_headers(&css, "/static/site.css");
    // A database that is behind: every answer is a 503 built before the
    // request's context exists.
    let state = fresh_state_dir("headers-503").expect("state dir");
    let server = Server::start(state, &[]).expect("server starts");
    let client = server.client();
    for path in ["/healthz", "/", "/login"] {
        let r = client.get(path);
        assert_eq!(r.status, 503, "{path}");
        assert_security_headers(&r, path);
        let r = client.get_with(path, &[("Host", PUBLIC_HOST)]);
        assert!(
            r.header("strict-transport-security").is_some(),
            "{path}: HSTS on a 503 too"
        );
    }
}

fn every_cookie_is_host_prefixed_secure_and_path_root(world: &World) {
    let client = world.server.client();
    let mut cookies: Vec<String> = Vec::new();
    let mut keep = |r: &Resp| {
        cookies.extend(r.headers_named("set-cookie").iter().map(|c| c.to_string()));
    };
    keep(&client.get("/login"));
    keep(&client.get("/?lang=fr"));
    let email = unique_email("hostcookie");
    let account = paypal_account(&world.server, &format!("pp-{email}"), "1.00");
    let r = post_register(&client, &email, PASSWORD, &account);
    assert_eq!(r.status, 303, "{}", r.body);
    keep(&r);
    for name in ["__Host-csrf=", "__Host-lang=", "__Host-session="] {
        assert!(
            cookies.iter().any(|c| c.starts_with(name)),
            "{name} set: {cookies:?}"
        );
    }
    for cookie in &cookies {
        assert!(cookie.starts_with("__Host-"), "{cookie}");
        assert!(cookie.contains("; Secure"), "{cookie}");
        assert!(cookie.contains("; Path=/;"), "{cookie}");
        assert!(cookie.contains("; HttpOnly"), "{cookie}");
        assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
    }
}

fn a_csrf_token_from_another_session_is_refused_even_with_its_cookie(world: &World) {
    let alice = register(&world.server, "csrf-alice", "1.00");
    let bob = register(&world.server, "csrf-bob", "1.00");
    let bobs_token = csrf(&bob.client, "/login");
    // Bob's CSRF cookie planted in Alice's browser (cookie tossing) does not
    // make Bob's token valid there: the token is bound to Alice's session.
    for name in ["__Host-csrf", "csrf"] {
        if let Some(value) = bob.client.cookie(name) {
            alice.client.set_cookie(name, &value);
        }
    }
    let r = alice
        .client
        .post_form("/logout", &[("csrf_token", &bobs_token)]);
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(alice.client.get("/account").status, 200, "still signed in");
    // A token of the same browser before it signed in is not this session's.
    let stranger = world.server.client();
    let before = csrf(&stranger, "/login");
    assert_eq!(
        crate::flows::login(&stranger, &alice.email, PASSWORD).status,
        303
    );
    let r = stranger.post_form("/logout", &[("csrf_token", &before)]);
    assert_eq!(r.status, 403, "the token changes at sign-in");
    // Alice's own token works.
    let own = csrf(&alice.client, "/login");
    let r = alice.client.post_form("/logout", &[("csrf_token", &own)]);
    assert_eq!(r.status, 303, "{}", r.body);
}

fn a_cross_site_post_to_login_is_refused(world: &World) {
    let client = world.server.client();
    let token = csrf(&client, "/login");
    let nobody = unique_email("cross-site");
    let fields = [
        ("csrf_token", token.as_str()),
        ("email", nobody.as_str()),
        ("password", PASSWORD),
    ];
    for headers in [
        vec![("Origin", "https://evil.example")],
        vec![("Origin", "null")],
        vec![("Sec-Fetch-Site", "cross-site")],
        vec![("Sec-Fetch-Site", "same-site")],
    ] {
        let r = client.post_form_with("/login", &fields, &headers);
        assert_eq!(r.status, 403, "{headers:?}: {}", r.body);
    }
    let origin = world.server.base_url.clone();
    let r = client.post_form_with(
        "/login",
        &fields,
        &[("Origin", &origin), ("Sec-Fetch-Site", "same-origin")],
    );
    assert_eq!(r.status, 422, "same origin: the login itself answers");
    let r = client.post_form("/login", &fields);
    assert_eq!(
        r.status, 422,
        "no Origin (not a browser): the token decides"
    );
}

/// POSTs 20 KiB with chunked transfer encoding and never sends the last
/// chunk: only a reader that stops at the cap can answer. The socket's
/// read timeout is a bound for a hanging server, not a synchronisation.
fn chunked_without_end(server: &Server, path: &str) -> String {
    let address = server.base_url.trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\
         Transfer-Encoding: chunked\r\nCF-Connecting-IP: 10.200.0.1\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).expect("head");
    let chunk = [b'a'; 1024];
    for _ in 0..20 {
        stream.write_all(b"400\r\n").expect("chunk size");
        stream.write_all(&chunk).expect("chunk");
        stream.write_all(b"\r\n").expect("chunk end");
    }
    stream.flush().expect("flush");
    let mut answer = [0u8; 64];
    let n = stream.read(&mut answer).unwrap_or(0);
    String::from_utf8_lossy(&answer[..n]).into_owned()
}

fn a_chunked_body_over_16_kib_is_refused_while_it_still_streams(_world: &World) {
    // One server per request: after an answer given before the body ended,
    // `wrangler dev`'s local proxy held the next request 15 to 30 s (or
    // answered it 503 "restarted mid-request"), so these stay off the
    // shared server.
    for path in ["/login", "/psp/paypal/ipn", "/_emulator/paypal/nvp"] {
        let state = fresh_state_dir("chunked").expect("state dir");
        apply_migrations(&state).expect("migrations");
        let server = Server::start(state, &[]).expect("server starts");
        let answer = chunked_without_end(&server, path);
        assert!(
            answer.starts_with("HTTP/1.1 413"),
            "{path}: {answer:?} (no answer: the body was read to its end)"
        );
    }
}

const EMULATOR_PATHS: [&str; 4] = [
    "/_emulator/mail",
    "/_emulator/paypal/accounts?email=someone@example.org",
    "/_emulator/clock",
    "/_emulator/paypal/ipn",
];

fn the_emulator_is_404_on_a_public_host_when_no_token_is_configured(world: &World) {
    let client = world.server.client();
    for path in EMULATOR_PATHS {
        let r = client.get_with(path, &[("Host", PUBLIC_HOST)]);
        assert_eq!(r.status, 404, "{path}: {}", r.body);
        let r = client.get_with(
            path,
            &[("Host", PUBLIC_HOST), ("X-Emulator-Token", "anything")],
        );
        assert_eq!(r.status, 404, "{path} with a token nobody configured");
    }
    let r = client.post_form_with(
        "/_emulator/clock",
        &[("advance_seconds", "0")],
        &[("Host", PUBLIC_HOST)],
    );
    assert_eq!(r.status, 404);
    // This machine keeps its emulator open, whatever it is called.
    let port = port(&world.server);
    for host in ["localhost", "127.0.0.1", "[::1]"] {
        let r = client.get_with("/_emulator/mail", &[("Host", &format!("{host}:{port}"))]);
        assert_eq!(r.status, 200, "{host}");
    }
}

fn the_emulator_opens_on_a_public_host_only_with_its_token(_world: &World) {
    const TOKEN: &str = "e2e-emulator-token-0123456789";
    let state = fresh_state_dir("emulator-token").expect("state dir");
    apply_migrations(&state).expect("migrations");
    let server = Server::start(state, &[("EMULATOR_TOKEN", TOKEN)]).expect("server starts");
    let public = [("Host", PUBLIC_HOST)];
    let client = server.client();
    for path in EMULATOR_PATHS {
        assert_eq!(client.get_with(path, &public).status, 404, "{path}");
        let wrong = [
            ("Host", PUBLIC_HOST),
            ("X-Emulator-Token", "e2e-emulator-token"),
        ];
        assert_eq!(client.get_with(path, &wrong).status, 404, "{path}");
        let right = [("Host", PUBLIC_HOST), ("X-Emulator-Token", TOKEN)];
        assert_eq!(client.get_with(path, &right).status, 200, "{path}");
    }
    // In the query, for a browser: then a cookie keeps the pages open.
    let browser = server.client();
    let r = browser.get_with(&format!("/_emulator/mail?emulator_token={TOKEN}"), &public);
    assert_eq!(r.status, 200);
    let cookie = r
        .headers_named("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("__Host-emulator="))
        .unwrap_or_default()
        .to_string();
    assert!(
        cookie.contains("; Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    assert!(
        !cookie.contains(TOKEN),
        "the cookie is not the secret: {cookie}"
    );
    assert_eq!(browser.get_with("/_emulator/clock", &public).status, 200);
    assert_eq!(
        server.client().get_with("/_emulator/clock", &public).status,
        404
    );
    // The platform's own pages are not behind the token.
    assert_eq!(server.client().get_with("/", &public).status, 200);
}

fn a_cross_site_post_to_the_emulator_clock_is_refused(world: &World) {
    let client = world.server.client();
    let offset = |c: &crate::harness::Client| {
        c.get_json("/_emulator/clock").json()["offset_seconds"].clone()
    };
    let before = offset(&client);
    for headers in [
        vec![("Sec-Fetch-Site", "cross-site")],
        vec![("Origin", "https://evil.example")],
    ] {
        let r = client.post_form_with("/_emulator/clock", &[("advance_seconds", "0")], &headers);
        assert_eq!(r.status, 403, "{headers:?}: {}", r.body);
    }
    let r = client.post_form_with(
        "/_emulator/clock",
        &[("advance_seconds", "0")],
        &[
            ("Origin", &world.server.base_url),
            ("Sec-Fetch-Site", "same-origin"),
        ],
    );
    assert_eq!(r.status, 200, "same origin: {}", r.body);
    assert_eq!(offset(&client), before, "the clock did not move");
}

fn the_emulator_checkout_never_sends_the_buyer_to_a_foreign_url(world: &World) {
    let server = &world.server;
    let receiver = paypal_account(server, &unique_email("redirect-rcv"), "0");
    let payer = paypal_account(server, &unique_email("redirect-pay"), "10.00");
    let request = set_ec_request_to(
        &receiver,
        "1.00",
        "en_US",
        "https://evil.example/return",
        "https://evil.example/cancel",
    );
    let answer = call(server, &request);
    assert_success(&answer);
    let token = answer.token().unwrap_or_default().to_string();
    let client = server.client();
    for action in ["cancel", "pay"] {
        let r = client.post_form(
            &checkout_path(&token),
            &[("email", &payer.email), ("action", action)],
        );
        assert_eq!(r.status, 400, "{action}: {:?}", r.header("location"));
        assert_eq!(r.header("location"), None, "{action}");
    }
    // Nothing was approved: the page still offers the payment.
    assert_eq!(client.get(&checkout_path(&token)).status, 200);
}

fn emulator_mode_with_a_paypal_url_answers_503_misconfigured(_world: &World) {
    let state = fresh_state_dir("emulator-paypal-url").expect("state dir");
    apply_migrations(&state).expect("migrations");
    let server = Server::start(
        state,
        &[("PAYPAL_NVP_URL", "https://api-3t.paypal.com/nvp")],
    )
    .expect("server starts");
    let client = server.client();
    let r = client.get("/healthz");
    assert_eq!(r.status, 503, "{}", r.body);
    let body = r.json();
    assert_eq!(body["status"], "misconfigured");
    assert_eq!(body["invalid"], serde_json::json!(["PAYPAL_NVP_URL"]));
    assert_eq!(client.get("/").status, 503);
    assert_eq!(client.get("/_emulator/mail").status, 503);
}
