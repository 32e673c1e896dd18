//! The web layer's plumbing: the per-request context (language, cookies, the
//! D1 handle and its round-trip count), the one error type that maps every
//! failure to a status and the one error page, and the finishing touches
//! every response gets (security headers, cookies, `Vary`, `Server-Timing`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use askama::Template;
use serde_json::json;
use worker::{D1Database, Env, Method, Request, Response, Url};

use super::app::{self, App, Unavailable};
use super::db::{self, DbError};
use super::pages::{ErrorPage, Layout};
use crate::core::config::PspMode;
use crate::core::accept;
use crate::core::i18n::Lang;
use crate::core::sql::{Batch, StmtResult};
use crate::core::time::UtcTime;

/// One request's context.
pub struct Ctx {
    pub app: Rc<App>,
    pub env: Env,
    pub db: D1Database,
    pub method: Method,
    pub url: Url,
    pub lang: Lang,
    /// The language came from `?lang=`: remember it in a cookie.
    pub lang_chosen: bool,
    pub wants_json: bool,
    cookies: Vec<(String, String)>,
    set_cookies: RefCell<Vec<String>>,
    d1_calls: Cell<u32>,
    psp_calls: Cell<u32>,
}

impl Ctx {
    pub fn new(app: Rc<App>, env: Env, db: D1Database, req: &Request) -> worker::Result<Ctx> {
        let url = req.url()?;
        let headers = req.headers();
        let cookies = parse_cookies(&headers.get("Cookie")?.unwrap_or_default());
        let query_lang = url
            .query_pairs()
            .find(|(k, _)| k == "lang")
            .map(|(_, v)| v.into_owned());
        let cookie_lang = cookies.iter().find(|(k, _)| k == "lang").map(|(_, v)| v.clone());
        let accept_language = headers.get("Accept-Language")?;
        let lang = Lang::negotiate(
            query_lang.as_deref(),
            cookie_lang.as_deref(),
            accept_language.as_deref(),
        );
        let lang_chosen = query_lang.as_deref().and_then(Lang::parse).is_some();
        let wants_json = accept::prefers_json(&headers.get("Accept")?.unwrap_or_default());
        Ok(Ctx {
            app,
            env,
            db,
            method: req.method(),
            url,
            lang,
            lang_chosen,
            wants_json,
            cookies,
            set_cookies: RefCell::new(Vec::new()),
            d1_calls: Cell::new(0),
            psp_calls: Cell::new(0),
        })
    }

    pub fn now(&self) -> UtcTime {
        self.app.now()
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Whether cookies may drop `Secure`: only on a plain-HTTP localhost.
    fn is_localhost(&self) -> bool {
        matches!(self.url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
    }

    /// Queues a cookie (HttpOnly, SameSite=Lax, Secure except on localhost).
    pub fn set_cookie(&self, name: &str, value: &str, max_age_seconds: i64) {
        let secure = if self.is_localhost() { "" } else { "; Secure" };
        self.set_cookies.borrow_mut().push(format!(
            "{name}={value}; Path=/; Max-Age={max_age_seconds}; HttpOnly; SameSite=Lax{secure}"
        ));
    }

    /// Runs a batch: one D1 round trip.
    pub async fn run(&self, batch: &Batch) -> Result<Vec<StmtResult>, WebError> {
        self.d1_calls.set(self.d1_calls.get() + 1);
        db::run(&self.db, batch).await.map_err(WebError::Db)
    }

    pub fn count_psp_call(&self) {
        self.psp_calls.set(self.psp_calls.get() + 1);
    }

    pub fn layout(&self) -> Layout {
        Layout {
            t: self.lang.texts(),
            lang: self.lang,
            emulator: self.app.config.psp_mode == PspMode::Emulator,
            path: self.url.path().to_string(),
        }
    }

    /// Adds the headers every response carries.
    pub fn finish(&self, mut response: Response) -> Response {
        if self.lang_chosen {
            self.set_cookie("lang", self.lang.code(), 365 * 86_400);
        }
        let headers = response.headers_mut();
        let checkout_origin = self
            .app
            .config
            .paypal_checkout_url
            .as_deref()
            .and_then(|u| Url::parse(u).ok())
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default();
        let _ = headers.set(
            "Content-Security-Policy",
            &format!(
                "default-src 'none'; style-src 'self'; img-src 'self' data:; \
                 form-action 'self' {checkout_origin}; frame-ancestors 'none'; base-uri 'none'"
            ),
        );
        let _ = headers.set("Referrer-Policy", "same-origin");
        let _ = headers.set("X-Content-Type-Options", "nosniff");
        let _ = headers.set("X-Frame-Options", "DENY");
        let _ = headers.set("Vary", "Accept, Cookie");
        if headers.get("Cache-Control").ok().flatten().is_none() {
            let _ = headers.set("Cache-Control", "no-store");
        }
        if self.app.config.psp_mode == PspMode::Emulator {
            let _ = headers.set(
                "Server-Timing",
                &format!(
                    "d1;desc=\"D1 round trips\";dur={}, psp;desc=\"PSP calls\";dur={}",
                    self.d1_calls.get(),
                    self.psp_calls.get()
                ),
            );
        }
        for cookie in self.set_cookies.borrow().iter() {
            let _ = headers.append("Set-Cookie", cookie);
        }
        response
    }
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

/// Every way a request can fail, each with one status.
#[derive(Debug)]
pub enum WebError {
    NotFound,
    MethodNotAllowed,
    Unavailable(Unavailable),
    Db(DbError),
    Internal(String),
}

impl From<worker::Error> for WebError {
    fn from(e: worker::Error) -> Self {
        WebError::Internal(e.to_string())
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::Internal(format!("template: {e}"))
    }
}

impl From<app::RandomUnavailable> for WebError {
    fn from(_: app::RandomUnavailable) -> Self {
        WebError::Internal("no random source".into())
    }
}

impl WebError {
    pub fn status(&self) -> u16 {
        match self {
            WebError::NotFound => 404,
            WebError::MethodNotAllowed => 405,
            WebError::Unavailable(_) => 503,
            WebError::Db(_) | WebError::Internal(_) => 500,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            WebError::NotFound => "not_found",
            WebError::MethodNotAllowed => "method_not_allowed",
            WebError::Unavailable(_) => "unavailable",
            WebError::Db(_) | WebError::Internal(_) => "internal",
        }
    }

    /// The error page (or JSON), logging what the user must not see.
    pub fn into_response(self, lang: Lang, wants_json: bool, emulator: bool) -> worker::Result<Response> {
        match &self {
            WebError::Db(e) => worker::console_error!("database error: {e}"),
            WebError::Internal(e) => worker::console_error!("internal error: {e}"),
            WebError::NotFound | WebError::MethodNotAllowed | WebError::Unavailable(_) => {}
        }
        let status = self.status();
        if wants_json {
            return Ok(Response::from_json(&json!({ "error": self.code() }))?.with_status(status));
        }
        let t = lang.texts();
        let message = match self {
            WebError::NotFound | WebError::MethodNotAllowed => t.error_not_found,
            WebError::Unavailable(_) => t.error_unavailable,
            WebError::Db(_) | WebError::Internal(_) => t.error_internal,
        };
        let page = ErrorPage {
            layout: Layout { t, lang, emulator, path: String::new() },
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
            vec![("a".into(), "1".into()), ("lang".into(), "fr".into()), ("x".into(), "q".into())]
        );
    }
}
