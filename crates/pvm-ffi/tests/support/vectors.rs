//! Writes the test kit's normalised conformance cases (`pvm_testkit::case`) in the line
//! format `tests/c/pvm_test.c` reads (see the comment above `run_vectors` there): the C
//! side's glue, since C has no JSON reader. The GP 0.8 cases run through the C API.

use std::fmt::Write;

use engine::format::RawBlob;
use engine::GpVersion;
use pvm_testkit::case::{all_cases, Case, Step};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The expected non-zero bytes as `(address, bytes)` chunks, runs less than a page apart
/// joined (with their zeros) so that a case never needs more chunks than `pvm_test.c`
/// holds (256).
fn chunks(memory: &std::collections::BTreeMap<u32, u8>) -> Vec<(u32, Vec<u8>)> {
    let mut out: Vec<(u32, Vec<u8>)> = Vec::new();
    for (&address, &byte) in memory {
        match out.last_mut() {
            Some((start, data)) if address - *start - (data.len() as u32) < 4096 => {
                data.resize((address - *start) as usize, 0);
                data.push(byte);
            }
            _ => out.push((address, vec![byte])),
        }
    }
    out
}

/// Converts one case; `parts` selects `pvm_create` with code/bitmask/jump table instead of
/// `pvm_create_from_blob`.
pub fn convert(case: &Case, parts: bool) -> Result<String, String> {
    let name = &case.name;
    let blob = RawBlob::parse(&case.program).map_err(|e| format!("{name}: {e}"))?;
    let mut out = String::new();
    let _ = writeln!(out, "vector {name}");
    let _ = writeln!(out, "blob {} {}", case.program.len(), hex(&case.program));
    let _ = writeln!(out, "code {} {}", blob.code.len(), hex(&blob.code));
    let _ = writeln!(out, "bitmask {} {}", blob.bitmask.len(), hex(&blob.bitmask));
    let jumps: Vec<String> = blob.jump_table.iter().map(u32::to_string).collect();
    let _ = writeln!(out, "jumps {} {}", jumps.len(), jumps.join(" "));
    let _ = writeln!(out, "gas {}", case.initial_gas);
    let _ = writeln!(out, "pc {}", case.initial_pc);
    let _ = writeln!(out, "create {}", if parts { "parts" } else { "blob" });
    for step in &case.steps {
        match step {
            Step::Map {
                address,
                length,
                writable,
            } => {
                let _ = writeln!(out, "map {address} {length} {}", u8::from(*writable));
            }
            Step::Write { address, data } => {
                let _ = writeln!(out, "write {address} {} {}", data.len(), hex(data));
            }
            Step::SetReg { reg, value } => {
                let _ = writeln!(out, "setreg {reg} {value}");
            }
            Step::Run => out.push_str("run\n"),
            Step::Assert(expected) => {
                let regs: Vec<String> = expected.regs.iter().map(u64::to_string).collect();
                let extra = expected
                    .page_fault_address
                    .or(expected.host_call)
                    .unwrap_or(0);
                let _ = writeln!(
                    out,
                    "assert {} {} {} {} {extra}",
                    expected.status,
                    expected.gas,
                    expected.pc,
                    regs.join(" ")
                );
                for (address, data) in chunks(&expected.memory) {
                    let _ = writeln!(out, "mem {address} {} {}", data.len(), hex(&data));
                }
                out.push_str("check\n");
            }
        }
    }
    out.push_str("end\n");
    Ok(out)
}

/// Converts every GP 0.8 case (the main suite, 364), alternating the two creation paths.
pub fn convert_all() -> Result<String, String> {
    let cases: Vec<Case> = all_cases()?
        .into_iter()
        .filter(|c| c.version == GpVersion::V0_8)
        .collect();
    let mut out = String::new();
    for (index, case) in cases.iter().enumerate() {
        out.push_str(&convert(case, index % 2 == 1)?);
    }
    Ok(out)
}
