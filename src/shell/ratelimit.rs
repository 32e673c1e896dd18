//! Rate limits (fixed-window counters in D1's `rate_limits`).
//!
//! Login and password reset are keyed by account and address together, so
//! that nobody can lock another person out from his own address: the hard
//! limits are per address and per (account, address) pair; across all
//! addresses an account only gets a soft backoff, which tightens every
//! pair's budget while the account is being hammered but never takes it to
//! zero. The address is `CF-Connecting-IP` (see `Ctx::client_ip`).

use super::web::{Ctx, WebError};
use crate::core::sql;
use crate::core::time::UtcTime;

/// The start of the current `window_seconds` window, as stored.
fn window_start(ctx: &Ctx, window_seconds: i64) -> String {
    let now = ctx.now().unix_seconds();
    UtcTime::from_unix_seconds(now - now.rem_euclid(window_seconds)).to_string()
}

/// Counts one attempt of `action` by `key`; 429 past `limit` per window.
pub async fn hit(
    ctx: &Ctx,
    action: &str,
    key: &str,
    limit: i64,
    window_seconds: i64,
) -> Result<(), WebError> {
    let counts = hit_many(ctx, &[(format!("{action}:{key}"), window_seconds)]).await?;
    if counts.first().copied().unwrap_or(0) > limit {
        Err(WebError::RateLimited)
    } else {
        Ok(())
    }
}

/// Counts one hit in each bucket (one round trip) and returns the counts.
async fn hit_many(ctx: &Ctx, buckets: &[(String, i64)]) -> Result<Vec<i64>, WebError> {
    let batch = buckets
        .iter()
        .map(|(bucket, window)| sql::rate_limits::hit(bucket, &window_start(ctx, *window)))
        .collect();
    let results = ctx.run(&batch).await?;
    #[derive(serde::Deserialize)]
    struct Hits {
        hits: i64,
    }
    Ok(results
        .iter()
        .map(|r| sql::first::<Hits>(r).ok().flatten().map_or(0, |h| h.hits))
        .collect())
}

/// The budgets of an action keyed by account and address.
pub struct AccountLimits {
    pub action: &'static str,
    pub window_seconds: i64,
    /// Attempts per address (any account) per window.
    pub per_ip: i64,
    /// Attempts per (account, address) pair per window.
    pub per_pair: i64,
    /// Past this many attempts on the account (all addresses) in a window,
    /// each pair gets only [`AccountLimits::per_pair_backoff`].
    pub account_soft: i64,
    /// The pair budget while the account is hammered; at least 1, so that
    /// another address is never locked out completely.
    pub per_pair_backoff: i64,
}

/// Login: 30 per address, 10 per (account, address) per 10 minutes; past 30
/// attempts on one account, 3 per pair.
pub const LOGIN: AccountLimits = AccountLimits {
    action: "login",
    window_seconds: 600,
    per_ip: 30,
    per_pair: 10,
    account_soft: 30,
    per_pair_backoff: 3,
};

/// Password reset: 10 per address, 3 per (account, address) per hour; past
/// 10 requests for one account, 1 per pair.
pub const RESET: AccountLimits = AccountLimits {
    action: "reset",
    window_seconds: 3_600,
    per_ip: 10,
    per_pair: 3,
    account_soft: 10,
    per_pair_backoff: 1,
};

/// Whether the pair may go on, given the three counts of this attempt.
pub fn allowed(limits: &AccountLimits, ip_hits: i64, pair_hits: i64, account_hits: i64) -> bool {
    let pair_budget = if account_hits > limits.account_soft {
        limits.per_pair_backoff.max(1)
    } else {
        limits.per_pair
    };
    ip_hits <= limits.per_ip && pair_hits <= pair_budget
}

/// Counts one attempt on `account` (an e-mail address) from this request's
/// address; 429 when the address or the pair is over its budget.
pub async fn account_and_ip(
    ctx: &Ctx,
    limits: &AccountLimits,
    account: &str,
) -> Result<(), WebError> {
    let action = limits.action;
    let ip = &ctx.client_ip;
    let window = limits.window_seconds;
    let counts = hit_many(
        ctx,
        &[
            (format!("{action}-ip:{ip}"), window),
            (format!("{action}-pair:{account}|{ip}"), window),
            (format!("{action}-account:{account}"), window),
        ],
    )
    .await?;
    let count = |i: usize| counts.get(i).copied().unwrap_or(0);
    if allowed(limits, count(0), count(1), count(2)) {
        Ok(())
    } else {
        Err(WebError::RateLimited)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_over_its_budget_is_refused() {
        assert!(allowed(&LOGIN, 30, 1, 1));
        assert!(!allowed(&LOGIN, 31, 1, 1));
    }

    #[test]
    fn a_pair_over_its_budget_is_refused_but_not_the_account_from_elsewhere() {
        // The attacker's pair is spent...
        assert!(!allowed(&LOGIN, 11, 11, 11));
        // ...while the owner, from another address, still gets in.
        assert!(allowed(&LOGIN, 1, 1, 12));
    }

    #[test]
    fn a_hammered_account_tightens_every_pair_but_never_to_zero() {
        assert!(allowed(&LOGIN, 1, 3, 500));
        assert!(!allowed(&LOGIN, 1, 4, 500));
        assert!(allowed(&RESET, 1, 1, 500));
        assert!(!allowed(&RESET, 1, 2, 500));
    }
}
