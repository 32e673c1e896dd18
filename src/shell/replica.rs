//! Reads near the user (issue 22): which D1 session a request opens, and the
//! cookie that carries a client's last write to his next requests.
//!
//! D1 answers a session's first query from any replica (`first-unconstrained`),
//! from the primary (`first-primary`), or from a replica at least as new as a
//! bookmark; every later query of the session sees at least what the earlier
//! ones saw, and writes always go to the primary. So:
//! - a visitor who is not signed in reads the public pages from any replica;
//! - a signed-in client (or an API key) reads from the bookmark of his last
//!   write, so that he never sees a state older than the one he made;
//! - every write path, and an identified client whose last write we cannot
//!   place, starts on the primary, and a client's write then hands him the
//!   session's new bookmark.
//!
//! The bookmark cookie is signed: only bookmarks this Worker issued reach D1,
//! whatever a client sends.

use worker::{D1Database, D1DatabaseSession, D1SessionConstraint, Method};

use crate::core::api::keys;
use crate::core::crypto;

/// The cookie holding a client's last-write bookmark (`__Host-` rules).
pub const BOOKMARK_COOKIE: &str = "__Host-d1-bookmark";

/// How long a bookmark is kept. A missing one only costs a read on the
/// primary, never consistency: replicas lag seconds, the cookie a day.
pub const BOOKMARK_MAX_AGE_SECONDS: i64 = 86_400;

/// The longest bookmark taken from D1 or from a cookie. D1's are about 60
/// characters (`00000085-0000024c-00004c6d-8e6111...`).
const BOOKMARK_MAX_CHARS: usize = 128;

const BOOKMARK_PURPOSE: &str = "d1-bookmark";

/// Where a request's D1 session starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Start {
    /// On the primary: a write path, or an identified client without a
    /// valid bookmark.
    Primary,
    /// On any replica: a public read page for a visitor not signed in.
    Unconstrained,
    /// On a replica at least as new as the client's last write.
    Bookmark(String),
}

impl Start {
    /// What `withSession` is given.
    pub fn constraint(&self) -> &str {
        match self {
            Start::Primary => "first-primary",
            Start::Unconstrained => "first-unconstrained",
            Start::Bookmark(bookmark) => bookmark,
        }
    }

    /// The kind of start, safe to show (the bookmark itself is not shown).
    pub fn label(&self) -> &'static str {
        match self {
            Start::Primary => "first-primary",
            Start::Unconstrained => "first-unconstrained",
            Start::Bookmark(_) => "bookmark",
        }
    }
}

/// Who is asking, as far as the session's start is concerned.
pub struct Caller<'a> {
    /// A session cookie whose signature checks out, or an API key.
    pub identified: bool,
    /// The bookmark cookie as sent, unchecked.
    pub bookmark_cookie: Option<&'a str>,
}

/// The start of the session of a request for `method` and `path`.
pub fn choose(secret: &str, method: &Method, path: &str, caller: &Caller) -> Start {
    let segments: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    if *method != Method::Get || writes_on_get(&segments) {
        return Start::Primary;
    }
    if caller.identified {
        return caller
            .bookmark_cookie
            .and_then(|value| open_bookmark(secret, value))
            .map_or(Start::Primary, |bookmark| {
                Start::Bookmark(bookmark.to_string())
            });
    }
    if public_read(&segments) {
        Start::Unconstrained
    } else {
        Start::Primary
    }
}

/// Whether a request is an API call carrying a key (`Authorization: Bearer`),
/// which identifies its client as a session cookie does.
pub fn api_key(path: &str, authorization: Option<&str>) -> bool {
    path.starts_with("/api/v1/") && keys::from_authorization(authorization).is_some()
}

/// The request's D1 session, started at `start`. D1 refuses only an empty
/// constraint, which `choose` never gives; were it to refuse a bookmark, the
/// session starts on the primary instead.
pub fn open(db: &D1Database, start: Start) -> worker::Result<(D1DatabaseSession, Start)> {
    match db.with_session(Some(start.constraint())) {
        Ok(session) => Ok((session, start)),
        Err(e) if start != Start::Primary => {
            worker::console_warn!("d1 session refused its start ({}): {e}", start.label());
            let session = db.with_session_constraint(D1SessionConstraint::FirstPrimary)?;
            Ok((session, Start::Primary))
        }
        Err(e) => Err(e),
    }
}

