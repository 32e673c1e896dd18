//! `GET /admin/payments`: payments followed by date, newest first, paged by
//! 50, with the totals of the filtered set (one batch: rows and totals).
//! The filters are parsed at the edge (`core::backoffice`); a bad one is a
//! 400 naming it in the user's language, with what was typed kept.

use askama::Template;
use serde_json::json;
use worker::Response;

use crate::core::backoffice::export::{PaymentRow, Total};
use crate::core::backoffice::{payments, Day, FilterProblem, StatusFilter, TypedFilters};
use crate::core::browse::Page;
use crate::core::i18n::admin_lists::{self, AdminListsTexts};
use crate::core::i18n::Lang;
use crate::core::order::{OrderStatus, Substate};
use crate::core::psp::ProviderId;
use crate::core::time::UtcTime;
use crate::shell::pages::{money, Layout, Pager};
use crate::shell::web::{html, json_response, rows_at, Ctx, WebError};

/// A stored time as pages show it (as stored if unreadable).
pub(super) fn when(at: &str, lang: Lang) -> String {
    UtcTime::parse(at).map_or_else(|| at.to_string(), |t| t.format(lang))
}

/// A public status in the page's words.
fn status_word(status: OrderStatus, lang: Lang) -> &'static str {
    let t = lang.texts();
    match status {
        OrderStatus::Processed => t.status_name_processed,
        OrderStatus::Test => t.status_name_test,
        OrderStatus::Pending => t.status_name_pending,
        OrderStatus::Canceled => t.status_name_canceled,
        OrderStatus::Failed => t.status_name_failed,
        OrderStatus::Chargeback => t.status_name_chargeback,
    }
}

/// One payment, formatted for the page.
pub struct PaymentLine {
    pub id: String,
    pub created_at: String,
    pub updated_at: String,
    pub isin: String,
    pub buyer: String,
    pub seller: String,
    pub psp: String,
    pub amount: String,
    pub status: String,
    pub provider_ref: String,
    pub description: String,
}

impl PaymentLine {
    fn new(r: &PaymentRow, lang: Lang) -> PaymentLine {
        let substate = match r.substate {
            Substate::Done => String::new(),
            Substate::AwaitingBuyer
            | Substate::Confirming
            | Substate::PspPending
            | Substate::NeedsReview => format!(", {}", r.substate.as_str()),
        };
        PaymentLine {
            id: r.id.clone(),
            created_at: when(&r.created_at, lang),
            updated_at: when(&r.updated_at, lang),
            isin: r.isin.clone(),
            buyer: r.buyer_email.clone(),
            seller: r.seller_email.clone(),
            psp: r.psp.clone(),
            amount: money(r.amount_cents, &r.currency, lang),
            status: format!(
                "{} ({}{substate})",
                status_word(r.code, lang),
                r.code.code()
            ),
            provider_ref: r.provider_ref.clone().unwrap_or_default(),
            description: r.description.clone().unwrap_or_default(),
        }
    }
}

/// A choice of a filter's list.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "admin_payments.html")]
pub struct PaymentsPage {
    pub layout: Layout,
    pub a: &'static AdminListsTexts,
    pub typed: TypedFilters,
    /// The field in error and its message.
    pub problem: Option<(&'static str, &'static str)>,
    pub statuses: Vec<Choice>,
    pub psps: Vec<Choice>,
    pub rows: Vec<PaymentLine>,
    /// (count, amount) per currency.
    pub totals: Vec<(i64, String)>,
    pub pager: Pager,
    /// Today, for the export form.
    pub today: String,
}

fn typed_filters(ctx: &Ctx) -> TypedFilters {
    let get = |name: &str| ctx.param(name).unwrap_or_default();
    TypedFilters {
        from: get("from"),
        to: get("to"),
        status: get("status"),
        psp: get("psp"),
        q: get("q"),
    }
}

