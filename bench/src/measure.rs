//! Timing: one warm-up call per engine, then N rounds in which every engine is called once
//! (round-robin, so that a burst of background load hits all engines alike); each engine's
//! best call is reported.

use std::time::{Duration, Instant};

use crate::engines::{Outcome, Runner};
use crate::error::BenchError;

/// The timing of one program on one engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measured {
    /// The fastest timed call.
    pub best: Duration,
    /// The warm-up call: the first on a fresh instance (first-touch page faults; for
    /// PolkaVM's interpreter also its lazy compilation of every block reached).
    pub first: Duration,
    /// What the warm-up call returned.
    pub outcome: Outcome,
    /// Whether every timed call returned the same as the warm-up.
    pub deterministic: bool,
}

/// A runner loaded on its engine, or why it could not be.
pub type Loaded = Result<Box<dyn Runner>, BenchError>;

/// A runner being measured, or why it stopped.
enum Slot {
    Running(Box<dyn Runner>, Measured),
    Failed(BenchError),
}

/// Warms up every loaded runner with one call of `arg`, then makes `runs` rounds of one
/// timed call each. A runner that failed to load or fails a call gets its error.
pub fn best_of_each(
    runners: Vec<Loaded>,
    arg: u64,
    runs: usize,
) -> Vec<Result<Measured, BenchError>> {
    let mut slots: Vec<Slot> = runners
        .into_iter()
        .map(|runner| {
            let mut runner = match runner {
                Ok(runner) => runner,
                Err(e) => return Slot::Failed(e),
            };
            let start = Instant::now();
            match runner.call(arg) {
                Ok(outcome) => {
                    let first = start.elapsed();
                    let measured = Measured {
                        best: Duration::MAX,
                        first,
                        outcome,
                        deterministic: true,
                    };
                    Slot::Running(runner, measured)
                }
                Err(e) => Slot::Failed(e),
            }
        })
        .collect();
    for _ in 0..runs {
        for slot in &mut slots {
            let Slot::Running(runner, measured) = slot else {
                continue;
            };
            let start = Instant::now();
            match runner.call(arg) {
                Ok(outcome) => {
                    measured.best = measured.best.min(start.elapsed());
                    measured.deterministic &= outcome == measured.outcome;
                }
                Err(e) => *slot = Slot::Failed(e),
            }
        }
    }
    slots
        .into_iter()
        .map(|slot| match slot {
            Slot::Running(_, measured) => Ok(measured),
            Slot::Failed(e) => Err(e),
        })
        .collect()
}

/// The fastest of `runs` (at least 1) timings of `f`; what `f` returns is dropped after
/// its timing stops.
pub fn best_time<T, E>(runs: usize, mut f: impl FnMut() -> Result<T, E>) -> Result<Duration, E> {
    let mut best = Duration::MAX;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let value = f()?;
        best = best.min(start.elapsed());
        drop(value);
    }
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;

    /// Returns `arg + calls / 3`, counting calls in a shared cell; fails on call `fail_at`.
    struct Counter {
        calls: Rc<Cell<u64>>,
        fail_at: u64,
    }

    impl Runner for Counter {
        fn call(&mut self, arg: u64) -> Result<Outcome, BenchError> {
            self.calls.set(self.calls.get() + 1);
            if self.calls.get() == self.fail_at {
                return Err(BenchError::Usage("boom".into()));
            }
            Ok(Outcome {
                result: arg + self.calls.get() / 3,
                gas_used: None,
            })
        }
    }

    fn counter(fail_at: u64) -> (Rc<Cell<u64>>, Loaded) {
        let calls = Rc::new(Cell::new(0));
        let runner = Counter {
            calls: Rc::clone(&calls),
            fail_at,
        };
        (calls, Ok(Box::new(runner)))
    }

    #[test]
    fn warm_up_plus_rounds_determinism_and_failures() {
        let (calls, changing) = counter(0);
        let (_, failing) = counter(3);
        let not_loaded = Err(BenchError::Usage("no".into()));
        let results = best_of_each(vec![changing, failing, not_loaded], 10, 4);
        assert_eq!(calls.get(), 5);
        let first = results[0].as_ref().unwrap();
        assert_eq!(first.outcome.result, 10);
        assert!(!first.deterministic);
        assert!(first.best <= first.first || first.best < Duration::MAX);
        assert!(results[1].is_err());
        assert!(results[2].is_err());
        let (_, steady) = counter(0);
        assert!(
            best_of_each(vec![steady], 10, 1)[0]
                .as_ref()
                .unwrap()
                .deterministic
        );
    }
}
