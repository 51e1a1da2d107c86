//! Where the conformance vectors are: the one place that reads `$PVM_VECTORS`.

use std::path::{Path, PathBuf};

use pvm::GpVersion;

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The conformance vectors: `$PVM_VECTORS` if set, else `../shared/pvm-vectors` relative
/// to the workspace root.
pub fn vectors_root() -> PathBuf {
    match std::env::var_os("PVM_VECTORS") {
        Some(path) => PathBuf::from(path),
        None => workspace_root().join("../shared/pvm-vectors"),
    }
}

/// One set of vectors under [`vectors_root`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VectorSet {
    /// Directory name under the vectors root.
    pub name: &'static str,
    /// The Gray Paper version (opcode numbering and gas model) the set is written for.
    pub version: GpVersion,
    /// How many vector files the set holds.
    pub count: usize,
}

impl VectorSet {
    /// The directory holding the set's `.json` files.
    pub fn programs(&self) -> PathBuf {
        vectors_root().join(self.name).join("programs")
    }
}

/// The GP 0.8 main suite: PolkaVM spectool e88d5b4 plus the one 0.37.0 case (364).
pub const GP08_SETS: [VectorSet; 2] = [
    VectorSet {
        name: "polkavm-e88d5b4",
        version: GpVersion::V0_8,
        count: 363,
    },
    VectorSet {
        name: "polkavm-0.37.0-extra",
        version: GpVersion::V0_8,
        count: 1,
    },
];

/// The GP 0.7 legacy set: w3f jamtestvectors v0.4 (307), one gas per instruction.
pub const GP07_SETS: [VectorSet; 1] = [VectorSet {
    name: "w3f-v0.4",
    version: GpVersion::V0_7,
    count: 307,
}];

/// Every set, main suite first.
pub fn all_sets() -> impl Iterator<Item = VectorSet> {
    GP08_SETS.into_iter().chain(GP07_SETS)
}

/// Every `.json` file under `paths` (directories are walked recursively; files are taken
/// as given), sorted.
pub fn collect_files(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut stack = vec![path.clone()];
            while let Some(dir) = stack.pop() {
                for entry in std::fs::read_dir(&dir)? {
                    let entry = entry?.path();
                    if entry.is_dir() {
                        stack.push(entry);
                    } else if entry.extension().is_some_and(|e| e == "json") {
                        files.push(entry);
                    }
                }
            }
        } else {
            files.push(path.clone());
        }
    }
    files.sort();
    Ok(files)
}
