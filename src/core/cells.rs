//! Table cells that write themselves into the page (`Display`) instead of
//! becoming a `String` each: money, times and masked e-mails of the trades
//! tables and the price chart's points. A page of 51 trades had about 400 such strings, each an
//! allocation and a `format!` (issue 22). Their text is exactly that of
//! `money::format_cents`, `UtcTime::format` and `Email::masked` (the tests
//! compare them).

use std::fmt::{self, Display, Formatter, Write};

use super::i18n::Lang;
use super::time::UtcTime;

/// `12,30 EUR` in French, `1,234.50 EUR` in English.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MoneyCell<'a> {
    pub cents: i64,
    pub currency: &'a str,
    pub lang: Lang,
}

impl Display for MoneyCell<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (group, decimal) = match self.lang {
            Lang::En => (",", '.'),
            Lang::Fr => ("\u{202f}", ','),
        };
        if self.cents < 0 {
            f.write_char('-')?;
        }
        let size = self.cents.unsigned_abs();
        let mut digits = [0u8; 20];
        let mut units = size / 100;
        let mut len = 0;
        loop {
            digits[len] = b'0' + (units % 10) as u8;
            len += 1;
            units /= 10;
            if units == 0 {
                break;
            }
        }
        for i in (0..len).rev() {
            f.write_char(char::from(digits[i]))?;
            if i > 0 && i.is_multiple_of(3) {
                f.write_str(group)?;
            }
        }
        let rest = size % 100;
        f.write_char(decimal)?;
        f.write_char(char::from(b'0' + (rest / 10) as u8))?;
        f.write_char(char::from(b'0' + (rest % 10) as u8))?;
        f.write_char(' ')?;
        f.write_str(self.currency)
    }
}

/// A stored time as pages show it, or the stored text as it is when it does
/// not parse.
#[derive(Clone, Copy, Debug)]
pub struct TimeCell<'a> {
    pub text: &'a str,
    pub lang: Lang,
}

impl Display for TimeCell<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match UtcTime::parse(self.text) {
            Some(at) => AtCell {
                at,
                lang: self.lang,
            }
            .fmt(f),
            None => f.write_str(self.text),
        }
    }
}

/// A time already parsed, as pages show it (`UtcTime::format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AtCell {
    pub at: UtcTime,
    pub lang: Lang,
}

impl Display for AtCell {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, _) = self.at.parts();
        match self.lang {
            Lang::En => write!(f, "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02} UTC"),
            Lang::Fr => write!(f, "{d:02}/{mo:02}/{y:04} {h:02}:{mi:02} UTC"),
        }
    }
}

/// `a***@example.org`: the first character of the local part, then the
/// domain; `***` without an `@`.
#[derive(Clone, Copy, Debug)]
pub struct MaskedEmail<'a>(pub &'a str);

impl Display for MaskedEmail<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0.split_once('@') {
            Some((local, domain)) => {
                if let Some(first) = local.chars().next() {
                    f.write_char(first)?;
                }
                f.write_str("***@")?;
                f.write_str(domain)
            }
            None => f.write_str("***"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::account::Email;
    use crate::core::money::format_cents;

    #[test]
    fn money_cells_read_exactly_like_format_cents() {
        let mut samples = vec![0, 1, -1, 9, 10, 99, 100, 101, -100, 999_999, -1_234_567];
        let mut n: i64 = 7;
        for _ in 0..2_000 {
            n = n.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1) % 1_000_000_000_000;
            samples.push(n);
            samples.push(-n / 7);
        }
        samples.extend([i64::MAX, i64::MIN + 1, i64::MIN]);
        for cents in samples {
            for lang in [Lang::En, Lang::Fr] {
                let cell = MoneyCell {
                    cents,
                    currency: "EUR",
                    lang,
                };
                assert_eq!(
                    cell.to_string(),
                    format!("{} EUR", format_cents(cents, lang)),
                    "{cents} {lang:?}"
                );
            }
        }
    }

    #[test]
    fn time_cells_read_like_utc_time_format_or_keep_bad_text() {
        for text in [
            "2026-11-22T21:55:07Z",
            "2000-02-29T00:00:00Z",
            "1970-01-01T23:59:59Z",
        ] {
            let at = UtcTime::parse(text).expect("parses");
            for lang in [Lang::En, Lang::Fr] {
                assert_eq!(TimeCell { text, lang }.to_string(), at.format(lang));
            }
        }
        for text in ["", "2026-02-30T00:00:00Z", "not a time <b>"] {
            let cell = TimeCell {
                text,
                lang: Lang::Fr,
            };
            assert_eq!(cell.to_string(), text);
        }
    }

    #[test]
    fn masked_emails_read_like_email_masked() {
        for email in [
            "alice@example.org",
            "é@exemple.fr",
            "@nolocal.example",
            "no-at-sign",
            "",
            "a@b@c",
        ] {
            assert_eq!(
                MaskedEmail(email).to_string(),
                Email::masked(email),
                "{email}"
            );
        }
    }
}
