//! The price chart of `/titles/{isin}`: the title's declared value over
//! time, from its issue and its trades, and the geometry of the inline SVG
//! that draws it (drawn on the server: no JavaScript, no library). This
//! module owns the statement reading the trades, the points they make, and
//! the scales; the page's template only writes out the numbers and the
//! texts given here (askama escapes them).
//!
//! Coordinates are whole units of the SVG's own `viewBox`, computed with
//! integer arithmetic: a chart needs no more precision than a pixel, and
//! money never becomes a float.

use std::fmt::Write;

use serde::Deserialize;

use super::cells::{AtCell, MoneyCell};
use super::i18n::dashboard::{texts, DashboardTexts};
use super::i18n::Lang;
use super::money::{format_cents, plain_cents};
use super::sql::{Param, Stmt};
use super::time::UtcTime;

/// Trades read for one chart at most (the newest); an older history is
/// left out of the chart, not of the trades table. 100 points still draw a
/// readable line at 640 units wide; 500 made the busiest title's page 42 KB
/// (each point is also a row of the chart's data table) and its reads the
/// slowest of the site.
pub const MAX_TRADES: i64 = 100;

/// The `viewBox`: width and height.
pub const WIDTH: i64 = 640;
pub const HEIGHT: i64 = 240;
/// Room for the value labels on the left, the dates below.
const LEFT: i64 = 110;
const RIGHT: i64 = 20;
const TOP: i64 = 20;
const BOTTOM: i64 = 40;

/// One trade as it bears on a title's value.
#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct ValueRow {
    pub at: String,
    pub trade_id: i64,
    pub isin: String,
    pub new_isin: String,
    pub new_value_cents: i64,
    pub seller_value_cents: Option<i64>,
    pub previous_value_cents: i64,
    pub status: String,
}

/// The newest [`MAX_TRADES`] trades that changed `isin`'s value: bought
/// (`isin`), or issued by a split (`new_isin`); newest first, like
/// `browse::trades_of`, on the same two indexes.
pub fn value_rows(isin: &str) -> Stmt {
    macro_rules! columns {
        () => {
            "SELECT at, id AS trade_id, isin, new_isin, new_value_cents, seller_value_cents, \
             previous_value_cents, status FROM trades "
        };
    }
    Stmt::new(
        concat!(
            columns!(),
            "WHERE isin = ?1 UNION ALL ",
            columns!(),
            "WHERE new_isin = ?1 AND isin <> ?1 ORDER BY at DESC, trade_id DESC LIMIT ?2"
        ),
        vec![Param::from(isin), Param::Int(MAX_TRADES)],
    )
}

/// The title's declared value from `at` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    pub at: UtcTime,
    pub value_cents: i64,
}

/// The title as the chart starts it.
pub struct Issue<'a> {
    pub isin: &'a str,
    pub issued_at: &'a str,
    /// Its value now: the only point of a title never traded.
    pub value_cents: i64,
}

/// The title's values in time order: its issue, then its value after each
/// trade that stands (a trade charged back never changed it for good: the
/// next trade starts from the value it put back). `rows` newest first, as
/// [`value_rows`] reads them.
pub fn points(issue: &Issue<'_>, rows: &[ValueRow]) -> Vec<Point> {
    let mut standing: Vec<&ValueRow> = rows.iter().filter(|r| r.status != "chargeback").collect();
    standing.reverse();
    let complete = i64::try_from(rows.len()).unwrap_or(i64::MAX) < MAX_TRADES;
    let mut out = Vec::with_capacity(standing.len() + 1);
    let issued = UtcTime::parse(issue.issued_at);
    match standing.first() {
        None => {
            if let Some(at) = issued {
                out.push(Point {
                    at,
                    value_cents: issue.value_cents,
                });
            }
            return out;
        }
        // Issued at initiation and then sold: its first value is the one
        // the first sale started from (a split's issue is its own trade).
        Some(first) if complete && first.isin == issue.isin => {
            if let Some(at) = issued {
                out.push(Point {
                    at,
                    value_cents: first.previous_value_cents,
                });
            }
        }
        Some(_) => {}
    }
    for row in standing {
        let value = if row.new_isin == issue.isin {
            // Passed to the buyer, or issued by this split.
            Some(row.new_value_cents)
        } else {
            // Split: the seller keeps this ISIN at his remaining value.
            row.seller_value_cents
        };
        if let (Some(at), Some(value_cents)) = (UtcTime::parse(&row.at), value) {
            out.push(Point { at, value_cents });
        }
    }
    out
}

/// The points as JSON: `[{"at", "value"}]` in time order.
pub fn points_json(points: &[Point]) -> serde_json::Value {
    points
        .iter()
        .map(|p| serde_json::json!({ "at": p.at.to_string(), "value": plain_cents(p.value_cents) }))
        .collect()
}

/// A label on an axis, at `position` (y for values, x for dates), its
/// text anchored there at its `start`, `middle` or `end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    pub position: i64,
    pub label: String,
    pub anchor: &'static str,
}

