//! The Markdown report of `--instances`.

use std::fmt::Write as _;
use std::time::Duration;

use super::record::{Line, Stage};
use super::{EngineRun, InstanceEngine, Subject};
use crate::report::{cell, mib, ms};

/// Renders the report.
pub fn render(subject: &Subject, runs: &[EngineRun], context: &[String]) -> String {
    let mut out = format!(
        "# pvm benchmark: {} instances of one program in one process\n\n",
        subject.count
    );
    for line in context {
        let _ = writeln!(out, "- {line}");
    }
    let _ = writeln!(
        out,
        "- program: `{}` ({} bytes, the largest guest), each instance called once: `{}({})`, \
         expected result: {}",
        subject.program,
        subject.blob_bytes,
        subject.export,
        subject.arg,
        subject.expected.map_or(
            "not in guests/expected.txt (every call must return what the first did)".to_string(),
            |e| format!("{e} (guests/expected.txt)")
        ),
    );
    out.push_str(
        "- one child process per engine: it loads the program once (pvm: `Module::from_polkavm_bytes`; \
         PolkaVM: `ProgramBlob::parse` + `Module::from_blob`, which compiles it), creates the instances \
         (pvm: `Module::instantiate` on the engine named, the first recompiler instance compiles the program \
         and the others share its code; PolkaVM: `Module::instantiate`, each instance a sandbox worker \
         process), keeps them all alive, then calls the export once on each, in turn; gas metering on, \
         as in the execution benchmark\n\
         - memory: `VmRSS` / `VmHWM` / `VmSize` of the child from `/proc/self/status`; sandbox workers: \
         the child's descendant processes and their `VmRSS` summed (pages they share count in each)\n\n",
    );
    time_table(&mut out, subject, runs);
    memory_table(&mut out, runs);
    problems(&mut out, subject, runs);
    out
}

fn time_table(out: &mut String, subject: &Subject, runs: &[EngineRun]) {
    out.push_str("## Time\n\n");
    out.push_str(
        "| engine | instances | load | create all | per instance | first instance | calls \
         | all calls | per call (mean) | fastest / slowest call |\n",
    );
    out.push_str("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for run in runs {
        let m = &run.measurement;
        let (created, create_total, create_first) = match m.created {
            Some((n, total, first)) => (
                format!("{n} / {}", subject.count),
                ms(Some(total)),
                ms(Some(first)),
            ),
            None => ("–".to_string(), "–".to_string(), "–".to_string()),
        };
        let per_instance = m
            .created
            .and_then(|(n, total, _)| per(total, n))
            .map_or("–".to_string(), us);
        let (calls, all, mean, range) = match &m.ran {
            Some(Line::Ran {
                count,
                total,
                min,
                max,
                ..
            }) => (
                count.to_string(),
                ms(Some(*total)),
                per(*total, *count).map_or("–".to_string(), |d| ms(Some(d))),
                format!("{} / {}", ms(Some(*min)), ms(Some(*max))),
            ),
            _ => ("–".into(), "–".into(), "–".into(), "–".into()),
        };
        let _ = writeln!(
            out,
            "| {} | {created} | {} | {create_total} | {per_instance} | {create_first} | {calls} \
             | {all} | {mean} | {range} |",
            run.engine.label(),
            ms(m.load),
        );
    }
    out.push('\n');
}

