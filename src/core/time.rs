//! UTC instants as whole seconds since the Unix epoch, and their one text
//! form `YYYY-MM-DDTHH:MM:SSZ` (used in storage, JSON and traces). Stored
//! times sort correctly as text because the format has fixed width.

use std::fmt;

/// A UTC instant, to the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct UtcTime(i64);

impl UtcTime {
    /// The instant `seconds` after 1970-01-01T00:00:00Z.
    pub fn from_unix_seconds(seconds: i64) -> Self {
        UtcTime(seconds)
    }

    pub fn unix_seconds(self) -> i64 {
        self.0
    }

    pub fn plus_seconds(self, seconds: i64) -> Self {
        UtcTime(self.0 + seconds)
    }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SSZ`; anything else is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() != 20
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
            || b[19] != b'Z'
        {
            return None;
        }
        let num = |from: usize, to: usize| -> Option<i64> {
            let part = text.get(from..to)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
        let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let days = days_from_civil(year, month, day);
        Some(UtcTime(days * 86_400 + hour * 3_600 + minute * 60 + second))
    }

    /// How pages show a time: `2026-11-22 21:55 UTC` in English,
    /// `22/11/2026 21:55 UTC` in French.
    pub fn format(self, lang: super::i18n::Lang) -> String {
        let (y, mo, d, h, mi, _) = self.parts();
        match lang {
            super::i18n::Lang::En => format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02} UTC"),
            super::i18n::Lang::Fr => format!("{d:02}/{mo:02}/{y:04} {h:02}:{mi:02} UTC"),
        }
    }

    /// (year, month, day, hour, minute, second).
    pub fn parts(self) -> (i64, i64, i64, i64, i64, i64) {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        (y, m, d, secs / 3_600, secs % 3_600 / 60, secs % 60)
    }
}

impl fmt::Display for UtcTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s) = self.parts();
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil calendar algorithms (public domain), in days since
// the epoch; exact for every year we can meet.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_known_instants_format_as_iso() {
        assert_eq!(
            UtcTime::from_unix_seconds(0).to_string(),
            "1970-01-01T00:00:00Z"
        );
        assert_eq!(
            UtcTime::from_unix_seconds(1_795_305_600).to_string(),
            "2026-11-22T00:00:00Z"
        );
        assert_eq!(
            UtcTime::from_unix_seconds(951_782_400).to_string(),
            "2000-02-29T00:00:00Z"
        );
    }

    #[test]
    fn pages_show_times_per_language() {
        let t = UtcTime::from_unix_seconds(1_795_305_600 + 21 * 3600 + 55 * 60);
        assert_eq!(
            t.format(crate::core::i18n::Lang::En),
            "2026-11-22 21:55 UTC"
        );
        assert_eq!(
            t.format(crate::core::i18n::Lang::Fr),
            "22/11/2026 21:55 UTC"
        );
    }

    #[test]
    fn parse_is_the_inverse_of_display() {
        for s in [0, 59, 86_399, 951_782_400, 1_795_305_723, 4_102_444_800] {
            let t = UtcTime::from_unix_seconds(s);
            assert_eq!(UtcTime::parse(&t.to_string()), Some(t));
        }
    }

    #[test]
    fn parse_rejects_malformed_and_impossible_dates() {
        for bad in [
            "",
            "2026-11-22 00:00:00Z",
            "2026-11-22T00:00:00",
            "2026-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-11-22T24:00:00Z",
            "2026-1a-22T00:00:00Z",
            "+026-11-22T00:00:00Z",
        ] {
            assert_eq!(UtcTime::parse(bad), None, "{bad}");
        }
    }
}
