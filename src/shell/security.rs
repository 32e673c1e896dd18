//! What keeps browsers and strangers out of what is not theirs: the
//! security headers every response carries (static files and 503s
//! included), the cross-site check on every POST, the CSRF token bound to
//! the session (or to the pre-session cookie before one exists), the gate
//! in front of the PayPal emulator on a non-local host, and where the
//! emulator's checkout may send a browser back to. Pure functions of the
//! request's parts, so that they are unit-tested natively.

use worker::Headers;

use crate::core::weburl::WebUrl;

use crate::core::crypto;

/// `__Host-` names: the browser only accepts them Secure, with `Path=/` and
/// no `Domain`, set by this very host, so a sibling subdomain or a
/// plain-HTTP man in the middle cannot plant or shadow them.
pub const SESSION_COOKIE: &str = "__Host-session";
pub const CSRF_COOKIE: &str = "__Host-csrf";
pub const LANG_COOKIE: &str = "__Host-lang";
pub const EMULATOR_COOKIE: &str = "__Host-emulator";

/// The header and query parameter that carry `EMULATOR_TOKEN`. The query
/// parameter is not `token`: the checkout page already uses that name for
/// PayPal's EC token.
pub const EMULATOR_TOKEN_HEADER: &str = "X-Emulator-Token";
pub const EMULATOR_TOKEN_PARAM: &str = "emulator_token";

