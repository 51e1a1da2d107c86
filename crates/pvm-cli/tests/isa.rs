//! `pvm isa --json` prints the engine's instruction table: every opcode, decodable back to
//! the same opcode under both numberings.

use std::process::Command;

use pvm::{GpVersion, Opcode};

#[test]
fn isa_json_is_the_engine_table() {
    let output = Command::new(env!("CARGO_BIN_EXE_pvm"))
        .args(["isa", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let table: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rows = table.as_array().unwrap();
    assert_eq!(rows.len(), Opcode::ALL.len());
    for (row, &op) in rows.iter().zip(Opcode::ALL) {
        assert_eq!(row["name"], op.name());
        for (key, version) in [("opcode", GpVersion::V0_8), ("opcode_0_7", GpVersion::V0_7)] {
            match row[key].as_u64() {
                Some(byte) => assert_eq!(Opcode::from_byte(byte as u8, version), Some(op)),
                None => assert_eq!(op.byte(version), None, "{op} {key}"),
            }
        }
        assert_eq!(row["memory"]["width"], op.memory_access().width());
        assert_eq!(row["falls_through"], op.can_fall_through());
    }
}
