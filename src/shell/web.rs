//! The web layer's plumbing: the per-request context (language, cookies, the
//! D1 session and its round-trip count), the one error type that maps every
//! failure to a status and the one error page, and the finishing touches
//! every response gets (security headers, cookies, `Vary`, `Server-Timing`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use askama::Template;
use serde_json::json;
use worker::{D1Database, D1DatabaseSession, Env, Method, Request, Response};

use crate::core::weburl::WebUrl;

use super::app::{self, App};
use super::db;
use super::pages::{ErrorPage, Layout};
use super::replica::{self, Start};
use crate::core::accept;
use crate::core::config::PspMode;
use crate::core::crypto;
use crate::core::i18n::Lang;
use crate::core::sql::{self, sessions, sessions::SessionRow, Batch, StmtResult};
use crate::core::time::UtcTime;

pub use super::body::{read_form, Form, MAX_BODY_BYTES};
pub use super::error::WebError;
use super::security;

/// One request's context.
pub struct Ctx {
    pub app: Rc<App>,
    pub env: Env,
    /// This request's D1 session, started where `replica` says.
    pub db: D1DatabaseSession,
    d1_start: Start,
    /// An API call carrying a key: a client, like a session.
    api_key: bool,
    pub method: Method,
    pub url: WebUrl,
    pub lang: Lang,
    /// The language came from `?lang=`: remember it in a cookie.
    pub lang_chosen: bool,
    pub wants_json: bool,
    /// The client's address as Cloudflare reports it, for rate limits.
    pub client_ip: String,
    cookies: Vec<(String, String)>,
    set_cookies: RefCell<Vec<String>>,
    d1_calls: Cell<u32>,
    psp_calls: Cell<u32>,
    emulator_d1_calls: Cell<u32>,
    /// Ledger entries went in at the tail unsealed (`Effects::seal_later`).
    pub(crate) seal_due: Cell<bool>,
    /// The session token from a cookie whose signature checks out.
    session_token: Option<String>,
    /// The session's client once D1 was asked (`None` inside: no session).
    session: RefCell<Option<Option<SessionRow>>>,
    csrf: RefCell<Option<String>>,
    /// The session hash this response started (`Some(Some)`) or ended
    /// (`Some(None)`), so that the forms it shows are bound to it.
    session_changed: RefCell<Option<Option<String>>>,
}

pub use security::{CSRF_COOKIE, LANG_COOKIE, SESSION_COOKIE};
const SESSION_PURPOSE: &str = "session";
const CSRF_PURPOSE: &str = "csrf";

/// The request's URL (as the runtime normalised it), a 400 if it is not an
/// http(s) URL (never from a browser or `wrangler dev`).
pub fn request_url(req: &Request) -> worker::Result<WebUrl> {
    let text = req.inner().url();
    WebUrl::parse(&text).ok_or_else(|| worker::Error::RustError(format!("unusable URL: {text}")))
}

impl Ctx {
    /// The context of `req`; its D1 session starts at `start`, or where
    /// `replica::choose` says for this request.
    pub fn new(
        app: Rc<App>,
        env: Env,
        db: D1Database,
        req: &Request,
        start: Option<Start>,
    ) -> worker::Result<Ctx> {
        let url = request_url(req)?;
        let headers = req.headers();
        let cookies = parse_cookies(&headers.get("Cookie")?.unwrap_or_default());
        let query_lang = url.query_pairs().find(|(k, _)| k == "lang").map(|(_, v)| v);
        let cookie_lang = cookies
            .iter()
            .find(|(k, _)| k == LANG_COOKIE)
            .map(|(_, v)| v.clone());
        let accept_language = headers.get("Accept-Language")?;
        let lang = Lang::negotiate(
            query_lang.as_deref(),
            cookie_lang.as_deref(),
            accept_language.as_deref(),
        );
        let lang_chosen = query_lang.as_deref().and_then(Lang::parse).is_some();
        let wants_json = accept::prefers_json(&headers.get("Accept")?.unwrap_or_default());
        let client_ip = headers
            .get("CF-Connecting-IP")?
            .unwrap_or_else(|| "unknown".into());
        let session_token = cookies
            .iter()
            .find(|(k, _)| k == SESSION_COOKIE)
            .and_then(|(_, v)| crypto::verify_signed(&app.session_secret, SESSION_PURPOSE, v))
            .map(str::to_string);
        let authorization = headers.get("Authorization")?;
        let api_key = replica::api_key(url.path(), authorization.as_deref());
        let start = start.unwrap_or_else(|| {
            let caller = replica::Caller {
                identified: session_token.is_some() || api_key,
                bookmark_cookie: cookie_value(&cookies, replica::BOOKMARK_COOKIE),
            };
            replica::choose(&app.session_secret, &req.method(), url.path(), &caller)
        });
        let (db, d1_start) = replica::open(&db, start)?;
        Ok(Ctx {
            app,
            env,
            db,
            d1_start,
            api_key,
            method: req.method(),
            url,
            lang,
            lang_chosen,
            wants_json,
            client_ip,
            cookies,
            set_cookies: RefCell::new(Vec::new()),
            d1_calls: Cell::new(0),
            psp_calls: Cell::new(0),
            emulator_d1_calls: Cell::new(0),
            seal_due: Cell::new(false),
            session_token,
            session: RefCell::new(None),
            csrf: RefCell::new(None),
            session_changed: RefCell::new(None),
        })
    }

