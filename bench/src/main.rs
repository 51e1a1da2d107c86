//! Benchmark harness: every bench case of the guest corpus on this engine (interpreter and
//! recompiler), PolkaVM 0.37's interpreter and recompiler (gas metering on, full cost
//! model) and natively, per call and as whole processes; results verified against the
//! native checksums and PolkaVM's gas; a Markdown report on stdout and in
//! `bench/results/latest.md`. Also the start-up benchmark (`--startup`) and many instances
//! in one process (`--instances`). See `bench/README.md`.

mod child;
mod corpus;
mod engines;
mod error;
mod instances;
mod load_time;
mod measure;
mod options;
mod process;
mod report;
mod rss;
mod startup;
mod verify;

use std::path::{Path, PathBuf};
use std::process::{Command as Process, ExitCode};

use child::ChildEngine;
use corpus::{bench_cases, largest_program, read_blob, Case};
use engines::native::NativeRunner;
use engines::ours::OursRunner;
use engines::polkavm::{engines, PolkaVmEngines, PolkaVmRunner};
use engines::Runner;
use error::BenchError;
use measure::{best_of_each, Loaded};
use options::{BenchOptions, Command, OurEngines, StartupOptions};
use report::{LoadSection, MemorySection, Report};
use verify::{CaseResults, NOT_SELECTED};

/// Load-time repetitions per step, at least.
const MIN_LOAD_RUNS: usize = 20;

