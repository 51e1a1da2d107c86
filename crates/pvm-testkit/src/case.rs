//! The normalised conformance case: both upstream formats (PolkaVM spectool `steps` and
//! the flat w3f format, see `shared/pvm-vectors/README.md`) read into one list of steps.
//! [`schema`] writes these cases as the JSON file the bindings execute, and reads it back.

pub mod schema;

use std::collections::BTreeMap;

use pvm::GpVersion;
use serde_json::Value;

/// Which upstream format a case was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// PolkaVM spectool: `steps` and `block-gas-costs`.
    Steps,
    /// w3f jamtestvectors: `initial-*` and `expected-*`, one run.
    Flat,
}

/// One conformance vector, normalised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// The vector's name.
    pub name: String,
    /// Where it came from: its file relative to the vectors root (`set/programs/x.json`),
    /// else the file as given; empty for a vector read from memory.
    pub source: String,
    /// The Gray Paper version to load the program under.
    pub version: GpVersion,
    /// The upstream format it came from.
    pub format: Format,
    /// The raw program blob (jump table, code, bitmask).
    pub program: Vec<u8>,
    /// The pc to start at.
    pub initial_pc: u32,
    /// The gas to start with.
    pub initial_gas: u64,
    /// Expected gas cost of every basic block by start pc, if the vector lists them.
    pub block_gas_costs: Option<BTreeMap<u32, u32>>,
    /// What to do, in order.
    pub steps: Vec<Step>,
}

/// One step of a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Map zeroed pages (`length` is a multiple of the page size).
    Map {
        /// First byte.
        address: u32,
        /// Bytes, page-aligned.
        length: u64,
        /// Read-write (else read-only).
        writable: bool,
    },
    /// Write bytes with privilege (also into read-only pages).
    Write {
        /// First byte.
        address: u32,
        /// The bytes.
        data: Vec<u8>,
    },
    /// Set a register.
    SetReg {
        /// Register index (0..13).
        reg: usize,
        /// Its value.
        value: u64,
    },
    /// Run (the first time) or resume after the last exit, until the next exit.
    Run,
    /// Check the state after the last run.
    Assert(Box<Expected>),
}

/// What a vector expects after a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// The exit's vector name: `halt`, `panic`, `out-of-gas`, `page-fault`, `ecalli`.
    pub status: String,
    /// Gas left.
    pub gas: u64,
    /// The pc (of the instruction that caused the exit).
    pub pc: u64,
    /// All registers.
    pub regs: Vec<u64>,
    /// Every non-zero byte of mapped memory, by address (every other mapped byte is 0).
    pub memory: BTreeMap<u32, u8>,
    /// The faulting address, if the vector names one.
    pub page_fault_address: Option<u64>,
    /// The host-call id, if the vector names one.
    pub host_call: Option<u64>,
}

/// A reading error: the list of problems (one, for a malformed vector).
pub type Problems = Vec<String>;

fn field<'a>(json: &'a Value, key: &str) -> Result<&'a Value, Problems> {
    json.get(key)
        .ok_or_else(|| vec![format!("missing field `{key}`")])
}

fn number(json: &Value, key: &str) -> Result<u64, Problems> {
    field(json, key)?
        .as_u64()
        .ok_or_else(|| vec![format!("field `{key}` is not an unsigned number")])
}