    pub fn now(&self) -> UtcTime {
        self.app.now()
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        cookie_value(&self.cookies, name)
    }

    /// A query parameter as sent (decoded), if present.
    pub fn param(&self, name: &str) -> Option<String> {
        self.url
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// Whether the request's host is this machine (no HSTS, open emulator).
    pub fn is_localhost(&self) -> bool {
        security::is_local_url(&self.url)
    }

    /// Queues a cookie (`__Host-` rules: HttpOnly, SameSite=Lax, Secure,
    /// Path=/, no Domain).
    pub fn set_cookie(&self, name: &str, value: &str, max_age_seconds: i64) {
        self.set_cookies
            .borrow_mut()
            .push(security::cookie_header(name, value, max_age_seconds));
    }

    /// Runs a batch: one D1 round trip. The first batch of a request with a
    /// session cookie also looks the session up (and refreshes it), so that
    /// a page and its session cost one round trip together.
    pub async fn run(&self, batch: &Batch) -> Result<Vec<StmtResult>, WebError> {
        self.d1_calls.set(self.d1_calls.get() + 1);
        let lookup = match (&self.session_token, self.session.borrow().is_some()) {
            (Some(token), false) => Some(crypto::sha256_hex(token.as_bytes())),
            _ => None,
        };
        let Some(token_hash) = lookup else {
            return db::run(&self.db, batch).await.map_err(WebError::Db);
        };
        let now = self.now();
        let cutoff = now.plus_seconds(-sessions::IDLE_SECONDS).to_string();
        let created_cutoff = now.plus_seconds(-sessions::MAX_AGE_SECONDS).to_string();
        let touch_before = now.plus_seconds(-sessions::TOUCH_EVERY_SECONDS).to_string();
        let mut full = Vec::with_capacity(batch.len() + 3);
        full.push(sessions::lookup(&token_hash, &cutoff, &created_cutoff));
        full.push(sessions::touch(
            &token_hash,
            &now.to_string(),
            &touch_before,
            &cutoff,
            &created_cutoff,
        ));
        if self.lang_chosen {
            // The signed-in client's language follows his last choice.
            full.push(sessions::set_language(&token_hash, self.lang.code()));
        }
        let prelude = full.len();
        full.extend(batch.iter().cloned());
        let mut results = db::run(&self.db, &full).await.map_err(WebError::Db)?;
        let rest = results.split_off(prelude.min(results.len()));
        let row = results
            .first()
            .and_then(|r| sql::first::<SessionRow>(r).ok().flatten());
        if row.is_none() {
            // A cookie for a session that ended: forget it.
            self.set_cookie(SESSION_COOKIE, "", 0);
        } else if results.get(1).is_some_and(|r| r.changes == 1) {
            // Used again (at most once per touch interval): the cookie lives
            // another idle period, so an active session does not lapse.
            if let Some(token) = &self.session_token {
                let value = crypto::sign(&self.app.session_secret, SESSION_PURPOSE, token);
                self.set_cookie(SESSION_COOKIE, &value, sessions::IDLE_SECONDS);
            }
        }
        *self.session.borrow_mut() = Some(row);
        Ok(rest)
    }

    /// The signed-in client, asking D1 if no batch did yet.
    pub async fn session(&self) -> Result<Option<SessionRow>, WebError> {
        if self.session_token.is_none() {
            return Ok(None);
        }
        if self.session.borrow().is_none() {
            self.run(&Vec::new()).await?;
        }
        Ok(self.session.borrow().clone().flatten())
    }

    /// The signed-in client, or the login page (401 JSON) for this path.
    pub async fn require_session(&self) -> Result<SessionRow, WebError> {
        self.session()
            .await?
            .ok_or_else(|| WebError::LoginRequired(self.path_and_query()))
    }

    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }

