//! The start-up benchmark (`--startup`): how long each engine takes from a program's bytes
//! to the end of a first short call — parse, prepare, instantiate, first call (an export
//! with [`FIRST_CALL_GAS`]) — and, from an already loaded program (what a program cache
//! gives), instantiate + first call. Median of N rounds, round-robin over the engines;
//! peak RSS of one cold start per engine in a child process. See `bench/README.md`.

mod ours;
mod polkavm;
mod programs;
mod report;
mod rss;
pub mod synthetic;

use std::time::Duration;

use crate::error::BenchError;
pub use programs::{programs, StartProgram, StartProgramArg};
pub use rss::child;

/// Gas of the first call: a short call, as most JAM invocations are; running out is fine.
pub const FIRST_CALL_GAS: u64 = 10_000;

/// Default rounds of the start-up benchmark (the brief asks for a median of at least 60).
pub const DEFAULT_STARTUP_RUNS: usize = 60;

/// How a first call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallEnd {
    /// The export returned; a0.
    Returned(u64),
    /// Out of gas.
    OutOfGas,
    /// A host call other than `host_add` (the call stops there).
    HostCall(u32),
    /// A trap (`trap`, invalid instruction or jump).
    Trap,
    /// A page fault.
    PageFault,
}

impl std::fmt::Display for CallEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallEnd::Returned(a0) => write!(f, "returned {a0}"),
            CallEnd::OutOfGas => f.write_str("out of gas"),
            CallEnd::HostCall(id) => write!(f, "host call {id}"),
            CallEnd::Trap => f.write_str("trap"),
            CallEnd::PageFault => f.write_str("page fault"),
        }
    }
}

/// One cold start, split into its steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// Parsing the container.
    pub parse: Duration,
    /// Loading the code (this engine: `Module::from_container`; PolkaVM: `Module::from_blob`).
    pub prepare: Duration,
    /// A fresh instance from the loaded program.
    pub instantiate: Duration,
    /// The first call, to its exit.
    pub call: Duration,
    /// How the call ended.
    pub end: CallEnd,
    /// Gas left after the call.
    pub gas_left: u64,
    /// Blocks the engine prepared by the end of the call, if it says.
    pub prepared_blocks: Option<usize>,
}

impl Split {
    /// Parse + prepare + instantiate + call.
    pub fn total(&self) -> Duration {
        self.parse + self.prepare + self.instantiate + self.call
    }
}

/// An engine whose start-up is measured.
pub trait StartEngine {
    /// Its name in the report.
    fn name(&self) -> &'static str;
    /// One cold start of `export(arg)` from the blob's bytes.
    fn cold(&self, program: &str, blob: &[u8], export: &str, arg: u64)
        -> Result<Split, BenchError>;
    /// Parses and loads the program once, for warm starts.
    fn load(
        &self,
        program: &str,
        blob: &[u8],
        export: &str,
    ) -> Result<Box<dyn Warm + '_>, BenchError>;
}

/// A loaded program, started again and again.
pub trait Warm {
    /// A fresh instance and the first call: (instantiate time, call time, how it ended).
    fn start(&mut self, arg: u64) -> Result<(Duration, Duration, CallEnd), BenchError>;
}

/// Medians of one engine's cold starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColdMedians {
    /// Per step.
    pub parse: Duration,
    /// Per step.
    pub prepare: Duration,
    /// Per step.
    pub instantiate: Duration,
    /// Per step.
    pub call: Duration,
    /// Of the per-run totals (not the sum of the step medians).
    pub total: Duration,
    /// How the (first measured) call ended and the gas left.
    pub end: CallEnd,
    /// Gas left after the call.
    pub gas_left: u64,
}

/// Medians of one engine's warm starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarmMedians {
    /// Per step.
    pub instantiate: Duration,
    /// Per step.
    pub call: Duration,
    /// Of the per-run totals.
    pub total: Duration,
}

