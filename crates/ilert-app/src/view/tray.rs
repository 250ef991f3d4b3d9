//! What the tray says, from the current snapshot: its state at a glance (a
//! badge colour on the icon, a short label beside it where the desktop shows
//! one) and the lines of its menu. Plain data, so every rule is unit-tested
//! without a desktop.

use chrono::{DateTime, Duration, Local, Utc};

use super::dashboard::{MyShift, Panel};
use super::snapshot::Snapshot;

/// The tray's states, from least to most pressing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayState {
    SignedOut,
    Loading,
    NotOnCall,
    /// On call, all quiet.
    OnCall,
    /// The data is old: the last refreshes failed (offline, ilert down).
    Stale,
    /// The on-call data cannot be read: not granted, or refused.
    Problem,
}

impl TrayState {
    /// The badge drawn on the icon, in RGB; none while there is nothing to tell.
    pub fn badge(&self) -> Option<[u8; 3]> {
        match self {
            TrayState::SignedOut | TrayState::Loading => None,
            TrayState::NotOnCall => Some([0x8a, 0x93, 0x9e]),
            TrayState::OnCall => Some([0x1f, 0x9d, 0x55]),
            TrayState::Stale => Some([0xd9, 0x8e, 0x04]),
            TrayState::Problem => Some([0xc9, 0x2a, 0x2a]),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayView {
    pub state: TrayState,
    /// Short, beside the icon (AppIndicator label, macOS title).
    pub label: String,
    /// The whole state in one sentence (tooltip where the desktop has one).
    pub tooltip: String,
    /// The menu's on-call line.
    pub on_call_line: String,
    pub signed_in: bool,
}

/// Data older than this many refresh intervals is shown as stale.
const STALE_AFTER: i64 = 3;

impl TrayView {
    /// What the tray says now.
    pub fn now(snapshot: Option<&Snapshot>, interval: std::time::Duration) -> TrayView {
        TrayView::of(snapshot, Utc::now(), interval)
    }

    pub fn of(snapshot: Option<&Snapshot>, now: DateTime<Utc>, interval: std::time::Duration) -> TrayView {
        let Some(s) = snapshot.filter(|s| !s.session_ended) else {
            let ended = snapshot.is_some();
            let line = if ended { "ilert signed you out — sign in again" } else { "Signed out" };
            return TrayView {
                state: TrayState::SignedOut,
                label: String::new(),
                tooltip: format!("ilert Desktop · {}", line.to_lowercase()),
                on_call_line: line.into(),
                signed_in: false,
            };
        };
        let view = |state, label: String, line: String| TrayView {
            tooltip: format!("ilert Desktop · {} · {line}", s.session.username),
            state,
            label,
            on_call_line: line,
            signed_in: true,
        };
        let board = match &s.on_call {
            Panel::Loading => return view(TrayState::Loading, String::new(), "Loading…".into()),
            Panel::NotGranted { .. } => {
                return view(TrayState::Problem, "!".into(), "On-call data not granted: open ilert Desktop to grant access".into())
            }
            Panel::Error { last: None, message, .. } => {
                return view(TrayState::Problem, "!".into(), format!("On-call data unavailable: {message}"))
            }
            Panel::Error { last: Some(last), .. } => &last.data,
            Panel::Ready { data, .. } => data,
        };
        let shifts = board.on_call.as_ref().map(|o| o.my_shifts.as_slice()).unwrap_or_default();
        let (state, label, mut line) = match shifts.iter().find(|m| m.current) {
            Some(m) => (TrayState::OnCall, "on call".to_string(), on_call_now(m, now)),
            None => (TrayState::NotOnCall, String::new(), next_shift(shifts.iter().find(|m| !m.current), now)),
        };
        let age = s.fresh_at.map(|f| now - f);
        let interval = Duration::from_std(interval).unwrap_or(Duration::minutes(1));
        if age.is_none_or(|a| a > interval * STALE_AFTER as i32) && s.fetched_at.is_some() {
            let since = s.fresh_at.map_or_else(|| "never updated".to_string(), |f| format!("updated {} ago", span(now - f)));
            line = format!("{line} · offline, {since}");
            return view(TrayState::Stale, "offline".into(), line);
        }
        view(state, label, line)
    }
}

fn on_call_now(m: &MyShift, now: DateTime<Utc>) -> String {
    let what = m.policies.first().or(m.schedule.as_ref()).map_or(String::new(), |p| format!(" for {p}"));
    format!("On call{what} · until {} ({})", clock(m.end, now), span(m.end - now))
}

fn next_shift(m: Option<&MyShift>, now: DateTime<Utc>) -> String {
    match m {
        Some(m) => format!("Next shift {} (in {})", clock(m.start, now), span(m.start - now)),
        None => "Not on call in the next 14 days".into(),
    }
}

/// "18:00" today, "Tue 09:00" otherwise, in local time.
fn clock(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let (t, now) = (t.with_timezone(&Local), now.with_timezone(&Local));
    if t.date_naive() == now.date_naive() {
        t.format("%H:%M").to_string()
    } else {
        t.format("%a %H:%M").to_string()
    }
}

/// "3 h 12 m", "45 m", "2 d".
fn span(d: Duration) -> String {
    let m = d.num_minutes().max(0);
    match m {
        0..=59 => format!("{m} m"),
        60..=1439 if m % 60 == 0 => format!("{} h", m / 60),
        60..=1439 => format!("{} h {} m", m / 60, m % 60),
        _ => format!("{} d", (m + 720) / 1440),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::board::OnCallBoard;
    use crate::view::dashboard::{OnCallNow, Stale};
    use crate::view::SessionInfo;

    fn snapshot(on_call: Panel<OnCallBoard>, fresh_secs_ago: Option<i64>, now: DateTime<Utc>) -> Snapshot {
        let session = SessionInfo {
            username: "ada".into(),
            tenant: "t".into(),
            issuer: "i".into(),
            scopes: vec![],
            access_expires_at: None,
            persistent: true,
            demo: false,
        };
        let mut s = Snapshot::loading("k".into(), session);
        s.seq = 1;
        s.fetched_at = Some(now);
        s.fresh_at = fresh_secs_ago.map(|a| now - Duration::seconds(a));
        s.on_call = on_call;
        s
    }

    fn board(shifts: Vec<MyShift>) -> OnCallBoard {
        OnCallBoard { on_call: Some(OnCallNow { policies: vec![], my_shifts: shifts }), schedules: None, partial_error: None }
    }

    fn shift(start_h: i64, end_h: i64, now: DateTime<Utc>) -> MyShift {
        MyShift {
            schedule: Some("Primary".into()),
            policies: vec!["SRE Critical".into()],
            start: now + Duration::hours(start_h),
            end: now + Duration::hours(end_h) + Duration::minutes(12),
            current: start_h <= 0,
        }
    }

    const MINUTE: std::time::Duration = std::time::Duration::from_secs(60);

    #[test]
    fn signed_out_and_ended_sessions_say_so() {
        let now = Utc::now();
        let v = TrayView::of(None, now, MINUTE);
        assert_eq!((v.state, v.on_call_line.as_str(), v.signed_in), (TrayState::SignedOut, "Signed out", false));
        let mut ended = snapshot(Panel::Loading, Some(0), now);
        ended.session_ended = true;
        assert_eq!(TrayView::of(Some(&ended), now, MINUTE).on_call_line, "ilert signed you out — sign in again");
    }

    #[test]
    fn on_call_names_the_policy_and_the_end() {
        let now = Utc::now();
        let s = snapshot(Panel::Ready { data: board(vec![shift(-1, 3, now)]), unreadable: 0 }, Some(0), now);
        let v = TrayView::of(Some(&s), now, MINUTE);
        assert_eq!(v.state, TrayState::OnCall);
        assert!(v.on_call_line.starts_with("On call for SRE Critical · until "), "{}", v.on_call_line);
        assert!(v.on_call_line.ends_with("(3 h 12 m)"), "{}", v.on_call_line);
        assert_eq!(v.label, "on call");
    }

    #[test]
    fn not_on_call_names_the_next_shift() {
        let now = Utc::now();
        let s = snapshot(Panel::Ready { data: board(vec![shift(48, 56, now)]), unreadable: 0 }, Some(0), now);
        let v = TrayView::of(Some(&s), now, MINUTE);
        assert_eq!(v.state, TrayState::NotOnCall);
        assert!(v.on_call_line.starts_with("Next shift ") && v.on_call_line.ends_with("(in 2 d)"), "{}", v.on_call_line);
        let none = snapshot(Panel::Ready { data: board(vec![]), unreadable: 0 }, Some(0), now);
        assert_eq!(TrayView::of(Some(&none), now, MINUTE).on_call_line, "Not on call in the next 14 days");
    }

    #[test]
    fn old_data_is_stale_with_its_age_and_missing_data_is_a_problem() {
        let now = Utc::now();
        let last = Stale { data: board(vec![shift(-1, 3, now)]), fetched_at: now - Duration::minutes(12) };
        let failing = Panel::Error { kind: crate::ErrorKind::Unavailable, message: "down".into(), last: Some(last) };
        let v = TrayView::of(Some(&snapshot(failing, Some(12 * 60), now)), now, MINUTE);
        assert_eq!(v.state, TrayState::Stale);
        assert!(v.on_call_line.ends_with("offline, updated 12 m ago"), "{}", v.on_call_line);
        let ng = Panel::NotGranted { scope: "schedule".into(), message: "m".into() };
        assert_eq!(TrayView::of(Some(&snapshot(ng, Some(0), now)), now, MINUTE).state, TrayState::Problem);
        // Fresh within three intervals: not stale.
        let ok = snapshot(Panel::Ready { data: board(vec![]), unreadable: 0 }, Some(150), now);
        assert_eq!(TrayView::of(Some(&ok), now, MINUTE).state, TrayState::NotOnCall);
    }
}
