//! `memory-proof`: prove and verify the memory consistency of a trace file, and benchmark.

use std::{
    path::{Path, PathBuf},
    process::{Command, ExitCode},
    time::Instant,
};

use clap::{Parser, Subcommand};
use halo2_axiom::poly::commitment::Params as _;
use memory_proof::{
    capacity, keygen, load_params, prove, setup, smallest_k, verify, verify_with_key, Params,
    Proof, VerifierKey, MAX_K, MIN_K,
};

#[derive(Parser)]
#[command(
    name = "memory-proof",
    about = "Prove and verify that a memory trace is consistent (halo2, KZG on BN254)",
    long_about = "Prove and verify that a memory trace (machine's .mtrace format) is \
                  memory-consistent.\n\nWithout --params the KZG parameters come from a fixed \
                  public seed: an INSECURE test setup, fine for benchmarks and tests, not for \
                  proofs anyone should trust."
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
        /// KZG parameters file (halo2 raw format, at least 2^K); default: insecure test setup.
        #[arg(long)]
        params: Option<PathBuf>,
    },
    /// Verify a proof file; prints the number of records it covers.
    Verify {
        /// The proof.
        proof: PathBuf,
        /// KZG parameters file (must be the prover's); default: insecure test setup.
        #[arg(long, conflicts_with = "key")]
        params: Option<PathBuf>,
        /// Verifier key file (from `keygen`): verify with it instead of rebuilding the
        /// parameters and the verifying key.
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
        /// KZG parameters file (halo2 raw format, at least 2^K); default: insecure test setup.
        #[arg(long)]
        params: Option<PathBuf>,
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
    /// Prove and verify random valid traces filling the circuit, each k in a child process;
    /// prints prove/verify time, proof size and peak memory.
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

fn params_for(k: u32, file: Option<&Path>) -> Result<Params, String> {
    match file {
        None => Ok(setup(k)),
        Some(path) => {
            let params =
                load_params(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
            match params.k().cmp(&k) {
                std::cmp::Ordering::Less => Err(format!(
                    "{} has parameters for k = {}, need k = {k}",
                    path.display(),
                    params.k()
                )),
                std::cmp::Ordering::Equal => Ok(params),
                std::cmp::Ordering::Greater => Ok(memory_proof::downsize(&params, k)),
            }
        }
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
        } => {
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
            let params = params_for(k, params.as_deref())?;
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
            key: Some(key),
            ..
        } => {
            debug_assert!(params.is_none());
            let start = Instant::now();
            let proof_data = Proof::load(&proof).map_err(|e| e.to_string())?;
            let key = VerifierKey::load(&key).map_err(|e| format!("{}: {e}", key.display()))?;
            let loaded = start.elapsed();
            let start = Instant::now();
            verify_with_key(&key, &proof_data).map_err(|e| e.to_string())?;
            println!(
                "valid: a memory-consistent trace of {} records (k = {}), verified in {:.1} ms \
                 (reading proof and key {:.1} ms)",
                proof_data.records,
                proof_data.k,
                start.elapsed().as_secs_f64() * 1e3,
                loaded.as_secs_f64() * 1e3
            );
            Ok(())
        }
        Cmd::Verify {
            proof,
            params,
            key: None,
            max_k,
        } => {
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
            let params = params_for(proof_data.k, params.as_deref())?;
            let (_pk, vk) = keygen(&params);
            let start = Instant::now();
            verify(&params, &vk, &proof_data).map_err(|e| e.to_string())?;
            println!(
                "valid: a memory-consistent trace of {} records (k = {}), verified in {:.1} ms",
                proof_data.records,
                proof_data.k,
                start.elapsed().as_secs_f64() * 1e3
            );
            Ok(())
        }
        Cmd::Keygen { k, output, params } => {
            check_k(k)?;
            let start = Instant::now();
            let params = params_for(k, params.as_deref())?;
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
            memory_proof::save_params(&setup(k), &output).map_err(|e| e.to_string())?;
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
            let params = setup(k);
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
            let mut args = vec!["memory-proof", "verify", path.to_str().unwrap()];
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
}
