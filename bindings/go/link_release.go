//go:build pvm_release && !pvm_custom

package pvm

// #cgo LDFLAGS: ${SRCDIR}/../../target/release/libpvm.a -lpthread -ldl -lm
import "C"
