//! `m3d`: run, disassemble and assemble Memory3D bytecode.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use machine::{Traced, Tracer, VecTracer};
use memory3d::{isa, Vm3D, VmConfig};

#[derive(Parser)]
#[command(
    name = "m3d",
    about = "Memory3D bytecode runner, disassembler and assembler"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a program given as hex or as a file (raw bytes, or hex text).
    Run {
        /// Hex string or path.
        program: String,
        /// Gas limit.
        #[arg(long, default_value_t = VmConfig::default().gas_limit)]
        gas: u64,
        /// Instruction limit.
        #[arg(long = "max-instructions", default_value_t = VmConfig::default().max_instructions)]
        max_instructions: u64,
        /// Maintain the Merkle tree and report its root.
        #[arg(long)]
        proofs: bool,
        /// Initial register value, `I=HEX` (repeatable).
        #[arg(long = "reg", value_name = "I=HEX")]
        regs: Vec<String>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// Write the run's memory trace (registers and memory as word cells, initial
        /// registers as writes first) to FILE in the `machine::format` binary format.
        #[arg(long = "memory-trace", value_name = "FILE")]
        memory_trace: Option<String>,
    },
    /// Disassemble a program (hex or file).
    Disasm {
        /// Hex string or path.
        program: String,
    },
    /// Assemble a source file (`-` for stdin) and print the hex.
    Asm {
        /// Path or `-`.
        source: String,
    },
}

fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let s = s.strip_prefix("0x").unwrap_or(&s);
    if s.len() % 2 != 0 {
        return Err("odd number of hex digits".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&s[i..i + 2], 16).map_err(|_| format!("bad hex `{}`", &s[i..i + 2]))
        })
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn load_program(arg: &str) -> Result<Vec<u8>, String> {
    match std::fs::read(arg) {
        Ok(bytes) => match std::str::from_utf8(&bytes).ok().map(parse_hex) {
            Some(Ok(p)) => Ok(p),
            _ => Ok(bytes),
        },
        Err(_) => parse_hex(arg),
    }
}

/// Writes the trace of `vm` to `path`; returns the record count.
fn write_trace(vm: &mut Vm3D<VecTracer>, path: &str) -> Result<usize, String> {
    let trace = machine::Trace {
        spaces: memory3d::trace::spaces(),
        records: vm.tracer_mut().take_records(),
    };
    std::fs::File::create(path)
        .map(std::io::BufWriter::new)
        .and_then(|f| machine::write_trace(f, &trace))
        .map_err(|e| format!("{path}: {e}"))?;
    Ok(trace.records.len())
}

fn run(
    program: &str,
    config: VmConfig,
    regs: &[String],
    json: bool,
    memory_trace: Option<&str>,
) -> Result<ExitCode, String> {
    let program = load_program(program)?;
    match memory_trace {
        None => {
            let vm = Vm3D::new(config).map_err(|e| e.to_string())?;
            run_on(vm, &program, regs, json, |_| Ok(()))
        }
        Some(path) => {
            let vm = Vm3D::with_tracer(config, VecTracer::new()).map_err(|e| e.to_string())?;
            run_on(vm, &program, regs, json, |vm| {
                let n = write_trace(vm, path)?;
                eprintln!("m3d: wrote {n} trace records to {path}");
                Ok(())
            })
        }
    }
}

fn run_on<T: Tracer>(
    mut vm: Vm3D<T>,
    program: &[u8],
    regs: &[String],
    json: bool,
    finish: impl FnOnce(&mut Vm3D<T>) -> Result<(), String>,
) -> Result<ExitCode, String> {
    for r in regs {
        let (i, v) = r
            .split_once('=')
            .ok_or_else(|| format!("--reg `{r}`: expected I=HEX"))?;
        let i: usize = i
            .parse()
            .ok()
            .filter(|i| *i < 16)
            .ok_or_else(|| format!("--reg `{r}`: register 0-15"))?;
        vm.set_register(i, parse_hex(v)?);
    }
    let result = vm.execute(program);
    finish(&mut vm)?;
    let stats = vm.stats();
    let root = vm.merkle_root().map(|r| hex(&r));
    if json {
        let obj = serde_json::json!({
            "error": result.as_ref().err().map(|e| e.to_string()),
            "gas_used": vm.gas_used(),
            "instructions": stats.instructions_executed,
            "regs": (0..16).map(|i| hex(vm.register(i))).collect::<Vec<_>>(),
            "root": root,
        });
        println!("{obj}");
        return Ok(ExitCode::SUCCESS);
    }
    match &result {
        Ok(()) => println!("ok"),
        Err(e) => println!("error: {e}"),
    }
    println!("gas_used: {}", vm.gas_used());
    println!("instructions: {}", stats.instructions_executed);
    for i in 0..16 {
        if !vm.register(i).is_empty() {
            println!("r{i}: {}", hex(vm.register(i)));
        }
    }
    if let Some(r) = root {
        println!("root: {r}");
    }
    Ok(if result.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let r = match cli.cmd {
        Cmd::Run {
            program,
            gas,
            max_instructions,
            proofs,
            regs,
            json,
            memory_trace,
        } => {
            let config = VmConfig {
                gas_limit: gas,
                max_instructions,
                enable_proof: proofs,
                ..VmConfig::default()
            };
            run(&program, config, &regs, json, memory_trace.as_deref())
        }
        Cmd::Disasm { program } => load_program(&program).map(|p| {
            print!("{}", isa::disassemble(&p));
            ExitCode::SUCCESS
        }),
        Cmd::Asm { source } => {
            let text = if source == "-" {
                std::io::read_to_string(std::io::stdin()).map_err(|e| e.to_string())
            } else {
                std::fs::read_to_string(&source).map_err(|e| format!("{source}: {e}"))
            };
            text.and_then(|t| isa::assemble(&t).map_err(|e| e.to_string()))
                .map(|b| {
                    println!("{}", hex(&b));
                    ExitCode::SUCCESS
                })
        }
    };
    r.unwrap_or_else(|e| {
        eprintln!("m3d: {e}");
        ExitCode::from(2)
    })
}
