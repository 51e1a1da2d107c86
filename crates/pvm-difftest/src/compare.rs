//! The comparator: runs one case on both engines, step by step with identical host
//! answers, and compares everything a host can observe.
//!
//! Compared: load-time acceptance, the gas cost of every basic block, and after every run
//! the exit status (with page-fault address and host-call id), the pc, every register, the
//! gas left and the contents and access of every mapped page.

use std::collections::BTreeMap;
use std::fmt;

use crate::case::{Action, Case};
use crate::coverage::Coverage;
use crate::host::HostDriver;
use crate::known::{self, Known};
use crate::layout::PAGE;
use crate::machine::{Machine, MachineError, PageView, State, Status};
use crate::oracle::{Oracle, Theirs};
use crate::ours::Ours;

/// What differed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// One engine loaded the program, the other rejected it.
    Load,
    /// A basic block's gas cost.
    BlockCost,
    /// The exit status (including page-fault address and host-call id).
    Status,
    /// The pc after the exit.
    Pc,
    /// Gas left.
    Gas,
    /// A register.
    Regs,
    /// Memory contents or access.
    Memory,
    /// PolkaVM with and without step tracing behave differently (an oracle problem).
    Tracing,
    /// A host action failed on one engine, or an engine failed internally.
    Harness,
}

/// One difference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diff {
    /// What differed.
    pub field: Field,
    /// Human-readable details (ours vs PolkaVM).
    pub detail: String,
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

/// The result of comparing one case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Both engines rejected the program at load time (our reason, PolkaVM's reason).
    BothRejected(String, String),
    /// Both ran and agreed on everything.
    Agree,
    /// A documented divergence (PolkaVM departs from the Gray Paper).
    Known(Known),
    /// A disagreement.
    Disagree(Vec<Diff>),
}

impl Verdict {
    /// Whether this is a (real) disagreement.
    pub fn is_disagreement(&self) -> bool {
        matches!(self, Verdict::Disagree(_))
    }
}

/// What PolkaVM showed after one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// Its state.
    pub state: State,
    /// Every mapped page and its contents, ascending.
    pub pages: Vec<(u32, Vec<u8>)>,
}

/// One event of a session, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A host action applied to both engines.
    Action(Action),
    /// A run, and what PolkaVM (the oracle) showed after it.
    Run(Observation),
}

/// The record of one comparison.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Session {
    /// Everything that happened, in order.
    pub events: Vec<Event>,
    /// The host's answers after each run (to replay the session).
    pub answers: Vec<Vec<Action>>,
    /// PolkaVM's cost of every block start of our engine's program.
    pub block_costs: Vec<(u32, i64)>,
}

/// The outcome of comparing one case.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The verdict.
    pub verdict: Verdict,
    /// What happened.
    pub session: Session,
    /// Opcodes our engine executed.
    pub coverage: Coverage,
}

/// Comparison settings.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Also replay agreeing sessions on an untraced PolkaVM instance and check it shows the
    /// same states as the step-traced one (the halt pc aside).
    pub untraced_check: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            untraced_check: true,
        }
    }
}