/// HSTS: two years, subdomains included (a sibling subdomain over plain
/// HTTP could otherwise set cookies for ours).
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Whether a host is this machine (a developer's `scripts/serve`, the
/// tests): no HSTS there, and the emulator is open without a token.
pub fn is_local_host(host: Option<&str>) -> bool {
    matches!(host, Some("localhost" | "127.0.0.1" | "[::1]" | "::1"))
}

/// Whether the request URL's host is local.
pub fn is_local_url(url: &WebUrl) -> bool {
    is_local_host(Some(url.host_str()))
}

/// Sets the headers every response carries. `checkout_origin` is PayPal's
/// checkout origin (forms may post there), empty when unknown or in-site.
pub fn apply_headers(headers: &Headers, local: bool, checkout_origin: &str) {
    let form_action = if checkout_origin.is_empty() {
        "'self'".to_string()
    } else {
        format!("'self' {checkout_origin}")
    };
    let _ = headers.set(
        "Content-Security-Policy",
        &format!(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
        ),
    );
    let _ = headers.set("Referrer-Policy", "same-origin");
    let _ = headers.set("X-Content-Type-Options", "nosniff");
    let _ = headers.set("X-Frame-Options", "DENY");
    let _ = headers.set("Cross-Origin-Opener-Policy", "same-origin");
    let _ = headers.set("Cross-Origin-Resource-Policy", "same-origin");
    let _ = headers.set(
        "Permissions-Policy",
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    let _ = headers.set("Vary", "Accept, Cookie");
    if !local {
        let _ = headers.set("Strict-Transport-Security", HSTS);
    }
    if headers.get("Cache-Control").ok().flatten().is_none() {
        let _ = headers.set("Cache-Control", "no-store");
    }
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, and always Secure with
/// `Path=/` and no `Domain` (the `__Host-` prefix demands it; browsers
/// accept Secure cookies from `http://localhost` too).
pub fn cookie_header(name: &str, value: &str, max_age_seconds: i64) -> String {
    format!("{name}={value}; Path=/; Max-Age={max_age_seconds}; HttpOnly; Secure; SameSite=Lax")
}

/// Whether a state-changing request comes from another site, by what the
/// browser says: `Sec-Fetch-Site` other than `same-origin`/`none`, or an
/// `Origin` that is not ours (`null` included). Requests without either
/// header (servers, scripts, old browsers) are let through: the CSRF
/// token still guards every form.
pub fn is_cross_site(sec_fetch_site: Option<&str>, origin: Option<&str>, ours: &[String]) -> bool {
    if let Some(site) = sec_fetch_site {
        if !matches!(site.trim(), "same-origin" | "none") {
            return true;
        }
    }
    match origin {
        Some(origin) => !ours.iter().any(|o| o == origin.trim()),
        None => false,
    }
}

/// The CSRF token of a binding (`s:<session hash>` when signed in, `p:<pre-
/// session id>` before): a MAC, so a token from another session or another
/// browser never matches.
pub fn csrf_token_for(secret: &str, binding: &str) -> String {
    let mac = crypto::hmac_sha256(
        secret.as_bytes(),
        format!("csrf-token:{binding}").as_bytes(),
    );
    mac.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the emulator's gate decides for one request.
#[derive(Debug, PartialEq, Eq)]
pub enum EmulatorGate {
    /// Local host, or the token came in the header or from the cookie.
    Open,
    /// The token came in the query (a browser): remember it in a cookie.
    OpenRememberToken,
    /// Answer 404, as if the emulator did not exist.
    Hidden,
}

/// The cookie value that stands for the token: a MAC of it, so the secret
/// itself is never stored in a browser.
pub fn emulator_cookie_value(token: &str) -> String {
    let mac = crypto::hmac_sha256(token.as_bytes(), b"emulator-cookie");
    mac.iter().map(|b| format!("{b:02x}")).collect()
}

/// The gate in front of `/_emulator/*`: open on a local host; elsewhere only
/// with the configured `EMULATOR_TOKEN` (header, query or the cookie set
/// from them), compared in constant time. No token configured: hidden.
pub fn emulator_gate(
    local: bool,
    configured: Option<&str>,
    header: Option<&str>,
    param: Option<&str>,
    cookie: Option<&str>,
) -> EmulatorGate {
    if local {
        return EmulatorGate::Open;
    }
    let Some(secret) = configured.filter(|t| !t.is_empty()) else {
        return EmulatorGate::Hidden;
    };
    let given = |v: Option<&str>| {
        v.is_some_and(|v| crypto::constant_time_eq(v.as_bytes(), secret.as_bytes()))
    };
    if given(header) {
        return EmulatorGate::Open;
    }
    if given(param) {
        return EmulatorGate::OpenRememberToken;
    }
    let expected = emulator_cookie_value(secret);
    if cookie.is_some_and(|c| crypto::constant_time_eq(c.as_bytes(), expected.as_bytes())) {
        return EmulatorGate::Open;
    }
    EmulatorGate::Hidden
}

/// Whether the emulator's checkout may send the browser to `target`: only
/// to this deployment's own origin; on a local host also to another local
/// origin (the emulator then plays PayPal's sandbox for a deployment on
/// another port, as in `tests/e2e/sandbox.rs`). Never an open redirect.
pub fn may_redirect_to(target: &str, ours: &WebUrl) -> bool {
    let Some(target) = WebUrl::parse(target) else {
        return false;
    };
    if !matches!(target.scheme(), "http" | "https") {
        return false;
    }
    if target.origin() == ours.origin() {
        return true;
    }
    is_local_url(ours) && is_local_url(&target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours() -> Vec<String> {
        vec!["https://paybook.example".to_string()]
    }

    #[test]
    fn a_post_from_another_site_is_cross_site_and_one_without_headers_is_not() {
        assert!(is_cross_site(Some("cross-site"), None, &ours()));
        assert!(is_cross_site(Some("same-site"), None, &ours()));
        assert!(is_cross_site(None, Some("https://evil.example"), &ours()));
        assert!(is_cross_site(None, Some("null"), &ours()));
        assert!(is_cross_site(
            Some("same-origin"),
            Some("https://evil.example"),
            &ours()
        ));
        assert!(!is_cross_site(
            Some("same-origin"),
            Some("https://paybook.example"),
            &ours()
        ));
        assert!(!is_cross_site(Some("none"), None, &ours()));
        assert!(!is_cross_site(None, None, &ours()));
    }

    #[test]
    fn csrf_tokens_differ_by_binding_and_by_secret() {
        let a = csrf_token_for("secret", "s:aaaa");
        assert_eq!(a, csrf_token_for("secret", "s:aaaa"));
        assert_ne!(a, csrf_token_for("secret", "s:bbbb"));
        assert_ne!(a, csrf_token_for("secret", "p:aaaa"));
        assert_ne!(a, csrf_token_for("other", "s:aaaa"));
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn the_emulator_is_hidden_on_a_public_host_without_the_token() {
        use EmulatorGate::*;
        assert_eq!(emulator_gate(true, None, None, None, None), Open);
        assert_eq!(emulator_gate(false, None, Some("x"), None, None), Hidden);
        assert_eq!(emulator_gate(false, Some(""), Some(""), None, None), Hidden);
        assert_eq!(emulator_gate(false, Some("tok"), None, None, None), Hidden);
        assert_eq!(
            emulator_gate(false, Some("tok"), Some("tok"), None, None),
            Open,
            "a script's header needs no cookie"
        );
        assert_eq!(
            emulator_gate(false, Some("tok"), None, Some("tok"), None),
            OpenRememberToken
        );
        assert_eq!(
            emulator_gate(false, Some("tok"), Some("tok2"), Some("to"), None),
            Hidden
        );
        let cookie = emulator_cookie_value("tok");
        assert_eq!(
            emulator_gate(false, Some("tok"), None, None, Some(&cookie)),
            Open
        );
        assert_eq!(
            emulator_gate(false, Some("tok"), None, None, Some("tok")),
            Hidden,
            "the cookie holds a MAC, not the token"
        );
    }

    #[test]
    fn local_hosts_include_ipv6_loopback() {
        for host in ["localhost", "127.0.0.1", "[::1]"] {
            assert!(is_local_host(Some(host)), "{host}");
        }
        let url = WebUrl::parse("http://[::1]:8787/").expect("url");
        assert!(is_local_url(&url), "{:?}", url.host_str());
        assert!(!is_local_host(Some("paybook.example")));
        assert!(!is_local_host(Some("localhost.evil.example")));
        assert!(!is_local_host(None));
    }

    #[test]
    fn the_checkout_redirects_only_home() {
        let public =
            WebUrl::parse("https://paybook.example/_emulator/paypal/checkout").expect("url");
        assert!(may_redirect_to(
            "https://paybook.example/psp/paypal/return?token=EC-1",
            &public
        ));
        assert!(!may_redirect_to("https://evil.example/", &public));
        assert!(!may_redirect_to("http://paybook.example/", &public));
        assert!(!may_redirect_to("javascript:alert(1)", &public));
        assert!(!may_redirect_to("//evil.example/", &public));
        let local = WebUrl::parse("http://127.0.0.1:8787/x").expect("url");
        assert!(may_redirect_to(
            "http://127.0.0.1:9000/psp/paypal/return",
            &local
        ));
        assert!(!may_redirect_to("https://evil.example/", &local));
    }
}
