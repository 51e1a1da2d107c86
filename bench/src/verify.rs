//! What every benchmark run checks: each engine returns the native checksum recorded in
//! `guests/expected.txt`, the same result on every call, and both VMs use exactly the gas
//! PolkaVM's interpreter uses (and `guests/expected-gas.txt` records).

use crate::corpus::Case;
use crate::engines::OurEngines;
use crate::measure::Measured;

/// What an engine left out by `--engine` holds instead of a measurement.
pub const NOT_SELECTED: &str = "not measured (--engine)";

/// The measurements of one case, per engine; `Err` holds why an engine could not run it.
pub struct CaseResults {
    /// The case.
    pub case: Case,
    /// Native x86-64.
    pub native: Result<Measured, String>,
    /// This engine.
    pub ours: Result<Measured, String>,
    /// PolkaVM's interpreter.
    pub interpreter: Result<Measured, String>,
    /// PolkaVM's recompiler.
    pub compiler: Result<Measured, String>,
    /// This engine's recompiler.
    pub ours_recompiler: Result<Measured, String>,
    /// Guest instructions one call executes (counted on pvm), if counted.
    pub instructions: Option<u64>,
    /// Which of this engine's back ends were measured; the others hold [`NOT_SELECTED`].
    pub engines: OurEngines,
}

impl CaseResults {
    /// The gas this engine used (its interpreter's, else its recompiler's), if it ran.
    pub fn gas(&self) -> Option<u64> {
        [&self.ours, &self.ours_recompiler]
            .into_iter()
            .find_map(|m| m.as_ref().ok().and_then(|m| m.outcome.gas_used))
    }
}

/// Every check that failed for `results`, as sentences. `compiler_available` says whether
/// a recompiler error is a failure (it is not when the recompiler cannot start here).
pub fn failures(results: &CaseResults, compiler_available: bool) -> Vec<String> {
    let case = &results.case;
    let mut failures = Vec::new();
    let engines = [
        ("native", &results.native, true),
        ("pvm", &results.ours, results.engines.interpreter),
        ("PolkaVM interpreter", &results.interpreter, true),
        ("PolkaVM recompiler", &results.compiler, compiler_available),
        (
            "pvm recompiler",
            &results.ours_recompiler,
            results.engines.recompiler,
        ),
    ];
    for (name, measured, required) in engines {
        match measured {
            Ok(m) => {
                if m.outcome.result != case.expected {
                    failures.push(format!(
                        "{name}: returned {}, expected {}",
                        m.outcome.result, case.expected
                    ));
                }
                if !m.deterministic {
                    failures.push(format!("{name}: calls returned different results or gas"));
                }
            }
            Err(e) if required => failures.push(format!("{name}: {e}")),
            Err(_) => {}
        }
    }
    let interpreter_gas = results
        .interpreter
        .as_ref()
        .ok()
        .and_then(|m| m.outcome.gas_used);
    if let (Some(ours), Some(theirs)) = (results.gas(), interpreter_gas) {
        if ours != theirs {
            failures.push(format!(
                "gas: pvm used {ours}, PolkaVM interpreter {theirs}"
            ));
        }
    }
    if let (Some(ours), Ok(compiler)) = (results.gas(), &results.compiler) {
        if let Some(theirs) = compiler.outcome.gas_used {
            if ours != theirs {
                failures.push(format!("gas: pvm used {ours}, PolkaVM recompiler {theirs}"));
            }
        }
    }
    if let (Ok(interpreted), Ok(compiled)) = (&results.ours, &results.ours_recompiler) {
        if compiled.outcome.gas_used != interpreted.outcome.gas_used {
            failures.push(format!(
                "gas: pvm interpreter used {:?}, pvm recompiler {:?}",
                interpreted.outcome.gas_used, compiled.outcome.gas_used
            ));
        }
    }
    if let (Some(ours), Some(oracle)) = (results.gas(), case.oracle_gas) {
        if ours != oracle {
            failures.push(format!(
                "gas: pvm used {ours}, guests/expected-gas.txt says {oracle}"
            ));
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::Outcome;
    use std::time::Duration;

    fn measured(result: u64, gas: Option<u64>) -> Result<Measured, String> {
        Ok(Measured {
            best: Duration::from_millis(1),
            first: Duration::from_millis(2),
            outcome: Outcome {
                result,
                gas_used: gas,
            },
            deterministic: true,
        })
    }

    fn results() -> CaseResults {
        CaseResults {
            case: Case {
                program: "p".into(),
                export: "e".into(),
                arg: 1,
                expected: 42,
                oracle_gas: Some(100),
            },
            native: measured(42, None),
            ours: measured(42, Some(100)),
            interpreter: measured(42, Some(100)),
            compiler: measured(42, Some(100)),
            ours_recompiler: measured(42, Some(100)),
            instructions: Some(50),
            engines: OurEngines::BOTH,
        }
    }

    #[test]
    fn all_agreeing_passes() {
        assert!(failures(&results(), true).is_empty());
    }

    #[test]
    fn wrong_results_and_gas_are_reported() {
        let mut r = results();
        r.ours = measured(41, Some(99));
        let f = failures(&r, true);
        // result, gas vs PolkaVM interpreter, recompiler, our recompiler, expected-gas.txt
        assert_eq!(f.len(), 5, "{f:?}");
        let mut r = results();
        r.ours_recompiler = measured(42, Some(101));
        assert_eq!(failures(&r, true).len(), 1);
    }

    #[test]
    fn an_engine_left_out_is_not_a_failure_and_the_other_is_checked() {
        let mut r = results();
        r.engines = OurEngines::only(pvm::Engine::Recompiler);
        r.ours = Err(NOT_SELECTED.into());
        assert!(failures(&r, true).is_empty());
        assert_eq!(r.gas(), Some(100));
        r.ours_recompiler = measured(42, Some(99));
        // vs PolkaVM interpreter, recompiler, expected-gas.txt
        assert_eq!(failures(&r, true).len(), 3);
        let mut r = results();
        r.engines = OurEngines::only(pvm::Engine::Interpreter);
        r.ours_recompiler = Err(NOT_SELECTED.into());
        assert!(failures(&r, true).is_empty());
    }

    #[test]
    fn an_unavailable_recompiler_is_not_a_failure() {
        let mut r = results();
        r.compiler = Err("no sandbox".into());
        assert!(failures(&r, false).is_empty());
        assert_eq!(failures(&r, true).len(), 1);
    }
}
