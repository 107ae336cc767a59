//! UTC instants for the tests: now, RFC 3339 in and out, and the calendar arithmetic the DST cases need.
//!
//! Hand-written (Howard Hinnant's `days_from_civil`) rather than a dependency on `chrono`: the tests only
//! ever need whole seconds in UTC, and the black box should not share the server's date library.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

const SECS_PER_MINUTE: i64 = 60;
const SECS_PER_HOUR: i64 = 60 * SECS_PER_MINUTE;
const SECS_PER_DAY: i64 = 24 * SECS_PER_HOUR;

/// A UTC instant, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcTime {
    secs: i64,
}

impl UtcTime {
    /// The current instant, truncated to the second.
    pub fn now() -> Self {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_else(|err| panic!("the clock is before 1970: {err}"));
        Self {
            secs: i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX),
        }
    }

    /// Midnight UTC of a calendar date; panics on a date that does not exist.
    #[track_caller]
    pub fn date(year: i64, month: u32, day: u32) -> Self {
        assert!(
            (1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&day),
            "no such date {year}-{month}-{day}"
        );
        Self {
            secs: days_from_civil(year, month, day) * SECS_PER_DAY,
        }
    }

    /// `date` at `hour:minute` UTC.
    #[track_caller]
    pub fn at(year: i64, month: u32, day: u32, hour: u32, minute: u32) -> Self {
        Self::date(year, month, day)
            .plus_hours(i64::from(hour))
            .plus_minutes(i64::from(minute))
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; `None` if it is not that.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        if bytes.len() < 20 || bytes[4] != b'-' || bytes[7] != b'-' || !matches!(bytes[10], b'T' | b't') {
            return None;
        }
        if bytes[13] != b':' || bytes[16] != b':' {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = text.get(range)?;
            part.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| part.parse().ok())
                .flatten()
        };
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
        let month = u32::try_from(month).ok()?;
        let day = u32::try_from(day).ok()?;
        if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
            return None;
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let mut rest = &text[19..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            rest = &fraction[digits..];
        }
        let offset_secs = match rest {
            "Z" | "z" => 0,
            _ => {
                let sign = match rest.as_bytes().first()? {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                let offset = rest.get(1..)?;
                let (h, m) = offset.split_once(':')?;
                if h.len() != 2 || m.len() != 2 {
                    return None;
                }
                let h: i64 = h.parse().ok()?;
                let m: i64 = m.parse().ok()?;
                sign * (h * SECS_PER_HOUR + m * SECS_PER_MINUTE)
            }
        };
        let secs = days_from_civil(year, month, day) * SECS_PER_DAY
            + hour * SECS_PER_HOUR
            + minute * SECS_PER_MINUTE
            + second
            - offset_secs;
        Some(Self { secs })
    }

    /// Parses an instant the server sent; panics with the text if it is not RFC 3339.
    #[track_caller]
    pub fn parse_or_panic(text: &str) -> Self {
        Self::parse(text).unwrap_or_else(|| panic!("not an RFC 3339 instant: {text:?}"))
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix_secs(self) -> i64 {
        self.secs
    }

    /// This instant moved by `minutes` (negative: earlier).
    pub fn plus_minutes(self, minutes: i64) -> Self {
        Self {
            secs: self.secs + minutes * SECS_PER_MINUTE,
        }
    }

    /// This instant moved by `hours`.
    pub fn plus_hours(self, hours: i64) -> Self {
        Self {
            secs: self.secs + hours * SECS_PER_HOUR,
        }
    }

    /// This instant moved by `days` of 24 hours.
    pub fn plus_days(self, days: i64) -> Self {
        Self {
            secs: self.secs + days * SECS_PER_DAY,
        }
    }

    /// Whole minutes from `earlier` to `self`.
    pub fn minutes_since(self, earlier: Self) -> i64 {
        (self.secs - earlier.secs) / SECS_PER_MINUTE
    }

    /// The calendar date (UTC) as `(year, month, day)`.
    pub fn ymd(self) -> (i64, u32, u32) {
        civil_from_days(self.secs.div_euclid(SECS_PER_DAY))
    }
}

/// RFC 3339 in UTC with a `Z`, to the second: `2027-03-28T01:00:00Z`.
impl fmt::Display for UtcTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = self.ymd();
        let in_day = self.secs.rem_euclid(SECS_PER_DAY);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            in_day / SECS_PER_HOUR,
            in_day % SECS_PER_HOUR / SECS_PER_MINUTE,
            in_day % SECS_PER_MINUTE
        )
    }
}

/// The last Sunday of `month` in `year`, the day European summer time starts (March) or ends (October).
pub fn last_sunday(year: i64, month: u32) -> (i64, u32, u32) {
    let last_day = days_from_civil(year, month, days_in_month(year, month));
    // 1970-01-01 was a Thursday: (days + 4) mod 7 counts from Sunday = 0.
    let weekday = (last_day + 4).rem_euclid(7);
    civil_from_days(last_day - weekday)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (month, day) = (i64::from(month), i64::from(day));
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // Both are in range by construction (1..=12, 1..=31).
    (year, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(text: &str, expect: Option<&str>) {
        let parsed = UtcTime::parse(text).map(|t| t.to_string());
        assert_eq!(parsed.as_deref(), expect, "input: {text:?}");
    }

    #[test]
    fn parses_and_prints_rfc3339() {
        check("2027-03-28T01:00:00Z", Some("2027-03-28T01:00:00Z"));
        check("2027-03-28T03:00:00+02:00", Some("2027-03-28T01:00:00Z"));
        check("2027-10-31T00:30:00.000Z", Some("2027-10-31T00:30:00Z"));
        check("2027-10-30T23:00:00-01:00", Some("2027-10-31T00:00:00Z"));
        check("2024-02-29T12:00:00Z", Some("2024-02-29T12:00:00Z"));
        check("1969-12-31T23:59:59Z", Some("1969-12-31T23:59:59Z"));
        check("2026-02-30T10:00:00Z", None);
        check("2026-02-28 10:00:00Z", None);
        check("2026-02-28T10:00:00", None);
        check("2026-13-01T10:00:00Z", None);
    }

    #[test]
    fn last_sundays_of_the_dst_months() {
        assert_eq!(last_sunday(2026, 3), (2026, 3, 29));
        assert_eq!(last_sunday(2026, 10), (2026, 10, 25));
        assert_eq!(last_sunday(2027, 3), (2027, 3, 28));
        assert_eq!(last_sunday(2027, 10), (2027, 10, 31));
        assert_eq!(last_sunday(2028, 3), (2028, 3, 26));
    }

    #[test]
    fn arithmetic_crosses_months_and_years() {
        let t = UtcTime::at(2027, 12, 31, 23, 30);
        assert_eq!(t.plus_minutes(45).to_string(), "2028-01-01T00:15:00Z");
        assert_eq!(t.plus_days(-365).to_string(), "2026-12-31T23:30:00Z");
        assert_eq!(t.plus_hours(1).minutes_since(t), 60);
    }
}
