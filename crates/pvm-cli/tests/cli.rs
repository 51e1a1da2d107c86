//! The `pvm` binary end to end: outputs, JSON shape and exit codes.

use std::path::PathBuf;
use std::process::{Command, Output};

fn pvm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pvm"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("run pvm")
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pvm-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// load_imm r7, 42 ; jump_ind r0 (r0 = 0: panics) — a raw blob.
const PANICS: [u8; 9] = [0, 0, 5, 51, 7, 42, 50, 0, 0b1001];

#[test]
fn test_vectors_prints_the_summary_line() {
    let output = pvm(&[
        "test-vectors",
        "../shared/pvm-vectors/polkavm-e88d5b4/programs",
        "../shared/pvm-vectors/polkavm-0.37.0-extra/programs",
    ]);
    let text = stdout(&output);
    assert_eq!(text.lines().last(), Some("364 passed, 0 failed"), "{text}");
    assert!(output.status.success());

    let output = pvm(&[
        "test-vectors",
        "--gp",
        "0.7",
        "../shared/pvm-vectors/w3f-v0.4/programs",
    ]);
    assert_eq!(stdout(&output).lines().last(), Some("307 passed, 0 failed"));
}

#[test]
fn test_vectors_emit_cases_writes_the_normalised_case_file() {
    let file = temp_file("cases.json", b"");
    // No paths: every known set, each under its own GP version.
    let output = pvm(&["test-vectors", "--emit-cases", file.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    let text = std::fs::read_to_string(&file).unwrap();
    let cases = pvm_testkit::case::schema::read_cases(&text).unwrap();
    assert_eq!(
        stdout(&output),
        format!("671 cases written to {}\n", file.display())
    );
    assert_eq!(cases.len(), 671);
    assert_eq!(
        cases
            .iter()
            .filter(|c| c.version == pvm::GpVersion::V0_7)
            .count(),
        307
    );
    // With paths, under `--gp`.
    let output = pvm(&[
        "test-vectors",
        "--gp",
        "0.7",
        "--emit-cases",
        file.to_str().unwrap(),
        "../shared/pvm-vectors/w3f-v0.4/programs/inst_add_32.json",
    ]);
    assert!(output.status.success(), "{output:?}");
    let cases = pvm_testkit::case::schema::read_cases(&std::fs::read_to_string(&file).unwrap());
    assert_eq!(
        cases.unwrap()[0].source,
        "../shared/pvm-vectors/w3f-v0.4/programs/inst_add_32.json"
    );
    // A missing path is bad input.
    let output = pvm(&[
        "test-vectors",
        "--emit-cases",
        file.to_str().unwrap(),
        "no/such.json",
    ]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn gp07_vectors_fail_under_gp08_rules() {
    // The legacy set relies on the implicit trap and old numbering: GP 0.8 must reject much of it.
    let output = pvm(&["test-vectors", "../shared/pvm-vectors/w3f-v0.4/programs"]);
    let last = stdout(&output)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(!last.ends_with(" 0 failed"), "{last}");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn run_json_is_one_object_with_the_documented_fields() {
    let file = temp_file("panics.bin", &PANICS);
    let output = pvm(&["run", file.to_str().unwrap(), "--json", "--gas", "100"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert_eq!(text.trim().lines().count(), 1, "{text}");
    let json: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(json["status"], "panic");
    assert_eq!(json["pc"], 3);
    assert_eq!(json["regs"].as_array().unwrap().len(), 13);
    assert_eq!(json["regs"][7], 42);
    assert_eq!(
        json["gas_used"].as_u64().unwrap() + json["gas_left"].as_u64().unwrap(),
        100
    );
    assert!(json.get("page_fault_address").is_none());
}

#[test]
fn run_out_of_gas_reports_status_and_keeps_gas() {
    let file = temp_file("oog.bin", &PANICS);
    let output = pvm(&["run", file.to_str().unwrap(), "--json", "--gas", "1"]);
    let json: serde_json::Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(json["status"], "out-of-gas");
    assert_eq!(json["gas_left"], 1);
    assert_eq!(json["gas_used"], 0);
}

#[test]
fn bad_input_exits_with_2_and_a_message() {
    let missing = pvm(&["run", "/nonexistent/program.bin"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read"));

    let garbage = temp_file("garbage.bin", &[0xFF; 64]);
    let output = pvm(&["run", garbage.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("error: "));

    let truncated = temp_file("truncated.bin", &PANICS[..6]);
    let output = pvm(&["run", truncated.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("truncated"));

    let bad_gp = pvm(&["run", garbage.to_str().unwrap(), "--gp", "0.9"]);
    assert_eq!(bad_gp.status.code(), Some(2));
}

#[test]
fn disasm_marks_blocks_with_their_gas() {
    let file = temp_file("disasm.bin", &PANICS);
    let output = pvm(&["disasm", file.to_str().unwrap()]);
    let text = stdout(&output);
    assert!(text.contains("@0: ; block, gas"), "{text}");
    assert!(text.contains("load_imm r7, 42"), "{text}");
    assert!(text.contains("jump_ind r0, 0"), "{text}");
}

#[test]
fn engine_help_names_the_platform_default_and_trace_keeps_the_interpreter() {
    let default = pvm::Engine::default().name();
    for command in ["run", "test-vectors"] {
        let help = stdout(&pvm(&[command, "--help"]));
        assert!(help.contains("--engine"), "{command}: {help}");
        assert!(
            help.contains(&format!("[default: {default}]")),
            "{command}: {help}"
        );
        assert!(
            help.contains("the interpreter elsewhere"),
            "{command}: {help}"
        );
    }
    let help = stdout(&pvm(&["trace", "--help"]));
    assert!(help.contains("[default: interpreter]"), "{help}");
}

#[test]
fn trace_prints_one_line_per_instruction() {
    let file = temp_file("trace.bin", &PANICS);
    let output = pvm(&["trace", file.to_str().unwrap(), "--gas", "100"]);
    let text = stdout(&output);
    let lines: Vec<&str> = text
        .lines()
        .take_while(|l| !l.starts_with("exit:"))
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].contains("load_imm r7, 42") && lines[0].contains("r7=0x2a"),
        "{text}"
    );
    assert!(lines[1].contains("jump_ind"), "{text}");
}

#[test]
fn trace_memory_trace_writes_a_consistent_trace_and_check_memory_accepts_it() {
    let file = temp_file("mt-prog.bin", &PANICS);
    let out = std::env::temp_dir().join(format!("pvm-cli-test-{}", std::process::id()));
    let trace = out.join("run.mtrace");
    let output = pvm(&[
        "trace",
        file.to_str().unwrap(),
        "--memory-trace",
        trace.to_str().unwrap(),
        "--gas",
        "100",
    ]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let text = stdout(&output);
    // load_imm r7, 42 writes r7; jump_ind r0 reads r0 (and panics).
    assert!(
        text.starts_with("memory trace: 2 records (0 memory, 2 registers) written to "),
        "{text}"
    );
    assert!(text.contains("exit: panic"), "{text}");
    assert!(!text.contains("load_imm"), "no instruction lines: {text}");
    let parsed = machine::format::read_trace(std::fs::File::open(&trace).unwrap()).unwrap();
    let names: Vec<&str> = parsed.spaces.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["registers", "memory"]);
    let check = pvm(&["check-memory", trace.to_str().unwrap()]);
    assert_eq!(stdout(&check), "2 records, consistent\n");
    assert!(check.status.success());

    // JSON and a space filter.
    let output = pvm(&[
        "trace",
        file.to_str().unwrap(),
        "--memory-trace",
        trace.to_str().unwrap(),
        "--memory-trace-spaces",
        "memory",
        "--json",
    ]);
    let json: serde_json::Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(json["memory_trace"]["records"], 0);
    assert_eq!(json["memory_trace"]["register_records"], 0);
    assert_eq!(json["status"], "panic");
}

#[test]
fn check_memory_reports_the_violation_with_its_record_index() {
    use machine::format::{write_trace, SpaceInfo, Trace};
    use machine::{Op, Record, Space};
    let record = |time, op, value| Record {
        time,
        space: Space(1),
        address: 0x2_0008,
        op,
        value,
    };
    let trace = Trace {
        spaces: vec![SpaceInfo {
            space: Space(1),
            name: "memory".into(),
        }],
        records: vec![
            record(0, Op::Write, 5),
            record(1, Op::Read, 5),
            record(2, Op::Read, 6),
        ],
    };
    let path = temp_file("bad.mtrace", &[]);
    write_trace(std::fs::File::create(&path).unwrap(), &trace).unwrap();
    let output = pvm(&["check-memory", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        "3 records, inconsistent: record 2: read 6, but the cell held 5 (ReadMismatch)\n"
    );

    let garbage = temp_file("garbage.mtrace", b"not a trace");
    let output = pvm(&["check-memory", garbage.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("bad magic"));
    let missing = pvm(&["check-memory", "/nonexistent/trace.mtrace"]);
    assert_eq!(missing.status.code(), Some(2));
}
