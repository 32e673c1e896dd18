//! The export writers: RFC 4180 quoting, XML escaping, and the same rows in
//! all three formats, read back by parsers written apart from the writers.

use quick_xml::events::Event;
use quick_xml::Reader;

use super::*;

fn row(id: &str, description: Option<&str>, code: OrderStatus) -> PaymentRow {
    PaymentRow {
        id: id.into(),
        created_at: "2026-12-02T08:00:00Z".into(),
        updated_at: "2026-12-02T08:01:00Z".into(),
        isin: "ZZ0000000008".into(),
        buyer_email: "bob@example.org".into(),
        seller_email: "o'neil,\"é\"@example.org".into(),
        psp: "paypal".into(),
        amount_cents: 1_230,
        currency: "EUR".into(),
        code,
        substate: Substate::Done,
        provider_ref: Some("9AB12345CD".into()),
        description: description.map(str::to_string),
    }
}

/// RFC 4180 records, read independently of the writer.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "CRLF ends a record");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "the last record ends with CRLF"
    );
    records
}

/// The `<payment>` elements' children, in order.
fn parse_xml(text: &str) -> Vec<Vec<(String, String)>> {
    let mut reader = Reader::from_str(text);
    let mut payments = Vec::new();
    let mut current: Option<Vec<(String, String)>> = None;
    let mut value: Option<(String, String)> = None;
    loop {
        match reader.read_event().expect("well-formed") {
            Event::Start(e) => {
                let name = String::from_utf8(e.local_name().as_ref().to_vec()).expect("utf-8");
                match (name.as_str(), &current) {
                    ("payment", _) => current = Some(Vec::new()),
                    (_, Some(_)) => value = Some((name, String::new())),
                    (_, None) => {}
                }
            }
            Event::Text(t) => {
                if let Some((_, v)) = &mut value {
                    v.push_str(&t.decode().expect("text"));
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().expect("reference") {
                    Some(c) => c.to_string(),
                    None => {
                        quick_xml::escape::resolve_predefined_entity(&r.decode().expect("name"))
                            .expect("predefined")
                            .to_string()
                    }
                };
                if let Some((_, v)) = &mut value {
                    v.push_str(&resolved);
                }
            }
            Event::End(e) => {
                if let (Some(v), Some(p)) = (value.take(), &mut current) {
                    p.push(v);
                } else if e.local_name().as_ref() == b"payment" {
                    payments.extend(current.take());
                }
            }
            Event::Eof => return payments,
            _ => {}
        }
    }
}

fn day() -> Day {
    Day::parse("2026-12-02").expect("day")
}

#[test]
fn csv_cells_a_spreadsheet_would_run_as_formulas_are_made_inert() {
    let rows = vec![
        row(
            "o1",
            Some("=HYPERLINK(\"http://evil.test\",\"x\")"),
            OrderStatus::Processed,
        ),
        row("o2", Some("@SUM(A1)"), OrderStatus::Processed),
        row("o3", Some("+1-2"), OrderStatus::Processed),
        row("o4", Some("-3"), OrderStatus::Processed),
        row("o6", Some("-1-1"), OrderStatus::Processed),
        row("o5", Some("Facture = 3"), OrderStatus::Processed),
    ];
    let records = parse_csv(&csv(&rows));
    let descriptions: Vec<&str> = records[1..].iter().map(|r| r[13].as_str()).collect();
    assert_eq!(
        descriptions,
        [
            "'=HYPERLINK(\"http://evil.test\",\"x\")",
            "'@SUM(A1)",
            "'+1-2",
            "-3",
            "'-1-1",
            "Facture = 3",
        ]
    );
    assert_eq!(records[1][7], "12.30", "amounts stay numbers");
}

#[test]
fn csv_quotes_commas_quotes_and_line_breaks_and_keeps_accents() {
    let rows = vec![row(
        "o1",
        Some("Facture n°42, \"café\"\r\nsuite"),
        OrderStatus::Processed,
    )];
    let text = csv(&rows);
    assert!(text.starts_with("order,created_at,updated_at,isin,buyer,seller,psp,amount,"));
    assert!(
        text.contains(",\"o'neil,\"\"é\"\"@example.org\","),
        "quoted, inner quotes doubled: {text}"
    );
    assert!(
        text.contains("\"Facture n°42, \"\"café\"\"\r\nsuite\"\r\n"),
        "{text}"
    );
    assert!(
        text.contains(",12.30,EUR,2,processed,done,9AB12345CD,"),
        "{text}"
    );
    let records = parse_csv(&text);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0], COLUMNS.map(str::to_string).to_vec());
    assert_eq!(records[1], rows[0].fields().to_vec());
}

