//! Tests of the price chart: the points a title's trades make, and the
//! scales that place them.

use super::*;

fn at(text: &str) -> UtcTime {
    UtcTime::parse(text).expect("time")
}

fn row(at: &str, id: i64, isin: &str, new_isin: &str, values: (i64, Option<i64>, i64)) -> ValueRow {
    ValueRow {
        at: at.into(),
        trade_id: id,
        isin: isin.into(),
        new_isin: new_isin.into(),
        new_value_cents: values.0,
        seller_value_cents: values.1,
        previous_value_cents: values.2,
        status: "processed".into(),
    }
}

const A: &str = "ZZ0000000001";
const B: &str = "ZZ0000000002";

fn issue(isin: &'static str, value_cents: i64) -> Issue<'static> {
    Issue {
        isin,
        issued_at: "2026-12-01T00:00:00Z",
        value_cents,
    }
}

#[test]
fn a_title_never_traded_is_one_point_at_its_issue_with_its_value() {
    assert_eq!(
        points(&issue(A, 1000), &[]),
        vec![Point {
            at: at("2026-12-01T00:00:00Z"),
            value_cents: 1000
        }]
    );
}

#[test]
fn a_title_sold_then_split_starts_at_its_issue_value_and_follows_each_trade() {
    // Newest first, as the statement reads them.
    let rows = [
        row("2026-12-03T00:00:00Z", 2, A, B, (440, Some(660), 1100)),
        row("2026-12-02T00:00:00Z", 1, A, A, (1100, None, 1000)),
    ];
    let values: Vec<(String, i64)> = points(&issue(A, 660), &rows)
        .iter()
        .map(|p| (p.at.to_string(), p.value_cents))
        .collect();
    assert_eq!(
        values,
        [
            ("2026-12-01T00:00:00Z".to_string(), 1000),
            ("2026-12-02T00:00:00Z".to_string(), 1100),
            ("2026-12-03T00:00:00Z".to_string(), 660),
        ]
    );
}

#[test]
fn a_title_issued_by_a_split_starts_at_the_value_that_split_gave_it() {
    let rows = [row("2026-12-03T00:00:00Z", 2, A, B, (440, Some(660), 1100))];
    let values: Vec<i64> = points(&issue(B, 440), &rows)
        .iter()
        .map(|p| p.value_cents)
        .collect();
    assert_eq!(values, [440]);
}

#[test]
fn a_trade_charged_back_makes_no_point() {
    let mut undone = row("2026-12-02T00:00:00Z", 1, A, A, (1100, None, 1000));
    undone.status = "chargeback".into();
    let values: Vec<i64> = points(&issue(A, 1000), &[undone])
        .iter()
        .map(|p| p.value_cents)
        .collect();
    assert_eq!(values, [1000]);
}

fn point(text: &str, value_cents: i64) -> Point {
    Point {
        at: at(text),
        value_cents,
    }
}

#[test]
fn one_point_sits_in_the_middle_with_one_label_on_each_axis() {
    let g = geometry(&[point("2026-12-01T00:00:00Z", 1000)], "EUR", Lang::En).expect("chart");
    assert_eq!(g.dots.len(), 1);
    assert_eq!(g.dots[0].x, g.left + (g.right - g.left) / 2);
    assert_eq!(g.dots[0].y, g.bottom + (g.top - g.bottom) / 2);
    assert_eq!(g.line, "", "no line through a single point");
    assert_eq!(g.value_ticks.len(), 1);
    assert_eq!(g.value_ticks[0].label, "10.00 EUR");
    assert_eq!(g.date_ticks.len(), 1);
    assert_eq!(g.date_ticks[0].label, "2026-12-01");
}

#[test]
fn equal_values_draw_a_flat_line_in_the_middle() {
    let g = geometry(
        &[
            point("2026-12-01T00:00:00Z", 500),
            point("2026-12-02T00:00:00Z", 500),
        ],
        "EUR",
        Lang::En,
    )
    .expect("chart");
    let middle = g.bottom + (g.top - g.bottom) / 2;
    assert!(g.dots.iter().all(|d| d.y == middle));
    assert_eq!(g.value_ticks.len(), 1, "one value, one label");
}

#[test]
fn time_runs_left_to_right_and_value_bottom_to_top_across_the_frame() {
    let g = geometry(
        &[
            point("2026-12-01T00:00:00Z", 1000),
            point("2026-12-02T00:00:00Z", 2000),
            point("2026-12-05T00:00:00Z", 1500),
        ],
        "EUR",
        Lang::En,
    )
    .expect("chart");
    let xs: Vec<i64> = g.dots.iter().map(|d| d.x).collect();
    let ys: Vec<i64> = g.dots.iter().map(|d| d.y).collect();
    // Day 1 of 4 is a quarter of the way.
    assert_eq!(xs, [g.left, g.left + (g.right - g.left) / 4, g.right]);
    assert_eq!(ys, [g.bottom, g.top, g.bottom + (g.top - g.bottom) / 2]);
    assert_eq!(
        g.line,
        format!(
            "{},{} {},{} {},{}",
            xs[0], ys[0], xs[1], ys[1], xs[2], ys[2]
        )
    );
    let labels: Vec<&str> = g.value_ticks.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(labels, ["20.00 EUR", "10.00 EUR"]);
}

#[test]
fn many_points_all_stay_inside_the_frame() {
    let points: Vec<Point> = (0..500)
        .map(|i| Point {
            at: UtcTime::from_unix_seconds(1_780_000_000 + i * 3_600),
            value_cents: (i * 7_919) % 100_003,
        })
        .collect();
    let g = geometry(&points, "EUR", Lang::En).expect("chart");
    assert_eq!(g.dots.len(), 500);
    assert!(g
        .dots
        .iter()
        .all(|d| (g.left..=g.right).contains(&d.x) && (g.top..=g.bottom).contains(&d.y)));
    assert!(g.dots.windows(2).all(|w| w[0].x <= w[1].x), "time order");
}

#[test]
fn labels_follow_the_language() {
    let g = geometry(
        &[
            point("2026-12-01T08:00:00Z", 123_450),
            point("2026-12-02T09:30:00Z", 100),
        ],
        "EUR",
        Lang::Fr,
    )
    .expect("chart");
    assert_eq!(g.value_ticks[0].label, "1\u{202f}234,50 EUR");
    assert_eq!(g.date_ticks[0].label, "01/12/2026");
    assert_eq!(g.dots[1].at.to_string(), "02/12/2026 09:30 UTC");
    assert_eq!(g.dots[1].value.to_string(), "1,00 EUR");
}

#[test]
fn nothing_to_draw_without_points() {
    assert_eq!(geometry(&[], "EUR", Lang::En), None);
}

#[test]
fn the_description_names_the_count_and_the_first_and_last_values_in_the_language() {
    let points = [
        point("2026-12-01T08:00:00Z", 1000),
        point("2026-12-02T09:30:00Z", 1100),
    ];
    let en = view(&points, "EUR", Lang::En).expect("view");
    assert_eq!(
        en.desc,
        "2 values, from 10.00 EUR on 2026-12-01 08:00 UTC to 11.00 EUR on 2026-12-02 09:30 UTC."
    );
    let fr = view(&points, "EUR", Lang::Fr).expect("view");
    assert_eq!(
        fr.desc,
        "2 valeurs, de 10,00 EUR le 01/12/2026 08:00 UTC à 11,00 EUR le 02/12/2026 09:30 UTC."
    );
    assert_eq!(fr.t.chart_heading, "Valeur déclarée dans le temps");
}