/// Compares one case.
pub fn compare(case: &Case, oracle: &Oracle, options: Options) -> Outcome {
    let mut session = Session::default();
    let ours = Ours::load(&case.blob, case.initial_pc, case.gas);
    let theirs = oracle.load(&case.blob, case.initial_pc, case.gas, true);
    let (mut ours, mut theirs) = match (ours, theirs) {
        (Err(a), Err(b)) => {
            return outcome(Verdict::BothRejected(a, b), session, Coverage::default())
        }
        (Ok(ours), Err(e)) => {
            if let Some(known) = known::at_load(&case.blob, ours.program()) {
                return outcome(Verdict::Known(known), session, Coverage::default());
            }
            let diff = Diff {
                field: Field::Load,
                detail: format!("load: pvm accepts, polkavm rejects ({e})"),
            };
            return outcome(Verdict::Disagree(vec![diff]), session, Coverage::default());
        }
        (Err(e), Ok(_)) => {
            let diff = Diff {
                field: Field::Load,
                detail: format!("load: pvm rejects ({e}), polkavm accepts"),
            };
            return outcome(Verdict::Disagree(vec![diff]), session, Coverage::default());
        }
        (Ok(ours), Ok(theirs)) => (ours, theirs),
    };

    let mut diffs = block_cost_diffs(&ours, &theirs, &mut session);
    if diffs.is_empty() {
        diffs = match drive(case, &mut ours, &mut theirs, &mut session) {
            Ok(Some(verdict)) => {
                return outcome(verdict, session, std::mem::take(&mut ours.coverage));
            }
            Ok(None) => Vec::new(),
            Err(e) => vec![Diff {
                field: Field::Harness,
                detail: e.to_string(),
            }],
        };
    }
    if diffs.is_empty() && options.untraced_check {
        diffs = untraced_diffs(case, oracle, &session);
    }
    let verdict = if diffs.is_empty() {
        Verdict::Agree
    } else {
        Verdict::Disagree(diffs)
    };
    outcome(verdict, session, std::mem::take(&mut ours.coverage))
}

fn outcome(verdict: Verdict, session: Session, coverage: Coverage) -> Outcome {
    Outcome {
        verdict,
        session,
        coverage,
    }
}

/// Compares the gas cost of every block, and that PolkaVM sees no block start where we
/// see none.
fn block_cost_diffs(ours: &Ours, theirs: &Theirs, session: &mut Session) -> Vec<Diff> {
    let mut diffs = Vec::new();
    for (pc, cost) in ours.block_costs() {
        let their_cost = theirs.block_cost(pc);
        if let Some(c) = their_cost {
            session.block_costs.push((pc, c));
        }
        if their_cost != Some(i64::from(cost)) {
            diffs.push(Diff {
                field: Field::BlockCost,
                detail: format!("block cost at pc {pc}: pvm {cost}, polkavm {their_cost:?}"),
            });
        }
    }
    for ins in ours.program().instructions() {
        if !ours.program().is_block_start(ins.pc) {
            if let Some(cost) = theirs.block_cost(ins.pc) {
                diffs.push(Diff {
                    field: Field::BlockCost,
                    detail: format!(
                        "pc {} is not a block start for pvm, polkavm gives it cost {cost}",
                        ins.pc
                    ),
                });
            }
        }
    }
    diffs
}

/// Applies an action to both engines and to the page map.
pub(crate) fn apply(
    action: &Action,
    ours: &mut impl Machine,
    theirs: &mut impl Machine,
    pages: &mut BTreeMap<u32, bool>,
) -> Result<(), MachineError> {
    match action {
        Action::Map {
            address,
            length,
            writable,
        } => {
            ours.map(*address, *length, *writable)?;
            theirs.map(*address, *length, *writable)?;
            let first = u64::from(*address);
            let end = first + u64::from(*length);
            for page in (first..end).step_by(PAGE as usize) {
                pages.insert(page as u32, *writable);
            }
        }
        Action::Write { address, bytes } => {
            ours.write(*address, bytes)?;
            theirs.write(*address, bytes)?;
        }
        Action::SetReg { reg, value } => {
            ours.set_reg(*reg, *value);
            theirs.set_reg(*reg, *value);
        }
    }
    Ok(())
}

