//! The emulator's clock: the input of an advance.

use super::MAX_CLOCK_ADVANCE_SECONDS;

/// `advance_seconds`: an integer (optional `-`), at most 100 years either
/// way; anything else (decimals, exponents, blanks) is `None`.
pub fn parse_advance_seconds(text: &str) -> Option<i64> {
    let text = text.trim();
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i64>()
        .ok()
        .filter(|n| n.abs() <= MAX_CLOCK_ADVANCE_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_advances_are_integers_within_a_century() {
        assert_eq!(parse_advance_seconds("10801"), Some(10_801));
        assert_eq!(parse_advance_seconds(" 3000000000 "), Some(3_000_000_000));
        assert_eq!(parse_advance_seconds("-60"), Some(-60));
        for bad in [
            "",
            "1.5",
            "1e3",
            "abc",
            "+5",
            "--1",
            "9999999999999",
            "3153600001",
        ] {
            assert_eq!(parse_advance_seconds(bad), None, "{bad}");
        }
    }
}
