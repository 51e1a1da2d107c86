//! A transcript reader that accepts only the canonical encoding of a proof.
//!
//! halo2-axiom's [`Blake2bRead`] parses each 32-byte element and hashes the *parsed* value.
//! Scalars (`Fr::from_repr`) and point x-coordinates (`Fq`) must be below the modulus, but
//! `G1Affine::from_bytes` (halo2curves-axiom 0.7) reads bit 255 of a compressed point (the
//! "infinity" flag) only when `x = 0`: for every other point either value of that bit
//! decodes to the same point, so the challenges and the verdict do not change. A proof
//! with `m` commitments thus had `2^m` byte encodings that all verified.
//!
//! [`CanonicalRead`] delegates to [`Blake2bRead`] over a reader that records how far it
//! has read ([`Tee`]); after each element it re-encodes the parsed value and compares it
//! with the bytes consumed, and it lets the caller check that the whole transcript was
//! read.

use std::{cell::Cell, io};

use halo2_axiom::{
    halo2curves::{
        bn256::{Fr, G1Affine},
        ff::PrimeField,
        group::GroupEncoding,
    },
    transcript::{Blake2bRead, Challenge255, Transcript, TranscriptRead, TranscriptReadBuffer},
};

/// A reader over a byte slice that advances a shared position.
pub(crate) struct Tee<'a> {
    data: &'a [u8],
    pos: &'a Cell<usize>,
}

impl io::Read for Tee<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let pos = self.pos.get();
        let rest = &self.data[pos..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos.set(pos + n);
        Ok(n)
    }
}

/// The state a [`CanonicalRead`] shares with its caller: the read position and the offset
/// of the first non-canonical element.
#[derive(Default)]
pub(crate) struct ReadState {
    pos: Cell<usize>,
    non_canonical: Cell<Option<usize>>,
}

impl ReadState {
    /// Bytes of the transcript read so far.
    pub(crate) fn consumed(&self) -> usize {
        self.pos.get()
    }

    /// Offset of the first element whose bytes are not the canonical encoding of its
    /// value, if any.
    pub(crate) fn non_canonical(&self) -> Option<usize> {
        self.non_canonical.get()
    }
}

/// [`Blake2bRead`] that rejects every element not in its canonical encoding.
pub(crate) struct CanonicalRead<'a> {
    inner: Blake2bRead<Tee<'a>, G1Affine, Challenge255<G1Affine>>,
    data: &'a [u8],
    state: &'a ReadState,
}

impl<'a> CanonicalRead<'a> {
    pub(crate) fn new(data: &'a [u8], state: &'a ReadState) -> Self {
        let tee = Tee {
            data,
            pos: &state.pos,
        };
        CanonicalRead {
            inner: Blake2bRead::init(tee),
            data,
            state,
        }
    }

    /// Checks that the bytes read since `start` are `encoding`.
    fn check(&self, start: usize, encoding: &[u8]) -> io::Result<()> {
        if self.data.get(start..self.state.pos.get()) == Some(encoding) {
            return Ok(());
        }
        if self.state.non_canonical.get().is_none() {
            self.state.non_canonical.set(Some(start));
        }
        Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("non-canonical element encoding at transcript byte {start}"),
        ))
    }
}

impl Transcript<G1Affine, Challenge255<G1Affine>> for CanonicalRead<'_> {
    fn squeeze_challenge(&mut self) -> Challenge255<G1Affine> {
        self.inner.squeeze_challenge()
    }

    fn common_point(&mut self, point: G1Affine) -> io::Result<()> {
        self.inner.common_point(point)
    }

    fn common_scalar(&mut self, scalar: Fr) -> io::Result<()> {
        self.inner.common_scalar(scalar)
    }
}

impl TranscriptRead<G1Affine, Challenge255<G1Affine>> for CanonicalRead<'_> {
    fn read_point(&mut self) -> io::Result<G1Affine> {
        let start = self.state.pos.get();
        let point = self.inner.read_point()?;
        self.check(start, point.to_bytes().as_ref())?;
        Ok(point)
    }

    fn read_scalar(&mut self) -> io::Result<Fr> {
        let start = self.state.pos.get();
        let scalar = self.inner.read_scalar()?;
        self.check(start, scalar.to_repr().as_ref())?;
        Ok(scalar)
    }
}