fn choices(ctx: &Ctx, typed: &TypedFilters) -> (Vec<Choice>, Vec<Choice>) {
    let a = admin_lists::texts(ctx.lang);
    let mut statuses: Vec<Choice> = OrderStatus::ALL
        .into_iter()
        .map(|s| Choice {
            value: s.name(),
            label: status_word(s, ctx.lang),
            selected: typed.status.trim() == s.name(),
        })
        .collect();
    statuses.push(Choice {
        value: StatusFilter::NeedsReview.as_str(),
        label: a.filter_needs_review,
        selected: typed.status.trim() == StatusFilter::NeedsReview.as_str(),
    });
    let psps = ProviderId::ALL
        .into_iter()
        .map(|p| Choice {
            value: p.as_str(),
            label: p.as_str(),
            selected: typed.psp.trim() == p.as_str(),
        })
        .collect();
    (statuses, psps)
}

/// One page of payments and the totals of the whole selection.
struct Listed {
    rows: Vec<PaymentRow>,
    totals: Vec<Total>,
    page: Page,
    next: Option<i64>,
}

/// The page, with rows or with the problem of a filter.
fn render(
    ctx: &Ctx,
    typed: TypedFilters,
    outcome: Result<Listed, FilterProblem>,
) -> Result<Response, WebError> {
    let (status, listed, problem) = match outcome {
        Ok(listed) => (200, listed, None),
        Err(p) => {
            let empty = Listed {
                rows: Vec::new(),
                totals: Vec::new(),
                page: Page::FIRST,
                next: None,
            };
            (400, empty, Some(p))
        }
    };
    let Listed {
        rows,
        totals,
        page,
        next,
    } = listed;
    if ctx.wants_json {
        let filters = json!({"from": typed.from, "to": typed.to, "status": typed.status,
                             "psp": typed.psp, "q": typed.q});
        let body = match problem {
            Some(p) => json!({"error": p.code(), "field": p.field(),
                              "message": p.message(ctx.lang), "filters": filters}),
            None => json!({
                "payments": rows.iter().map(PaymentRow::json).collect::<Vec<_>>(),
                "totals": totals.iter().map(Total::json).collect::<Vec<_>>(),
                "next_page": next,
                "filters": filters,
            }),
        };
        return json_response(status, &body);
    }
    let (statuses, psps) = choices(ctx, &typed);
    let page_view = PaymentsPage {
        layout: ctx.layout()?,
        a: admin_lists::texts(ctx.lang),
        problem: problem.map(|p| (p.field(), p.message(ctx.lang))),
        statuses,
        psps,
        rows: rows.iter().map(|r| PaymentLine::new(r, ctx.lang)).collect(),
        totals: totals
            .iter()
            .map(|t| (t.count, money(t.amount_cents, &t.currency, ctx.lang)))
            .collect(),
        pager: Pager {
            base: format!("/admin/payments?{}", typed.query()),
            previous: (page.number() > 1).then(|| page.number() - 1),
            next,
        },
        today: Day::of(ctx.now()).to_string(),
        typed,
    };
    html(status, page_view.render()?)
}

/// `GET /admin/payments?from=&to=&status=&psp=&q=&page=`: two D1 round
/// trips (the session, then rows and totals in one batch).
pub async fn page(ctx: &Ctx) -> Result<Response, WebError> {
    super::operator(ctx).await?;
    let typed = typed_filters(ctx);
    let Some(page) = Page::parse(ctx.param("page").as_deref()) else {
        return Err(WebError::BadRequest);
    };
    let filters = match typed.parse() {
        Ok(f) => f,
        Err(problem) => return render(ctx, typed, Err(problem)),
    };
    let results = ctx
        .run(&vec![
            payments::list(&filters, page),
            payments::totals(&filters),
        ])
        .await?;
    let rows: Vec<PaymentRow> = rows_at(&results, 0)?;
    let totals: Vec<Total> = rows_at(&results, 1)?;
    let (rows, next) = page.split(rows);
    render(
        ctx,
        typed,
        Ok(Listed {
            rows,
            totals,
            page,
            next,
        }),
    )
}
