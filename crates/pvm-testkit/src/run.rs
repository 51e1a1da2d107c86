//! Executes normalised [`Case`]s on the engine and reports every expectation that does
//! not hold: status, pc, gas, registers, every non-zero byte of mapped memory, the
//! page-fault address, the host-call id, and each basic block's gas cost.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use machine::{NoTrace, Step as MachineStep, Tracer};
use pvm::{Access, Engine, Exit, GpVersion, Instance, Program};
use serde_json::Value;

use crate::case::{Case, Expected, Format, Step};
use crate::locate::collect_files;

/// The outcome of one vector: `Ok` or the list of what differed.
pub type Outcome = Result<(), Vec<String>>;

/// How [`run_case_with`] executes a case's runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// [`Instance::run`].
    Run,
    /// [`Instance::step`] until an exit (must end exactly as `Run` does).
    Step,
}

/// Loads and runs one vector file (either upstream format) on [`Engine::default`] (the
/// recompiler where it is supported, the interpreter elsewhere).
pub fn run_file(path: &Path, version: GpVersion) -> Outcome {
    run_file_on(path, version, Engine::default())
}

/// [`run_file`] on `engine`.
pub fn run_file_on(path: &Path, version: GpVersion, engine: Engine) -> Outcome {
    let text = std::fs::read_to_string(path).map_err(|e| vec![format!("cannot read: {e}")])?;
    let json: Value = serde_json::from_str(&text).map_err(|e| vec![format!("bad JSON: {e}")])?;
    run_vector_on(&json, version, engine)
}

/// Runs one parsed vector (either upstream format) on [`Engine::default`].
pub fn run_vector(json: &Value, version: GpVersion) -> Outcome {
    run_vector_on(json, version, Engine::default())
}

/// [`run_vector`] on `engine`.
pub fn run_vector_on(json: &Value, version: GpVersion, engine: Engine) -> Outcome {
    let case = Case::from_vector(json, version, "")?;
    run_case_engine(&case, NoTrace, Mode::Run, engine).map(|_| ())
}

/// [`run_case_with`] on a parsed vector (either upstream format): on the interpreter, which
/// tracing needs.
pub fn run_vector_with<T: Tracer>(
    json: &Value,
    version: GpVersion,
    tracer: T,
    mode: Mode,
) -> Result<T, Vec<String>> {
    let case = Case::from_vector(json, version, "")?;
    run_case_with(&case, tracer, mode)
}

/// Runs one case on [`Engine::default`].
pub fn run_case(case: &Case) -> Outcome {
    run_case_on(case, Engine::default())
}

/// Runs one case on `engine`.
pub fn run_case_on(case: &Case, engine: Engine) -> Outcome {
    run_case_engine(case, NoTrace, Mode::Run, engine).map(|_| ())
}

/// Runs one case on an instance reporting to `tracer` (attached before the case's set-up,
/// so its memory writes and registers are traced as host-side changes), executing in
/// `mode`, on the interpreter (which tracing needs, whatever the default engine). Returns
/// the tracer if every expectation held.
pub fn run_case_with<T: Tracer>(case: &Case, tracer: T, mode: Mode) -> Result<T, Vec<String>> {
    run_case_engine(case, tracer, mode, Engine::Interpreter)
}

/// [`run_case_with`] on `engine` (tracing needs the interpreter: a tracer other than
/// `NoTrace` on the recompiler is reported as an error).
pub fn run_case_engine<T: Tracer>(
    case: &Case,
    tracer: T,
    mode: Mode,
    engine: Engine,
) -> Result<T, Vec<String>> {
    let program = Program::from_blob_bytes(&case.program, case.version)
        .map_err(|e| vec![format!("program rejected: {e}")])?;
    let program = Arc::new(program);
    let mut errors = Vec::new();
    let mut vm = Instance::new_on(program.clone(), case.initial_gas, engine)
        .and_then(|vm| vm.with_tracer(tracer))
        .map_err(|e| vec![format!("cannot create instance: {e}")])?;
    vm.set_pc(case.initial_pc);
    let mut last_exit = None;
    for (number_of_step, step) in case.steps.iter().enumerate() {
        match step {
            Step::Map {
                address,
                length,
                writable,
            } => {
                let access = if *writable {
                    Access::Write
                } else {
                    Access::Read
                };
                vm.map_memory(*address, *length, access)
                    .map_err(|e| vec![format!("map failed: {e}")])?;
            }
            Step::Write { address, data } => vm
                .write_memory_privileged(*address, data)
                .map_err(|e| vec![format!("write failed: {e}")])?,
            Step::SetReg { reg, value } => {
                if !vm.set_reg(*reg, *value) {
                    return Err(vec![format!("set-reg: no register {reg}")]);
                }
            }
            Step::Run => last_exit = Some(execute(&mut vm, mode)),
            Step::Assert(expected) => {
                let Some(exit) = last_exit else {
                    return Err(vec![format!("step {number_of_step}: assert before run")]);
                };
                let before = errors.len();
                check_state(&vm, exit, expected, &mut errors);
                // The flat format has one run: its problems need no step number.
                if case.format == Format::Steps {
                    for e in &mut errors[before..] {
                        *e = format!("step {number_of_step}: {e}");
                    }
                }
            }
        }
    }
    // After the run, so that the run prepared its blocks lazily, as in production; this
    // prepares the rest.
    if let Some(expected) = &case.block_gas_costs {
        let actual: BTreeMap<u32, u32> = program.block_costs().collect();
        if *expected != actual {
            errors.push(format!(
                "block gas costs: expected {expected:?}, got {actual:?}"
            ));
        }
    }
    if errors.is_empty() {
        Ok(vm.into_tracer())
    } else {
        Err(errors)
    }
}

