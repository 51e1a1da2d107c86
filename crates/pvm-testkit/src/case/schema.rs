//! The normalised case file (`SCHEMA.md` beside this crate): the cases as one JSON
//! document, so that the bindings' runners execute the steps with their own API and parse
//! neither upstream format. [`write_cases`] makes it, [`read_cases`] reads it back.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use pvm::GpVersion;
use serde_json::{json, Map, Value};

use super::{Case, Expected, Format, Step};

/// The value of the document's `schema` field.
pub const SCHEMA: &str = "pvm-testkit-cases/1";

/// A case file that does not follow the schema.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("case file: {at}: {problem}")]
pub struct SchemaError {
    /// Where: the case's index and name, and the step's index.
    pub at: String,
    /// What is wrong.
    pub problem: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(2 * bytes.len()), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// 64-bit values are decimal strings: JavaScript's numbers hold only 53 bits.
fn u64_text(value: u64) -> Value {
    Value::String(value.to_string())
}

/// The runs of consecutive addresses of a non-zero byte map.
fn memory_runs(memory: &BTreeMap<u32, u8>) -> Vec<Value> {
    let mut runs: Vec<(u32, Vec<u8>)> = Vec::new();
    for (&address, &byte) in memory {
        match runs.last_mut() {
            Some((start, data)) if u64::from(*start) + data.len() as u64 == u64::from(address) => {
                data.push(byte)
            }
            _ => runs.push((address, vec![byte])),
        }
    }
    runs.into_iter()
        .map(|(address, data)| json!({"address": address, "data": hex(&data)}))
        .collect()
}

fn step_json(step: &Step) -> Value {
    match step {
        Step::Map {
            address,
            length,
            writable,
        } => json!({"op": "map", "address": address, "length": length, "writable": writable}),
        Step::Write { address, data } => {
            json!({"op": "write", "address": address, "data": hex(data)})
        }
        Step::SetReg { reg, value } => {
            json!({"op": "set_reg", "reg": reg, "value": u64_text(*value)})
        }
        Step::Run => json!({"op": "run"}),
        Step::Assert(e) => json!({
            "op": "assert",
            "status": e.status,
            "pc": e.pc,
            "gas": u64_text(e.gas),
            "regs": e.regs.iter().map(|&r| u64_text(r)).collect::<Vec<_>>(),
            "memory": memory_runs(&e.memory),
            "page_fault_address": e.page_fault_address,
            "host_call": e.host_call,
        }),
    }
}

/// One case as its JSON object.
pub fn case_json(case: &Case) -> Value {
    json!({
        "name": case.name,
        "source": case.source,
        "gp": case.version.name(),
        "format": match case.format {
            Format::Steps => "steps",
            Format::Flat => "flat",
        },
        "program": hex(&case.program),
        "initial_pc": case.initial_pc,
        "initial_gas": u64_text(case.initial_gas),
        "block_gas_costs": case.block_gas_costs.as_ref().map(|costs| {
            costs.iter().map(|(pc, cost)| json!([pc, cost])).collect::<Vec<_>>()
        }),
        "steps": case.steps.iter().map(step_json).collect::<Vec<_>>(),
    })
}

/// The case file for `cases`, as JSON text (one case per line).
pub fn write_cases(cases: &[Case]) -> String {
    let mut out = format!("{{\"schema\": \"{SCHEMA}\", \"cases\": [\n");
    for (i, case) in cases.iter().enumerate() {
        out.push_str(&case_json(case).to_string());
        out.push_str(if i + 1 < cases.len() { ",\n" } else { "\n" });
    }
    out.push_str("]}\n");
    out
}

/// A reader of one JSON object that names where it is in its errors.
struct Fields<'a> {
    object: &'a Map<String, Value>,
    at: &'a str,
}

impl<'a> Fields<'a> {
    fn new(value: &'a Value, at: &'a str) -> Result<Fields<'a>, SchemaError> {
        let object = value
            .as_object()
            .ok_or_else(|| error(at, "not an object"))?;
        Ok(Fields { object, at })
    }

    fn get(&self, key: &str) -> Result<&'a Value, SchemaError> {
        self.object
            .get(key)
            .ok_or_else(|| error(self.at, &format!("missing `{key}`")))
    }

    fn bad(&self, key: &str, what: &str) -> SchemaError {
        error(self.at, &format!("`{key}` is not {what}"))
    }

    fn str(&self, key: &str) -> Result<&'a str, SchemaError> {
        self.get(key)?
            .as_str()
            .ok_or_else(|| self.bad(key, "a string"))
    }

    fn u32(&self, key: &str) -> Result<u32, SchemaError> {
        self.get(key)?
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| self.bad(key, "a 32-bit number"))
    }

    fn u64(&self, key: &str) -> Result<u64, SchemaError> {
        self.get(key)?
            .as_u64()
            .ok_or_else(|| self.bad(key, "a number"))
    }

    fn u64_text(&self, key: &str) -> Result<u64, SchemaError> {
        parse_u64(self.get(key)?).ok_or_else(|| self.bad(key, "a decimal string"))
    }

    fn optional_u64(&self, key: &str) -> Result<Option<u64>, SchemaError> {
        match self.get(key)? {
            Value::Null => Ok(None),
            value => value
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.bad(key, "a number or null")),
        }
    }

    fn hex(&self, key: &str) -> Result<Vec<u8>, SchemaError> {
        parse_hex(self.str(key)?).ok_or_else(|| self.bad(key, "hex"))
    }

    fn array(&self, key: &str) -> Result<&'a Vec<Value>, SchemaError> {
        self.get(key)?
            .as_array()
            .ok_or_else(|| self.bad(key, "an array"))
    }
}

