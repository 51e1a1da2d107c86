//! The start-up report (Markdown): the programs, cold starts per step, warm starts, peak
//! RSS, and the goals checked against the numbers.

use std::fmt::Write as _;
use std::time::Duration;

use super::{ProgramResult, FIRST_CALL_GAS};
use crate::report::geometric_mean;

/// What the start-up run measured.
pub struct StartupReport<'a> {
    /// Machine, date, commit: one bullet each.
    pub context: Vec<String>,
    /// Rounds per program.
    pub runs: usize,
    /// Why PolkaVM's recompiler is missing, if it is.
    pub recompiler_note: Option<String>,
    /// Per program.
    pub programs: &'a [ProgramResult],
}

/// The interpreter's report name: the reference of every ratio.
const REFERENCE: &str = "PolkaVM interpreter";

/// Renders the report.
pub fn render(report: &StartupReport<'_>) -> String {
    let mut out = String::from("# pvm start-up benchmark: pvm and PolkaVM 0.37\n\n");
    for line in &report.context {
        let _ = writeln!(out, "- {line}");
    }
    let _ = writeln!(
        out,
        "- each time: the median of {} rounds, round-robin over the engines, after one untimed start each; \
         first call: the program's export with {FIRST_CALL_GAS} gas, to its exit (out of gas counts); \
         gas metering on, full cost model (`CacheModel::L2Hit`); PolkaVM module caching off",
        report.runs
    );
    if let Some(note) = &report.recompiler_note {
        let _ = writeln!(out, "- PolkaVM recompiler: unavailable here ({note})");
    }
    out.push('\n');
    programs_table(&mut out, report.programs);
    cold_table(&mut out, report.programs);
    warm_table(&mut out, report.programs);
    goals(&mut out, report.programs);
    checks(&mut out, report.programs);
    out
}

fn programs_table(out: &mut String, programs: &[ProgramResult]) {
    out.push_str("## Programs\n\n");
    out.push_str(
        "| program | blob | code | RO+RW data | jump table | blocks | blocks prepared by the first call | exports | first call | ends (pvm) |\n\
         |---|--:|--:|--:|--:|--:|--:|--:|---|---|\n",
    );
    for result in programs {
        let p = &result.program;
        let end = result
            .engines
            .first()
            .and_then(|e| e.cold.as_ref().ok())
            .map_or("–".to_string(), |c| {
                format!("{}, {} gas left", c.end, c.gas_left)
            });
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | `{}` | {end} |",
            p.name,
            bytes(p.blob.len()),
            bytes(p.code_bytes),
            bytes(p.data_bytes),
            p.jump_table_len,
            optional(result.blocks),
            optional(result.prepared_blocks),
            p.exports.len(),
            p.call(),
        );
    }
    out.push('\n');
}

fn cold_table(out: &mut String, programs: &[ProgramResult]) {
    out.push_str(
        "## Cold start: from the program's bytes to the end of the first call\n\n\
         parse: pvm `Container::parse`, PolkaVM `ProgramBlob::parse` (of a copy of the bytes); \
         prepare: pvm `Module::from_container` (validation, block starts; blocks prepared on first entry), \
         PolkaVM `Module::from_blob` (interpreter: validation, blocks compiled on first entry; recompiler: \
         the whole program to machine code); instantiate: from that module; total: the median of the \
         per-round sums; **vs interp.**: PolkaVM interpreter's total ÷ the engine's (> 1: faster). \
         Peak RSS: one cold start in a child process (PolkaVM recompiler: + its sandbox workers), \
         and what it adds to a child that only reads the blob.\n\n",
    );
    out.push_str(
        "| program | engine | parse | prepare | instantiate | first call | **total** | **vs interp.** | peak RSS | above baseline |\n\
         |---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for result in programs {
        let reference = total_of(result, |e| e.cold.as_ref().ok().map(|c| c.total));
        for engine in &result.engines {
            let peak = match &engine.peak {
                Ok((total, above)) => format!("{} | {}", mib(*total), mib(*above)),
                Err(e) => format!("– | {}", cell(e)),
            };
            match &engine.cold {
                Ok(c) => {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {} | {} | **{}** | {} | {peak} |",
                        result.program.name,
                        engine.engine,
                        time(c.parse),
                        time(c.prepare),
                        time(c.instantiate),
                        time(c.call),
                        time(c.total),
                        speedup(reference, Some(c.total)),
                    );
                }
                Err(e) => {
                    let _ = writeln!(
                        out,
                        "| {} | {} | failed: {} | | | | | | {peak} |",
                        result.program.name,
                        engine.engine,
                        cell(e)
                    );
                }
            }
        }
    }
    geomeans(out, programs, |e| e.cold.as_ref().ok().map(|c| c.total), 10);
    out.push('\n');
}

