//! Command-line options.

use std::path::PathBuf;

use crate::error::BenchError;
use crate::startup::{StartProgramArg, DEFAULT_STARTUP_RUNS};

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
    /// The start-up benchmark (`--startup`).
    Startup(StartupOptions),
    /// Internal: one cold start of one program on one engine in this (child) process,
    /// then its peak resident set size. Used by the start-up benchmark.
    ChildStartupRss {
        /// Engine name (see `startup::rss`).
        engine: String,
        /// The program file.
        path: PathBuf,
        /// The export to call.
        export: String,
        /// Its argument, as given.
        arg: String,
    },
    /// Write the generated start-up program of about `mib` MiB to `path`.
    WriteSynthetic {
        /// The file to write.
        path: PathBuf,
        /// Its size in MiB, about.
        mib: usize,
    },
    /// Print the usage text.
    Help,
}

/// Options of a start-up benchmark run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartupOptions {
    /// Rounds per program; the median is reported.
    pub runs: usize,
    /// Only the guests whose name contains this (extra programs are always run).
    pub filter: Option<String>,
    /// Programs beyond the guests.
    pub programs: Vec<StartProgramArg>,
    /// Where to save the report; `None`: `bench/results/startup.md` for a run without
    /// `--filter`, nowhere for a filtered one.
    pub output: Option<PathBuf>,
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
       pvm-bench --startup [--startup-program PATH[:EXPORT]]... [--runs N] [--filter NAME] [--output FILE]

  --runs N       timed runs per program and engine, best reported (default 5; one warm-up run first)
  --filter NAME  only the programs whose name contains NAME
  --output FILE  also write the Markdown report to FILE (default: bench/results/latest.md
                 when no --filter is given; with --startup: bench/results/startup.md)
  --startup      the start-up benchmark instead: parse, prepare, instantiate and a first call
                 of 10 000 gas, cold and from a loaded program, median of N rounds (default 60)
  --startup-program PATH[:EXPORT]
                 also start this .polkavm program (calling EXPORT, default its first export,
                 with a0 = 0); repeatable; implies --startup
  --write-synthetic FILE MIB
                 write a generated .polkavm program of about MIB MiB (3/4 code, 1/4 RO data)
                 to FILE, e.g. for --startup-program FILE
";

/// Parses the arguments (without the program name).
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, BenchError> {
    let mut options = BenchOptions {
        runs: DEFAULT_RUNS,
        filter: None,
        output: None,
    };
    let mut startup = false;
    let mut runs_given = None;
    let mut programs = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| BenchError::Usage(format!("{name} needs a value\n{USAGE}")))
        };
        match arg.as_str() {
            "--runs" => {
                let text = value("--runs")?;
                runs_given = match text.parse() {
                    Ok(n) if n > 0 => Some(n),
                    _ => {
                        return Err(BenchError::Usage(format!(
                            "--runs: `{text}` is not a positive integer"
                        )))
                    }
                };
            }
            "--filter" => options.filter = Some(value("--filter")?),
            "--output" => options.output = Some(PathBuf::from(value("--output")?)),
            "--startup" => startup = true,
            "--startup-program" => {
                programs.push(StartProgramArg::parse(&value("--startup-program")?)?);
                startup = true;
            }
            "--write-synthetic" => {
                let path = PathBuf::from(value("--write-synthetic")?);
                let text = value("--write-synthetic")?;
                let mib = text.parse().map_err(|_| {
                    BenchError::Usage(format!("--write-synthetic: `{text}` is not a size in MiB"))
                })?;
                return Ok(Command::WriteSynthetic { path, mib });
            }
            "--child-startup-rss" => {
                let engine = value("--child-startup-rss")?;
                let path = PathBuf::from(value("--child-startup-rss")?);
                let export = value("--child-startup-rss")?;
                let arg = value("--child-startup-rss")?;
                return Ok(Command::ChildStartupRss {
                    engine,
                    path,
                    export,
                    arg,
                });
            }
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
    if startup {
        return Ok(Command::Startup(StartupOptions {
            runs: runs_given.unwrap_or(DEFAULT_STARTUP_RUNS),
            filter: options.filter,
            programs,
            output: options.output,
        }));
    }
    options.runs = runs_given.unwrap_or(DEFAULT_RUNS);
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
    fn startup_mode() {
        assert_eq!(
            parse(args(&["--startup"])).unwrap(),
            Command::Startup(StartupOptions {
                runs: DEFAULT_STARTUP_RUNS,
                filter: None,
                programs: Vec::new(),
                output: None
            })
        );
        let parsed = parse(args(&[
            "--runs",
            "7",
            "--startup-program",
            "/x/doom.polkavm:ext_tick",
            "--startup-program",
            "big.polkavm",
        ]));
        let Command::Startup(options) = parsed.unwrap() else {
            panic!("--startup-program implies --startup");
        };
        assert_eq!(options.runs, 7);
        assert_eq!(options.programs.len(), 2);
        assert_eq!(options.programs[0].export.as_deref(), Some("ext_tick"));
        assert_eq!(options.programs[1].export, None);
    }

    #[test]
    fn bad_input_is_a_usage_error() {
        for bad in [
            &["--runs"][..],
            &["--runs", "0"],
            &["--runs", "x"],
            &["--bogus"],
            &["--startup-program"],
            &["--startup-program", ":x"],
        ] {
            assert!(
                matches!(parse(args(bad)), Err(BenchError::Usage(_))),
                "{bad:?}"
            );
        }
    }
}