/// A point placed in the `viewBox`, with its texts for the table (cells
/// written into the page, not a string each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dot<'a> {
    pub x: i64,
    pub y: i64,
    pub at: AtCell,
    pub value: MoneyCell<'a>,
}

/// What the template draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Geometry<'a> {
    pub width: i64,
    pub height: i64,
    /// The plot's frame: left, right, top and bottom edges.
    pub left: i64,
    pub right: i64,
    pub top: i64,
    pub bottom: i64,
    /// `x,y x,y ...` for a `<polyline>` (empty for a single point).
    pub line: String,
    pub dots: Vec<Dot<'a>>,
    pub value_ticks: Vec<Tick>,
    pub date_ticks: Vec<Tick>,
}

/// `a + (value - low) * span / (high - low)`, or the middle of the span
/// when there is no range (one point, equal values).
fn scale(value: i64, low: i64, high: i64, a: i64, span: i64) -> i64 {
    if high <= low {
        return a + span / 2;
    }
    let offset = i128::from(value - low) * i128::from(span) / i128::from(high - low);
    a + i64::try_from(offset).unwrap_or(0)
}

/// A date as an axis shows it: `2026-12-02` in English, `02/12/2026` in
/// French (the day of [`UtcTime::format`], without the time).
pub fn date_label(at: UtcTime, lang: Lang) -> String {
    let (y, mo, d, _, _, _) = at.parts();
    match lang {
        Lang::En => format!("{y:04}-{mo:02}-{d:02}"),
        Lang::Fr => format!("{d:02}/{mo:02}/{y:04}"),
    }
}

/// The chart of `points` (time order) in `currency`, labelled in `lang`;
/// `None` when there is nothing to draw.
pub fn geometry<'a>(points: &[Point], currency: &'a str, lang: Lang) -> Option<Geometry<'a>> {
    let first = points.first()?;
    let last = points.last()?;
    let (right, bottom) = (WIDTH - RIGHT, HEIGHT - BOTTOM);
    let (t0, t1) = (first.at.unix_seconds(), last.at.unix_seconds());
    let low = points.iter().map(|p| p.value_cents).min()?;
    let high = points.iter().map(|p| p.value_cents).max()?;
    let value = |cents: i64| format!("{} {currency}", format_cents(cents, lang));
    let y_of = |cents: i64| scale(cents, low, high, bottom, TOP - bottom);
    let dots: Vec<Dot> = points
        .iter()
        .map(|p| Dot {
            x: scale(p.at.unix_seconds(), t0, t1, LEFT, right - LEFT),
            y: y_of(p.value_cents),
            at: AtCell { at: p.at, lang },
            value: MoneyCell {
                cents: p.value_cents,
                currency,
                lang,
            },
        })
        .collect();
    let mut line = String::new();
    if dots.len() > 1 {
        for (i, d) in dots.iter().enumerate() {
            let gap = if i == 0 { "" } else { " " };
            // Writing into a String cannot fail.
            let _ = write!(line, "{gap}{},{}", d.x, d.y);
        }
    }
    let mut value_ticks = vec![Tick {
        position: y_of(high),
        label: value(high),
        anchor: "end",
    }];
    if low < high {
        value_ticks.push(Tick {
            position: y_of(low),
            label: value(low),
            anchor: "end",
        });
    }
    let mut date_ticks = vec![Tick {
        position: scale(t0, t0, t1, LEFT, right - LEFT),
        label: date_label(first.at, lang),
        anchor: if t0 < t1 { "start" } else { "middle" },
    }];
    if t0 < t1 {
        date_ticks.push(Tick {
            position: right,
            label: date_label(last.at, lang),
            anchor: "end",
        });
    }
    Some(Geometry {
        width: WIDTH,
        height: HEIGHT,
        left: LEFT,
        right,
        top: TOP,
        bottom,
        line,
        dots,
        value_ticks,
        date_ticks,
    })
}

/// The chart as the title page shows it: the drawing and its words (a
/// title, a description for screen readers, the values' table).
pub struct View<'a> {
    pub geometry: Geometry<'a>,
    pub t: &'static DashboardTexts,
    pub desc: String,
}

/// The chart of `points` in `lang`, or `None` when there is none.
pub fn view<'a>(points: &[Point], currency: &'a str, lang: Lang) -> Option<View<'a>> {
    let geometry = geometry(points, currency, lang)?;
    let t = texts(lang);
    let (first, last) = (geometry.dots.first()?, geometry.dots.last()?);
    let desc = [
        ("{count}", geometry.dots.len().to_string()),
        ("{first}", first.value.to_string()),
        ("{from}", first.at.to_string()),
        ("{last}", last.value.to_string()),
        ("{to}", last.at.to_string()),
    ]
    .iter()
    .fold(t.chart_desc.to_string(), |text, (key, value)| {
        text.replace(key, value)
    });
    Some(View { geometry, t, desc })
}

#[cfg(test)]
#[path = "chart_tests.rs"]
mod tests;
