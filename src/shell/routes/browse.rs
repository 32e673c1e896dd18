//! The read pages: market, titles (with the price chart of `core::chart`),
//! history, claims, the ISIN check, and the static pages (contact, docs,
//! source, sitemap, robots). Each page costs one D1 round trip (its session
//! lookup shares the batch); `/claims` adds one
//! GetBalance call to PayPal (and one write to keep its answer) at most once
//! a minute per client. JSON when the Accept header prefers it.

use askama::Template;
use serde_json::json;
use worker::Response;

use crate::core::account::Email;
use crate::core::browse::{
    self, ClaimRow, CredentialRow, Issued, MarketRow, Page, TitleRow, TradeRow,
};
use crate::core::chart;
use crate::core::crypto;
use crate::core::isin::{Isin, IsinError};
use crate::core::ledger::{
    self,
    view::{self, HeadRow},
};
use crate::core::money::Amount;
use crate::core::psp::{self, BalanceOutcome, ProviderId, SealedAccount};

use crate::core::time::UtcTime;
use crate::shell::effects::site;
use crate::shell::pages::{
    money, ClaimsPage, ContactPage, DocsPage, HistoryPage, IsinPage, LedgerHead, MarketLine,
    MarketPage, Pager, SourcePage, TitlePage, TradeLine,
};
use crate::shell::web::{html, json_response, rows_at, Ctx, WebError};

/// The page asked for, or a 422 (page or JSON) when `?page=` is malformed.
fn page(ctx: &Ctx) -> Result<Page, Result<Response, WebError>> {
    Page::parse(ctx.param("page").as_deref())
        .ok_or_else(|| invalid(ctx, "invalid_page", ctx.lang.texts().invalid_page))
}

fn invalid(ctx: &Ctx, code: &str, message: &'static str) -> Result<Response, WebError> {
    if ctx.wants_json {
        return json_response(422, &json!({ "error": code, "message": message }));
    }
    let page = crate::shell::pages::ErrorPage {
        layout: ctx.layout()?,
        status: 422,
        message,
    };
    html(422, page.render()?)
}

fn pager(base: String, page: Page, next: Option<i64>) -> Pager {
    Pager {
        base,
        previous: (page.number() > 1).then(|| page.number() - 1),
        next,
    }
}

fn trade_lines<'a>(ctx: &Ctx, trades: &'a [TradeRow]) -> Vec<TradeLine<'a>> {
    trades.iter().map(|t| TradeLine::new(t, ctx.lang)).collect()
}

pub async fn home(ctx: &Ctx) -> Result<Response, WebError> {
    let results = ctx.run(&vec![browse::latest(10)]).await?;
    let trades: Vec<TradeRow> = rows_at(&results, 0)?;
    let page = crate::shell::pages::HomePage {
        layout: ctx.layout()?,
        trades: trade_lines(ctx, &trades),
    };
    html(200, page.render()?)
}

pub async fn market(ctx: &Ctx) -> Result<Response, WebError> {
    let page_number = match page(ctx) {
        Ok(p) => p,
        Err(response) => return response,
    };
    let typed = ctx.param("isin").unwrap_or_default();
    let filter = match typed.trim() {
        "" => None,
        code => match Isin::parse(code) {
            Ok(isin) => Some(isin),
            Err(_) => {
                if ctx.wants_json {
                    return json_response(
                        422,
                        &json!({ "error": "invalid_isin", "message": ctx.lang.texts().invalid_isin }),
                    );
                }
                let page = MarketPage {
                    layout: ctx.layout()?,
                    filter: typed.clone(),
                    error: ctx.lang.texts().invalid_isin,
                    titles: Vec::new(),
                    pager: pager(String::new(), Page::FIRST, None),
                };
                return html(422, page.render()?);
            }
        },
    };
    let results = ctx
        .run(&vec![browse::market(
            filter.as_ref().map(Isin::as_str),
            page_number,
        )])
        .await?;
    let (titles, next) = page_number.split(rows_at::<MarketRow>(&results, 0)?);
    if ctx.wants_json {
        return json_response(200, &browse::market_json(&titles, next));
    }
    let base = match &filter {
        Some(isin) => format!("/market?isin={isin}&"),
        None => "/market?".to_string(),
    };
    let page = MarketPage {
        layout: ctx.layout()?,
        filter: typed,
        error: "",
        titles: titles
            .iter()
            .map(|t| MarketLine {
                isin: t.isin.clone(),
                value: money(t.value_cents, &t.currency, ctx.lang),
            })
            .collect(),
        pager: pager(base, page_number, next),
    };
    html(200, page.render()?)
}

