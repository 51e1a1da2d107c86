//! The `memory-proof` binary and the parameter helpers.

use std::{path::PathBuf, process::Command};

use halo2_axiom::{
    halo2curves::bn256::Bn256,
    poly::{commitment::Params as _, kzg::commitment::ParamsKZG},
};
use machine::{testing::random_trace, write_trace, SpaceInfo, Trace};
use memory_proof::{insecure_test_setup, INSECURE_SETUP_SEED};
use rand_core::SeedableRng;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("memory-proof-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_memory-proof"))
        .args(args)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn fast_setup_matches_halo2_setup() {
    let k = 9;
    let reference = ParamsKZG::<Bn256>::setup(
        k,
        rand_chacha::ChaCha20Rng::seed_from_u64(INSECURE_SETUP_SEED),
    );
    let (mut a, mut b) = (Vec::new(), Vec::new());
    reference.write(&mut a).unwrap();
    insecure_test_setup(k).write(&mut b).unwrap();
    assert!(a == b);
}

#[test]
fn cli_proves_and_verifies_a_trace_file() {
    let dir = temp_dir("cli");
    let trace = Trace {
        spaces: machine::testing::RANDOM_SPACES
            .iter()
            .map(|&space| SpaceInfo {
                space,
                name: format!("space{}", space.0),
            })
            .collect(),
        records: random_trace(3, 600),
    };
    let trace_path = dir.join("t.mtrace");
    write_trace(std::fs::File::create(&trace_path).unwrap(), &trace).unwrap();
    let proof_path = dir.join("t.proof");
    let (p, s) = (trace_path.to_str().unwrap(), proof_path.to_str().unwrap());

    // 600 records need k = 10.
    let (ok, out) = run(&["prove", p, "-o", s, "--insecure-test-setup"]);
    assert!(ok, "{out}");
    assert!(out.contains("k = 10"), "{out}");
    let (ok, out) = run(&["verify", s, "--insecure-test-setup"]);
    assert!(ok, "{out}");
    assert!(out.contains("600 records"), "{out}");
    assert!(
        out.contains("trusted parameters: INSECURE test setup"),
        "{out}"
    );
    // No parameters named: refused, naming both options.
    for args in [&["prove", p, "-o", s][..], &["verify", s][..]] {
        let (ok, out) = run(args);
        assert!(
            !ok && out.contains("--params FILE") && out.contains("--insecure-test-setup"),
            "{out}"
        );
    }

    // Parameters from a file, larger than needed (downsized).
    let params_path = dir.join("k11.params");
    let (ok, out) = run(&["setup", "--k", "11", "-o", params_path.to_str().unwrap()]);
    assert!(ok, "{out}");
    let (ok, out) = run(&["verify", s, "--params", params_path.to_str().unwrap()]);
    assert!(ok, "{out}");
    // The file holds the public-seed parameters: verify says so.
    assert!(
        out.contains(&format!(
            "trusted parameters: {} (the INSECURE test setup's parameters",
            params_path.display()
        )),
        "{out}"
    );

    // A verifier key file: `keygen` then `verify --key` (also from the parameters file).
    let key_path = dir.join("k10.vk");
    let key = key_path.to_str().unwrap();
    let (ok, out) = run(&["keygen", "--k", "10", "-o", key, "--insecure-test-setup"]);
    assert!(ok && out.contains("k = 10"), "{out}");
    let (ok, out) = run(&["verify", s, "--key", key]);
    assert!(ok && out.contains("600 records"), "{out}");
    assert!(
        out.contains(&format!(
            "trusted verifier key: {key} (made from the INSECURE"
        )),
        "{out}"
    );
    let (ok, out) = run(&[
        "keygen",
        "--k",
        "10",
        "-o",
        key,
        "--params",
        params_path.to_str().unwrap(),
    ]);
    assert!(ok, "{out}");
    let (ok, out) = run(&["verify", s, "--key", key]);
    assert!(ok && out.contains("600 records"), "{out}");
    let (ok, out) = run(&["keygen", "--k", "9", "-o", key, "--insecure-test-setup"]);
    assert!(ok, "{out}");
    let (ok, out) = run(&["verify", s, "--key", key]);
    assert!(
        !ok && out.contains("k = 10") && out.contains("k = 9"),
        "{out}"
    );
    std::fs::write(&key_path, b"garbage").unwrap();
    let (ok, out) = run(&["verify", s, "--key", key]);
    assert!(!ok && out.contains("bad magic"), "{out}");

    // Too small a k, and a corrupted proof file.
    let (ok, out) = run(&["prove", p, "-o", s, "--k", "9", "--insecure-test-setup"]);
    assert!(!ok && out.contains("do not fit"), "{out}");
    let mut bytes = std::fs::read(&proof_path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 4;
    std::fs::write(&proof_path, &bytes).unwrap();
    let (ok, out) = run(&["verify", s, "--insecure-test-setup"]);
    assert!(!ok && out.contains("rejected"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The committed traces of the repository's machines (PVM sort of 1000 integers, an EVM
/// memory op stream, a Memory3D program) satisfy the circuit; the small one is also proven.
#[test]
fn committed_machine_traces_satisfy_the_circuit() {
    use halo2_axiom::dev::MockProver;
    use memory_proof::{keygen, prove, smallest_k, verify, MemoryCircuit, Witness};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for path in [
        "examples/traces/sort-1000.mtrace",
        "crates/evm-memory/tests/data/evm_ops_seed1_2000.mtrace",
        "crates/memory3d/tests/data/combined.mtrace",
    ] {
        let file = std::fs::File::open(root.join(path)).unwrap();
        let records = machine::read_trace(std::io::BufReader::new(file))
            .unwrap()
            .records;
        machine::check(&records).unwrap();
        let k = smallest_k(records.len()).unwrap();
        let circuit = MemoryCircuit::new(Witness::from_records(k, &records).unwrap());
        let prover = MockProver::run(k, &circuit, circuit.instances()).unwrap();
        assert_eq!(prover.verify(), Ok(()), "{path}");
        if k == 9 {
            let params = insecure_test_setup(k);
            let (pk, vk) = keygen(&params);
            verify(&params, &vk, &prove(&params, &pk, &records).unwrap()).unwrap();
        }
    }
}

/// Parameters that are not the public seed's (a stand-in for a ceremony's file): `prove`
/// and `verify` use them, `verify` names the file it trusted and no INSECURE note; the
/// verifier key made from them carries none either.
#[test]
fn cli_reports_the_parameters_it_trusted() {
    let dir = temp_dir("trusted");
    let trace = Trace {
        spaces: machine::testing::RANDOM_SPACES
            .iter()
            .map(|&space| SpaceInfo {
                space,
                name: format!("space{}", space.0),
            })
            .collect(),
        records: random_trace(5, 100),
    };
    let trace_path = dir.join("t.mtrace");
    write_trace(std::fs::File::create(&trace_path).unwrap(), &trace).unwrap();
    let params_path = dir.join("other.params");
    let other = ParamsKZG::<Bn256>::setup(9, rand_chacha::ChaCha20Rng::seed_from_u64(1));
    memory_proof::save_params(&other, &params_path).unwrap();
    assert!(!memory_proof::is_insecure_test_s_g2(&other.s_g2()));
    let (t, s, pp) = (
        trace_path.to_str().unwrap(),
        dir.join("t.proof"),
        params_path.to_str().unwrap(),
    );
    let s = s.to_str().unwrap();
    let (ok, out) = run(&["prove", t, "-o", s, "--params", pp]);
    assert!(ok, "{out}");
    let (ok, out) = run(&["verify", s, "--params", pp]);
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!("trusted parameters: {pp}\n")),
        "{out}"
    );
    assert!(!out.contains("INSECURE"), "{out}");
    // The same proof does not verify under the insecure test setup.
    let (ok, out) = run(&["verify", s, "--insecure-test-setup"]);
    assert!(!ok && out.contains("rejected"), "{out}");
    let key = dir.join("k.vk");
    let key = key.to_str().unwrap();
    let (ok, out) = run(&["keygen", "--k", "9", "-o", key, "--params", pp]);
    assert!(ok, "{out}");
    let (ok, out) = run(&["verify", s, "--key", key]);
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!("trusted verifier key: {key}\n")),
        "{out}"
    );
    assert!(!out.contains("INSECURE"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}
