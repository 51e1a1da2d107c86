//! The normalised cases: every vector reads into a case, the case file written for them
//! reads back to the same cases, those cases pass on the engine, and damaged case files
//! are refused with a message that says where.

use std::collections::BTreeMap;

use pvm::GpVersion;
use pvm_testkit::case::schema::{read_cases, write_cases, SCHEMA};
use pvm_testkit::case::{all_cases, Case, Expected, Format, Step};
use pvm_testkit::locate::all_sets;
use pvm_testkit::run_case;

#[test]
fn every_vector_becomes_a_case_and_the_case_file_reads_back_to_it() {
    let cases = all_cases().unwrap();
    let expected: usize = all_sets().map(|s| s.count).sum();
    assert_eq!(cases.len(), expected);
    assert_eq!(expected, 364 + 307);
    let gp07 = cases.iter().filter(|c| c.version == GpVersion::V0_7);
    assert!(gp07.clone().all(|c| c.format == Format::Flat));
    assert_eq!(gp07.count(), 307);
    let steps_cases = cases.iter().filter(|c| c.format == Format::Steps);
    assert!(steps_cases.clone().all(|c| c.block_gas_costs.is_some()));
    assert_eq!(steps_cases.count(), 364);
    let text = write_cases(&cases);
    assert_eq!(read_cases(&text).unwrap(), cases);
}

#[test]
fn the_read_back_cases_pass_on_the_engine() {
    let cases = read_cases(&write_cases(&all_cases().unwrap())).unwrap();
    let failed: Vec<String> = cases
        .iter()
        .filter_map(|c| run_case(c).err().map(|e| format!("{}: {e:?}", c.source)))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

/// A small hand-made case: map, write, set a register, run, assert.
fn sample() -> Case {
    Case {
        name: "sample".into(),
        source: "hand-made".into(),
        version: GpVersion::V0_8,
        format: Format::Steps,
        program: vec![0, 0, 1, 0, 1],
        initial_pc: 0,
        initial_gas: u64::MAX,
        block_gas_costs: Some(BTreeMap::from([(0, 1)])),
        steps: vec![
            Step::Map {
                address: 0x2_0000,
                length: 4096,
                writable: true,
            },
            Step::Write {
                address: 0x2_0000,
                data: vec![1, 0, 0xff],
            },
            Step::SetReg {
                reg: 7,
                value: u64::MAX - 1,
            },
            Step::Run,
            Step::Assert(Box::new(Expected {
                status: "panic".into(),
                gas: u64::MAX - 1,
                pc: 0,
                regs: vec![0, 0, 0, 0, 0, 0, 0, u64::MAX - 1, 0, 0, 0, 0, 0],
                memory: BTreeMap::from([(0x2_0000, 1), (0x2_0002, 0xff), (0x2_0003, 7)]),
                page_fault_address: Some(0x1_0000),
                host_call: None,
            })),
        ],
    }
}

#[test]
fn large_values_and_memory_runs_survive_the_file() {
    let case = sample();
    let text = write_cases(std::slice::from_ref(&case));
    // 64-bit values are strings; memory is written as runs of consecutive addresses.
    assert!(text.contains(&format!("\"initial_gas\":\"{}\"", u64::MAX)));
    assert!(
        text.contains(
            r#""memory":[{"address":131072,"data":"01"},{"address":131074,"data":"ff07"}]"#
        ),
        "{text}"
    );
    assert_eq!(read_cases(&text).unwrap(), vec![case]);
}

#[test]
fn damaged_case_files_are_refused_with_where() {
    let good = write_cases(&[sample()]);
    let damaged = [
        (good.replace(SCHEMA, "other/1"), "`schema`"),
        (
            good.replace("\"op\":\"run\"", "\"op\":\"jump\""),
            "unknown op `jump`",
        ),
        (
            good.replace("\"data\":\"01\"", "\"data\":\"0\""),
            "`data` is not hex",
        ),
        (good.replace("\"gp\":\"0.8\"", "\"gp\":\"0.9\""), "`gp`"),
        (
            good.replace(&format!("\"{}\"", u64::MAX - 1), "12"),
            "decimal string",
        ),
        (
            good.replace("\"initial_pc\":0,", ""),
            "missing `initial_pc`",
        ),
        (good[..good.len() / 2].to_string(), "document"),
    ];
    for (text, message) in damaged {
        let error = read_cases(&text).unwrap_err().to_string();
        assert!(error.contains(message), "{message}: {error}");
    }
    let error = read_cases(&good.replace("\"op\":\"run\"", "\"op\":\"jump\"")).unwrap_err();
    assert_eq!(error.at, "case 0 (sample), step 3");
}

#[test]
fn a_case_that_does_not_hold_is_reported() {
    let mut case = all_cases()
        .unwrap()
        .into_iter()
        .find(|c| c.name == "inst_store_u8" && c.format == Format::Flat)
        .unwrap();
    assert_eq!(run_case(&case), Ok(()));
    let Some(Step::Assert(expected)) = case.steps.last_mut() else {
        panic!("a flat case ends with an assert");
    };
    expected.status = "halt".into();
    expected.memory.clear();
    let errors = run_case(&case).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("status: expected halt")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.starts_with("memory differs")),
        "{errors:?}"
    );
}
