//! Command-line options.

use std::path::PathBuf;

use crate::error::BenchError;
use crate::startup::{StartProgramArg, DEFAULT_STARTUP_RUNS};

/// Default number of timed runs per program and engine (after one warm-up run).
pub const DEFAULT_RUNS: usize = 5;

/// Default number of instances of `--instances`.
pub const DEFAULT_INSTANCES: usize = 1000;

pub use crate::engines::OurEngines;

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
    /// Many instances of one program in one process per engine (`--instances`).
    Instances(InstancesOptions),
    /// Internal: load one program once in this (child) process, create `count` instances of
    /// it on one engine, run each once and print what it measured (see `crate::instances`).
    ChildInstances {
        /// Engine name (see `crate::instances::InstanceEngine`).
        engine: String,
        /// Program name.
        program: String,
        /// The export to call.
        export: String,
        /// Its argument, as given.
        arg: String,
        /// Instances to create, as given.
        count: String,
        /// The result every call must return, or `-` if unknown.
        expected: String,
    },
    /// Internal: the whole process of one run of one program on one engine — read the
    /// file, load, instantiate, call once, check, exit — timed by the parent (see
    /// `crate::process`).
    ChildProcess {
        /// Engine name (see [`crate::child::ChildEngine`]).
        engine: String,
        /// Program name.
        program: String,
        /// The export to call.
        export: String,
        /// Its argument, as given.
        arg: String,
        /// The result it must return, as given.
        expected: String,
        /// The gas it must use, or `-` if unknown.
        gas: String,
    },
    /// Print the usage text.
    Help,
}

/// Options of an `--instances` run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstancesOptions {
    /// Instances per engine.
    pub count: usize,
    /// The program: the largest blob among the bench cases whose name contains this (all
    /// without one).
    pub filter: Option<String>,
    /// Which of this engine's back ends.
    pub engines: OurEngines,
    /// The argument of each call; `None`: the bench case's.
    pub arg: Option<u64>,
    /// Where to save the report; `None`: nowhere (it is printed).
    pub output: Option<PathBuf>,
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
    /// Which of this engine's back ends are measured.
    pub engines: OurEngines,
}

/// The usage text.
pub const USAGE: &str = "\
usage: pvm-bench [--engine interpreter|recompiler] [--runs N] [--filter NAME] [--output FILE]
       pvm-bench --startup [--startup-program PATH[:EXPORT]]... [--runs N] [--filter NAME] [--output FILE]
       pvm-bench --instances [N] [--engine interpreter|recompiler] [--filter NAME] [--arg A0] [--output FILE]

  --engine interpreter|recompiler
                 measure only this one of pvm's engines (default: both); PolkaVM's and
                 native are measured as always
  --runs N       timed runs per program and engine, best reported (default 5; one warm-up
                 call first); also the fresh processes per program and engine of the
                 whole-process table
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
  --instances [N]
                 N instances (default 1000) of the largest guest (of those --filter leaves) in
                 one process per engine: pvm's recompiler, pvm's interpreter, PolkaVM's
                 recompiler; time to create them all, one call on each, RSS and VmSize
  --arg A0       with --instances: the argument of each call (default: the bench case's)
";

/// Parses the arguments (without the program name).
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, BenchError> {
    let mut filter = None;
    let mut output = None;
    let mut engines = None;
    let mut startup = false;
    let mut instances = None;
    let mut call_arg = None;
    let mut runs_given = None;
    let mut programs = Vec::new();
    let mut args = args.into_iter().peekable();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| BenchError::Usage(format!("{name} needs a value\n{USAGE}")))
        };
        match arg.as_str() {
            "--runs" => runs_given = Some(positive("--runs", &value("--runs")?)?),
            "--filter" => filter = Some(value("--filter")?),
            "--output" => output = Some(PathBuf::from(value("--output")?)),
            "--engine" => engines = Some(OurEngines::parse(&value("--engine")?)?),
            "--startup" => startup = true,
            "--startup-program" => {
                programs.push(StartProgramArg::parse(&value("--startup-program")?)?);
                startup = true;
            }
            "--instances" => {
                // The count is optional: take the next argument only if it is a number.
                let count = match args.next_if(|next| next.parse::<usize>().is_ok()) {
                    Some(text) => positive("--instances", &text)?,
                    None => DEFAULT_INSTANCES,
                };
                instances = Some(count);
            }
            "--arg" => {
                let text = value("--arg")?;
                call_arg = Some(
                    text.parse()
                        .map_err(|_| BenchError::Usage(format!("--arg: `{text}` is not a u64")))?,
                );
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
            "--child-process" => {
                let mut next = || value("--child-process");
                return Ok(Command::ChildProcess {
                    engine: next()?,
                    program: next()?,
                    export: next()?,
                    arg: next()?,
                    expected: next()?,
                    gas: next()?,
                });
            }
            "--child-instances" => {
                let mut next = || value("--child-instances");
                return Ok(Command::ChildInstances {
                    engine: next()?,
                    program: next()?,
                    export: next()?,
                    arg: next()?,
                    count: next()?,
                    expected: next()?,
                });
            }
            "-h" | "--help" => return Ok(Command::Help),
            other => {
                return Err(BenchError::Usage(format!(
                    "unknown argument `{other}`\n{USAGE}"
                )))
            }
        }
    }
    if startup && instances.is_some() {
        return Err(BenchError::Usage(
            "--startup and --instances are separate runs".to_string(),
        ));
    }
    if call_arg.is_some() && instances.is_none() {
        return Err(BenchError::Usage(
            "--arg only applies to --instances".to_string(),
        ));
    }
    if let Some(count) = instances {
        if runs_given.is_some() {
            return Err(BenchError::Usage(
                "--runs does not apply to --instances (every instance is called once)".to_string(),
            ));
        }
        return Ok(Command::Instances(InstancesOptions {
            count,
            filter,
            engines: engines.unwrap_or(OurEngines::BOTH),
            arg: call_arg,
            output,
        }));
    }
    if startup {
        if engines.is_some_and(|e| e.recompiler) {
            return Err(BenchError::Usage(
                "--startup measures pvm's interpreter only; --engine recompiler does not apply"
                    .to_string(),
            ));
        }
        return Ok(Command::Startup(StartupOptions {
            runs: runs_given.unwrap_or(DEFAULT_STARTUP_RUNS),
            filter,
            programs,
            output,
        }));
    }
    Ok(Command::Bench(BenchOptions {
        runs: runs_given.unwrap_or(DEFAULT_RUNS),
        filter,
        output,
        engines: engines.unwrap_or(OurEngines::BOTH),
    }))
}

