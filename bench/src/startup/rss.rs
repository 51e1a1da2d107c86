//! Peak resident memory of one cold start per engine, each in a child process
//! (`--child-startup-rss ENGINE PATH EXPORT ARG`, internal): the child parses, loads,
//! instantiates and makes the first call, then prints `VmHWM` of itself and of its
//! descendants (PolkaVM's recompiler runs guests in sandbox worker processes), as
//! [`crate::rss`] does for the execution benchmark. A `baseline` child only reads the blob.

use std::path::Path;
use std::process::Command;

use super::ours::Ours;
use super::polkavm::PolkaVmStart;
use super::{StartEngine, StartProgram};
use crate::error::BenchError;
use crate::rss::{descendants, parse_child_output, vm_hwm_kib, PeakRss};

/// The child engine names, by report name.
const CHILD_NAMES: [(&str, &str); 3] = [
    ("pvm", "pvm"),
    ("PolkaVM interpreter", "polkavm-interpreter"),
    ("PolkaVM recompiler", "polkavm-recompiler"),
];

/// One child per engine (by report name) for `program`: (total KiB, KiB above the
/// baseline child) or why not.
pub fn measure<'a>(
    program: &StartProgram,
    engines: impl Iterator<Item = &'a str>,
) -> Vec<Result<(u64, u64), String>> {
    let baseline = spawn("baseline", program);
    engines
        .map(|name| {
            let child = CHILD_NAMES
                .iter()
                .find(|(report, _)| *report == name)
                .map(|(_, child)| *child)
                .ok_or_else(|| format!("no child engine for {name}"))?;
            let peak = spawn(child, program)?;
            let base = baseline.as_ref().map_or(0, |b| b.total_kib());
            Ok((peak.total_kib(), peak.total_kib().saturating_sub(base)))
        })
        .collect()
}

fn spawn(engine: &str, program: &StartProgram) -> Result<PeakRss, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let arg = program.arg.to_string();
    let path = program.path.to_string_lossy();
    let args = ["--child-startup-rss", engine, &path, &program.export, &arg];
    let output = Command::new(exe)
        .args(args)
        .output()
        .map_err(|e| format!("{}: {e}", args.join(" ")))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "{}: {}: {}",
            args.join(" "),
            output.status,
            stderr.trim()
        ));
    }
    parse_child_output(&stdout).ok_or_else(|| format!("unexpected output `{}`", stdout.trim()))
}

/// The child's side: one cold start of `export(arg)` of the program at `path` on `engine`,
/// then its peak RSS on stdout.
pub fn child(engine: &str, path: &Path, export: &str, arg: &str) -> Result<(), BenchError> {
    let arg: u64 = arg
        .parse()
        .map_err(|_| BenchError::Usage(format!("--child-startup-rss: bad argument `{arg}`")))?;
    let blob = std::fs::read(path).map_err(|e| BenchError::io(path, e))?;
    let name = path.display().to_string();
    // The engine (and PolkaVM's sandbox workers) stays alive until the peak has been read.
    let engine: Option<Box<dyn StartEngine>> = match engine {
        "baseline" => None,
        "pvm" => Some(Box::new(Ours)),
        "polkavm-interpreter" => Some(Box::new(PolkaVmStart::interpreter()?)),
        "polkavm-recompiler" => Some(Box::new(
            PolkaVmStart::recompiler().map_err(|e| BenchError::polkavm("recompiler", e))?,
        )),
        other => {
            return Err(BenchError::Usage(format!(
                "--child-startup-rss: unknown engine `{other}`"
            )))
        }
    };
    if let Some(engine) = &engine {
        engine.cold(&name, &blob, export, arg)?;
    }
    let process_kib = vm_hwm_kib("self").unwrap_or(0);
    let descendants_kib = descendants(std::process::id())
        .into_iter()
        .filter_map(|pid| vm_hwm_kib(&pid.to_string()))
        .sum::<u64>();
    println!("peak_kib {process_kib} {descendants_kib}");
    drop(engine);
    Ok(())
}