fn warm_table(out: &mut String, programs: &[ProgramResult]) {
    out.push_str(
        "## Warm start: instantiate + first call from an already loaded program (what a program cache gives)\n\n",
    );
    out.push_str(
        "| program | engine | instantiate | first call | **total** | **vs interp.** |\n\
         |---|---|--:|--:|--:|--:|\n",
    );
    for result in programs {
        let reference = total_of(result, |e| e.warm.as_ref().ok().map(|w| w.total));
        for engine in &result.engines {
            match &engine.warm {
                Ok(w) => {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | **{}** | {} |",
                        result.program.name,
                        engine.engine,
                        time(w.instantiate),
                        time(w.call),
                        time(w.total),
                        speedup(reference, Some(w.total)),
                    );
                }
                Err(e) => {
                    let _ = writeln!(
                        out,
                        "| {} | {} | failed: {} | | | |",
                        result.program.name,
                        engine.engine,
                        cell(e)
                    );
                }
            }
        }
    }
    geomeans(out, programs, |e| e.warm.as_ref().ok().map(|w| w.total), 6);
    out.push('\n');
}

/// A geometric-mean row per engine of `reference total ÷ engine total`, in a table of
/// `columns` columns (the ratio in the fourth from the right for cold, the last for warm).
fn geomeans(
    out: &mut String,
    programs: &[ProgramResult],
    total: impl Fn(&super::EngineResult) -> Option<Duration>,
    columns: usize,
) {
    let names: Vec<&str> = programs
        .first()
        .map(|p| p.engines.iter().map(|e| e.engine).collect())
        .unwrap_or_default();
    for name in names {
        let ratios: Vec<f64> = programs
            .iter()
            .filter_map(|p| {
                let reference = total_of(p, &total)?;
                let engine = p.engines.iter().find(|e| e.engine == name)?;
                ratio(Some(reference), total(engine))
            })
            .collect();
        let Some(mean) = geometric_mean(&ratios) else {
            continue;
        };
        let empty_after = if columns == 10 { 2 } else { 0 };
        let empty_before = columns - 3 - empty_after;
        let _ = writeln!(
            out,
            "| **geometric mean** | {name} |{} **{mean:.2}×** |{}",
            " |".repeat(empty_before),
            " |".repeat(empty_after)
        );
    }
}