fn main() -> ExitCode {
    let result = options::parse(std::env::args().skip(1)).and_then(|command| match command {
        Command::Help => {
            print!("{}", options::USAGE);
            Ok(true)
        }
        Command::ChildRss { engine, program } => rss::child(&engine, &program).map(|()| true),
        Command::Bench(options) => bench(&options),
        Command::Startup(options) => startup_bench(&options),
        Command::ChildStartupRss {
            engine,
            path,
            export,
            arg,
        } => startup::child(&engine, &path, &export, &arg).map(|()| true),
        Command::ChildProcess {
            engine,
            program,
            export,
            arg,
            expected,
            gas,
        } => process::child(&engine, &program, &export, &arg, &expected, &gas).map(|()| true),
        Command::Instances(options) => {
            let mut context = machine_lines();
            context.push(options.engines.describe().to_string());
            instances::run(&options, context)
        }
        Command::ChildInstances {
            engine,
            program,
            export,
            arg,
            count,
            expected,
        } => instances::child(&engine, &program, &export, &arg, &count, &expected).map(|()| true),
        Command::WriteSynthetic { path, mib } => {
            let blob = startup::synthetic::program(mib)?;
            save(&path, &blob).map(|()| {
                eprintln!("wrote {} ({} bytes)", path.display(), blob.len());
                true
            })
        }
    });
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("pvm-bench: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs the benchmark; `Ok(false)` if a check failed.
fn bench(options: &BenchOptions) -> Result<bool, BenchError> {
    let cases = bench_cases(options.filter.as_deref())?;
    if cases.is_empty() {
        return Err(BenchError::Usage(format!(
            "no bench case in guests/expected.txt matches `{}`",
            options.filter.as_deref().unwrap_or("")
        )));
    }
    let vms = engines()?;
    let compiler_note = match &vms.compiler {
        Ok(vm) => format!(
            "PolkaVM recompiler: {} sandbox",
            vm.sandbox.map_or("default".to_string(), |s| s.to_string())
        ),
        Err(e) => format!("PolkaVM recompiler: unavailable here ({e})"),
    };
    eprintln!("{compiler_note}");

    let mut measured = Vec::new();
    for case in &cases {
        let results = measure_case(case, &vms, options)?;
        let failures = verify::failures(&results, vms.compiler.is_ok());
        for failure in &failures {
            eprintln!("  FAILED: {failure}");
        }
        measured.push((results, failures));
    }

    let child_engines = ChildEngine::selected(options.engines, vms.compiler.is_ok());
    let process = process::measure(&cases, &child_engines, options.runs);
    let largest = largest_program(&cases)?;
    let load = largest.as_ref().map(|(case, blob)| {
        load_section(
            case,
            blob,
            &vms,
            options.engines,
            options.runs.max(MIN_LOAD_RUNS),
        )
    });
    let memory = largest.as_ref().map(|(case, _)| {
        eprintln!("peak memory: {} in child processes", case.program);
        MemorySection {
            call: format!("{}({})", case.export, case.arg),
            program: case.program.clone(),
            engines: rss::measure(&case.program, &child_engines),
        }
    });

    let all_passed =
        measured.iter().all(|(_, failures)| failures.is_empty()) && process.failures().is_empty();
    let report = Report {
        context: context_lines(options, &compiler_note),
        cases: measured,
        load,
        memory,
        process: Some(process),
        recompiler: options.engines.recompiler,
    };
    let text = report::render(&report);
    print!("{text}");
    let output = options.output.clone().or_else(|| {
        options
            .filter
            .is_none()
            .then(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("results/latest.md"))
    });
    if let Some(path) = output {
        save(&path, &text)?;
        eprintln!("saved {}", path.display());
    }
    Ok(all_passed)
}

/// Runs the start-up benchmark; `Ok(false)` if a check failed.
fn startup_bench(options: &StartupOptions) -> Result<bool, BenchError> {
    let mut programs = startup::programs(&options.programs)?;
    if let Some(filter) = &options.filter {
        let extra = options.programs.len();
        let guests = programs.len() - extra;
        let mut index = 0;
        programs.retain(|p| {
            index += 1;
            index > guests || p.name.contains(filter.as_str())
        });
    }
    let (text, all_passed) = startup::run(&programs, options.runs, machine_lines())?;
    print!("{text}");
    let output = options.output.clone().or_else(|| {
        options
            .filter
            .is_none()
            .then(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("results/startup.md"))
    });
    if let Some(path) = output {
        save(&path, &text)?;
        eprintln!("saved {}", path.display());
    }
    Ok(all_passed)
}

/// Loads and times one case on every engine (of ours, those `--engine` selects). An engine
/// that fails is recorded, not fatal.
fn measure_case(
    case: &Case,
    vms: &PolkaVmEngines,
    options: &BenchOptions,
) -> Result<CaseResults, BenchError> {
    eprintln!("{} {}({}):", case.program, case.export, case.arg);
    let blob = read_blob(&case.program)?;
    let compiler = match &vms.compiler {
        Ok(vm) => boxed(PolkaVmRunner::load(vm, &case.program, &blob, &case.export)),
        Err(e) => Err(BenchError::polkavm(
            "recompiler",
            format!("unavailable: {e}"),
        )),
    };
    let ours = |engine: pvm::Engine| {
        options.engines.includes(engine).then(|| {
            boxed(OursRunner::load_on(
                &case.program,
                &blob,
                &case.export,
                engine,
            ))
        })
    };
    // Every engine in a fixed slot; `None`: left out by `--engine`.
    let slots: Vec<(&str, Option<Loaded>)> = vec![
        (
            "native",
            Some(boxed(NativeRunner::load(&case.program, &case.export))),
        ),
        ("pvm", ours(pvm::Engine::Interpreter)),
        (
            "PolkaVM interpreter",
            Some(boxed(PolkaVmRunner::load(
                &vms.interpreter,
                &case.program,
                &blob,
                &case.export,
            ))),
        ),
        ("PolkaVM recompiler", Some(compiler)),
        ("pvm recompiler", ours(pvm::Engine::Recompiler)),
    ];
    let (names, runners): (Vec<&str>, Vec<Option<Loaded>>) = slots.into_iter().unzip();
    let present: Vec<bool> = runners.iter().map(Option::is_some).collect();
    let mut measured = best_of_each(
        runners.into_iter().flatten().collect(),
        case.arg,
        options.runs,
    )
    .into_iter();
    let mut results = names.into_iter().zip(present).map(|(name, present)| {
        if !present {
            return Err(NOT_SELECTED.to_string());
        }
        let measured = measured.next().expect("one result per runner");
        match &measured {
            Ok(m) => eprintln!("  {name:<20} {:>12.3} ms", m.best.as_secs_f64() * 1e3),
            Err(e) => eprintln!("  {name:<20} error: {e}"),
        }
        measured.map_err(|e| e.to_string())
    });
    let mut next = || results.next().expect("one result per engine");
    let (native, ours, interpreter, compiler, ours_recompiler) =
        (next(), next(), next(), next(), next());
    // Counted on the interpreter (an observer), so only when it is measured.
    let instructions = options
        .engines
        .interpreter
        .then(|| {
            OursRunner::load(&case.program, &blob, &case.export)
                .and_then(|mut runner| runner.count_instructions(case.arg))
                .map_err(|e| eprintln!("  counting instructions: {e}"))
                .ok()
        })
        .flatten();
    Ok(CaseResults {
        case: case.clone(),
        native,
        ours,
        interpreter,
        compiler,
        ours_recompiler,
        instructions,
        engines: options.engines,
    })
}

/// A loaded runner as a trait object.
fn boxed<R: Runner + 'static>(runner: Result<R, BenchError>) -> Loaded {
    runner.map(|r| Box::new(r) as Box<dyn Runner>)
}

fn load_section(
    case: &Case,
    blob: &[u8],
    vms: &PolkaVmEngines,
    ours: OurEngines,
    runs: usize,
) -> LoadSection {
    eprintln!("load time: {} ({} bytes)", case.program, blob.len());
    let program = case.program.as_str();
    let mut engines = Vec::new();
    if ours.interpreter {
        engines.push(("pvm", load_time::ours(program, blob, runs)));
    }
    engines.push((
        "PolkaVM interpreter",
        load_time::polkavm(&vms.interpreter, program, blob, runs),
    ));
    let compiler = match &vms.compiler {
        Ok(vm) => load_time::polkavm(vm, program, blob, runs),
        Err(e) => Err(BenchError::polkavm("recompiler", e)),
    };
    engines.push(("PolkaVM recompiler", compiler));
    if ours.recompiler {
        engines.push((
            "pvm recompiler",
            load_time::ours_recompiler(program, blob, runs),
        ));
    }
    LoadSection {
        program: program.to_string(),
        blob_bytes: blob.len(),
        runs,
        engines,
    }
}

/// The report's context bullets: machine, date, commit, method.
fn context_lines(options: &BenchOptions, compiler_note: &str) -> Vec<String> {
    let mut lines = machine_lines();
    lines.push(format!(
        "each time: the best of {} calls of the export on one instance (round-robin over the engines), \
         after one warm-up call; both VMs with gas metering on (`GasMeteringKind::Sync`, `CostModelKind::Full(CacheModel::L2Hit)`)",
        options.runs
    ));
    lines.push(
        "native: the same C sources, host `cc -O2` (build.rs, `cc` crate), x86-64".to_string(),
    );
    lines.push(compiler_note.to_string());
    lines.push(options.engines.describe().to_string());
    if let Some(filter) = &options.filter {
        lines.push(format!("filter: programs containing `{filter}`"));
    }
    lines
}

/// The machine (CPU, cores, load) and the run (date, commit) bullets.
fn machine_lines() -> Vec<String> {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".to_string());
    let mut lines = vec![format!(
        "machine: {cpu}, {cores} cores available; 1-minute load average {load} when the run started"
    )];
    let date = command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);
    let commit = command_output(
        "git",
        &[
            "-C",
            env!("CARGO_MANIFEST_DIR"),
            "describe",
            "--always",
            "--dirty",
        ],
    );
    lines.push(format!(
        "run: {}, commit {}",
        date.as_deref().unwrap_or("unknown date"),
        commit.as_deref().unwrap_or("unknown")
    ));
    lines
}

fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let output = Process::new(program).args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Writes `text` to `path`, creating its directory.
fn save(path: &PathBuf, text: impl AsRef<[u8]>) -> Result<(), BenchError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| BenchError::io(dir, e))?;
    }
    std::fs::write(path, text).map_err(|e| BenchError::io(path, e))
}
