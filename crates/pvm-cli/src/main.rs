//! `pvm`: run, trace and disassemble PVM programs, run conformance vectors, write and check
//! memory traces.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use machine::format::{read_trace, write_trace, SpaceInfo, Trace};
use machine::{Space, Tracer, VecTracer};
use pvm::trace::TraceWriter;
use pvm::tracing::{MEMORY, REGISTERS, SPACE_NAMES};
use pvm::{Engine, Exit, GpVersion, Instance};
use pvm_cli::load::{load, Format, RunRequest};
use pvm_testkit::case::{all_cases, cases_under, schema::write_cases};

/// Exit code for halts.
const EXIT_HALT: u8 = 0;
/// Exit code for any other VM exit.
const EXIT_OTHER: u8 = 1;
/// Exit code for bad input.
const EXIT_BAD_INPUT: u8 = 2;

#[derive(Parser)]
#[command(
    name = "pvm",
    version,
    about = "The JAM PVM: run, trace, disassemble, test"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a program until it exits; print the exit, pc, gas and registers.
    Run {
        #[command(flatten)]
        run: RunArgs,
        /// Engine: interpreter or recompiler (x86-64 Linux). Default: the recompiler where
        /// it is supported, the interpreter elsewhere.
        #[arg(long, default_value_t = Engine::default(), value_parser = parse_engine)]
        engine: Engine,
    },
    /// Run a program printing one line per executed instruction, or with `--memory-trace`
    /// writing its register and memory accesses to a trace file.
    Trace(TraceArgs),
    /// Disassemble a program with basic-block markers and block gas costs.
    Disasm {
        /// Program file.
        file: PathBuf,
        /// File format.
        #[arg(long, value_enum, default_value = "auto")]
        format: Format,
        /// Gray Paper version (opcode numbering and gas model).
        #[arg(long, default_value = "0.8", value_parser = parse_version)]
        gp: GpVersion,
    },
    /// Run conformance vectors (JSON files or directories of them).
    TestVectors {
        /// Vector files or directories (with `--emit-cases`, default: every known set of
        /// `$PVM_VECTORS` or `../shared/pvm-vectors`, each under its own GP version).
        #[arg(required_unless_present = "emit_cases")]
        paths: Vec<PathBuf>,
        /// Gray Paper version (0.7 for the w3f-v0.4 set).
        #[arg(long, default_value = "0.8", value_parser = parse_version)]
        gp: GpVersion,
        /// Instead of running them, write the vectors as one normalised case file (JSON,
        /// see crates/pvm-testkit/SCHEMA.md) that the bindings' tests execute.
        #[arg(long, value_name = "FILE")]
        emit_cases: Option<PathBuf>,
        /// Engine: interpreter or recompiler (x86-64 Linux). Default: the recompiler where
        /// it is supported, the interpreter elsewhere.
        #[arg(long, default_value_t = Engine::default(), value_parser = parse_engine)]
        engine: Engine,
    },
    /// Print the instruction set table (every opcode with its bytes, operand form, cost
    /// class, memory access and control flow).
    Isa {
        /// Print the table as a JSON array instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check that a memory trace (`.mtrace`) is consistent: every read returns the last
    /// value written to its cell. Exit code 0 if so, 1 on a violation, 2 on bad input.
    CheckMemory {
        /// Trace file, as written by `pvm trace --memory-trace`.
        trace: PathBuf,
    },
}

#[derive(Args)]
struct TraceArgs {
    #[command(flatten)]
    run: RunArgs,
    /// Engine: tracing needs the interpreter (the recompiler is refused with an error).
    #[arg(long, default_value = "interpreter", value_parser = parse_engine)]
    engine: Engine,
    /// Write the run's register and memory accesses to this file (`.mtrace` format, see
    /// docs/memory-trace.md) instead of printing instructions; prints the record count.
    #[arg(long, value_name = "FILE")]
    memory_trace: Option<PathBuf>,
    /// The spaces to keep in the memory trace (comma-separated). Keeping only `memory`
    /// gives a smaller trace that is still consistent on its own.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "registers,memory",
        requires = "memory_trace"
    )]
    memory_trace_spaces: Vec<TraceSpace>,
}

/// A space of the PVM's memory trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum TraceSpace {
    /// Registers r0..r12 (space 0).
    Registers,
    /// Memory as aligned 8-byte words (space 1).
    Memory,
}

impl TraceSpace {
    fn space(self) -> Space {
        match self {
            TraceSpace::Registers => REGISTERS,
            TraceSpace::Memory => MEMORY,
        }
    }
}

