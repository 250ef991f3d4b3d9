//! Weekly quiet hours, written the way a person says them:
//! `Mon-Fri 22:00-07:00; Sat,Sun 00:00-24:00`. A window whose end is not
//! after its start runs overnight and belongs to the day it starts on, so
//! `Fri 22:00-07:00` is Friday night into Saturday morning. Times are local.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};

const DAYS: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuietHours {
    rules: Vec<Rule>,
    text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    /// Monday first.
    days: [bool; 7],
    /// Minutes after midnight; `until` may be 1440 (24:00).
    from: u32,
    until: u32,
}

impl QuietHours {
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// When the quiet hours around `now` end; `None` outside them.
    pub fn end_of<Tz: TimeZone>(&self, now: DateTime<Tz>) -> Option<DateTime<Utc>> {
        let now = now.with_timezone(&Utc);
        self.windows(now).into_iter().find(|(s, e)| *s <= now && now < *e).map(|(_, e)| e)
    }

    /// When the next quiet hours start after `now` (within a week).
    pub fn next_start<Tz: TimeZone>(&self, now: DateTime<Tz>) -> Option<DateTime<Utc>> {
        let now = now.with_timezone(&Utc);
        self.windows(now).into_iter().map(|(s, _)| s).find(|s| *s > now)
    }

    /// Every window from yesterday to a week on, in the local time zone of
    /// `now`, sorted and merged where they touch (a night that runs into a
    /// whole-day rule is one quiet time, with one end).
    fn windows(&self, now: DateTime<Utc>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let local = now.with_timezone(&chrono::Local);
        self.windows_in(local.date_naive(), &chrono::Local)
    }

    fn windows_in<Tz: TimeZone>(&self, today: NaiveDate, tz: &Tz) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let mut all = Vec::new();
        for offset in -1..=8 {
            let day = today + Duration::days(offset);
            let weekday = day.weekday().num_days_from_monday() as usize;
            for r in self.rules.iter().filter(|r| r.days[weekday]) {
                let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
                let start = midnight + Duration::minutes(r.from.into());
                let end = if r.until > r.from {
                    midnight + Duration::minutes(r.until.into())
                } else {
                    midnight + Duration::days(1) + Duration::minutes(r.until.into())
                };
                all.push((at(tz, start), at(tz, end)));
            }
        }
        all.sort();
        let mut merged: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        for (s, e) in all {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        merged
    }
}

/// A local time that a clock change skips comes an hour later; one it
/// repeats, the first time.
fn at<Tz: TimeZone>(tz: &Tz, t: NaiveDateTime) -> DateTime<Utc> {
    tz.from_local_datetime(&t)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(t + Duration::hours(1))).earliest())
        .map_or_else(|| Utc.from_utc_datetime(&t), |d| d.with_timezone(&Utc))
}

impl fmt::Display for QuietHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for QuietHours {
    type Err = String;

    /// Every mistake at once, each naming the part it is in.
    fn from_str(s: &str) -> Result<QuietHours, String> {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            match rule(part) {
                Ok(r) => rules.push(r),
                Err(e) => errors.push(format!("“{part}”: {e}")),
            }
        }
        if !errors.is_empty() {
            return Err(format!("quiet hours {} (write them like “Mon-Fri 22:00-07:00; Sat,Sun 00:00-24:00”)", errors.join("; ")));
        }
        Ok(QuietHours { rules, text: s.trim().to_string() })
    }
}

fn rule(part: &str) -> Result<Rule, String> {
    let (days, times) = part.rsplit_once(char::is_whitespace).ok_or("days and a time range are needed")?;
    let mut problems = Vec::new();
    let days = parse_days(days.trim()).unwrap_or_else(|e| {
        problems.push(e);
        [false; 7]
    });
    let (from, until) = match times.split_once('-') {
        Some((a, b)) => (clock(a, false), clock(b, true)),
        None => (Err(format!("“{times}” is not a time range like 22:00-07:00")), Ok(0)),
    };
    let (from, until) = match (from, until) {
        (Ok(f), Ok(u)) => (f, u),
        (f, u) => {
            problems.extend(f.err());
            problems.extend(u.err());
            (0, 0)
        }
    };
    if problems.is_empty() && from == until {
        problems.push("the range is empty (use 00:00-24:00 for a whole day)".into());
    }
    if problems.is_empty() {
        Ok(Rule { days, from, until })
    } else {
        Err(problems.join(", "))
    }
}