    /// The hash under which D1 knows this browser's session, for queries that
    /// select "my" rows in the same batch as the session lookup.
    pub fn session_token_hash(&self) -> Option<String> {
        self.session_token
            .as_deref()
            .map(|t| crypto::sha256_hex(t.as_bytes()))
    }

    /// Starts a session: the cookie carries a signed random token, D1 keeps
    /// only its hash (the caller adds the returned hash's INSERT to its batch).
    pub fn new_session_cookie(&self) -> Result<String, WebError> {
        let token = app::random_hex::<32>()?;
        let value = crypto::sign(&self.app.session_secret, SESSION_PURPOSE, &token);
        self.set_cookie(SESSION_COOKIE, &value, sessions::IDLE_SECONDS);
        let hash = crypto::sha256_hex(token.as_bytes());
        *self.session_changed.borrow_mut() = Some(Some(hash.clone()));
        *self.csrf.borrow_mut() = None;
        Ok(hash)
    }

    pub fn end_session_cookie(&self) {
        self.set_cookie(SESSION_COOKIE, "", 0);
        *self.session_changed.borrow_mut() = Some(None);
        *self.csrf.borrow_mut() = None;
    }

    /// This browser's pre-session id: the signed random value of the CSRF
    /// cookie, which binds the forms of a browser that is not signed in.
    fn pre_session_id(&self) -> Option<&str> {
        self.cookie(CSRF_COOKIE)
            .and_then(|v| crypto::verify_signed(&self.app.session_secret, CSRF_PURPOSE, v))
    }

    /// Whether the session cookie may bind forms: signed, and not found
    /// ended by a lookup of this request.
    fn session_binding(&self) -> Option<String> {
        if let Some(changed) = &*self.session_changed.borrow() {
            return changed.as_ref().map(|hash| format!("s:{hash}"));
        }
        let ended = matches!(&*self.session.borrow(), Some(None));
        self.session_token_hash()
            .filter(|_| !ended)
            .map(|hash| format!("s:{hash}"))
    }

    /// The CSRF token of this page's forms: a MAC of the session when
    /// signed in, else of the pre-session id (its cookie made on first use).
    pub fn csrf_token(&self) -> Result<String, WebError> {
        if let Some(token) = self.csrf.borrow().clone() {
            return Ok(token);
        }
        let binding = match (self.session_binding(), self.pre_session_id()) {
            (Some(session), _) => session,
            (None, Some(pre)) => format!("p:{pre}"),
            (None, None) => {
                let id = app::random_hex::<16>()?;
                let value = crypto::sign(&self.app.session_secret, CSRF_PURPOSE, &id);
                self.set_cookie(CSRF_COOKIE, &value, 365 * 86_400);
                format!("p:{id}")
            }
        };
        let token = security::csrf_token_for(&self.app.session_secret, &binding);
        *self.csrf.borrow_mut() = Some(token.clone());
        Ok(token)
    }

    /// Refuses a form whose `csrf_token` is not bound to this browser's
    /// session, or, signed out, to its pre-session. Signed in, only the
    /// session counts: a pre-session cookie planted by someone else (or a
    /// form from before signing in) is no way in.
    pub fn check_csrf(&self, form: &Form) -> Result<(), WebError> {
        let binding = match self.session_binding() {
            Some(session) => Some(session),
            None => self.pre_session_id().map(|pre| format!("p:{pre}")),
        };
        let field = form.get("csrf_token").as_bytes();
        let matches = binding.is_some_and(|binding| {
            let expected = security::csrf_token_for(&self.app.session_secret, &binding);
            crypto::constant_time_eq(expected.as_bytes(), field)
        });
        if matches {
            Ok(())
        } else {
            Err(WebError::Forbidden)
        }
    }

