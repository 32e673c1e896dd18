//! The shell: everything that touches the Worker runtime. It turns requests
//! into calls of the core, runs the core's SQL on D1, reads the environment,
//! the clock and randomness, and renders pages. It decides nothing about
//! money or order state on its own.

pub mod app;
pub mod body;
pub mod credentials;
pub mod cron;
pub mod db;
pub mod effects;
#[cfg(feature = "emulators")]
pub mod emulator;
pub mod error;
#[cfg(feature = "emulators")]
pub mod ipn_delivery;
pub mod mail;
pub mod pages;
pub mod passwords;
#[cfg(test)]
mod perf_probe;
pub mod ratelimit;
pub mod replica;
pub mod routes;
pub mod security;
pub mod transport;
pub mod web;
pub mod webcrypto;