#[derive(Args)]
struct RunArgs {
    /// Program file.
    file: PathBuf,
    /// Call this export of a `.polkavm` program (arguments in a0.., returns to halt).
    #[arg(long, conflicts_with = "entry")]
    export: Option<String>,
    /// Start at this pc.
    #[arg(long)]
    entry: Option<u32>,
    /// Argument (repeatable): registers a0.. for exports and raw blobs, argument data
    /// (little-endian u64s) for JAM programs.
    #[arg(long = "arg")]
    args: Vec<u64>,
    /// Initial gas.
    #[arg(long, default_value_t = 10_000_000_000)]
    gas: u64,
    /// Gray Paper version.
    #[arg(long, default_value = "0.8", value_parser = parse_version)]
    gp: GpVersion,
    /// File format.
    #[arg(long, value_enum, default_value = "auto")]
    format: Format,
    /// Print exactly one JSON object.
    #[arg(long)]
    json: bool,
}

fn parse_version(text: &str) -> Result<GpVersion, String> {
    text.parse()
        .map_err(|error: pvm::ParseNameError| error.to_string())
}

fn parse_engine(text: &str) -> Result<Engine, String> {
    text.parse()
        .map_err(|error: pvm::ParseNameError| error.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run { run: args, engine } => run(&args, engine, false),
        Command::Trace(TraceArgs {
            run: args,
            engine,
            memory_trace: Some(file),
            memory_trace_spaces,
        }) => run_memory_trace(&args, engine, &file, &memory_trace_spaces),
        Command::Trace(args) => run(&args.run, args.engine, true),
        Command::CheckMemory { trace } => check_memory(&trace),
        Command::Isa { json } => {
            let text = if json {
                format!("{}\n", pvm_cli::isa::table_json())
            } else {
                pvm_cli::isa::table_text()
            };
            // A closed pipe (`pvm isa | head`) is not an error worth a panic.
            let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
            ExitCode::from(EXIT_HALT)
        }
        Command::Disasm { file, format, gp } => disasm(file, format, gp),
        Command::TestVectors {
            paths,
            gp,
            emit_cases: Some(file),
            ..
        } => emit_cases(&paths, gp, &file),
        Command::TestVectors {
            paths, gp, engine, ..
        } => test_vectors(&paths, gp, engine),
    }
}

fn bad_input(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_BAD_INPUT)
}

/// Loads `args.file` on `engine` (named, so an engine that cannot run is an error).
fn prepare(args: &RunArgs, engine: Engine) -> Result<Instance, ExitCode> {
    let request = RunRequest {
        export: args.export.clone(),
        entry: args.entry,
        args: args.args.clone(),
        gas: args.gas,
        version: args.gp,
        engine: Some(engine),
    };
    load(&args.file, args.format, &request).map_err(bad_input)
}

fn run(args: &RunArgs, engine: Engine, trace: bool) -> ExitCode {
    let mut vm = match prepare(args, engine) {
        Ok(vm) => vm,
        Err(code) => return code,
    };
    let initial_gas = vm.gas();
    let exit = if trace {
        let program = vm.program().clone();
        let mut tracer = TraceWriter::new(&program, std::io::stdout().lock());
        let exit = match vm.run_observed(&mut tracer) {
            Ok(exit) => exit,
            Err(e) => return bad_input(e),
        };
        tracer.finish(vm.regs(), vm.gas());
        exit
    } else {
        vm.run()
    };
    report(&vm, exit, initial_gas, args.json);
    ExitCode::from(if exit == Exit::Halt {
        EXIT_HALT
    } else {
        EXIT_OTHER
    })
}

/// What `pvm trace --memory-trace` wrote.
struct TraceSummary<'a> {
    file: &'a Path,
    records: usize,
    memory_records: usize,
    register_records: usize,
}

fn run_memory_trace(
    args: &RunArgs,
    engine: Engine,
    file: &Path,
    spaces: &[TraceSpace],
) -> ExitCode {
    let vm = match prepare(args, engine) {
        Ok(vm) => vm,
        Err(code) => return code,
    };
    let initial_gas = vm.gas();
    // The initial image (non-zero registers and memory words) is recorded first.
    let mut vm = match vm.with_tracer(VecTracer::new()) {
        Ok(vm) => vm,
        Err(e) => return bad_input(e),
    };
    let exit = vm.run();
    let mut records = vm.tracer_mut().take_records();
    let keep: Vec<Space> = spaces.iter().map(|s| s.space()).collect();
    records.retain(|r| keep.contains(&r.space));
    let count = |space: Space| records.iter().filter(|r| r.space == space).count();
    let (memory_records, register_records) = (count(MEMORY), count(REGISTERS));
    let mut selected: Vec<Space> = keep.clone();
    selected.sort();
    selected.dedup();
    let trace = Trace {
        spaces: selected
            .iter()
            .map(|&space| SpaceInfo {
                space,
                name: SPACE_NAMES[usize::from(space.0)].to_string(),
            })
            .collect(),
        records,
    };
    let summary = TraceSummary {
        file,
        records: trace.records.len(),
        memory_records,
        register_records,
    };
    let written = std::fs::File::create(file).and_then(|out| write_trace(out, &trace));
    if let Err(e) = written {
        return bad_input(format!("cannot write {}: {e}", file.display()));
    }
    if !args.json {
        println!(
            "memory trace: {} records ({} memory, {} registers) written to {}",
            summary.records,
            summary.memory_records,
            summary.register_records,
            file.display()
        );
    }
    report_with(&vm, exit, initial_gas, args.json, Some(&summary));
    ExitCode::from(if exit == Exit::Halt {
        EXIT_HALT
    } else {
        EXIT_OTHER
    })
}