/// The bookmark cookie a response sets, as (value, max-age): the session's
/// bookmark after a client's request that started on the primary (a write,
/// or a read that could not use his bookmark); an expired cookie for a
/// visitor who still sends one (he signed out); else none. A read that
/// started from a bookmark or on a replica keeps the cookie it has.
pub fn cookie_after(
    secret: &str,
    start: &Start,
    client: bool,
    sent: bool,
    bookmark: Option<String>,
) -> Option<(String, i64)> {
    if !client {
        return sent.then(|| (String::new(), 0));
    }
    if *start != Start::Primary {
        return None;
    }
    let value = seal_bookmark(secret, &bookmark?)?;
    Some((value, BOOKMARK_MAX_AGE_SECONDS))
}

/// GET routes that write: the providers' returns to our site and the
/// emulators' pages (which stand for the providers' own systems).
fn writes_on_get(segments: &[&str]) -> bool {
    matches!(segments, ["psp", ..] | ["_emulator", ..])
}

/// The pages anyone may read, whose content does not depend on a client's
/// own recent writes. Anything else a visitor asks for starts on the primary.
fn public_read(segments: &[&str]) -> bool {
    matches!(
        segments,
        [] | ["market"]
            | ["titles", _]
            | ["history"]
            | ["claims"]
            | ["isin"]
            | ["ledger"]
            | ["ledger", "verify"]
            | ["sitemap.xml"]
            | ["robots.txt"]
            | ["contact"]
            | ["docs"]
            | ["source"]
            | ["terms"]
            | ["healthz"]
            | ["login"]
            | ["register"]
            | ["api", "v1", ..]
    )
}

