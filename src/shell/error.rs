//! `WebError`: every way a request can fail, and its HTTP status. Apart
//! from `web` (which renders its error page) so that `body`, which `web`
//! reads forms with, can return it without importing `web`.

use super::app::{self, Unavailable};
use super::db::DbError;

/// Every way a request can fail, each with one status.
#[derive(Debug)]
pub enum WebError {
    NotFound,
    MethodNotAllowed,
    /// A body we cannot read as a form.
    BadRequest,
    /// The CSRF token is missing or wrong.
    Forbidden,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    /// The page needs a session: HTML goes to the login page, JSON gets 401.
    LoginRequired(String),
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
            WebError::BadRequest => 400,
            WebError::LoginRequired(_) => 401,
            WebError::Forbidden => 403,
            WebError::NotFound => 404,
            WebError::MethodNotAllowed => 405,
            WebError::PayloadTooLarge => 413,
            WebError::UnsupportedMediaType => 415,
            WebError::RateLimited => 429,
            WebError::Unavailable(_) => 503,
            WebError::Db(_) | WebError::Internal(_) => 500,
        }
    }
}

/// A failed batch as a flow sees it (`core::flow::Effects::run`): one of
/// our guards, or any other failure.
impl From<WebError> for crate::core::flow::StoreError {
    fn from(e: WebError) -> Self {
        match e {
            WebError::Db(db) if db.guard().is_some() => crate::core::flow::StoreError::Guard,
            other => crate::core::flow::StoreError::Failed(format!("{other:?}")),
        }
    }
}
