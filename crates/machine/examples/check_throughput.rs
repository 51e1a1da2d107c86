//! Throughput of the checker, the replay oracle and the trace format.
//!
//! `cargo run --release -p machine --example check_throughput -- [RECORDS]` (default 10^7)
//! builds two consistent traces of RECORDS records — `random` ([`random_trace`]: full-range
//! addresses and values, four spaces) and `interpreter-like` (13 registers and a 1 MiB
//! memory, mostly small values) — and prints records/s for `check`, `replay`,
//! `write_trace` and `read_trace`, and the file size in bytes per record.

use std::time::Instant;

use machine::format::{read_trace, write_trace, SpaceInfo, Trace};
use machine::replay::replay;
use machine::testing::{random_trace, Rng, RANDOM_SPACES};
use machine::{check, Op, Record, Space};

/// A trace shaped like an interpreter's: register reads and writes, word accesses in a
/// 1 MiB region with locality, times +1.
fn interpreter_like(seed: u64, len: usize) -> Vec<Record> {
    let mut rng = Rng::new(seed);
    let mut registers = [0u64; 13];
    let mut memory = vec![0u64; 1 << 17];
    let mut cursor = 0usize;
    (0..len as u64)
        .map(|time| {
            let (space, address, slot) = if rng.percent(60) {
                let r = rng.below(13) as usize;
                (Space(0), r as u64, &mut registers[r])
            } else {
                cursor = if rng.percent(80) {
                    (cursor + 1) % memory.len()
                } else {
                    rng.below(memory.len() as u64) as usize
                };
                (Space(1), 0x2_0000 + 8 * cursor as u64, &mut memory[cursor])
            };
            let op = if rng.percent(40) { Op::Write } else { Op::Read };
            if op == Op::Write {
                *slot = if rng.percent(80) {
                    rng.below(1 << 16)
                } else {
                    rng.next_u64()
                };
            }
            Record {
                time,
                space,
                address,
                op,
                value: *slot,
            }
        })
        .collect()
}

/// Nanoseconds this thread has spent on a CPU (Linux), so that numbers stay meaningful
/// on a machine shared with other work; `None` elsewhere.
fn cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// Runs `f`, printing records/s by CPU time and by wall-clock time.
fn timed<T>(what: &str, len: usize, f: impl FnOnce() -> T) -> T {
    let (cpu, wall) = (cpu_ns(), Instant::now());
    let result = f();
    let wall = wall.elapsed().as_secs_f64();
    let cpu = cpu.zip(cpu_ns()).map(|(a, b)| (b - a) as f64 / 1e9);
    let rate = |s: f64| len as f64 / s / 1e6;
    match cpu {
        Some(cpu) => println!(
            "  {what:<7} {:6.1} M records/s on cpu ({cpu:.3} s cpu, {wall:.3} s wall: {:.1} M/s)",
            rate(cpu),
            rate(wall)
        ),
        None => println!(
            "  {what:<7} {:6.1} M records/s ({wall:.3} s wall)",
            rate(wall)
        ),
    }
    result
}

fn measure(name: &str, records: Vec<Record>, spaces: &[Space]) {
    let len = records.len();
    println!("{name} trace, {len} records:");
    let checked = timed("check", len, || check(&records));
    let replayed = timed("replay", len, || replay(&records));
    assert_eq!(checked, Ok(()));
    assert_eq!(replayed, Ok(()));

    let trace = Trace {
        spaces: spaces
            .iter()
            .map(|&space| SpaceInfo {
                space,
                name: format!("space {}", space.0),
            })
            .collect(),
        records,
    };
    let mut bytes = Vec::new();
    timed("write", len, || write_trace(&mut bytes, &trace)).expect("writing to memory");
    let back = timed("read", len, || read_trace(&bytes[..])).expect("reading back");
    assert!(back == trace);
    println!(
        "  file    {} bytes, {:.2} bytes/record (in memory: {} bytes/record)",
        bytes.len(),
        bytes.len() as f64 / len.max(1) as f64,
        std::mem::size_of::<Record>()
    );
}

fn main() {
    let len: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("RECORDS must be a number"))
        .unwrap_or(10_000_000);
    let start = Instant::now();
    let random = random_trace(1, len);
    println!(
        "(generated the random trace in {:.2} s)",
        start.elapsed().as_secs_f64()
    );
    measure("random", random, &RANDOM_SPACES);
    measure(
        "interpreter-like",
        interpreter_like(2, len),
        &[Space(0), Space(1)],
    );
}