fn execute<T: Tracer>(vm: &mut Instance<T>, mode: Mode) -> Exit {
    match mode {
        Mode::Run => vm.run(),
        Mode::Step => loop {
            if let MachineStep::Exit(exit) = vm.step() {
                return exit;
            }
        },
    }
}

/// The vector-file name of an exit.
pub fn status_name(exit: Exit) -> &'static str {
    match exit {
        Exit::Halt => "halt",
        Exit::Panic => "panic",
        Exit::OutOfGas => "out-of-gas",
        Exit::PageFault { .. } => "page-fault",
        Exit::HostCall { .. } => "ecalli",
    }
}

/// Every non-zero byte of mapped memory.
fn nonzero_memory<T: Tracer>(vm: &Instance<T>) -> BTreeMap<u32, u8> {
    let memory = vm.memory();
    let mut out = BTreeMap::new();
    for (page, _) in memory.mapped_pages() {
        if let Some(bytes) = memory.page(page) {
            for (i, &b) in bytes.iter().enumerate() {
                if b != 0 {
                    out.insert(page + i as u32, b);
                }
            }
        }
    }
    out
}

fn check_state<T: Tracer>(
    vm: &Instance<T>,
    exit: Exit,
    expected: &Expected,
    errors: &mut Vec<String>,
) {
    let status = status_name(exit);
    if status != expected.status {
        errors.push(format!(
            "status: expected {}, got {status}",
            expected.status
        ));
    }
    if vm.gas() != expected.gas {
        errors.push(format!("gas: expected {}, got {}", expected.gas, vm.gas()));
    }
    if u64::from(vm.pc()) != expected.pc {
        errors.push(format!("pc: expected {}, got {}", expected.pc, vm.pc()));
    }
    if vm.regs()[..] != expected.regs[..] {
        errors.push(format!(
            "regs: expected {:?}, got {:?}",
            expected.regs,
            vm.regs()
        ));
    }
    let actual_fault = match exit {
        Exit::PageFault { address } => Some(u64::from(address)),
        _ => None,
    };
    if expected.page_fault_address.is_some() && actual_fault != expected.page_fault_address {
        errors.push(format!(
            "page-fault address: expected {:?}, got {actual_fault:?}",
            expected.page_fault_address
        ));
    }
    let actual_host = match exit {
        Exit::HostCall { id } => Some(u64::from(id)),
        _ => None,
    };
    if expected.host_call.is_some() && actual_host != expected.host_call {
        errors.push(format!(
            "host call: expected {:?}, got {actual_host:?}",
            expected.host_call
        ));
    }
    let memory = nonzero_memory(vm);
    if memory != expected.memory {
        let differing: Vec<String> = expected
            .memory
            .keys()
            .chain(memory.keys())
            .filter(|a| expected.memory.get(a) != memory.get(a))
            .take(8)
            .map(|a| {
                format!(
                    "{a:#x}: expected {:?}, got {:?}",
                    expected.memory.get(a),
                    memory.get(a)
                )
            })
            .collect();
        errors.push(format!("memory differs: {}", differing.join("; ")));
    }
}

/// Results of a run over many files.
#[derive(Debug, Default)]
pub struct Summary {
    /// Files that passed.
    pub passed: usize,
    /// Files that failed, with what differed.
    pub failed: Vec<(PathBuf, Vec<String>)>,
}

/// Runs every vector file under `paths` under `version` on [`Engine::default`].
pub fn run_all(paths: &[PathBuf], version: GpVersion) -> std::io::Result<Summary> {
    run_all_on(paths, version, Engine::default())
}

/// [`run_all`] on `engine`.
pub fn run_all_on(
    paths: &[PathBuf],
    version: GpVersion,
    engine: Engine,
) -> std::io::Result<Summary> {
    let mut summary = Summary::default();
    for file in collect_files(paths)? {
        match run_file_on(&file, version, engine) {
            Ok(()) => summary.passed += 1,
            Err(errors) => summary.failed.push((file, errors)),
        }
    }
    Ok(summary)
}