/// `text` as a positive integer, for option `name`.
fn positive(name: &str, text: &str) -> Result<usize, BenchError> {
    match text.parse() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(BenchError::Usage(format!(
            "{name}: `{text}` is not a positive integer"
        ))),
    }
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
                output: None,
                engines: OurEngines::BOTH,
            })
        );
    }

    #[test]
    fn all_options() {
        let parsed = parse(args(&[
            "--runs",
            "3",
            "--filter",
            "zlib",
            "--output",
            "x.md",
            "--engine",
            "recompiler",
        ]));
        assert_eq!(
            parsed.unwrap(),
            Command::Bench(BenchOptions {
                runs: 3,
                filter: Some("zlib".into()),
                output: Some("x.md".into()),
                engines: OurEngines {
                    interpreter: false,
                    recompiler: true
                },
            })
        );
    }

    #[test]
    fn engine_selection() {
        let engines = |list: &[&str]| match parse(args(list)).unwrap() {
            Command::Bench(options) => options.engines,
            other => panic!("{other:?}"),
        };
        assert_eq!(engines(&[]), OurEngines::BOTH);
        let interpreter = engines(&["--engine", "interpreter"]);
        assert!(interpreter.includes(pvm::Engine::Interpreter));
        assert!(!interpreter.includes(pvm::Engine::Recompiler));
        let recompiler = engines(&["--engine", "recompiler"]);
        assert!(!recompiler.includes(pvm::Engine::Interpreter));
        assert!(recompiler.includes(pvm::Engine::Recompiler));
    }

    #[test]
    fn instances_mode() {
        let instances = |list: &[&str]| match parse(args(list)).unwrap() {
            Command::Instances(options) => options,
            other => panic!("{other:?}"),
        };
        let defaults = instances(&["--instances"]);
        assert_eq!(
            defaults,
            InstancesOptions {
                count: DEFAULT_INSTANCES,
                filter: None,
                engines: OurEngines::BOTH,
                arg: None,
                output: None,
            }
        );
        let given = instances(&[
            "--instances",
            "20",
            "--engine",
            "interpreter",
            "--filter",
            "lz4",
            "--arg",
            "1000",
        ]);
        assert_eq!(given.count, 20);
        assert_eq!(given.engines, OurEngines::only(pvm::Engine::Interpreter));
        assert_eq!(given.filter.as_deref(), Some("lz4"));
        assert_eq!(given.arg, Some(1000));
        // A non-number after --instances is the next option, not the count.
        let next = instances(&["--instances", "--filter", "zlib"]);
        assert_eq!(next.count, DEFAULT_INSTANCES);
        assert_eq!(next.filter.as_deref(), Some("zlib"));
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
            &["--engine"],
            &["--engine", "jit"],
            &["--engine", "Recompiler"],
            &["--instances", "0"],
            &["--arg", "5"],
            &["--instances", "--arg", "x"],
            &["--instances", "--runs", "3"],
            &["--instances", "--startup"],
            &["--startup", "--engine", "recompiler"],
        ] {
            assert!(
                matches!(parse(args(bad)), Err(BenchError::Usage(_))),
                "{bad:?}"
            );
        }
    }
}