/// Runs the session. `Ok(Some(_))` ends the comparison with that verdict (a disagreement
/// or a known divergence), `Ok(None)` means every run agreed.
fn drive(
    case: &Case,
    ours: &mut Ours,
    theirs: &mut Theirs,
    session: &mut Session,
) -> Result<Option<Verdict>, MachineError> {
    let mut pages = BTreeMap::new();
    for action in &case.setup {
        apply(action, ours, theirs, &mut pages)?;
        session.events.push(Event::Action(action.clone()));
    }
    let mut host = HostDriver::new(&case.host);
    for _ in 0..case.max_runs {
        let mine = ours.run()?;
        let their = theirs.run()?;
        let (mut diffs, observed_pages) = compare_states(&mine, &their, ours, theirs, &pages);
        let unexpected: Vec<u32> = ours
            .mapped_pages()
            .into_iter()
            .filter(|p| !pages.contains_key(p))
            .collect();
        if !unexpected.is_empty() {
            diffs.push(Diff {
                field: Field::Memory,
                detail: format!("pvm has pages mapped that the host never mapped: {unexpected:x?}"),
            });
        }
        session.events.push(Event::Run(Observation {
            state: their.clone(),
            pages: observed_pages,
        }));
        if !diffs.is_empty() {
            let verdict = match known::in_run(ours.program(), &mine, &their, &pages) {
                Some(known) => Verdict::Known(known),
                None => Verdict::Disagree(diffs),
            };
            return Ok(Some(verdict));
        }
        let Some(actions) = host.respond(&their, &pages) else {
            break;
        };
        for action in &actions {
            apply(action, ours, theirs, &mut pages)?;
            session.events.push(Event::Action(action.clone()));
        }
        session.answers.push(actions);
    }
    Ok(None)
}

/// Compares two states and every mapped page; returns the differences and PolkaVM's pages.
pub(crate) fn compare_states(
    mine: &State,
    their: &State,
    ours: &mut impl Machine,
    theirs: &mut impl Machine,
    pages: &BTreeMap<u32, bool>,
) -> (Vec<Diff>, Vec<(u32, Vec<u8>)>) {
    let mut diffs = state_diffs(mine, their, true);
    let mut observed = Vec::new();
    for &page in pages.keys() {
        let a = ours.page(page);
        let b = theirs.page(page);
        if let Some(b) = &b {
            observed.push((page, b.contents.clone()));
        }
        if let Some(detail) = page_diff(page, a.as_ref(), b.as_ref()) {
            diffs.push(Diff {
                field: Field::Memory,
                detail,
            });
        }
    }
    (diffs, observed)
}

/// The differences between two states (`check_halt_pc`: compare the pc after a halt too).
fn state_diffs(mine: &State, their: &State, check_halt_pc: bool) -> Vec<Diff> {
    let mut diffs = Vec::new();
    if mine.status != their.status {
        diffs.push(Diff {
            field: Field::Status,
            detail: format!("status: pvm {}, polkavm {}", mine.status, their.status),
        });
    }
    let skip_pc = !check_halt_pc && their.status == Status::Halt;
    if !skip_pc && mine.pc != their.pc {
        diffs.push(Diff {
            field: Field::Pc,
            detail: format!("pc: pvm {:?}, polkavm {:?}", mine.pc, their.pc),
        });
    }
    if mine.gas != their.gas {
        diffs.push(Diff {
            field: Field::Gas,
            detail: format!("gas: pvm {}, polkavm {}", mine.gas, their.gas),
        });
    }
    for (index, (a, b)) in mine.regs.iter().zip(&their.regs).enumerate() {
        if a != b {
            diffs.push(Diff {
                field: Field::Regs,
                detail: format!("r{index}: pvm {a:#x}, polkavm {b:#x}"),
            });
        }
    }
    diffs
}

/// Describes how two views of one page differ, if they do.
fn page_diff(page: u32, a: Option<&PageView>, b: Option<&PageView>) -> Option<String> {
    match (a, b) {
        (None, None) => Some(format!("page {page:#x} mapped by the host is gone in both")),
        (Some(_), None) => Some(format!("page {page:#x}: mapped in pvm only")),
        (None, Some(_)) => Some(format!("page {page:#x}: mapped in polkavm only")),
        (Some(a), Some(b)) => {
            if a.writable != b.writable {
                return Some(format!(
                    "page {page:#x}: writable in pvm {}, polkavm {}",
                    a.writable, b.writable
                ));
            }
            let first = a
                .contents
                .iter()
                .zip(&b.contents)
                .position(|(x, y)| x != y)?;
            Some(format!(
                "memory at {:#x}: pvm {:#04x}, polkavm {:#04x}",
                page + first as u32,
                a.contents[first],
                b.contents[first]
            ))
        }
    }
}