fn parse_days(s: &str) -> Result<[bool; 7], String> {
    let index = |d: &str| {
        let d = d.trim().to_ascii_lowercase();
        DAYS.iter().position(|n| d.len() >= 3 && n.starts_with(&d)).ok_or(format!("“{d}” is not a day (Mon … Sun)"))
    };
    let mut days = [false; 7];
    for item in s.split(',').map(str::trim) {
        match item.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (index(a)?, index(b)?);
                let mut i = a;
                loop {
                    days[i] = true;
                    if i == b {
                        break;
                    }
                    i = (i + 1) % 7;
                }
            }
            None => days[index(item)?] = true,
        }
    }
    Ok(days)
}

/// "07:00" → 420; "24:00" only as an end.
fn clock(s: &str, end: bool) -> Result<u32, String> {
    let bad = || format!("“{s}” is not a time (HH:MM)");
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    match (h, m) {
        (24, 0) if end => Ok(1440),
        (0..=23, 0..=59) => Ok(h * 60 + m),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    fn t(s: &str) -> DateTime<Utc> {
        // 2026-12-07 is a Monday.
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn windows(q: &QuietHours, today: &str) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        q.windows_in(today.parse().unwrap(), &FixedOffset::east_opt(3600).unwrap())
    }

    #[test]
    fn nights_belong_to_the_day_they_start_and_touching_windows_merge() {
        let q: QuietHours = "Mon-Fri 22:00-07:00; Sat,Sun 00:00-24:00".parse().unwrap();
        let w = windows(&q, "2026-12-07");
        // Yesterday, Sunday, is quiet all day; Monday morning is not (no Sunday night rule).
        assert_eq!(w[0], (t("2026-12-05T23:00:00Z"), t("2026-12-06T23:00:00Z")), "{w:?}");
        assert_eq!(w[1], (t("2026-12-07T21:00:00Z"), t("2026-12-08T06:00:00Z")));
        // Friday 22:00 runs into the weekend, quiet to Sunday 24:00: one window, one end.
        let weekend = w.iter().find(|(s, _)| *s == t("2026-12-11T21:00:00Z")).unwrap();
        assert_eq!(weekend.1, t("2026-12-13T23:00:00Z"));
    }

    #[test]
    fn every_mistake_is_named_at_once() {
        let e = "Mon-Fri 25:00-7; Someday 10:00-11:00; Tue 10:00-10:00".parse::<QuietHours>().unwrap_err();
        assert!(e.contains("“25:00” is not a time"), "{e}");
        assert!(e.contains("“7” is not a time"), "{e}");
        assert!(e.contains("“someday” is not a day"), "{e}");
        assert!(e.contains("the range is empty"), "{e}");
        assert!("   ".parse::<QuietHours>().unwrap().is_empty());
        assert!("sat-mon 00:00-24:00".parse::<QuietHours>().is_ok(), "a range may wrap past Sunday");
        assert!("Mon 24:00-10:00".parse::<QuietHours>().is_err(), "24:00 only ends a range");
    }

    #[test]
    fn end_and_next_start_in_local_time() {
        let q: QuietHours = "Mon-Sun 22:00-07:00".parse().unwrap();
        let now = chrono::Local::now();
        match q.end_of(now) {
            Some(end) => assert!(end > now && end - now.with_timezone(&Utc) <= Duration::hours(9)),
            None => {
                let start = q.next_start(now).unwrap();
                assert!(start > now && start - now.with_timezone(&Utc) <= Duration::hours(15));
            }
        }
        assert_eq!(QuietHours::default().end_of(now), None);
        assert_eq!(QuietHours::default().next_start(now), None);
    }
}
