//! Content negotiation: reading `Accept`-style headers with their `q`
//! weights, without floats.

/// A `q` value in thousandths: `0`, `1`, or `0.` followed by up to three
/// digits; `None` when malformed.
pub fn quality(q: &str) -> Option<u16> {
    let q = q.trim();
    let (whole, fraction) = q.split_once('.').unwrap_or((q, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths: u16 = match whole {
        "0" => 0,
        "1" => 1000,
        _ => return None,
    };
    if !fraction.is_empty() {
        thousandths += format!("{fraction:0<3}").parse::<u16>().ok()?;
    }
    (thousandths <= 1000).then_some(thousandths)
}

/// Whether the Accept header's preferred media type is `application/json`
/// (the first listed wins a tie of weights).
pub fn prefers_json(accept: &str) -> bool {
    let mut best: Option<(u16, bool)> = None;
    for entry in accept.split(',') {
        let mut parts = entry.split(';');
        let media = parts.next().unwrap_or("").trim();
        if media.is_empty() {
            continue;
        }
        let mut weight: u16 = 1000;
        for param in parts {
            if let Some(q) = param.trim().strip_prefix("q=") {
                weight = quality(q).unwrap_or(0);
            }
        }
        if best.is_none_or(|(w, _)| weight > w) {
            best = Some((weight, media.eq_ignore_ascii_case("application/json")));
        }
    }
    best.is_some_and(|(weight, json)| json && weight > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_chosen_only_when_preferred() {
        assert!(prefers_json("application/json"));
        assert!(prefers_json("application/json, text/html;q=0.9"));
        assert!(!prefers_json(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        ));
        assert!(!prefers_json("text/html, application/json;q=0.5"));
        assert!(!prefers_json(""));
        assert!(!prefers_json("application/json;q=0"));
        assert!(prefers_json("text/html;q=0.4, application/json;q=0.5"));
    }

    #[test]
    fn quality_values_parse_in_thousandths() {
        assert_eq!(quality("1"), Some(1000));
        assert_eq!(quality("0.5"), Some(500));
        assert_eq!(quality("0.123"), Some(123));
        assert_eq!(quality("1.000"), Some(1000));
        assert_eq!(quality("1.5"), None);
        assert_eq!(quality("0.1234"), None);
        assert_eq!(quality("x"), None);
    }
}
