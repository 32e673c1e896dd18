//! The CGI2 notification ("interface retour", reference A7): Monetico's
//! server-to-server POST after a payment, read from the raw urlencoded
//! bytes (a key posted twice is refused, keys PayBook does not know are
//! kept aside but still sealed), its MAC verified over the fields as
//! received, and the acknowledgement the bank expects (`cdr=0` for a valid
//! MAC, whatever the payment's outcome; `cdr=1` otherwise).

use std::collections::BTreeMap;
use std::fmt;

use super::amount::{AmountError, WireAmount};
use super::codes::{ReturnCode, Verdict};
use super::key::UsableKey;
use super::mac::{self, Layout, MAC_FIELD};

/// The acknowledgement of a notification whose MAC is valid.
pub const ACK_VALID: &str = "version=2\ncdr=0\n";
/// The acknowledgement of a notification whose MAC is not.
pub const ACK_INVALID: &str = "version=2\ncdr=1\n";
/// Its content type.
pub const ACK_CONTENT_TYPE: &str = "text/plain";

/// The body answering a notification (HTTP 200, `text/plain`).
pub fn acknowledgement(mac_valid: bool) -> &'static str {
    if mac_valid {
        ACK_VALID
    } else {
        ACK_INVALID
    }
}

/// The fields a modern CGI2 notification may carry beyond the positional
/// ones ([`mac::CGI2_FIELDS`]) and its `MAC` (A7).
pub const MODERN_FIELDS: [&str; 12] = [
    "montantech",
    "filtragecause",
    "filtragevaleur",
    "cbenregistree",
    "cbmasquee",
    "authentification",
    "usage",
    "typecompte",
    "ecard",
    "modepaiement",
    "motifrefusautorisation",
    "filtrage_etat",
];

/// Whether a CGI2 notification field is one PayBook knows, legacy or
/// modern.
pub fn is_known_field(name: &str) -> bool {
    name == MAC_FIELD || mac::CGI2_FIELDS.contains(&name) || MODERN_FIELDS.contains(&name)
}

/// Why a body is not a notification PayBook can read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotificationError {
    /// Not `application/x-www-form-urlencoded` (a broken `%` escape).
    NotForm,
    /// Bytes that are not UTF-8 once decoded (never read lossily).
    NotUtf8,
    /// A key posted twice: which value was sealed is unknowable.
    Duplicate(String),
    /// A field the notification needs is absent.
    Missing(&'static str),
    Amount(AmountError),
}

impl fmt::Display for NotificationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotificationError::NotForm => f.write_str("not a urlencoded form"),
            NotificationError::NotUtf8 => f.write_str("not UTF-8"),
            NotificationError::Duplicate(name) => write!(f, "field {name:?} posted twice"),
            NotificationError::Missing(name) => write!(f, "field {name:?} missing"),
            NotificationError::Amount(error) => error.fmt(f),
        }
    }
}

/// The fields of a urlencoded body, each key once (also what the
/// emulator reads posted forms with).
pub fn parse_form(raw: &[u8]) -> Result<BTreeMap<String, String>, NotificationError> {
    let mut fields = BTreeMap::new();
    for piece in raw.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match piece.iter().position(|b| *b == b'=') {
            Some(at) => (piece.get(..at), piece.get(at + 1..)),
            None => (Some(piece), Some(&b""[..])),
        };
        let (Some(name), Some(value)) = (name, value) else {
            return Err(NotificationError::NotForm);
        };
        let (name, value) = (form_decode(name)?, form_decode(value)?);
        if fields.contains_key(&name) {
            return Err(NotificationError::Duplicate(name));
        }
        fields.insert(name, value);
    }
    Ok(fields)
}

/// One decoded name or value: `+` is a space, `%XX` a byte, and the bytes
/// must be UTF-8.
fn form_decode(text: &[u8]) -> Result<String, NotificationError> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.iter();
    while let Some(byte) = rest.next() {
        match byte {
            b'+' => bytes.push(b' '),
            b'%' => {
                let mut digit = || rest.next().copied().and_then(mac::hex_value);
                let (Some(high), Some(low)) = (digit(), digit()) else {
                    return Err(NotificationError::NotForm);
                };
                bytes.push(high << 4 | low);
            }
            other => bytes.push(*other),
        }
    }
    String::from_utf8(bytes).map_err(|_| NotificationError::NotUtf8)
}

