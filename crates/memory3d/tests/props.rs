//! Property tests.

use memory3d::isa::{self, Instruction, TABLE};
mod common;

use common::{apply, arb_act};
use memory3d::{merkle, Address3D, Vm3D, VmConfig};
use proptest::prelude::*;

fn arb_inst() -> impl Strategy<Value = Instruction> {
    (0..TABLE.len(), prop::collection::vec(any::<u64>(), 6)).prop_map(|(i, vals)| {
        let s = &TABLE[i];
        let widths = s.fields.iter().filter_map(|f| match f {
            isa::Field::Int(w, _) => Some(*w),
            isa::Field::Reg(_) => Some(1),
            isa::Field::Pad(_) => None,
        });
        let args: Vec<u64> = widths
            .zip(vals)
            .map(|(w, v)| if w == 8 { v } else { v & ((1 << (8 * w)) - 1) })
            .collect();
        Instruction::new(s.op, &args)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn decode_encode_is_identity(insts in prop::collection::vec(arb_inst(), 0..20)) {
        let bin = isa::encode(&insts);
        let back: Vec<Instruction> = isa::decode_all(&bin).unwrap().into_iter().map(|(_, i)| i).collect();
        prop_assert_eq!(&back, &insts);
        prop_assert_eq!(isa::assemble(&isa::disassemble(&bin)).unwrap(), bin);
    }

    #[test]
    fn decoder_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = isa::decode_all(&bytes);
        let _ = isa::disassemble(&bytes);
    }

    #[test]
    fn invariants_after_any_sequence(acts in prop::collection::vec(arb_act(), 1..40), gas in 1_000u64..2_000_000) {
        let cfg = VmConfig { enable_proof: true, gas_limit: gas, memory_size: 1 << 20, ..VmConfig::default() };
        let mut vm = Vm3D::new(cfg.clone()).unwrap();
        apply(&mut vm, &acts);
        // No overlap, within memory_size.
        let mut spans: Vec<(u64, u64, u64)> = vm.allocations().map(|a| (a.x, a.start, a.end())).collect();
        spans.sort();
        for w in spans.windows(2) {
            prop_assert!(w[0].0 != w[1].0 || w[0].2 <= w[1].1, "overlap {:?}", w);
        }
        prop_assert!(vm.stats().memory_usage <= cfg.memory_size);
        // Gas accounting.
        prop_assert_eq!(vm.gas_used() + vm.gas_remaining(), gas);
        // Determinism.
        let mut again = Vm3D::new(cfg).unwrap();
        apply(&mut again, &acts);
        prop_assert_eq!(again.merkle_root(), vm.merkle_root());
        prop_assert_eq!(again.gas_used(), vm.gas_used());
        // Proofs of every allocation's first chunk verify, and any one-bit change fails.
        let root = vm.merkle_root().unwrap();
        for a in vm.allocations().take(3) {
            let addr = a.address();
            let chunk = vm.chunk(addr);
            let proof = vm.merkle_proof(addr).unwrap();
            prop_assert!(merkle::verify(&root, addr, &chunk, &proof));
            let mut c2 = chunk; c2[7] ^= 0x10;
            prop_assert!(!merkle::verify(&root, addr, &c2, &proof));
            let mut r2 = root; r2[31] ^= 1;
            prop_assert!(!merkle::verify(&r2, addr, &chunk, &proof));
            let mut p2 = proof.clone(); p2[addr.z as usize % merkle::DEPTH][3] ^= 4;
            prop_assert!(!merkle::verify(&root, addr, &chunk, &p2));
            let other = Address3D::from_linear(addr.x ^ 1, addr.linear());
            prop_assert!(!merkle::verify(&root, other, &chunk, &proof) || chunk == vm.chunk(other) && proof == vm.merkle_proof(other).unwrap());
        }
    }

    #[test]
    fn every_bit_flip_of_address_fails(x in 0u64..256, y in 0u32..65_535, z: u16, bit in 0usize..112) {
        let mut vm = Vm3D::new(VmConfig { enable_proof: true, ..VmConfig::default() }).unwrap();
        let a = Address3D::new(x, y, z);
        vm.store3d(a, &[0x5a]).unwrap();
        let root = vm.merkle_root().unwrap();
        let chunk = vm.chunk(a);
        let proof = vm.merkle_proof(a).unwrap();
        prop_assert!(merkle::verify(&root, a, &chunk, &proof));
        let mut b = a.to_bytes();
        b[bit / 8] ^= 1 << (bit % 8);
        let flipped = Address3D::from_bytes(&b);
        if merkle::chunk_key(flipped) != merkle::chunk_key(a) || !flipped.is_valid() {
            prop_assert!(!merkle::verify(&root, flipped, &chunk, &proof));
        }
    }
}
