//! Our two engines against each other: the same case on the interpreter and on the
//! recompiler must agree on every exit, pc, gas, register and mapped page after every run
//! (host calls and page faults answered identically). Needs no oracle.

use std::collections::BTreeMap;

use pvm::Engine;

use crate::case::Case;
use crate::compare::{apply, compare_states, Diff, Field};
use crate::host::HostDriver;
use crate::machine::Machine;
use crate::ours::Ours;

/// How one case went on the two engines.
#[derive(Debug, PartialEq, Eq)]
pub enum EngineVerdict {
    /// Both rejected the program at load time.
    BothRejected,
    /// Every run agreed; the number of runs.
    Agree(usize),
    /// The differences, starting at the first run that differed.
    Disagree(Vec<String>),
}

/// Runs `case` on both engines and compares them after every run.
pub fn compare_engines(case: &Case) -> EngineVerdict {
    let load = |engine| Ours::load_on(&case.blob, case.initial_pc, case.gas, engine);
    let (mut interpreter, mut recompiler) =
        match (load(Engine::Interpreter), load(Engine::Recompiler)) {
            (Err(_), Err(_)) => return EngineVerdict::BothRejected,
            (Ok(a), Ok(b)) => (a, b),
            (a, b) => {
                return EngineVerdict::Disagree(vec![format!(
                    "load: interpreter {:?}, recompiler {:?}",
                    a.err(),
                    b.err()
                )])
            }
        };
    let harness = |e: crate::machine::MachineError| EngineVerdict::Disagree(vec![e.to_string()]);
    let mut pages = BTreeMap::new();
    for action in &case.setup {
        if let Err(e) = apply(action, &mut interpreter, &mut recompiler, &mut pages) {
            return harness(e);
        }
    }
    let mut host = HostDriver::new(&case.host);
    let mut runs = 0;
    for _ in 0..case.max_runs {
        runs += 1;
        let (a, b) = match (interpreter.run(), recompiler.run()) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => return harness(e),
        };
        let (mut diffs, _) = compare_states(&a, &b, &mut interpreter, &mut recompiler, &pages);
        if interpreter.mapped_pages() != recompiler.mapped_pages() {
            diffs.push(Diff {
                field: Field::Memory,
                detail: "the engines have different pages mapped".into(),
            });
        }
        if !diffs.is_empty() {
            return EngineVerdict::Disagree(
                diffs
                    .into_iter()
                    .map(|d| format!("run {runs}: {}", d.detail))
                    .collect(),
            );
        }
        let Some(actions) = host.respond(&a, &pages) else {
            break;
        };
        for action in &actions {
            if let Err(e) = apply(action, &mut interpreter, &mut recompiler, &mut pages) {
                return harness(e);
            }
        }
    }
    EngineVerdict::Agree(runs)
}
