//! The automation API (api.md), as pure parts: the numbered errors
//! (`error`), the spend request read at the edge (`spend`), the
//! idempotency decision (`idempotency`), XML (`xml`), API keys (`keys`),
//! its SQL (`sql`), and here the formats and the version block every
//! answer carries. The shell (`shell::routes::api`) reads HTTP, runs the
//! batches and the purchase flow, and renders with these.

pub mod error;
pub mod idempotency;
pub mod keys;
pub mod spend;
pub mod sql;
pub mod xml;

use serde_json::{json, Map, Value};

use error::{ApiError, ErrorKind};
use spend::{Fields, Scalar};

/// The specification's version (api.md §1).
pub const SPEC_VERSION: &str = "1.0";

/// The media types the API speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Xml => "application/xml",
        }
    }

    /// The answer's format from `Accept`: XML when it names XML (and not
    /// JSON first), JSON otherwise (also when absent).
    pub fn from_accept(accept: Option<&str>) -> Format {
        let Some(accept) = accept else {
            return Format::Json;
        };
        let position = |needle: &str| accept.find(needle);
        match (position("application/json"), position("xml")) {
            (Some(j), Some(x)) if x < j => Format::Xml,
            (None, Some(_)) => Format::Xml,
            _ => Format::Json,
        }
    }

    /// The request's format from `Content-Type` (`None`: neither).
    pub fn from_content_type(content_type: Option<&str>) -> Option<Format> {
        let media = content_type?.split(';').next()?.trim().to_ascii_lowercase();
        match media.as_str() {
            "application/json" => Some(Format::Json),
            "application/xml" | "text/xml" => Some(Format::Xml),
            _ => None,
        }
    }
}

/// `{"spec": "1.0", "primitive": "spend/1"}`.
pub fn version_block(primitive: &str) -> Value {
    json!({ "spec": SPEC_VERSION, "primitive": format!("{primitive}/1") })
}

/// A request body's fields: a JSON object or an XML `<root>`.
pub fn read_fields(body: &[u8], format: Format, root: &str) -> Result<Fields, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| ApiError::new(ErrorKind::Malformed))?;
    match format {
        Format::Xml => xml::read(text, root),
        Format::Json => {
            let value: Value =
                serde_json::from_str(text).map_err(|_| ApiError::new(ErrorKind::Malformed))?;
            let Value::Object(members) = value else {
                return Err(ApiError::new(ErrorKind::Malformed));
            };
            Ok(members
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    let scalar = match v {
                        Value::String(s) => Scalar::Text(s),
                        Value::Number(n) => n.as_i64().map_or(Scalar::Other, Scalar::Int),
                        _ => Scalar::Other,
                    };
                    (k, scalar)
                })
                .collect())
        }
    }
}

/// An answer's body in `format`: `members` plus the version block; in XML
/// the root is `root`.
pub fn render(format: Format, root: &str, primitive: &str, members: Value) -> String {
    let mut members = match members {
        Value::Object(m) => m,
        other => {
            let mut m = Map::new();
            m.insert("value".into(), other);
            m
        }
    };
    match format {
        Format::Json => {
            members.insert("version".into(), version_block(primitive));
            Value::Object(members).to_string()
        }
        Format::Xml => xml::write(root, &format!("{primitive}/1"), &[], &members),
    }
}

/// An error's body in `format` (`<error number="N" class="...">`).
pub fn render_error(format: Format, error: &ApiError) -> String {
    match format {
        Format::Json => {
            let mut body = error.body();
            if let Some(m) = body.as_object_mut() {
                m.insert("version".into(), version_block("error"));
            }
            body.to_string()
        }
        Format::Xml => {
            let mut members = Map::new();
            members.insert("name".into(), Value::from(error.kind.name()));
            members.insert("message".into(), Value::from(error.message.clone()));
            members.insert(
                "field".into(),
                error.field.clone().map_or(Value::Null, Value::from),
            );
            xml::write(
                "error",
                "error/1",
                &[
                    ("number", error.kind.number().to_string()),
                    ("class", error.kind.class().to_string()),
                ],
                &members,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_format_follows_accept_and_defaults_to_json() {
        assert_eq!(Format::from_accept(None), Format::Json);
        assert_eq!(Format::from_accept(Some("*/*")), Format::Json);
        assert_eq!(Format::from_accept(Some("application/xml")), Format::Xml);
        assert_eq!(
            Format::from_accept(Some("application/json, application/xml")),
            Format::Json
        );
        assert_eq!(
            Format::from_content_type(Some("application/json; charset=utf-8")),
            Some(Format::Json)
        );
        assert_eq!(Format::from_content_type(Some("text/plain")), None);
        assert_eq!(Format::from_content_type(None), None);
    }

    #[test]
    fn every_answer_carries_the_version_block() {
        let json = render(Format::Json, "spend", "spend", json!({"spend_id": "s"}));
        assert!(json.contains("\"primitive\":\"spend/1\""), "{json}");
        let xml = render(Format::Xml, "spend", "spend", json!({"spend_id": "s"}));
        assert!(
            xml.contains("<spend spec=\"1.0\" primitive=\"spend/1\">"),
            "{xml}"
        );
        let error = render_error(
            Format::Xml,
            &ApiError::on(ErrorKind::SpendIdReused, "amount"),
        );
        assert!(
            error.contains("number=\"4001\" class=\"idempotency\""),
            "{error}"
        );
    }

    #[test]
    fn a_json_body_keeps_integers_and_marks_other_types() {
        let fields = read_fields(
            br#"{"profit_rate": 5, "amount": 1.5, "payee": null, "isin": "x"}"#,
            Format::Json,
            "spend",
        );
        let fields = fields.unwrap_or_default();
        assert_eq!(fields.get("profit_rate"), Some(&Scalar::Int(5)));
        assert_eq!(fields.get("amount"), Some(&Scalar::Other));
        assert_eq!(fields.get("payee"), None);
        assert_eq!(
            read_fields(b"[1]", Format::Json, "spend")
                .err()
                .map(|e| e.kind.number()),
            Some(1000)
        );
        assert_eq!(
            read_fields(&[0xff], Format::Json, "spend")
                .err()
                .map(|e| e.kind.number()),
            Some(1000)
        );
    }
}
