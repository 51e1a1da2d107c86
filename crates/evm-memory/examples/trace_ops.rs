//! Runs a seeded stream of EVM memory ops on a traced `Memory`, checks the trace and writes
//! it as a `.mtrace` file (`machine::format`).
//!
//! ```sh
//! cargo run -p evm-memory --example trace_ops -- --seed 1 --ops 2000 -o evm.mtrace
//! ```
//!
//! Options: `--seed N` (default 1), `--ops N` (default 2000), `--max-offset N` (default
//! 4096: offsets below it), `--max-len N` (default 96: copy and range-read lengths
//! 1..=N), `-o FILE` (default: no file, just the summary). The ops are MLOAD, MSTORE,
//! MSTORE8, MCOPY, CALLDATACOPY-style copies, KECCAK/RETURN-style range reads, MSIZE and
//! calls/returns up to depth 8 (`gen_tame_ops` of the test support), all with enough gas.

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::ExitCode;

use evm_memory::{Memory, DEFAULT_LIMIT, MEMORY_SPACE};
use machine::format::{write_trace, SpaceInfo, Trace};
use machine::{Op, Traced, VecTracer};

struct Args {
    seed: u64,
    ops: usize,
    max_offset: u64,
    max_len: u64,
    out: Option<String>,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        seed: 1,
        ops: 2000,
        max_offset: 4096,
        max_len: 96,
        out: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let num = |v: String| v.parse::<u64>().map_err(|e| format!("{flag} {v}: {e}"));
        match flag.as_str() {
            "--seed" => a.seed = num(value()?)?,
            "--ops" => a.ops = num(value()?)? as usize,
            "--max-offset" => a.max_offset = num(value()?)?.max(1),
            "--max-len" => a.max_len = num(value()?)?.max(1),
            "-o" | "--output" => a.out = Some(value()?),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("trace_ops: {e}");
            return ExitCode::from(2);
        }
    };
    let ops = support::gen_tame_ops(
        &mut support::Rng::new(args.seed),
        args.ops,
        args.max_offset,
        args.max_len,
    );
    let mut mem = Memory::with_tracer(DEFAULT_LIMIT, VecTracer::new()).expect("reserve");
    let mut outcomes = Vec::new();
    support::run_ours(&mut mem, 30_000_000, &ops, &mut outcomes);
    let records = mem.tracer_mut().take_records();
    let reads = records.iter().filter(|r| r.op == Op::Read).count();
    println!(
        "{} ops ({} ran), {} records ({} reads, {} writes)",
        ops.len(),
        outcomes.len(),
        records.len(),
        reads,
        records.len() - reads
    );
    let verdict = machine::check(&records);
    match &verdict {
        Ok(()) => println!("check: consistent"),
        Err(v) => println!("check: {v}"),
    }
    if let Some(path) = &args.out {
        let trace = Trace {
            spaces: vec![SpaceInfo {
                space: MEMORY_SPACE,
                name: "evm-memory".into(),
            }],
            records,
        };
        let written = std::fs::File::create(path)
            .map(std::io::BufWriter::new)
            .and_then(|f| write_trace(f, &trace));
        if let Err(e) = written {
            eprintln!("trace_ops: {path}: {e}");
            return ExitCode::from(2);
        }
        println!("wrote {path}");
    }
    if verdict.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
