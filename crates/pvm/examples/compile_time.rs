//! Where the recompiler's load time goes: times loading a `.polkavm` blob stage by stage
//! (parse, validate, prepare every block with and without the pipeline gas model, compile).
//!
//! ```text
//! cargo run --release -p pvm --example compile_time -- guests/bin/zlib.polkavm [runs] [stage]
//! ```
//!
//! With a stage as the third argument (`compile`, `prepare` or `prepare-0.7`) it only runs
//! that stage, `runs` times (for `perf record`).
use std::sync::Arc;
use std::time::{Duration, Instant};

use pvm::container::Container;
use pvm::{Engine, GpVersion, Instance, Program, ProgramError};

/// The shortest of `runs` timings of `f`.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: compile_time FILE.polkavm [runs] [compile|prepare|prepare-0.7]";
    let path = args.next().ok_or(usage)?;
    let runs: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(50);
    let stage = args.next();
    let blob = std::fs::read(&path)?;
    let container = Container::parse(&blob)?;
    let load = |version| -> Result<Program, ProgramError> {
        let c = &container;
        Program::from_parts(&c.code, &c.bitmask, &c.jump_table, version)
    };
    let compile = || -> Result<Instance, Box<dyn std::error::Error>> {
        let program = Arc::new(load(GpVersion::V0_8)?);
        Ok(Instance::new_on(program, 0, Engine::Recompiler)?)
    };
    let prepare_on = |version| load(version).map(|p| p.prepare_all());
    if let Some(stage) = stage {
        match stage.as_str() {
            "compile" => drop(best(runs, compile)),
            "prepare" => drop(best(runs, || prepare_on(GpVersion::V0_8))),
            "prepare-0.7" => drop(best(runs, || prepare_on(GpVersion::V0_7))),
            other => return Err(format!("unknown stage `{other}`; {usage}").into()),
        }
        return Ok(());
    }
    let parse = best(runs, || Container::parse(&blob));
    let validate = best(runs, || load(GpVersion::V0_8));
    let prepare = best(runs, || prepare_on(GpVersion::V0_8));
    let prepare_per_instruction = best(runs, || prepare_on(GpVersion::V0_7));
    let compiled = best(runs, compile);
    println!("parse                               {parse:?}");
    println!("validate                            {validate:?}");
    println!("validate + prepare (pipeline gas)   {prepare:?}");
    println!("validate + prepare (GP 0.7 gas)     {prepare_per_instruction:?}");
    println!("validate + prepare + compile        {compiled:?}");
    Ok(())
}
