//! The halo2 circuit: columns, gates, the byte lookup and the row layout.
//!
//! See the crate README for the statement, the layout and the soundness argument; the
//! comments here say which gate implements which part of it.

use halo2_axiom::{
    circuit::{Layouter, SimpleFloorPlanner, Value},
    halo2curves::{bn256::Fr, ff::Field},
    plonk::{
        Advice, Challenge, Circuit, Column, ConstraintSystem, Error, Expression, FirstPhase, Fixed,
        Instance, SecondPhase,
    },
    poly::Rotation,
};

pub use crate::layout::{
    capacity, last_row, MAX_K, MIN_K, ORDER_BYTES, TIME_BYTES, UNUSABLE_ROWS, VALUE_BYTES,
};
use crate::{layout::NUM_COLUMNS, witness::Witness};

/// Columns and challenges of the circuit (see the README for their meaning).
#[derive(Clone, Debug)]
pub struct MemoryConfig {
    /// Original table (time order): time, key, op, value.
    pub original: [Column<Advice>; 4],
    /// Sorted table (by key, then time): time, key, op, value.
    pub sorted: [Column<Advice>; 4],
    /// `a`: 1 on the rows that hold records, then 0.
    pub active: Column<Advice>,
    /// `r`: records remaining from this row on (`N` at row 0).
    pub remaining: Column<Advice>,
    /// `same`: this sorted row has the same key as the previous one.
    pub same: Column<Advice>,
    /// Bytes of the original table's time chain.
    pub time_bytes: [Column<Advice>; TIME_BYTES],
    /// Bytes of the sorted table's order chain.
    pub order_bytes: [Column<Advice>; ORDER_BYTES],
    /// Bytes of the sorted table's values.
    pub value_bytes: [Column<Advice>; VALUE_BYTES],
    /// The grand product of the permutation argument (second phase).
    pub z: Column<Advice>,
    /// 1 at row 0.
    pub q_first: Column<Fixed>,
    /// 1 at rows `1..=C`.
    pub q_body: Column<Fixed>,
    /// 1 at row `C`.
    pub q_end: Column<Fixed>,
    /// Multiplicities of the byte lookup: `m(v)` at row `v < 256` counts the byte cells
    /// equal to `v`.
    pub multiplicity: Column<Advice>,
    /// The byte table: `T(v) = v` at rows `v < 256`, 0 on the rows below them.
    pub table: Column<Fixed>,
    /// Byte-lookup helpers (second phase): `h = Σ 1/(α − b)` over a pair of byte columns.
    pub helpers: Vec<Column<Advice>>,
    /// Running sum of the byte lookup (second phase).
    pub lookup_sum: Column<Advice>,
    /// The public input: row 0 holds the number of records `N`.
    pub instance: Column<Instance>,
    /// Challenge combining the four fields of a row.
    pub beta: Challenge,
    /// Challenge shifting the grand product's factors.
    pub gamma: Challenge,
    /// Challenge of the byte lookup.
    pub alpha: Challenge,
}

/// The memory-consistency circuit for `2^k` rows.
///
/// With a witness it proves that witness (honest or not — the circuit never trusts it);
/// without one ([`MemoryCircuit::blank`]) it is the shape used for key generation. The fixed
/// columns depend only on `k`, so every trace of a given `k` has the same verifying key.
#[derive(Clone, Debug)]
pub struct MemoryCircuit {
    k: u32,
    witness: Option<Witness>,
}

impl MemoryCircuit {
    /// The circuit of size `2^k` without a witness, for key generation.
    pub fn blank(k: u32) -> MemoryCircuit {
        MemoryCircuit { k, witness: None }
    }

    /// The circuit proving `witness` (of the witness's `k`).
    pub fn new(witness: Witness) -> MemoryCircuit {
        MemoryCircuit {
            k: witness.k(),
            witness: Some(witness),
        }
    }

    /// The circuit's `k`.
    pub fn k(&self) -> u32 {
        self.k
    }

