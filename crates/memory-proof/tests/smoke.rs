use halo2_axiom::dev::MockProver;
use machine::testing::random_trace;
use memory_proof::*;

#[test]
fn smoke() {
    let k = 9;
    let records = random_trace(1, 200);
    machine::check(&records).unwrap();
    let w = Witness::from_records(k, &records).unwrap();
    let c = MemoryCircuit::new(w);
    let t = std::time::Instant::now();
    let p = MockProver::run(k, &c, c.instances()).unwrap();
    p.assert_satisfied();
    eprintln!("mock {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let params = setup(k);
    eprintln!("setup {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let (pk, vk) = keygen(&params);
    eprintln!("keygen {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let proof = prove(&params, &pk, &records).unwrap();
    eprintln!("prove {:?} {} bytes", t.elapsed(), proof.bytes.len());
    let t = std::time::Instant::now();
    verify(&params, &vk, &proof).unwrap();
    eprintln!("verify {:?}", t.elapsed());
    let mut bad = proof.clone();
    bad.records += 1;
    assert!(verify(&params, &vk, &bad).is_err());
}

#[test]
fn fast_setup_matches_halo2_setup() {
    use halo2_axiom::poly::kzg::commitment::ParamsKZG;
    use rand_core::SeedableRng;
    let k = 9;
    let reference = ParamsKZG::<halo2_axiom::halo2curves::bn256::Bn256>::setup(
        k,
        rand_chacha::ChaCha20Rng::seed_from_u64(INSECURE_SETUP_SEED),
    );
    let mut a = Vec::new();
    let mut b = Vec::new();
    halo2_axiom::poly::commitment::Params::write(&reference, &mut a).unwrap();
    halo2_axiom::poly::commitment::Params::write(&setup(k), &mut b).unwrap();
    assert!(a == b);
}
