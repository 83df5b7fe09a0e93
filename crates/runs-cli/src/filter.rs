//! `runs list --status` and `--since`: which runs of a listing are printed, and when a
//! listing can stop early.
//!
//! The API filters by stage only, so these apply to the runs the pages bring: every page up to
//! the end is still fetched, except that `--since` stops at the first run older than it while
//! the listing has shown itself newest first (the spec promises no order, so a listing in
//! any other order is read to its end).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use runs_core::{Run, Timestamp};

/// `--since`: a duration before now, or an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// This long before the command started (`30m`, `2h`, `1d`).
    Ago(Duration),
    /// This instant, in UTC (`2026-03-01T00:00:00`, `2026-03-01`).
    At(Timestamp),
}

const SINCE_FORM: &str = "must be a duration such as 90s, 30m, 2h, 1d or 1w, or a UTC date-time \
                          such as 2026-03-01T00:00:00 (or 2026-03-01)";

/// Reads `--since`: a whole number with a unit (`s`, `m`, `h`, `d`, `w`), or a date-time as
/// the API writes them (an offset allowed), or a date (its midnight, UTC).
pub fn since(text: &str) -> Result<Since, String> {
    let text = text.trim();
    if let Some(unit) = text.chars().last().filter(char::is_ascii_alphabetic) {
        let number = &text[..text.len() - 1];
        let secs_per = match unit {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(SINCE_FORM.into()),
        };
        if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) {
            let n: u64 = number.parse().map_err(|_| "is too long ago".to_string())?;
            let secs = n.checked_mul(secs_per).ok_or("is too long ago")?;
            return Ok(Since::Ago(Duration::from_secs(secs)));
        }
    }
    let date_only = text.len() == 10 && text.as_bytes().get(4) == Some(&b'-');
    let parsed = if date_only {
        Timestamp::parse(&format!("{text}T00:00:00"))
    } else {
        Timestamp::parse(text)
    };
    parsed.map(Since::At).map_err(|_| SINCE_FORM.into())
}

impl Since {
    /// The instant it names, `now` being the command's start; `None` when that is before
    /// any instant a timestamp holds (every run is recent enough).
    pub fn cutoff(self, now: SystemTime) -> Option<Timestamp> {
        match self {
            Since::At(at) => Some(at),
            Since::Ago(ago) => {
                let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
                let secs = i64::try_from(now)
                    .ok()?
                    .checked_sub(i64::try_from(ago.as_secs()).ok()?)?;
                Timestamp::from_unix(secs, 0)
            }
        }
    }
}

/// What to do with a run of the listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Print it.
    Print,
    /// Leave it out, and read on.
    Skip,
    /// Leave it out, and read no further.
    Stop,
}

/// The filters of one listing, and what it has seen of the listing's order.
#[derive(Debug)]
pub struct Filter {
    /// Wanted statuses, compared without regard to ASCII case; empty: any.
    statuses: Vec<String>,
    /// Runs created before this are left out.
    since: Option<Timestamp>,
    /// The `created_at` of the run before, if any.
    previous: Option<Timestamp>,
    /// Whether every run so far was no newer than the one before it.
    newest_first: bool,
}

impl Filter {
    /// A filter keeping runs in one of `statuses` (any, when empty) created at `since` or after.
    pub fn new(statuses: Vec<String>, since: Option<Timestamp>) -> Self {
        Self {
            statuses,
            since,
            previous: None,
            newest_first: true,
        }
    }

    /// Whether it leaves any run out.
    pub fn is_active(&self) -> bool {
        !self.statuses.is_empty() || self.since.is_some()
    }

    /// Judges the next run of the listing, in the order the pages brought them.
    ///
    /// A run older than `since` stops the listing when there was a run before it and every
    /// run so far came newest first (the first run alone says nothing of the order); in any
    /// other case it is skipped and the listing read on.
    pub fn judge(&mut self, run: &Run) -> Keep {
        let created = run.created_at;
        let seen_before = self.previous.is_some();
        if self.previous.is_some_and(|previous| created > previous) {
            self.newest_first = false;
        }
        self.previous = Some(created);
        if self.since.is_some_and(|since| created < since) {
            return if seen_before && self.newest_first {
                Keep::Stop
            } else {
                Keep::Skip
            };
        }
        let status = run.status.as_str();
        if self.statuses.is_empty() || self.statuses.iter().any(|s| s.eq_ignore_ascii_case(status)) {
            Keep::Print
        } else {
            Keep::Skip
        }
    }
}

