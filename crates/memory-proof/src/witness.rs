//! The circuit's first-phase witness: both tables, the flags and the range-check bytes.
//!
//! [`Witness::from_records`] is the honest builder. [`Witness::from_tables`] takes the two
//! tables as given (no sorting, no checks) and [`Witness::column_mut`] exposes every cell,
//! so tests can build dishonest witnesses that bypass the honest builder; the circuit
//! never trusts any of it.

use halo2_axiom::halo2curves::{
    bn256::Fr,
    ff::{BatchInvert, Field, PrimeField},
};
use machine::{Op, Record};

use crate::layout::{capacity, last_row, MAX_K, MIN_K, ORDER_BYTES, TIME_BYTES, VALUE_BYTES};
pub use crate::layout::{BYTE_COLUMNS, NUM_COLUMNS};

/// A first-phase advice column of the circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Col {
    /// Original table (time order): time.
    OriginalTime,
    /// Original table: key = `space · 2^64 + address`.
    OriginalKey,
    /// Original table: op (0 = read, 1 = write).
    OriginalOp,
    /// Original table: value.
    OriginalValue,
    /// Sorted table (by key, then time): time.
    SortedTime,
    /// Sorted table: key.
    SortedKey,
    /// Sorted table: op.
    SortedOp,
    /// Sorted table: value.
    SortedValue,
    /// `a`: 1 on record rows, 0 after.
    Active,
    /// `r`: records remaining from this row on.
    Remaining,
    /// `same`: the sorted row has the previous row's key.
    Same,
    /// Byte `i` (little-endian) of the original table's time chain.
    TimeByte(usize),
    /// Byte `i` of the sorted table's order chain.
    OrderByte(usize),
    /// Byte `i` of the sorted table's value.
    ValueByte(usize),
    /// Byte-lookup multiplicities: at row `v < 256`, how many byte cells equal `v`.
    Multiplicity,
}

impl Col {
    /// The column's position in [`Witness::columns`].
    pub fn index(self) -> usize {
        match self {
            Col::OriginalTime => 0,
            Col::OriginalKey => 1,
            Col::OriginalOp => 2,
            Col::OriginalValue => 3,
            Col::SortedTime => 4,
            Col::SortedKey => 5,
            Col::SortedOp => 6,
            Col::SortedValue => 7,
            Col::Active => 8,
            Col::Remaining => 9,
            Col::Same => 10,
            Col::TimeByte(i) => {
                assert!(i < TIME_BYTES);
                11 + i
            }
            Col::OrderByte(i) => {
                assert!(i < ORDER_BYTES);
                11 + TIME_BYTES + i
            }
            Col::ValueByte(i) => {
                assert!(i < VALUE_BYTES);
                11 + TIME_BYTES + ORDER_BYTES + i
            }
            Col::Multiplicity => 11 + BYTE_COLUMNS,
        }
    }
}

/// Why a witness cannot be laid out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// `k` is outside the supported range.
    #[error("k = {k} is outside the supported range {MIN_K}..={MAX_K}")]
    UnsupportedK {
        /// The requested `k`.
        k: u32,
    },
    /// More records than rows.
    #[error("{records} records do not fit in a circuit of 2^{k} rows (capacity {capacity})")]
    TooManyRecords {
        /// Records given.
        records: usize,
        /// The circuit's `k`.
        k: u32,
        /// Most records at this `k`.
        capacity: usize,
    },
    /// The two tables of [`Witness::from_tables`] differ in length.
    #[error("original table has {original} rows but sorted table has {sorted}")]
    LengthMismatch {
        /// Rows of the original table.
        original: usize,
        /// Rows of the sorted table.
        sorted: usize,
    },
}

/// The first-phase witness of a circuit of size `2^k`: [`NUM_COLUMNS`] columns of
/// `C + 1` rows (`C` = [`capacity`]`(k)`), plus the claimed record count (the public input).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witness {
    k: u32,
    /// The number of records claimed: the public instance, and `r(0)`.
    pub count: u64,
    columns: Vec<Vec<Fr>>,
}

/// A record's key as one field element: `space · 2^64 + address`.
pub fn key(record: &Record) -> Fr {
    Fr::from_u128(record.cell())
}

fn op_code(op: Op) -> u64 {
    op as u8 as u64
}

fn bytes_of(x: u128, n: usize) -> impl Iterator<Item = Fr> {
    (0..n).map(move |i| Fr::from(((x >> (8 * i)) & 0xff) as u64))
}

