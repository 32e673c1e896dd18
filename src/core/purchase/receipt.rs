//! The buyer's receipt (issue 21): one plain-text e-mail per recorded
//! purchase, in the buyer's language, written in the batch that records
//! the payment (`record::record_completed`, which every provider's return,
//! notification, the reconciler and the operator's resolve go through).
//! Keyed `order:<id>:receipt`, so that a record retried or duplicated
//! never mails twice; the record's own guard already aborts a second one.

use super::record::MailSetting;
use super::state::OrderState;
use crate::core::i18n::Lang;
use crate::core::receiving::display_name;
use crate::core::rules::Outcome;
use crate::core::sql::{outbox, Stmt};

/// What the receipt states besides the order itself.
pub struct Paid<'a> {
    pub outcome: &'a Outcome,
    /// The title the buyer holds now (the bought one, or the split's).
    pub new_isin: &'a str,
    /// The provider's reference of the payment (the order's
    /// `psp_transaction_id`: PayPal's transaction id, Sips'
    /// `transactionReference`, Monetico's `reference`).
    pub reference: &'a str,
}

/// The (subject, body) of the receipt: amount and currency, provider and
/// its reference, the title received and its declared value, the order
/// and its page, the site's risk notice. `site_url` is `https://host`
/// without a trailing slash; without one the page is given as a path.
pub fn receipt_mail(
    order: &OrderState,
    paid: &Paid,
    site_url: Option<&str>,
    lang: Lang,
) -> (String, String) {
    let words = lang.receipt();
    let texts = lang.texts();
    let amount = format!("{} {}", order.amount().to_plain(), order.currency);
    let value = format!("{} {}", paid.outcome.new_value().to_plain(), order.currency);
    let isins = [("isin", order.isin.as_str()), ("new_isin", paid.new_isin)];
    let title = match paid.outcome {
        Outcome::Split { .. } if paid.new_isin != order.isin => fill(words.title_split, &isins),
        Outcome::Split { .. } | Outcome::Transfer { .. } => fill(words.title_transfer, &isins),
    };
    let link = format!("{}/orders/{}", site_url.unwrap_or(""), order.id);
    let values = [
        ("amount", amount.as_str()),
        ("provider", display_name(order.provider())),
        ("reference", paid.reference),
        ("title", title.as_str()),
        ("value", value.as_str()),
        ("order", order.id.as_str()),
        ("link", link.as_str()),
        ("risk_title", texts.risk_title),
        ("risk", texts.risk_notice),
        ("isin", order.isin.as_str()),
        ("new_isin", paid.new_isin),
    ];
    (fill(words.subject, &values), fill(words.body, &values))
}

/// The receipt's outbox row, to the buyer in his language.
pub(super) fn receipt(order: &OrderState, paid: &Paid, mail: &MailSetting, now: &str) -> Stmt {
    let lang = Lang::parse(&order.buyer_language).unwrap_or_default();
    let (subject, body) = receipt_mail(order, paid, mail.site_url.as_deref(), lang);
    let key = receipt_key(&order.id);
    outbox::insert(&outbox::Mail {
        event_key: &key,
        to: &order.buyer_email,
        subject: &subject,
        body: &body,
        now,
        delivered_on_write: mail.delivered_on_write,
    })
}

/// The outbox's event key of an order's receipt: one per order.
pub fn receipt_key(order_id: &str) -> String {
    format!("order:{order_id}:receipt")
}

/// `template` with each `{name}` of `values` replaced, in one pass: a
/// value is never read again as a template (a provider's reference is
/// not ours to trust). An unknown `{...}` is kept as written.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        let named = after.split_once('}').and_then(|(name, tail)| {
            values
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value, tail))
        });
        match named {
            Some((value, tail)) => {
                out.push_str(value);
                rest = tail;
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
#[path = "receipt_tests.rs"]
mod tests;
