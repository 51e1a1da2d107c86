//! `memory-proof`: prove and verify the memory consistency of a trace file, and benchmark.

#![forbid(unsafe_code)]

use std::{
    path::PathBuf,
    process::{Command, ExitCode},
    time::Instant,
};

use clap::{Parser, Subcommand};
use memory_proof::{
    capacity, insecure_test_setup, is_insecure_test_s_g2, keygen, prove, smallest_k, verify,
    verify_with_key, ParamsSource, Proof, VerifierKey, MAX_K, MIN_K,
};

#[derive(Parser)]
#[command(
    name = "memory-proof",
    about = "Prove and verify that a memory trace is consistent (halo2, KZG on BN254)",
    long_about = "Prove and verify that a memory trace (machine's .mtrace format) is \
                  memory-consistent.\n\nprove, verify and keygen need KZG parameters: \
                  --params FILE (a trusted-setup ceremony's) or, asked for by name, \
                  --insecure-test-setup (parameters from a fixed public seed: anyone can forge \
                  proofs under them; fine for benchmarks and tests only). verify --key KEY \
                  trusts the verifier key file instead. bench always uses the insecure test \
                  setup (its proofs are thrown away)."
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Prove a trace file.
    Prove {
        /// The trace (machine::format, .mtrace).
        trace: PathBuf,
        /// Where to write the proof.
        #[arg(short, long)]
        output: PathBuf,
        /// Circuit size 2^K rows (default: the smallest that fits the trace).
        #[arg(long)]
        k: Option<u32>,
        /// KZG parameters file (a trusted-setup ceremony's, halo2 raw format, at least 2^K).
        #[arg(long)]
        params: Option<PathBuf>,
        /// Use the INSECURE deterministic test setup instead of --params (tests only).
        #[arg(long, conflicts_with = "params")]
        insecure_test_setup: bool,
    },
    /// Verify a proof file; prints the number of records it covers and what it trusted.
    Verify {
        /// The proof.
        proof: PathBuf,
        /// KZG parameters file (the prover's: a trusted-setup ceremony's).
        #[arg(long, conflicts_with = "key")]
        params: Option<PathBuf>,
        /// Use the INSECURE deterministic test setup instead of --params (tests only).
        #[arg(long, conflicts_with_all = ["params", "key"])]
        insecure_test_setup: bool,
        /// Verifier key file (from `keygen`): verify with it instead of rebuilding the
        /// parameters and the verifying key (the key is trusted as the parameters would be).
        #[arg(long)]
        key: Option<PathBuf>,
        /// Refuse proofs claiming a circuit larger than 2^MAX_K rows: verifying rebuilds
        /// parameters and keys of the proof's size (k = 24 takes minutes and gigabytes), and
        /// the proof file chooses k.
        #[arg(long, default_value_t = DEFAULT_MAX_VERIFY_K)]
        max_k: u32,
    },
    /// Write the verifier key for 2^K rows (what `verify --key` needs: three points of the
    /// parameters and the verifying key).
    Keygen {
        /// Circuit size 2^K rows.
        #[arg(long)]
        k: u32,
        /// Where to write the key.
        #[arg(short, long)]
        output: PathBuf,
        /// KZG parameters file (a trusted-setup ceremony's, halo2 raw format, at least 2^K).
        #[arg(long)]
        params: Option<PathBuf>,
        /// Use the INSECURE deterministic test setup instead of --params (tests only).
        #[arg(long, conflicts_with = "params")]
        insecure_test_setup: bool,
    },
    /// Write the insecure test parameters for 2^K rows to a file (to skip regenerating them).
    Setup {
        /// Circuit size 2^K rows.
        #[arg(long)]
        k: u32,
        /// Where to write the parameters.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Prove and verify random valid traces filling the circuit, each k in a child process,
    /// under the INSECURE test setup; prints prove/verify time, proof size and peak memory.
    Bench {
        /// Circuit sizes, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "10,12,14,16")]
        k: Vec<u32>,
        /// Records per trace (default: the circuit's capacity).
        #[arg(long)]
        records: Option<usize>,
    },
    /// One bench measurement in this process (used by `bench`).
    #[command(hide = true)]
    BenchOne {
        #[arg(long)]
        k: u32,
        #[arg(long)]
        records: Option<usize>,
    },
}

/// The largest `k` `verify` accepts unless `--max-k` says otherwise.
const DEFAULT_MAX_VERIFY_K: u32 = 20;

/// The parameters source a command names: `--params FILE` or `--insecure-test-setup`.
fn params_source(file: Option<PathBuf>, insecure: bool) -> Result<ParamsSource, String> {
    ParamsSource::from_choice(file, insecure).map_err(|e| e.to_string())
}

/// What `verify` says it trusted: the source, and whether a file holds the insecure test
/// setup's parameters after all.
fn trusted_note(source: &ParamsSource, insecure_params: bool) -> String {
    match source {
        ParamsSource::File(_) if insecure_params => {
            format!("{source} (the INSECURE test setup's parameters: anyone can forge proofs)")
        }
        ParamsSource::File(_) => source.to_string(),
        ParamsSource::InsecureTestSetup => format!("{source} (anyone can forge proofs)"),
    }
}