/// Whether D1 (or a cookie) gave something shaped like a bookmark: bounded,
/// and only characters that need no quoting in a cookie.
pub fn well_formed(bookmark: &str) -> bool {
    !bookmark.is_empty()
        && bookmark.len() <= BOOKMARK_MAX_CHARS
        && bookmark
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The cookie value for a bookmark D1 gave: the bookmark and its MAC, or
/// `None` when it is not shaped like one.
pub fn seal_bookmark(secret: &str, bookmark: &str) -> Option<String> {
    well_formed(bookmark).then(|| crypto::sign(secret, BOOKMARK_PURPOSE, bookmark))
}

/// The bookmark inside a cookie this Worker set; `None` for anything else
/// (too long, odd characters, a bad or missing MAC).
pub fn open_bookmark<'a>(secret: &str, value: &'a str) -> Option<&'a str> {
    // The MAC is 64 hex digits after a dot.
    if value.len() > BOOKMARK_MAX_CHARS + 65 {
        return None;
    }
    crypto::verify_signed(secret, BOOKMARK_PURPOSE, value).filter(|b| well_formed(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    const BOOKMARK: &str = "00000085-0000024c-00004c6d-8e61117bf38d7adb71b934ebbf891683";

    fn anonymous() -> Caller<'static> {
        Caller {
            identified: false,
            bookmark_cookie: None,
        }
    }

    #[test]
    fn a_visitor_reads_public_pages_from_any_replica() {
        for path in [
            "/",
            "/market",
            "/titles/FR0000000001",
            "/history",
            "/ledger",
        ] {
            assert_eq!(
                choose(SECRET, &Method::Get, path, &anonymous()),
                Start::Unconstrained,
                "{path}"
            );
        }
        assert_eq!(
            choose(SECRET, &Method::Get, "/sitemap.xml", &anonymous()),
            Start::Unconstrained
        );
    }

    #[test]
    fn a_visitor_elsewhere_starts_on_the_primary() {
        for path in ["/orders/3", "/password-reset/abc", "/account", "/admin"] {
            assert_eq!(
                choose(SECRET, &Method::Get, path, &anonymous()),
                Start::Primary,
                "{path}"
            );
        }
    }

    #[test]
    fn every_write_path_starts_on_the_primary() {
        let sealed = seal_bookmark(SECRET, BOOKMARK).unwrap_or_default();
        let client = Caller {
            identified: true,
            bookmark_cookie: Some(&sealed),
        };
        for (method, path) in [
            (Method::Post, "/buy"),
            (Method::Post, "/login"),
            (Method::Post, "/psp/paypal/notify"),
            (Method::Delete, "/_emulator/paypal/faults"),
            (Method::Get, "/psp/paypal/return"),
            (Method::Get, "/_emulator/paypal/checkout"),
        ] {
            assert_eq!(
                choose(SECRET, &method, path, &client),
                Start::Primary,
                "{path}"
            );
            assert_eq!(
                choose(SECRET, &method, path, &anonymous()),
                Start::Primary,
                "{path}"
            );
        }
    }

    #[test]
    fn a_signed_in_client_reads_from_his_last_write() {
        let sealed = seal_bookmark(SECRET, BOOKMARK).unwrap_or_default();
        let client = Caller {
            identified: true,
            bookmark_cookie: Some(&sealed),
        };
        for path in ["/", "/orders/3", "/account", "/api/v1/orders"] {
            assert_eq!(
                choose(SECRET, &Method::Get, path, &client),
                Start::Bookmark(BOOKMARK.into()),
                "{path}"
            );
        }
    }

    #[test]
    fn a_signed_in_client_without_a_valid_bookmark_reads_from_the_primary() {
        let forged = format!("{BOOKMARK}.{}", "0".repeat(64));
        let other_key = seal_bookmark("another secret of thirty-two ch.", BOOKMARK).unwrap();
        let long = format!("{}.{}", "a".repeat(200), "0".repeat(64));
        for cookie in [
            None,
            Some(""),
            Some(BOOKMARK),
            Some(&forged),
            Some(&other_key),
        ]
        .into_iter()
        .chain([Some(long.as_str()), Some("a;b"), Some("é.é")])
        {
            let client = Caller {
                identified: true,
                bookmark_cookie: cookie,
            };
            assert_eq!(
                choose(SECRET, &Method::Get, "/market", &client),
                Start::Primary,
                "{cookie:?}"
            );
        }
    }

    #[test]
    fn a_visitor_s_bookmark_cookie_is_not_used() {
        let sealed = seal_bookmark(SECRET, BOOKMARK).unwrap_or_default();
        let visitor = Caller {
            identified: false,
            bookmark_cookie: Some(&sealed),
        };
        assert_eq!(
            choose(SECRET, &Method::Get, "/market", &visitor),
            Start::Unconstrained
        );
    }

    #[test]
    fn only_bookmark_shaped_values_are_sealed() {
        assert!(seal_bookmark(SECRET, BOOKMARK).is_some());
        for bad in ["", "a b", "a;b", "a\"b", "a,b", "é", &"a".repeat(129)] {
            assert!(seal_bookmark(SECRET, bad).is_none(), "{bad:?}");
        }
        let sealed = seal_bookmark(SECRET, BOOKMARK).unwrap_or_default();
        assert_eq!(open_bookmark(SECRET, &sealed), Some(BOOKMARK));
    }

    #[test]
    fn a_client_s_write_hands_him_the_new_bookmark() {
        let after = |start: &Start, client, sent, bookmark: Option<&str>| {
            cookie_after(SECRET, start, client, sent, bookmark.map(String::from))
        };
        let sealed = seal_bookmark(SECRET, BOOKMARK).unwrap_or_default();
        assert_eq!(
            after(&Start::Primary, true, false, Some(BOOKMARK)),
            Some((sealed.clone(), BOOKMARK_MAX_AGE_SECONDS))
        );
        assert_eq!(
            after(&Start::Primary, true, true, Some(BOOKMARK)),
            Some((sealed, BOOKMARK_MAX_AGE_SECONDS))
        );
        // No query, or D1 gave something odd: nothing to carry.
        assert_eq!(after(&Start::Primary, true, false, None), None);
        assert_eq!(after(&Start::Primary, true, false, Some("a;b")), None);
        // A read from his bookmark keeps the cookie he has.
        let from = Start::Bookmark(BOOKMARK.into());
        assert_eq!(after(&from, true, true, Some(BOOKMARK)), None);
    }

    #[test]
    fn a_visitor_gets_no_bookmark_and_loses_an_old_one() {
        for start in [Start::Primary, Start::Unconstrained] {
            assert_eq!(
                cookie_after(SECRET, &start, false, false, Some(BOOKMARK.into())),
                None
            );
            assert_eq!(
                cookie_after(SECRET, &start, false, true, Some(BOOKMARK.into())),
                Some((String::new(), 0))
            );
        }
    }

    #[test]
    fn only_api_calls_with_a_bearer_key_count_as_keyed() {
        assert!(api_key("/api/v1/orders", Some("Bearer pbk_abc")));
        assert!(!api_key("/api/v1/orders", None));
        assert!(!api_key("/api/v1/orders", Some("Basic abc")));
        assert!(!api_key("/market", Some("Bearer pbk_abc")));
    }

    #[test]
    fn the_label_never_shows_the_bookmark() {
        let start = Start::Bookmark(BOOKMARK.into());
        assert_eq!(start.label(), "bookmark");
        assert_eq!(start.constraint(), BOOKMARK);
        assert_eq!(Start::Primary.constraint(), "first-primary");
        assert_eq!(Start::Unconstrained.constraint(), "first-unconstrained");
    }
}
