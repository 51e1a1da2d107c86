//! Exits as numbers: `NativeVm.run` returns one `number` per exit so that a host call
//! costs no object allocation. `lib/exit.js` decodes it with the constants below.
//!
//! | exit | code |
//! |---|---|
//! | host call `id` | `id` (0..2^32) |
//! | page fault at `address` | 2^32 + `address` |
//! | halt / panic / out of gas | 2^33 + 0 / 1 / 2 |
//!
//! Every code is below 2^34, so a `number` holds it exactly.

use napi_derive::napi;
use pvm::Exit;

/// The first page-fault code: `EXIT_PAGE_FAULT + address`.
#[napi]
pub const EXIT_PAGE_FAULT: f64 = 4_294_967_296.0;

/// The code of a halt.
#[napi]
pub const EXIT_HALT: f64 = 8_589_934_592.0;

/// The code of a panic.
#[napi]
pub const EXIT_PANIC: f64 = EXIT_HALT + 1.0;

/// The code of an out-of-gas exit.
#[napi]
pub const EXIT_OUT_OF_GAS: f64 = EXIT_HALT + 2.0;

/// The code of `exit`.
pub fn encode(exit: Exit) -> f64 {
    match exit {
        Exit::HostCall { id } => f64::from(id),
        Exit::PageFault { address } => EXIT_PAGE_FAULT + f64::from(address),
        Exit::Halt => EXIT_HALT,
        Exit::Panic => EXIT_PANIC,
        Exit::OutOfGas => EXIT_OUT_OF_GAS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_exact() {
        assert_eq!(encode(Exit::HostCall { id: u32::MAX }), 4_294_967_295.0);
        assert_eq!(encode(Exit::PageFault { address: 0 }), EXIT_PAGE_FAULT);
        assert_eq!(
            encode(Exit::PageFault { address: u32::MAX }),
            EXIT_HALT - 1.0
        );
        assert!(EXIT_OUT_OF_GAS < 2f64.powi(53));
    }
}