/// One engine's results on one program.
pub struct EngineResult {
    /// Engine name.
    pub engine: &'static str,
    /// Cold starts, or why they failed.
    pub cold: Result<ColdMedians, String>,
    /// Warm starts, or why they failed.
    pub warm: Result<WarmMedians, String>,
    /// Peak RSS of one cold start in a child process, total (process + sandbox workers) and
    /// above the baseline child, in KiB; or why it could not be measured.
    pub peak: Result<(u64, u64), String>,
}

/// All engines' results on one program.
pub struct ProgramResult {
    /// The program.
    pub program: StartProgram,
    /// Per engine, in report order (pvm, PolkaVM interpreter, PolkaVM recompiler).
    pub engines: Vec<EngineResult>,
    /// Basic blocks of the program on this engine (if it counts them).
    pub blocks: Option<usize>,
    /// Blocks this engine prepared during one cold start (if it prepares lazily).
    pub prepared_blocks: Option<usize>,
    /// Checks that failed (different call ends between engines, failed steps).
    pub failures: Vec<String>,
}

/// The median of `values` (the upper middle of an even count); zero if empty.
pub fn median(mut values: Vec<Duration>) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    values.sort_unstable();
    values[values.len() / 2]
}

/// Runs the start-up benchmark on `programs` (`runs` rounds each) and returns the report
/// and whether every check passed.
pub fn run(
    programs: &[StartProgram],
    runs: usize,
    context: Vec<String>,
) -> Result<(String, bool), BenchError> {
    let interpreter = polkavm::PolkaVmStart::interpreter()?;
    let recompiler = polkavm::PolkaVmStart::recompiler();
    if let Err(e) = &recompiler {
        eprintln!("PolkaVM recompiler unavailable: {e}");
    }
    let mut engines: Vec<&dyn StartEngine> = vec![&ours::Ours, &interpreter];
    if let Ok(recompiler) = &recompiler {
        engines.push(recompiler);
    }
    let mut results = Vec::new();
    for program in programs {
        eprintln!(
            "start-up: {} ({} bytes, {}):",
            program.name,
            program.blob.len(),
            program.call()
        );
        let result = measure_program(program, &engines, runs);
        for failure in &result.failures {
            eprintln!("  FAILED: {failure}");
        }
        results.push(result);
    }
    let all_passed = results.iter().all(|r| r.failures.is_empty());
    let text = report::render(&report::StartupReport {
        context,
        runs,
        recompiler_note: recompiler.err(),
        programs: &results,
    });
    Ok((text, all_passed))
}

