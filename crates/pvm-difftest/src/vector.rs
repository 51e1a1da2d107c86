//! Saves a session as a conformance vector in the JSON `steps` format of PolkaVM's
//! spectool (the format of `shared/pvm-vectors/polkavm-e88d5b4`), with PolkaVM's observed
//! behaviour as the expected values, so `pvm test-vectors` and the conformance runner can
//! replay it.

use serde_json::{json, Value};

use crate::case::{Action, Case};
use crate::compare::{Event, Session};
use crate::machine::Status;

/// The vector for `case` and its recorded `session`.
pub fn to_json(name: &str, case: &Case, session: &Session) -> Value {
    let mut steps = Vec::new();
    for event in &session.events {
        match event {
            Event::Action(Action::Map {
                address,
                length,
                writable,
            }) => steps.push(json!({"map": {
                "address": address, "length": length, "is-writable": writable
            }})),
            Event::Action(Action::Write { address, bytes }) => {
                steps.push(json!({"write": {"address": address, "contents": bytes}}))
            }
            Event::Action(Action::SetReg { reg, value }) => {
                steps.push(json!({"set-reg": {"reg": reg, "value": value}}))
            }
            Event::Run(observed) => {
                steps.push(json!({"run": {}}));
                let state = &observed.state;
                let mut assert = serde_json::Map::new();
                assert.insert("status".into(), json!(state.status.vector_name()));
                if let Status::PageFault(address) = state.status {
                    assert.insert("page-fault-address".into(), json!(address));
                }
                if let Status::HostCall(id) = state.status {
                    assert.insert("hostcall".into(), json!(id));
                }
                assert.insert("gas".into(), json!(state.gas));
                assert.insert("pc".into(), json!(state.pc.unwrap_or(0)));
                assert.insert("regs".into(), json!(state.regs));
                let chunks: Vec<Value> = observed
                    .pages
                    .iter()
                    .flat_map(|(page, contents)| nonzero_chunks(*page, contents))
                    .map(|(address, contents)| json!({"address": address, "contents": contents}))
                    .collect();
                assert.insert("memory".into(), Value::Array(chunks));
                steps.push(json!({ "assert": assert }));
            }
        }
    }
    let costs: Vec<Value> = session
        .block_costs
        .iter()
        .map(|(pc, cost)| json!({"pc": pc, "cost": cost}))
        .collect();
    json!({
        "name": name,
        "initial-pc": case.initial_pc,
        "initial-gas": case.gas,
        "program": case.blob,
        "steps": steps,
        "block-gas-costs": costs,
    })
}

/// The runs of non-zero bytes of a page, as `(address, bytes)`.
fn nonzero_chunks(base: u32, contents: &[u8]) -> Vec<(u32, Vec<u8>)> {
    let mut chunks = Vec::new();
    let mut i = 0;
    while i < contents.len() {
        if contents[i] == 0 {
            i += 1;
            continue;
        }
        let start = i;
        while i < contents.len() && contents[i] != 0 {
            i += 1;
        }
        chunks.push((base + start as u32, contents[start..i].to_vec()));
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{encode_blob, Host, Origin};
    use crate::compare::Observation;
    use crate::machine::State;
    use pvm::GpVersion;

    #[test]
    fn chunks_are_the_nonzero_runs() {
        let mut page = vec![0u8; 16];
        page[1] = 5;
        page[2] = 6;
        page[15] = 1;
        assert_eq!(
            nonzero_chunks(0x100, &page),
            [(0x101, vec![5, 6]), (0x10F, vec![1])]
        );
    }

    #[test]
    fn a_saved_session_replays_through_the_vector_runner() {
        // store_imm_u8 [0x20000], 7 ; ecalli 3 ; trap
        let code = [30, 3, 0, 0, 2, 7, 10, 3, 0];
        let case = Case {
            seed: 0,
            origin: Origin::Generated,
            blob: encode_blob(&code, &[0b0100_0001, 0b1], &[], 0),
            initial_pc: 0,
            gas: 1_000,
            setup: vec![],
            host: Host::Replay(vec![]),
            max_runs: 4,
        };
        let mut regs = [0; 13];
        regs[7] = 9;
        let mut page = vec![0u8; 4096];
        page[0] = 7;
        let cost = {
            let program = pvm::Program::from_blob_bytes(&case.blob, GpVersion::V0_8).unwrap();
            i64::from(program.block_cost_at(0).unwrap())
        };
        let session = Session {
            events: vec![
                Event::Action(Action::Map {
                    address: 0x2_0000,
                    length: 4096,
                    writable: true,
                }),
                Event::Action(Action::SetReg { reg: 7, value: 9 }),
                Event::Run(Observation {
                    state: State {
                        status: Status::HostCall(3),
                        pc: Some(6),
                        gas: 1_000 - cost,
                        regs,
                    },
                    pages: vec![(0x2_0000, page)],
                }),
            ],
            answers: vec![],
            block_costs: vec![(0, cost)],
        };
        let json = to_json("t", &case, &session);
        assert_eq!(pvm_cli::vectors::run_vector(&json, GpVersion::V0_8), Ok(()));
        // A wrong expectation is caught.
        let mut wrong = json.clone();
        wrong["steps"][3]["assert"]["gas"] = 1.into();
        assert!(pvm_cli::vectors::run_vector(&wrong, GpVersion::V0_8).is_err());
    }
}
