//! Reads near the user (issue 22): where each request's D1 session starts,
//! read from the `d1_session` entry of `Server-Timing` (emulator mode), and
//! the bookmark cookie that carries a client's last write to his next
//! requests.
//!
//! What the local D1 does: `wrangler dev` runs one copy of the database, so
//! there is no replica to be behind. workerd's `withSession` is the real one:
//! it sends the constraint or bookmark with each query and keeps the newest
//! bookmark it is answered with; miniflare's D1 ignores the bookmark it is
//! sent (its one copy is always current) and answers with its storage's
//! current bookmark. So these tests show that the bookmark is made, carried,
//! advanced by writes, and opened again by the Worker; that a replica waits
//! for it is D1's promise, which no local run can show.

use crate::flows::{csrf, paypal_account, post_register, register, PASSWORD};
use crate::harness::unique_email;
use crate::harness::Resp;
use crate::{Test, World};

const COOKIE: &str = "__Host-d1-bookmark";

pub fn tests() -> Vec<Test> {
    vec![
        (
            "replica::a_visitor_reads_public_pages_unconstrained_and_gets_no_bookmark",
            a_visitor_reads_public_pages_unconstrained_and_gets_no_bookmark,
        ),
        (
            "replica::a_signed_in_write_sets_the_bookmark_and_the_next_reads_open_from_it",
            a_signed_in_write_sets_the_bookmark_and_the_next_reads_open_from_it,
        ),
        (
            "replica::a_forged_bookmark_cookie_falls_back_to_the_primary_not_a_500",
            a_forged_bookmark_cookie_falls_back_to_the_primary_not_a_500,
        ),
        (
            "replica::an_api_key_carries_its_bookmark_like_a_session",
            an_api_key_carries_its_bookmark_like_a_session,
        ),
        (
            "replica::write_paths_open_on_the_primary_and_logout_drops_the_bookmark",
            write_paths_open_on_the_primary_and_logout_drops_the_bookmark,
        ),
    ]
}

/// Where the response's D1 session started: `first-primary`,
/// `first-unconstrained` or `bookmark`.
fn start(r: &Resp) -> String {
    let timing = r.header("server-timing").unwrap_or("");
    timing
        .split(',')
        .map(str::trim)
        .find_map(|part| part.strip_prefix("d1_session;desc=\""))
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or_else(|| panic!("no d1_session in Server-Timing: {timing}"))
        .to_string()
}

/// The bookmark cookie a response sets, whole (`name=value; attributes`).
fn bookmark_set(r: &Resp) -> Option<String> {
    r.headers_named("set-cookie")
        .into_iter()
        .find(|c| c.starts_with(&format!("{COOKIE}=")))
        .map(String::from)
}

/// The D1 bookmark inside a cookie value (`bookmark.mac`), checked for
/// shape: D1's bookmark, then the Worker's 64-hex-digit MAC.
fn bookmark_of(value: &str) -> String {
    let (bookmark, mac) = value.rsplit_once('.').unwrap_or(("", ""));
    assert!(
        mac.len() == 64 && mac.bytes().all(|b| b.is_ascii_hexdigit()),
        "signed: {value}"
    );
    assert!(
        !bookmark.is_empty()
            && bookmark
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-'),
        "a D1 bookmark: {value}"
    );
    bookmark.to_string()
}

