//! What placing an order writes once SetExpressCheckout answered: the order
//! with its token, or the seller's credentials marked refused (10002).

use super::plan::{PlannedPurchase, TitleForSale};
use crate::core::i18n::Lang;
use crate::core::isin::Isin;
use crate::core::psp::ProviderId;
use crate::core::sql::{Batch, Param, Stmt};

/// Everything written when an order is created (after SetExpressCheckout
/// gave its token): the order, bound to the title as it is, with the new
/// ISIN already reserved when the title will be split.
pub struct NewOrder<'a> {
    pub id: &'a str,
    pub buyer_id: i64,
    pub plan: &'a PlannedPurchase,
    pub new_isin: Option<&'a Isin>,
    pub currency: &'a str,
    /// The provider the buyer pays through; `token` is its checkout's
    /// reference.
    pub provider: ProviderId,
    pub psp_environment: &'a str,
    pub buyer_language: Lang,
    pub token: &'a str,
    pub now: &'a str,
}

pub fn create_order(o: &NewOrder) -> Batch {
    let mut batch = Vec::new();
    if let Some(isin) = o.new_isin {
        batch.push(Stmt::new(
            "INSERT INTO isins (isin, reserved_at) VALUES (?1, ?2)",
            vec![Param::from(isin.as_str()), Param::from(o.now)],
        ));
    }
    batch.push(Stmt::new(
        "INSERT INTO orders (id, buyer_id, seller_id, title_id, isin, title_version, title_value_cents, \
         amount_cents, currency, profit_rate, new_value_cents, new_isin, code, substate, psp, psp_environment, \
         seller_credentials_version, buyer_language, psp_token, attempt, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, 'awaiting_buyer', ?18, ?13, ?14, ?15, ?16, 1, ?17, ?17)",
        vec![
            Param::from(o.id),
            Param::Int(o.buyer_id),
            Param::Int(o.plan.seller_id),
            Param::Int(o.plan.title_id),
            Param::from(o.plan.isin.as_str()),
            Param::Int(o.plan.title_version),
            Param::Int(o.plan.title_value.cents()),
            Param::Int(o.plan.amount.cents()),
            Param::from(o.currency),
            Param::Int(i64::from(o.plan.rate.percent())),
            Param::Int(o.plan.outcome.new_value().cents()),
            Param::from(o.new_isin.map(Isin::as_str)),
            Param::from(o.psp_environment),
            Param::Int(o.plan.seller_credentials_version),
            Param::from(o.buyer_language.code()),
            Param::from(o.token),
            Param::from(o.now),
            Param::from(o.provider.as_str()),
        ],
    ));
    batch
}

/// PayPal refused the seller's account (10002, or 10007 for a revoked
/// permission, at SetExpressCheckout): mark that version refused and tell
/// the seller, once per version.
pub fn credentials_refused(
    title: &TitleForSale,
    provider: ProviderId,
    now: &str,
    delivered_on_write: bool,
) -> Batch {
    let Some(holder) = title.account() else {
        return Vec::new();
    };
    let account = crate::core::psp::SealedAccount {
        client_id: title.holder_id,
        version: holder.version,
        public_ref: holder.public_ref,
        sealed_secret: holder.sealed_secret,
    };
    super::account_refused::mark_refused(
        account,
        provider,
        &title.holder_email,
        now,
        delivered_on_write,
    )
}
