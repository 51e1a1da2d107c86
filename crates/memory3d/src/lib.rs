//! Memory3D: a gas-metered virtual machine whose memory is addressed in three dimensions
//! (X region `u64`, Y plane `u32`, Z offset `u16`), with a sparse SHA-256 Merkle
//! commitment of memory, fragmentation analysis and real compaction, and a small bytecode
//! byte-compatible with the Go reference (rawbytedev/memory3d v0.2.0).
//!
//! ```
//! use memory3d::{Vm3D, VmConfig, RegionType};
//! let mut vm = Vm3D::new(VmConfig { enable_proof: true, ..VmConfig::default() }).unwrap();
//! let a = vm.allocate_memory(256, RegionType::Heap).unwrap();
//! vm.store3d(a, b"data").unwrap();
//! let root = vm.merkle_root().unwrap();
//! let proof = vm.merkle_proof(a).unwrap();
//! assert!(memory3d::verify(&root, a, &vm.chunk(a), &proof));
//! ```

#![forbid(unsafe_code)]

pub mod address;
pub mod allocator;
pub mod compaction;
pub mod error;
mod exec;
pub mod gas;
pub mod isa;
pub mod memory;
pub mod merkle;
pub mod trace;
pub mod types;
pub mod vm;

pub use address::Address3D;
pub use compaction::{CompactionConfig, CompactionReport};
pub use error::{ExecError, VmError};
pub use exec::{Execution, Exit};
pub use merkle::{verify, verify_range, BatchProof, Hash};
pub use types::{AllocFlags, RegionType};
pub use vm::{CompactionOutcome, LogLevel, Vm3D, VmConfig, VmStats};
