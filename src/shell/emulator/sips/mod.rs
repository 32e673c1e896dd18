//! The built-in Sips emulator: STUB written by the lead so that the
//! shell compiles; the Sips helper replaces it.

use crate::shell::web::Ctx;

/// Sips Office answered in-process (emulator mode).
pub async fn office_answer(_ctx: &Ctx, _path: &str, _body: &[u8]) -> (u16, String) {
    (503, String::new())
}
