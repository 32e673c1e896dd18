//! `GET /ledger?from=N` and `GET /ledger/verify` (backoffice.md §4): the
//! ledger's entries as published (JSON, pages of 500, clients by
//! pseudonym), and the chain recomputed. Unsealed entries (the
//! migration's, appends at the tail) are sealed first
//! (`flow::ledger::seal_all`), and only sealed ones are published. A page
//! costs one D1 round trip; the verification one per
//! [`view::VERIFY_CHUNK`] entries.

use serde_json::json;
use worker::Response;

use crate::core::flow::ledger as ledger_flow;
use crate::core::ledger::view::{self, HeadRow, Stored};
use crate::core::ledger::{self, Head};
use crate::shell::web::{json_response, rows_at, Ctx, WebError};

/// The page's first entry: `from` (1 when absent), or `None` when it is
/// not a whole number from 1.
fn first_entry(ctx: &Ctx) -> Option<i64> {
    match ctx.param("from") {
        None => Some(1),
        Some(text) => text.trim().parse::<i64>().ok().filter(|n| *n >= 1),
    }
}

/// Reads the sealed entries from `first` (`limit`, and one more) with the
/// last sealed one, the head published; with `seal`, seals the ledger
/// first when its last entry is unsealed (a bounded number of rounds, so
/// once per request). An entry appended between that seal and the read is
/// left out of both until it is sealed, so a page and its head always
/// agree.
async fn read(
    ctx: &Ctx,
    first: i64,
    limit: i64,
    seal: bool,
) -> Result<(Vec<Stored>, Option<HeadRow>), WebError> {
    let batch = vec![
        view::from(first, limit),
        ledger::head(),
        ledger::sealed_head(),
    ];
    let mut results = ctx.run(&batch).await?;
    if seal && ledger_flow::head_at(&results, 1).is_none() {
        ledger_flow::seal_all(ctx, &ctx.app.deployment_id).await?;
        results = ctx.run(&batch).await?;
    }
    let head: Option<HeadRow> = rows_at(&results, 2)?.into_iter().next();
    Ok((rows_at(&results, 0)?, head))
}

pub async fn page(ctx: &Ctx) -> Result<Response, WebError> {
    let Some(first) = first_entry(ctx) else {
        return json_response(
            422,
            &json!({ "error": "invalid_from", "message": "from: a whole number from 1" }),
        );
    };
    let (rows, head) = read(ctx, first, view::PAGE_SIZE, true).await?;
    let text = view::page_text(
        &rows,
        head.as_ref(),
        &ctx.app.deployment_id,
        view::PAGE_SIZE,
    );
    let mut response = Response::ok(text)?;
    response
        .headers_mut()
        .set("Content-Type", "application/json")?;
    Ok(response)
}

pub async fn verify(ctx: &Ctx) -> Result<Response, WebError> {
    let deployment_id = ctx.app.deployment_id.as_str();
    let mut head = Head::genesis();
    loop {
        let first_chunk = head.n == 0;
        let (mut rows, _) = read(ctx, head.n + 1, view::VERIFY_CHUNK, first_chunk).await?;
        let more = rows.len() > usize::try_from(view::VERIFY_CHUNK).unwrap_or(usize::MAX);
        rows.truncate(usize::try_from(view::VERIFY_CHUNK).unwrap_or(usize::MAX));
        match view::verify(&rows, &head, deployment_id) {
            Ok(next) => head = next,
            Err((n, why)) => {
                let stored = rows.iter().find(|r| r.n == n).and_then(|r| r.hash.clone());
                let expected = match &why {
                    view::Break::Hash { expected } => Some(expected.clone()),
                    view::Break::Numbering { .. } | view::Break::Unsealed | view::Break::Kind => {
                        None
                    }
                };
                return json_response(
                    200,
                    &json!({
                        "valid": false,
                        "entry": n,
                        "reason": why.reason(),
                        "stored_hash": stored,
                        "expected_hash": expected,
                        "verified_up_to": { "n": head.n, "hash": head.hash },
                    }),
                );
            }
        }
        if !more {
            break;
        }
    }
    json_response(
        200,
        &json!({ "valid": true, "head": { "n": head.n, "hash": head.hash } }),
    )
}
