//! The pure core: domain types (money, ISIN, statuses), the purchase rules,
//! configuration parsing and the SQL the shell runs. Nothing in here imports
//! `worker` or touches I/O, the clock or randomness directly; the shell passes
//! those in, so every rule is unit-tested natively with `cargo test`.
//! (`tests/tidy.rs` fails the build when a core module imports `worker`.)

pub mod accept;
pub mod account;
pub mod api;
pub mod audit;
pub mod backoffice;
pub mod browse;
pub mod cells;
pub mod chargeback;
pub mod chart;
pub mod config;
pub mod crypto;
pub mod dashboard;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod flow;
pub mod guide;
pub mod i18n;
pub mod isin;
pub mod ledger;
pub mod mail;
pub mod money;
pub mod notify;
pub mod order;
pub mod orders;
pub mod partial;
pub mod password;
pub mod privacy;
pub mod psp;
pub mod purchase;
pub mod receiving;
pub mod recheck;
pub mod reconcile;
pub mod refund;
pub mod report;
pub mod resealing;
pub mod retention;
pub mod rules;
pub mod sealing;
pub mod seo;
pub mod sql;
#[cfg(test)]
pub(crate) mod sqlite_fx;
pub mod time;
pub mod weburl;
