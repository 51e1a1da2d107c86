//! Runs PVM conformance vectors (JSON): the `steps` format of PolkaVM's spectool and the
//! older flat format of the w3f `jamtestvectors` (see `shared/pvm-vectors/README.md`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use machine::{NoTrace, Step, Tracer};
use pvm::{Access, Engine, Exit, GpVersion, Instance, Program};
use serde_json::Value;

/// The outcome of one vector: `Ok` or the list of what differed.
pub type Outcome = Result<(), Vec<String>>;

/// Every `.json` file under `paths` (files are taken as given), sorted.
pub fn collect_files(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut stack = vec![path.clone()];
            while let Some(dir) = stack.pop() {
                for entry in std::fs::read_dir(&dir)? {
                    let entry = entry?.path();
                    if entry.is_dir() {
                        stack.push(entry);
                    } else if entry.extension().is_some_and(|e| e == "json") {
                        files.push(entry);
                    }
                }
            }
        } else {
            files.push(path.clone());
        }
    }
    files.sort();
    Ok(files)
}

/// Loads and runs one vector file.
pub fn run_file(path: &Path, version: GpVersion) -> Outcome {
    run_file_on(path, version, Engine::Interpreter)
}

/// Loads and runs one vector file on `engine`.
pub fn run_file_on(path: &Path, version: GpVersion, engine: Engine) -> Outcome {
    let text = std::fs::read_to_string(path).map_err(|e| vec![format!("cannot read: {e}")])?;
    let json: Value = serde_json::from_str(&text).map_err(|e| vec![format!("bad JSON: {e}")])?;
    run_vector_on(&json, version, engine)
}

fn field<'a>(json: &'a Value, key: &str) -> Result<&'a Value, Vec<String>> {
    json.get(key)
        .ok_or_else(|| vec![format!("missing field `{key}`")])
}

fn number(json: &Value, key: &str) -> Result<u64, Vec<String>> {
    field(json, key)?
        .as_u64()
        .ok_or_else(|| vec![format!("field `{key}` is not an unsigned number")])
}

fn bytes(json: &Value, key: &str) -> Result<Vec<u8>, Vec<String>> {
    field(json, key)?
        .as_array()
        .ok_or_else(|| vec![format!("field `{key}` is not an array")])?
        .iter()
        .map(|b| {
            b.as_u64()
                .and_then(|b| u8::try_from(b).ok())
                .ok_or_else(|| vec![format!("field `{key}` holds a non-byte")])
        })
        .collect()
}

fn regs(json: &Value, key: &str) -> Result<Vec<u64>, Vec<String>> {
    field(json, key)?
        .as_array()
        .ok_or_else(|| vec![format!("field `{key}` is not an array")])?
        .iter()
        .map(|r| {
            r.as_u64()
                .ok_or_else(|| vec![format!("bad register in `{key}`")])
        })
        .collect()
}

/// Runs one parsed vector.
pub fn run_vector(json: &Value, version: GpVersion) -> Outcome {
    run_vector_on(json, version, Engine::Interpreter)
}

/// Runs one parsed vector on `engine`.
pub fn run_vector_on(json: &Value, version: GpVersion, engine: Engine) -> Outcome {
    run_vector_engine(json, version, NoTrace, Mode::Run, engine).map(|_| ())
}

/// How [`run_vector_with`] executes a vector's runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// [`Instance::run`].
    Run,
    /// [`Instance::step`] until an exit (must end exactly as `Run` does).
    Step,
}

/// Runs one parsed vector on an instance reporting to `tracer` (attached before the
/// vector's set-up, so the vector's memory writes and registers are traced as host-side
/// changes), executing in `mode`. Returns the tracer if every expectation held.
pub fn run_vector_with<T: Tracer>(
    json: &Value,
    version: GpVersion,
    tracer: T,
    mode: Mode,
) -> Result<T, Vec<String>> {
    run_vector_engine(json, version, tracer, mode, Engine::Interpreter)
}

/// [`run_vector_with`] on `engine`.
pub fn run_vector_engine<T: Tracer>(
    json: &Value,
    version: GpVersion,
    tracer: T,
    mode: Mode,
    engine: Engine,
) -> Result<T, Vec<String>> {
    let blob = bytes(json, "program")?;
    let program = Program::from_blob_bytes(&blob, version)
        .map_err(|e| vec![format!("program rejected: {e}")])?;
    let program = Arc::new(program);
    let mut errors = Vec::new();
    if let Some(costs) = json.get("block-gas-costs").and_then(Value::as_array) {
        check_block_costs(&program, costs, &mut errors);
    }
    let mut vm = Instance::new(program, number(json, "initial-gas")?)
        .and_then(|vm| vm.with_engine(engine))
        .and_then(|vm| vm.with_tracer(tracer))
        .map_err(|e| vec![format!("cannot create instance: {e}")])?;
    vm.set_pc(number(json, "initial-pc")? as u32);
    if let Some(steps) = json.get("steps").and_then(Value::as_array) {
        run_steps(&mut vm, steps, mode, &mut errors)?;
    } else {
        run_flat(&mut vm, json, mode, &mut errors)?;
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
            if let Step::Exit(exit) = vm.step() {
                return exit;
            }
        },
    }
}