#[cfg(test)]
mod tests {
    use runs_core::{ProcessStage, RunStatus};

    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn run(created_at: &str, status: &str) -> Run {
        Run::new(
            "r1".parse().unwrap(),
            "n",
            "agent-1".parse().unwrap(),
            "proc-1".parse().unwrap(),
            ProcessStage::Published,
            RunStatus::from(status),
            at(created_at),
        )
    }

    fn judged(filter: &mut Filter, runs: &[(&str, &str)]) -> Vec<Keep> {
        runs.iter().map(|(t, s)| filter.judge(&run(t, s))).collect()
    }

    #[test]
    fn since_reads_durations_timestamps_and_dates() {
        assert_eq!(since("90s"), Ok(Since::Ago(Duration::from_secs(90))));
        assert_eq!(since("30m"), Ok(Since::Ago(Duration::from_secs(1_800))));
        assert_eq!(since("2h"), Ok(Since::Ago(Duration::from_secs(7_200))));
        assert_eq!(since("1d"), Ok(Since::Ago(Duration::from_secs(86_400))));
        assert_eq!(since("1w"), Ok(Since::Ago(Duration::from_secs(604_800))));
        assert_eq!(
            since("2026-03-01T00:00:00"),
            Ok(Since::At(at("2026-03-01T00:00:00")))
        );
        assert_eq!(since("2026-03-01"), Ok(Since::At(at("2026-03-01T00:00:00"))));
        assert_eq!(
            since("2026-03-01T02:00:00+02:00"),
            Ok(Since::At(at("2026-03-01T00:00:00")))
        );
        for bad in [
            "",
            "h",
            "2",
            "2y",
            "-2h",
            "1.5h",
            "yesterday",
            "2026-13-01",
            "99999999999999999999d",
        ] {
            assert!(since(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_duration_counts_back_from_now() {
        let now = UNIX_EPOCH + Duration::from_secs(1_772_330_400); // 2026-03-01T02:00:00
        assert_eq!(
            Since::Ago(Duration::from_secs(7_200)).cutoff(now),
            Some(at("2026-03-01T00:00:00"))
        );
        assert_eq!(Since::Ago(Duration::from_secs(u64::MAX)).cutoff(now), None);
    }

    #[test]
    fn statuses_match_any_listed_whatever_the_case_and_unknown_ones_too() {
        let mut filter = Filter::new(vec!["failed".into(), "SomethingNew".into()], None);
        let keeps = judged(
            &mut filter,
            &[
                ("2026-03-01T00:00:03", "Failed"),
                ("2026-03-01T00:00:02", "Succeeded"),
                ("2026-03-01T00:00:01", "SomethingNew"),
            ],
        );
        assert_eq!(keeps, [Keep::Print, Keep::Skip, Keep::Print]);
        assert!(filter.is_active());
        assert!(!Filter::new(Vec::new(), None).is_active());
    }

    #[test]
    fn since_stops_at_the_first_older_run_of_a_newest_first_listing() {
        let mut filter = Filter::new(Vec::new(), Some(at("2026-03-01T00:00:00")));
        let keeps = judged(
            &mut filter,
            &[
                ("2026-03-01T00:00:02", "Running"),
                ("2026-03-01T00:00:02", "Running"),
                ("2026-03-01T00:00:00", "Running"),
                ("2026-02-28T23:59:59", "Running"),
            ],
        );
        assert_eq!(keeps, [Keep::Print, Keep::Print, Keep::Print, Keep::Stop]);
    }

    #[test]
    fn since_reads_on_when_the_first_run_is_older_or_the_order_is_not_newest_first() {
        let since = Some(at("2026-03-01T00:00:00"));
        // Oldest first: the first run says nothing; the second shows the order.
        let mut filter = Filter::new(Vec::new(), since);
        let keeps = judged(
            &mut filter,
            &[
                ("2026-02-01T00:00:00", "Running"),
                ("2026-03-02T00:00:00", "Running"),
                ("2026-02-02T00:00:00", "Running"),
                ("2026-03-03T00:00:00", "Running"),
            ],
        );
        assert_eq!(keeps, [Keep::Skip, Keep::Print, Keep::Skip, Keep::Print]);
        // Newest first but every run older: one skipped, then the listing stops.
        let mut filter = Filter::new(Vec::new(), since);
        let keeps = judged(
            &mut filter,
            &[
                ("2026-02-02T00:00:00", "Running"),
                ("2026-02-01T00:00:00", "Running"),
            ],
        );
        assert_eq!(keeps, [Keep::Skip, Keep::Stop]);
    }
}