impl Witness {
    /// The honest witness for `records` (in trace order): the sorted table is `records`
    /// stably sorted by (space, address, time). Does not check consistency — an
    /// inconsistent trace gives a witness that fails the circuit.
    pub fn from_records(k: u32, records: &[Record]) -> Result<Witness, LayoutError> {
        let mut sorted = records.to_vec();
        sorted.sort_by_key(|r| (r.cell(), r.time));
        Witness::from_tables(k, records, &sorted)
    }

    /// A witness with the given original and sorted tables, exactly as given: the flags,
    /// counts and range-check bytes are derived from them as the honest builder would
    /// (with wrapping arithmetic where a difference is negative, so such a row fails its
    /// gate). `count` is set to the number of rows.
    pub fn from_tables(
        k: u32,
        original: &[Record],
        sorted: &[Record],
    ) -> Result<Witness, LayoutError> {
        if !(MIN_K..=MAX_K).contains(&k) {
            return Err(LayoutError::UnsupportedK { k });
        }
        if original.len() != sorted.len() {
            return Err(LayoutError::LengthMismatch {
                original: original.len(),
                sorted: sorted.len(),
            });
        }
        let n = original.len();
        if n > capacity(k) {
            return Err(LayoutError::TooManyRecords {
                records: n,
                k,
                capacity: capacity(k),
            });
        }
        let rows = last_row(k) + 1;
        let mut columns = vec![vec![Fr::ZERO; rows]; NUM_COLUMNS];
        let mut set = |c: Col, row: usize, v: Fr| columns[c.index()][row] = v;

        for (row, (o, s)) in original.iter().zip(sorted).enumerate() {
            set(Col::OriginalTime, row, Fr::from(o.time));
            set(Col::OriginalKey, row, key(o));
            set(Col::OriginalOp, row, Fr::from(op_code(o.op)));
            set(Col::OriginalValue, row, Fr::from(o.value));
            set(Col::SortedTime, row, Fr::from(s.time));
            set(Col::SortedKey, row, key(s));
            set(Col::SortedOp, row, Fr::from(op_code(s.op)));
            set(Col::SortedValue, row, Fr::from(s.value));
            set(Col::Active, row, Fr::ONE);
            for (i, b) in bytes_of(u128::from(s.value), VALUE_BYTES).enumerate() {
                set(Col::ValueByte(i), row, b);
            }
        }
        for row in 0..=n {
            set(Col::Remaining, row, Fr::from((n - row) as u64));
        }

        const MASK72: u128 = (1 << 72) - 1;
        // Time chain of the original table, order chain of the sorted table.
        for row in 0..=n {
            let time_chain: u128 = if row == n {
                row.checked_sub(1)
                    .map_or(0, |p| u128::from(!original[p].time))
            } else if row == 0 {
                u128::from(original[0].time)
            } else {
                u128::from(
                    original[row]
                        .time
                        .wrapping_sub(original[row - 1].time)
                        .wrapping_sub(1),
                )
            };
            let order_chain: u128 = if row == n {
                row.checked_sub(1).map_or(0, |p| MASK72 - sorted[p].cell())
            } else if row == 0 {
                sorted[0].cell()
            } else {
                let (cur, prev) = (&sorted[row], &sorted[row - 1]);
                if cur.cell() == prev.cell() {
                    set(Col::Same, row, Fr::ONE);
                    u128::from(cur.time.wrapping_sub(prev.time).wrapping_sub(1))
                } else {
                    cur.cell().wrapping_sub(prev.cell()).wrapping_sub(1) & MASK72
                }
            };
            for (i, b) in bytes_of(time_chain, TIME_BYTES).enumerate() {
                set(Col::TimeByte(i), row, b);
            }
            for (i, b) in bytes_of(order_chain, ORDER_BYTES).enumerate() {
                set(Col::OrderByte(i), row, b);
            }
        }
        let mut witness = Witness {
            k,
            count: n as u64,
            columns,
        };
        witness.refresh_multiplicities();
        Ok(witness)
    }

