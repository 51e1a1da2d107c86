//! A generated program of a chosen size (`--write-synthetic FILE MIB`), for start-up at
//! sizes no real program in reach has (issue 17 asks for 4 MB). Its code is a chain of
//! basic blocks of 64-bit ALU work and RO-data loads, each ending in a conditional branch
//! forward (taken or not) to one of the next two blocks, so that the loaders see as many blocks,
//! branch targets and instructions per byte as compiled code; a quarter of the size is RO
//! data (pseudo-random bytes), as in DOOM. The export `main` enters the first block; a
//! first call with a small gas budget runs through the first few dozen blocks only.
//! Built with `polkavm-common`'s `ProgramBlobBuilder` (the encoder PolkaVM's own tests
//! use), so the container is exactly what polkavm-linker would write.

use polkavm_common::program::{asm, Instruction, InstructionSetKind, Reg};
use polkavm_common::writer::ProgramBlobBuilder;

use crate::error::BenchError;

/// Where PolkaVM 0.37 maps RO data (the first page after the 64 KiB guard zone).
const RO_DATA_ADDRESS: i32 = 0x1_0000;

/// Instructions per block, the terminating branch included.
const BLOCK_LEN: usize = 8;

/// Average encoded bytes per instruction of the blocks below (measured: 4.2).
const BYTES_PER_INSTRUCTION: usize = 4;

/// A `.polkavm` program of about `mib` MiB: three quarters code, one quarter RO data.
pub fn program(mib: usize) -> Result<Vec<u8>, BenchError> {
    if mib == 0 || mib > 32 {
        return Err(BenchError::Usage(format!(
            "--write-synthetic: {mib} MiB is not in 1..=32"
        )));
    }
    let total = mib << 20;
    let ro_len = total / 4;
    let blocks = (total - ro_len) / (BLOCK_LEN * BYTES_PER_INSTRUCTION);
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        // xorshift64: deterministic, so every generated file of a size is the same.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let ro_data: Vec<u8> = (0..ro_len).map(|_| next() as u8).collect();
    let mut code: Vec<Instruction> = Vec::with_capacity(blocks * BLOCK_LEN);
    for block in 0..blocks {
        let offset = |n: u64| RO_DATA_ADDRESS + (n % (ro_len as u64 - 8)) as i32;
        if block + 1 == blocks {
            code.push(asm::ret());
            break;
        }
        let r = next();
        code.push(asm::add_imm_64(Reg::A0, Reg::A0, (r & 0xFFF) as i32));
        code.push(asm::load_u32(Reg::A3, offset(r >> 12)));
        code.push(asm::xor(Reg::A1, Reg::A1, Reg::A3));
        code.push(asm::mul_64(Reg::A2, Reg::A1, Reg::A0));
        code.push(asm::load_u64(Reg::A4, offset(r >> 32)));
        code.push(asm::add_64(Reg::A5, Reg::A4, Reg::A2));
        code.push(asm::and_imm(Reg::A3, Reg::A5, 7));
        // Forward, 1 or 2 blocks on (never past the last): a taken branch skips one. (Short
        // offsets keep every branch one byte long, so the builder's layout converges;
        // with longer ones it gives up on programs of 3 MiB and more.)
        let target = (block + 1 + (r >> 63) as usize).min(blocks - 1);
        code.push(asm::branch_eq_imm(Reg::A3, 3, target as u32));
    }
    let mut builder = ProgramBlobBuilder::new(InstructionSetKind::JamV1);
    builder.set_ro_data_size(ro_len as u32);
    builder.set_ro_data(ro_data);
    builder.set_stack_size(0x1_0000);
    builder.add_export_by_basic_block(0, b"main");
    builder.set_code(&code, &[]);
    builder
        .into_vec()
        .map_err(|e| BenchError::polkavm("synthetic program", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pvm::container::Container;

    #[test]
    fn a_one_mib_program_loads_on_both_engines() {
        let blob = program(1).unwrap();
        assert!(
            blob.len() > 900 << 10 && blob.len() < 1200 << 10,
            "{}",
            blob.len()
        );
        let container = Container::parse(&blob).unwrap();
        assert_eq!(container.exports[0].name, "main");
        let module = pvm::Module::from_container(&container).unwrap();
        assert!(module.program().block_count() > 20_000);
        polkavm::ProgramBlob::parse(blob.into()).unwrap();
        assert!(program(0).is_err());
    }
}
