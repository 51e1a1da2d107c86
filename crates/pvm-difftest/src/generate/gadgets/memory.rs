//! Loads and stores at interesting addresses (read-write, read-only, unmapped, low,
//! wrapping, page-straddling), absolute or through a base register.

use crate::asm::min_imm_len;

use super::super::generator::Generator;
use super::super::groups::GROUPS;

impl Generator<'_> {
    /// A load or store at an interesting address, in every addressing form.
    pub(in crate::generate) fn memory_gadget(&mut self) {
        let groups = &*GROUPS;
        let address = self.layout.interesting_address(self.rng);
        let value = self.imm_value();
        let value_len = self.imm_len(value);
        match self.rng.below(6) {
            0 | 1 => {
                let opcode = if self.rng.chance(1, 2) {
                    *self.rng.pick(&groups.loads_absolute)
                } else {
                    *self.rng.pick(&groups.stores_absolute)
                };
                let reg = self.real_reg();
                self.emit(opcode, &[reg], &[u64::from(address)]);
            }
            2 => {
                let opcode = *self.rng.pick(&groups.store_imms_absolute);
                let address = u64::from(address);
                let imms = [(address, min_imm_len(address)), (value, value_len)];
                self.emit_sized(opcode, &[], &imms);
            }
            3 | 4 => {
                let base = self.real_reg();
                let offset = self.small_offset();
                self.load_const(base, u64::from(address.wrapping_sub(offset as u32)));
                let opcode = if self.rng.chance(1, 2) {
                    *self.rng.pick(&groups.loads_indirect)
                } else {
                    *self.rng.pick(&groups.stores_indirect)
                };
                let reg = self.real_reg();
                self.emit(opcode, &[reg, base], &[offset as u64]);
            }
            _ => {
                let base = self.real_reg();
                let offset = self.small_offset();
                self.load_const(base, u64::from(address.wrapping_sub(offset as u32)));
                let opcode = *self.rng.pick(&groups.store_imms_indirect);
                let offset = offset as u64;
                let imms = [(offset, min_imm_len(offset)), (value, value_len)];
                self.emit_sized(opcode, &[base], &imms);
            }
        }
    }
}
