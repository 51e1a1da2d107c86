//! Whole-process time: the wall time of a fresh process that reads the program file,
//! loads (and for a recompiler compiles) it, instantiates it, calls the export once with
//! the bench argument, checks the result and exits — what running a program once costs
//! from the command line, start-up and exit of the process included.
//!
//! The harness starts itself (`--child-process ENGINE PROGRAM EXPORT ARG EXPECTED GAS`,
//! internal) and times it from the spawn to the end of `wait`; the best of `runs` per
//! program and engine, round-robin over the engines (one process of each in turn). A
//! `baseline` child only reads the program file: the cost of the process itself.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::child::{check, run_once, ChildEngine};
use crate::corpus::{read_blob, Case};
use crate::error::BenchError;

/// The whole-process times of every case, per engine.
pub struct ProcessSection {
    /// Processes per program and engine (the best is reported).
    pub runs: usize,
    /// The engines, in column order.
    pub engines: Vec<ChildEngine>,
    /// Per case: one result per engine of [`ProcessSection::engines`].
    pub cases: Vec<ProcessCase>,
}

/// One case's whole-process times.
pub struct ProcessCase {
    /// The case.
    pub case: Case,
    /// Per engine: the best process's wall time, or why a process failed.
    pub times: Vec<Result<Duration, String>>,
}

impl ProcessSection {
    /// The best time of `engine` on case `index`, if it ran.
    pub fn time(&self, index: usize, engine: ChildEngine) -> Option<Duration> {
        let column = self.engines.iter().position(|&e| e == engine)?;
        self.cases[index].times[column].as_ref().ok().copied()
    }

    /// Every failed process, as `(case, sentence)`.
    pub fn failures(&self) -> Vec<(&Case, String)> {
        self.cases
            .iter()
            .flat_map(|c| {
                c.times.iter().zip(&self.engines).filter_map(move |(t, e)| {
                    t.as_ref()
                        .err()
                        .map(|msg| (&c.case, format!("whole process, {}: {msg}", e.name())))
                })
            })
            .collect()
    }
}

/// Times `runs` fresh processes per case and engine.
pub fn measure(cases: &[Case], engines: &[ChildEngine], runs: usize) -> ProcessSection {
    let cases = cases
        .iter()
        .map(|case| {
            eprintln!(
                "whole process: {} {}({}), {runs} × {} engines",
                case.program,
                case.export,
                case.arg,
                engines.len()
            );
            let mut best: Vec<Result<Duration, String>> = vec![Ok(Duration::MAX); engines.len()];
            for _ in 0..runs {
                for (slot, &engine) in best.iter_mut().zip(engines) {
                    if let Ok(so_far) = slot {
                        *slot = spawn(engine, case).map(|t| t.min(*so_far));
                    }
                }
            }
            for (time, engine) in best.iter().zip(engines) {
                match time {
                    Ok(t) => {
                        eprintln!("  {:<20} {:>12.3} ms", engine.name(), t.as_secs_f64() * 1e3)
                    }
                    Err(e) => eprintln!("  {:<20} FAILED: {e}", engine.name()),
                }
            }
            ProcessCase {
                case: case.clone(),
                times: best,
            }
        })
        .collect();
    ProcessSection {
        runs,
        engines: engines.to_vec(),
        cases,
    }
}

/// One timed child process; its error is the child's exit status and message.
fn spawn(engine: ChildEngine, case: &Case) -> Result<Duration, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let (arg, expected) = (case.arg.to_string(), case.expected.to_string());
    let gas = case
        .oracle_gas
        .map_or_else(|| "-".to_string(), |g| g.to_string());
    let args = [
        "--child-process",
        engine.name(),
        &case.program,
        &case.export,
        &arg,
        &expected,
        &gas,
    ];
    let start = Instant::now();
    let output = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot start `{}`: {e}", args.join(" ")))?;
    let elapsed = start.elapsed();
    if output.status.success() {
        Ok(elapsed)
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(format!("{}: {}", output.status, stderr.trim()))
    }
}

/// The child's side: one run as described in the module documentation. Prints nothing;
/// a failed check is an error (exit code 2 with the message on stderr).
pub fn child(
    engine: &str,
    program: &str,
    export: &str,
    arg: &str,
    expected: &str,
    gas: &str,
) -> Result<(), BenchError> {
    let engine: ChildEngine = engine.parse()?;
    let number = |what: &str, text: &str| {
        text.parse::<u64>().map_err(|_| {
            BenchError::Usage(format!("--child-process: {what} `{text}` is not a u64"))
        })
    };
    let arg = number("argument", arg)?;
    let expected = number("expected result", expected)?;
    let gas = match gas {
        "-" => None,
        text => Some(number("gas", text)?),
    };
    let blob = read_blob(program)?;
    let run = run_once(engine, program, &blob, export, arg)?;
    check(engine, run.outcome, expected, gas).map_err(|message| BenchError::Child {
        args: format!("--child-process {} {program}", engine.name()),
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case() -> Case {
        Case {
            program: "p".into(),
            export: "e".into(),
            arg: 1,
            expected: 2,
            oracle_gas: None,
        }
    }

    #[test]
    fn lookups_and_failures() {
        let section = ProcessSection {
            runs: 1,
            engines: vec![ChildEngine::Ours, ChildEngine::Compiler],
            cases: vec![ProcessCase {
                case: case(),
                times: vec![Ok(Duration::from_millis(3)), Err("boom".into())],
            }],
        };
        assert_eq!(
            section.time(0, ChildEngine::Ours),
            Some(Duration::from_millis(3))
        );
        assert_eq!(section.time(0, ChildEngine::Compiler), None);
        assert_eq!(section.time(0, ChildEngine::Native), None);
        let failures = section.failures();
        assert_eq!(failures.len(), 1);
        assert!(failures[0].1.contains("polkavm-recompiler: boom"));
    }

    #[test]
    fn the_child_rejects_a_wrong_expectation() {
        let fib = crate::corpus::bench_cases(Some("fib")).unwrap().remove(0);
        let arg = fib.arg.to_string();
        let ok = child(
            "pvm",
            &fib.program,
            &fib.export,
            &arg,
            &fib.expected.to_string(),
            "-",
        );
        assert!(ok.is_ok(), "{ok:?}");
        let wrong = (fib.expected + 1).to_string();
        let err = child("pvm", &fib.program, &fib.export, &arg, &wrong, "-").unwrap_err();
        assert!(matches!(err, BenchError::Child { .. }), "{err}");
        assert!(child("pvm", &fib.program, &fib.export, "x", "1", "-").is_err());
    }
}
