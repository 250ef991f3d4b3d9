//! My shifts ahead as an iCalendar file (RFC 5545), for the person's own
//! calendar: `ilert-desktop shifts --ics`. One event per shift, its UID made
//! of the account, the schedule and the start, so importing the file again
//! updates the same events instead of adding copies; times in UTC.

use chrono::{DateTime, Utc};

use super::timeline::ShiftAhead;

/// The calendar of `shifts` for `username` in `tenant`, stamped `now`.
pub fn ics(shifts: &[ShiftAhead], username: &str, tenant: &str, now: DateTime<Utc>) -> String {
    let stamp = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//ilert Desktop//My shifts//EN".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        format!("X-WR-CALNAME:{}", text(&format!("ilert on-call: {username} ({tenant})"))),
    ];
    for ahead in shifts {
        let s = &ahead.shift;
        let schedule = s.schedule.as_deref().unwrap_or("On call");
        let uid = format!("{}-{}@{}.ilert-desktop", slug(schedule), stamp(s.start), slug(&format!("{username}.{tenant}")));
        let cover = if ahead.cover { " (covering)" } else { "" };
        let summary = if s.policies.is_empty() {
            format!("On call{cover}: {schedule}")
        } else {
            format!("On call{cover}: {schedule} ({})", s.policies.join(", "))
        };
        let mut description = vec![format!("Escalation policies: {}", s.policies.join(", "))];
        description.extend(ahead.before.as_ref().map(|b| format!("Takes over from {b}")));
        description.extend(ahead.after.as_ref().map(|a| format!("Hands over to {a}")));
        lines.extend([
            "BEGIN:VEVENT".to_string(),
            format!("UID:{uid}"),
            format!("DTSTAMP:{}", stamp(now)),
            format!("DTSTART:{}", stamp(s.start)),
            format!("DTEND:{}", stamp(s.end)),
            format!("SUMMARY:{}", text(&summary)),
            format!("DESCRIPTION:{}", text(&description.join("\n"))),
            "TRANSP:OPAQUE".to_string(),
            "END:VEVENT".to_string(),
        ]);
    }
    lines.push("END:VCALENDAR".to_string());
    lines.iter().map(|l| fold(l)).collect::<Vec<_>>().join("")
}

/// A TEXT value: backslash, semicolon, comma and line breaks escaped.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Letters and digits only, for a UID.
fn slug(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect()
}

/// A content line folded at 75 octets (never inside a character), CRLF-ended.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::view::dashboard::MyShift;

    fn shift(schedule: &str, start_h: i64) -> ShiftAhead {
        let base: DateTime<Utc> = "2026-12-07T08:00:00Z".parse().unwrap();
        let shift = MyShift {
            schedule: Some(schedule.into()),
            schedule_id: None,
            policies: vec!["SRE Critical".into(), "Payments; EU, \\ night".into()],
            start: base + chrono::Duration::hours(start_h),
            end: base + chrono::Duration::hours(start_h + 12),
            current: false,
        };
        ShiftAhead { shift, before: Some("Bob".into()), after: None, cover: false }
    }

    #[test]
    fn one_event_per_shift_escaped_folded_and_stable() {
        let now: DateTime<Utc> = "2026-12-07T07:00:00Z".parse().unwrap();
        let long = "A schedule with a name much longer than one line of a calendar file may hold, ünïcödé included";
        let out = ics(&[shift("SRE Primary", 1), shift(long, 25)], "ada", "acme", now);
        assert!(out.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") && out.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(out.matches("BEGIN:VEVENT").count(), 2);
        assert!(out.contains("DTSTART:20261207T090000Z\r\nDTEND:20261207T210000Z\r\n"));
        assert!(out.contains("Payments\\; EU\\, \\\\ night"), "TEXT escaped: {out}");
        assert!(out.replace("\r\n ", "").contains("\\nTakes over from Bob\r\n"), "the hand-over in the description: {out}");
        assert!(out.split("\r\n").all(|l| l.len() <= 75), "folded at 75 octets");
        assert!(!out.replace("\r\n", "").contains('\n'), "CRLF only");
        let again = ics(&[shift("SRE Primary", 1)], "ada", "acme", now + chrono::Duration::hours(2));
        let uid = |s: &str| s.split("\r\n").find(|l| l.starts_with("UID:")).unwrap().to_string();
        assert_eq!(uid(&out), uid(&again), "the same shift keeps its UID");
    }
}