#[test]
fn a_field_without_specials_is_not_quoted() {
    let text = csv(&[row("o2", None, OrderStatus::Failed)]);
    let line = text.lines().nth(1).expect("a record");
    assert!(line.starts_with("o2,2026-12-02T08:00:00Z,"), "{line}");
    assert!(
        line.ends_with(",-2,failed,done,9AB12345CD,"),
        "empty description: {line}"
    );
}

#[test]
fn xml_escapes_markup_and_keeps_carriage_returns() {
    let rows = vec![row("o1", Some("<b>&'x'\r\n\u{1}"), OrderStatus::Chargeback)];
    let text = xml(day(), &rows);
    assert!(text.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<payments date=\"2026-12-02\" count=\"1\">"
    ));
    assert!(
        text.contains("<description>&lt;b&gt;&amp;&apos;x&apos;&#13;\n\u{FFFD}</description>"),
        "{text}"
    );
    assert!(text.contains("<total currency=\"EUR\" count=\"1\" amount=\"12.30\"/>"));
    let read = parse_xml(&text);
    assert_eq!(read.len(), 1);
    let description = read[0]
        .iter()
        .find(|(k, _)| k == "description")
        .map(|(_, v)| v.clone());
    assert_eq!(description.as_deref(), Some("<b>&'x'\r\n\u{FFFD}"));
}

#[test]
fn the_three_formats_carry_the_same_rows() {
    let rows = vec![
        row(
            "o1",
            Some("Facture n°42, \"urgent\" — été"),
            OrderStatus::Processed,
        ),
        row("o2", None, OrderStatus::Chargeback),
        row("o3", Some("a\nb"), OrderStatus::Failed),
    ];
    let from_csv: Vec<Vec<String>> = parse_csv(&Format::Csv.write(day(), &rows))
        .into_iter()
        .skip(1)
        .collect();
    let from_xml: Vec<Vec<String>> = parse_xml(&Format::Xml.write(day(), &rows))
        .into_iter()
        .map(|p| {
            assert_eq!(
                p.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
                COLUMNS.to_vec()
            );
            p.into_iter().map(|(_, v)| v).collect()
        })
        .collect();
    let json: serde_json::Value =
        serde_json::from_str(&Format::Json.write(day(), &rows)).expect("json");
    let from_json: Vec<Vec<String>> = json["payments"]
        .as_array()
        .expect("payments")
        .iter()
        .map(|p| {
            COLUMNS
                .iter()
                .map(|c| p[*c].as_str().expect("text").to_string())
                .collect()
        })
        .collect();
    let expected: Vec<Vec<String>> = rows.iter().map(|r| r.fields().to_vec()).collect();
    assert_eq!(from_csv, expected);
    assert_eq!(from_xml, expected);
    assert_eq!(from_json, expected);
    assert_eq!(json["date"], "2026-12-02");
    assert_eq!(json["count"], 3);
    assert_eq!(
        json["totals"],
        serde_json::json!([{"currency": "EUR", "count": 3, "amount": "36.90"}])
    );
}

#[test]
fn totals_are_per_currency_in_cents() {
    let mut usd = row("o4", None, OrderStatus::Processed);
    usd.currency = "USD".into();
    usd.amount_cents = 5;
    let t = totals(&[
        row("o1", None, OrderStatus::Processed),
        usd,
        row("o2", None, OrderStatus::Failed),
    ]);
    assert_eq!(
        t,
        vec![
            Total {
                currency: "EUR".into(),
                count: 2,
                amount_cents: 2_460
            },
            Total {
                currency: "USD".into(),
                count: 1,
                amount_cents: 5
            },
        ]
    );
}

#[test]
fn formats_and_file_names() {
    assert_eq!(Format::parse("csv"), Some(Format::Csv));
    assert_eq!(Format::parse("XLS"), None);
    assert_eq!(Format::Csv.content_type(), "text/csv; charset=utf-8");
    assert_eq!(
        Format::Xml.file_name(day()),
        "paybook-payments-2026-12-02.xml"
    );
}
