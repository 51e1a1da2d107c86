//! `pvm`: run, trace and disassemble PVM programs, and run conformance vectors.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use pvm::trace::TraceWriter;
use pvm::{Exit, GpVersion, Instance};
use pvm_cli::load::{load, Format, RunRequest};
use pvm_cli::vectors;

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
    Run(RunArgs),
    /// Run a program printing one line per executed instruction.
    Trace(RunArgs),
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
        /// Vector files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Gray Paper version (0.7 for the w3f-v0.4 set).
        #[arg(long, default_value = "0.8", value_parser = parse_version)]
        gp: GpVersion,
    },
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
    match text {
        "0.8" | "0.8.0" => Ok(GpVersion::V0_8),
        "0.7" | "0.7.2" => Ok(GpVersion::V0_7),
        _ => Err(format!(
            "unknown Gray Paper version `{text}` (use 0.7 or 0.8)"
        )),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run(&args, false),
        Command::Trace(args) => run(&args, true),
        Command::Disasm { file, format, gp } => disasm(file, format, gp),
        Command::TestVectors { paths, gp } => test_vectors(&paths, gp),
    }
}

fn bad_input(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_BAD_INPUT)
}

fn prepare(args: &RunArgs) -> Result<Instance, ExitCode> {
    let request = RunRequest {
        export: args.export.clone(),
        entry: args.entry,
        args: args.args.clone(),
        gas: args.gas,
        version: args.gp,
    };
    load(&args.file, args.format, &request).map_err(bad_input)
}

fn run(args: &RunArgs, trace: bool) -> ExitCode {
    let mut vm = match prepare(args) {
        Ok(vm) => vm,
        Err(code) => return code,
    };
    let initial_gas = vm.gas();
    let exit = if trace {
        let program = vm.program().clone();
        let mut tracer = TraceWriter::new(&program, std::io::stdout().lock());
        let exit = vm.run_observed(&mut tracer);
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

fn status(exit: Exit) -> &'static str {
    match exit {
        Exit::Halt => "halt",
        Exit::Panic => "panic",
        Exit::OutOfGas => "out-of-gas",
        Exit::PageFault { .. } => "page-fault",
        Exit::HostCall { .. } => "host-call",
    }
}

fn report(vm: &Instance, exit: Exit, initial_gas: u64, json: bool) {
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
    let request = RunRequest {
        version: gp,
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

fn test_vectors(paths: &[PathBuf], gp: GpVersion) -> ExitCode {
    let summary = match vectors::run_all(paths, gp) {
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
