//! The character sets a PayPal notification may be written in, and the form
//! decoding of its body into fields. PayPal writes an IPN in the receiving
//! account's character set and names it in the `charset` field; many
//! accounts keep PayPal's default, `windows-1252`, so a payer called René
//! arrives as `first_name=Ren%E9`, which is not UTF-8. The body is decoded
//! byte by byte (`%XX` and `+` first, then the charset), never by assuming
//! UTF-8, and a key that appears twice makes the body unreadable: PayPal
//! never repeats one, and a reader that kept the first while PayPal checked
//! the other could act on what PayPal never said.

/// A character set the platform can decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charset {
    Utf8,
    /// Windows code page 1252 (PayPal's default): ISO-8859-1 with printable
    /// characters in 0x80–0x9F.
    Windows1252,
    /// ISO-8859-1: every byte is the code point of the same number.
    Latin1,
    /// US-ASCII: bytes above 0x7F are refused.
    Ascii,
}

impl Charset {
    /// The charset named by an IPN's `charset` field (case-insensitive, with
    /// the usual aliases); `None` for one we cannot decode.
    pub fn named(name: &str) -> Option<Charset> {
        const NAMES: [(&str, Charset); 11] = [
            ("utf-8", Charset::Utf8),
            ("utf8", Charset::Utf8),
            ("windows-1252", Charset::Windows1252),
            ("cp1252", Charset::Windows1252),
            ("x-cp1252", Charset::Windows1252),
            ("iso-8859-1", Charset::Latin1),
            ("iso8859-1", Charset::Latin1),
            ("iso_8859-1", Charset::Latin1),
            ("latin1", Charset::Latin1),
            ("us-ascii", Charset::Ascii),
            ("ascii", Charset::Ascii),
        ];
        let name = name.trim().to_ascii_lowercase();
        NAMES
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, charset)| *charset)
    }

    /// Decodes `bytes`; `None` when they are not text in this charset.
    pub fn decode(self, bytes: &[u8]) -> Option<String> {
        match self {
            Charset::Utf8 => String::from_utf8(bytes.to_vec()).ok(),
            Charset::Windows1252 => Some(bytes.iter().map(|b| windows_1252(*b)).collect()),
            Charset::Latin1 => Some(bytes.iter().map(|b| char::from(*b)).collect()),
            Charset::Ascii => bytes
                .is_ascii()
                .then(|| bytes.iter().map(|b| char::from(*b)).collect()),
        }
    }
}

/// Characters 0x80–0x9F of windows-1252. The five bytes the code page
/// leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) map to the C1 control of
/// the same number, as Windows and the WHATWG encoding standard decode them:
/// no byte makes a genuine message unreadable, and none is lost.
const WINDOWS_1252_HIGH: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

/// One windows-1252 byte as a character (all 256 are defined this way:
/// 0x00–0x7F ASCII, 0x80–0x9F the table above, 0xA0–0xFF as ISO-8859-1).
pub fn windows_1252(byte: u8) -> char {
    if (0x80..=0x9F).contains(&byte) {
        WINDOWS_1252_HIGH
            .get(usize::from(byte - 0x80))
            .copied()
            .unwrap_or(char::REPLACEMENT_CHARACTER)
    } else {
        char::from(byte)
    }
}

/// The windows-1252 byte of a character, when the code page has one (the
/// emulator writes IPNs in it).
pub fn to_windows_1252(c: char) -> Option<u8> {
    let code = u32::from(c);
    if code <= 0x7F || (0xA0..=0xFF).contains(&code) {
        u8::try_from(code).ok()
    } else {
        WINDOWS_1252_HIGH
            .iter()
            .position(|h| *h == c)
            .and_then(|at| u8::try_from(at + 0x80).ok())
    }
}

/// Why a form body cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormError {
    /// A `%` not followed by two hex digits.
    BadEscape,
    /// A key that appears more than once (named).
    DuplicateKey(String),
    /// The `charset` field names a charset we cannot decode (named).
    UnknownCharset(String),
    /// A key or value that is not text in the message's charset.
    NotText,
}

/// One `name=value` pair with `+` and `%XX` undone, still bytes.
fn unescape(component: &[u8]) -> Result<Vec<u8>, FormError> {
    let mut out = Vec::with_capacity(component.len());
    let mut at = 0;
    while let Some(&byte) = component.get(at) {
        match byte {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = component.get(at + 1..at + 3).ok_or(FormError::BadEscape)?;
                let text = std::str::from_utf8(hex).map_err(|_| FormError::BadEscape)?;
                if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(FormError::BadEscape);
                }
                out.push(u8::from_str_radix(text, 16).map_err(|_| FormError::BadEscape)?);
                at += 2;
            }
            other => out.push(other),
        }
        at += 1;
    }
    Ok(out)
}

