//! Reading a request body with a hard cap (spec: 16 KiB, 413 beyond). The
//! body is read as a stream and reading stops at the first byte past the
//! cap, so a client that sends megabytes (chunked, or with no or a false
//! `Content-Length`) never makes the isolate hold more than one chunk past
//! 16 KiB. Every body read of the worker goes through [`read_capped`]:
//! forms ([`read_form`]), the IPN listener, the emulator's NVP endpoint and its postback.

use futures_util::StreamExt;
use worker::Request;

use super::error::WebError;

/// The largest request body accepted (spec: 413 beyond 16 KiB).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The bytes read so far, refusing to grow past a cap.
#[derive(Debug, Default)]
pub struct Capped {
    bytes: Vec<u8>,
    cap_bytes: usize,
}

/// The body was longer than the cap.
#[derive(Debug, PartialEq, Eq)]
pub struct TooLarge;

impl Capped {
    pub fn new(cap_bytes: usize) -> Capped {
        Capped {
            bytes: Vec::new(),
            cap_bytes,
        }
    }

    /// Adds one chunk; `TooLarge` as soon as the total passes the cap (the
    /// caller stops reading then).
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), TooLarge> {
        if chunk.len() > self.cap_bytes.saturating_sub(self.bytes.len()) {
            return Err(TooLarge);
        }
        self.bytes.extend_from_slice(chunk);
        Ok(())
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// Whether a declared `Content-Length` is already over the cap (refused
/// before a byte is read). An absent or unreadable length says nothing:
/// the stream's cap decides.
fn declared_too_large(content_length: Option<&str>) -> bool {
    content_length
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > MAX_BODY_BYTES as u64)
}

/// The request's body, at most [`MAX_BODY_BYTES`] (413 beyond), read as a
/// stream that is dropped (cancelled) at the first chunk past the cap.
pub async fn read_capped(req: &mut Request) -> Result<Vec<u8>, WebError> {
    let declared = req.headers().get("Content-Length")?;
    if declared_too_large(declared.as_deref()) {
        return Err(WebError::PayloadTooLarge);
    }
    if req.inner().body().is_none() {
        // No body at all (`Request::stream` would fail on it).
        return Ok(Vec::new());
    }
    let mut stream = req.stream()?;
    let mut body = Capped::new(MAX_BODY_BYTES);
    while let Some(chunk) = stream.next().await {
        body.push(&chunk?)
            .map_err(|TooLarge| WebError::PayloadTooLarge)?;
    }
    Ok(body.into_bytes())
}

/// The body as text, bytes that are not UTF-8 replaced (as `Request::text`
/// did), 413 beyond the cap.
pub async fn read_capped_text(req: &mut Request) -> Result<String, WebError> {
    let bytes = read_capped(req).await?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A posted form's fields, in order.
pub struct Form(Vec<(String, String)>);

impl Form {
    /// The field's value, or "" when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// Every value of a field sent more than once (checkboxes).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Reads an urlencoded body of at most 16 KiB (413 beyond, while streaming).
pub async fn read_form(req: &mut Request) -> Result<Form, WebError> {
    let content_type = req.headers().get("Content-Type")?.unwrap_or_default();
    let bytes = read_capped(req).await?;
    if !bytes.is_empty() && !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(WebError::UnsupportedMediaType);
    }
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&bytes).map_err(|_| WebError::BadRequest)?;
    Ok(Form(fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_of_exactly_the_cap_is_kept_and_one_byte_more_is_refused() {
        let mut body = Capped::new(MAX_BODY_BYTES);
        assert_eq!(body.push(&[b'a'; 10_000]), Ok(()));
        assert_eq!(body.push(&[b'b'; MAX_BODY_BYTES - 10_000]), Ok(()));
        assert_eq!(body.push(b"c"), Err(TooLarge));
        assert_eq!(body.into_bytes().len(), MAX_BODY_BYTES);
    }

    #[test]
    fn one_huge_chunk_is_refused_without_being_kept() {
        let mut body = Capped::new(16);
        assert_eq!(body.push(&[0; 1 << 20]), Err(TooLarge));
        assert!(body.into_bytes().is_empty());
    }

    #[test]
    fn only_a_declared_length_over_the_cap_is_refused_up_front() {
        assert!(declared_too_large(Some("16385")));
        assert!(!declared_too_large(Some("16384")));
        assert!(!declared_too_large(None), "chunked: the stream decides");
        assert!(!declared_too_large(Some("lots")));
    }
}