    /// The path with its query, for `next=` after logging in.
    pub fn path_and_query(&self) -> String {
        match self.url.query() {
            Some(q) => format!("{}?{q}", self.url.path()),
            None => self.url.path().to_string(),
        }
    }

    /// Our public base URL: `BASE_URL` when set, else the request's origin.
    pub fn base_url(&self) -> String {
        self.app
            .config
            .base_url
            .clone()
            .unwrap_or_else(|| self.url.origin().to_string())
    }

    /// Runs a batch on the PayPal emulator's own tables (counted apart, so
    /// that the platform's round trips are reported as they would be with
    /// the real PayPal).
    #[cfg(feature = "emulators")]
    pub async fn run_emulator(&self, batch: &Batch) -> Result<Vec<StmtResult>, WebError> {
        self.emulator_d1_calls.set(self.emulator_d1_calls.get() + 1);
        db::run(&self.db, batch).await.map_err(WebError::Db)
    }

    /// Whether e-mails stay in the outbox as the emulator's mailbox (emulator
    /// mode without a mail API) rather than being sent by the cron.
    pub fn mail_is_local(&self) -> bool {
        self.app.config.psp_mode == PspMode::Emulator && self.app.config.mail_api_url.is_none()
    }

    pub fn count_psp_call(&self) {
        self.psp_calls.set(self.psp_calls.get() + 1);
    }

    /// The page frame. The menu shows Account / Log out when D1 confirmed
    /// the session, or, on pages that asked D1 nothing, when the cookie's
    /// signature checks out.
    pub fn layout(&self) -> Result<Layout, WebError> {
        let signed_in = match &*self.session.borrow() {
            Some(row) => row.is_some(),
            None => self.session_token.is_some(),
        };
        Ok(Layout {
            t: self.lang.texts(),
            lang: self.lang,
            emulator: self.app.config.psp_mode == PspMode::Emulator,
            path: self.url.path().to_string(),
            signed_in,
            csrf_token: self.csrf_token()?,
            seo: crate::core::seo::Head::new(&self.base_url(), self.url.path(), self.lang),
        })
    }

    /// Adds the headers every response carries.
    pub fn finish(&self, mut response: Response) -> Response {
        if self.lang_chosen {
            self.set_cookie(LANG_COOKIE, self.lang.code(), 365 * 86_400);
        }
        // A key refused (401) identifies nobody: no bookmark to carry.
        let key_accepted = self.api_key && response.status_code() != 401;
        let client = key_accepted || self.session_binding().is_some();
        let sent = self.cookie(replica::BOOKMARK_COOKIE).is_some();
        let bookmark = self.db.get_bookmark().ok().flatten();
        let secret = &self.app.session_secret;
        if let Some((value, max_age)) =
            replica::cookie_after(secret, &self.d1_start, client, sent, bookmark)
        {
            self.set_cookie(replica::BOOKMARK_COOKIE, &value, max_age);
        }
        let headers = response.headers_mut();
        // Forms may post to the providers' pages (PayPal's checkout, the
        // card providers' payment pages); in emulator mode they are ours.
        let config = &self.app.config;
        let providers = &config.providers;
        let checkout_origins: Vec<String> = [
            config.paypal_checkout_url.as_deref(),
            providers.sips_paypage_url.as_deref(),
            providers.monetico_payment_url.as_deref(),
        ]
        .into_iter()
        .flatten()
        .filter_map(WebUrl::parse)
        .map(|u| u.origin().to_string())
        .collect();
        security::apply_headers(headers, self.is_localhost(), &checkout_origins.join(" "));
        if self.app.config.psp_mode == PspMode::Emulator {
            let _ = headers.set(
                "Server-Timing",
                &format!(
                    "d1;desc=\"D1 round trips\";dur={}, psp;desc=\"PSP calls\";dur={}, \
                     emulator_d1;desc=\"emulator D1 round trips\";dur={}, \
                     d1_session;desc=\"{}\"",
                    self.d1_calls.get(),
                    self.psp_calls.get(),
                    self.emulator_d1_calls.get(),
                    self.d1_start.label()
                ),
            );
        }
        for cookie in self.set_cookies.borrow().iter() {
            let _ = headers.append("Set-Cookie", cookie);
        }
        response
    }
}

/// The first row of a batch's `index`-th result, read into `T`.
pub fn row_at<T: serde::de::DeserializeOwned>(
    results: &[StmtResult],
    index: usize,
) -> Result<Option<T>, WebError> {
    Ok(crate::core::flow::row_at(results, index)?)
}