pub async fn title(ctx: &Ctx, code: &str) -> Result<Response, WebError> {
    let Ok(isin) = Isin::parse(code) else {
        return Err(WebError::NotFound);
    };
    if isin.as_str() != code {
        // One address per title: the canonical upper-case ISIN.
        return crate::shell::web::see_other(&format!("/titles/{isin}"));
    }
    let page_number = match page(ctx) {
        Ok(p) => p,
        Err(response) => return response,
    };
    let results = ctx
        .run(&vec![
            browse::title(isin.as_str()),
            browse::trades_of(isin.as_str(), page_number),
            chart::value_rows(isin.as_str()),
        ])
        .await?;
    let Some(title) = rows_at::<TitleRow>(&results, 0)?.into_iter().next() else {
        return Err(WebError::NotFound);
    };
    let (trades, next) = page_number.split(rows_at::<TradeRow>(&results, 1)?);
    let issue = chart::Issue {
        isin: &title.isin,
        issued_at: &title.issued_at,
        value_cents: title.value_cents,
    };
    let points = chart::points(&issue, &rows_at::<chart::ValueRow>(&results, 2)?);
    if ctx.wants_json {
        let mut body = browse::title_json(&title, &trades, next);
        body["values"] = chart::points_json(&points);
        return json_response(200, &body);
    }
    let config = &ctx.app.config;
    let other_currency = title.currency != config.currency.as_str();
    let in_parts = title.value_cents > config.max_amount.cents();
    let voided = title.status == "voided";
    let page = TitlePage {
        layout: ctx.layout()?,
        isin: title.isin.clone(),
        value: money(title.value_cents, &title.currency, ctx.lang),
        holder: Email::masked(&title.holder_email),
        issued_at: UtcTime::parse(&title.issued_at)
            .map_or(title.issued_at.clone(), |t| t.format(ctx.lang)),
        split_from: title.parent_isin.clone(),
        claimed: title.claimed != 0,
        disputed: title.disputed != 0,
        voided,
        other_currency,
        in_parts,
        buyable: !other_currency && !voided && title.value_cents > 0,
        trades: trade_lines(ctx, &trades),
        pager: pager(format!("/titles/{isin}?"), page_number, next),
        chart: chart::view(&points, &title.currency, ctx.lang),
    };
    html(200, page.render()?)
}

pub async fn history(ctx: &Ctx) -> Result<Response, WebError> {
    let page_number = match page(ctx) {
        Ok(p) => p,
        Err(response) => return response,
    };
    // The ledger's head in the same round trip (backoffice.md §4).
    let results = ctx
        .run(&vec![browse::history(page_number), ledger::sealed_head()])
        .await?;
    let (trades, next) = page_number.split(rows_at::<TradeRow>(&results, 0)?);
    let head: Option<HeadRow> = rows_at(&results, 1)?.into_iter().next();
    if ctx.wants_json {
        let mut body = browse::history_json(&trades, next);
        body["ledger_head"] = view::head_json(head.as_ref());
        return json_response(200, &body);
    }
    let page = HistoryPage {
        layout: ctx.layout()?,
        trades: trade_lines(ctx, &trades),
        pager: pager("/history?".into(), page_number, next),
        ledger: LedgerHead::new(head.as_ref(), ctx.lang),
    };
    html(200, page.render()?)
}