fn measure_program(
    program: &StartProgram,
    engines: &[&dyn StartEngine],
    runs: usize,
) -> ProgramResult {
    let (name, blob, export, arg) = (
        &program.name,
        &program.blob[..],
        &program.export,
        program.arg,
    );
    let mut failures = Vec::new();
    let (blocks, prepared_blocks) =
        ours::block_counts(name, blob, export, arg).unwrap_or_else(|e| {
            failures.push(format!("pvm: counting blocks: {e}"));
            (None, None)
        });
    // Cold: one untimed start per engine (faults the harness's own code in), then rounds.
    let mut cold: Vec<Result<Vec<Split>, String>> = engines
        .iter()
        .map(|e| {
            e.cold(name, blob, export, arg)
                .map(|_| Vec::new())
                .map_err(|e| e.to_string())
        })
        .collect();
    for _ in 0..runs {
        for (engine, splits) in engines.iter().zip(&mut cold) {
            if let Ok(list) = splits {
                match engine.cold(name, blob, export, arg) {
                    Ok(split) => list.push(split),
                    Err(e) => *splits = Err(e.to_string()),
                }
            }
        }
    }
    // Warm: each engine loads once, starts once untimed, then rounds.
    let mut loaded: Vec<Result<Box<dyn Warm + '_>, String>> = engines
        .iter()
        .map(|e| {
            let mut warm = e.load(name, blob, export).map_err(|e| e.to_string())?;
            warm.start(arg).map_err(|e| e.to_string())?;
            Ok(warm)
        })
        .collect();
    let mut warm: Vec<Vec<(Duration, Duration)>> = engines.iter().map(|_| Vec::new()).collect();
    for _ in 0..runs {
        for (slot, times) in loaded.iter_mut().zip(&mut warm) {
            if let Ok(w) = slot {
                match w.start(arg) {
                    Ok((instantiate, call, _)) => times.push((instantiate, call)),
                    Err(e) => *slot = Err(e.to_string()),
                }
            }
        }
    }
    let warm_errors: Vec<Option<String>> = loaded.into_iter().map(Result::err).collect();
    let peaks = rss::measure(program, engines.iter().map(|e| e.name()));
    let mut results = Vec::new();
    let per_engine = engines
        .iter()
        .zip(cold)
        .zip(&warm)
        .zip(warm_errors)
        .zip(peaks);
    for ((((engine, cold), warm), warm_error), peak) in per_engine {
        let cold = cold.and_then(|splits| cold_medians(&splits));
        let warm_result = match warm_error {
            Some(e) => Err(e),
            None => Ok(warm_medians(warm)),
        };
        if let Err(e) = &cold {
            failures.push(format!("{}: cold start: {e}", engine.name()));
        }
        if let Err(e) = &warm_result {
            failures.push(format!("{}: warm start: {e}", engine.name()));
        }
        results.push(EngineResult {
            engine: engine.name(),
            cold,
            warm: warm_result,
            peak,
        });
    }
    let ends: Vec<(&str, CallEnd)> = results
        .iter()
        .filter_map(|r| r.cold.as_ref().ok().map(|c| (r.engine, c.end)))
        .collect();
    if let Some(&(first_engine, first_end)) = ends.first() {
        for &(engine, end) in &ends[1..] {
            if end != first_end {
                failures.push(format!(
                    "the first call ends differently: {first_engine}: {first_end}, {engine}: {end}"
                ));
            }
        }
    }
    ProgramResult {
        program: program.clone(),
        engines: results,
        blocks,
        prepared_blocks,
        failures,
    }
}

fn cold_medians(splits: &[Split]) -> Result<ColdMedians, String> {
    let first = splits.first().ok_or("no measured run")?;
    let pick = |f: fn(&Split) -> Duration| median(splits.iter().map(f).collect());
    Ok(ColdMedians {
        parse: pick(|s| s.parse),
        prepare: pick(|s| s.prepare),
        instantiate: pick(|s| s.instantiate),
        call: pick(|s| s.call),
        total: pick(Split::total),
        end: first.end,
        gas_left: first.gas_left,
    })
}

fn warm_medians(times: &[(Duration, Duration)]) -> WarmMedians {
    WarmMedians {
        instantiate: median(times.iter().map(|t| t.0).collect()),
        call: median(times.iter().map(|t| t.1).collect()),
        total: median(times.iter().map(|t| t.0 + t.1).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_is_the_middle_value() {
        let ms = |v: &[u64]| {
            v.iter()
                .map(|&n| Duration::from_millis(n))
                .collect::<Vec<_>>()
        };
        assert_eq!(median(ms(&[5, 1, 3])), Duration::from_millis(3));
        assert_eq!(median(ms(&[4, 1, 3, 2])), Duration::from_millis(3));
        assert_eq!(median(Vec::new()), Duration::ZERO);
    }

    #[test]
    fn cold_total_is_the_median_of_run_totals() {
        let split = |p: u64, c: u64| Split {
            parse: Duration::from_micros(p),
            prepare: Duration::ZERO,
            instantiate: Duration::ZERO,
            call: Duration::from_micros(c),
            end: CallEnd::OutOfGas,
            gas_left: 0,
            prepared_blocks: None,
        };
        // Totals 11, 20, 13: median 13; the step medians sum to 2 + 10 = 12.
        let m = cold_medians(&[split(1, 10), split(10, 10), split(2, 11)]).unwrap();
        assert_eq!(m.total, Duration::from_micros(13));
        assert_eq!(m.parse + m.call, Duration::from_micros(12));
        assert!(cold_medians(&[]).is_err());
    }
}