/// Replays a session on an untraced PolkaVM instance and compares its states with the
/// traced ones.
fn untraced_diffs(case: &Case, oracle: &Oracle, session: &Session) -> Vec<Diff> {
    let tracing = |detail: String| {
        vec![Diff {
            field: Field::Tracing,
            detail,
        }]
    };
    let mut plain = match oracle.load(&case.blob, case.initial_pc, case.gas, false) {
        Ok(machine) => machine,
        Err(e) => return tracing(format!("untraced polkavm rejects the program: {e}")),
    };
    for event in &session.events {
        let result = match event {
            Event::Action(Action::Map {
                address,
                length,
                writable,
            }) => plain.map(*address, *length, *writable),
            Event::Action(Action::Write { address, bytes }) => plain.write(*address, bytes),
            Event::Action(Action::SetReg { reg, value }) => {
                plain.set_reg(*reg, *value);
                Ok(())
            }
            Event::Run(observed) => match plain.run() {
                Ok(state) => {
                    let diffs = state_diffs(&state, &observed.state, false);
                    if !diffs.is_empty() {
                        let details: Vec<String> = diffs.iter().map(|d| d.to_string()).collect();
                        return tracing(format!(
                            "polkavm untraced vs traced: {}",
                            details.join("; ")
                        ));
                    }
                    for (page, contents) in &observed.pages {
                        if plain.page(*page).map(|p| p.contents).as_ref() != Some(contents) {
                            return tracing(format!(
                                "polkavm untraced vs traced: page {page:#x} differs"
                            ));
                        }
                    }
                    Ok(())
                }
                Err(e) => Err(e),
            },
        };
        if let Err(e) = result {
            return tracing(format!("untraced polkavm: {e}"));
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(status: Status, pc: Option<u32>, gas: i64) -> State {
        State {
            status,
            pc,
            gas,
            regs: [0; 13],
        }
    }

    #[test]
    fn every_observable_field_is_compared() {
        let a = state(Status::HostCall(1), Some(4), 10);
        assert!(state_diffs(&a, &a, true).is_empty());
        let mut b = state(Status::HostCall(2), Some(5), 11);
        b.regs[12] = 1;
        let fields: Vec<Field> = state_diffs(&a, &b, true).iter().map(|d| d.field).collect();
        assert_eq!(fields, [Field::Status, Field::Pc, Field::Gas, Field::Regs]);
        // The halt pc is skipped only when asked (untraced PolkaVM cannot report it).
        let halt = state(Status::Halt, None, 10);
        let ours = state(Status::Halt, Some(9), 10);
        assert!(state_diffs(&ours, &halt, false).is_empty());
        assert_eq!(state_diffs(&ours, &halt, true).len(), 1);
    }

    #[test]
    fn pages_differ_in_contents_access_or_presence() {
        let page = |writable, byte: u8| PageView {
            writable,
            contents: {
                let mut c = vec![0u8; 4096];
                c[100] = byte;
                c
            },
        };
        assert_eq!(
            page_diff(0x1_0000, Some(&page(true, 1)), Some(&page(true, 1))),
            None
        );
        assert!(
            page_diff(0x1_0000, Some(&page(true, 1)), Some(&page(true, 2)))
                .unwrap()
                .contains("0x10064")
        );
        assert!(
            page_diff(0x1_0000, Some(&page(true, 1)), Some(&page(false, 1)))
                .unwrap()
                .contains("writable")
        );
        assert!(page_diff(0x1_0000, None, Some(&page(true, 1))).is_some());
        assert!(page_diff(0x1_0000, Some(&page(true, 1)), None).is_some());
    }
}