/// Every row of a batch's `index`-th result, read into `T`.
pub fn rows_at<T: serde::de::DeserializeOwned>(
    results: &[StmtResult],
    index: usize,
) -> Result<Vec<T>, WebError> {
    Ok(crate::core::flow::rows_at(results, index)?)
}

/// Percent-encodes a query value.
pub fn url_encode(value: &str) -> String {
    serde_urlencoded::to_string([("", value)])
        .map(|s| s.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

fn cookie_value<'a>(cookies: &'a [(String, String)], name: &str) -> Option<&'a str> {
    cookies
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn parse_cookies(header: &str) -> Vec<(String, String)> {
    header
        .split(';')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            Some((k.trim().to_string(), v.trim().trim_matches('"').to_string()))
        })
        .collect()
}

// The error page of a `WebError` (the type is `shell::error`'s).
impl WebError {
    fn code(&self) -> &'static str {
        match self {
            WebError::BadRequest => "bad_request",
            WebError::LoginRequired(_) => "login_required",
            WebError::Forbidden => "csrf_token_invalid",
            WebError::NotFound => "not_found",
            WebError::MethodNotAllowed => "method_not_allowed",
            WebError::PayloadTooLarge => "payload_too_large",
            WebError::UnsupportedMediaType => "unsupported_media_type",
            WebError::RateLimited => "rate_limited",
            WebError::Unavailable(_) => "unavailable",
            WebError::Db(_) | WebError::Internal(_) => "internal",
        }
    }

    /// The error page (or JSON), logging what the user must not see.
    pub fn into_response(
        self,
        lang: Lang,
        wants_json: bool,
        emulator: bool,
    ) -> worker::Result<Response> {
        match &self {
            WebError::Db(e) => worker::console_error!("database error: {e}"),
            WebError::Internal(e) => worker::console_error!("internal error: {e}"),
            _ => {}
        }
        let status = self.status();
        if let (WebError::LoginRequired(next), false) = (&self, wants_json) {
            let location = format!("/login?next={}", url_encode(next));
            let mut response = Response::empty()?.with_status(303);
            response.headers_mut().set("Location", &location)?;
            return Ok(response);
        }
        if wants_json {
            return Ok(Response::from_json(&json!({ "error": self.code() }))?.with_status(status));
        }
        let t = lang.texts();
        let message = match self {
            WebError::NotFound | WebError::MethodNotAllowed => t.error_not_found,
            WebError::BadRequest | WebError::UnsupportedMediaType => t.error_bad_request,
            WebError::Forbidden => t.error_csrf,
            WebError::PayloadTooLarge => t.error_too_large,
            WebError::RateLimited => t.error_rate_limited,
            WebError::LoginRequired(_) => t.error_login_required,
            WebError::Unavailable(_) => t.error_unavailable,
            WebError::Db(_) | WebError::Internal(_) => t.error_internal,
        };
        let page = ErrorPage {
            layout: Layout {
                t,
                lang,
                emulator,
                path: String::new(),
                signed_in: false,
                csrf_token: String::new(),
                seo: crate::core::seo::Head::new("", "", lang),
            },
            status,
            message,
        };
        match page.render() {
            Ok(body) => Ok(Response::from_html(body)?.with_status(status)),
            Err(_) => Ok(Response::ok(message)?.with_status(status)),
        }
    }
}

/// An HTML response.
pub fn html(status: u16, body: String) -> Result<Response, WebError> {
    Ok(Response::from_html(body)?.with_status(status))
}

/// A JSON response.
pub fn json_response(status: u16, value: &serde_json::Value) -> Result<Response, WebError> {
    Ok(Response::from_json(value)?.with_status(status))
}

/// A 303 See Other, built by hand so that it can carry cookies (a
/// `Response::redirect` has immutable headers).
pub fn see_other(location: &str) -> Result<Response, WebError> {
    let mut response = Response::empty()?.with_status(303);
    response.headers_mut().set("Location", location)?;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_parse_leniently() {
        let c = parse_cookies("a=1; lang=fr ;bad; x=\"q\"");
        assert_eq!(
            c,
            vec![
                ("a".into(), "1".into()),
                ("lang".into(), "fr".into()),
                ("x".into(), "q".into())
            ]
        );
    }
}
