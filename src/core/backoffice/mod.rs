//! The operator's back office (backoffice.md §2). The lists: payments
//! followed by date, the day's export, the outbox and the audit log. One
//! order and the disputed titles: the pure decisions (`order`, `titles`)
//! and the statements reading everything an operator sees (`reads`); the
//! flows that ask the provider and write are in `flow::backoffice`.
//!
//! This module owns the lists' typed filters, parsed at the edge from what
//! the operator typed (a bad date or status is a named [`FilterProblem`],
//! never a silent default); the SQL and the row shapes are in its
//! submodules, the export writers in [`export`].

pub mod export;
pub mod lists;
pub mod order;
pub mod payments;
pub mod reads;
pub mod titles;

use super::i18n::{admin_lists, Lang};
use super::order::{OrderStatus, Substate};
use super::psp::ProviderId;
use super::time::UtcTime;

/// A UTC calendar day, `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day(UtcTime);

impl Day {
    /// Exactly `YYYY-MM-DD`, a real date.
    pub fn parse(text: &str) -> Option<Day> {
        let text = text.trim();
        if text.len() != 10 {
            return None;
        }
        UtcTime::parse(&format!("{text}T00:00:00Z")).map(Day)
    }

    /// The day an instant falls on.
    pub fn of(at: UtcTime) -> Day {
        Day(UtcTime::from_unix_seconds(
            at.unix_seconds().div_euclid(86_400) * 86_400,
        ))
    }

    /// Its first second, as stored times are written.
    pub fn start(self) -> String {
        self.0.to_string()
    }

    /// The next day's first second: the bound a day's times stay below.
    pub fn end(self) -> String {
        self.0.plus_seconds(86_400).to_string()
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d, _, _, _) = self.0.parts();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// What `status=` may select: a public status, or the orders waiting for
/// an operator (`needs_review`, whatever their code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFilter {
    Code(OrderStatus),
    NeedsReview,
}

impl StatusFilter {
    /// A status name (`processed`, ...), its code (`-3`), or `needs_review`.
    pub fn parse(text: &str) -> Option<StatusFilter> {
        let text = text.trim();
        if text == Substate::NeedsReview.as_str() {
            return Some(StatusFilter::NeedsReview);
        }
        OrderStatus::ALL
            .into_iter()
            .find(|s| s.name() == text || s.code().to_string() == text)
            .map(StatusFilter::Code)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StatusFilter::Code(s) => s.name(),
            StatusFilter::NeedsReview => Substate::NeedsReview.as_str(),
        }
    }
}

/// The longest `q=` read; more is refused rather than cut.
pub const MAX_QUERY_CHARS: usize = 254;

/// The payments list's filters, valid.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PaymentFilters {
    pub from: Option<Day>,
    pub to: Option<Day>,
    pub status: Option<StatusFilter>,
    pub psp: Option<ProviderId>,
    /// An order id, an ISIN, a provider reference, or part of an e-mail.
    pub q: Option<String>,
}

/// What is wrong with a filter; the page says it in the user's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterProblem {
    BadFrom,
    BadTo,
    FromAfterTo,
    BadStatus,
    BadPsp,
    QueryTooLong,
}

impl FilterProblem {
    /// The form field it belongs to.
    pub fn field(self) -> &'static str {
        match self {
            FilterProblem::BadFrom => "from",
            FilterProblem::BadTo | FilterProblem::FromAfterTo => "to",
            FilterProblem::BadStatus => "status",
            FilterProblem::BadPsp => "psp",
            FilterProblem::QueryTooLong => "q",
        }
    }

    /// What the page says, in `lang`.
    pub fn message(self, lang: Lang) -> &'static str {
        let a = admin_lists::texts(lang);
        match self {
            FilterProblem::BadFrom => a.problem_from,
            FilterProblem::BadTo => a.problem_to,
            FilterProblem::FromAfterTo => a.problem_from_after_to,
            FilterProblem::BadStatus => a.problem_status,
            FilterProblem::BadPsp => a.problem_psp,
            FilterProblem::QueryTooLong => a.problem_q,
        }
    }

    /// Its machine name in JSON errors.
    pub fn code(self) -> &'static str {
        match self {
            FilterProblem::BadFrom | FilterProblem::BadTo => "invalid_date",
            FilterProblem::FromAfterTo => "from_after_to",
            FilterProblem::BadStatus => "invalid_status",
            FilterProblem::BadPsp => "invalid_psp",
            FilterProblem::QueryTooLong => "query_too_long",
        }
    }
}

