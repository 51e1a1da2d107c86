//! `pvm-difftest`: compares the `pvm` engine with PolkaVM 0.37 on random programs.
//!
//! ```text
//! pvm-difftest [--count N] [--seed S] [--start I] [--stats] [--save DIR] [--no-minimize]
//!              [--no-untraced-check] [--progress N] [--engines]
//! pvm-difftest --case CASE_SEED [--save DIR]     # re-run one case (seed printed per finding)
//! pvm-difftest --write-regressions DIR            # (re)write the regression vectors
//! ```
//!
//! With `--engines` the campaign is three-way: every program also runs on our recompiler and
//! must agree with our interpreter run by run (x86-64 Linux).
//!
//! Prints one line per disagreement and ends with `N programs, K disagreements`. Exit
//! status 1 if there were disagreements, 2 on bad arguments, 0 otherwise (also when the CPU
//! cannot run the oracle, which is reported and skipped).

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use pvm_difftest::campaign::{self, EngineSummary, Finding, Summary};
use pvm_difftest::case::Case;
use pvm_difftest::compare::{compare, Options, Outcome, Verdict};
use pvm_difftest::generate::case_for_seed;
use pvm_difftest::minimize::minimize;
use pvm_difftest::oracle::{Oracle, OracleError};
use pvm_difftest::vector;

/// Command-line settings.
struct Args {
    count: u64,
    seed: u64,
    start: u64,
    stats: bool,
    save: Option<PathBuf>,
    minimize: bool,
    untraced_check: bool,
    progress: u64,
    case: Option<u64>,
    explain: bool,
    write_regressions: Option<PathBuf>,
    engines: bool,
}

fn parse_number(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| format!("not a number: {text}"))
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        count: 1_000,
        seed: 0,
        start: 0,
        stats: false,
        save: None,
        minimize: true,
        untraced_check: true,
        progress: 0,
        case: None,
        explain: false,
        engines: false,
        write_regressions: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--count" => args.count = parse_number(&value()?)?,
            "--seed" => args.seed = parse_number(&value()?)?,
            "--start" => args.start = parse_number(&value()?)?,
            "--case" => args.case = Some(parse_number(&value()?)?),
            "--progress" => args.progress = parse_number(&value()?)?,
            "--save" => args.save = Some(PathBuf::from(value()?)),
            "--stats" => args.stats = true,
            "--explain" => args.explain = true,
            "--write-regressions" => args.write_regressions = Some(PathBuf::from(value()?)),
            "--no-minimize" => args.minimize = false,
            "--no-untraced-check" => args.untraced_check = false,
            "--engines" => args.engines = true,
            "--help" | "-h" => {
                return Err("usage: pvm-difftest [--count N] [--seed S] [--start I] [--stats] \
                            [--save DIR] [--no-minimize] [--no-untraced-check] [--progress N] [--explain] [--engines] \
                            | --case CASE_SEED | --write-regressions DIR"
                    .into())
            }
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(args)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The one-line report of a disagreement.
fn describe(seed: u64, index: Option<u64>, case: &Case, outcome: &Outcome) -> String {
    let what = match &outcome.verdict {
        Verdict::Disagree(diffs) => diffs
            .iter()
            .take(6)
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("; "),
        other => format!("{other:?}"),
    };
    let index = index.map_or(String::new(), |i| format!(" index={i}"));
    format!(
        "DISAGREE seed={seed}{index} case=0x{:016x} origin={} pc={} gas={} program={} | {what}",
        case.seed,
        case.origin,
        case.initial_pc,
        case.gas,
        hex(&case.blob)
    )
}