    /// Recounts [`Col::Multiplicity`] from the byte columns (after editing bytes by hand).
    /// A byte cell outside `0..=255` is not counted (and makes the proof fail).
    pub fn refresh_multiplicities(&mut self) {
        let mut counts = [0u64; 256];
        for column in &self.columns[11..11 + BYTE_COLUMNS] {
            for b in column {
                let repr = b.to_repr();
                if repr.as_ref()[1..].iter().all(|&x| x == 0) {
                    counts[repr.as_ref()[0] as usize] += 1;
                }
            }
        }
        let m = &mut self.columns[Col::Multiplicity.index()];
        m.iter_mut().for_each(|x| *x = Fr::ZERO);
        for (v, c) in counts.iter().enumerate() {
            m[v] = Fr::from(*c);
        }
    }

    /// The circuit's `k`.
    pub fn k(&self) -> u32 {
        self.k
    }

    /// Rows per column (`C + 1`).
    pub fn rows(&self) -> usize {
        self.columns[0].len()
    }

    /// All first-phase columns, indexed by [`Col::index`].
    pub fn columns(&self) -> &[Vec<Fr>] {
        &self.columns
    }

    /// One column.
    pub fn column(&self, c: Col) -> &[Fr] {
        &self.columns[c.index()]
    }

    /// One column, writable: for building dishonest witnesses in tests.
    pub fn column_mut(&mut self, c: Col) -> &mut [Fr] {
        &mut self.columns[c.index()]
    }

    /// The second-phase columns for challenges `beta`, `gamma`, `alpha`, in the circuit's
    /// order: the grand product `Z`, the byte-lookup helpers, the byte-lookup running sum.
    ///
    /// `Z(0) = 1` and `Z(i) = Z(i−1) · (γ − o(i−1)) / (γ − s(i−1))`, with `o`, `s` the
    /// compressed original and sorted rows; for an honest witness `Z(C) = 1`. A helper is
    /// `1/(α − b1) + 1/(α − b2)` for its pair of byte columns; the running sum adds a row's
    /// helpers and subtracts `m/(α − T)`.
    pub fn second_phase(&self, beta: Fr, gamma: Fr, alpha: Fr) -> Vec<Vec<Fr>> {
        let rows = self.rows();
        let compress = |cols: [Col; 4], row: usize| {
            let c = |col: Col| self.columns[col.index()][row];
            ((c(cols[3]) * beta + c(cols[2])) * beta + c(cols[1])) * beta + c(cols[0])
        };
        const ORIGINAL: [Col; 4] = [
            Col::OriginalTime,
            Col::OriginalKey,
            Col::OriginalOp,
            Col::OriginalValue,
        ];
        const SORTED: [Col; 4] = [
            Col::SortedTime,
            Col::SortedKey,
            Col::SortedOp,
            Col::SortedValue,
        ];
        let mut denominators: Vec<Fr> = (0..rows - 1)
            .map(|row| gamma - compress(SORTED, row))
            .collect();
        denominators.iter_mut().batch_invert();
        let mut z = Vec::with_capacity(rows);
        let mut acc = Fr::ONE;
        z.push(acc);
        for (row, inv) in denominators.iter().enumerate() {
            acc *= (gamma - compress(ORIGINAL, row)) * inv;
            z.push(acc);
        }

        // 1/(α − v) for every byte v; a cell outside the table gets its own inversion.
        let mut inverses: Vec<Fr> = (0..256u64).map(|v| alpha - Fr::from(v)).collect();
        inverses.iter_mut().batch_invert();
        let inverse = |b: &Fr| {
            let repr = b.to_repr();
            if repr.as_ref()[1..].iter().all(|&x| x == 0) {
                inverses[repr.as_ref()[0] as usize]
            } else {
                (alpha - b).invert().unwrap_or(Fr::ZERO)
            }
        };
        let bytes = &self.columns[11..11 + BYTE_COLUMNS];
        let helpers: Vec<Vec<Fr>> = bytes
            .chunks(2)
            .map(|pair| {
                (0..rows)
                    .map(|row| pair.iter().map(|c| inverse(&c[row])).sum())
                    .collect()
            })
            .collect();
        let multiplicity = self.column(Col::Multiplicity);
        let mut sum = Vec::with_capacity(rows);
        let mut acc = Fr::ZERO;
        for row in 0..rows {
            acc += helpers.iter().map(|h| h[row]).sum::<Fr>();
            if row < 256 {
                acc -= multiplicity[row] * inverses[row];
            }
            sum.push(acc);
        }

        let mut out = Vec::with_capacity(helpers.len() + 2);
        out.push(z);
        out.extend(helpers);
        out.push(sum);
        out
    }
}