/// The filters as typed (absent fields empty), kept to show them again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TypedFilters {
    pub from: String,
    pub to: String,
    pub status: String,
    pub psp: String,
    pub q: String,
}

impl TypedFilters {
    /// Parses every field; the first problem found is returned.
    pub fn parse(&self) -> Result<PaymentFilters, FilterProblem> {
        let day = |text: &str, problem| match optional(text) {
            None => Ok(None),
            Some(t) => Day::parse(t).map(Some).ok_or(problem),
        };
        let from = day(&self.from, FilterProblem::BadFrom)?;
        let to = day(&self.to, FilterProblem::BadTo)?;
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(FilterProblem::FromAfterTo);
            }
        }
        let status = match optional(&self.status) {
            None => None,
            Some(t) => Some(StatusFilter::parse(t).ok_or(FilterProblem::BadStatus)?),
        };
        let psp = match optional(&self.psp) {
            None => None,
            Some(t) => Some(ProviderId::parse(t).ok_or(FilterProblem::BadPsp)?),
        };
        let q = optional(&self.q).map(str::to_string);
        if q.as_ref()
            .is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS)
        {
            return Err(FilterProblem::QueryTooLong);
        }
        Ok(PaymentFilters {
            from,
            to,
            status,
            psp,
            q,
        })
    }

    /// The query string that keeps these filters (for the pager).
    pub fn query(&self) -> String {
        [
            ("from", &self.from),
            ("to", &self.to),
            ("status", &self.status),
            ("psp", &self.psp),
            ("q", &self.q),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}&", encode(v.trim())))
        .collect()
    }
}

/// A field's trimmed text, `None` when empty.
fn optional(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty())
}

/// Percent-encodes a query value (unreserved characters kept).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(from: &str, to: &str, status: &str, psp: &str, q: &str) -> TypedFilters {
        TypedFilters {
            from: from.into(),
            to: to.into(),
            status: status.into(),
            psp: psp.into(),
            q: q.into(),
        }
    }

    #[test]
    fn days_parse_only_real_dates_and_bound_the_utc_day() {
        let d = Day::parse("2026-02-28").expect("a date");
        assert_eq!(d.start(), "2026-02-28T00:00:00Z");
        assert_eq!(d.end(), "2026-03-01T00:00:00Z");
        assert_eq!(d.to_string(), "2026-02-28");
        for bad in ["2026-02-30", "2026-2-28", "28/02/2026", "", "2026-02-28T00"] {
            assert_eq!(Day::parse(bad), None, "{bad}");
        }
        let at = UtcTime::parse("2026-12-02T23:59:59Z").expect("time");
        assert_eq!(Day::of(at).to_string(), "2026-12-02");
    }

    #[test]
    fn empty_filters_select_everything() {
        assert_eq!(
            typed("", " ", "", "", "").parse(),
            Ok(PaymentFilters::default())
        );
    }

    #[test]
    fn each_bad_filter_is_named() {
        let cases = [
            (typed("2026-13-01", "", "", "", ""), FilterProblem::BadFrom),
            (typed("", "yesterday", "", "", ""), FilterProblem::BadTo),
            (
                typed("2026-12-02", "2026-12-01", "", "", ""),
                FilterProblem::FromAfterTo,
            ),
            (typed("", "", "paid", "", ""), FilterProblem::BadStatus),
            (typed("", "", "", "visa", ""), FilterProblem::BadPsp),
            (
                typed("", "", "", "", &"x".repeat(255)),
                FilterProblem::QueryTooLong,
            ),
        ];
        for (t, problem) in cases {
            assert_eq!(t.parse(), Err(problem), "{t:?}");
        }
    }

    #[test]
    fn statuses_read_by_name_code_or_review() {
        let f = typed("2026-12-01", "2026-12-01", "-3", "sips", " a@b.c ")
            .parse()
            .expect("valid");
        assert_eq!(f.status, Some(StatusFilter::Code(OrderStatus::Chargeback)));
        assert_eq!(f.psp, Some(ProviderId::Sips));
        assert_eq!(f.q.as_deref(), Some("a@b.c"));
        assert_eq!(
            StatusFilter::parse("needs_review"),
            Some(StatusFilter::NeedsReview)
        );
        assert_eq!(
            StatusFilter::parse("failed"),
            Some(StatusFilter::Code(OrderStatus::Failed))
        );
    }

    #[test]
    fn the_pager_keeps_the_filters_encoded() {
        let t = typed("2026-12-01", "", "failed", "", "a&b é");
        assert_eq!(t.query(), "from=2026-12-01&status=failed&q=a%26b%20%C3%A9&");
    }
}
