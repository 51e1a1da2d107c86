//! Fragmentation analysis and compaction planning (pure functions over the allocator).

use std::collections::{BTreeMap, BTreeSet};

use crate::allocator::{align_for, Allocator};

/// Parameters of compaction, with the document's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompactionConfig {
    /// Minimum fragmentation (0.0–1.0) of a region for it to be compacted.
    pub fragmentation_threshold: f64,
    /// A region is compacted only if it has a hole at least this large.
    pub min_fragment_size: u32,
    /// At most this many allocations move per compaction.
    pub max_moves_per_cycle: u32,
    /// Share of the bytes moved that is refunded as gas.
    pub gas_refund_percentage: f64,
}

impl Default for CompactionConfig {
    fn default() -> Self {
        Self {
            fragmentation_threshold: 0.3,
            min_fragment_size: 64,
            max_moves_per_cycle: 100,
            gas_refund_percentage: 0.5,
        }
    }
}

/// Fragmentation of one region. Sizes are measured over the region's extent (offset 0 to
/// the end of its last allocation).
#[derive(Debug, Clone, PartialEq)]
pub struct CompactionReport {
    /// Region (X).
    pub region_id: u64,
    /// Extent in bytes.
    pub total_size: u64,
    /// Bytes allocated.
    pub used_size: u64,
    /// Bytes in holes below the extent.
    pub free_size: u64,
    /// `free_size / total_size` (0 for an empty region).
    pub fragmentation: f64,
    /// Number of holes.
    pub fragment_count: u64,
    /// Ids of allocations that compaction may move (not protected), in address order.
    pub movable_allocations: Vec<u64>,
}

/// One planned move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    /// Allocation id.
    pub id: u64,
    /// Region.
    pub x: u64,
    /// Current linear start.
    pub from: u64,
    /// New linear start (`< from`).
    pub to: u64,
    /// Bytes moved.
    pub size: u64,
}

/// Report for every region.
pub fn report(al: &Allocator) -> BTreeMap<u64, CompactionReport> {
    let mut out = BTreeMap::new();
    for (x, _) in al.regions() {
        let allocs = al.region_allocs(x);
        let (mut cursor, mut used, mut holes, mut free) = (0u64, 0u64, 0u64, 0u64);
        for a in &allocs {
            if a.start > cursor {
                holes += 1;
                free += a.start - cursor;
            }
            cursor = a.end();
            used += a.size;
        }
        let fragmentation = if cursor == 0 {
            0.0
        } else {
            free as f64 / cursor as f64
        };
        out.insert(
            x,
            CompactionReport {
                region_id: x,
                total_size: cursor,
                used_size: used,
                free_size: free,
                fragmentation,
                fragment_count: holes,
                movable_allocations: allocs
                    .iter()
                    .filter(|a| a.movable())
                    .map(|a| a.id)
                    .collect(),
            },
        );
    }
    out
}

/// Slides the allocations of region `x` whose ids are in `allowed` (and movable) down
/// into the holes before them, in address order; others stay where they are.
fn plan_region(al: &Allocator, x: u64, allowed: Option<&BTreeSet<u64>>) -> Vec<Move> {
    let mut cursor = 0;
    let mut moves = Vec::new();
    for a in al.region_allocs(x) {
        let may = a.movable() && allowed.is_none_or(|s| s.contains(&a.id));
        let target = align_for(cursor, a.size);
        if may && target < a.start {
            moves.push(Move {
                id: a.id,
                x,
                from: a.start,
                to: target,
                size: a.size,
            });
            cursor = target + a.size;
        } else {
            cursor = a.end();
        }
    }
    moves
}

fn hole_at_least(al: &Allocator, x: u64, min: u64) -> bool {
    let mut cursor = 0;
    for a in al.region_allocs(x) {
        if a.start >= cursor + min.max(1) {
            return true;
        }
        cursor = a.end();
    }
    false
}

/// The moves a compaction with `cfg` would make, at most `max_moves_per_cycle`.
pub fn plan(al: &Allocator, cfg: &CompactionConfig) -> Vec<Move> {
    let reports = report(al);
    let mut moves = Vec::new();
    let mut budget = cfg.max_moves_per_cycle as usize;
    for (x, r) in reports {
        if budget == 0 {
            break;
        }
        if r.fragmentation < cfg.fragmentation_threshold
            || !hole_at_least(al, x, u64::from(cfg.min_fragment_size))
        {
            continue;
        }
        let all = plan_region(al, x, None);
        if all.len() <= budget {
            budget -= all.len();
            moves.extend(all);
        } else {
            let first: BTreeSet<u64> = all.iter().take(budget).map(|m| m.id).collect();
            moves.extend(plan_region(al, x, Some(&first)));
            budget = 0;
        }
    }
    moves
}

/// Ids of the allocations [`plan`] would move.
pub fn analyze(al: &Allocator, cfg: &CompactionConfig) -> Vec<u64> {
    plan(al, cfg).iter().map(|m| m.id).collect()
}