fn memory_table(out: &mut String, runs: &[EngineRun]) {
    out.push_str("## Memory\n\n");
    out.push_str(
        "| engine | VmRSS at start | after load | after creating | after the calls | VmHWM (peak) \
         | VmSize after creating | RSS per instance | VmSize per instance | sandbox workers: processes, VmRSS |\n",
    );
    out.push_str("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for run in runs {
        let m = &run.measurement;
        let at = |stage| m.status_at(stage);
        let rss = |stage| at(stage).map_or("–".to_string(), |s| mib(s.rss_kib));
        let created = m.created.map_or(0, |c| c.0).max(1) as u64;
        // Per instance: what the instances added to the loaded process, with their one call.
        let rss_per = match (at(Stage::Loaded), at(Stage::Ran)) {
            (Some(loaded), Some(ran)) => {
                kib((ran.rss_kib.saturating_sub(loaded.rss_kib)) / created)
            }
            _ => "–".to_string(),
        };
        let size_per = match (at(Stage::Loaded), at(Stage::Created)) {
            (Some(loaded), Some(made)) => {
                mib(made.size_kib.saturating_sub(loaded.size_kib) / created)
            }
            _ => "–".to_string(),
        };
        let peak = [Stage::Ran, Stage::Created, Stage::Loaded, Stage::Start]
            .into_iter()
            .find_map(at)
            .map_or("–".to_string(), |s| mib(s.hwm_kib));
        let workers = |stage| {
            m.workers_at(stage).map_or("–".to_string(), |w| {
                format!("{}, {}", w.count, mib(w.rss_kib))
            })
        };
        let workers = match run.engine {
            InstanceEngine::PolkaVmRecompiler => format!(
                "created: {}; after the calls: {}",
                workers(Stage::Created),
                workers(Stage::Ran)
            ),
            _ => workers(Stage::Ran),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {peak} | {} | {rss_per} | {size_per} | {workers} |",
            run.engine.label(),
            rss(Stage::Start),
            rss(Stage::Loaded),
            rss(Stage::Created),
            rss(Stage::Ran),
            at(Stage::Created).map_or("–".to_string(), |s| gib(s.size_kib)),
        );
    }
    out.push('\n');
}

fn problems(out: &mut String, subject: &Subject, runs: &[EngineRun]) {
    out.push_str("## Checks\n\n");
    let mut any = false;
    for run in runs {
        for problem in run.problems(subject) {
            any = true;
            let _ = writeln!(out, "- **{}**: {}", run.engine.label(), cell(&problem));
        }
    }
    if !any {
        let _ = writeln!(
            out,
            "All passed: every engine created all {} instances and every call returned {}.",
            subject.count,
            subject
                .expected
                .map_or("what the first call returned".to_string(), |e| format!(
                    "the expected result ({e}), with the same gas"
                ))
        );
    }
}

/// `total / count`, if any.
fn per(total: Duration, count: usize) -> Option<Duration> {
    u32::try_from(count)
        .ok()
        .filter(|&n| n > 0)
        .map(|n| total / n)
}

/// Below 1 ms in µs, else as [`ms`].
fn us(time: Duration) -> String {
    if time < Duration::from_millis(1) {
        format!("{:.1} µs", time.as_secs_f64() * 1e6)
    } else {
        ms(Some(time))
    }
}

fn kib(kib: u64) -> String {
    if kib >= 10 * 1024 {
        mib(kib)
    } else {
        format!("{kib} KiB")
    }
}

fn gib(kib: u64) -> String {
    format!("{:.1} GiB", kib as f64 / (1024.0 * 1024.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instances::record::Measurement;

    #[test]
    fn a_run_renders_its_numbers_and_problems() {
        let subject = Subject {
            program: "zlib".into(),
            blob_bytes: 100,
            export: "zlib_deflate".into(),
            arg: 5,
            expected: Some(9),
            count: 2,
        };
        let text = "status start 1024 1024 2048\nload 1000000\nstatus loaded 2048 2048 4096\n\
                    created 2 4000000 3000000\nstatus created 3072 3072 8392704\n\
                    result 9 77\nran 2 10000000 6000000 4000000 6000000 0\n\
                    status ran 6144 6144 8392704\nworkers ran 0 0\n";
        let good = EngineRun {
            engine: InstanceEngine::OursRecompiler,
            measurement: Measurement::parse(text),
            exit: Ok(()),
        };
        let broken = EngineRun {
            engine: InstanceEngine::PolkaVmRecompiler,
            measurement: Measurement::default(),
            exit: Err("signal: 9 (SIGKILL)".into()),
        };
        let report = render(&subject, &[good, broken], &["machine: test".into()]);
        assert!(report.contains("| pvm recompiler | 2 / 2 | 1.000 ms | 4.000 ms | 2.000 ms | 3.000 ms | 2 | 10.00 ms | 5.000 ms |"), "{report}");
        // (6144 - 2048) KiB / 2 instances; (8392704 - 4096) KiB / 2.
        assert!(report.contains("| 2048 KiB | 4096.0 MiB |"), "{report}");
        assert!(report.contains("**PolkaVM recompiler**: the child process failed: signal: 9"));
        assert!(!report.contains("All passed"));
    }
}
