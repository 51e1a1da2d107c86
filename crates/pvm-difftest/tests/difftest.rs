//! Differential tests against PolkaVM 0.37: a bounded campaign, the saved regression
//! vectors, the load-time regressions, and checks that the comparator and the vector
//! writer really see what they claim to see.
//!
//! Tests that need the oracle print a message and pass on a CPU without AVX2 (PolkaVM's
//! full gas cost model needs it on x86-64); the vector replay needs no oracle.

use std::path::PathBuf;
use std::time::Instant;

use pvm::GpVersion;
use pvm_difftest::campaign;
use pvm_difftest::case::{encode_blob, Action, Case, Host, Origin};
use pvm_difftest::compare::{compare, Options, Verdict};
use pvm_difftest::generate::case_for_seed;
use pvm_difftest::known::Known;
use pvm_difftest::oracle::Oracle;
use pvm_difftest::regressions::{self, LoadExpectation};
use pvm_difftest::vector;

/// Programs in the bounded campaign that runs with every `cargo test`.
const CAMPAIGN_PROGRAMS: u64 = 20_000;

fn oracle() -> Option<Oracle> {
    match Oracle::new() {
        Ok(oracle) => Some(oracle),
        Err(e) => {
            eprintln!("skipped: {e}");
            None
        }
    }
}

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/difftest")
}

#[test]
fn bounded_campaign_has_no_disagreements() {
    let Some(oracle) = oracle() else { return };
    let started = Instant::now();
    let mut findings = Vec::new();
    let summary = campaign::run(
        &oracle,
        0x5EED,
        0,
        CAMPAIGN_PROGRAMS,
        Options::default(),
        |finding| {
            if finding.outcome.verdict.is_disagreement() {
                findings.push(format!(
                    "case {:#018x}: {:?}",
                    finding.case.seed, finding.outcome.verdict
                ));
            }
        },
    );
    println!("{}", summary.details());
    println!(
        "{} ({:.1}s)",
        summary.last_line(),
        started.elapsed().as_secs_f64()
    );
    assert!(findings.is_empty(), "{}", findings.join("\n"));
    assert_eq!(summary.programs, CAMPAIGN_PROGRAMS);
    assert_eq!(summary.disagreements, 0);
    // The campaign must actually exercise the engines: most programs run, every opcode
    // executes, and host calls and page faults make sessions of several runs.
    assert!(summary.both_rejected < CAMPAIGN_PROGRAMS / 4);
    assert!(summary.runs > CAMPAIGN_PROGRAMS);
    let missing = summary.coverage.below(1);
    assert!(missing.is_empty(), "never executed: {missing:?}");
}

#[test]
fn saved_vectors_replay_through_the_conformance_runner() {
    let dir = vectors_dir();
    let files = pvm_cli::vectors::collect_files(std::slice::from_ref(&dir)).unwrap();
    assert!(
        files.len() >= regressions::runtime().len(),
        "{}",
        dir.display()
    );
    // Each supported engine by name (the runner's default is only one of them).
    let engines = [pvm::Engine::Interpreter, pvm::Engine::Recompiler];
    for engine in engines.into_iter().filter(|e| e.is_supported()) {
        let summary =
            pvm_cli::vectors::run_all_on(std::slice::from_ref(&dir), GpVersion::V0_8, engine)
                .unwrap();
        assert!(summary.failed.is_empty(), "{engine}: {:?}", summary.failed);
        assert_eq!(summary.passed, files.len(), "{engine}");
    }
}

#[test]
fn saved_vectors_are_what_polkavm_does_today() {
    let Some(oracle) = oracle() else { return };
    for regression in regressions::runtime() {
        let outcome = compare(&regression.case, &oracle, Options::default());
        assert_eq!(outcome.verdict, Verdict::Agree, "{}", regression.name);
        let fresh = vector::to_json(regression.name, &regression.case, &outcome.session);
        let path = vectors_dir().join(format!("{}.json", regression.name));
        let saved: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            fresh,
            saved,
            "{} is stale: rerun `pvm-difftest --write-regressions tests/vectors/difftest` ({})",
            path.display(),
            regression.why
        );
    }
}

#[test]
fn load_time_regressions_behave_as_recorded() {
    let Some(oracle) = oracle() else { return };
    for regression in regressions::load_time() {
        let case = Case {
            seed: 0,
            origin: Origin::RandomBytes,
            blob: regression.blob.clone(),
            initial_pc: 0,
            gas: 1_000,
            setup: vec![],
            host: Host::Replay(vec![]),
            max_runs: 1,
        };
        let verdict = compare(&case, &oracle, Options::default()).verdict;
        match regression.expect {
            LoadExpectation::BothReject => assert!(
                matches!(verdict, Verdict::BothRejected(..)),
                "{}: {verdict:?}",
                regression.name
            ),
            LoadExpectation::Known(known) => {
                assert_eq!(verdict, Verdict::Known(known), "{}", regression.name)
            }
        }
    }
}

#[test]
fn agreeing_sessions_replay_as_vectors() {
    // Every agreeing session, saved with PolkaVM's observations as expectations, must pass
    // the conformance runner: this checks the vector writer (and the runner) on hundreds of
    // sessions with host calls, page faults and memory writes.
    let Some(oracle) = oracle() else { return };
    let mut replayed = 0;
    let mut multi_run = 0;
    for index in 0..400 {
        let case = case_for_seed(campaign::case_seed(0xFEED, index));
        let outcome = compare(&case, &oracle, Options::default());
        if outcome.verdict != Verdict::Agree {
            continue;
        }
        let json = vector::to_json("session", &case, &outcome.session);
        if let Err(errors) = pvm_cli::vectors::run_vector(&json, GpVersion::V0_8) {
            panic!("case {:#x}: {errors:?}", case.seed);
        }
        replayed += 1;
        if outcome.session.answers.len() > 1 {
            multi_run += 1;
        }
    }
    assert!(replayed > 250, "{replayed}");
    assert!(multi_run > 10, "{multi_run}");
}

#[test]
fn the_comparator_reports_a_divergence_it_sees() {
    // PolkaVM reports the wrong page for a store straddling a read-only page and an
    // unmapped one (spec-notes §16): the comparator must notice and classify it.
    let Some(oracle) = oracle() else { return };
    // store_imm_ind_u32 [r1 + 0], 7 ; trap
    let code = [72, 0x01, 7, 0];
    let case = Case {
        seed: 0,
        origin: Origin::Generated,
        blob: encode_blob(&code, &[0b1001], &[], 0),
        initial_pc: 0,
        gas: 1_000,
        setup: vec![
            Action::Map {
                address: 0x2_0000,
                length: 4096,
                writable: false,
            },
            Action::SetReg {
                reg: 1,
                value: 0x2_0FFE,
            },
        ],
        host: Host::Replay(vec![]),
        max_runs: 1,
    };
    let verdict = compare(&case, &oracle, Options::default()).verdict;
    assert_eq!(
        verdict,
        Verdict::Known(Known::StraddlingStoreReadOnlyThenUnmapped)
    );
    // With the lower page writable both report the unmapped upper page: agreement.
    let mut agreeing = case.clone();
    agreeing.setup[0] = Action::Map {
        address: 0x2_0000,
        length: 4096,
        writable: true,
    };
    assert_eq!(
        compare(&agreeing, &oracle, Options::default()).verdict,
        Verdict::Agree
    );
}