/// A notification as received: its fields, the MAC apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// Every field but `MAC`, known or not, as received (what is sealed).
    fields: BTreeMap<String, String>,
    mac: String,
}

impl Received {
    /// Reads the raw body; only a missing `MAC` is refused here. Any
    /// MAC'd form reads the same way (the emulator checks `paiement.cgi`
    /// and `capture_paiement.cgi` posts with it).
    pub fn parse(raw: &[u8]) -> Result<Received, NotificationError> {
        let mut fields = parse_form(raw)?;
        let mac = fields
            .remove(MAC_FIELD)
            .ok_or(NotificationError::Missing(MAC_FIELD))?;
        Ok(Received { fields, mac })
    }

    /// Whether the MAC seals the fields as received, in `layout` (`Sorted`
    /// today; `PositionalNotification` for legacy accounts).
    pub fn mac_valid(&self, key: &UsableKey, layout: Layout) -> bool {
        let fields = self.fields.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        mac::verify(key, &mac::sealed_string(layout, fields), &self.mac)
    }

    /// A field as received (`MAC` is not one).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// The fields PayBook does not know, kept aside (for the trace).
    pub fn unknown_fields(&self) -> Vec<(&str, &str)> {
        self.fields
            .iter()
            .filter(|(name, _)| !is_known_field(name))
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    /// The notification in PayBook's words (read after the MAC is checked).
    pub fn read(&self) -> Result<Notification, NotificationError> {
        let needed = |name: &'static str| {
            self.field(name)
                .map(str::to_string)
                .ok_or(NotificationError::Missing(name))
        };
        let tpe = needed("TPE")?;
        let date = needed("date")?;
        let amount = WireAmount::parse(&needed("montant")?).map_err(NotificationError::Amount)?;
        let reference = needed("reference")?;
        let code = ReturnCode::parse(&needed("code-retour")?);
        let optional = |name: &str| self.field(name).map(str::to_string);
        Ok(Notification {
            tpe,
            date,
            amount,
            reference,
            texte_libre: optional("texte-libre").unwrap_or_default(),
            code,
            numauto: optional("numauto").filter(|n| !n.is_empty()),
            motifrefus: optional("motifrefus"),
        })
    }
}

/// A verified notification's meaning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub tpe: String,
    /// `dd/mm/yyyy_a_hh:mm:ss`, Paris time, as sent.
    pub date: String,
    pub amount: WireAmount,
    pub reference: String,
    pub texte_libre: String,
    pub code: ReturnCode,
    /// The authorization number (only when accepted).
    pub numauto: Option<String>,
    pub motifrefus: Option<String>,
}

/// Where a notification disagrees with the order it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mismatch {
    Tpe,
    Reference,
    Amount,
}

impl Notification {
    pub fn verdict(&self) -> Verdict {
        self.code.verdict(self.motifrefus.as_deref())
    }

    /// Whether the notification is about this order at this merchant:
    /// same TPE, reference, cents and currency.
    pub fn check_order(
        &self,
        tpe: &str,
        reference: &str,
        amount: WireAmount,
    ) -> Result<(), Mismatch> {
        if self.tpe != tpe {
            return Err(Mismatch::Tpe);
        }
        if self.reference != reference {
            return Err(Mismatch::Reference);
        }
        if self.amount != amount {
            return Err(Mismatch::Amount);
        }
        Ok(())
    }
}

/// A notification body as the bank posts it: `fields` urlencoded in their
/// order with their sorted MAC last (the emulator sends it).
pub fn sealed_body(fields: &[(&str, &str)], key: &UsableKey) -> String {
    let code = mac::compute(key, Layout::Sorted, fields.iter().copied()).to_hex();
    fields
        .iter()
        .copied()
        .chain([(MAC_FIELD, code.as_str())])
        .map(|(name, value)| format!("{}={}", form_encode(name), form_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `application/x-www-form-urlencoded` encoding of one name or value (as
/// browsers and `form_urlencoded` write it: space as `+`).
fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
#[path = "notification_tests.rs"]
mod tests;
