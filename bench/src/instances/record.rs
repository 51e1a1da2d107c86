//! What an instances child measures, as the lines it prints (one fact per line, printed
//! as soon as it is measured, so that a child that dies half-way still leaves what it got)
//! and as the [`Measurement`] the parent folds them into.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// When the child reads its memory figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Before reading the program.
    Start,
    /// After loading it once.
    Loaded,
    /// After creating every instance.
    Created,
    /// After one call on every instance (all still alive).
    Ran,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 4] = [Stage::Start, Stage::Loaded, Stage::Created, Stage::Ran];

    /// The name in the child's lines.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Start => "start",
            Stage::Loaded => "loaded",
            Stage::Created => "created",
            Stage::Ran => "ran",
        }
    }
}

/// Memory figures of `/proc/<pid>/status`, in KiB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemStatus {
    /// `VmRSS`: resident now.
    pub rss_kib: u64,
    /// `VmHWM`: the peak resident so far.
    pub hwm_kib: u64,
    /// `VmSize`: address space mapped.
    pub size_kib: u64,
}

impl MemStatus {
    /// The figures of `/proc/<pid>/status` (`pid` may be `self`); missing ones are 0.
    pub fn read(pid: &str) -> Option<MemStatus> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        Some(MemStatus::parse(&text))
    }

    /// The figures of a `status` file's text.
    pub fn parse(text: &str) -> MemStatus {
        let field = |name: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
        };
        MemStatus {
            rss_kib: field("VmRSS:"),
            hwm_kib: field("VmHWM:"),
            size_kib: field("VmSize:"),
        }
    }
}

/// The child's descendant processes (PolkaVM's sandbox workers).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Workers {
    /// How many.
    pub count: usize,
    /// Their `VmRSS`, summed (pages they share count in each).
    pub rss_kib: u64,
}

/// One line of the child's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// Loading the program once (and, for PolkaVM's recompiler, compiling it).
    Load(Duration),
    /// Instances created: how many, the time for all, the time for the first.
    Created {
        /// Instances created.
        count: usize,
        /// All of them.
        total: Duration,
        /// The first (pvm's recompiler compiles the program there).
        first: Duration,
    },
    /// Calls made, one per instance.
    Ran {
        /// Calls that returned.
        count: usize,
        /// All of them.
        total: Duration,
        /// The first call.
        first: Duration,
        /// The fastest.
        min: Duration,
        /// The slowest.
        max: Duration,
        /// Calls whose result or gas differed from the expected result or the first call's.
        wrong: usize,
    },
    /// What the first call returned: a0 and the gas it used.
    Result {
        /// a0.
        a0: u64,
        /// Gas used.
        gas: Option<u64>,
    },
    /// The child's memory figures at a stage.
    Status(Stage, MemStatus),
    /// Its descendants at a stage.
    Workers(Stage, Workers),
    /// Something failed; the text says what.
    Error(String),
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = |d: &Duration| d.as_nanos();
        match self {
            Line::Load(d) => write!(f, "load {}", ns(d)),
            Line::Created {
                count,
                total,
                first,
            } => write!(f, "created {count} {} {}", ns(total), ns(first)),
            Line::Ran {
                count,
                total,
                first,
                min,
                max,
                wrong,
            } => write!(
                f,
                "ran {count} {} {} {} {} {wrong}",
                ns(total),
                ns(first),
                ns(min),
                ns(max)
            ),
            Line::Result { a0, gas } => match gas {
                Some(gas) => write!(f, "result {a0} {gas}"),
                None => write!(f, "result {a0} -"),
            },
            Line::Status(stage, s) => write!(
                f,
                "status {} {} {} {}",
                stage.name(),
                s.rss_kib,
                s.hwm_kib,
                s.size_kib
            ),
            Line::Workers(stage, w) => {
                write!(f, "workers {} {} {}", stage.name(), w.count, w.rss_kib)
            }
            Line::Error(text) => write!(f, "error {}", text.replace('\n', " ")),
        }
    }
}

impl FromStr for Line {
    type Err = String;

    fn from_str(text: &str) -> Result<Line, String> {
        let bad = || format!("unexpected line `{text}`");
        let (key, rest) = text.split_once(' ').unwrap_or((text, ""));
        if key == "error" {
            return Ok(Line::Error(rest.to_string()));
        }
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let int = |i: usize| -> Result<u64, String> {
            fields.get(i).and_then(|f| f.parse().ok()).ok_or_else(bad)
        };
        let time = |i: usize| int(i).map(Duration::from_nanos);
        let stage = || {
            Stage::ALL
                .into_iter()
                .find(|s| fields.first() == Some(&s.name()))
                .ok_or_else(bad)
        };
        let count = |i: usize| int(i).map(|n| n as usize);
        Ok(match key {
            "load" => Line::Load(time(0)?),
            "created" => Line::Created {
                count: count(0)?,
                total: time(1)?,
                first: time(2)?,
            },
            "ran" => Line::Ran {
                count: count(0)?,
                total: time(1)?,
                first: time(2)?,
                min: time(3)?,
                max: time(4)?,
                wrong: count(5)?,
            },
            "result" => Line::Result {
                a0: int(0)?,
                gas: match fields.get(1) {
                    Some(&"-") => None,
                    _ => Some(int(1)?),
                },
            },
            "status" => Line::Status(
                stage()?,
                MemStatus {
                    rss_kib: int(1)?,
                    hwm_kib: int(2)?,
                    size_kib: int(3)?,
                },
            ),
            "workers" => Line::Workers(
                stage()?,
                Workers {
                    count: count(1)?,
                    rss_kib: int(2)?,
                },
            ),
            _ => return Err(bad()),
        })
    }
}

