//! A native timing probe of the read pages' per-row work (issue 22): row
//! decoding, formatting and askama rendering of `/history` and of
//! `/titles/{isin}`'s chart rows, step by step. Ignored by default and never
//! an assertion on time: run it by hand to see where the CPU goes.
//! `cargo test --release --lib perf_probe -- --ignored --nocapture`

use std::hint::black_box;
use std::time::Instant;

use askama::Template;
use serde_json::{json, Value};

use crate::core::account::Email;
use crate::core::browse::TradeRow;
use crate::core::chart::{self, ValueRow};
use crate::core::i18n::Lang;
use crate::core::sql::{self, Row, StmtResult};
use crate::core::time::UtcTime;
use crate::shell::pages::{money, HistoryPage, Layout, LedgerHead, Pager, TradeLine};

const TRADE_ROWS: usize = 51;
const CHART_ROWS: usize = 368;
const ROUNDS: u32 = 2_000;

fn trade_row(i: usize) -> Row {
    let Value::Object(map) = json!({
        "at": format!("2026-11-{:02}T10:{:02}:{:02}Z", 1 + i % 28, i % 60, (i * 7) % 60),
        "order_id": format!("ord_{i:016x}"),
        "isin": "ZZB0000063Z9",
        "amount_cents": 12_345 + i as i64,
        "currency": "EUR",
        "profit_rate": 5,
        "buyer_email": format!("buyer{i}@bench.example"),
        "seller_email": format!("seller{i}@bench.example"),
        "new_isin": "ZZB0000064Z7",
        "new_value_cents": 13_000 + i as i64,
        "seller_value_cents": if i.is_multiple_of(3) { Value::Null } else { Value::from(700) },
        "status": "processed",
    }) else {
        unreachable!()
    };
    map
}

fn chart_row(i: usize) -> Row {
    let Value::Object(map) = json!({
        "at": format!("2026-{:02}-{:02}T10:00:00Z", 1 + i % 12, 1 + i % 28),
        "trade_id": i,
        "isin": "ZZB0000063Z9",
        "new_isin": "ZZB0000064Z7",
        "new_value_cents": 13_000 + i as i64,
        "seller_value_cents": Value::Null,
        "previous_value_cents": 12_000 + i as i64,
        "status": "processed",
    }) else {
        unreachable!()
    };
    map
}

fn result_of(rows: Vec<Row>) -> StmtResult {
    StmtResult::from_rows(rows, 0)
}

/// Microseconds per round of `f`.
fn time<T>(label: &str, mut f: impl FnMut() -> T) -> f64 {
    for _ in 0..50 {
        black_box(f());
    }
    let start = Instant::now();
    for _ in 0..ROUNDS {
        black_box(f());
    }
    let us = start.elapsed().as_secs_f64() * 1e6 / f64::from(ROUNDS);
    println!("{label:<48} {us:>9.1} µs");
    us
}

fn layout(lang: Lang) -> Layout {
    Layout {
        t: lang.texts(),
        lang,
        emulator: true,
        path: "/history".into(),
        signed_in: false,
        csrf_token: "x".repeat(43),
        seo: crate::core::seo::Head::new("http://127.0.0.1", "/history", lang),
    }
}

#[test]
#[ignore = "a timing probe, run by hand"]
fn perf_probe_read_pages() {
    let lang = Lang::Fr;
    let trades_json =
        serde_json::to_string(&(0..TRADE_ROWS).map(trade_row).collect::<Vec<_>>()).expect("json");
    let chart_json =
        serde_json::to_string(&(0..CHART_ROWS).map(chart_row).collect::<Vec<_>>()).expect("json");
    println!("per request, {TRADE_ROWS} trade rows, {CHART_ROWS} chart rows:");
    // What D1's rows cost once they are in the wasm: the old path built a
    // serde_json::Value map per row (here: parsed from text), cloned it
    // and read the struct from the clone.
    time("trades: JSON text -> Value maps", || {
        serde_json::from_str::<Vec<Row>>(&trades_json).expect("maps")
    });
    let maps: Vec<Row> = serde_json::from_str(&trades_json).expect("maps");
    time("trades: Value maps -> structs (clone + from_value)", || {
        maps.iter()
            .map(|m| serde_json::from_value::<TradeRow>(Value::Object(m.clone())).expect("row"))
            .collect::<Vec<_>>()
    });
    let trades = result_of((0..TRADE_ROWS).map(trade_row).collect());
    time("trades: sql::rows (JSON text -> structs)", || {
        sql::rows::<TradeRow>(&trades).expect("rows")
    });
    let chart_maps: Vec<Row> = serde_json::from_str(&chart_json).expect("maps");
    time("chart: Value maps -> structs (clone + from_value)", || {
        chart_maps
            .iter()
            .map(|m| serde_json::from_value::<ValueRow>(Value::Object(m.clone())).expect("row"))
            .collect::<Vec<_>>()
    });
    let chart_rows = result_of((0..CHART_ROWS).map(chart_row).collect());
    time("chart: sql::rows (JSON text -> structs)", || {
        sql::rows::<ValueRow>(&chart_rows).expect("rows")
    });
    let values: Vec<ValueRow> = sql::rows(&chart_rows).expect("rows");
    let issue = chart::Issue {
        isin: "ZZB0000063Z9",
        issued_at: "2025-01-01T00:00:00Z",
        value_cents: 100,
    };
    time("chart: points + view", || {
        chart::view(&chart::points(&issue, &values), "EUR", lang)
    });
    let rows: Vec<TradeRow> = sql::rows(&trades).expect("rows");
    probe_formatting_and_rendering(&rows, lang);
}

/// The trades table's cells and the page's rendering.
fn probe_formatting_and_rendering(rows: &[TradeRow], lang: Lang) {
    // What the lines cost when every cell was a String (before issue 22).
    time("trades: a String per cell (the old lines)", || {
        rows.iter()
            .map(|t| {
                (
                    UtcTime::parse(&t.at).map_or_else(|| t.at.clone(), |at| at.format(lang)),
                    t.isin.clone(),
                    money(t.amount_cents, &t.currency, lang),
                    Email::masked(&t.buyer_email),
                    Email::masked(&t.seller_email),
                    t.new_isin.clone(),
                    money(t.new_value_cents, &t.currency, lang),
                    t.seller_value_cents
                        .map_or(String::new(), |c| money(c, &t.currency, lang)),
                )
            })
            .collect::<Vec<_>>()
    });
    time("trades: TradeLine::new (cells, no strings)", || {
        rows.iter()
            .map(|t| TradeLine::new(t, lang))
            .collect::<Vec<_>>()
    });
    let page = || HistoryPage {
        layout: layout(lang),
        trades: rows.iter().map(|t| TradeLine::new(t, lang)).collect(),
        pager: Pager {
            base: "/history?".into(),
            previous: None,
            next: Some(2),
        },
        ledger: LedgerHead::new(None, lang),
    };
    let built = page();
    time("history: askama render (cells written in place)", || {
        built.render().expect("render")
    });
    time("history: lines + render", || {
        page().render().expect("render")
    });
    println!(
        "history page bytes: {}",
        built.render().expect("render").len()
    );
}
