//! Conformance: every vector in `../shared/pvm-vectors` (beside the repository; override
//! with `PVM_VECTORS=/path`). Status, pc, registers, gas, memory, page-fault address,
//! host-call id and, for the steps format, every block's gas cost are checked.

use std::path::PathBuf;

use pvm::GpVersion;
use pvm_cli::vectors::{collect_files, run_all};

fn vectors_root() -> PathBuf {
    if let Some(path) = std::env::var_os("PVM_VECTORS") {
        return PathBuf::from(path);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/pvm-vectors")
}

fn check_set(sets: &[&str], version: GpVersion, expected_count: usize) {
    let root = vectors_root();
    let paths: Vec<PathBuf> = sets.iter().map(|s| root.join(s).join("programs")).collect();
    for path in &paths {
        assert!(
            path.is_dir(),
            "conformance vectors missing at {} (set PVM_VECTORS)",
            path.display()
        );
    }
    assert_eq!(collect_files(&paths).unwrap().len(), expected_count);
    let summary = run_all(&paths, version).unwrap();
    let report: Vec<String> = summary
        .failed
        .iter()
        .map(|(file, errors)| format!("{}: {}", file.display(), errors.join("; ")))
        .collect();
    assert!(
        report.is_empty(),
        "{} failed:\n{}",
        report.len(),
        report.join("\n")
    );
    assert_eq!(summary.passed, expected_count);
}

#[test]
fn gp08_main_suite_and_extra_vector() {
    check_set(
        &["polkavm-e88d5b4", "polkavm-0.37.0-extra"],
        GpVersion::V0_8,
        364,
    );
}

#[test]
fn gp07_w3f_v04_suite() {
    check_set(&["w3f-v0.4"], GpVersion::V0_7, 307);
}

#[test]
fn a_wrong_expectation_is_reported() {
    // Guard against a runner that passes everything: corrupt one expected value.
    let root = vectors_root().join("polkavm-e88d5b4/programs/gas_complex_2.json");
    let text = std::fs::read_to_string(root).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(pvm_cli::vectors::run_vector(&json, GpVersion::V0_8).is_ok());
    json["steps"][1]["assert"]["gas"] = 13.into();
    let errors = pvm_cli::vectors::run_vector(&json, GpVersion::V0_8).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("gas: expected 13, got 12")),
        "{errors:?}"
    );
    json["block-gas-costs"][0]["cost"] = 21.into();
    let errors = pvm_cli::vectors::run_vector(&json, GpVersion::V0_8).unwrap_err();
    assert!(
        errors.iter().any(|e| e.contains("block gas costs")),
        "{errors:?}"
    );
}
