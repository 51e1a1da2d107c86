//! The VM: configuration, statistics and the gas-metered memory API.
//!
//! Every operation computes its cost from its request, charges it before any effect and
//! fails with "gas exhausted" — changing nothing — when the budget does not cover it.
//! A charged operation that then fails keeps its charge.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use machine::{NoTrace, Registers, Traced, Tracer};

use crate::address::{Address3D, PLANE_SIZE};
use crate::allocator::{Allocation, Allocator};
use crate::compaction::{self, CompactionConfig, CompactionReport, Move};
use crate::error::VmError;
use crate::gas::{self, GasMeter};
use crate::memory::Memory;
use crate::merkle::{self, BatchProof, ChunkProof, Hash, CHUNK};
use crate::trace::{register_address, register_chunk, REGISTER_SPACE};
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

/// The Memory3D virtual machine, reporting its register and memory accesses to a tracer
/// `T` ([`NoTrace`] by default, which costs nothing; the cell mapping is in
/// [`crate::trace`]).
#[derive(Debug, Clone)]
pub struct Vm3D<T: Tracer = NoTrace> {
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
    pub(crate) tracer: T,
}

impl Vm3D<NoTrace> {
    /// Creates an untraced VM. Fails with "invalid configuration" when `memory_size` is 0.
    pub fn new(config: VmConfig) -> Result<Self, VmError> {
        Self::with_tracer(config, NoTrace)
    }
}

impl<T: Tracer> Vm3D<T> {
    /// Creates a VM reporting to `tracer`. Fails with "invalid configuration" when
    /// `memory_size` is 0.
    pub fn with_tracer(config: VmConfig, tracer: T) -> Result<Self, VmError> {
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
            tracer,
            config,
        })
    }

    /// The tracer, giving up the VM.
    pub fn into_tracer(self) -> T {
        self.tracer
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

    /// Register `i` (0–15), an untraced view.
    pub fn register(&self, i: usize) -> &[u8] {
        &self.regs[i]
    }

    /// Sets register `i` (0–15); traced as writes (this is how initial register values
    /// enter a trace).
    pub fn set_register(&mut self, i: usize, value: Vec<u8>) {
        self.set_reg(i, value);
    }

    /// Sets register `i`, reporting the writes of its length and chunks.
    pub(crate) fn set_reg(&mut self, i: usize, value: Vec<u8>) {
        if T::ENABLED {
            let t = &mut self.tracer;
            t.write(REGISTER_SPACE, register_address(i, 0), value.len() as u64);
            for k in 0..value.len().div_ceil(8) {
                t.write(
                    REGISTER_SPACE,
                    register_address(i, 1 + k as u64),
                    register_chunk(&value, k),
                );
            }
        }
        self.regs[i] = value;
    }

    /// Reports a read of register `i`'s length; returns it.
    pub(crate) fn reg_len(&mut self, i: usize) -> usize {
        let len = self.regs[i].len();
        self.tracer
            .read(REGISTER_SPACE, register_address(i, 0), len as u64);
        len
    }

    /// Reports a read of the chunks of register `i` holding its first `n` bytes (`n` at
    /// most its length, which the caller has read).
    pub(crate) fn trace_reg_bytes(&mut self, i: usize, n: usize) {
        if T::ENABLED {
            for k in 0..n.div_ceil(8) {
                let v = register_chunk(&self.regs[i], k);
                self.tracer
                    .read(REGISTER_SPACE, register_address(i, 1 + k as u64), v);
            }
        }
    }

    /// Register `i` as a 64-bit word, as ADD and SUB read it: its first 8 bytes big-endian,
    /// 0 if it is shorter. Traced: the length, and chunk 0 if it is used.
    pub(crate) fn reg_word(&mut self, i: usize) -> u64 {
        if self.reg_len(i) < 8 {
            return 0;
        }
        self.trace_reg_bytes(i, 8);
        register_chunk(&self.regs[i], 0)
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
        Ok(self
            .mem
            .read(&mut self.tracer, a.x, addr.linear(), u64::from(size)))
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
        self.mem.write(&mut self.tracer, x, addr.linear(), data);
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
        // Memory outside live allocations is always zero (free and compaction zero what they
        // release, with traced writes), so this touches nothing and records nothing; were
        // that ever untrue, the zeroing would be traced like any other.
        self.mem.zero(&mut self.tracer, a.x, a.start, a.size);
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
            self.mem.zero(&mut self.tracer, a.x, a.start, a.size);
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
        let data = self.mem.read(&mut self.tracer, sx, src.linear(), size);
        self.mem.write(&mut self.tracer, dx, dst.linear(), &data);
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
            let data = self.mem.read(&mut self.tracer, m.x, m.from, m.size);
            self.mem.zero(&mut self.tracer, m.x, m.from, m.size);
            self.mem.write(&mut self.tracer, m.x, m.to, &data);
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

impl<T: Tracer> Traced for Vm3D<T> {
    type Tracer = T;
    fn tracer(&self) -> &T {
        &self.tracer
    }
    fn tracer_mut(&mut self) -> &mut T {
        &mut self.tracer
    }
}

/// The register file as 64-bit words, as ADD and SUB see it: [`Registers::register`] is a
/// register's first 8 bytes big-endian (0 if it is shorter), [`Registers::set_register`]
/// makes it exactly those 8 bytes. Both are traced (see [`crate::trace`]). The inherent
/// [`Vm3D::register`] / [`Vm3D::set_register`] work on whole byte strings.
impl<T: Tracer> Registers for Vm3D<T> {
    type Error = VmError;
    fn register_count(&self) -> usize {
        16
    }
    fn register(&mut self, index: usize) -> Result<u64, VmError> {
        if index >= 16 {
            return Err(VmError::InvalidRegister);
        }
        Ok(self.reg_word(index))
    }
    fn set_register(&mut self, index: usize, value: u64) -> Result<(), VmError> {
        if index >= 16 {
            return Err(VmError::InvalidRegister);
        }
        self.set_reg(index, value.to_be_bytes().to_vec());
        Ok(())
    }
}