/// Decodes a form body (the exact bytes received) into fields, in the
/// charset its `charset` field names. Without a `charset` field the body
/// is read as UTF-8 when it is UTF-8, else as windows-1252 (PayPal's
/// default). Every key must be unique.
pub fn decode_form(body: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    let mut raw: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for segment in body.split(|b| *b == b'&').filter(|s| !s.is_empty()) {
        let (name, value) = match segment.iter().position(|b| *b == b'=') {
            Some(at) => (segment.get(..at), segment.get(at + 1..)),
            None => (Some(segment), None),
        };
        let name = unescape(name.unwrap_or_default())?;
        if raw.iter().any(|(k, _)| *k == name) {
            return Err(FormError::DuplicateKey(
                String::from_utf8_lossy(&name).into_owned(),
            ));
        }
        raw.push((name, unescape(value.unwrap_or_default())?));
    }
    let charset = match raw.iter().find(|(k, _)| k == b"charset") {
        Some((_, name)) => {
            let name = String::from_utf8_lossy(name).into_owned();
            Charset::named(&name).ok_or(FormError::UnknownCharset(name))?
        }
        None if raw
            .iter()
            .all(|(k, v)| std::str::from_utf8(k).is_ok() && std::str::from_utf8(v).is_ok()) =>
        {
            Charset::Utf8
        }
        None => Charset::Windows1252,
    };
    raw.into_iter()
        .map(|(k, v)| {
            Ok((
                charset.decode(&k).ok_or(FormError::NotText)?,
                charset.decode(&v).ok_or(FormError::NotText)?,
            ))
        })
        .collect()
}

/// The body as ASCII text that decodes to the same fields: bytes above
/// 0x7F (sent unescaped, which PayPal never does) become `%XX`, which form
/// decoding reads as the same byte. What the platform stores as text.
pub fn ascii_body(body: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(body.len());
    for &byte in body {
        if byte.is_ascii() {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn a_windows_1252_name_decodes_by_the_charset_field() {
        let fields = decode_form(b"first_name=Ren%E9&last_name=%C6sop+%80&charset=windows-1252")
            .expect("decodes");
        assert_eq!(field(&fields, "first_name"), Some("René"));
        assert_eq!(field(&fields, "last_name"), Some("Æsop €"));
    }

    #[test]
    fn utf8_and_latin1_bodies_decode_by_their_charset() {
        let utf8 = decode_form(b"charset=UTF-8&first_name=Ren%C3%A9").expect("decodes");
        assert_eq!(field(&utf8, "first_name"), Some("René"));
        let latin1 = decode_form(b"charset=ISO-8859-1&first_name=Ren%E9&x=%80").expect("decodes");
        assert_eq!(field(&latin1, "first_name"), Some("René"));
        assert_eq!(field(&latin1, "x"), Some("\u{80}"));
        // The same byte the UTF-8 charset cannot read.
        assert_eq!(
            decode_form(b"charset=UTF-8&first_name=Ren%E9"),
            Err(FormError::NotText)
        );
        assert_eq!(
            decode_form(b"charset=us-ascii&first_name=Ren%E9"),
            Err(FormError::NotText)
        );
    }

    #[test]
    fn without_a_charset_field_utf8_is_kept_and_other_bytes_are_windows_1252() {
        let utf8 = decode_form(b"first_name=Ren%C3%A9").expect("decodes");
        assert_eq!(field(&utf8, "first_name"), Some("René"));
        let cp1252 = decode_form(b"first_name=Ren%E9").expect("decodes");
        assert_eq!(field(&cp1252, "first_name"), Some("René"));
    }

    #[test]
    fn an_unknown_charset_is_named_not_guessed() {
        assert_eq!(
            decode_form(b"charset=Shift_JIS&first_name=%83%8C"),
            Err(FormError::UnknownCharset("Shift_JIS".into()))
        );
    }

    #[test]
    fn windows_1252_decodes_all_256_bytes_and_its_5_undefined_ones_to_c1_controls() {
        let all: Vec<u8> = (0..=255).collect();
        let text = Charset::Windows1252
            .decode(&all)
            .expect("every byte decodes");
        assert_eq!(text.chars().count(), 256);
        for byte in [0x81u8, 0x8D, 0x8F, 0x90, 0x9D] {
            assert_eq!(u32::from(windows_1252(byte)), u32::from(byte));
        }
        assert_eq!(windows_1252(0x80), '€');
        assert_eq!(windows_1252(0x9F), 'Ÿ');
        assert_eq!(windows_1252(0xE9), 'é');
        assert_eq!(windows_1252(0x41), 'A');
        // Encoding is its inverse on every byte.
        for byte in 0..=255u8 {
            assert_eq!(to_windows_1252(windows_1252(byte)), Some(byte), "{byte:#x}");
        }
        assert_eq!(to_windows_1252('ř'), None);
    }

    #[test]
    fn a_duplicated_key_makes_the_body_unreadable() {
        assert_eq!(
            decode_form(b"txn_id=1&payment_status=Completed&txn_id=2"),
            Err(FormError::DuplicateKey("txn_id".into()))
        );
        // Also when spelled differently on the wire.
        assert_eq!(
            decode_form(b"mc_gross=1.00&mc%5Fgross=100.00"),
            Err(FormError::DuplicateKey("mc_gross".into()))
        );
        assert_eq!(
            decode_form(b"charset=UTF-8&charset=windows-1252"),
            Err(FormError::DuplicateKey("charset".into()))
        );
    }

    #[test]
    fn bad_escapes_are_refused_and_ascii_bodies_decode_the_same() {
        assert_eq!(decode_form(b"txn_id=%zz"), Err(FormError::BadEscape));
        assert_eq!(decode_form(b"txn_id=%4"), Err(FormError::BadEscape));
        let raw = b"first_name=Ren\xe9&charset=windows-1252";
        assert_eq!(ascii_body(raw), "first_name=Ren%E9&charset=windows-1252");
        assert_eq!(decode_form(raw), decode_form(ascii_body(raw).as_bytes()));
    }
}
