//! The NVP form codec: encoding fields as a request body or the way PayPal
//! encodes its answers (lower-case hex), and decoding any form body.

use super::NvpError;

const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";
pub(super) const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `text` to `out`, keeping the bytes `keep` accepts and escaping
/// every other byte as `%XX` with the given hex digits.
fn percent_encode_into(out: &mut String, text: &str, keep: fn(u8) -> bool, hex: &[u8; 16]) {
    for byte in text.bytes() {
        if keep(byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(hex[usize::from(byte >> 4)]));
            out.push(char::from(hex[usize::from(byte & 0x0f)]));
        }
    }
}

pub(super) fn encode_pairs(
    fields: &[(String, String)],
    keep: fn(u8) -> bool,
    hex: &[u8; 16],
) -> String {
    let mut out = String::new();
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        percent_encode_into(&mut out, name, keep, hex);
        out.push('=');
        percent_encode_into(&mut out, value, keep, hex);
    }
    out
}

/// RFC 3986 unreserved characters: safe unescaped in any form body.
pub(super) fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// What PayPal leaves unescaped in its answers.
fn is_paypal_plain(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Encodes fields the way PayPal encodes its answers: every byte that is not
/// ASCII alphanumeric or `_` becomes `%xx` with LOWER-case hex (`.` →
/// `%2e`, `-` → `%2d`, space → `%20`), so the emulator's bytes look like the
/// recorded ones (`TIMESTAMP=2013%2d02%2d20T13%3a55%3a50Z`).
pub fn encode_like_paypal(fields: &[(String, String)]) -> String {
    encode_pairs(fields, is_paypal_plain, LOWER_HEX)
}

/// The value of one hex digit, either case.
fn hex_value(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|digit| u8::try_from(digit).ok())
}

/// Decodes one name or value (`+` is a space, `%xx` in either case);
/// `start_bytes` (of the component) and `pair_start_bytes` (of its pair) are
/// offsets in the body, for error messages.
fn decode_component(
    raw: &str,
    start_bytes: usize,
    pair_start_bytes: usize,
) -> Result<String, NvpError> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let high = bytes.get(i + 1).copied().and_then(hex_value);
                let low = bytes.get(i + 2).copied().and_then(hex_value);
                let (Some(high), Some(low)) = (high, low) else {
                    return Err(NvpError::MalformedEscape {
                        offset_bytes: start_bytes + i,
                    });
                };
                out.push(high << 4 | low);
                i += 3;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| NvpError::InvalidUtf8 {
        offset_bytes: pair_start_bytes,
    })
}

/// Decodes an `application/x-www-form-urlencoded` body into its (name,
/// value) pairs, in order. Accepts `%xx` in lower or upper case and `+` for
/// a space; empty segments (`a=1&&b=2`) are skipped and a segment without
/// `=` is a name with an empty value, as browsers do.
pub fn decode(body: &str) -> Result<Vec<(String, String)>, NvpError> {
    let mut fields = Vec::new();
    let mut offset_bytes = 0;
    for segment in body.split('&') {
        let start_bytes = offset_bytes;
        offset_bytes += segment.len() + 1;
        if segment.is_empty() {
            continue;
        }
        let (name, value, value_start_bytes) = match segment.find('=') {
            Some(at) => (&segment[..at], &segment[at + 1..], start_bytes + at + 1),
            None => (segment, "", start_bytes + segment.len()),
        };
        fields.push((
            decode_component(name, start_bytes, start_bytes)?,
            decode_component(value, value_start_bytes, start_bytes)?,
        ));
    }
    Ok(fields)
}

/// Decodes a request body sent to the NVP endpoint (the emulator's side);
/// the same form decoding as answers.
pub fn decode_request(body: &str) -> Result<Vec<(String, String)>, NvpError> {
    decode(body)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::*;
    use super::*;

    #[test]
    fn encode_like_paypal_escapes_everything_but_alphanumerics_and_underscore_in_lower_case() {
        let fields = pairs(&[
            ("TIMESTAMP", "2013-02-20T13:55:50Z"),
            ("L_SHORTMESSAGE0", "Invalid token"),
            ("VERSION", "85.0"),
            ("EMAIL", "fr-tech@wikimedia.org"),
            ("TYPE", "A,B"),
        ]);
        assert_eq!(
            encode_like_paypal(&fields),
            "TIMESTAMP=2013%2d02%2d20T13%3a55%3a50Z&L_SHORTMESSAGE0=Invalid%20token&VERSION=85%2e0\
             &EMAIL=fr%2dtech%40wikimedia%2eorg&TYPE=A%2cB"
        );
        assert_eq!(encode_like_paypal(&[]), "");
    }

    #[test]
    fn decode_accepts_either_hex_case_plus_and_loose_separators() {
        assert_eq!(
            decode("A=2013%2d02%2D20&B=a+b%20c&&C&D=x=y&"),
            Ok(pairs(&[
                ("A", "2013-02-20"),
                ("B", "a b c"),
                ("C", ""),
                ("D", "x=y")
            ]))
        );
        assert_eq!(decode(""), Ok(Vec::new()));
        // IPN bodies use upper-case hex and `+`.
        assert_eq!(
            decode("payment_date=20%3A12%3A59+Jan+13%2C+2009+PST"),
            Ok(pairs(&[("payment_date", "20:12:59 Jan 13, 2009 PST")]))
        );
    }

    #[test]
    fn malformed_escapes_and_invalid_utf8_are_errors() {
        assert_eq!(
            decode("A=%zz"),
            Err(NvpError::MalformedEscape { offset_bytes: 2 })
        );
        assert_eq!(
            decode("A=1&B=%2"),
            Err(NvpError::MalformedEscape { offset_bytes: 6 })
        );
        assert_eq!(
            decode("A=%"),
            Err(NvpError::MalformedEscape { offset_bytes: 2 })
        );
        assert_eq!(
            decode("%g1=x"),
            Err(NvpError::MalformedEscape { offset_bytes: 0 })
        );
        assert_eq!(
            decode("A=1&B=%e9"),
            Err(NvpError::InvalidUtf8 { offset_bytes: 4 })
        );
        assert_eq!(
            decode("%ff=1"),
            Err(NvpError::InvalidUtf8 { offset_bytes: 0 })
        );
        assert!(NvpResponse::parse("ACK=Success&TOKEN=%e9").is_err());
        // Multi-byte text in the body itself is fine, and offsets count bytes.
        assert_eq!(
            decode("N=é&X=%"),
            Err(NvpError::MalformedEscape { offset_bytes: 7 })
        );
        assert!(NvpError::MalformedEscape { offset_bytes: 6 }
            .to_string()
            .contains('6'));
    }
}
