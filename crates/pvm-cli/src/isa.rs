//! `pvm isa`: the instruction table of `pvm::isa` as text or JSON, so that tools outside
//! Rust (the bindings' test assemblers) read the one opcode list instead of keeping their own.

use pvm::isa::MemoryAccess;
use pvm::{GpVersion, Opcode};
use serde_json::{json, Value};

/// One row of the table as JSON: name, bytes under both numberings (`null` where absent),
/// operand form, cost class, register use, memory access (`kind`, `width`, `signed`),
/// whether it ends a block and whether it can fall through.
pub fn opcode_json(op: Opcode) -> Value {
    let access: MemoryAccess = op.memory_access();
    json!({
        "name": op.name(),
        "opcode": op.byte(GpVersion::V0_8),
        "opcode_0_7": op.byte(GpVersion::V0_7),
        "form": format!("{:?}", op.form()),
        "cost_class": format!("{:?}", op.cost_class()),
        "reg_use": format!("{:?}", op.reg_use()),
        "memory": {
            "kind": access.kind_name(),
            "width": access.width(),
            "signed": access.is_signed(),
        },
        "terminator": op.is_terminator(),
        "falls_through": op.can_fall_through(),
    })
}

/// The whole table as a JSON array, in table order.
pub fn table_json() -> Value {
    Value::Array(Opcode::ALL.iter().map(|&op| opcode_json(op)).collect())
}

/// The whole table as aligned text, one opcode per line.
pub fn table_text() -> String {
    let byte = |b: Option<u8>| b.map_or_else(|| "-".to_string(), |b| b.to_string());
    let mut out = format!(
        "{:<22} {:>4} {:>4}  {:<13} {:<23} memory\n",
        "name", "0.8", "0.7", "form", "cost class"
    );
    for &op in Opcode::ALL {
        let access = op.memory_access();
        let memory = match access.width() {
            0 => "-".to_string(),
            w if access.is_store() => format!("st{}", w * 8),
            w if access.is_signed() => format!("ld i{}", w * 8),
            w => format!("ld u{}", w * 8),
        };
        let flow = match (op.is_terminator(), op.can_fall_through()) {
            (true, true) => " ends block",
            (true, false) => " ends block, no fall-through",
            _ => "",
        };
        let line = format!(
            "{:<22} {:>4} {:>4}  {:<13} {:<23} {:<7}{flow}",
            op.name(),
            byte(op.byte(GpVersion::V0_8)),
            byte(op.byte(GpVersion::V0_7)),
            format!("{:?}", op.form()),
            format!("{:?}", op.cost_class()),
            memory,
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_has_every_opcode_with_its_columns() {
        let table = table_json();
        let rows = table.as_array().unwrap();
        assert_eq!(rows.len(), Opcode::ALL.len());
        let load_i16 = rows.iter().find(|r| r["name"] == "load_ind_i16").unwrap();
        assert_eq!(load_i16["opcode"], 127);
        assert_eq!(load_i16["form"], "RegRegImm");
        assert_eq!(load_i16["memory"]["kind"], "load");
        assert_eq!(load_i16["memory"]["width"], 2);
        assert_eq!(load_i16["memory"]["signed"], true);
        let sbrk = rows.iter().find(|r| r["name"] == "sbrk").unwrap();
        assert!(sbrk["opcode"].is_null());
        assert_eq!(sbrk["opcode_0_7"], 101);
        let jump = rows.iter().find(|r| r["name"] == "jump").unwrap();
        assert_eq!(jump["terminator"], true);
        assert_eq!(jump["falls_through"], false);
    }
}
