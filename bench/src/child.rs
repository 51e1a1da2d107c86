//! What a child process of the harness runs: one program's export, called once on one
//! engine. The peak-memory children (`--child-rss`, [`crate::rss`]) and the whole-process
//! children (`--child-process`, [`crate::process`]) both make exactly this run.

use std::str::FromStr;

use crate::engines::native::NativeRunner;
use crate::engines::ours::OursRunner;
use crate::engines::polkavm::{self, PolkaVm, PolkaVmRunner};
use crate::engines::OurEngines;
use crate::engines::{Outcome, Runner};
use crate::error::BenchError;

/// What a child process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildEngine {
    /// Reads the blob only.
    Baseline,
    /// The native build.
    Native,
    /// This engine's interpreter.
    Ours,
    /// This engine's recompiler.
    OursRecompiler,
    /// PolkaVM's interpreter.
    Interpreter,
    /// PolkaVM's recompiler.
    Compiler,
}

impl ChildEngine {
    /// Every engine, in report order.
    pub const ALL: [ChildEngine; 6] = [
        ChildEngine::Baseline,
        ChildEngine::Native,
        ChildEngine::Ours,
        ChildEngine::OursRecompiler,
        ChildEngine::Interpreter,
        ChildEngine::Compiler,
    ];

    /// The command-line name (also the memory table's row name).
    pub fn name(self) -> &'static str {
        match self {
            ChildEngine::Baseline => "baseline",
            ChildEngine::Native => "native",
            ChildEngine::Ours => "pvm",
            ChildEngine::OursRecompiler => "pvm-recompiler",
            ChildEngine::Interpreter => "polkavm-interpreter",
            ChildEngine::Compiler => "polkavm-recompiler",
        }
    }

    /// This engine's back end, for [`ChildEngine::Ours`] and [`ChildEngine::OursRecompiler`].
    pub fn ours(self) -> Option<pvm::Engine> {
        match self {
            ChildEngine::Ours => Some(pvm::Engine::Interpreter),
            ChildEngine::OursRecompiler => Some(pvm::Engine::Recompiler),
            _ => None,
        }
    }

    /// Whether the engine is a VM (it reports gas).
    pub fn is_vm(self) -> bool {
        !matches!(self, ChildEngine::Baseline | ChildEngine::Native)
    }

    /// The engines a run measures: all but those of ours that `ours` leaves out, and
    /// PolkaVM's recompiler only if it is available here.
    pub fn selected(ours: OurEngines, compiler_available: bool) -> Vec<ChildEngine> {
        ChildEngine::ALL
            .into_iter()
            .filter(|e| e.ours().is_none_or(|engine| ours.includes(engine)))
            .filter(|e| *e != ChildEngine::Compiler || compiler_available)
            .collect()
    }
}

impl FromStr for ChildEngine {
    type Err = BenchError;

    fn from_str(s: &str) -> Result<ChildEngine, BenchError> {
        ChildEngine::ALL
            .into_iter()
            .find(|e| e.name() == s)
            .ok_or_else(|| BenchError::Usage(format!("unknown child engine `{s}`")))
    }
}

/// A program loaded and run once on a child engine. Keep it alive while measuring the
/// process: the runner holds the guest's memory and PolkaVM's sandbox workers.
pub struct ChildRun {
    /// What the call returned (`None` for the baseline, which runs nothing).
    pub outcome: Option<Outcome>,
    // Declared before `_vm`, so the instance is dropped before its engine.
    _runner: Option<Box<dyn Runner>>,
    _vm: Option<PolkaVm>,
}

