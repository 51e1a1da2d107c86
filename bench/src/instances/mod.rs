//! Many instances of one program in one process (`--instances [N]`): for each engine — pvm's
//! recompiler, pvm's interpreter, PolkaVM's recompiler — a child process
//! (`--child-instances`, internal) loads the largest guest once, creates N instances of it,
//! keeps them all alive, calls the export once on each, and reports the time to create them,
//! the time per call, its memory figures (`VmRSS`, `VmHWM`, `VmSize` from
//! `/proc/self/status`) before and after, and its sandbox worker processes. One child per
//! engine keeps each engine's peak (`VmHWM`) its own. See `bench/README.md`.

mod child;
mod record;
mod report;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::str::FromStr;

pub use child::child;
use record::Measurement;

use crate::corpus::{bench_cases, expected_result, largest_program};
use crate::error::BenchError;
use crate::options::InstancesOptions;

/// Lines of a failed child's stderr kept for the report.
const STDERR_TAIL: usize = 5;

/// The engines of `--instances`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceEngine {
    /// pvm's recompiler.
    OursRecompiler,
    /// pvm's interpreter.
    OursInterpreter,
    /// PolkaVM's recompiler (one sandbox worker process per instance).
    PolkaVmRecompiler,
}

impl InstanceEngine {
    /// Every engine, in report order.
    pub const ALL: [InstanceEngine; 3] = [
        InstanceEngine::OursRecompiler,
        InstanceEngine::OursInterpreter,
        InstanceEngine::PolkaVmRecompiler,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            InstanceEngine::OursRecompiler => "pvm-recompiler",
            InstanceEngine::OursInterpreter => "pvm-interpreter",
            InstanceEngine::PolkaVmRecompiler => "polkavm-recompiler",
        }
    }

    /// The report's name.
    pub fn label(self) -> &'static str {
        match self {
            InstanceEngine::OursRecompiler => "pvm recompiler",
            InstanceEngine::OursInterpreter => "pvm interpreter",
            InstanceEngine::PolkaVmRecompiler => "PolkaVM recompiler",
        }
    }

    /// pvm's back end, for ours.
    pub fn ours(self) -> Option<pvm::Engine> {
        match self {
            InstanceEngine::OursRecompiler => Some(pvm::Engine::Recompiler),
            InstanceEngine::OursInterpreter => Some(pvm::Engine::Interpreter),
            InstanceEngine::PolkaVmRecompiler => None,
        }
    }
}

impl FromStr for InstanceEngine {
    type Err = BenchError;

    fn from_str(s: &str) -> Result<InstanceEngine, BenchError> {
        InstanceEngine::ALL
            .into_iter()
            .find(|e| e.name() == s)
            .ok_or_else(|| BenchError::Usage(format!("unknown instances engine `{s}`")))
    }
}

/// The program and call of a run.
pub struct Subject {
    /// Program name.
    pub program: String,
    /// Its blob's size.
    pub blob_bytes: usize,
    /// The export called.
    pub export: String,
    /// Its argument.
    pub arg: u64,
    /// What `guests/expected.txt` says it returns, if it says.
    pub expected: Option<u64>,
    /// Instances per engine.
    pub count: usize,
}

/// One engine's child: what it reported, and how it ended.
pub struct EngineRun {
    /// The engine.
    pub engine: InstanceEngine,
    /// What the child printed.
    pub measurement: Measurement,
    /// `Err`: the child's exit status and the end of its stderr.
    pub exit: Result<(), String>,
}

impl EngineRun {
    /// Every problem of this run, as sentences: errors, a failed exit, fewer instances or
    /// calls than asked, wrong results.
    pub fn problems(&self, subject: &Subject) -> Vec<String> {
        let m = &self.measurement;
        let mut problems = m.errors.clone();
        if let Err(e) = &self.exit {
            problems.push(format!("the child process failed: {e}"));
        }
        match m.created {
            Some((created, _, _)) if created < subject.count => {
                problems.push(format!("{created} of {} instances created", subject.count))
            }
            None => problems.push("no instance created".to_string()),
            _ => {}
        }
        if let Some(record::Line::Ran { count, wrong, .. }) = &m.ran {
            let created = m.created.map_or(0, |c| c.0);
            if *count < created {
                problems.push(format!("{count} of {created} calls returned"));
            }
            if *wrong > 0 {
                problems.push(format!(
                    "{wrong} calls returned another result or gas than expected{}",
                    subject
                        .expected
                        .map_or(String::new(), |e| format!(" ({e}) or the first call"))
                ));
            }
        }
        if let (Some(expected), Some((a0, _))) = (subject.expected, m.result) {
            if a0 != expected {
                problems.push(format!("the first call returned {a0}, expected {expected}"));
            }
        }
        problems
    }
}