/// Everything one child reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Measurement {
    /// The load time.
    pub load: Option<Duration>,
    /// The [`Line::Created`] fields: count, total, first.
    pub created: Option<(usize, Duration, Duration)>,
    /// The [`Line::Ran`] line.
    pub ran: Option<Line>,
    /// The first call's a0 and gas.
    pub result: Option<(u64, Option<u64>)>,
    /// Memory figures per stage reached.
    pub status: Vec<(Stage, MemStatus)>,
    /// Descendants per stage reached.
    pub workers: Vec<(Stage, Workers)>,
    /// Errors, and lines that could not be read.
    pub errors: Vec<String>,
}

impl Measurement {
    /// Folds the child's output.
    pub fn parse(text: &str) -> Measurement {
        let mut m = Measurement::default();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            match line.parse::<Line>() {
                Ok(Line::Load(d)) => m.load = Some(d),
                Ok(Line::Created {
                    count,
                    total,
                    first,
                }) => m.created = Some((count, total, first)),
                Ok(ran @ Line::Ran { .. }) => m.ran = Some(ran),
                Ok(Line::Result { a0, gas }) => m.result = Some((a0, gas)),
                Ok(Line::Status(stage, s)) => m.status.push((stage, s)),
                Ok(Line::Workers(stage, w)) => m.workers.push((stage, w)),
                Ok(Line::Error(text)) => m.errors.push(text),
                Err(e) => m.errors.push(e),
            }
        }
        m
    }

    /// The memory figures at `stage`, if reached.
    pub fn status_at(&self, stage: Stage) -> Option<MemStatus> {
        self.status
            .iter()
            .find(|(s, _)| *s == stage)
            .map(|(_, m)| *m)
    }

    /// The descendants at `stage`, if reported.
    pub fn workers_at(&self, stage: Stage) -> Option<Workers> {
        self.workers
            .iter()
            .find(|(s, _)| *s == stage)
            .map(|(_, w)| *w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip() {
        let ms = Duration::from_millis;
        let lines = [
            Line::Load(ms(2)),
            Line::Created {
                count: 1000,
                total: ms(30),
                first: ms(1),
            },
            Line::Ran {
                count: 999,
                total: ms(5000),
                first: ms(7),
                min: ms(4),
                max: ms(9),
                wrong: 1,
            },
            Line::Result {
                a0: u64::MAX,
                gas: Some(17),
            },
            Line::Result { a0: 3, gas: None },
            Line::Status(
                Stage::Created,
                MemStatus {
                    rss_kib: 1,
                    hwm_kib: 2,
                    size_kib: 3,
                },
            ),
            Line::Workers(
                Stage::Ran,
                Workers {
                    count: 5,
                    rss_kib: 6,
                },
            ),
            Line::Error("instance 3: no | more".into()),
        ];
        for line in lines {
            assert_eq!(line.to_string().parse::<Line>(), Ok(line.clone()), "{line}");
        }
        assert!("status nowhere 1 2 3".parse::<Line>().is_err());
        assert!("created 1 2".parse::<Line>().is_err());
        assert!("bogus".parse::<Line>().is_err());
    }

    #[test]
    fn a_partial_output_folds_into_what_was_reached() {
        let text = "status start 10 10 100\nload 5000\nstatus loaded 20 20 200\n\
                    error creating instance 7 of 10: no memory\ngarbage line\n";
        let m = Measurement::parse(text);
        assert_eq!(m.load, Some(Duration::from_micros(5)));
        assert_eq!(m.status_at(Stage::Loaded).unwrap().size_kib, 200);
        assert_eq!(m.status_at(Stage::Created), None);
        assert_eq!(m.created, None);
        assert_eq!(m.errors.len(), 2);
        assert!(m.errors[0].contains("instance 7"));
    }

    #[test]
    fn status_text_parses() {
        let text =
            "Name:\tx\nVmPeak:\t  999 kB\nVmSize:\t  900 kB\nVmHWM:\t   50 kB\nVmRSS:\t   40 kB\n";
        assert_eq!(
            MemStatus::parse(text),
            MemStatus {
                rss_kib: 40,
                hwm_kib: 50,
                size_kib: 900
            }
        );
        let own = MemStatus::read("self").unwrap();
        assert!(own.rss_kib > 0 && own.hwm_kib >= own.rss_kib && own.size_kib >= own.rss_kib);
    }
}
