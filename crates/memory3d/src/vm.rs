//! The VM: configuration, statistics and the gas-metered memory API.
//!
//! Every operation computes its cost from its request, charges it before any effect and
//! fails with "gas exhausted" — changing nothing — when the budget does not cover it.
//! A charged operation that then fails keeps its charge.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use crate::address::{Address3D, PLANE_SIZE};
use crate::allocator::{Allocation, Allocator};
use crate::compaction::{self, CompactionConfig, CompactionReport, Move};
use crate::error::VmError;
use crate::gas::{self, GasMeter};
use crate::memory::Memory;
use crate::merkle::{self, BatchProof, ChunkProof, Hash, CHUNK};
use crate::types::{AllocFlags, RegionType};

/// Logging verbosity (kept for API compatibility; this crate does not log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum LogLevel {
    /// No output.
    Silent,
    /// Errors only.
    Error,
    /// Warnings and errors.
    Warn,
    /// Info, warnings, errors.
    #[default]
    Info,
    /// Full debug output.
    Debug,
}

/// VM configuration, with the document's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmConfig {
    /// Total bytes that may be allocated at once (default 100 MiB).
    pub memory_size: u64,
    /// Gas budget (default 10 000 000).
    pub gas_limit: u64,
    /// Maintain the Merkle tree (default false).
    pub enable_proof: bool,
    /// Allow compaction to move allocations (default true).
    pub enable_compaction: bool,
    /// Instructions one `execute` call may run (default 100 000).
    pub max_instructions: u64,
    /// Logging verbosity (default Info).
    pub log_level: LogLevel,
}

impl Default for VmConfig {
    fn default() -> Self {
        Self {
            memory_size: 100 * 1024 * 1024,
            gas_limit: 10_000_000,
            enable_proof: false,
            enable_compaction: true,
            max_instructions: 100_000,
            log_level: LogLevel::Info,
        }
    }
}

/// VM statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmStats {
    /// Instructions run by all `execute` calls.
    pub instructions_executed: u64,
    /// Gas consumed (net of refunds).
    pub total_gas_used: u64,
    /// Allocations made (API, bytecode and auto-allocation).
    pub allocations: u64,
    /// Bytes currently allocated.
    pub memory_usage: u64,
    /// Allocations that spanned more than one plane.
    pub y_promotions: u64,
    /// When the VM was created.
    pub start_time: SystemTime,
    /// Time since creation.
    pub run_time: Duration,
}

/// What one compaction did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CompactionOutcome {
    /// The moves made, in order.
    pub moves: Vec<Move>,
    /// Total bytes moved.
    pub bytes_moved: u64,
    /// Gas charged.
    pub gas_charged: u64,
    /// Gas refunded.
    pub gas_refunded: u64,
}

/// The Memory3D virtual machine.
#[derive(Debug, Clone)]
pub struct Vm3D {
    pub(crate) config: VmConfig,
    pub(crate) gas: GasMeter,
    pub(crate) alloc: Allocator,
    pub(crate) mem: Memory,
    pub(crate) regs: [Vec<u8>; 16],
    pub(crate) temporaries: Vec<u64>,
    pub(crate) instructions: u64,
    allocations: u64,
    y_promotions: u64,
    start_time: SystemTime,
    started: Instant,
}

impl Vm3D {
    /// Creates a VM. Fails with "invalid configuration" when `memory_size` is 0.
    pub fn new(config: VmConfig) -> Result<Self, VmError> {
        if config.memory_size == 0 {
            return Err(VmError::InvalidConfig);
        }
        Ok(Self {
            gas: GasMeter::new(config.gas_limit),
            alloc: Allocator::new(config.memory_size),
            mem: Memory::new(config.enable_proof),
            regs: Default::default(),
            temporaries: Vec::new(),
            instructions: 0,
            allocations: 0,
            y_promotions: 0,
            start_time: SystemTime::now(),
            started: Instant::now(),
            config,
        })
    }

    /// Shuts the VM down, releasing all memory, and returns the final statistics.
    pub fn shutdown(self) -> VmStats {
        self.stats()
    }

    /// The configuration.
    pub fn config(&self) -> &VmConfig {
        &self.config
    }

    /// Current statistics.
    pub fn stats(&self) -> VmStats {
        VmStats {
            instructions_executed: self.instructions,
            total_gas_used: self.gas.used(),
            allocations: self.allocations,
            memory_usage: self.alloc.used(),
            y_promotions: self.y_promotions,
            start_time: self.start_time,
            run_time: self.started.elapsed(),
        }
    }

    /// Gas still available.
    pub fn gas_remaining(&self) -> u64 {
        self.gas.remaining()
    }

    /// Gas consumed (net of refunds).
    pub fn gas_used(&self) -> u64 {
        self.gas.used()
    }

