//! Command-line options.

use std::path::PathBuf;

use crate::error::BenchError;

/// Default number of timed runs per program and engine (after one warm-up run).
pub const DEFAULT_RUNS: usize = 5;

/// What the harness was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Benchmark the corpus and print (and save) the report.
    Bench(BenchOptions),
    /// Internal: run one program once on one engine in this (child) process and print
    /// its peak resident set size. Used by the memory measurement.
    ChildRss {
        /// Engine name (see [`crate::rss::ChildEngine`]).
        engine: String,
        /// Program name.
        program: String,
    },
    /// Print the usage text.
    Help,
}

/// Options of a benchmark run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchOptions {
    /// Timed runs per program and engine; the best is reported.
    pub runs: usize,
    /// Only programs whose name contains this.
    pub filter: Option<String>,
    /// Where to save the Markdown report; `None`: `bench/results/latest.md` for a full
    /// run, nowhere for a filtered one.
    pub output: Option<PathBuf>,
}

/// The usage text.
pub const USAGE: &str = "\
usage: pvm-bench [--runs N] [--filter NAME] [--output FILE]

  --runs N       timed runs per program and engine, best reported (default 5; one warm-up run first)
  --filter NAME  only the programs whose name contains NAME
  --output FILE  also write the Markdown report to FILE (default: bench/results/latest.md
                 when no --filter is given)
";

/// Parses the arguments (without the program name).
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, BenchError> {
    let mut options = BenchOptions {
        runs: DEFAULT_RUNS,
        filter: None,
        output: None,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| BenchError::Usage(format!("{name} needs a value\n{USAGE}")))
        };
        match arg.as_str() {
            "--runs" => {
                let text = value("--runs")?;
                options.runs = match text.parse() {
                    Ok(n) if n > 0 => n,
                    _ => {
                        return Err(BenchError::Usage(format!(
                            "--runs: `{text}` is not a positive integer"
                        )))
                    }
                };
            }
            "--filter" => options.filter = Some(value("--filter")?),
            "--output" => options.output = Some(PathBuf::from(value("--output")?)),
            "--child-rss" => {
                let engine = value("--child-rss")?;
                let program = value("--child-rss")?;
                return Ok(Command::ChildRss { engine, program });
            }
            "-h" | "--help" => return Ok(Command::Help),
            other => {
                return Err(BenchError::Usage(format!(
                    "unknown argument `{other}`\n{USAGE}"
                )))
            }
        }
    }
    Ok(Command::Bench(options))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn defaults() {
        assert_eq!(
            parse(args(&[])).unwrap(),
            Command::Bench(BenchOptions {
                runs: DEFAULT_RUNS,
                filter: None,
                output: None
            })
        );
    }

    #[test]
    fn all_options() {
        let parsed = parse(args(&[
            "--runs", "3", "--filter", "zlib", "--output", "x.md",
        ]));
        assert_eq!(
            parsed.unwrap(),
            Command::Bench(BenchOptions {
                runs: 3,
                filter: Some("zlib".into()),
                output: Some("x.md".into())
            })
        );
    }

    #[test]
    fn bad_input_is_a_usage_error() {
        for bad in [
            &["--runs"][..],
            &["--runs", "0"],
            &["--runs", "x"],
            &["--bogus"],
        ] {
            assert!(
                matches!(parse(args(bad)), Err(BenchError::Usage(_))),
                "{bad:?}"
            );
        }
    }
}
