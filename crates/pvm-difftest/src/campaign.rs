//! A campaign: many seeded cases through the comparator, with a tally.

use std::collections::BTreeMap;

use crate::case::{Case, Origin};
use crate::compare::{compare, Options, Outcome, Verdict};
use crate::coverage::Coverage;
use crate::generate::case_for_seed;
use crate::known::Known;
use crate::oracle::Oracle;
use crate::rng::Rng;

/// The seed of case `index` of the campaign with seed `seed`.
pub fn case_seed(seed: u64, index: u64) -> u64 {
    Rng::new(seed ^ index.wrapping_mul(0xD6E8_FEB8_6659_FD93)).next_u64()
}

/// A case that disagreed, with what happened.
pub struct Finding {
    /// Position in the campaign.
    pub index: u64,
    /// The case.
    pub case: Case,
    /// Its comparison.
    pub outcome: Outcome,
}

/// Totals of a campaign.
#[derive(Debug, Default)]
pub struct Summary {
    /// Cases compared.
    pub programs: u64,
    /// Cases that disagreed.
    pub disagreements: u64,
    /// Cases where both engines rejected the program.
    pub both_rejected: u64,
    /// Cases that ended in a documented divergence.
    pub known: BTreeMap<Known, u64>,
    /// Cases per origin.
    pub origins: BTreeMap<String, u64>,
    /// Runs (engine entries) compared.
    pub runs: u64,
    /// Opcodes executed by our engine.
    pub coverage: Coverage,
}

impl Summary {
    /// Adds one case's outcome.
    pub fn add(&mut self, case: &Case, outcome: &Outcome) {
        self.programs += 1;
        *self.origins.entry(origin_name(case.origin)).or_default() += 1;
        self.runs += outcome
            .session
            .events
            .iter()
            .filter(|e| matches!(e, crate::compare::Event::Run(_)))
            .count() as u64;
        self.coverage.merge(&outcome.coverage);
        match &outcome.verdict {
            Verdict::Agree => {}
            Verdict::BothRejected(..) => self.both_rejected += 1,
            Verdict::Known(known) => *self.known.entry(*known).or_default() += 1,
            Verdict::Disagree(_) => self.disagreements += 1,
        }
    }

    /// Adds another summary to this one.
    pub fn merge(&mut self, part: Summary) {
        self.programs += part.programs;
        self.disagreements += part.disagreements;
        self.both_rejected += part.both_rejected;
        self.runs += part.runs;
        for (known, n) in part.known {
            *self.known.entry(known).or_default() += n;
        }
        for (origin, n) in part.origins {
            *self.origins.entry(origin).or_default() += n;
        }
        self.coverage.merge(&part.coverage);
    }

    /// The closing line: `N programs, K disagreements`.
    pub fn last_line(&self) -> String {
        format!(
            "{} programs, {} disagreements",
            self.programs, self.disagreements
        )
    }

    /// Details: origins, load rejections, known divergences, runs.
    pub fn details(&self) -> String {
        let origins: Vec<String> = self
            .origins
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let mut out = format!(
            "cases: {}; both rejected at load: {}; runs compared: {}",
            origins.join(", "),
            self.both_rejected,
            self.runs
        );
        for (known, count) in &self.known {
            out.push_str(&format!(
                "\nknown divergence, not counted: {known}: {count}"
            ));
        }
        out
    }
}

fn origin_name(origin: Origin) -> String {
    origin.to_string()
}

/// Runs cases `start..start + count` of campaign `seed`, calling `on_case` for every case
/// that did not simply agree (disagreements, known divergences, load rejections).
pub fn run(
    oracle: &Oracle,
    seed: u64,
    start: u64,
    count: u64,
    options: Options,
    mut on_case: impl FnMut(&Finding),
) -> Summary {
    let mut summary = Summary::default();
    for index in start..start + count {
        let case = case_for_seed(case_seed(seed, index));
        let outcome = compare(&case, oracle, options);
        summary.add(&case, &outcome);
        if outcome.verdict != Verdict::Agree {
            on_case(&Finding {
                index,
                case,
                outcome,
            });
        }
    }
    summary
}

/// How a run of [`run_engines`] went: our interpreter against our recompiler.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EngineSummary {
    /// Cases whose every run agreed.
    pub agreed: u64,
    /// Cases both engines rejected at load time.
    pub both_rejected: u64,
    /// Cases that differed.
    pub disagreements: u64,
}

/// Runs cases `start..start + count` of the campaign `seed` (the same programs as [`run`])
/// on our interpreter and our recompiler, calling `on_disagreement` with each case index and
/// the differences.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub fn run_engines(
    seed: u64,
    start: u64,
    count: u64,
    mut on_disagreement: impl FnMut(u64, &[String]),
) -> EngineSummary {
    use crate::engines::{compare_engines, EngineVerdict};
    let mut summary = EngineSummary::default();
    for index in start..start + count {
        let case = case_for_seed(case_seed(seed, index));
        match compare_engines(&case) {
            EngineVerdict::Agree(_) => summary.agreed += 1,
            EngineVerdict::BothRejected => summary.both_rejected += 1,
            EngineVerdict::Disagree(diffs) => {
                summary.disagreements += 1;
                on_disagreement(index, &diffs);
            }
        }
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_seeds_are_distinct_and_stable() {
        let seeds: std::collections::HashSet<u64> = (0..1000).map(|i| case_seed(42, i)).collect();
        assert_eq!(seeds.len(), 1000);
        assert_eq!(case_seed(42, 7), case_seed(42, 7));
        assert_ne!(case_seed(42, 7), case_seed(43, 7));
    }
}
