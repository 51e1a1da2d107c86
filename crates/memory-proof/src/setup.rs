//! The deterministic (INSECURE) KZG test setup, computed with fixed-base tables.
//!
//! Produces exactly the parameters of `ParamsKZG::setup(k, ChaCha20Rng(seed))` (a test
//! checks this), about ten times faster: every point is `x·G` for a known scalar `x`, so
//! each costs 32 mixed additions from a table of `j·2^(8t)·G` instead of a full scalar
//! multiplication.

use halo2_axiom::{
    arithmetic::parallelize,
    halo2curves::{
        bn256::{Bn256, Fr, G1Affine, G2Affine, G1},
        ff::{BatchInvert, Field, PrimeField},
        group::{prime::PrimeCurveAffine, Curve, Group},
    },
    poly::kzg::commitment::ParamsKZG,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// `table[t][j] = j · 2^(8t) · G` for the 32 bytes of a scalar.
fn fixed_base_table() -> Vec<[G1Affine; 256]> {
    let mut base = G1::generator();
    let mut table = Vec::with_capacity(32);
    for _ in 0..32 {
        let mut row = [G1::identity(); 256];
        for j in 1..256 {
            row[j] = row[j - 1] + base;
        }
        let mut affine = [G1Affine::identity(); 256];
        G1::batch_normalize(&row, &mut affine);
        table.push(affine);
        for _ in 0..8 {
            base = base.double();
        }
    }
    table
}

fn points(table: &[[G1Affine; 256]], scalars: &[Fr]) -> Vec<G1Affine> {
    let mut projective = vec![G1::identity(); scalars.len()];
    parallelize(&mut projective, |chunk, start| {
        for (i, p) in chunk.iter_mut().enumerate() {
            let repr = scalars[start + i].to_repr();
            let mut acc = G1::identity();
            for (t, &byte) in repr.as_ref().iter().enumerate() {
                if byte != 0 {
                    acc += &table[t][byte as usize];
                }
            }
            *p = acc;
        }
    });
    let mut affine = vec![G1Affine::identity(); scalars.len()];
    parallelize(&mut affine, |chunk, start| {
        G1::batch_normalize(&projective[start..start + chunk.len()], chunk);
    });
    affine
}

/// The secret `s` of the setup from `seed` (`ParamsKZG::setup` draws it first).
fn secret(seed: u64) -> Fr {
    Fr::random(ChaCha20Rng::seed_from_u64(seed))
}

/// `s·G2` of the setup from `seed`, for any `k`: what identifies its parameters.
pub(crate) fn deterministic_s_g2(seed: u64) -> G2Affine {
    (G2Affine::generator() * secret(seed)).to_affine()
}

/// `ParamsKZG::setup(k, ChaCha20Rng::seed_from_u64(seed))`, faster.
pub(crate) fn deterministic_params(k: u32, seed: u64) -> ParamsKZG<Bn256> {
    let s = secret(seed);
    let n = 1usize << k;

    let mut powers = Vec::with_capacity(n);
    let mut x = Fr::ONE;
    for _ in 0..n {
        powers.push(x);
        x *= s;
    }
    let s_n = x;

    // Lagrange basis at s: L_i(s) = (s^n − 1)/n · ω^i / (s − ω^i).
    let mut omega = Fr::ROOT_OF_UNITY_INV.invert().unwrap();
    for _ in k..Fr::S {
        omega = omega.square();
    }
    let multiplier = (s_n - Fr::ONE) * Fr::from(n as u64).invert().unwrap();
    let mut omegas = Vec::with_capacity(n);
    let mut w = Fr::ONE;
    for _ in 0..n {
        omegas.push(w);
        w *= omega;
    }
    let mut lagrange: Vec<Fr> = omegas.iter().map(|w| s - w).collect();
    lagrange.iter_mut().batch_invert();
    for (l, w) in lagrange.iter_mut().zip(&omegas) {
        *l *= multiplier * w;
    }

    let table = fixed_base_table();
    let g = points(&table, &powers);
    let g_lagrange = points(&table, &lagrange);
    let g2 = G2Affine::generator();
    let s_g2 = (g2 * s).to_affine();
    let shell = ParamsKZG::<Bn256>::setup(1, ChaCha20Rng::seed_from_u64(seed));
    shell.from_parts(k, g, Some(g_lagrange), g2, s_g2)
}
