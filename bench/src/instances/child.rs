//! The instances child: loads one program once, creates `count` instances of it on one
//! engine, keeps them all alive, calls the export once on each in turn, and prints what
//! it measured as [`Line`]s on stdout (progress on stderr).

use std::time::{Duration, Instant};

use super::record::{Line, MemStatus, Stage, Workers};
use super::InstanceEngine;
use crate::corpus::read_blob;
use crate::engines::ours::OursRunner;
use crate::engines::polkavm::{self, module, PolkaVmRunner};
use crate::engines::{Outcome, Runner};
use crate::error::BenchError;
use crate::rss::descendants;

/// Progress on stderr every this many instances.
const PROGRESS_EVERY: usize = 100;

/// The child's side of `--child-instances`.
pub fn child(
    engine: &str,
    program: &str,
    export: &str,
    arg: &str,
    count: &str,
    expected: &str,
) -> Result<(), BenchError> {
    let engine: InstanceEngine = engine.parse()?;
    let number = |what: &str, text: &str| {
        text.parse::<u64>().map_err(|_| {
            BenchError::Usage(format!("--child-instances: {what} `{text}` is not a u64"))
        })
    };
    let arg = number("argument", arg)?;
    let count = usize::try_from(number("count", count)?).unwrap_or(usize::MAX);
    let expected = match expected {
        "-" => None,
        text => Some(number("expected result", text)?),
    };
    let calls = Calls {
        engine,
        count,
        arg,
        expected,
    };
    status(Stage::Start);
    let blob = read_blob(program)?;
    match engine.ours() {
        Some(back_end) => {
            let start = Instant::now();
            let module =
                pvm::Module::from_polkavm_bytes(&blob).map_err(|source| BenchError::Ours {
                    program: program.to_string(),
                    source,
                })?;
            emit(Line::Load(start.elapsed()));
            calls.run(|| {
                OursRunner::instantiate(&module, program, export, back_end)
                    .map(|r| Box::new(r) as Box<dyn Runner>)
            });
        }
        None => {
            let vm = polkavm::compiler().map_err(|e| BenchError::polkavm("recompiler", e))?;
            let start = Instant::now();
            let module = module(&vm, program, &blob)?;
            emit(Line::Load(start.elapsed()));
            calls.run(|| {
                PolkaVmRunner::instantiate(&vm, &module, program, export)
                    .map(|r| Box::new(r) as Box<dyn Runner>)
            });
        }
    }
    Ok(())
}

/// What to create and call.
struct Calls {
    engine: InstanceEngine,
    count: usize,
    arg: u64,
    expected: Option<u64>,
}

impl Calls {
    /// Creates the instances with `create`, then calls each once; every failure is an
    /// [`Line::Error`] and ends that phase (what was created is still called).
    fn run(&self, mut create: impl FnMut() -> Result<Box<dyn Runner>, BenchError>) {
        status(Stage::Loaded);
        let name = self.engine.name();
        let mut instances = Vec::with_capacity(self.count);
        let mut first = Duration::ZERO;
        let start = Instant::now();
        for i in 0..self.count {
            let started = Instant::now();
            match create() {
                Ok(instance) => instances.push(instance),
                Err(e) => {
                    emit(Line::Error(format!(
                        "creating instance {} of {}: {e}",
                        i + 1,
                        self.count
                    )));
                    break;
                }
            }
            if i == 0 {
                first = started.elapsed();
            }
            if (i + 1) % PROGRESS_EVERY == 0 {
                eprintln!("  {name}: {} instances created", i + 1);
            }
        }
        emit(Line::Created {
            count: instances.len(),
            total: start.elapsed(),
            first,
        });
        status(Stage::Created);
        workers(Stage::Created);

        let mut stats = CallStats::default();
        for (i, instance) in instances.iter_mut().enumerate() {
            let started = Instant::now();
            match instance.call(self.arg) {
                Ok(outcome) => {
                    stats.add(started.elapsed(), outcome, self.expected);
                }
                Err(e) => {
                    emit(Line::Error(format!(
                        "calling instance {} of {}: {e}",
                        i + 1,
                        instances.len()
                    )));
                    break;
                }
            }
            if (i + 1) % PROGRESS_EVERY == 0 {
                eprintln!("  {name}: {} calls made", i + 1);
            }
        }
        if let Some(outcome) = stats.reference {
            emit(Line::Result {
                a0: outcome.result,
                gas: outcome.gas_used,
            });
        }
        emit(stats.line());
        // Every instance is still alive here.
        status(Stage::Ran);
        workers(Stage::Ran);
        drop(instances);
    }
}

/// The calls' times and checks.
#[derive(Default)]
struct CallStats {
    count: usize,
    total: Duration,
    first: Duration,
    min: Duration,
    max: Duration,
    wrong: usize,
    /// The first call's outcome: every other must equal it.
    reference: Option<Outcome>,
}

impl CallStats {
    fn add(&mut self, time: Duration, outcome: Outcome, expected: Option<u64>) {
        if self.count == 0 {
            self.first = time;
            self.min = time;
        }
        self.count += 1;
        self.total += time;
        self.min = self.min.min(time);
        self.max = self.max.max(time);
        let reference = *self.reference.get_or_insert(outcome);
        if outcome != reference || expected.is_some_and(|e| outcome.result != e) {
            self.wrong += 1;
        }
    }

    fn line(&self) -> Line {
        Line::Ran {
            count: self.count,
            total: self.total,
            first: self.first,
            min: self.min,
            max: self.max,
            wrong: self.wrong,
        }
    }
}

/// Prints one line at once (stdout is line-buffered), so that it survives a crash.
fn emit(line: Line) {
    println!("{line}");
}

fn status(stage: Stage) {
    emit(Line::Status(
        stage,
        MemStatus::read("self").unwrap_or_default(),
    ));
}

fn workers(stage: Stage) {
    let pids = descendants(std::process::id());
    let rss_kib = pids
        .iter()
        .filter_map(|pid| MemStatus::read(&pid.to_string()))
        .map(|s| s.rss_kib)
        .sum();
    emit(Line::Workers(
        stage,
        Workers {
            count: pids.len(),
            rss_kib,
        },
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(result: u64) -> Outcome {
        Outcome {
            result,
            gas_used: Some(5),
        }
    }

    #[test]
    fn call_stats_count_times_and_wrong_results() {
        let ms = Duration::from_millis;
        let mut stats = CallStats::default();
        stats.add(ms(5), outcome(1), Some(1));
        stats.add(ms(3), outcome(1), Some(1));
        stats.add(ms(9), outcome(2), Some(1));
        assert_eq!(
            stats.line(),
            Line::Ran {
                count: 3,
                total: ms(17),
                first: ms(5),
                min: ms(3),
                max: ms(9),
                wrong: 1
            }
        );
        // Without an expected result, the first call is the reference; a wrong first call
        // with a known expectation is wrong too.
        let mut stats = CallStats::default();
        stats.add(ms(1), outcome(7), None);
        stats.add(ms(1), outcome(7), None);
        assert_eq!(stats.wrong, 0);
        stats.add(ms(1), outcome(8), None);
        assert_eq!(stats.wrong, 1);
        let mut stats = CallStats::default();
        stats.add(ms(1), outcome(7), Some(6));
        assert_eq!(stats.wrong, 1);
    }
}
