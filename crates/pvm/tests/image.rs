//! Modules with large data map it into each instance copy-on-write from one image file:
//! every instance sees the program's data, writes stay private to the instance, and memory
//! reused by later instances of other programs reads as zero.

use std::path::PathBuf;

use pvm::container::Container;
use pvm::format::{RawBlob, StandardProgram};
use pvm::{Exit, GpVersion, Module};

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) | 1)
        .collect()
}

fn read(vm: &pvm::Instance, address: u32, len: usize) -> Vec<u8> {
    let mut out = vec![0; len];
    vm.memory().read(address, &mut out).unwrap();
    out
}

fn guest_container(name: &str) -> Container {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../guests/bin/{name}.polkavm"));
    Container::parse(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn large_polkavm_data_is_shared_copy_on_write() {
    let mut container = guest_container("fib");
    let (ro, rw) = (pattern(100_000, 3), pattern(70_001, 7));
    container.ro_data = ro.clone();
    container.ro_data_size = 100_000;
    container.rw_data = rw.clone();
    container.rw_data_size = 200_000;
    let module = Module::from_container(&container).unwrap();
    let layout = module.memory_layout().unwrap();
    let (ro_at, rw_at) = (layout.ro_data.0, layout.rw_data.0);

    let mut a = module.instantiate(1_000_000).unwrap();
    let b = module.instantiate(1_000_000).unwrap();
    for vm in [&a, &b] {
        assert_eq!(read(vm, ro_at, ro.len()), ro);
        assert_eq!(read(vm, rw_at, rw.len()), rw);
        // The rest of the last data page and the BSS read as zero.
        assert!(read(vm, rw_at + rw.len() as u32, 200_000 - rw.len())
            .iter()
            .all(|&b| b == 0));
    }
    // A write is private to its instance; RO data stays read-only for the guest.
    a.write_memory(rw_at + 5, &[0xEE; 4]).unwrap();
    assert_eq!(read(&a, rw_at + 5, 4), [0xEE; 4]);
    assert_eq!(read(&b, rw_at + 5, 4), rw[5..9]);
    assert!(a.write_memory(ro_at, &[1]).is_err());
    // The program still runs on the mapped image.
    let pc = module.export("fib").unwrap().pc;
    a.prepare_call(pc, &[10]).unwrap();
    assert_eq!(a.run(), Exit::Halt);
    assert_eq!(a.reg(7), Some(55));

    // Unmapping image pages zeroes them (inaccessible pages read as zero when remapped).
    a.memory_mut().unmap(rw_at, 4096).unwrap();
    a.memory_mut()
        .map_zeroed(rw_at, 4096, pvm::Access::Write)
        .unwrap();
    assert!(read(&a, rw_at, 4096).iter().all(|&b| b == 0));

    // Memories given back to the pool and reused by a program without data are clean.
    drop((a, b));
    drop(module);
    let plain = Module::from_container(&guest_container("sort")).unwrap();
    for _ in 0..40 {
        let mut vm = plain.instantiate(1_000).unwrap();
        vm.memory_mut()
            .map_zeroed(rw_at & !0xFFF, 0x40000, pvm::Access::Write)
            .unwrap();
        assert!(read(&vm, rw_at & !0xFFF, 0x40000).iter().all(|&b| b == 0));
        vm.memory_mut()
            .map_zeroed(ro_at, 0x19000, pvm::Access::Read)
            .unwrap();
        assert!(read(&vm, ro_at, 0x19000).iter().all(|&b| b == 0));
    }
}

#[test]
fn large_standard_program_data_is_mapped_too() {
    // load_imm r7, 42 ; jump_ind r0
    let blob = RawBlob {
        code: vec![51, 7, 42, 50, 0],
        bitmask: vec![0b0000_1001],
        jump_table: vec![],
    };
    let standard = StandardProgram {
        ro_data: pattern(50_000, 1),
        rw_data: pattern(20_000, 2),
        heap_pages: 4,
        stack_size: 8192,
        blob,
    };
    let module = Module::from_standard(&standard, GpVersion::V0_8).unwrap();
    let mut vm = module.instantiate_with_args(&[9, 8, 7], 1_000).unwrap();
    assert_eq!(read(&vm, standard.ro_address(), 50_000), standard.ro_data);
    assert_eq!(read(&vm, standard.rw_address(), 20_000), standard.rw_data);
    assert_eq!(read(&vm, pvm::format::ARGS_ADDRESS, 3), [9, 8, 7]);
    assert_eq!(vm.run(), Exit::Halt);
    assert_eq!(vm.reg(7), Some(42));
}