/// My titles and balances: one D1 round trip (session, titles, credentials),
/// then GetBalance with my current credentials (5 s at most). When PayPal
/// cannot be asked, the page still answers, saying why.
pub async fn claims(ctx: &Ctx) -> Result<Response, WebError> {
    let Some(token) = ctx.session_token() else {
        return Err(WebError::LoginRequired(ctx.path_and_query()));
    };
    let token_hash = crypto::sha256_hex(token.as_bytes());
    let results = ctx
        .run(&vec![
            browse::claims(&token_hash),
            browse::current_credentials(
                &token_hash,
                &ctx.now().plus_seconds(-BALANCE_TTL_SECONDS).to_string(),
            ),
        ])
        .await?;
    let me = ctx.require_session().await?;
    let titles: Vec<ClaimRow> = rows_at(&results, 0)?;
    let credentials: Option<CredentialRow> = rows_at(&results, 1)?.into_iter().next();
    let currency = ctx.app.config.currency.as_str();
    let isin_balance_cents = browse::isin_balance_cents(&titles, currency);

    // Only a PayPal account has a balance to show (card providers settle
    // to the seller's bank account).
    let psp_balance_offered = credentials.is_some();
    let (psp_balance, psp_error) = match credentials {
        Some(row) => psp_balance(ctx, row).await,
        None => (None, None),
    };
    if ctx.wants_json {
        return json_response(
            200,
            &json!({
                "email": me.email,
                "isin_balance": crate::core::money::plain_cents(isin_balance_cents),
                "currency": currency,
                "psp_balance": psp_balance.as_ref().map(|(a, _)| a.to_plain()),
                "psp_currency": psp_balance.as_ref().map(|(_, c)| c.clone()),
                "psp_error": psp_error.as_ref().map(|(code, message)| json!({ "code": code, "message": message })),
                "titles": titles.iter().map(|t| json!({
                    "isin": t.isin,
                    "value": crate::core::money::plain_cents(t.value_cents),
                    "currency": t.currency,
                    "claimed": t.claimed != 0,
                    "disputed": t.disputed != 0,
                })).collect::<Vec<_>>(),
            }),
        );
    }
    let page = ClaimsPage {
        layout: ctx.layout()?,
        email: me.email.clone(),
        isin_balance: money(isin_balance_cents, currency, ctx.lang),
        psp_balance: psp_balance.map(|(a, c)| money(a.cents(), &c, ctx.lang)),
        psp_error: psp_error
            .map(|(code, message)| format!("{code}: {message}"))
            .unwrap_or_default(),
        psp_balance_offered,
        titles: titles
            .iter()
            .map(|t| MarketLine {
                isin: t.isin.clone(),
                value: money(t.value_cents, &t.currency, ctx.lang),
            })
            .collect(),
    };
    html(200, page.render()?)
}

/// The seller's balance at the provider: kept for a minute, else asked
/// (GetBalance with his stored credentials); or why it cannot be shown, as
/// (code, message).
pub(super) async fn psp_balance(
    ctx: &Ctx,
    credentials: CredentialRow,
) -> (Option<(Amount, String)>, Option<(String, String)>) {
    match credentials {
        CredentialRow {
            cached_amount_cents: Some(cents),
            cached_currency: Some(currency),
            ..
        } => (Amount::from_cents(cents).map(|a| (a, currency)), None),
        row => {
            let base = ctx.base_url();
            let account = SealedAccount {
                client_id: row.client_id,
                version: row.credentials_version,
                public_ref: &row.api_username,
                sealed_secret: &row.sealed_secret,
            };
            match psp::balance(ctx, &site(ctx, &base), ProviderId::Paypal, account).await {
                Err(e) => {
                    worker::console_error!("claims: {e:?}");
                    (
                        None,
                        Some((
                            "credentials_unreadable".to_string(),
                            "stored credentials cannot be read".to_string(),
                        )),
                    )
                }
                Ok(BalanceOutcome::Balance { amount, currency }) => {
                    // Kept a minute; the page answers even if the write
                    // fails.
                    let keep = browse::store_balance(
                        row.client_id,
                        row.credentials_version,
                        amount.cents(),
                        &currency,
                        &ctx.now().to_string(),
                    );
                    if let Err(e) = ctx.run(&vec![keep]).await {
                        worker::console_error!("claims: balance not kept: {e:?}");
                    }
                    (Some((amount, currency)), None)
                }
                Ok(BalanceOutcome::Refused { code, message }) => {
                    let code = if code.is_empty() {
                        "psp".to_string()
                    } else {
                        code
                    };
                    (None, Some((code, message)))
                }
                // Not asked of PayPal: never here.
                Ok(BalanceOutcome::NotOffered) => (None, None),
                Ok(BalanceOutcome::Unreadable(why)) => {
                    (None, Some(("psp_answer".to_string(), why)))
                }
                Ok(BalanceOutcome::Unknown(no_answer)) => (
                    None,
                    Some(("psp_unreachable".to_string(), no_answer.describe())),
                ),
            }
        }
    }
}

