//! Peak resident memory of each engine running one program, measured in child processes.
//!
//! The harness starts itself once per engine (`--child-rss ENGINE PROGRAM`). The child
//! loads the program, calls its export once (the bench size), checks the result, and
//! reports its peak resident set size: `VmHWM` from `/proc/self/status`, plus the `VmHWM`
//! of its descendant processes (PolkaVM's recompiler runs guests in sandbox worker
//! processes). A `baseline` child only reads the blob, so "above baseline" is what the
//! engine itself adds to the harness process (binary, libraries, allocator).

use std::process::Command;

use crate::child::{run_once, ChildEngine};
use crate::corpus::{bench_cases, read_blob};
use crate::error::BenchError;

/// Peak resident memory of one child, in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeakRss {
    /// The harness process itself.
    pub process_kib: u64,
    /// Its descendants (sandbox workers), summed.
    pub descendants_kib: u64,
}

impl PeakRss {
    /// Process + descendants.
    pub fn total_kib(self) -> u64 {
        self.process_kib + self.descendants_kib
    }
}

/// Runs one child per engine of `engines` for `program`; each result is the child's peak or
/// why it failed.
pub fn measure(
    program: &str,
    engines: &[ChildEngine],
) -> Vec<(ChildEngine, Result<PeakRss, BenchError>)> {
    engines
        .iter()
        .map(|&engine| (engine, spawn(engine, program)))
        .collect()
}

fn spawn(engine: ChildEngine, program: &str) -> Result<PeakRss, BenchError> {
    let args = format!("--child-rss {} {program}", engine.name());
    let child_error = |message: String| BenchError::Child {
        args: args.clone(),
        message,
    };
    let exe = std::env::current_exe().map_err(|e| child_error(e.to_string()))?;
    let output = Command::new(exe)
        .args(["--child-rss", engine.name(), program])
        .output()
        .map_err(|e| child_error(e.to_string()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(child_error(format!("{}: {}", output.status, stderr.trim())));
    }
    parse_child_output(&stdout)
        .ok_or_else(|| child_error(format!("unexpected output `{}`", stdout.trim())))
}

/// Parses the child's one line: `peak_kib PROCESS DESCENDANTS`.
pub fn parse_child_output(text: &str) -> Option<PeakRss> {
    let mut fields = text.split_whitespace();
    if fields.next()? != "peak_kib" {
        return None;
    }
    let process_kib = fields.next()?.parse().ok()?;
    let descendants_kib = fields.next()?.parse().ok()?;
    Some(PeakRss {
        process_kib,
        descendants_kib,
    })
}

/// The child's side: runs `program`'s bench case once on `engine` and prints its peak.
pub fn child(engine: &str, program: &str) -> Result<(), BenchError> {
    let engine: ChildEngine = engine.parse()?;
    let case = bench_cases(Some(program))?
        .into_iter()
        .find(|c| c.program == program)
        .ok_or_else(|| BenchError::Usage(format!("--child-rss: no bench case for `{program}`")))?;
    let blob = read_blob(program)?;
    // The run (and PolkaVM's engine with its sandbox workers) stays alive until the peak
    // has been read.
    let run = run_once(engine, program, &blob, &case.export, case.arg)?;
    if let Some(outcome) = run.outcome {
        if outcome.result != case.expected {
            return Err(BenchError::Child {
                args: format!("{} {program}", engine.name()),
                message: format!("returned {}, expected {}", outcome.result, case.expected),
            });
        }
    }
    let process_kib = vm_hwm_kib("self").unwrap_or(0);
    let descendants_kib = descendants(std::process::id())
        .into_iter()
        .filter_map(|pid| vm_hwm_kib(&pid.to_string()))
        .sum::<u64>();
    println!("peak_kib {process_kib} {descendants_kib}");
    drop(run);
    Ok(())
}

/// `VmHWM` (peak resident set size) of `/proc/<pid>`, in KiB.
pub fn vm_hwm_kib(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Every live descendant of `root`, from the parent pids in `/proc/*/stat`.
pub fn descendants(root: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let parents: Vec<(u32, u32)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, parent_pid(pid)?)))
        .collect();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|&&(_, p)| p == parent)
                .map(|&(pid, _)| pid),
        );
        i += 1;
    }
    found.remove(0);
    found
}

/// The parent pid of `pid`: the 2nd field after the parenthesised command name of `stat`.
fn parent_pid(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_output_parses() {
        assert_eq!(
            parse_child_output("peak_kib 100 20\n"),
            Some(PeakRss {
                process_kib: 100,
                descendants_kib: 20
            })
        );
        assert_eq!(parse_child_output("oops"), None);
    }

    #[test]
    fn own_peak_and_parent_are_readable() {
        assert!(vm_hwm_kib("self").unwrap() > 0);
        assert_eq!(
            parent_pid(std::process::id()),
            Some(std::os::unix::process::parent_id())
        );
    }
}
