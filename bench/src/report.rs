//! The Markdown report.

use std::fmt::Write as _;
use std::time::Duration;

use crate::child::ChildEngine;
use crate::error::BenchError;
use crate::load_time::LoadTime;
use crate::measure::Measured;
use crate::process::ProcessSection;
use crate::rss::PeakRss;
use crate::verify::CaseResults;

/// Everything one benchmark run measured.
pub struct Report {
    /// Machine, date, commit, settings: one bullet each.
    pub context: Vec<String>,
    /// Per case, with its failed checks.
    pub cases: Vec<(CaseResults, Vec<String>)>,
    /// Load time of the largest program, if measured.
    pub load: Option<LoadSection>,
    /// Peak memory on the largest program, if measured.
    pub memory: Option<MemorySection>,
    /// Whole-process times, if measured.
    pub process: Option<ProcessSection>,
    /// Whether pvm's recompiler was measured (`--engine`).
    pub recompiler: bool,
}

/// Load times of one program on each engine.
pub struct LoadSection {
    /// Program name.
    pub program: String,
    /// Blob size in bytes.
    pub blob_bytes: usize,
    /// Repetitions per step (the best is shown).
    pub runs: usize,
    /// `(engine, load time or why not)`.
    pub engines: Vec<(&'static str, Result<LoadTime, BenchError>)>,
}

/// Peak memory of one program's bench case on each engine.
pub struct MemorySection {
    /// The call, e.g. `zlib_deflate(1048576)`.
    pub call: String,
    /// Program name.
    pub program: String,
    /// Per child process.
    pub engines: Vec<(ChildEngine, Result<PeakRss, BenchError>)>,
}

/// Renders the report as Markdown.
pub fn render(report: &Report) -> String {
    let mut out =
        String::from("# pvm benchmark: the guest corpus on pvm, PolkaVM 0.37 and native\n\n");
    for line in &report.context {
        let _ = writeln!(out, "- {line}");
    }
    out.push('\n');
    execution_table(&mut out, &report.cases);
    if report.recompiler {
        recompiler_table(&mut out, &report.cases);
    }
    if let Some(process) = &report.process {
        process_table(&mut out, process);
    }
    // Counted on pvm's interpreter: none under `--engine recompiler`.
    if report.cases.iter().any(|(r, _)| r.instructions.is_some()) {
        instruction_table(&mut out, &report.cases);
    }
    first_call_table(&mut out, &report.cases);
    if let Some(load) = &report.load {
        load_table(&mut out, load);
    }
    if let Some(memory) = &report.memory {
        memory_table(&mut out, memory);
    }
    let line = |case: &crate::corpus::Case, failure: &str| {
        format!(
            "- {} {}({}): {failure}",
            case.program, case.export, case.arg
        )
    };
    let mut failed: Vec<String> = report
        .cases
        .iter()
        .flat_map(|(results, failures)| failures.iter().map(|f| line(&results.case, f)))
        .collect();
    if let Some(process) = &report.process {
        failed.extend(
            process
                .failures()
                .into_iter()
                .map(|(case, failure)| line(case, &failure)),
        );
    }
    out.push_str("## Checks\n\n");
    if failed.is_empty() {
        out.push_str(
            "All passed: every engine returned the native checksum of `guests/expected.txt` on every call, \
             and pvm used exactly the gas of PolkaVM's interpreter (and recompiler, and `guests/expected-gas.txt`).\n",
        );
    } else {
        let _ = writeln!(out, "**{} FAILED:**\n", failed.len());
        for line in failed {
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

fn execution_table(out: &mut String, cases: &[(CaseResults, Vec<String>)]) {
    out.push_str("## Execution time (best call)\n\n");
    out.push_str(
        "| program | a0 | gas | native | pvm | PolkaVM interp. | PolkaVM recomp. | pvm Mgas/s | PolkaVM interp. Mgas/s \
         | **speedup** vs PolkaVM interp. | pvm / native | pvm / recomp. | checks |\n",
    );
    out.push_str("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
    let mut speedups = Vec::new();
    let mut vs_native = Vec::new();
    let mut vs_compiler = Vec::new();
    for (r, failures) in cases {
        let time = |m: &Result<Measured, String>| m.as_ref().ok().map(|m| m.best);
        let (native, ours, interp, comp) = (
            time(&r.native),
            time(&r.ours),
            time(&r.interpreter),
            time(&r.compiler),
        );
        let gas = r.gas();
        let speedup = ratio(interp, ours);
        let slow_native = ratio(ours, native);
        let slow_comp = ratio(ours, comp);
        speedups.extend(speedup);
        vs_native.extend(slow_native);
        vs_compiler.extend(slow_comp);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.case.program,
            r.case.arg,
            gas.map_or("–".to_string(), |g| g.to_string()),
            ms(native),
            ms(ours),
            ms(interp),
            ms(comp),
            rate(gas, ours),
            rate(gas, interp),
            times(speedup, true),
            times(slow_native, false),
            times(slow_comp, false),
            if failures.is_empty() {
                "ok".to_string()
            } else {
                format!("**{} failed**", failures.len())
            },
        );
    }
    let _ = writeln!(
        out,
        "| **geometric mean** | | | | | | | | | {} | {} | {} | |\n",
        times(geometric_mean(&speedups), true),
        times(geometric_mean(&vs_native), false),
        times(geometric_mean(&vs_compiler), false),
    );
}

/// Our recompiler against PolkaVM's recompiler and our interpreter (same calls).
fn recompiler_table(out: &mut String, cases: &[(CaseResults, Vec<String>)]) {
    out.push_str("## pvm recompiler (best call)\n\n");
    out.push_str(
        "| program | pvm interp. | pvm recomp. | PolkaVM recomp. | pvm recomp. vs pvm interp. \
         | **pvm recomp. vs PolkaVM recomp.** (> 1: pvm faster) | pvm recomp. / native |\n",
    );
    out.push_str("|---|--:|--:|--:|--:|--:|--:|\n");
    let (mut vs_interp, mut vs_polkavm, mut vs_native) = (Vec::new(), Vec::new(), Vec::new());
    for (r, _) in cases {
        let time = |m: &Result<Measured, String>| m.as_ref().ok().map(|m| m.best);
        let (native, interp, ours, theirs) = (
            time(&r.native),
            time(&r.ours),
            time(&r.ours_recompiler),
            time(&r.compiler),
        );
        let (a, b, c) = (
            ratio(interp, ours),
            ratio(theirs, ours),
            ratio(ours, native),
        );
        vs_interp.extend(a);
        vs_polkavm.extend(b);
        vs_native.extend(c);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.case.program,
            ms(interp),
            ms(ours),
            ms(theirs),
            times(a, false),
            times(b, true),
            times(c, false),
        );
    }
    let _ = writeln!(
        out,
        "| **geometric mean** | | | | {} | {} | {} |\n",
        times(geometric_mean(&vs_interp), false),
        times(geometric_mean(&vs_polkavm), true),
        times(geometric_mean(&vs_native), false),
    );
}

/// Whole-process times: every engine, with our engines' ratios to PolkaVM's.
fn process_table(out: &mut String, process: &ProcessSection) {
    let _ = writeln!(
        out,
        "## Whole process (best of {} fresh processes)\n",
        process.runs
    );
    out.push_str(
        "Wall time of a fresh process (this harness, `--child-process`) that reads the program file, \
         loads it (the recompilers compile it), instantiates it, calls the export once with the bench \
         argument, checks the result (and the VMs' gas) and exits, from the spawn to the end of `wait`. \
         *baseline*: a process that only reads the file. Ratios > 1: pvm faster.\n\n",
    );
    let columns: Vec<ChildEngine> = process.engines.clone();
    let header: Vec<&str> = columns.iter().map(|&e| process_column(e)).collect();
    let _ = writeln!(
        out,
        "| program | {} | **PolkaVM recomp. / pvm recomp.** | PolkaVM interp. / pvm interp. | pvm interp. / pvm recomp. |",
        header.join(" | ")
    );
    let _ = writeln!(out, "|---|{}--:|--:|--:|", "--:|".repeat(columns.len()));
    let (mut recompilers, mut interpreters, mut ours) = (Vec::new(), Vec::new(), Vec::new());
    for (index, row) in process.cases.iter().enumerate() {
        let time = |engine| process.time(index, engine);
        let a = ratio(
            time(ChildEngine::Compiler),
            time(ChildEngine::OursRecompiler),
        );
        let b = ratio(time(ChildEngine::Interpreter), time(ChildEngine::Ours));
        let c = ratio(time(ChildEngine::Ours), time(ChildEngine::OursRecompiler));
        recompilers.extend(a);
        interpreters.extend(b);
        ours.extend(c);
        let cells: Vec<String> = row
            .times
            .iter()
            .map(|t| match t {
                Ok(t) => ms(Some(*t)),
                Err(_) => "**failed**".to_string(),
            })
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            row.case.program,
            cells.join(" | "),
            times(a, true),
            times(b, false),
            times(c, false)
        );
    }
    let _ = writeln!(
        out,
        "| **geometric mean** | {}{} | {} | {} |\n",
        " | ".repeat(columns.len()),
        times(geometric_mean(&recompilers), true),
        times(geometric_mean(&interpreters), false),
        times(geometric_mean(&ours), false)
    );
}

fn process_column(engine: ChildEngine) -> &'static str {
    match engine {
        ChildEngine::Baseline => "baseline",
        ChildEngine::Native => "native",
        ChildEngine::Ours => "pvm interp.",
        ChildEngine::OursRecompiler => "pvm recomp.",
        ChildEngine::Interpreter => "PolkaVM interp.",
        ChildEngine::Compiler => "PolkaVM recomp.",
    }
}

fn instruction_table(out: &mut String, cases: &[(CaseResults, Vec<String>)]) {
    out.push_str(
        "## Per guest instruction\n\n\
         Guest instructions executed by one call (counted on pvm with an observer, untimed), and each engine's \
         best time divided by them. Native runs the same C code compiled for x86-64, so its column is what one \
         guest instruction's worth of work costs natively.\n\n",
    );
    out.push_str(
        "| program | guest instructions | gas / instruction | native ns / instr. | pvm ns / instr. \
         | PolkaVM interp. ns / instr. | PolkaVM recomp. ns / instr. |\n",
    );
    out.push_str("|---|--:|--:|--:|--:|--:|--:|\n");
    for (r, _) in cases {
        let Some(count) = r.instructions.filter(|&n| n > 0) else {
            continue;
        };
        let per = |m: &Result<Measured, String>| {
            m.as_ref().map_or("–".to_string(), |m| {
                format!("{:.2}", m.best.as_secs_f64() * 1e9 / count as f64)
            })
        };
        let gas = r.gas().map_or("–".to_string(), |g| {
            format!("{:.2}", g as f64 / count as f64)
        });
        let _ = writeln!(
            out,
            "| {} | {count} | {gas} | {} | {} | {} | {} |",
            r.case.program,
            per(&r.native),
            per(&r.ours),
            per(&r.interpreter),
            per(&r.compiler)
        );
    }
    out.push('\n');
}

fn first_call_table(out: &mut String, cases: &[(CaseResults, Vec<String>)]) {
    out.push_str(
        "## First call on a fresh instance (the warm-up call)\n\n\
         Includes first-touch page faults and, for PolkaVM's interpreter, the lazy compilation of every block reached.\n\n",
    );
    out.push_str("| program | native | pvm | PolkaVM interp. | PolkaVM recomp. | speedup vs PolkaVM interp. |\n");
    out.push_str("|---|--:|--:|--:|--:|--:|\n");
    let mut speedups = Vec::new();
    for (r, _) in cases {
        let first = |m: &Result<Measured, String>| m.as_ref().ok().map(|m| m.first);
        let (ours, interp) = (first(&r.ours), first(&r.interpreter));
        let speedup = ratio(interp, ours);
        speedups.extend(speedup);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            r.case.program,
            ms(first(&r.native)),
            ms(ours),
            ms(interp),
            ms(first(&r.compiler)),
            times(speedup, true)
        );
    }
    let _ = writeln!(
        out,
        "| **geometric mean** | | | | | {} |\n",
        times(geometric_mean(&speedups), true)
    );
}

