//! Conformance: every vector in `../shared/pvm-vectors` (beside the workspace; override
//! with `PVM_VECTORS=/path`), through the test kit's runner. Status, pc, registers, gas,
//! memory, page-fault address, host-call id and, for the steps format, every block's gas
//! cost are checked, on every engine this platform supports (each named explicitly, so
//! the interpreter stays covered where the default is the recompiler).

use pvm::{Engine, GpVersion};
use pvm_testkit::locate::{collect_files, vectors_root, VectorSet, GP07_SETS, GP08_SETS};
use pvm_testkit::run::run_all_on;
use pvm_testkit::run_vector;

fn check_sets(sets: &[VectorSet]) {
    let version = sets[0].version;
    assert!(sets.iter().all(|s| s.version == version));
    let paths: Vec<_> = sets.iter().map(VectorSet::programs).collect();
    for path in &paths {
        assert!(
            path.is_dir(),
            "conformance vectors missing at {} (set PVM_VECTORS)",
            path.display()
        );
    }
    let expected_count: usize = sets.iter().map(|s| s.count).sum();
    assert_eq!(collect_files(&paths).unwrap().len(), expected_count);
    let engines = [Engine::Interpreter, Engine::Recompiler];
    for engine in engines.into_iter().filter(|e| e.is_supported()) {
        let summary = run_all_on(&paths, version, engine).unwrap();
        let report: Vec<String> = summary
            .failed
            .iter()
            .map(|(file, errors)| format!("{}: {}", file.display(), errors.join("; ")))
            .collect();
        assert!(
            report.is_empty(),
            "{engine}: {} failed:\n{}",
            report.len(),
            report.join("\n")
        );
        assert_eq!(summary.passed, expected_count, "{engine}");
    }
}

#[test]
fn gp08_main_suite_and_extra_vector() {
    assert_eq!(GP08_SETS.iter().map(|s| s.count).sum::<usize>(), 364);
    check_sets(&GP08_SETS);
}

#[test]
fn gp07_w3f_v04_suite() {
    assert_eq!(GP07_SETS.iter().map(|s| s.count).sum::<usize>(), 307);
    check_sets(&GP07_SETS);
}

#[test]
fn a_wrong_expectation_is_reported() {
    // Guard against a runner that passes everything: corrupt one expected value.
    let root = vectors_root().join("polkavm-e88d5b4/programs/gas_complex_2.json");
    let text = std::fs::read_to_string(root).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(run_vector(&json, GpVersion::V0_8).is_ok());
    json["steps"][1]["assert"]["gas"] = 13.into();
    let errors = run_vector(&json, GpVersion::V0_8).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("gas: expected 13, got 12")),
        "{errors:?}"
    );
    json["block-gas-costs"][0]["cost"] = 21.into();
    let errors = run_vector(&json, GpVersion::V0_8).unwrap_err();
    assert!(
        errors.iter().any(|e| e.contains("block gas costs")),
        "{errors:?}"
    );
}

#[test]
fn a_wrong_flat_expectation_is_reported() {
    // The same for the flat (GP 0.7) format: a wrong register and a wrong memory byte.
    let root = vectors_root().join("w3f-v0.4/programs/inst_store_u8.json");
    let text = std::fs::read_to_string(root).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(run_vector(&json, GpVersion::V0_7).is_ok());
    let reg = json["expected-regs"][0].as_u64().unwrap();
    json["expected-regs"][0] = (reg + 1).into();
    json["expected-memory"][0]["contents"][0] = 0x5a.into();
    let errors = run_vector(&json, GpVersion::V0_7).unwrap_err();
    assert!(errors.iter().any(|e| e.starts_with("regs:")), "{errors:?}");
    assert!(
        errors.iter().any(|e| e.starts_with("memory differs:")),
        "{errors:?}"
    );
}