    /// Register `i` (0–15).
    pub fn register(&self, i: usize) -> &[u8] {
        &self.regs[i]
    }

    /// Sets register `i` (0–15).
    pub fn set_register(&mut self, i: usize, value: Vec<u8>) {
        self.regs[i] = value;
    }

    /// Live allocations in id order.
    pub fn allocations(&self) -> impl Iterator<Item = &Allocation> {
        self.alloc.iter()
    }

    /// The allocation containing `addr`.
    pub fn allocation_at(&self, addr: Address3D) -> Option<&Allocation> {
        self.alloc.find(addr)
    }

    /// Reads `size` bytes at `addr`. Gas: 10 + 2/byte.
    pub fn load3d(&mut self, addr: Address3D, size: u32) -> Result<Vec<u8>, VmError> {
        self.gas.charge(gas::load_cost(u64::from(size)))?;
        let a = self.alloc.find_range(addr, u64::from(size))?;
        Ok(self.mem.read(a.x, addr.linear(), u64::from(size)))
    }

    /// Writes `data` at `addr`. Gas: 15 + 2/byte; when `addr` is in no allocation, a heap
    /// allocation of exactly `data.len()` bytes is made there first and charged as well
    /// (20 + 1/byte, plus the Y-promotion if it spans planes), all in one charge.
    pub fn store3d(&mut self, addr: Address3D, data: &[u8]) -> Result<(), VmError> {
        let len = data.len() as u64;
        let auto = self.alloc.find(addr).is_none();
        let mut cost = gas::store_cost(len);
        if auto {
            cost = cost.saturating_add(Self::alloc_total_cost(len));
        }
        self.gas.charge(cost)?;
        if len == 0 {
            return if auto {
                Err(VmError::AllocationFailed)
            } else {
                Ok(())
            };
        }
        if auto {
            let p = self.alloc.plan_at(addr, len)?;
            self.commit_alloc(p, len, RegionType::Heap, AllocFlags::default());
        }
        let a = self.alloc.find_range(addr, len)?;
        if !a.flags.writable() {
            return Err(VmError::AccessDenied);
        }
        let x = a.x;
        self.mem.write(x, addr.linear(), data);
        Ok(())
    }

    fn alloc_total_cost(size: u64) -> u64 {
        let promo = if size > PLANE_SIZE {
            gas::Y_PROMOTION
        } else {
            0
        };
        gas::alloc_cost(size).saturating_add(promo)
    }

    fn commit_alloc(
        &mut self,
        p: crate::allocator::Placement,
        size: u64,
        rt: RegionType,
        flags: AllocFlags,
    ) -> Allocation {
        let a = self.alloc.commit(p, size, rt, flags);
        self.mem.zero(a.x, a.start, a.size);
        self.allocations += 1;
        if a.is_promoted() {
            self.y_promotions += 1;
        }
        a
    }

    /// Allocates `size` zeroed bytes in a region of `region_type`. Gas: 20 + 1/byte, plus
    /// 100 for a Y-promotion (size above one plane).
    pub fn allocate_memory(
        &mut self,
        size: u32,
        region_type: RegionType,
    ) -> Result<Address3D, VmError> {
        self.allocate_with_flags(size, region_type, AllocFlags::default())
    }

    /// [`Vm3D::allocate_memory`] with allocation flags.
    pub fn allocate_with_flags(
        &mut self,
        size: u32,
        region_type: RegionType,
        flags: AllocFlags,
    ) -> Result<Address3D, VmError> {
        let size = u64::from(size);
        self.gas.charge(Self::alloc_total_cost(size))?;
        let p = self.alloc.plan(size, region_type)?;
        let a = self.commit_alloc(p, size, region_type, flags);
        if flags.contains(AllocFlags::TEMPORARY) {
            self.temporaries.push(a.id);
        }
        Ok(a.address())
    }

    /// Frees the allocation starting at `addr`, zeroing its bytes. Gas: 5.
    pub fn free3d(&mut self, addr: Address3D) -> Result<(), VmError> {
        self.gas.charge(gas::FREE)?;
        let a = self
            .alloc
            .find(addr)
            .filter(|a| a.address() == addr)
            .ok_or(VmError::AddressNotAllocated)?;
        if a.flags.contains(AllocFlags::PROTECTED) {
            return Err(VmError::AccessDenied);
        }
        let id = a.id;
        self.release(id);
        Ok(())
    }

    pub(crate) fn release(&mut self, id: u64) {
        if let Some(a) = self.alloc.remove(id) {
            self.mem.zero(a.x, a.start, a.size);
        }
    }

