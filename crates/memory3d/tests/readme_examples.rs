//! Runs every `$ m3d ...` command shown in README.md and compares its output verbatim.

use std::process::Command;

#[test]
fn readme_examples_match() {
    let readme = include_str!("../README.md");
    let lines: Vec<&str> = readme.lines().collect();
    let mut checked = 0;
    let mut i = 0;
    while i < lines.len() {
        if let Some(cmd) = lines[i].strip_prefix("$ m3d ") {
            let mut expected = String::new();
            i += 1;
            while i < lines.len() && !lines[i].starts_with("```") {
                expected.push_str(lines[i]);
                expected.push('\n');
                i += 1;
            }
            let out = Command::new(env!("CARGO_BIN_EXE_m3d"))
                .args(cmd.split_whitespace())
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8(out.stdout).unwrap(),
                expected,
                "m3d {cmd}"
            );
            checked += 1;
        }
        i += 1;
    }
    assert!(checked >= 18, "only {checked} examples found");
}

#[test]
fn asm_reads_stdin_and_bad_input_fails() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_m3d"))
        .args(["asm", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"NOP; ADD r1 r2 r3\nHALT\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "0031010203ff\n");
    let out = Command::new(env!("CARGO_BIN_EXE_m3d"))
        .args(["run", "zz"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
