//! One payment as the back office lists and exports it ([`PaymentRow`]),
//! and the day export's three writers (backoffice.md §2): CSV per RFC 4180,
//! XML in the spirit of CyberMUT's day export, and JSON. All three are
//! built from the same [`PaymentRow::fields`], so they carry the same rows
//! and columns; every value is text exactly as stored (amounts `12.30`,
//! times `YYYY-MM-DDTHH:MM:SSZ`), e-mails unmasked (operators only).

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::Day;
use crate::core::money::plain_cents;
use crate::core::order::{OrderStatus, Substate};

/// One order as the operator follows it.
#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow {
    pub id: String,
    pub created_at: String,
    pub updated_at: String,
    pub isin: String,
    pub buyer_email: String,
    pub seller_email: String,
    pub psp: String,
    pub amount_cents: i64,
    pub currency: String,
    pub code: OrderStatus,
    pub substate: Substate,
    /// The provider's transaction id, else its checkout token.
    pub provider_ref: Option<String>,
    /// The API spend's free text.
    pub description: Option<String>,
}

/// The columns, in order: the CSV header, the XML element names and the
/// JSON keys.
pub const COLUMNS: [&str; 14] = [
    "order",
    "created_at",
    "updated_at",
    "isin",
    "buyer",
    "seller",
    "psp",
    "amount",
    "currency",
    "code",
    "status",
    "substate",
    "provider_ref",
    "description",
];

impl PaymentRow {
    /// Its values, one per [`COLUMNS`] entry (an absent value is empty).
    pub fn fields(&self) -> [String; 14] {
        [
            self.id.clone(),
            self.created_at.clone(),
            self.updated_at.clone(),
            self.isin.clone(),
            self.buyer_email.clone(),
            self.seller_email.clone(),
            self.psp.clone(),
            plain_cents(self.amount_cents),
            self.currency.clone(),
            self.code.code().to_string(),
            self.code.name().to_string(),
            self.substate.as_str().to_string(),
            self.provider_ref.clone().unwrap_or_default(),
            self.description.clone().unwrap_or_default(),
        ]
    }

    /// Its JSON object, keyed by [`COLUMNS`].
    pub fn json(&self) -> Value {
        let map: Map<String, Value> = COLUMNS
            .iter()
            .zip(self.fields())
            .map(|(k, v)| ((*k).to_string(), Value::String(v)))
            .collect();
        Value::Object(map)
    }
}

/// Count and amount of a set of payments in one currency.
#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Total {
    pub currency: String,
    pub count: i64,
    pub amount_cents: i64,
}

impl Total {
    pub fn json(&self) -> Value {
        json!({
            "currency": self.currency,
            "count": self.count,
            "amount": plain_cents(self.amount_cents),
        })
    }
}

/// The totals of `rows` per currency, currencies in alphabetical order.
pub fn totals(rows: &[PaymentRow]) -> Vec<Total> {
    let mut out: Vec<Total> = Vec::new();
    for r in rows {
        match out.iter_mut().find(|t| t.currency == r.currency) {
            Some(t) => {
                t.count += 1;
                t.amount_cents = t.amount_cents.saturating_add(r.amount_cents);
            }
            None => out.push(Total {
                currency: r.currency.clone(),
                count: 1,
                amount_cents: r.amount_cents,
            }),
        }
    }
    out.sort_by(|a, b| a.currency.cmp(&b.currency));
    out
}

/// The export's formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xml,
    Json,
}

impl Format {
    pub fn parse(text: &str) -> Option<Format> {
        match text.trim() {
            "csv" => Some(Format::Csv),
            "xml" => Some(Format::Xml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xml => "application/xml; charset=utf-8",
            Format::Json => "application/json; charset=utf-8",
        }
    }

    /// The download's file name: `paybook-payments-2026-12-02.csv`.
    pub fn file_name(self, day: Day) -> String {
        let ext = match self {
            Format::Csv => "csv",
            Format::Xml => "xml",
            Format::Json => "json",
        };
        format!("paybook-payments-{day}.{ext}")
    }

    /// The day's file in this format.
    pub fn write(self, day: Day, rows: &[PaymentRow]) -> String {
        match self {
            Format::Csv => csv(rows),
            Format::Xml => xml(day, rows),
            Format::Json => json_export(day, rows).to_string(),
        }
    }
}

/// RFC 4180: a header row, CRLF after every record, a field quoted when it
/// holds a comma, a quote, CR or LF, its quotes doubled. A value that a
/// spreadsheet would take for a formula (API spends' descriptions and
/// e-mails are typed by users) is given a leading apostrophe, so that
/// opening the file runs nothing. No byte order mark: the spec promises
/// RFC 4180, whose readers would take it into the first column's name.
pub fn csv(rows: &[PaymentRow]) -> String {
    let mut out = String::new();
    push_record(&mut out, COLUMNS.iter().map(|c| (*c).to_string()));
    for r in rows {
        push_record(&mut out, r.fields().into_iter().map(inert));
    }
    out
}

/// `field`, with an apostrophe before a leading `=`, `+`, `-`, `@`, tab or
/// CR (OWASP's advice against CSV injection), unless it is a plain number
/// (the status codes of failed orders are negative), which no spreadsheet
/// runs.
fn inert(field: String) -> String {
    let number = field.strip_prefix('-').is_some_and(|digits| {
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    });
    if !number && field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{field}")
    } else {
        field
    }
}

fn push_record(out: &mut String, fields: impl Iterator<Item = String>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&field);
        }
    }
    out.push_str("\r\n");
}

/// The day's payments as XML: like CyberMUT's day file, one element for
/// the day (its date and number of payments), one per payment, then the
/// totals per currency.
pub fn xml(day: Day, rows: &[PaymentRow]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<payments date=\"{day}\" count=\"{}\">\n",
        rows.len()
    ));
    for r in rows {
        out.push_str("  <payment>\n");
        for (name, value) in COLUMNS.iter().zip(r.fields()) {
            out.push_str(&format!("    <{name}>{}</{name}>\n", xml_text(&value)));
        }
        out.push_str("  </payment>\n");
    }
    out.push_str("  <totals>\n");
    for t in totals(rows) {
        out.push_str(&format!(
            "    <total currency=\"{}\" count=\"{}\" amount=\"{}\"/>\n",
            xml_text(&t.currency),
            t.count,
            plain_cents(t.amount_cents)
        ));
    }
    out.push_str("  </totals>\n</payments>\n");
    out
}

/// Escapes text for XML content and attributes. A CR is written as a
/// character reference, which a parser keeps (a raw one it would turn into
/// LF); characters XML 1.0 cannot carry at all become U+FFFD.
pub fn xml_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The day's payments as JSON.
pub fn json_export(day: Day, rows: &[PaymentRow]) -> Value {
    json!({
        "date": day.to_string(),
        "count": rows.len(),
        "payments": rows.iter().map(PaymentRow::json).collect::<Vec<_>>(),
        "totals": totals(rows).iter().map(Total::json).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
#[path = "export_tests.rs"]
mod tests;
