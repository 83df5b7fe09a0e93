//! Timestamps as the API writes them.
//!
//! The service writes `created_at` without an offset (`2021-01-01T12:00:00`), meaning UTC. The
//! SDK also reads fractional seconds and RFC 3339 offsets (`Z`, `+02:00`), normalising to UTC, and
//! writes the service's own form back. The parser is a few dozen lines rather than a date-time
//! dependency, because the crate must build without `std` and needs nothing beyond this one form.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::validation::{FieldError, Rule};

/// An instant, to the nanosecond, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
}

const FORM: &str = "an ISO 8601 date-time such as 2021-01-01T12:00:00, with optional fraction and offset";

impl Timestamp {
    /// The instant `secs` seconds and `nanos` nanoseconds after 1970-01-01T00:00:00Z.
    /// Returns `None` when `nanos` is a second or more, or the year leaves 0000 to 9999.
    pub fn from_unix(secs: i64, nanos: u32) -> Option<Self> {
        // 0000-01-01 and 9999-12-31T23:59:59, the range the text form can hold.
        const MIN: i64 = -62_167_219_200;
        const MAX: i64 = 253_402_300_799;
        if nanos >= 1_000_000_000 || !(MIN..=MAX).contains(&secs) {
            return None;
        }
        Some(Self { secs, nanos })
    }

    /// Whole seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.secs
    }

    /// The nanoseconds past [`unix_seconds`](Self::unix_seconds).
    pub fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    /// Parses the API's forms; see the module docs.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        parse(s.as_bytes()).ok_or_else(|| FieldError::new("created_at", Rule::Malformed(FORM)))
    }
}

#[cfg(feature = "std")]
impl From<Timestamp> for std::time::SystemTime {
    fn from(t: Timestamp) -> Self {
        let offset = std::time::Duration::new(t.secs.unsigned_abs(), 0);
        let base = if t.secs >= 0 {
            std::time::UNIX_EPOCH + offset
        } else {
            std::time::UNIX_EPOCH - offset
        };
        base + std::time::Duration::from_nanos(u64::from(t.nanos))
    }
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let part = b.get(at..at + n)?;
    let mut v = 0i64;
    for &c in part {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

fn parse(b: &[u8]) -> Option<Timestamp> {
    let year = digits(b, 0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let hour = digits(b, 11, 2)?;
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        // A leap second (60) is read as the last second of its minute.
        || second > 60
    {
        return None;
    }
    let mut at = 19;
    let mut nanos = 0u32;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while let Some(c) = b.get(at).filter(|c| c.is_ascii_digit()) {
            if at - start < 9 {
                nanos = nanos * 10 + u32::from(c - b'0');
            }
            at += 1;
        }
        let n = at - start;
        if n == 0 {
            return None;
        }
        for _ in n..9 {
            nanos *= 10;
        }
    }
    let offset_secs = match b.get(at) {
        None => 0,
        Some(b'Z' | b'z') if at + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if at + 6 == b.len() && b[at + 3] == b':' => {
            let h = digits(b, at + 1, 2)?;
            let m = digits(b, at + 4, 2)?;
            if h > 23 || m > 59 {
                return None;
            }
            let v = h * 3600 + m * 60;
            if *sign == b'-' { -v } else { v }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset_secs;
    Timestamp::from_unix(secs, nanos)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days_from_civil and civil_from_days: exact over the proleptic Gregorian calendar.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Writes the service's form: no offset, UTC, and a fraction only when there is one
/// (milliseconds, microseconds or nanoseconds, whichever is exact).
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.secs.div_euclid(86_400);
        let rem = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )?;
        match self.nanos {
            0 => Ok(()),
            n if n % 1_000_000 == 0 => write!(f, ".{:03}", n / 1_000_000),
            n if n % 1_000 == 0 => write!(f, ".{:06}", n / 1_000),
            n => write!(f, ".{n:09}"),
        }
    }
}

impl FromStr for Timestamp {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <alloc::borrow::Cow<'de, str>>::deserialize(d)?;
        parse(s.as_bytes()).ok_or_else(|| {
            serde::de::Error::custom(alloc::format!(
                "invalid timestamp {}: expected {FORM}",
                crate::error::Quoted(&crate::error::one_line(&s, 40))
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_every_documented_form() {
        let naive = Timestamp::parse("2021-01-01T12:00:00").unwrap();
        assert_eq!(naive.unix_seconds(), 1_609_502_400);
        assert_eq!(Timestamp::parse("2021-01-01T12:00:00Z").unwrap(), naive);
        assert_eq!(Timestamp::parse("2021-01-01T14:00:00+02:00").unwrap(), naive);
        assert_eq!(Timestamp::parse("2021-01-01T07:30:00-04:30").unwrap(), naive);
        let frac = Timestamp::parse("2021-01-01T12:00:00.123456").unwrap();
        assert_eq!(frac.subsec_nanos(), 123_456_000);
        assert_eq!(frac.to_string(), "2021-01-01T12:00:00.123456");
    }

    #[test]
    fn rejects_impossible_dates_and_trailing_text() {
        for bad in [
            "",
            "2021-02-29T00:00:00",
            "2021-13-01T00:00:00",
            "2021-01-01T24:00:00",
            "2021-01-01T12:00:00+2:00",
            "2021-01-01T12:00:00.",
            "2021-01-01T12:00:00Zjunk",
            "2021-01-01",
            "２021-01-01T12:00:00",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    proptest! {
        #[test]
        fn display_then_parse_is_identity(secs in -62_167_219_200i64..=253_402_300_799, nanos in 0u32..1_000_000_000) {
            let t = Timestamp::from_unix(secs, nanos).unwrap();
            prop_assert_eq!(Timestamp::parse(&t.to_string()).unwrap(), t);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = Timestamp::parse(&s);
        }
    }
}
