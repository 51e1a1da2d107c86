//! Random guest memory layouts: read-write and read-only pages, sometimes adjacent (for
//! accesses that straddle a page boundary), sometimes the last page of the address space
//! (for accesses that wrap), with unmapped gaps and the low 64 KiB never mapped.

use crate::case::Action;
use crate::rng::Rng;

/// Page size of both engines.
pub const PAGE: u32 = 4096;

/// The lowest address the host may map (below it every access panics).
pub const LOW_MEMORY_END: u32 = 0x1_0000;

/// The last page of the 32-bit address space.
pub const LAST_PAGE: u32 = 0xFFFF_F000;

/// A memory layout: which pages are mapped and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Mapped pages `(address, writable)`, ascending, distinct.
    pub pages: Vec<(u32, bool)>,
    /// Where emulated heap growth (host call 1) maps its next page.
    pub heap_top: u32,
}

impl Layout {
    /// A random layout.
    pub fn random(rng: &mut Rng) -> Layout {
        let mut pages: Vec<(u32, bool)> = Vec::new();
        if rng.chance(1, 25) {
            return Layout {
                pages,
                heap_top: 0x2_0000,
            };
        }
        let rw_base = LOW_MEMORY_END + PAGE * rng.below(48) as u32;
        let rw_pages = rng.range(1, 3) as u32;
        for i in 0..rw_pages {
            pages.push((rw_base + i * PAGE, true));
        }
        let rw_end = rw_base + rw_pages * PAGE;
        let ro_pages = rng.range(1, 2) as u32;
        let ro_base = match rng.below(10) {
            // Read-only right after the read-write pages.
            0..=3 => rw_end,
            // Read-only right before them, when that is above the low 64 KiB.
            4..=5 if rw_base >= LOW_MEMORY_END + ro_pages * PAGE => rw_base - ro_pages * PAGE,
            // Somewhere else, with a gap.
            _ => rw_end + PAGE * rng.range(1, 64) as u32,
        };
        for i in 0..ro_pages {
            pages.push((ro_base + i * PAGE, false));
        }
        if rng.chance(1, 5) {
            pages.push((LAST_PAGE, rng.chance(1, 2)));
        }
        if rng.chance(1, 10) {
            let high = *rng.pick(&[0x8000_0000u32, 0x7FFF_F000, 0xFFFE_0000, 0xFEFE_0000]);
            pages.push((high, rng.chance(1, 2)));
        }
        pages.sort_unstable();
        pages.dedup_by_key(|(address, _)| *address);
        let heap_top = (rw_end..)
            .step_by(PAGE as usize)
            .find(|a| !pages.iter().any(|(p, _)| p == a))
            .unwrap_or(rw_end);
        Layout { pages, heap_top }
    }

    /// The actions that set the layout up: maps (contiguous runs of equal access merged)
    /// and random initial contents for some pages.
    pub fn setup_actions(&self, rng: &mut Rng) -> Vec<Action> {
        let mut actions = Vec::new();
        let mut i = 0;
        while i < self.pages.len() {
            let (start, writable) = self.pages[i];
            let mut end = u64::from(start) + u64::from(PAGE);
            let mut j = i + 1;
            while j < self.pages.len()
                && u64::from(self.pages[j].0) == end
                && self.pages[j].1 == writable
            {
                end += u64::from(PAGE);
                j += 1;
            }
            actions.push(Action::Map {
                address: start,
                length: (end - u64::from(start)) as u32,
                writable,
            });
            i = j;
        }
        for &(page, _) in &self.pages {
            match rng.below(10) {
                0..=3 => {}
                4 => actions.push(Action::Write {
                    address: page,
                    bytes: rng.bytes(PAGE as usize),
                }),
                _ => {
                    let offset = rng.below(u64::from(PAGE)) as u32;
                    let len = rng.range(1, 64).min(u64::from(PAGE - offset)) as usize;
                    actions.push(Action::Write {
                        address: page + offset,
                        bytes: rng.bytes(len),
                    });
                }
            }
        }
        actions
    }

    /// An address inside a mapped page, biased towards the page edges (or a plain
    /// address in the low area if nothing is mapped).
    pub fn mapped_address(&self, rng: &mut Rng) -> u32 {
        if self.pages.is_empty() {
            return LOW_MEMORY_END + rng.below(0x4_0000) as u32;
        }
        let (page, _) = *rng.pick(&self.pages);
        page.wrapping_add(page_offset(rng))
    }

    /// An address that is not plainly inside a mapped page: unmapped pages, the low 64 KiB,
    /// addresses that wrap past 2^32.
    pub fn unusual_address(&self, rng: &mut Rng) -> u32 {
        match rng.below(6) {
            0 => rng.below(u64::from(LOW_MEMORY_END)) as u32,
            1 => LOW_MEMORY_END - rng.range(1, 8) as u32,
            2 => u32::MAX - rng.below(8) as u32,
            3 => self.unmapped_page(rng).wrapping_add(page_offset(rng)),
            4 => LAST_PAGE + page_offset(rng),
            _ => rng.next_u32(),
        }
    }

    /// An address for a load or store: usually mapped, sometimes unusual.
    pub fn interesting_address(&self, rng: &mut Rng) -> u32 {
        if rng.chance(7, 10) {
            self.mapped_address(rng)
        } else {
            self.unusual_address(rng)
        }
    }

    /// A page that is not mapped (next to a mapped one, when possible).
    fn unmapped_page(&self, rng: &mut Rng) -> u32 {
        let mapped = |a: u32| self.pages.iter().any(|(p, _)| *p == a);
        let candidates: Vec<u32> = self
            .pages
            .iter()
            .flat_map(|(p, _)| [p.wrapping_sub(PAGE), p.wrapping_add(PAGE)])
            .filter(|&a| a >= LOW_MEMORY_END && !mapped(a))
            .collect();
        if candidates.is_empty() || rng.chance(1, 4) {
            0x4000_0000 + PAGE * rng.below(16) as u32
        } else {
            *rng.pick(&candidates)
        }
    }
}

/// An offset within a page, biased towards the start and the last 8 bytes.
fn page_offset(rng: &mut Rng) -> u32 {
    match rng.below(4) {
        0 => rng.below(8) as u32,
        1 => PAGE - rng.range(1, 8) as u32,
        _ => rng.below(u64::from(PAGE)) as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_are_page_aligned_above_low_memory_and_distinct() {
        for seed in 0..500 {
            let mut rng = Rng::new(seed);
            let layout = Layout::random(&mut rng);
            for window in layout.pages.windows(2) {
                assert!(window[0].0 < window[1].0);
            }
            for (page, _) in &layout.pages {
                assert_eq!(page % PAGE, 0);
                assert!(*page >= LOW_MEMORY_END);
            }
            let actions = layout.setup_actions(&mut rng);
            let mapped: u64 = actions
                .iter()
                .map(|a| match a {
                    Action::Map { length, .. } => u64::from(*length),
                    _ => 0,
                })
                .sum();
            assert_eq!(mapped, layout.pages.len() as u64 * u64::from(PAGE));
        }
    }
}
