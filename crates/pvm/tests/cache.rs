//! The module cache: hits share one loaded (and lazily prepared) module, the byte bound
//! evicts the least recently used, errors are not cached, threads agree on one module.

use std::path::PathBuf;
use std::sync::Arc;

use pvm::{code_hash, Exit, GpVersion, ModuleCache, ProgramFormat};

fn guest(name: &str) -> Vec<u8> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../guests/bin");
    std::fs::read(root.join(format!("{name}.polkavm"))).unwrap()
}

const POLKAVM: ProgramFormat = ProgramFormat::Polkavm;
const V08: GpVersion = GpVersion::V0_8;

#[test]
fn code_hash_is_blake2b_256() {
    // BLAKE2b-256 of the empty string and of "abc" (RFC 7693 parameters, 32-byte output).
    let hex = |h: [u8; 32]| h.iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!(
        hex(code_hash(b"")),
        "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
    );
    assert_eq!(
        hex(code_hash(b"abc")),
        "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"
    );
}

#[test]
fn a_hit_returns_the_same_module_with_its_prepared_blocks() {
    let cache = ModuleCache::new(64 << 20);
    let bytes = guest("fib");
    let first = cache.get_or_load(&bytes, POLKAVM, V08).unwrap();
    let mut vm = first.instantiate(1_000_000).unwrap();
    vm.prepare_call(first.export("fib").unwrap().pc, &[10])
        .unwrap();
    assert_eq!(vm.run(), Exit::Halt);
    assert_eq!(vm.reg(7), Some(55));
    let prepared = first.program().prepared_block_count();
    assert!(prepared > 0);

    let again = cache.get_or_load(&bytes, POLKAVM, V08).unwrap();
    assert!(Arc::ptr_eq(&first, &again));
    assert_eq!(again.program().prepared_block_count(), prepared);
    let hash = code_hash(&bytes);
    assert!(cache.get(&hash, POLKAVM, V08).is_some());
    // The format is part of the key; a `.polkavm` program is GP 0.8 whatever is asked.
    assert!(cache.get(&hash, ProgramFormat::Raw, V08).is_none());
    assert!(cache.get(&hash, POLKAVM, GpVersion::V0_7).is_some());
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.entries), (3, 2, 1));
    assert_eq!(stats.bytes, first.footprint());
}

#[test]
fn the_bound_evicts_the_least_recently_used() {
    let (fib, sort, sieve) = (guest("fib"), guest("sort"), guest("sieve"));
    let sizes: Vec<usize> = [&fib, &sort, &sieve]
        .iter()
        .map(|b| {
            ModuleCache::new(usize::MAX)
                .get_or_load(b, POLKAVM, V08)
                .unwrap()
                .footprint()
        })
        .collect();
    // Room for any two of them, not for all three.
    let total: usize = sizes.iter().sum();
    let cache = ModuleCache::new(total - sizes.iter().min().unwrap() + 1);
    let fib_module = cache.get_or_load(&fib, POLKAVM, V08).unwrap();
    cache.get_or_load(&sort, POLKAVM, V08).unwrap();
    // Touch fib, so that sort is the least recently used when sieve comes.
    cache.get_or_load(&fib, POLKAVM, V08).unwrap();
    cache.get_or_load(&sieve, POLKAVM, V08).unwrap();
    let stats = cache.stats();
    assert!(stats.bytes <= cache.max_bytes());
    assert!(stats.evictions >= 1);
    assert!(cache.get(&code_hash(&sieve), POLKAVM, V08).is_some());
    let kept_fib = cache.get(&code_hash(&fib), POLKAVM, V08);
    let kept_sort = cache.get(&code_hash(&sort), POLKAVM, V08);
    assert!(
        kept_sort.is_none(),
        "the least recently used module was kept"
    );
    assert!(Arc::ptr_eq(&kept_fib.unwrap(), &fib_module));
}

#[test]
fn modules_larger_than_the_bound_and_errors_are_not_cached() {
    let cache = ModuleCache::new(16);
    let module = cache.get_or_load(&guest("fib"), POLKAVM, V08).unwrap();
    assert!(module.footprint() > 16);
    assert_eq!(cache.stats().entries, 0);
    let garbage = [0xFFu8; 40];
    assert!(cache.get_or_load(&garbage, POLKAVM, V08).is_err());
    assert!(cache
        .get_or_load(&garbage, ProgramFormat::Raw, V08)
        .is_err());
    assert_eq!(cache.stats().entries, 0);
    assert_eq!(cache.stats().misses, 3);
}

#[test]
fn threads_loading_one_program_at_once_agree_on_one_module() {
    let cache = ModuleCache::new(64 << 20);
    let bytes = guest("zlib");
    let modules: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| cache.get_or_load(&bytes, POLKAVM, V08).unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let cached = cache.get(&code_hash(&bytes), POLKAVM, V08).unwrap();
    for module in &modules {
        assert!(Arc::ptr_eq(module, &cached));
    }
    assert_eq!(cache.stats().entries, 1);
}
