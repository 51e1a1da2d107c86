//! The benchmark corpus: the `bench` cases of `guests/expected.txt`, PolkaVM's gas for
//! them from `guests/expected-gas.txt`, and the program blobs in `guests/bin/`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::BenchError;

/// One benchmark case: a call of an export with a size argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Program name (`guests/bin/<program>.polkavm`).
    pub program: String,
    /// Exported function.
    pub export: String,
    /// The size argument, passed in a0.
    pub arg: u64,
    /// The checksum the native build returns.
    pub expected: u64,
    /// Gas used under PolkaVM 0.37 as recorded by `guests/oracle`, if recorded.
    pub oracle_gas: Option<u64>,
}

/// The guests directory (`../guests` of this crate).
pub fn guests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../guests")
}

/// The blob of `program`.
pub fn blob_path(program: &str) -> PathBuf {
    guests_dir().join("bin").join(format!("{program}.polkavm"))
}

/// Reads the blob of `program`.
pub fn read_blob(program: &str) -> Result<Vec<u8>, BenchError> {
    let path = blob_path(program);
    std::fs::read(&path).map_err(|e| BenchError::io(path, e))
}

/// The bench cases of `guests/expected.txt`, in file order, with the oracle's gas, whose
/// program name contains `filter` (all without one).
pub fn bench_cases(filter: Option<&str>) -> Result<Vec<Case>, BenchError> {
    let dir = guests_dir();
    let gas = oracle_gas(&dir.join("expected-gas.txt"))?;
    let path = dir.join("expected.txt");
    let mut cases = Vec::new();
    for (line, fields) in records(&path)? {
        if fields.last().map(String::as_str) != Some("bench") {
            continue;
        }
        if fields.len() != 5 {
            return Err(malformed(
                &path,
                line,
                "expected PROGRAM EXPORT ARG RESULT bench",
            ));
        }
        let arg = number(&path, line, &fields[2])?;
        let expected = number(&path, line, &fields[3])?;
        let key = (fields[0].clone(), fields[1].clone(), arg);
        cases.push(Case {
            oracle_gas: gas.get(&key).copied(),
            program: key.0,
            export: key.1,
            arg,
            expected,
        });
    }
    if let Some(filter) = filter {
        cases.retain(|case| case.program.contains(filter));
    }
    Ok(cases)
}

/// The case whose blob is the largest, with the blob.
pub fn largest_program(cases: &[Case]) -> Result<Option<(Case, Vec<u8>)>, BenchError> {
    let mut largest: Option<(Case, Vec<u8>)> = None;
    for case in cases {
        let blob = read_blob(&case.program)?;
        if largest.as_ref().is_none_or(|(_, b)| blob.len() > b.len()) {
            largest = Some((case.clone(), blob));
        }
    }
    Ok(largest)
}

/// The native checksum `guests/expected.txt` records for `export(arg)` of `program` (a
/// bench case or not), if it records one.
pub fn expected_result(program: &str, export: &str, arg: u64) -> Result<Option<u64>, BenchError> {
    let path = guests_dir().join("expected.txt");
    for (line, fields) in records(&path)? {
        if fields.len() < 4 || fields[0] != program || fields[1] != export {
            continue;
        }
        if number(&path, line, &fields[2])? == arg {
            return number(&path, line, &fields[3]).map(Some);
        }
    }
    Ok(None)
}

/// `(program, export, arg) → gas used` from `expected-gas.txt`; empty if the file is missing.
fn oracle_gas(path: &Path) -> Result<HashMap<(String, String, u64), u64>, BenchError> {
    if !path.exists() {
        return Ok(HashMap::new());
    }
    let mut gas = HashMap::new();
    for (line, fields) in records(path)? {
        if fields.len() != 5 {
            return Err(malformed(
                path,
                line,
                "expected PROGRAM EXPORT ARG RESULT GAS",
            ));
        }
        let arg = number(path, line, &fields[2])?;
        let used = number(path, line, &fields[4])?;
        gas.insert((fields[0].clone(), fields[1].clone(), arg), used);
    }
    Ok(gas)
}

/// The non-empty, non-comment lines of `path`, split on whitespace, with line numbers.
fn records(path: &Path) -> Result<Vec<(usize, Vec<String>)>, BenchError> {
    let text = std::fs::read_to_string(path).map_err(|e| BenchError::io(path, e))?;
    Ok(text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(i, line)| (i, line.split_whitespace().map(str::to_string).collect()))
        .collect())
}

fn number(path: &Path, line: usize, text: &str) -> Result<u64, BenchError> {
    text.parse()
        .map_err(|_| malformed(path, line, &format!("`{text}` is not a u64")))
}

fn malformed(path: &Path, line: usize, message: &str) -> BenchError {
    BenchError::Corpus {
        path: path.to_path_buf(),
        line,
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_has_bench_cases_with_oracle_gas() {
        let cases = bench_cases(None).unwrap();
        assert!(cases.len() >= 12, "{} bench cases", cases.len());
        for case in &cases {
            assert!(case.oracle_gas.is_some(), "{case:?}");
            assert!(blob_path(&case.program).exists(), "{case:?}");
        }
        let zlib = bench_cases(Some("zlib")).unwrap();
        assert_eq!(zlib.len(), 1);
        assert!(zlib[0].arg >= 1 << 20);
        assert_eq!(
            expected_result("zlib", "zlib_deflate", zlib[0].arg).unwrap(),
            Some(zlib[0].expected)
        );
        assert!(expected_result("zlib", "zlib_deflate", 1000)
            .unwrap()
            .is_some());
        assert_eq!(expected_result("zlib", "zlib_deflate", 7).unwrap(), None);
        let (largest, blob) = largest_program(&cases).unwrap().unwrap();
        assert!(cases
            .iter()
            .all(|c| read_blob(&c.program).unwrap().len() <= blob.len()));
        assert_eq!(read_blob(&largest.program).unwrap(), blob);
    }
}