fn check_block_costs(program: &Program, costs: &[Value], errors: &mut Vec<String>) {
    let expected: BTreeMap<u32, u32> = costs
        .iter()
        .filter_map(|c| {
            Some((
                c.get("pc")?.as_u64()? as u32,
                c.get("cost")?.as_u64()? as u32,
            ))
        })
        .collect();
    let actual: BTreeMap<u32, u32> = program.block_costs().collect();
    if expected != actual {
        errors.push(format!(
            "block gas costs: expected {expected:?}, got {actual:?}"
        ));
    }
}

fn map<T: Tracer>(vm: &mut Instance<T>, entry: &Value) -> Result<(), Vec<String>> {
    let address = number(entry, "address")? as u32;
    let length = number(entry, "length")?;
    let writable = field(entry, "is-writable")?.as_bool().unwrap_or(false);
    let access = if writable {
        Access::Write
    } else {
        Access::Read
    };
    let length = pvm::memory::page_align_up(length);
    vm.map_memory(address, length, access)
        .map_err(|e| vec![format!("map failed: {e}")])
}

fn write<T: Tracer>(vm: &mut Instance<T>, entry: &Value) -> Result<(), Vec<String>> {
    let address = number(entry, "address")? as u32;
    let contents = bytes(entry, "contents")?;
    vm.write_memory_privileged(address, &contents)
        .map_err(|e| vec![format!("write failed: {e}")])
}

fn run_steps<T: Tracer>(
    vm: &mut Instance<T>,
    steps: &[Value],
    mode: Mode,
    errors: &mut Vec<String>,
) -> Result<(), Vec<String>> {
    let mut last_exit = None;
    for (number_of_step, step) in steps.iter().enumerate() {
        let Some((kind, body)) = step.as_object().and_then(|o| o.iter().next()) else {
            return Err(vec![format!("step {number_of_step} is not an object")]);
        };
        match kind.as_str() {
            "map" => map(vm, body)?,
            "write" => write(vm, body)?,
            "set-reg" => {
                let reg = number(body, "reg")? as usize;
                if !vm.set_reg(reg, number(body, "value")?) {
                    return Err(vec![format!("set-reg: no register {reg}")]);
                }
            }
            "run" => last_exit = Some(execute(vm, mode)),
            "assert" => {
                let Some(exit) = last_exit else {
                    return Err(vec![format!("step {number_of_step}: assert before run")]);
                };
                let before = errors.len();
                check_state(vm, exit, &Expected::from_assert(body)?, errors);
                for e in &mut errors[before..] {
                    *e = format!("step {number_of_step}: {e}");
                }
            }
            other => return Err(vec![format!("unknown step kind `{other}`")]),
        }
    }
    Ok(())
}

fn run_flat<T: Tracer>(
    vm: &mut Instance<T>,
    json: &Value,
    mode: Mode,
    errors: &mut Vec<String>,
) -> Result<(), Vec<String>> {
    let initial = regs(json, "initial-regs")?;
    for (i, value) in initial.iter().enumerate() {
        vm.set_reg(i, *value);
    }
    for entry in field(json, "initial-page-map")?
        .as_array()
        .into_iter()
        .flatten()
    {
        map(vm, entry)?;
    }
    for entry in field(json, "initial-memory")?
        .as_array()
        .into_iter()
        .flatten()
    {
        write(vm, entry)?;
    }
    let exit = execute(vm, mode);
    let expected = Expected::from_flat(json)?;
    check_state(vm, exit, &expected, errors);
    Ok(())
}

/// What a vector expects after a run.
struct Expected {
    status: String,
    gas: u64,
    pc: u64,
    regs: Vec<u64>,
    memory: BTreeMap<u32, u8>,
    page_fault_address: Option<u64>,
    host_call: Option<u64>,
}

fn memory_chunks(value: Option<&Value>) -> Result<BTreeMap<u32, u8>, Vec<String>> {
    let mut memory = BTreeMap::new();
    for chunk in value.and_then(Value::as_array).into_iter().flatten() {
        let address = number(chunk, "address")? as u32;
        for (i, byte) in bytes(chunk, "contents")?.into_iter().enumerate() {
            if byte != 0 {
                memory.insert(address.wrapping_add(i as u32), byte);
            }
        }
    }
    Ok(memory)
}

impl Expected {
    fn from_assert(body: &Value) -> Result<Expected, Vec<String>> {
        Ok(Expected {
            status: field(body, "status")?
                .as_str()
                .unwrap_or_default()
                .to_string(),
            gas: number(body, "gas")?,
            pc: number(body, "pc")?,
            regs: regs(body, "regs")?,
            memory: memory_chunks(body.get("memory"))?,
            page_fault_address: body.get("page-fault-address").and_then(Value::as_u64),
            host_call: body.get("hostcall").and_then(Value::as_u64),
        })
    }

    fn from_flat(json: &Value) -> Result<Expected, Vec<String>> {
        Ok(Expected {
            status: field(json, "expected-status")?
                .as_str()
                .unwrap_or_default()
                .to_string(),
            gas: number(json, "expected-gas")?,
            pc: number(json, "expected-pc")?,
            regs: regs(json, "expected-regs")?,
            memory: memory_chunks(json.get("expected-memory"))?,
            page_fault_address: json
                .get("expected-page-fault-address")
                .and_then(Value::as_u64),
            host_call: None,
        })
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

/// Runs every vector file under `paths`.
pub fn run_all(paths: &[PathBuf], version: GpVersion) -> std::io::Result<Summary> {
    run_all_on(paths, version, Engine::Interpreter)
}

/// Runs every vector file under `paths` on `engine`.
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