    /// Copies `size` bytes from `src` to `dst` (both inside allocations; ranges may
    /// overlap). Gas: 25 + 2/byte.
    pub fn copy3d(&mut self, src: Address3D, dst: Address3D, size: u32) -> Result<(), VmError> {
        let size = u64::from(size);
        self.gas.charge(gas::copy_cost(size))?;
        if size == 0 {
            return Ok(());
        }
        let sx = self.alloc.find_range(src, size)?.x;
        let d = self.alloc.find_range(dst, size)?;
        if !d.flags.writable() {
            return Err(VmError::AccessDenied);
        }
        let dx = d.x;
        let data = self.mem.read(sx, src.linear(), size);
        self.mem.write(dx, dst.linear(), &data);
        Ok(())
    }

    /// The Merkle root, or `None` when proofs are disabled.
    pub fn merkle_root(&self) -> Option<Hash> {
        self.mem.tree().map(|t| t.root())
    }

    fn tree(&self) -> Result<&merkle::SparseMerkle, VmError> {
        self.mem.tree().ok_or(VmError::MerkleNotEnabled)
    }

    /// The 32-byte chunk (leaf content) containing `addr`.
    pub fn chunk(&self, addr: Address3D) -> [u8; 32] {
        self.mem.chunk(merkle::chunk_key(addr))
    }

    /// Proof (siblings, leaf first) for the chunk containing `addr`; for a chunk that
    /// holds only zeros it is a non-membership proof.
    pub fn merkle_proof(&self, addr: Address3D) -> Result<Vec<Hash>, VmError> {
        let t = self.tree()?;
        if !addr.is_valid() {
            return Err(VmError::InvalidAddress);
        }
        Ok(t.proof(merkle::chunk_key(addr)))
    }

    /// Proof that `len` bytes from `addr` hold their current contents.
    pub fn merkle_batch_proof(&self, addr: Address3D, len: u64) -> Result<BatchProof, VmError> {
        let t = self.tree()?;
        if !addr.is_valid() || len == 0 || addr.linear() + len > crate::address::REGION_SIZE {
            return Err(VmError::InvalidAddress);
        }
        let first = addr.linear() / CHUNK;
        let last = (addr.linear() + len - 1) / CHUNK;
        let chunks = (first..=last)
            .map(|c| {
                let key = (addr.x << 43) | c;
                ChunkProof {
                    key,
                    chunk: self.mem.chunk(key),
                    siblings: t.proof(key),
                }
            })
            .collect();
        Ok(BatchProof { chunks })
    }

    /// Checks `proof` for the chunk containing `addr` holding `data` (32 bytes) against the
    /// current root. The same check without a VM is [`merkle::verify`].
    pub fn verify_memory_state(
        &self,
        addr: Address3D,
        data: &[u8],
        proof: &[Hash],
    ) -> Result<bool, VmError> {
        let root = self.tree()?.root();
        Ok(merkle::verify(&root, addr, data, proof))
    }

    /// Fragmentation report per region.
    pub fn compaction_report(&self) -> BTreeMap<u64, CompactionReport> {
        compaction::report(&self.alloc)
    }

    /// Ids of the allocations a compaction with `config` would move.
    pub fn analyze_compaction(&self, config: &CompactionConfig) -> Vec<u64> {
        compaction::analyze(&self.alloc, config)
    }

    /// Runs a compaction instruction (must be MCOMPACT3D) with the default configuration.
    pub fn execute_compact(
        &mut self,
        inst: &crate::isa::Instruction,
    ) -> Result<CompactionOutcome, VmError> {
        if inst.op != crate::isa::Op::MCompact3D {
            return Err(VmError::UnsupportedOpcode);
        }
        self.compact(&CompactionConfig::default())
    }

    /// Compacts: moves the planned allocations down (contents and commitment follow).
    /// Gas: 50 + ⌈bytes moved / 2⌉, charged first; then `gas_refund_percentage` × bytes
    /// moved is refunded (never below zero gas used). With compaction disabled nothing moves.
    pub fn compact(&mut self, config: &CompactionConfig) -> Result<CompactionOutcome, VmError> {
        let moves = if self.config.enable_compaction {
            compaction::plan(&self.alloc, config)
        } else {
            Vec::new()
        };
        let bytes_moved: u64 = moves.iter().map(|m| m.size).sum();
        let cost = gas::compact_cost(bytes_moved);
        self.gas.charge(cost)?;
        for m in &moves {
            let data = self.mem.read(m.x, m.from, m.size);
            self.mem.zero(m.x, m.from, m.size);
            self.mem.write(m.x, m.to, &data);
            self.alloc.relocate(m.id, m.to);
        }
        let pct = config.gas_refund_percentage.clamp(0.0, 1.0);
        let refund = (bytes_moved as f64 * pct).floor() as u64;
        let before = self.gas.used();
        self.gas.refund(refund);
        Ok(CompactionOutcome {
            moves,
            bytes_moved,
            gas_charged: cost,
            gas_refunded: before - self.gas.used(),
        })
    }
}
