//! The programs of the start-up benchmark: every guest in `guests/bin` (its bench case's
//! export and argument) plus any given with `--startup-program PATH[:EXPORT]` (argument 0).

use std::path::{Path, PathBuf};

use pvm::container::Container;

use crate::corpus::{bench_cases, guests_dir};
use crate::error::BenchError;

/// A `--startup-program` argument: a `.polkavm` file and optionally the export to call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartProgramArg {
    /// The file.
    pub path: PathBuf,
    /// The export; `None`: the first one.
    pub export: Option<String>,
}

impl StartProgramArg {
    /// Parses `PATH[:EXPORT]` (an `EXPORT` has no `/`, so paths with `:` in a directory
    /// name still work).
    pub fn parse(text: &str) -> Result<StartProgramArg, BenchError> {
        let (path, export) = match text.rsplit_once(':') {
            Some((path, export)) if !export.contains('/') => (path, Some(export)),
            _ => (text, None),
        };
        if path.is_empty() || export == Some("") {
            return Err(BenchError::Usage(format!(
                "--startup-program: `{text}` is not PATH[:EXPORT]"
            )));
        }
        Ok(StartProgramArg {
            path: PathBuf::from(path),
            export: export.map(str::to_string),
        })
    }
}

/// A program to start, with the facts the report lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartProgram {
    /// Name in the report (the file stem).
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Its bytes.
    pub blob: Vec<u8>,
    /// The export called.
    pub export: String,
    /// Its argument (a0).
    pub arg: u64,
    /// Code bytes (the container's code section, without bitmask and jump table).
    pub code_bytes: usize,
    /// RO + RW data bytes in the container.
    pub data_bytes: usize,
    /// Jump-table entries.
    pub jump_table_len: usize,
    /// The container's exports.
    pub exports: Vec<String>,
}

impl StartProgram {
    /// `export(arg)`.
    pub fn call(&self) -> String {
        format!("{}({})", self.export, self.arg)
    }

    fn read(path: &Path, export: Option<String>, arg: u64) -> Result<StartProgram, BenchError> {
        let blob = std::fs::read(path).map_err(|e| BenchError::io(path, e))?;
        let name = path.file_stem().map_or_else(
            || path.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        let container = Container::parse(&blob).map_err(|source| BenchError::Container {
            program: name.clone(),
            source,
        })?;
        let exports: Vec<String> = container.exports.iter().map(|e| e.name.clone()).collect();
        let export = match export {
            Some(export) => export,
            None => exports.first().cloned().ok_or_else(|| {
                BenchError::Usage(format!("{}: the program has no export", path.display()))
            })?,
        };
        Ok(StartProgram {
            name,
            path: path.to_path_buf(),
            code_bytes: container.code.len(),
            data_bytes: container.ro_data.len() + container.rw_data.len(),
            jump_table_len: container.jump_table.len(),
            exports,
            blob,
            export,
            arg,
        })
    }
}

/// The guests of `guests/bin` (sorted by name; each with its first bench case's export and
/// argument, else its first export and 0), then `extra`.
pub fn programs(extra: &[StartProgramArg]) -> Result<Vec<StartProgram>, BenchError> {
    let bin = guests_dir().join("bin");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&bin)
        .map_err(|e| BenchError::io(&bin, e))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "polkavm"))
        .collect();
    paths.sort();
    let cases = bench_cases(None)?;
    let mut programs = Vec::new();
    for path in paths {
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        let case = cases.iter().find(|c| Some(&c.program) == stem.as_ref());
        let (export, arg) = case.map_or((None, 0), |c| (Some(c.export.clone()), c.arg));
        programs.push(StartProgram::read(&path, export, arg)?);
    }
    for program in extra {
        programs.push(StartProgram::read(
            &program.path,
            program.export.clone(),
            0,
        )?);
    }
    Ok(programs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_arguments_parse() {
        let arg = StartProgramArg::parse("/x/doom.polkavm:ext_tick").unwrap();
        assert_eq!(arg.path, PathBuf::from("/x/doom.polkavm"));
        assert_eq!(arg.export.as_deref(), Some("ext_tick"));
        let arg = StartProgramArg::parse("/a:b/doom.polkavm").unwrap();
        assert_eq!(arg.path, PathBuf::from("/a:b/doom.polkavm"));
        assert_eq!(arg.export, None);
        for bad in ["", ":x", "p.polkavm:"] {
            assert!(StartProgramArg::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_guest_is_listed_with_its_bench_export() {
        let programs = programs(&[]).unwrap();
        let zlib = programs.iter().find(|p| p.name == "zlib").unwrap();
        assert!(zlib.exports.contains(&zlib.export));
        assert!(zlib.code_bytes > 0 && zlib.code_bytes < zlib.blob.len());
        assert!(programs.len() >= 12);
    }
}
