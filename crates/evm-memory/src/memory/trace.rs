//! The trace mapping: each frame's serial number and the cell address of each of its words,
//! and the reports of reads and writes to the tracer.

use machine::{cells, Space, Tracer};

use super::{frame, Memory};

/// The trace space of memory cells.
pub const MEMORY_SPACE: Space = Space(0);

/// Bits of a cell address that hold the frame-relative byte offset; the frame's serial
/// number sits above them. Offsets stay below `2^40` because the shared buffer is at most
/// [`MAX_RESERVATION`](crate::MAX_RESERVATION) bytes.
pub const FRAME_SHIFT: u32 = 40;

/// How many frames (serial numbers) a traced memory can number: `2^24`.
pub const MAX_FRAMES: u64 = 1 << (64 - FRAME_SHIFT);

/// The trace address of the byte (or word) at frame-relative `offset` of the frame with
/// serial number `serial`: `serial << 40 | offset`.
#[inline(always)]
pub const fn cell_address(serial: u64, offset: u64) -> u64 {
    (serial << FRAME_SHIFT) | offset
}

/// The little-endian word at word-aligned frame offset `offset` (`offset + 8 <= len`,
/// which holds for every word inside a frame: frame sizes are multiples of 32).
#[inline(always)]
fn word_at(bytes: &[u8], offset: u64) -> u64 {
    let at = offset as usize;
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

impl<T: Tracer> Memory<T> {
    /// Serial number of the current frame: its cells are [`cell_address`]`(serial, offset)`
    /// (always 0 for an untraced memory).
    pub fn frame_serial(&self) -> u64 {
        self.serial
    }

    /// Moves to a new frame serial number.
    ///
    /// # Panics
    /// When tracing, after [`MAX_FRAMES`] frames (their cell addresses would collide).
    /// Untraced memories keep serial 0 (nothing reads it).
    #[inline(always)]
    pub(super) fn new_serial(&mut self) {
        if T::ENABLED {
            assert!(
                self.next_serial < MAX_FRAMES,
                "more than 2^24 traced frames: cell addresses would collide"
            );
            self.serial = self.next_serial;
            self.next_serial += 1;
        }
    }

    /// Reports a read of `len` bytes at frame offset `offset` (inside the frame).
    #[inline]
    pub(super) fn trace_read(&mut self, offset: usize, len: usize) {
        if !T::ENABLED {
            return;
        }
        let bytes = frame(&self.region, self.checkpoint, self.len);
        let base = cell_address(self.serial, 0);
        cells::trace_read(
            &mut self.tracer,
            MEMORY_SPACE,
            base | offset as u64,
            len,
            |w| word_at(bytes, w - base),
        );
    }

    /// Reports a write of `data` at frame offset `offset` (inside the frame), before the
    /// memory performs it.
    #[inline]
    pub(super) fn trace_write(&mut self, offset: usize, data: &[u8]) {
        if !T::ENABLED {
            return;
        }
        let bytes = frame(&self.region, self.checkpoint, self.len);
        let base = cell_address(self.serial, 0);
        cells::trace_write(
            &mut self.tracer,
            MEMORY_SPACE,
            base | offset as u64,
            data,
            |w| word_at(bytes, w - base),
        );
    }
}
