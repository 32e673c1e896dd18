//! `EmulatorFx`: the Worker's effects for the built-in emulator's work in
//! the core (`core::psp::paypal::emulator::serve`): its own tables in D1,
//! the (emulator-shifted) clock, the CSPRNG and the console of `Ctx`.

use crate::core::flow::{
    Effects, NoAnswer, RandomUnavailable, StoreError, WireAnswer, WireRequest,
};
use crate::core::sql::{emulator, Batch, StmtResult};
use crate::core::time::UtcTime;
use crate::shell::web::Ctx;

/// The built-in emulators' effects: their own tables (never batched with
/// the platform's), counted apart so `Server-Timing` shows the platform's
/// round trips only.
pub struct EmulatorFx<'a>(pub &'a Ctx);

impl Effects for EmulatorFx<'_> {
    /// Runs the batch, then adopts the clock offset it read or moved (see
    /// `core::psp::paypal::emulator::serve`): a clock moved through another
    /// isolate counts here before the emulator reads `now()`.
    async fn run(&self, batch: &Batch) -> Result<Vec<StmtResult>, StoreError> {
        let results = self.0.run_emulator(batch).await?;
        if let Some(offset) = emulator::clock_offset_in(batch, &results) {
            self.0.app.clock_offset_seconds.set(offset);
        }
        Ok(results)
    }

    async fn send(&self, request: &WireRequest) -> Result<WireAnswer, NoAnswer> {
        self.0.send(request).await
    }

    fn now(&self) -> UtcTime {
        Ctx::now(self.0)
    }

    fn fill_random(&self, out: &mut [u8]) -> Result<(), RandomUnavailable> {
        self.0.fill_random(out)
    }

    fn log(&self, line: &str) {
        self.0.log(line)
    }
}