    /// The claimed number of records (0 without a witness).
    pub fn count(&self) -> u64 {
        self.witness.as_ref().map_or(0, |w| w.count)
    }

    /// The public inputs for this circuit's witness: one instance column holding `[N]`.
    pub fn instances(&self) -> Vec<Vec<Fr>> {
        vec![vec![Fr::from(self.count())]]
    }
}

fn sum_bytes(
    meta: &mut halo2_axiom::plonk::VirtualCells<'_, Fr>,
    cols: &[Column<Advice>],
) -> Expression<Fr> {
    let mut acc = Expression::Constant(Fr::ZERO);
    let mut weight = Fr::ONE;
    for &c in cols {
        acc = acc + meta.query_advice(c, Rotation::cur()) * Expression::Constant(weight);
        weight *= Fr::from(256);
    }
    acc
}

fn constant(x: u128) -> Expression<Fr> {
    Expression::Constant(Fr::from_u128(x))
}

use halo2_axiom::halo2curves::ff::PrimeField;

impl Circuit<Fr> for MemoryCircuit {
    type Config = MemoryConfig;
    type FloorPlanner = SimpleFloorPlanner;

    fn without_witnesses(&self) -> Self {
        MemoryCircuit::blank(self.k)
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> MemoryConfig {
        let original = [(); 4].map(|_| meta.advice_column_in(FirstPhase));
        let sorted = [(); 4].map(|_| meta.advice_column_in(FirstPhase));
        let active = meta.advice_column_in(FirstPhase);
        let remaining = meta.advice_column_in(FirstPhase);
        let same = meta.advice_column_in(FirstPhase);
        let time_bytes = [(); TIME_BYTES].map(|_| meta.advice_column_in(FirstPhase));
        let order_bytes = [(); ORDER_BYTES].map(|_| meta.advice_column_in(FirstPhase));
        let value_bytes = [(); VALUE_BYTES].map(|_| meta.advice_column_in(FirstPhase));
        let multiplicity = meta.advice_column_in(FirstPhase);
        let beta = meta.challenge_usable_after(FirstPhase);
        let gamma = meta.challenge_usable_after(FirstPhase);
        let alpha = meta.challenge_usable_after(FirstPhase);
        let z = meta.advice_column_in(SecondPhase);
        let byte_columns: Vec<Column<Advice>> = time_bytes
            .iter()
            .chain(order_bytes.iter())
            .chain(value_bytes.iter())
            .copied()
            .collect();
        let helpers: Vec<Column<Advice>> = (0..byte_columns.len().div_ceil(2))
            .map(|_| meta.advice_column_in(SecondPhase))
            .collect();
        let lookup_sum = meta.advice_column_in(SecondPhase);
        let q_first = meta.fixed_column();
        let q_body = meta.fixed_column();
        let q_end = meta.fixed_column();
        let table = meta.fixed_column();
        let instance = meta.instance_column();

        let one = || Expression::Constant(Fr::ONE);
        let cur = Rotation::cur();
        let prev = Rotation::prev();

        // Activity flags and the record count: a ∈ {0,1}, a never rises again after a 0,
        // r(0) = N, r(i) = r(i−1) − a(i−1), r(C) = 0 and a(C) = 0. Hence a = 1^N 0^(C+1−N).
        meta.create_gate("active flags", |m| {
            let qf = m.query_fixed(q_first, cur);
            let qb = m.query_fixed(q_body, cur);
            let qe = m.query_fixed(q_end, cur);
            let a = m.query_advice(active, cur);
            let a_prev = m.query_advice(active, prev);
            vec![
                (
                    "a is boolean",
                    (qf + qb.clone()) * a.clone() * (one() - a.clone()),
                ),
                ("a never rises", qb * a.clone() * (one() - a_prev)),
                ("last row inactive", qe * a),
            ]
        });
        meta.create_gate("record count", |m| {
            let qf = m.query_fixed(q_first, cur);
            let qb = m.query_fixed(q_body, cur);
            let qe = m.query_fixed(q_end, cur);
            let r = m.query_advice(remaining, cur);
            let r_prev = m.query_advice(remaining, prev);
            let a_prev = m.query_advice(active, prev);
            let n = m.query_instance(instance, cur);
            vec![
                ("r(0) = N", qf * (r.clone() - n)),
                ("r counts down", qb * (r.clone() - r_prev + a_prev)),
                ("r(C) = 0", qe * r),
            ]
        });

        // Inactive rows hold only zeros: nothing can be hidden there, and an all-zero row
        // contributes γ/γ = 1 to the grand product.
        meta.create_gate("inactive rows are zero", |m| {
            let q = m.query_fixed(q_first, cur) + m.query_fixed(q_body, cur);
            let a = m.query_advice(active, cur);
            original
                .iter()
                .chain(sorted.iter())
                .chain([same].iter())
                .map(|&c| q.clone() * (one() - a.clone()) * m.query_advice(c, cur))
                .collect::<Vec<_>>()
        });

        // Original table: t(0) < 2^64, t(i) − t(i−1) − 1 ∈ [0, 2^64) on active rows, and at
        // the first inactive row 2^64 − 1 − t(N−1) ∈ [0, 2^64): all times are 64-bit and
        // strictly increase.
        meta.create_gate("original times increase", |m| {
            let qf = m.query_fixed(q_first, cur);
            let qb = m.query_fixed(q_body, cur);
            let a = m.query_advice(active, cur);
            let a_prev = m.query_advice(active, prev);
            let t = m.query_advice(original[0], cur);
            let t_prev = m.query_advice(original[0], prev);
            let chain = sum_bytes(m, &time_bytes);
            vec![
                ("first time", qf * (chain.clone() - a.clone() * t.clone())),
                (
                    "time step",
                    qb * (chain
                        - a.clone() * (t - t_prev.clone() - one())
                        - (a_prev - a) * (constant(u64::MAX as u128) - t_prev)),
                ),
            ]
        });

        // Sorted table: key(0) < 2^72; each active row i ≥ 1 either has the previous key
        // (same = 1) and a later time, t(i) − t(i−1) − 1 ∈ [0, 2^64) (the top byte of the
        // chain is 0), or a larger key,
        // key(i) − key(i−1) − 1 ∈ [0, 2^72); the first inactive row checks
        // 2^72 − 1 − key(N−1) ∈ [0, 2^72). So keys are 72-bit and (key, time) strictly
        // increases.
        meta.create_gate("sorted order", |m| {
            let qf = m.query_fixed(q_first, cur);
            let qb = m.query_fixed(q_body, cur);
            let a = m.query_advice(active, cur);
            let a_prev = m.query_advice(active, prev);
            let s = m.query_advice(same, cur);
            let t = m.query_advice(sorted[0], cur);
            let t_prev = m.query_advice(sorted[0], prev);
            let key = m.query_advice(sorted[1], cur);
            let key_prev = m.query_advice(sorted[1], prev);
            let chain = sum_bytes(m, &order_bytes);
            let step = s.clone() * (t - t_prev - one())
                + (one() - s.clone()) * (key.clone() - key_prev.clone() - one());
            vec![
                (
                    "same is boolean",
                    (qf.clone() + qb.clone()) * s.clone() * (one() - s.clone()),
                ),
                ("first row is a new cell", qf.clone() * s.clone()),
                (
                    "same means same key",
                    qb.clone() * s.clone() * (key.clone() - key_prev.clone()),
                ),
                (
                    "same-cell time step is 64-bit",
                    qb.clone() * s * m.query_advice(order_bytes[ORDER_BYTES - 1], cur),
                ),
                ("first key", qf * (chain.clone() - a.clone() * key)),
                (
                    "order step",
                    qb * (chain
                        - a.clone() * step
                        - (a_prev - a) * (constant((1u128 << 72) - 1) - key_prev)),
                ),
            ]
        });

        meta.create_gate("sorted fields", |m| {
            let q = m.query_fixed(q_first, cur) + m.query_fixed(q_body, cur);
            let op = m.query_advice(sorted[2], cur);
            let v = m.query_advice(sorted[3], cur);
            let bytes = sum_bytes(m, &value_bytes);
            vec![
                ("op is boolean", q.clone() * op.clone() * (one() - op)),
                ("value is 64-bit", q * (bytes - v)),
            ]
        });

        // Consistency, on the sorted table (op 0 = read, 1 = write).
        meta.create_gate("read returns previous value", |m| {
            let q = m.query_fixed(q_first, cur) + m.query_fixed(q_body, cur);
            let op = m.query_advice(sorted[2], cur);
            let s = m.query_advice(same, cur);
            let v = m.query_advice(sorted[3], cur);
            let v_prev = m.query_advice(sorted[3], prev);
            vec![q * (one() - op) * s * (v - v_prev)]
        });
        meta.create_gate("first read returns zero", |m| {
            let q = m.query_fixed(q_first, cur) + m.query_fixed(q_body, cur);
            let op = m.query_advice(sorted[2], cur);
            let s = m.query_advice(same, cur);
            let v = m.query_advice(sorted[3], cur);
            vec![q * (one() - op) * (one() - s) * v]
        });

        // Permutation: Z(0) = 1, Z(i)·(γ − s(i−1)) = Z(i−1)·(γ − o(i−1)), Z(C) = 1, where
        // o, s = time + β·key + β²·op + β³·value of the original and sorted rows.
        meta.create_gate("permutation product", |m| {
            let qf = m.query_fixed(q_first, cur);
            let qb = m.query_fixed(q_body, cur);
            let qe = m.query_fixed(q_end, cur);
            let b = m.query_challenge(beta);
            let g = m.query_challenge(gamma);
            let z_cur = m.query_advice(z, cur);
            let z_prev = m.query_advice(z, prev);
            let mut compress = |cols: &[Column<Advice>; 4]| {
                let mut acc = m.query_advice(cols[3], prev);
                for &c in cols[..3].iter().rev() {
                    acc = acc * b.clone() + m.query_advice(c, prev);
                }
                acc
            };
            let o = compress(&original);
            let s = compress(&sorted);
            vec![
                ("Z(0) = 1", qf * (z_cur.clone() - one())),
                (
                    "Z step",
                    qb * (z_cur.clone() * (g.clone() - s) - z_prev * (g - o)),
                ),
                ("Z(C) = 1", qe * (z_cur - one())),
            ]
        });

        // Byte range checks, as one logUp lookup into T = 0..=255:
        //   Σ_rows Σ_bytes 1/(α − b) = Σ_rows m/(α − T).
        // A helper column per pair of byte columns holds 1/(α − b1) + 1/(α − b2), checked by
        // h·(α − b1)(α − b2) = (α − b1) + (α − b2); the running sum L adds the helpers of
        // each row and subtracts m/(α − T): L(0) = row 0's term, L(i) = L(i−1) + row i's
        // term, L(C) = 0.
        for (pair, &h) in byte_columns.chunks(2).zip(&helpers) {
            meta.create_gate("byte lookup helper", |m| {
                let q = m.query_fixed(q_first, cur) + m.query_fixed(q_body, cur);
                let a = m.query_challenge(alpha);
                let h = m.query_advice(h, cur);
                let d: Vec<Expression<Fr>> = pair
                    .iter()
                    .map(|&b| a.clone() - m.query_advice(b, cur))
                    .collect();
                let expr = match d.as_slice() {
                    [d1, d2] => h * d1.clone() * d2.clone() - (d1.clone() + d2.clone()),
                    [d1] => h * d1.clone() - one(),
                    _ => unreachable!(),
                };
                vec![q * expr]
            });
        }
        meta.create_gate("byte lookup sum", |m| {
            let qf = m.query_fixed(q_first, cur);
            let qb = m.query_fixed(q_body, cur);
            let qe = m.query_fixed(q_end, cur);
            let a = m.query_challenge(alpha);
            let t = m.query_fixed(table, cur);
            let mult = m.query_advice(multiplicity, cur);
            let l = m.query_advice(lookup_sum, cur);
            let l_prev = m.query_advice(lookup_sum, prev);
            let row_sum = helpers
                .iter()
                .fold(Expression::Constant(Fr::ZERO), |acc, &h| {
                    acc + m.query_advice(h, cur)
                });
            vec![
                (
                    "L(0)",
                    qf * ((l.clone() - row_sum.clone()) * (a.clone() - t.clone()) + mult.clone()),
                ),
                (
                    "L step",
                    qb * ((l.clone() - l_prev - row_sum) * (a - t) + mult),
                ),
                ("L(C) = 0", qe * l),
            ]
        });

        MemoryConfig {
            original,
            sorted,
            active,
            remaining,
            same,
            time_bytes,
            order_bytes,
            value_bytes,
            z,
            q_first,
            q_body,
            q_end,
            multiplicity,
            table,
            helpers,
            lookup_sum,
            instance,
            beta,
            gamma,
            alpha,
        }
    }

    fn synthesize(
        &self,
        config: MemoryConfig,
        mut layouter: impl Layouter<Fr>,
    ) -> Result<(), Error> {
        let last = last_row(self.k);
        if let Some(w) = &self.witness {
            assert_eq!(w.k(), self.k, "witness built for another k");
        }

        layouter.assign_region(
            || "tables",
            |mut region| {
                region.assign_fixed(config.q_first, 0, Fr::ONE);
                for row in 1..=last {
                    region.assign_fixed(config.q_body, row, Fr::ONE);
                }
                region.assign_fixed(config.q_end, last, Fr::ONE);
                for v in 0..256u64 {
                    region.assign_fixed(config.table, v as usize, Fr::from(v));
                }
                for (column, values) in config.advice_columns().into_iter().zip(self.phase_one()) {
                    match values {
                        Some(values) => {
                            for (row, v) in values.iter().enumerate() {
                                region.assign_advice(column, row, Value::known(*v));
                            }
                        }
                        None => {
                            for row in 0..=last {
                                region.assign_advice(column, row, Value::<Fr>::unknown());
                            }
                        }
                    }
                }
                Ok(())
            },
        )?;

        layouter.next_phase();
        let beta = layouter.get_challenge(config.beta);
        let gamma = layouter.get_challenge(config.gamma);
        let alpha = layouter.get_challenge(config.alpha);
        let second = match &self.witness {
            Some(w) => beta
                .zip(gamma)
                .zip(alpha)
                .map(|((b, g), a)| w.second_phase(b, g, a)),
            None => Value::unknown(),
        };
        layouter.assign_region(
            || "grand product",
            |mut region| {
                let columns = std::iter::once(config.z)
                    .chain(config.helpers.iter().copied())
                    .chain([config.lookup_sum]);
                for (i, column) in columns.enumerate() {
                    for row in 0..=last {
                        region.assign_advice(column, row, second.as_ref().map(|s| s[i][row]));
                    }
                }
                Ok(())
            },
        )?;
        Ok(())
    }
}

impl MemoryConfig {
    /// The first-phase advice columns in the order of [`Witness::columns`].
    fn advice_columns(&self) -> Vec<Column<Advice>> {
        let mut out = Vec::new();
        out.extend(self.original);
        out.extend(self.sorted);
        out.extend([self.active, self.remaining, self.same]);
        out.extend(self.time_bytes);
        out.extend(self.order_bytes);
        out.extend(self.value_bytes);
        out.push(self.multiplicity);
        out
    }
}

impl MemoryCircuit {
    fn phase_one(&self) -> Vec<Option<&[Fr]>> {
        match &self.witness {
            Some(w) => w.columns().iter().map(|c| Some(c.as_slice())).collect(),
            None => vec![None; NUM_COLUMNS],
        }
    }
}