fn check_memory(path: &Path) -> ExitCode {
    let trace = match std::fs::File::open(path) {
        Ok(file) => match read_trace(file) {
            Ok(trace) => trace,
            Err(e) => return bad_input(format!("{}: {e}", path.display())),
        },
        Err(e) => return bad_input(format!("cannot read {}: {e}", path.display())),
    };
    match machine::check::check(&trace.records) {
        Ok(()) => {
            println!("{} records, consistent", trace.records.len());
            ExitCode::SUCCESS
        }
        Err(violation) => {
            println!(
                "{} records, inconsistent: {violation} ({:?})",
                trace.records.len(),
                violation.kind()
            );
            ExitCode::from(EXIT_OTHER)
        }
    }
}

fn status(exit: Exit) -> &'static str {
    match exit {
        Exit::Halt => "halt",
        Exit::Panic => "panic",
        Exit::OutOfGas => "out-of-gas",
        Exit::PageFault { .. } => "page-fault",
        Exit::HostCall { .. } => "host-call",
    }
}

fn report<T: Tracer>(vm: &Instance<T>, exit: Exit, initial_gas: u64, json: bool) {
    report_with(vm, exit, initial_gas, json, None);
}

fn report_with<T: Tracer>(
    vm: &Instance<T>,
    exit: Exit,
    initial_gas: u64,
    json: bool,
    trace: Option<&TraceSummary>,
) {
    let gas_used = initial_gas.saturating_sub(vm.gas());
    if json {
        let mut object = serde_json::json!({
            "status": status(exit),
            "pc": vm.pc(),
            "gas_used": gas_used,
            "gas_left": vm.gas(),
            "regs": vm.regs(),
        });
        match exit {
            Exit::PageFault { address } => object["page_fault_address"] = address.into(),
            Exit::HostCall { id } => object["host_call"] = id.into(),
            _ => {}
        }
        if let Some(trace) = trace {
            object["memory_trace"] = serde_json::json!({
                "file": trace.file.display().to_string(),
                "records": trace.records,
                "memory_records": trace.memory_records,
                "register_records": trace.register_records,
            });
        }
        println!("{object}");
        return;
    }
    let detail = match exit {
        Exit::PageFault { address } => format!(" at address {address:#x}"),
        Exit::HostCall { id } => format!(" {id}"),
        _ => String::new(),
    };
    println!("exit: {}{detail}", status(exit));
    println!("pc: {}", vm.pc());
    println!("gas used: {gas_used} (left {})", vm.gas());
    for (i, value) in vm.regs().iter().enumerate() {
        println!("r{i:<2} = {value:#018x} ({value})");
    }
}

fn disasm(file: PathBuf, format: Format, gp: GpVersion) -> ExitCode {
    // Nothing runs: the interpreter, which compiles nothing (the default engine would
    // compile the program, and refuse one beyond the recompiler's limits).
    let request = RunRequest {
        version: gp,
        engine: Some(Engine::Interpreter),
        ..RunRequest::default()
    };
    match load(&file, format, &request) {
        Ok(vm) => {
            print!("{}", pvm::disasm::listing(vm.program()));
            ExitCode::SUCCESS
        }
        Err(e) => bad_input(e),
    }
}

fn emit_cases(paths: &[PathBuf], gp: GpVersion, file: &Path) -> ExitCode {
    let cases = if paths.is_empty() {
        all_cases()
    } else {
        cases_under(paths, gp)
    };
    let cases = match cases {
        Ok(cases) => cases,
        Err(e) => return bad_input(e),
    };
    if let Err(e) = std::fs::write(file, write_cases(&cases)) {
        return bad_input(format!("cannot write {}: {e}", file.display()));
    }
    println!("{} cases written to {}", cases.len(), file.display());
    ExitCode::SUCCESS
}

fn test_vectors(paths: &[PathBuf], gp: GpVersion, engine: Engine) -> ExitCode {
    let summary = match pvm_testkit::run::run_all_on(paths, gp, engine) {
        Ok(summary) => summary,
        Err(e) => return bad_input(e),
    };
    for (file, errors) in &summary.failed {
        println!("FAIL {}", file.display());
        for error in errors {
            println!("    {error}");
        }
    }
    println!("{} passed, {} failed", summary.passed, summary.failed.len());
    if summary.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_OTHER)
    }
}
