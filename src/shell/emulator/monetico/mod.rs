//! The built-in Monetico emulator: STUB written by the lead so that the
//! shell compiles; the Monetico helper replaces it.

use crate::shell::web::Ctx;

/// Monetico's capture and recredit answered in-process (emulator mode).
pub async fn api_answer(_ctx: &Ctx, _script: &str, _body: &[u8]) -> (u16, String) {
    (503, String::new())
}
