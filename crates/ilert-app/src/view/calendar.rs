//! My shifts ahead as an iCalendar file (RFC 5545), for the person's own
//! calendar: `ilert-desktop shifts --ics` and the window's "Add to
//! calendar". One event per shift, its UID made of the account, the
//! schedule and the start, so importing the file again updates the same
//! events instead of adding copies; times in UTC. A shift that moved or went
//! to someone else since the last file would stay in a calendar that
//! imported it, so the events of the last file are remembered (beside the
//! profile's settings) and those still ahead but gone are sent again as
//! cancelled; every file's SEQUENCE is newer than the last one's.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::timeline::ShiftAhead;

/// An event as a calendar file held it: enough to cancel it later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Written {
    pub uid: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: String,
}

/// Where the last file's events are kept: beside the profile's settings.
pub fn memory_beside(settings: &Path) -> PathBuf {
    settings.with_file_name("calendar-events.json")
}

/// The last file's events; none when there was none (or it cannot be read:
/// the worst is a stale event the person deletes by hand).
pub fn remembered(path: &Path) -> Vec<Written> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            tracing::warn!(path = %path.display(), error = %e, "the last calendar file's events cannot be read");
            Vec::new()
        }),
        Err(_) => Vec::new(),
    }
}

pub fn remember(path: &Path, events: &[Written]) -> std::io::Result<()> {
    crate::private_file::write(path, &serde_json::to_vec(events).map_err(std::io::Error::other)?)
}

/// [`ics`] with the last file's events read from `memory` and this one's
/// written there for the next.
pub fn ics_remembering(shifts: &[ShiftAhead], username: &str, tenant: &str, now: DateTime<Utc>, memory: &Path) -> String {
    let (ics, written) = ics(shifts, username, tenant, now, &remembered(memory));
    if let Err(e) = remember(memory, &written) {
        tracing::warn!(path = %memory.display(), error = %e, "the calendar file's events are not remembered; a shift that moves will not be cancelled");
    }
    ics
}

/// The calendar of `shifts` for `username` in `tenant`, stamped `now`, with
/// `before` (the last file's events) still ahead and gone cancelled; and
/// the events it holds, to remember for the next one.
pub fn ics(shifts: &[ShiftAhead], username: &str, tenant: &str, now: DateTime<Utc>, before: &[Written]) -> (String, Vec<Written>) {
    // Minutes since 1970: each file's events supersede the last file's.
    let sequence = now.timestamp().max(0) / 60;
    // The lines every event has, then `rest`.
    let vevent = |e: &Written, rest: [String; 2]| {
        let head = [
            "BEGIN:VEVENT".to_string(),
            format!("UID:{}", e.uid),
            format!("DTSTAMP:{}", stamp(now)),
            format!("SEQUENCE:{sequence}"),
            format!("DTSTART:{}", stamp(e.start)),
            format!("DTEND:{}", stamp(e.end)),
            format!("SUMMARY:{}", text(&e.summary)),
        ];
        head.into_iter().chain(rest).chain(["END:VEVENT".to_string()])
    };
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//ilert Desktop//My shifts//EN".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        format!("X-WR-CALNAME:{}", text(&format!("ilert on-call: {username} ({tenant})"))),
    ];
    let mut written = Vec::with_capacity(shifts.len());
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
        let event = Written { uid, start: s.start, end: s.end, summary };
        let rest = [format!("DESCRIPTION:{}", text(&description.join("\n"))), "TRANSP:OPAQUE".to_string()];
        lines.extend(vevent(&event, rest));
        written.push(event);
    }
    for gone in before.iter().filter(|b| b.end > now && !written.iter().any(|w| w.uid == b.uid)) {
        lines.extend(vevent(gone, ["STATUS:CANCELLED".to_string(), "TRANSP:TRANSPARENT".to_string()]));
    }
    lines.push("END:VCALENDAR".to_string());
    (lines.iter().map(|l| fold(l)).collect::<Vec<_>>().join(""), written)
}

/// A DATE-TIME in UTC.
fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
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
        let (out, _) = ics(&[shift("SRE Primary", 1), shift(long, 25)], "ada", "acme", now, &[]);
        assert!(out.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") && out.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(out.matches("BEGIN:VEVENT").count(), 2);
        assert!(out.contains("DTSTART:20261207T090000Z\r\nDTEND:20261207T210000Z\r\n"));
        assert!(out.contains("Payments\\; EU\\, \\\\ night"), "TEXT escaped: {out}");
        assert!(out.replace("\r\n ", "").contains("\\nTakes over from Bob\r\n"), "the hand-over in the description: {out}");
        assert!(out.split("\r\n").all(|l| l.len() <= 75), "folded at 75 octets");
        assert!(!out.replace("\r\n", "").contains('\n'), "CRLF only");
        let (again, _) = ics(&[shift("SRE Primary", 1)], "ada", "acme", now + chrono::Duration::hours(2), &[]);
        let uid = |s: &str| s.split("\r\n").find(|l| l.starts_with("UID:")).unwrap().to_string();
        assert_eq!(uid(&out), uid(&again), "the same shift keeps its UID");
    }

    #[test]
    fn a_shift_gone_since_the_last_file_is_sent_again_cancelled_and_only_while_ahead() {
        let now: DateTime<Utc> = "2026-12-07T07:00:00Z".parse().unwrap();
        let (_, first) = ics(&[shift("SRE Primary", 1), shift("SRE Primary", 25)], "ada", "acme", now, &[]);
        assert_eq!(first.len(), 2);
        // The second shift moved by an hour; an old one long past is not cancelled.
        let mut before = first.clone();
        before.push(Written {
            uid: "old@x".into(),
            start: now - chrono::Duration::days(3),
            end: now - chrono::Duration::days(2),
            summary: "Old".into(),
        });
        let later = now + chrono::Duration::minutes(5);
        let (out, second) = ics(&[shift("SRE Primary", 1), shift("SRE Primary", 26)], "ada", "acme", later, &before);
        let events: Vec<&str> = out.split("BEGIN:VEVENT").skip(1).collect();
        assert_eq!(events.len(), 3, "two shifts and the moved one's old event: {out}");
        let cancelled: Vec<&&str> = events.iter().filter(|e| e.contains("STATUS:CANCELLED")).collect();
        assert_eq!(cancelled.len(), 1);
        assert!(cancelled[0].contains(&format!("UID:{}", first[1].uid)), "{out}");
        assert!(!out.contains("old@x"), "a past event is left alone");
        assert_eq!(second.len(), 2, "the cancelled one is not remembered again");
        let seq = |o: &str| o.lines().find_map(|l| l.strip_prefix("SEQUENCE:")).unwrap().trim().parse::<i64>().unwrap();
        let (first_out, _) = ics(&[shift("SRE Primary", 1)], "ada", "acme", now, &[]);
        assert!(seq(&out) > seq(&first_out), "a newer file's events supersede");
    }

    #[test]
    fn the_memory_reads_back_and_a_missing_or_broken_one_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = memory_beside(&dir.path().join("settings.json"));
        assert!(remembered(&path).is_empty());
        let (_, written) = ics(&[shift("SRE Primary", 1)], "ada", "acme", Utc::now(), &[]);
        remember(&path, &written).unwrap();
        assert_eq!(remembered(&path), written);
        std::fs::write(&path, b"{not json").unwrap();
        assert!(remembered(&path).is_empty());
    }
}