fn bytes(json: &Value, key: &str) -> Result<Vec<u8>, Problems> {
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

fn regs(json: &Value, key: &str) -> Result<Vec<u64>, Problems> {
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

fn status(json: &Value, key: &str) -> Result<String, Problems> {
    Ok(field(json, key)?.as_str().unwrap_or_default().to_string())
}

fn map(entry: &Value) -> Result<Step, Problems> {
    Ok(Step::Map {
        address: number(entry, "address")? as u32,
        length: pvm::memory::page_align_up(number(entry, "length")?),
        writable: field(entry, "is-writable")?.as_bool().unwrap_or(false),
    })
}

fn write(entry: &Value) -> Result<Step, Problems> {
    Ok(Step::Write {
        address: number(entry, "address")? as u32,
        data: bytes(entry, "contents")?,
    })
}

/// The non-zero bytes of a list of `{address, contents}` chunks.
fn memory_chunks(value: Option<&Value>) -> Result<BTreeMap<u32, u8>, Problems> {
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

impl Case {
    /// Reads a vector in either upstream format, to be loaded under `version`. `fallback`
    /// names the case if the vector has no `name` (e.g. the file stem).
    pub fn from_vector(json: &Value, version: GpVersion, fallback: &str) -> Result<Case, Problems> {
        let program = bytes(json, "program")?;
        let block_gas_costs = json
            .get("block-gas-costs")
            .and_then(Value::as_array)
            .map(|costs| {
                costs
                    .iter()
                    .filter_map(|c| {
                        Some((
                            c.get("pc")?.as_u64()? as u32,
                            c.get("cost")?.as_u64()? as u32,
                        ))
                    })
                    .collect()
            });
        let initial_gas = number(json, "initial-gas")?;
        let initial_pc = number(json, "initial-pc")? as u32;
        let (format, steps) = match json.get("steps").and_then(Value::as_array) {
            Some(steps) => (Format::Steps, steps_of(steps)?),
            None => (Format::Flat, flat_steps(json)?),
        };
        Ok(Case {
            name: json
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(fallback)
                .to_string(),
            source: String::new(),
            version,
            format,
            program,
            initial_pc,
            initial_gas,
            block_gas_costs,
            steps,
        })
    }
}

fn steps_of(steps: &[Value]) -> Result<Vec<Step>, Problems> {
    let mut out = Vec::with_capacity(steps.len());
    for (number_of_step, step) in steps.iter().enumerate() {
        let Some((kind, body)) = step.as_object().and_then(|o| o.iter().next()) else {
            return Err(vec![format!("step {number_of_step} is not an object")]);
        };
        out.push(match kind.as_str() {
            "map" => map(body)?,
            "write" => write(body)?,
            "set-reg" => Step::SetReg {
                reg: number(body, "reg")? as usize,
                value: number(body, "value")?,
            },
            "run" => Step::Run,
            "assert" => Step::Assert(Box::new(Expected {
                status: status(body, "status")?,
                gas: number(body, "gas")?,
                pc: number(body, "pc")?,
                regs: regs(body, "regs")?,
                memory: memory_chunks(body.get("memory"))?,
                page_fault_address: body.get("page-fault-address").and_then(Value::as_u64),
                host_call: body.get("hostcall").and_then(Value::as_u64),
            })),
            other => return Err(vec![format!("unknown step kind `{other}`")]),
        });
    }
    Ok(out)
}

/// The flat format as steps: set every register, map, write, run, assert.
fn flat_steps(json: &Value) -> Result<Vec<Step>, Problems> {
    let mut steps: Vec<Step> = regs(json, "initial-regs")?
        .into_iter()
        .enumerate()
        .map(|(reg, value)| Step::SetReg { reg, value })
        .collect();
    for entry in field(json, "initial-page-map")?
        .as_array()
        .into_iter()
        .flatten()
    {
        steps.push(map(entry)?);
    }
    for entry in field(json, "initial-memory")?
        .as_array()
        .into_iter()
        .flatten()
    {
        steps.push(write(entry)?);
    }
    steps.push(Step::Run);
    steps.push(Step::Assert(Box::new(Expected {
        status: status(json, "expected-status")?,
        gas: number(json, "expected-gas")?,
        pc: number(json, "expected-pc")?,
        regs: regs(json, "expected-regs")?,
        memory: memory_chunks(json.get("expected-memory"))?,
        page_fault_address: json
            .get("expected-page-fault-address")
            .and_then(Value::as_u64),
        host_call: None,
    })));
    Ok(steps)
}

impl Case {
    /// Reads the vector file at `path` (either upstream format), named by its `name` field
    /// or else its file stem.
    pub fn from_file(path: &std::path::Path, version: GpVersion) -> Result<Case, Problems> {
        let text = std::fs::read_to_string(path).map_err(|e| vec![format!("cannot read: {e}")])?;
        let json: Value =
            serde_json::from_str(&text).map_err(|e| vec![format!("bad JSON: {e}")])?;
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        let mut case = Case::from_vector(&json, version, stem.as_deref().unwrap_or_default())?;
        let root = crate::locate::vectors_root();
        case.source = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        Ok(case)
    }
}

/// Every vector file under `paths` as a case under `version`, in file order; the first
/// file that cannot be read stops the list (with its path in the message).
pub fn cases_under(paths: &[std::path::PathBuf], version: GpVersion) -> Result<Vec<Case>, String> {
    let files = crate::locate::collect_files(paths).map_err(|e| e.to_string())?;
    files
        .iter()
        .map(|file| {
            Case::from_file(file, version)
                .map_err(|problems| format!("{}: {}", file.display(), problems.join("; ")))
        })
        .collect()
}

/// Every case of every known set ([`crate::locate::all_sets`]), each under its set's
/// Gray Paper version: the GP 0.8 main suite (364), then the GP 0.7 legacy set (307).
pub fn all_cases() -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    for set in crate::locate::all_sets() {
        let dir = set.programs();
        if !dir.is_dir() {
            return Err(format!(
                "conformance vectors missing at {} (set PVM_VECTORS)",
                dir.display()
            ));
        }
        cases.extend(cases_under(&[dir], set.version)?);
    }
    Ok(cases)
}