/// Minimises and saves a finding as a regression vector.
fn save_finding(args: &Args, oracle: &Oracle, case: &Case, outcome: &Outcome) {
    let small = if args.minimize {
        minimize(case, outcome, oracle)
    } else {
        case.clone()
    };
    let small_outcome = compare(
        &small,
        oracle,
        Options {
            untraced_check: args.untraced_check,
        },
    );
    println!(
        "  minimized: pc={} gas={} program={} | {}",
        small.initial_pc,
        small.gas,
        hex(&small.blob),
        match &small_outcome.verdict {
            Verdict::Disagree(diffs) => diffs
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("; "),
            other => format!("{other:?}"),
        }
    );
    let Some(dir) = &args.save else {
        return;
    };
    let name = format!("difftest_{:016x}", case.seed);
    let json = vector::to_json(&name, &small, &small_outcome.session);
    let path = dir.join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(&json).expect("JSON values serialize");
    match std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, text + "\n")) {
        Ok(()) => println!("  saved {}", path.display()),
        Err(e) => eprintln!("  cannot save {}: {e}", path.display()),
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let oracle = match Oracle::new() {
        Ok(oracle) => oracle,
        Err(e @ OracleError::NoAvx2) => {
            println!("skipped: {e}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let options = Options {
        untraced_check: args.untraced_check,
    };
    if let Some(dir) = &args.write_regressions {
        return write_regressions(&oracle, dir);
    }
    let started = Instant::now();
    let mut engine_summary = EngineSummary::default();

    let summary = if let Some(case_seed) = args.case {
        let case = case_for_seed(case_seed);
        let outcome = compare(&case, &oracle, options);
        let mut summary = Summary::default();
        summary.add(&case, &outcome);
        if outcome.verdict.is_disagreement() {
            println!("{}", describe(args.seed, None, &case, &outcome));
            save_finding(&args, &oracle, &case, &outcome);
        } else {
            println!("case 0x{case_seed:016x}: {:?}", outcome.verdict);
        }
        summary
    } else {
        let mut summary = Summary::default();
        let chunk = if args.progress > 0 {
            args.progress
        } else {
            args.count.max(1)
        };
        let mut done = 0;
        while done < args.count {
            let n = chunk.min(args.count - done);
            let part = campaign::run(
                &oracle,
                args.seed,
                args.start + done,
                n,
                options,
                |finding: &Finding| {
                    if !finding.outcome.verdict.is_disagreement() {
                        if args.explain {
                            println!(
                                "case 0x{:016x} ({}): {:?}",
                                finding.case.seed, finding.case.origin, finding.outcome.verdict
                            );
                        }
                        return;
                    }
                    println!(
                        "{}",
                        describe(
                            args.seed,
                            Some(finding.index),
                            &finding.case,
                            &finding.outcome
                        )
                    );
                    save_finding(&args, &oracle, &finding.case, &finding.outcome);
                },
            );
            summary.merge(part);
            if args.engines {
                engine_campaign(&args, done, n, &mut engine_summary);
            }
            done += n;
            if args.progress > 0 {
                eprintln!(
                    "[{:.0}s] {} / {} programs, {} disagreements{}",
                    started.elapsed().as_secs_f64(),
                    done,
                    args.count,
                    summary.disagreements,
                    if args.engines {
                        format!(", {} between our engines", engine_summary.disagreements)
                    } else {
                        String::new()
                    }
                );
            }
        }
        summary
    };

    println!("{}", summary.details());
    if args.stats {
        print!("{}", summary.coverage.report());
    }
    println!("time: {:.1}s", started.elapsed().as_secs_f64());
    if args.engines {
        println!(
            "interpreter vs recompiler: {} agreed, {} both rejected, {} disagreements",
            engine_summary.agreed, engine_summary.both_rejected, engine_summary.disagreements
        );
    }
    println!("{}", summary.last_line());
    if summary.disagreements > 0 || engine_summary.disagreements > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs cases `start..start + count` on both of our engines, printing each disagreement.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn engine_campaign(args: &Args, start: u64, count: u64, total: &mut EngineSummary) {
    let part = campaign::run_engines(args.seed, args.start + start, count, |index, diffs| {
        println!(
            "engines disagree on case {index} (seed 0x{:016x}): {}",
            campaign::case_seed(args.seed, index),
            diffs.join("; ")
        );
    });
    total.agreed += part.agreed;
    total.both_rejected += part.both_rejected;
    total.disagreements += part.disagreements;
}

/// Without the recompiler there is nothing to compare.
#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn engine_campaign(_: &Args, _: u64, _: u64, _: &mut EngineSummary) {
    eprintln!("--engines: the recompiler is not available on this platform");
}

/// Writes every runtime regression as a vector of PolkaVM's behaviour; fails if one no
/// longer agrees.
fn write_regressions(oracle: &Oracle, dir: &std::path::Path) -> ExitCode {
    let mut failed = false;
    for regression in pvm_difftest::regressions::runtime() {
        let outcome = compare(&regression.case, oracle, Options::default());
        if outcome.verdict != Verdict::Agree {
            println!("{}: {:?}", regression.name, outcome.verdict);
            failed = true;
            continue;
        }
        let json = vector::to_json(regression.name, &regression.case, &outcome.session);
        let path = dir.join(format!("{}.json", regression.name));
        let text = serde_json::to_string_pretty(&json).expect("JSON values serialize");
        if let Err(e) =
            std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, text + "\n"))
        {
            eprintln!("cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
        println!("wrote {}", path.display());
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
