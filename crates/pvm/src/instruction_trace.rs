//! Instruction tracing: one line per executed instruction with its pc, the instruction,
//! the registers it changed and the gas left. Used by `pvm trace` and the C ABI.

use std::io::Write;

use crate::observer::Observer;
use crate::program::Program;
use crate::REG_COUNT;

/// An [`Observer`] that writes a trace line per executed instruction to `out`.
///
/// A line is written once the instruction's effect is known (before the next instruction,
/// or by [`TraceWriter::finish`] after the exit). `unlikely` hints at the start of a block
/// that a jump enters are skipped by the interpreter (they only steer the precomputed gas
/// model), so they appear only when execution falls through into them.
pub struct TraceWriter<'a, W: Write> {
    program: &'a Program,
    out: W,
    previous: Option<(u32, [u64; REG_COUNT])>,
}

impl<'a, W: Write> TraceWriter<'a, W> {
    /// Traces execution of `program` into `out`.
    pub fn new(program: &'a Program, out: W) -> Self {
        TraceWriter {
            program,
            out,
            previous: None,
        }
    }

    /// Writes the line of the last executed instruction, given the state after it.
    pub fn finish(&mut self, regs: &[u64; REG_COUNT], gas: u64) {
        let Some((pc, before)) = self.previous.take() else {
            return;
        };
        let text = self
            .program
            .instruction_at(pc)
            .map_or_else(|| "<invalid>".to_string(), |i| i.to_string());
        let changed: Vec<String> = (0..REG_COUNT)
            .filter(|&r| before[r] != regs[r])
            .map(|r| format!("r{r}={:#x}", regs[r]))
            .collect();
        // Tracing is diagnostics: a closed pipe must not stop the machine.
        let _ = writeln!(
            self.out,
            "{pc:>8}: {text:<40} {:<40} gas={gas}",
            changed.join(" ")
        );
    }
}

impl<W: Write> Observer for TraceWriter<'_, W> {
    const ENABLED: bool = true;

    fn before_instruction(&mut self, pc: u32, regs: &[u64; REG_COUNT], gas: u64) {
        self.finish(regs, gas);
        self.previous = Some((pc, *regs));
    }
}
