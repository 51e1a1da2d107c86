//! Converts the JSON conformance vectors into the line format `tests/c/pvm_test.c` reads
//! (see the comment above `run_vectors` there).

use std::fmt::Write;
use std::path::PathBuf;

use engine::format::RawBlob;
use serde_json::Value;

/// The vector sets run through the C API (the GP 0.8 main suite).
const SETS: [&str; 2] = ["polkavm-e88d5b4/programs", "polkavm-0.37.0-extra/programs"];

/// `$PVM_VECTORS`, or `shared/pvm-vectors` beside the repository.
pub fn vectors_root() -> PathBuf {
    std::env::var_os("PVM_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| super::workspace_root().join("../shared/pvm-vectors"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn bytes(value: &Value) -> Vec<u8> {
    value
        .as_array()
        .map(|a| a.iter().map(|b| b.as_u64().unwrap_or(0) as u8).collect())
        .unwrap_or_default()
}

fn number(value: &Value, key: &str) -> u64 {
    value.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// Converts one vector; `parts` selects `pvm_create` with code/bitmask/jump table
/// instead of `pvm_create_from_blob`.
pub fn convert(json: &Value, parts: bool) -> Result<String, String> {
    let name = json["name"].as_str().ok_or("no name")?;
    let blob_bytes = bytes(&json["program"]);
    let blob = RawBlob::parse(&blob_bytes).map_err(|e| format!("{name}: {e}"))?;
    let mut out = String::new();
    let _ = writeln!(out, "vector {name}");
    let _ = writeln!(out, "blob {} {}", blob_bytes.len(), hex(&blob_bytes));
    let _ = writeln!(out, "code {} {}", blob.code.len(), hex(&blob.code));
    let _ = writeln!(out, "bitmask {} {}", blob.bitmask.len(), hex(&blob.bitmask));
    let jumps: Vec<String> = blob.jump_table.iter().map(u32::to_string).collect();
    let _ = writeln!(out, "jumps {} {}", jumps.len(), jumps.join(" "));
    let _ = writeln!(out, "gas {}", number(json, "initial-gas"));
    let _ = writeln!(out, "pc {}", number(json, "initial-pc"));
    let _ = writeln!(out, "create {}", if parts { "parts" } else { "blob" });
    let steps = json["steps"].as_array().ok_or("no steps")?;
    for step in steps {
        let (kind, body) = step
            .as_object()
            .and_then(|o| o.iter().next())
            .ok_or("bad step")?;
        match kind.as_str() {
            "map" => {
                let writable = body["is-writable"].as_bool().unwrap_or(false);
                let _ = writeln!(
                    out,
                    "map {} {} {}",
                    number(body, "address"),
                    number(body, "length"),
                    u8::from(writable)
                );
            }
            "write" => {
                let contents = bytes(&body["contents"]);
                let _ = writeln!(
                    out,
                    "write {} {} {}",
                    number(body, "address"),
                    contents.len(),
                    hex(&contents)
                );
            }
            "set-reg" => {
                let _ = writeln!(
                    out,
                    "setreg {} {}",
                    number(body, "reg"),
                    number(body, "value")
                );
            }
            "run" => out.push_str("run\n"),
            "assert" => {
                let regs: Vec<String> = body["regs"]
                    .as_array()
                    .ok_or("no regs")?
                    .iter()
                    .map(|r| r.as_u64().unwrap_or(0).to_string())
                    .collect();
                let extra = body
                    .get("page-fault-address")
                    .or_else(|| body.get("hostcall"))
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                let _ = writeln!(
                    out,
                    "assert {} {} {} {} {extra}",
                    body["status"].as_str().ok_or("no status")?,
                    number(body, "gas"),
                    number(body, "pc"),
                    regs.join(" ")
                );
                for chunk in body["memory"].as_array().into_iter().flatten() {
                    let contents = bytes(&chunk["contents"]);
                    let _ = writeln!(
                        out,
                        "mem {} {} {}",
                        number(chunk, "address"),
                        contents.len(),
                        hex(&contents)
                    );
                }
                out.push_str("check\n");
            }
            other => return Err(format!("{name}: unknown step {other}")),
        }
    }
    out.push_str("end\n");
    Ok(out)
}

/// Converts every vector of the GP 0.8 sets, alternating the two creation paths.
pub fn convert_all() -> Result<String, String> {
    let root = vectors_root();
    let mut files = Vec::new();
    for set in SETS {
        let dir = root.join(set);
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| format!("cannot read {} (set PVM_VECTORS): {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut out = String::new();
    for (index, path) in files.iter().enumerate() {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        let json: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        out.push_str(&convert(&json, index % 2 == 1)?);
    }
    Ok(out)
}
