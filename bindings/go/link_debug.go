//go:build !pvm_release && !pvm_custom

package pvm

// Links the debug-profile libpvm.a that `cargo build -p pvm-ffi` (and `cargo test`)
// leave in the workspace's target directory. Build with `-tags pvm_release` to link
// target/release/libpvm.a instead, or `-tags pvm_custom` and
// CGO_LDFLAGS="/path/to/libpvm.a -lpthread -ldl -lm" for a library elsewhere.

// #cgo LDFLAGS: ${SRCDIR}/../../target/debug/libpvm.a -lpthread -ldl -lm
import "C"