/// Runs `--instances`; `Ok(false)` if an engine had a problem.
pub fn run(options: &InstancesOptions, context: Vec<String>) -> Result<bool, BenchError> {
    let cases = bench_cases(options.filter.as_deref())?;
    let Some((case, blob)) = largest_program(&cases)? else {
        return Err(BenchError::Usage(format!(
            "no bench case in guests/expected.txt matches `{}`",
            options.filter.as_deref().unwrap_or("")
        )));
    };
    let arg = options.arg.unwrap_or(case.arg);
    let subject = Subject {
        expected: expected_result(&case.program, &case.export, arg)?,
        program: case.program,
        blob_bytes: blob.len(),
        export: case.export,
        arg,
        count: options.count,
    };
    let runs: Vec<EngineRun> = InstanceEngine::ALL
        .into_iter()
        .filter(|e| {
            e.ours()
                .is_none_or(|back_end| options.engines.includes(back_end))
        })
        .map(|engine| spawn(engine, &subject))
        .collect();
    let text = report::render(&subject, &runs, &context);
    print!("{text}");
    if let Some(path) = &options.output {
        crate::save(path, &text)?;
        eprintln!("saved {}", path.display());
    }
    Ok(runs.iter().all(|r| r.problems(&subject).is_empty()))
}

/// Runs one engine's child, echoing its progress (stderr) as it comes.
fn spawn(engine: InstanceEngine, subject: &Subject) -> EngineRun {
    eprintln!(
        "{}: {} instances of {} {}({})",
        engine.label(),
        subject.count,
        subject.program,
        subject.export,
        subject.arg
    );
    let failed = |message: String| EngineRun {
        engine,
        measurement: Measurement::default(),
        exit: Err(message),
    };
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return failed(e.to_string()),
    };
    let (arg, count) = (subject.arg.to_string(), subject.count.to_string());
    let expected = subject
        .expected
        .map_or_else(|| "-".to_string(), |e| e.to_string());
    let spawned = Command::new(exe)
        .args([
            "--child-instances",
            engine.name(),
            &subject.program,
            &subject.export,
            &arg,
            &count,
            &expected,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut process = match spawned {
        Ok(process) => process,
        Err(e) => return failed(format!("cannot start the child: {e}")),
    };
    let stderr = process.stderr.take().map(|stderr| {
        std::thread::spawn(move || {
            let mut tail = Vec::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("{line}");
                tail.push(line);
                if tail.len() > STDERR_TAIL {
                    tail.remove(0);
                }
            }
            tail
        })
    });
    let output = process.wait_with_output();
    let tail = stderr
        .and_then(|thread| thread.join().ok())
        .unwrap_or_default();
    match output {
        Ok(output) => EngineRun {
            engine,
            measurement: Measurement::parse(&String::from_utf8_lossy(&output.stdout)),
            exit: if output.status.success() {
                Ok(())
            } else {
                Err(format!("{}: {}", output.status, tail.join(" / ")))
            },
        },
        Err(e) => failed(format!("waiting for the child: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn engine_names_round_trip() {
        for engine in InstanceEngine::ALL {
            assert_eq!(engine.name().parse::<InstanceEngine>().unwrap(), engine);
        }
        assert!("pvm".parse::<InstanceEngine>().is_err());
    }

    fn subject() -> Subject {
        Subject {
            program: "p".into(),
            blob_bytes: 10,
            export: "e".into(),
            arg: 1,
            expected: Some(42),
            count: 3,
        }
    }

    #[test]
    fn problems_name_every_shortfall() {
        let ms = Duration::from_millis;
        let complete = Measurement::parse(
            &[
                record::Line::Created {
                    count: 3,
                    total: ms(3),
                    first: ms(1),
                },
                record::Line::Result {
                    a0: 42,
                    gas: Some(1),
                },
                record::Line::Ran {
                    count: 3,
                    total: ms(3),
                    first: ms(1),
                    min: ms(1),
                    max: ms(1),
                    wrong: 0,
                },
            ]
            .map(|l| l.to_string())
            .join("\n"),
        );
        let run = |measurement: Measurement, exit: Result<(), String>| EngineRun {
            engine: InstanceEngine::OursRecompiler,
            measurement,
            exit,
        };
        assert!(run(complete.clone(), Ok(()))
            .problems(&subject())
            .is_empty());
        let crashed = run(complete.clone(), Err("signal 11".into())).problems(&subject());
        assert_eq!(crashed.len(), 1);
        let mut short = complete;
        short.created = Some((2, ms(2), ms(1)));
        short.result = Some((41, None));
        short
            .errors
            .push("creating instance 3 of 3: out of address space".into());
        let problems = run(short, Ok(())).problems(&subject());
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(run(Measurement::default(), Ok(()))
            .problems(&subject())
            .iter()
            .any(|p| p.contains("no instance")));
    }
}