fn load_table(out: &mut String, load: &LoadSection) {
    let _ = writeln!(
        out,
        "## Load time: `{}` ({} bytes; best of {})\n",
        load.program, load.blob_bytes, load.runs
    );
    out.push_str(
        "pvm: `Container::parse`; + `Program::from_parts` (validation, pre-decoding, every block's gas cost; \
         pvm recompiler: + compiling it to machine code); + `Module::from_container` and an instance on the \
         engine instead (the program again + memory set-up). PolkaVM: `ProgramBlob::parse`; \
         + `Module::from_blob` (interpreter: validation only, its blocks are compiled lazily during the first \
         call; recompiler: the whole program to machine code); + `Module::instantiate`.\n\n",
    );
    out.push_str(
        "| engine | parse | parse + prepare | parse + prepare + instantiate |\n|---|--:|--:|--:|\n",
    );
    for (engine, result) in &load.engines {
        match result {
            Ok(t) => {
                let _ = writeln!(
                    out,
                    "| {engine} | {} | {} | {} |",
                    us(t.parse),
                    us(t.prepare),
                    us(t.total)
                );
            }
            Err(e) => {
                let _ = writeln!(
                    out,
                    "| {engine} | – | – | unavailable: {} |",
                    cell(&e.to_string())
                );
            }
        }
    }
    out.push('\n');
    let prepare = |name: &str| {
        load.engines
            .iter()
            .find(|(engine, _)| *engine == name)
            .and_then(|(_, r)| r.as_ref().ok())
            .map(|t| t.prepare)
    };
    if let (Some(ours), Some(theirs)) = (prepare("pvm recompiler"), prepare("PolkaVM recompiler")) {
        let _ = writeln!(
            out,
            "**Compile time of `{}`** (parse + prepare: pvm `Program::from_parts` + compiling to machine \
             code; PolkaVM `ProgramBlob::parse` + `Module::from_blob` with its recompiler): pvm recompiler \
             {}, PolkaVM recompiler {}: PolkaVM / pvm = {} (> 1: pvm faster).\n",
            load.program,
            us(ours),
            us(theirs),
            times(ratio(Some(theirs), Some(ours)), true)
        );
    }
}

