//! Time in the generated data: seconds since the Unix epoch (UTC), a fixed
//! window (never the wall clock, so a seed always gives the same bytes), and
//! the text formats timestamps are written in.

use super::rng::{Draw, Rng};

pub const MINUTE: i64 = 60;
pub const HOUR: i64 = 3_600;
pub const DAY: i64 = 86_400;

/// 2024-01-01 00:00:00 UTC.
pub const WINDOW_START: i64 = 1_704_067_200;
/// 2026-01-01 00:00:00 UTC (exclusive): the data covers 2024 and 2025.
pub const WINDOW_END: i64 = 1_767_225_600;

/// How a timestamp is spelt. All of these parse to the same value on DuckDB
/// and PostgreSQL (the `Z` is UTC, which every timestamp here is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `2025-03-01 10:00:00`
    Space,
    /// `2025-03-01T10:00:00`
    T,
    /// `2025-03-01T10:00:00Z`
    Z,
    /// `2025-03-01 10:00:00.123`
    Millis(u16),
}

/// (year, month, day) of a day number since 1970-01-01 (Hinnant's algorithm).
pub fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// 0 = Monday .. 6 = Sunday.
pub fn weekday(t: i64) -> i64 {
    (t.div_euclid(DAY) + 3).rem_euclid(7)
}

pub fn day_start(t: i64) -> i64 {
    t - t.rem_euclid(DAY)
}

fn two(out: &mut Vec<u8>, v: u32) {
    out.push(b'0' + (v / 10) as u8);
    out.push(b'0' + (v % 10) as u8);
}

pub fn write_date(out: &mut Vec<u8>, t: i64) {
    let (y, m, d) = civil(t.div_euclid(DAY));
    let y = y as u32;
    two(out, y / 100);
    two(out, y % 100);
    out.push(b'-');
    two(out, m);
    out.push(b'-');
    two(out, d);
}

pub fn write_timestamp(out: &mut Vec<u8>, t: i64, format: Format) {
    write_date(out, t);
    out.push(if matches!(format, Format::T | Format::Z) {
        b'T'
    } else {
        b' '
    });
    let s = t.rem_euclid(DAY) as u32;
    two(out, s / 3600);
    out.push(b':');
    two(out, s / 60 % 60);
    out.push(b':');
    two(out, s % 60);
    match format {
        Format::Z => out.push(b'Z'),
        Format::Millis(ms) => {
            out.push(b'.');
            out.push(b'0' + (ms / 100 % 10) as u8);
            two(out, u32::from(ms % 100));
        }
        Format::Space | Format::T => {}
    }
}

/// `2025-03-01`, for names and truth.json.
pub fn date_string(t: i64) -> String {
    let mut out = Vec::with_capacity(10);
    write_date(&mut out, t);
    String::from_utf8(out).unwrap_or_default()
}

/// `2025-03`, for monthly campaign names.
pub fn month_string(t: i64) -> String {
    let mut s = date_string(t);
    s.truncate(7);
    s
}

/// The same day (or, on a weekend, mostly the next Monday) at a working hour:
/// B2B buyers research and meet during the working week.
pub fn working_hours(r: &mut Rng, t: i64) -> i64 {
    let mut day = day_start(t);
    let wd = weekday(day);
    if wd >= 5 && r.chance(0.8) {
        day += (7 - wd) * DAY;
    }
    day + r.between(7 * HOUR, 19 * HOUR - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(t: i64, f: Format) -> String {
        let mut out = Vec::new();
        write_timestamp(&mut out, t, f);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn formats_match_the_documented_spellings() {
        // 2025-03-01 10:00:00 UTC
        let t = 1_740_823_200;
        assert_eq!(ts(t, Format::Space), "2025-03-01 10:00:00");
        assert_eq!(ts(t, Format::T), "2025-03-01T10:00:00");
        assert_eq!(ts(t, Format::Z), "2025-03-01T10:00:00Z");
        assert_eq!(ts(t, Format::Millis(123)), "2025-03-01 10:00:00.123");
        assert_eq!(ts(t, Format::Millis(7)), "2025-03-01 10:00:00.007");
        assert_eq!(date_string(WINDOW_START), "2024-01-01");
        assert_eq!(date_string(WINDOW_END - 1), "2025-12-31");
        assert_eq!(weekday(WINDOW_START), 0, "2024-01-01 was a Monday");
    }
}