/// Loads `blob` (the program `program`) on `engine` — creating only that engine — and
/// calls `export(arg)` once.
pub fn run_once(
    engine: ChildEngine,
    program: &str,
    blob: &[u8],
    export: &str,
    arg: u64,
) -> Result<ChildRun, BenchError> {
    let vm = match engine {
        ChildEngine::Interpreter => Some(polkavm::interpreter()?),
        ChildEngine::Compiler => {
            Some(polkavm::compiler().map_err(|e| BenchError::polkavm("recompiler", e))?)
        }
        _ => None,
    };
    let mut runner: Option<Box<dyn Runner>> = match (engine, &vm) {
        (ChildEngine::Baseline, _) => None,
        (ChildEngine::Native, _) => Some(Box::new(NativeRunner::load(program, export)?)),
        (ChildEngine::Ours | ChildEngine::OursRecompiler, _) => {
            let back_end = engine.ours().expect("one of ours");
            Some(Box::new(OursRunner::load_on(
                program, blob, export, back_end,
            )?))
        }
        (ChildEngine::Interpreter | ChildEngine::Compiler, Some(vm)) => {
            Some(Box::new(PolkaVmRunner::load(vm, program, blob, export)?))
        }
        (ChildEngine::Interpreter | ChildEngine::Compiler, None) => {
            unreachable!("PolkaVM engine created above")
        }
    };
    let outcome = runner.as_mut().map(|r| r.call(arg)).transpose()?;
    Ok(ChildRun {
        outcome,
        _runner: runner,
        _vm: vm,
    })
}

/// Checks a child's call: the result is `expected` and, for a VM when `gas` is known, it
/// used exactly `gas`. The error is a sentence.
pub fn check(
    engine: ChildEngine,
    outcome: Option<Outcome>,
    expected: u64,
    gas: Option<u64>,
) -> Result<(), String> {
    let Some(outcome) = outcome else {
        return Ok(());
    };
    if outcome.result != expected {
        return Err(format!(
            "{}: returned {}, expected {expected}",
            engine.name(),
            outcome.result
        ));
    }
    if let (true, Some(gas)) = (engine.is_vm(), gas) {
        if outcome.gas_used != Some(gas) {
            return Err(format!(
                "{}: used {:?} gas, expected {gas}",
                engine.name(),
                outcome.gas_used
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_names_round_trip() {
        for engine in ChildEngine::ALL {
            assert_eq!(engine.name().parse::<ChildEngine>().unwrap(), engine);
        }
        assert!("bogus".parse::<ChildEngine>().is_err());
    }

    #[test]
    fn selection_follows_the_engine_option() {
        let all = ChildEngine::selected(OurEngines::BOTH, true);
        assert_eq!(all, ChildEngine::ALL.to_vec());
        let recompiler = ChildEngine::selected(OurEngines::only(pvm::Engine::Recompiler), false);
        assert_eq!(
            recompiler,
            [
                ChildEngine::Baseline,
                ChildEngine::Native,
                ChildEngine::OursRecompiler,
                ChildEngine::Interpreter
            ]
        );
    }

    #[test]
    fn checks_result_and_vm_gas() {
        let outcome = |result, gas_used| {
            Some(Outcome {
                result,
                gas_used: Some(gas_used),
            })
        };
        assert!(check(ChildEngine::Ours, outcome(7, 10), 7, Some(10)).is_ok());
        assert!(check(ChildEngine::Ours, outcome(7, 10), 7, None).is_ok());
        assert!(check(ChildEngine::Ours, outcome(8, 10), 7, Some(10)).is_err());
        assert!(check(ChildEngine::Compiler, outcome(7, 11), 7, Some(10)).is_err());
        assert!(check(ChildEngine::Baseline, None, 7, Some(10)).is_ok());
        let native = Some(Outcome {
            result: 7,
            gas_used: None,
        });
        assert!(check(ChildEngine::Native, native, 7, Some(10)).is_ok());
    }

    #[test]
    fn a_child_run_checks_out_on_our_engines() {
        let case = crate::corpus::bench_cases(Some("fib")).unwrap().remove(0);
        let blob = crate::corpus::read_blob(&case.program).unwrap();
        for engine in [ChildEngine::Ours, ChildEngine::OursRecompiler] {
            let run = run_once(engine, &case.program, &blob, &case.export, case.arg).unwrap();
            check(engine, run.outcome, case.expected, case.oracle_gas).unwrap();
        }
        let baseline = run_once(
            ChildEngine::Baseline,
            &case.program,
            &blob,
            &case.export,
            case.arg,
        )
        .unwrap();
        assert_eq!(baseline.outcome, None);
    }
}