fn memory_table(out: &mut String, memory: &MemorySection) {
    let _ = writeln!(
        out,
        "## Peak resident memory: `{}` `{}`\n",
        memory.program, memory.call
    );
    out.push_str("| engine | process peak RSS | + sandbox processes | total | above baseline |\n|---|--:|--:|--:|--:|\n");
    let baseline = memory
        .engines
        .iter()
        .find(|(e, _)| *e == ChildEngine::Baseline)
        .and_then(|(_, r)| r.as_ref().ok())
        .map(|p| p.total_kib());
    for (engine, result) in &memory.engines {
        match result {
            Ok(peak) => {
                let above = baseline.map_or("–".to_string(), |b| {
                    mib(peak.total_kib().saturating_sub(b))
                });
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {above} |",
                    engine.name(),
                    mib(peak.process_kib),
                    mib(peak.descendants_kib),
                    mib(peak.total_kib())
                );
            }
            Err(e) => {
                let _ = writeln!(
                    out,
                    "| {} | – | – | – | unavailable: {} |",
                    engine.name(),
                    cell(&e.to_string())
                );
            }
        }
    }
    out.push('\n');
}

/// `numerator / denominator`, when both exist.
fn ratio(numerator: Option<Duration>, denominator: Option<Duration>) -> Option<f64> {
    let (n, d) = (numerator?.as_secs_f64(), denominator?.as_secs_f64());
    (d > 0.0).then(|| n / d)
}

