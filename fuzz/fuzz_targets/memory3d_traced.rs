//! Memory3D programs on an untraced and a traced VM: same outcome; the trace is
//! consistent and ends with the VM's registers and memory words.
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pvm_fuzz::m3d::memory3d_traced(data));
