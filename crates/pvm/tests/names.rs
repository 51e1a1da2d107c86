//! The short names of `GpVersion` and `Access` that the CLI and the bindings parse.

use pvm::{Access, GpVersion, MemoryError};

#[test]
fn gp_versions_round_trip_and_reject_unknown_names() {
    for version in [GpVersion::V0_8, GpVersion::V0_7] {
        assert_eq!(version.name().parse::<GpVersion>(), Ok(version));
    }
    assert_eq!("0.8.0".parse::<GpVersion>(), Ok(GpVersion::V0_8));
    assert_eq!("0.7.2".parse::<GpVersion>(), Ok(GpVersion::V0_7));
    let error = "0.9".parse::<GpVersion>().unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"unknown Gray Paper version "0.9": expected "0.8" or "0.7""#
    );
}

#[test]
fn accesses_round_trip_and_reject_unknown_names() {
    for access in [Access::Write, Access::Read, Access::None] {
        assert_eq!(access.name().parse::<Access>(), Ok(access));
    }
    let error = "w".parse::<Access>().unwrap_err();
    assert_eq!(error.text, "w");
    assert!(error
        .to_string()
        .contains(r#"expected "rw", "r" or "none""#));
}

#[test]
fn memory_errors_name_their_guest_address() {
    let inaccessible = MemoryError::Inaccessible {
        address: 0x2_0000,
        what: "writable",
    };
    assert_eq!(inaccessible.guest_address(), Some(0x2_0000));
    let unaligned = MemoryError::Unaligned {
        address: 3,
        length: 1,
    };
    assert_eq!(unaligned.guest_address(), None);
    let beyond = MemoryError::BeyondAddressSpace {
        address: 1 << 40,
        length: 1,
    };
    assert_eq!(beyond.guest_address(), None);
}
