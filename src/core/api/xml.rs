//! The API's XML (api.md §1), with `quick-xml` (small, maintained, no
//! default features, builds for wasm32; it never expands a DTD or an
//! external entity). Writing: a JSON answer as elements named like its
//! keys, the root named after the primitive with `spec` and `primitive`
//! attributes, a list as its element repeated, null as `nil="true"`.
//! Reading: a request's root with flat child elements, into `Fields`.

use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::{Map, Value};

use super::error::{ApiError, ErrorKind};
use super::spend::{Fields, Scalar};

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Null | Value::Array(_) | Value::Object(_) => String::new(),
    }
}

fn element(out: &mut String, name: &str, value: &Value) {
    match value {
        Value::Array(items) => items.iter().for_each(|item| element(out, name, item)),
        Value::Null => {
            out.push_str(&format!("<{name} nil=\"true\"/>"));
        }
        Value::Object(members) => {
            out.push_str(&format!("<{name}>"));
            children(out, members);
            out.push_str(&format!("</{name}>"));
        }
        scalar => {
            out.push_str(&format!("<{name}>{}</{name}>", escape(scalar_text(scalar))));
        }
    }
}

fn children(out: &mut String, members: &Map<String, Value>) {
    for (name, value) in members {
        element(out, name, value);
    }
}

/// An answer as XML: `<root spec="1.0" primitive="...">` (plus the
/// attributes given) holding `members` but its `version`.
pub fn write(
    root: &str,
    primitive: &str,
    attributes: &[(&str, String)],
    members: &Map<String, Value>,
) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    out.push_str(&format!(
        "<{root} spec=\"{}\" primitive=\"{}\"",
        super::SPEC_VERSION,
        escape(primitive)
    ));
    for (name, value) in attributes {
        out.push_str(&format!(" {name}=\"{}\"", escape(value.as_str())));
    }
    out.push('>');
    let mut rest = members.clone();
    rest.remove("version");
    children(&mut out, &rest);
    out.push_str(&format!("</{root}>"));
    out
}

fn malformed() -> ApiError {
    ApiError::new(ErrorKind::Malformed)
}

/// Reads `<root version="n"><name>text</name>...</root>`: the root must be
/// `expected_root`, its children flat text elements, each at most once.
/// `version` becomes `primitive_version`.
pub fn read(body: &str, expected_root: &str) -> Result<Fields, ApiError> {
    let mut reader = Reader::from_str(body);
    let mut fields = Fields::new();
    let mut depth = 0u8;
    let mut current: Option<(String, String)> = None;
    loop {
        match reader.read_event().map_err(|_| malformed())? {
            Event::Start(e) => {
                let name =
                    String::from_utf8(e.local_name().as_ref().to_vec()).map_err(|_| malformed())?;
                depth += 1;
                match depth {
                    1 if name == expected_root => {
                        if let Some(v) = e.try_get_attribute("version").map_err(|_| malformed())? {
                            let v = v.unescape_value().map_err(|_| malformed())?;
                            fields.insert("primitive_version".into(), Scalar::Text(v.into_owned()));
                        }
                    }
                    2 => current = Some((name, String::new())),
                    _ => return Err(malformed()),
                }
            }
            Event::Empty(e) => {
                let name =
                    String::from_utf8(e.local_name().as_ref().to_vec()).map_err(|_| malformed())?;
                match depth {
                    0 if name == expected_root => return Ok(fields),
                    // `<payee/>` or `<payee nil="true"/>`: absent.
                    1 => {}
                    _ => return Err(malformed()),
                }
            }
            Event::Text(t) => {
                let text = t.decode().map_err(|_| malformed())?;
                match &mut current {
                    Some((_, value)) => value.push_str(&text),
                    None if text.trim().is_empty() => {}
                    None => return Err(malformed()),
                }
            }
            Event::CData(t) => match &mut current {
                Some((_, value)) => {
                    value.push_str(&String::from_utf8(t.to_vec()).map_err(|_| malformed())?)
                }
                None => return Err(malformed()),
            },
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().map_err(|_| malformed())? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().map_err(|_| malformed())?;
                        resolve_predefined_entity(&name)
                            .ok_or_else(malformed)?
                            .to_string()
                    }
                };
                match &mut current {
                    Some((_, value)) => value.push_str(&resolved),
                    None => return Err(malformed()),
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if let Some((name, value)) = current.take() {
                    if fields.insert(name.clone(), Scalar::Text(value)).is_some() {
                        return Err(ApiError::on(ErrorKind::FieldInvalid, &name));
                    }
                }
                if depth == 0 {
                    return Ok(fields);
                }
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::DocType(_) | Event::Eof => return Err(malformed()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_answer_is_written_with_its_root_version_lists_and_nulls() {
        let body = json!({"version": {"spec": "1.0"}, "spend_id": "a<b", "order": {"id": "o1", "psp": null},
                          "titles": [{"isin": "ZZ1"}, {"isin": "ZZ2"}]});
        let xml = write(
            "spend",
            "spend/1",
            &[],
            body.as_object().unwrap_or(&Map::new()),
        );
        assert!(
            xml.contains("<spend spec=\"1.0\" primitive=\"spend/1\">"),
            "{xml}"
        );
        assert!(xml.contains("<spend_id>a&lt;b</spend_id>"), "{xml}");
        assert!(
            xml.contains("<order><id>o1</id><psp nil=\"true\"/></order>"),
            "{xml}"
        );
        assert!(
            xml.contains("<titles><isin>ZZ1</isin></titles><titles><isin>ZZ2</isin></titles>"),
            "{xml}"
        );
        assert!(!xml.contains("<version>"), "{xml}");
    }

    #[test]
    fn a_spend_is_read_with_its_version_and_entities() {
        let fields = read(
            "<?xml version=\"1.0\"?><spend version=\"1\"><amount>12.50</amount>\
             <description>a &amp; b &#233;<![CDATA[<c>]]></description><payee/></spend>",
            "spend",
        );
        let fields = fields.unwrap_or_default();
        assert_eq!(fields.get("amount"), Some(&Scalar::Text("12.50".into())));
        assert_eq!(
            fields.get("description"),
            Some(&Scalar::Text("a & b é<c>".into()))
        );
        assert_eq!(
            fields.get("primitive_version"),
            Some(&Scalar::Text("1".into()))
        );
        assert_eq!(fields.get("payee"), None);
    }

    #[test]
    fn malformed_xml_is_error_1000_never_a_panic() {
        for bad in [
            "",
            "<spend>",
            "<order></order>",
            "<spend><a><b>1</b></a></spend>",
            "text",
            "<!DOCTYPE x [<!ENTITY e \"x\">]><spend><a>&e;</a></spend>",
            "<spend><a>&unknown;</a></spend>",
            "<spend></order>",
            "<spend>x</spend>",
        ] {
            assert_eq!(
                read(bad, "spend").map_err(|e| e.kind.number()).err(),
                Some(1000),
                "{bad:?}"
            );
        }
        let twice = read("<spend><a>1</a><a>2</a></spend>", "spend");
        assert_eq!(twice.err().map(|e| e.kind.number()), Some(1003));
    }
}