fn check_k(k: u32) -> Result<(), String> {
    if (MIN_K..=MAX_K).contains(&k) {
        Ok(())
    } else {
        Err(format!("k = {k} is outside {MIN_K}..={MAX_K}"))
    }
}

/// Peak resident set size of this process in KiB (VmHWM), if the kernel reports it.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Cmd::Prove {
            trace,
            output,
            k,
            params,
            insecure_test_setup,
        } => {
            let source = params_source(params, insecure_test_setup)?;
            let file = std::fs::File::open(&trace)
                .map_err(|e| format!("opening {}: {e}", trace.display()))?;
            let trace_data = machine::read_trace(std::io::BufReader::new(file))
                .map_err(|e| format!("reading {}: {e}", trace.display()))?;
            let records = trace_data.records;
            let k = match k {
                Some(k) => k,
                None => smallest_k(records.len())
                    .ok_or_else(|| format!("{} records exceed 2^{MAX_K} rows", records.len()))?,
            };
            check_k(k)?;
            let start = Instant::now();
            let params = source.params(k).map_err(|e| e.to_string())?;
            let (pk, _vk) = keygen(&params);
            let setup_time = start.elapsed();
            let start = Instant::now();
            let proof = prove(&params, &pk, &records).map_err(|e| e.to_string())?;
            let prove_time = start.elapsed();
            proof.save(&output).map_err(|e| e.to_string())?;
            println!(
                "proved {} records at k = {k} in {:.3} s (setup+keygen {:.3} s); {} proof bytes -> {}",
                records.len(),
                prove_time.as_secs_f64(),
                setup_time.as_secs_f64(),
                proof.bytes.len(),
                output.display()
            );
            Ok(())
        }
        Cmd::Verify {
            proof,
            params,
            insecure_test_setup,
            key: Some(key),
            ..
        } => {
            debug_assert!(params.is_none() && !insecure_test_setup);
            let start = Instant::now();
            let proof_data = Proof::load(&proof).map_err(|e| e.to_string())?;
            let key_data =
                VerifierKey::load(&key).map_err(|e| format!("{}: {e}", key.display()))?;
            let loaded = start.elapsed();
            let start = Instant::now();
            verify_with_key(&key_data, &proof_data).map_err(|e| e.to_string())?;
            println!(
                "valid: a memory-consistent trace of {} records (k = {}), verified in {:.1} ms \
                 (reading proof and key {:.1} ms)",
                proof_data.records,
                proof_data.k,
                start.elapsed().as_secs_f64() * 1e3,
                loaded.as_secs_f64() * 1e3
            );
            let origin = if key_data.uses_insecure_test_setup() {
                " (made from the INSECURE test setup's parameters: anyone can forge proofs)"
            } else {
                ""
            };
            println!("trusted verifier key: {}{origin}", key.display());
            Ok(())
        }
        Cmd::Verify {
            proof,
            params,
            insecure_test_setup,
            key: None,
            max_k,
        } => {
            let source = params_source(params, insecure_test_setup)?;
            let proof_data = Proof::load(&proof).map_err(|e| e.to_string())?;
            check_k(proof_data.k)?;
            if proof_data.k > max_k {
                return Err(format!(
                    "{} claims k = {}, above --max-k {max_k} (verifying builds parameters \
                     and keys for 2^k rows; pass --max-k {} to allow it)",
                    proof.display(),
                    proof_data.k,
                    proof_data.k
                ));
            }
            let params = source.params(proof_data.k).map_err(|e| e.to_string())?;
            let (_pk, vk) = keygen(&params);
            let start = Instant::now();
            verify(&params, &vk, &proof_data).map_err(|e| e.to_string())?;
            println!(
                "valid: a memory-consistent trace of {} records (k = {}), verified in {:.1} ms",
                proof_data.records,
                proof_data.k,
                start.elapsed().as_secs_f64() * 1e3
            );
            let insecure = is_insecure_test_s_g2(&params.s_g2());
            println!("trusted parameters: {}", trusted_note(&source, insecure));
            Ok(())
        }
        Cmd::Keygen {
            k,
            output,
            params,
            insecure_test_setup,
        } => {
            let source = params_source(params, insecure_test_setup)?;
            check_k(k)?;
            let start = Instant::now();
            let params = source.params(k).map_err(|e| e.to_string())?;
            let (_pk, vk) = keygen(&params);
            let key = VerifierKey::new(&params, &vk).map_err(|e| e.to_string())?;
            key.save(&output).map_err(|e| e.to_string())?;
            println!(
                "wrote the verifier key for k = {k} ({} bytes) to {} in {:.3} s",
                key.to_bytes().len(),
                output.display(),
                start.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Cmd::Setup { k, output } => {
            check_k(k)?;
            memory_proof::save_params(&insecure_test_setup(k), &output)
                .map_err(|e| e.to_string())?;
            println!(
                "wrote INSECURE test parameters for k = {k} to {}",
                output.display()
            );
            Ok(())
        }
        Cmd::Bench { k, records } => {
            let exe = std::env::current_exe().map_err(|e| e.to_string())?;
            println!(
                "| k | rows | records | setup s | keygen s | prove s | verify ms | proof bytes | peak RSS MiB |"
            );
            println!("|---|---|---|---|---|---|---|---|---|");
            for k in k {
                check_k(k)?;
                let mut cmd = Command::new(&exe);
                cmd.args(["bench-one", "--k", &k.to_string()]);
                if let Some(r) = records {
                    cmd.args(["--records", &r.to_string()]);
                }
                let out = cmd.output().map_err(|e| e.to_string())?;
                if !out.status.success() {
                    return Err(format!(
                        "bench for k = {k} failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
                print!("{}", String::from_utf8_lossy(&out.stdout));
            }
            Ok(())
        }
        Cmd::BenchOne { k, records } => {
            check_k(k)?;
            let n = records.unwrap_or(capacity(k));
            if n > capacity(k) {
                return Err(format!("{n} records exceed the capacity {}", capacity(k)));
            }
            let trace = machine::testing::random_trace(u64::from(k), n);
            let start = Instant::now();
            let params = insecure_test_setup(k);
            let setup_time = start.elapsed();
            let start = Instant::now();
            let (pk, vk) = keygen(&params);
            let keygen_time = start.elapsed();
            let start = Instant::now();
            let proof = prove(&params, &pk, &trace).map_err(|e| e.to_string())?;
            let prove_time = start.elapsed();
            let start = Instant::now();
            verify(&params, &vk, &proof).map_err(|e| e.to_string())?;
            let verify_time = start.elapsed();
            let peak =
                peak_rss_kib().map_or("?".to_string(), |kib| format!("{:.0}", kib as f64 / 1024.0));
            println!(
                "| {k} | {} | {n} | {:.2} | {:.2} | {:.3} | {:.1} | {} | {peak} |",
                1u64 << k,
                setup_time.as_secs_f64(),
                keygen_time.as_secs_f64(),
                prove_time.as_secs_f64(),
                verify_time.as_secs_f64() * 1e3,
                proof.to_bytes().len(),
            );
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("memory-proof: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A proof file claiming k = 24 (or anything above `--max-k`) is refused before any
    /// parameters are built, not verified for minutes with gigabytes of parameters.
    #[test]
    fn verify_refuses_k_above_max_k() {
        let dir = std::env::temp_dir().join(format!("memory-proof-max-k-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("huge.proof");
        let huge = Proof {
            k: MAX_K,
            records: 1,
            bytes: vec![0; 64],
        };
        huge.save(&path).unwrap();
        let verify = |extra: &[&str]| {
            let mut args = vec![
                "memory-proof",
                "verify",
                path.to_str().unwrap(),
                "--insecure-test-setup",
            ];
            args.extend_from_slice(extra);
            run(Cli::parse_from(args))
        };
        let start = Instant::now();
        let err = verify(&[]).unwrap_err();
        assert!(err.contains("above --max-k 20"), "{err}");
        let err = verify(&["--max-k", "23"]).unwrap_err();
        assert!(err.contains("above --max-k 23"), "{err}");
        assert!(start.elapsed().as_secs() < 5);
        // Within the limit the proof is checked (and this one is rejected as garbage).
        let small = Proof { k: MIN_K, ..huge };
        small.save(&path).unwrap();
        let err = verify(&["--max-k", &MIN_K.to_string()]).unwrap_err();
        assert!(err.contains("proof rejected"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Without `--params` or `--insecure-test-setup`, prove, verify and keygen refuse to run
    /// and name both options; both at once are refused by the parser.
    #[test]
    fn parameters_must_be_named() {
        for args in [
            &["memory-proof", "prove", "t.mtrace", "-o", "t.proof"][..],
            &["memory-proof", "verify", "t.proof"][..],
            &["memory-proof", "keygen", "--k", "9", "-o", "k.vk"][..],
        ] {
            let err = run(Cli::parse_from(args)).unwrap_err();
            assert!(
                err.contains("--params FILE") && err.contains("--insecure-test-setup"),
                "{args:?}: {err}"
            );
        }
        for args in [
            &[
                "memory-proof",
                "verify",
                "p",
                "--params",
                "f",
                "--insecure-test-setup",
            ][..],
            &[
                "memory-proof",
                "verify",
                "p",
                "--key",
                "k",
                "--insecure-test-setup",
            ][..],
            &[
                "memory-proof",
                "prove",
                "t",
                "-o",
                "p",
                "--params",
                "f",
                "--insecure-test-setup",
            ][..],
        ] {
            assert!(Cli::try_parse_from(args).is_err(), "{args:?}");
        }
    }
}