fn error(at: &str, problem: &str) -> SchemaError {
    SchemaError {
        at: at.to_string(),
        problem: problem.to_string(),
    }
}

fn parse_u64(value: &Value) -> Option<u64> {
    value.as_str()?.parse().ok()
}

fn parse_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn read_step(value: &Value, at: &str) -> Result<Step, SchemaError> {
    let f = Fields::new(value, at)?;
    Ok(match f.str("op")? {
        "map" => Step::Map {
            address: f.u32("address")?,
            length: f.u64("length")?,
            writable: f
                .get("writable")?
                .as_bool()
                .ok_or_else(|| f.bad("writable", "a boolean"))?,
        },
        "write" => Step::Write {
            address: f.u32("address")?,
            data: f.hex("data")?,
        },
        "set_reg" => Step::SetReg {
            reg: f.u64("reg")? as usize,
            value: f.u64_text("value")?,
        },
        "run" => Step::Run,
        "assert" => {
            let mut memory = BTreeMap::new();
            for run in f.array("memory")? {
                let run = Fields::new(run, at)?;
                let address = run.u32("address")?;
                for (i, byte) in run.hex("data")?.into_iter().enumerate() {
                    memory.insert(address.wrapping_add(i as u32), byte);
                }
            }
            Step::Assert(Box::new(Expected {
                status: f.str("status")?.to_string(),
                gas: f.u64_text("gas")?,
                pc: f.u64("pc")?,
                regs: f
                    .array("regs")?
                    .iter()
                    .map(parse_u64)
                    .collect::<Option<_>>()
                    .ok_or_else(|| f.bad("regs", "a list of decimal strings"))?,
                memory,
                page_fault_address: f.optional_u64("page_fault_address")?,
                host_call: f.optional_u64("host_call")?,
            }))
        }
        other => return Err(error(at, &format!("unknown op `{other}`"))),
    })
}

fn read_case(value: &Value, index: usize) -> Result<Case, SchemaError> {
    let at = format!("case {index}");
    let name = Fields::new(value, &at)?.str("name")?;
    let at = format!("case {index} ({name})");
    let f = Fields::new(value, &at)?;
    let version: GpVersion = f
        .str("gp")?
        .parse()
        .map_err(|_| f.bad("gp", "0.7 or 0.8"))?;
    let format = match f.str("format")? {
        "steps" => Format::Steps,
        "flat" => Format::Flat,
        _ => return Err(f.bad("format", "steps or flat")),
    };
    let block_gas_costs = match f.get("block_gas_costs")? {
        Value::Null => None,
        Value::Array(pairs) => Some(
            pairs
                .iter()
                .map(|pair| {
                    let pair = pair.as_array().filter(|p| p.len() == 2)?;
                    let pc = u32::try_from(pair[0].as_u64()?).ok()?;
                    Some((pc, u32::try_from(pair[1].as_u64()?).ok()?))
                })
                .collect::<Option<_>>()
                .ok_or_else(|| f.bad("block_gas_costs", "a list of [pc, cost]"))?,
        ),
        _ => return Err(f.bad("block_gas_costs", "an array or null")),
    };
    let steps = f
        .array("steps")?
        .iter()
        .enumerate()
        .map(|(i, step)| read_step(step, &format!("{at}, step {i}")))
        .collect::<Result<_, _>>()?;
    Ok(Case {
        name: name.to_string(),
        source: f.str("source")?.to_string(),
        version,
        format,
        program: f.hex("program")?,
        initial_pc: f.u32("initial_pc")?,
        initial_gas: f.u64_text("initial_gas")?,
        block_gas_costs,
        steps,
    })
}

/// Reads a case file written by [`write_cases`].
pub fn read_cases(text: &str) -> Result<Vec<Case>, SchemaError> {
    let document: Value =
        serde_json::from_str(text).map_err(|e| error("document", &e.to_string()))?;
    let f = Fields::new(&document, "document")?;
    if f.str("schema")? != SCHEMA {
        return Err(f.bad("schema", SCHEMA));
    }
    f.array("cases")?
        .iter()
        .enumerate()
        .map(|(i, case)| read_case(case, i))
        .collect()
}