/// `/isin?code=`: always 200, with the reason when the code is not an ISIN.
pub async fn isin(ctx: &Ctx) -> Result<Response, WebError> {
    let typed = ctx.param("code");
    let code = typed.as_deref().unwrap_or("").trim().to_ascii_uppercase();
    let parsed = Isin::parse(&code);
    let issued = match &parsed {
        Ok(isin) => {
            let results = ctx.run(&vec![browse::issued(isin.as_str())]).await?;
            rows_at::<Issued>(&results, 0)?
                .first()
                .is_some_and(|i| i.issued != 0)
        }
        Err(_) => false,
    };
    let reason = parsed.as_ref().err().map(|e| e.as_str());
    let paybook = code.starts_with("ZZ");
    if ctx.wants_json {
        return json_response(
            200,
            &json!({ "code": code, "valid": parsed.is_ok(), "reason": reason, "paybook": paybook, "issued": issued }),
        );
    }
    let t = ctx.lang.texts();
    let page = IsinPage {
        layout: ctx.layout()?,
        checked: typed.is_some(),
        valid: parsed.is_ok(),
        reason: match parsed.err() {
            Some(IsinError::Length) => t.isin_reason_length,
            Some(IsinError::Characters) => t.isin_reason_characters,
            Some(IsinError::CheckDigit) => t.isin_reason_check_digit,
            None => "",
        },
        paybook,
        issued,
        code,
    };
    html(200, page.render()?)
}

pub fn contact(ctx: &Ctx) -> Result<Response, WebError> {
    let page = ContactPage {
        layout: ctx.layout()?,
        operator_name: ctx.app.config.operator_name.clone(),
        contact_email: ctx.app.config.contact_email.clone(),
    };
    html(200, page.render()?)
}

pub fn docs(ctx: &Ctx) -> Result<Response, WebError> {
    html(
        200,
        DocsPage {
            layout: ctx.layout()?,
        }
        .render()?,
    )
}

/// `/source`: the commit this build runs, and its archive when
/// `SOURCE_URL` is on a forge (`core::seo::source_link`).
pub fn source(ctx: &Ctx) -> Result<Response, WebError> {
    let source_url = ctx.app.config.source_url.clone();
    let commit = crate::core::seo::commit();
    let page = SourcePage {
        layout: ctx.layout()?,
        link: crate::core::seo::source_link(&source_url, commit),
        source_url,
        commit,
        st: ctx.lang.seo(),
    };
    html(200, page.render()?)
}

/// How long `/claims` shows a PSP balance without asking again (its budget
/// allows 60 s; any change of the client's orders forgets it sooner).
const BALANCE_TTL_SECONDS: i64 = 60;

/// The public pages and the active titles (one D1 round trip, at most the
/// protocol's 50,000 URLs).
pub async fn sitemap(ctx: &Ctx) -> Result<Response, WebError> {
    let results = ctx.run(&vec![crate::core::seo::sitemap_titles()]).await?;
    let titles: Vec<crate::core::seo::SitemapRow> = rows_at(&results, 0)?;
    let xml = crate::core::seo::sitemap_xml(&ctx.base_url(), &titles);
    let mut response = Response::ok(xml)?;
    response
        .headers_mut()
        .set("Content-Type", "application/xml; charset=utf-8")?;
    Ok(response)
}

pub fn robots(ctx: &Ctx) -> Result<Response, WebError> {
    let text = format!(
        "User-agent: *\nDisallow: /_emulator/\nDisallow: /account\nDisallow: /orders\nDisallow: /claims\nDisallow: /psp/\nSitemap: {}/sitemap.xml\n",
        ctx.base_url()
    );
    let mut response = Response::ok(text)?;
    response
        .headers_mut()
        .set("Content-Type", "text/plain; charset=utf-8")?;
    Ok(response)
}