fn a_visitor_reads_public_pages_unconstrained_and_gets_no_bookmark(world: &World) {
    let visitor = world.server.client();
    for path in [
        "/",
        "/market",
        "/history",
        "/ledger",
        "/sitemap.xml",
        "/?lang=fr",
    ] {
        let r = visitor.get(path);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert_eq!(start(&r), "first-unconstrained", "{path}");
        assert_eq!(bookmark_set(&r), None, "{path}: no cookie for a visitor");
    }
    // A title page too (one of the seeded titles of a member).
    let member = register(&world.server, "replica-title", "1.00");
    let isin = crate::purchase::titles(&member)[0].0.clone();
    let r = visitor.get(&format!("/titles/{isin}"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(start(&r), "first-unconstrained");
    assert_eq!(bookmark_set(&r), None);
    // The API without a key answers 401 from any replica, and sets nothing.
    let r = visitor.get_json("/api/v1/orders");
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(bookmark_set(&r), None);
}

fn a_signed_in_write_sets_the_bookmark_and_the_next_reads_open_from_it(world: &World) {
    let email = unique_email("replica-write");
    let account = paypal_account(&world.server, &format!("pp-{email}"), "1.00");
    let client = world.server.client();
    // Registering writes (the client and his session): on the primary, and
    // the response hands the new client the bookmark of that write.
    let r = post_register(&client, &email, PASSWORD, &account);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(start(&r), "first-primary");
    let cookie = bookmark_set(&r).expect("a bookmark cookie after the write");
    for attribute in [
        "HttpOnly",
        "Secure",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=86400",
    ] {
        assert!(cookie.contains(attribute), "{attribute}: {cookie}");
    }
    let first = bookmark_of(&client.cookie(COOKIE).unwrap_or_default());

    // His next read opens from that bookmark, and keeps the cookie.
    let r = client.get("/account");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(start(&r), "bookmark");
    assert_eq!(bookmark_set(&r), None, "a read keeps the cookie it has");

    // Another write: a new bookmark, later than the first (D1's bookmarks
    // sort in commit order), and the read after it sees the write.
    let token = csrf(&client, "/buy");
    let r = client.post_form_with(
        "/account",
        &[
            ("csrf_token", &token),
            ("action", "api_key_create"),
            ("name", "replica-key"),
        ],
        &[("Accept", "application/json")],
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(start(&r), "first-primary");
    assert!(bookmark_set(&r).is_some(), "{:?}", r.headers);
    let second = bookmark_of(&client.cookie(COOKIE).unwrap_or_default());
    assert!(second > first, "{second} after {first}");
    let r = client.get_json("/account");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(start(&r), "bookmark");
    assert!(r.body.contains("replica-key"), "his own write: {}", r.body);
    // Public pages too read from his bookmark while he is signed in.
    let r = client.get("/market");
    assert_eq!(start(&r), "bookmark");
}

fn a_forged_bookmark_cookie_falls_back_to_the_primary_not_a_500(world: &World) {
    let member = register(&world.server, "replica-forged", "1.00");
    let genuine = member.client.cookie(COOKIE).expect("set at registration");
    let bookmark = bookmark_of(&genuine);
    let forged = [
        // A bookmark without the Worker's MAC, or with another one.
        bookmark.clone(),
        format!("{bookmark}.{}", "0".repeat(64)),
        format!(
            "ffffffff-ffffffff-ffffffff-{}.{}",
            "f".repeat(32),
            &genuine[genuine.len() - 64..]
        ),
        // Too long, odd characters, empty.
        "a".repeat(3000),
        "%3Cscript%3E.%00".to_string(),
        String::new(),
    ];
    for value in forged {
        member.client.set_cookie(COOKIE, &value);
        let r = member.client.get("/account");
        assert_eq!(r.status, 200, "{value:.40}: {}", r.body);
        assert_eq!(start(&r), "first-primary", "{value:.40}");
        // The read on the primary hands him a genuine bookmark again.
        let renewed = member.client.cookie(COOKIE).unwrap_or_default();
        bookmark_of(&renewed);
        assert_eq!(start(&member.client.get("/account")), "bookmark");
    }
}

fn an_api_key_carries_its_bookmark_like_a_session(world: &World) {
    let member = register(&world.server, "replica-api", "1.00");
    let (_, key) = crate::api::new_key(&member, "replica");
    // A program with a cookie jar, but no session: the key identifies it.
    let program = world.server.client();
    let auth = format!("Bearer {key}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Accept", "application/json"),
    ];
    let r = program.get_with("/api/v1/balance", &headers);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(start(&r), "first-primary", "no bookmark yet");
    bookmark_of(&program.cookie(COOKIE).expect("a bookmark for the key"));
    let r = program.get_with("/api/v1/orders", &headers);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(start(&r), "bookmark");
    // A key the Worker does not know identifies nobody: no bookmark.
    let stranger = world.server.client();
    let r = stranger.get_with(
        "/api/v1/balance",
        &[
            (
                "Authorization",
                "Bearer pbk_unknownunknownunknownunknownunknown",
            ),
            ("Accept", "application/json"),
        ],
    );
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(bookmark_set(&r), None, "no bookmark for an unknown key");
}

fn write_paths_open_on_the_primary_and_logout_drops_the_bookmark(world: &World) {
    let visitor = world.server.client();
    // A provider's notification and an emulator's page: writes, primary.
    let r = visitor.post_raw(
        "/psp/paypal/notify",
        "application/x-www-form-urlencoded",
        b"txn_type=web_accept",
    );
    assert!(r.status < 500, "{}: {}", r.status, r.body);
    assert_eq!(start(&r), "first-primary");
    assert_eq!(bookmark_set(&r), None, "nobody to carry it to");
    let r = visitor.get_json("/_emulator/mail?to=nobody%40example.org");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(start(&r), "first-primary");

    // Signing out: a write, and the bookmark cookie goes with the session.
    let member = register(&world.server, "replica-out", "1.00");
    assert!(member.client.cookie(COOKIE).is_some());
    let token = csrf(&member.client, "/buy");
    let r = member
        .client
        .post_form("/logout", &[("csrf_token", &token)]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(start(&r), "first-primary");
    let dropped = bookmark_set(&r).unwrap_or_default();
    assert!(dropped.contains("Max-Age=0"), "{dropped}");
    assert_eq!(member.client.cookie(COOKIE), None);
    let r = member.client.get("/market");
    assert_eq!(start(&r), "first-unconstrained");
}
