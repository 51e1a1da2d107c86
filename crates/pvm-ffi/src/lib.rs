//! libpvm: the C ABI (work in progress).