/// The geometric mean, `None` for no values.
pub fn geometric_mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let log_sum: f64 = values.iter().map(|v| v.ln()).sum();
    Some((log_sum / values.len() as f64).exp())
}

/// A time in ms with 3–4 significant digits, `–` for none.
pub(crate) fn ms(time: Option<Duration>) -> String {
    let Some(time) = time else {
        return "–".to_string();
    };
    let ms = time.as_secs_f64() * 1e3;
    match ms {
        m if m < 10.0 => format!("{m:.3} ms"),
        m if m < 100.0 => format!("{m:.2} ms"),
        m => format!("{m:.1} ms"),
    }
}

fn us(time: Duration) -> String {
    format!("{:.1} µs", time.as_secs_f64() * 1e6)
}

fn rate(gas: Option<u64>, time: Option<Duration>) -> String {
    match (gas, time) {
        (Some(gas), Some(t)) if t > Duration::ZERO => {
            format!("{:.0}", gas as f64 / t.as_secs_f64() / 1e6)
        }
        _ => "–".to_string(),
    }
}

fn times(value: Option<f64>, bold: bool) -> String {
    match value {
        Some(v) if bold => format!("**{v:.2}×**"),
        Some(v) => format!("{v:.2}×"),
        None => "–".to_string(),
    }
}

/// KiB as MiB with one decimal.
pub(crate) fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// Text safe inside a table cell.
pub(crate) fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometric_mean_of_ratios() {
        assert_eq!(geometric_mean(&[]), None);
        let m = geometric_mean(&[2.0, 8.0]).unwrap();
        assert!((m - 4.0).abs() < 1e-12);
    }

    #[test]
    fn formatting() {
        assert_eq!(ms(Some(Duration::from_micros(1500))), "1.500 ms");
        assert_eq!(ms(Some(Duration::from_millis(1234))), "1234.0 ms");
        assert_eq!(ms(None), "–");
        assert_eq!(
            rate(Some(2_000_000), Some(Duration::from_millis(10))),
            "200"
        );
        assert_eq!(times(Some(2.0), true), "**2.00×**");
        assert_eq!(mib(2048), "2.0 MiB");
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }
}