fn goals(out: &mut String, programs: &[ProgramResult]) {
    out.push_str("## Goals (issue 17)\n\n");
    fn ours(p: &ProgramResult) -> Option<&super::EngineResult> {
        p.engines.iter().find(|e| e.engine == "pvm")
    }
    let mut slower = Vec::new();
    let mut below_double = Vec::new();
    let mut slow_instantiate = Vec::new();
    let mut worst_instantiate: Option<(Duration, &str)> = None;
    for p in programs {
        let reference = total_of(p, |e| e.cold.as_ref().ok().map(|c| c.total));
        let Some(engine) = ours(p) else { continue };
        if let (Some(reference), Ok(c)) = (reference, &engine.cold) {
            let text = format!(
                "{} ({:.2}×)",
                p.program.name,
                ratio(Some(reference), Some(c.total)).unwrap_or(0.0)
            );
            if c.total > reference {
                slower.push(text.clone());
            }
            if c.total * 2 > reference {
                below_double.push(text);
            }
        }
        if let Ok(w) = &engine.warm {
            if w.instantiate > Duration::from_micros(5) {
                slow_instantiate.push(format!("{} ({})", p.program.name, time(w.instantiate)));
            }
            if worst_instantiate.is_none_or(|(t, _)| w.instantiate > t) {
                worst_instantiate = Some((w.instantiate, &p.program.name));
            }
        }
    }
    let _ = writeln!(
        out,
        "- cold start ≤ PolkaVM's interpreter on every program: {}",
        if slower.is_empty() {
            "yes".to_string()
        } else {
            format!("**no**, slower on {}", slower.join(", "))
        }
    );
    let _ = writeln!(
        out,
        "- aim 2× faster: {}",
        if below_double.is_empty() {
            "yes, on every program".to_string()
        } else {
            format!("not on {}", below_double.join(", "))
        }
    );
    if let Some((t, name)) = worst_instantiate {
        let verdict = if slow_instantiate.is_empty() {
            format!("yes (largest median: {} on {name})", time(t))
        } else {
            format!("**no** on {}", slow_instantiate.join(", "))
        };
        let _ = writeln!(out, "- instantiate from a loaded program ≤ 5 µs: {verdict}");
    }
    if let Some(largest) = programs.iter().max_by_key(|p| p.program.blob.len()) {
        if let Some(Ok(c)) = ours(largest).map(|e| &e.cold) {
            let verdict = if c.total <= Duration::from_millis(5) {
                "yes"
            } else {
                "**no**"
            };
            let _ = writeln!(
                out,
                "- a large program started in ≤ 5 ms: {verdict} ({}, {}: {})",
                largest.program.name,
                bytes(largest.program.blob.len()),
                time(c.total)
            );
        }
    }
    out.push('\n');
}

fn checks(out: &mut String, programs: &[ProgramResult]) {
    let failures: Vec<String> = programs
        .iter()
        .flat_map(|p| {
            p.failures
                .iter()
                .map(move |f| format!("{}: {f}", p.program.name))
        })
        .collect();
    if failures.is_empty() {
        out.push_str(
            "Checks: all passed (every engine's first call ends the same way on every program).\n",
        );
    } else {
        out.push_str("Checks: **failed**\n\n");
        for failure in failures {
            let _ = writeln!(out, "- {}", cell(&failure));
        }
    }
}

/// The reference engine's value on `program`.
fn total_of(
    program: &ProgramResult,
    total: impl Fn(&super::EngineResult) -> Option<Duration>,
) -> Option<Duration> {
    program
        .engines
        .iter()
        .find(|e| e.engine == REFERENCE)
        .and_then(total)
}

fn ratio(numerator: Option<Duration>, denominator: Option<Duration>) -> Option<f64> {
    let (n, d) = (numerator?.as_secs_f64(), denominator?.as_secs_f64());
    (d > 0.0).then(|| n / d)
}

fn speedup(reference: Option<Duration>, engine: Option<Duration>) -> String {
    ratio(reference, engine).map_or("–".to_string(), |r| format!("**{r:.2}×**"))
}

/// µs below 1 ms, ms above.
fn time(t: Duration) -> String {
    let us = t.as_secs_f64() * 1e6;
    match us {
        u if u < 10.0 => format!("{u:.2} µs"),
        u if u < 1000.0 => format!("{u:.1} µs"),
        u if u < 10_000.0 => format!("{:.3} ms", u / 1e3),
        u => format!("{:.2} ms", u / 1e3),
    }
}

fn bytes(n: usize) -> String {
    match n {
        n if n < 10 * 1024 => format!("{n} B"),
        n if n < 1024 * 1024 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{:.2} MiB", n as f64 / (1024.0 * 1024.0)),
    }
}

fn optional(n: Option<usize>) -> String {
    n.map_or("–".to_string(), |n| n.to_string())
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting() {
        assert_eq!(time(Duration::from_nanos(1500)), "1.50 µs");
        assert_eq!(time(Duration::from_micros(250)), "250.0 µs");
        assert_eq!(time(Duration::from_micros(2500)), "2.500 ms");
        assert_eq!(time(Duration::from_millis(25)), "25.00 ms");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(36 * 1024), "36.0 KiB");
        assert_eq!(bytes(3 * 1024 * 1024 / 2), "1.50 MiB");
        assert_eq!(
            speedup(
                Some(Duration::from_micros(30)),
                Some(Duration::from_micros(10))
            ),
            "**3.00×**"
        );
        assert_eq!(speedup(None, Some(Duration::from_micros(10))), "–");
    }
}
