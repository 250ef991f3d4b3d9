//! What the tray says, from the current snapshot: its state at a glance (a
//! badge colour on the icon, a short label beside it where the desktop shows
//! one) and the lines of its menu. Plain data, so every rule is unit-tested
//! without a desktop.

use chrono::{DateTime, Duration, Local, Utc};

use crate::notify::Quiet;
use crate::pager::{Cover, TakeFor};
use crate::view::dashboard::{MyShift, Panel};
use crate::view::Snapshot;

/// The tray's states, from least to most pressing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayState {
    SignedOut,
    Loading,
    NotOnCall,
    /// On call, all quiet.
    OnCall,
    /// Alerts that concern me, all accepted by somebody.
    Accepted,
    /// Alerts that concern me still pending: somebody must answer.
    Pending,
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
            TrayState::Accepted => Some([0x25, 0x63, 0xeb]),
            TrayState::Pending => Some([0xf9, 0x73, 0x16]),
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
    /// "2 pending · 1 accepted"; `None` while alerts are not known.
    pub alerts_line: Option<String>,
    /// The `alert` scope was not granted: the menu offers it.
    pub grant_alerts: bool,
    /// My open alerts, newest first (at most [`MAX_TRAY_ALERTS`]), for the
    /// menu's actions.
    pub alerts: Vec<TrayAlert>,
    /// `alert:w` was granted: the alerts carry Accept and Resolve.
    pub can_act: bool,
    /// Who is on call now, a line per escalation policy (the submenu).
    pub policies: Vec<String>,
    /// Schedules where somebody else is on call now and whose pager I may
    /// take (`schedule:w` granted): the submenu offers to cover.
    pub take: Vec<TakeOffer>,
    /// "Notifications paused until 10:15" or "Quiet hours until 07:00",
    /// the whole time it is quiet.
    pub paused_line: Option<String>,
    /// The desktop's Do Not Disturb is on (where the app can tell).
    pub dnd_line: Option<String>,
    /// A page's alarm is ringing: the menu offers to silence it.
    pub ringing: bool,
    /// On call now: a snooze may last to the end of my shift.
    pub shift_snooze: bool,
    pub signed_in: bool,
}

/// What the tray says beyond the snapshot: the notifier's state and the desktop's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quietness {
    pub quiet: Option<Quiet>,
    pub ringing: bool,
    /// The desktop's Do Not Disturb.
    pub dnd: Dnd,
}

/// The desktop's Do Not Disturb, as far as an app can read it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Dnd {
    #[default]
    Off,
    /// Linux: dunst paused or GNOME's banners off; Windows: the shell's
    /// notification state says toasts are held (Focus, presentation, quiet time).
    On,
    /// The desktop does not let an app read it (macOS Focus, without an
    /// entitlement): said so, rather than guessed as off.
    Unknown,
}

/// One alert in the tray's menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayAlert {
    pub id: i64,
    /// "Disk full · Checkout API (prod)"
    pub line: String,
    pub pending: bool,
    /// Who a pending alert escalates to next, where its policy has a next
    /// level: the menu offers to hand it to them.
    pub next: Option<(i64, String)>,
}

/// "Take on-call for SRE Primary (Grace Hopper)" with the lengths offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakeOffer {
    pub schedule: i64,
    pub line: String,
    pub lengths: Vec<(TakeFor, String)>,
}

/// The most alerts the tray's menu lists.
pub const MAX_TRAY_ALERTS: usize = 10;

/// Data older than this many refresh intervals is shown as stale.
const STALE_AFTER: i64 = 3;

impl TrayView {
    /// What the tray says now.
    pub fn now(snapshot: Option<&Snapshot>, interval: std::time::Duration, q: Quietness, covering: Option<&Cover>) -> TrayView {
        let now = Utc::now();
        let mut v = TrayView::of(snapshot, now, interval);
        v.cover(covering, now);
        if v.signed_in {
            v.paused_line = q.quiet.map(|q| match q {
                Quiet::Snoozed { until } => format!("Notifications paused until {}", clock(until, now)),
                Quiet::QuietHours { until } => format!("Quiet hours until {}", clock(until, now)),
            });
            v.dnd_line = match q.dnd {
                Dnd::Off => None,
                Dnd::On => Some("Do Not Disturb is on · pages still ring".to_string()),
                Dnd::Unknown => Some("Do Not Disturb: unknown (macOS does not tell apps) · pages still ring".to_string()),
            };
            v.ringing = q.ringing;
            v.shift_snooze = snapshot.and_then(|s| s.my_shift_ends(now)).is_some();
        }
        v
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
                alerts_line: None,
                grant_alerts: false,
                alerts: Vec::new(),
                can_act: false,
                policies: Vec::new(),
                take: Vec::new(),
                paused_line: None,
                dnd_line: None,
                ringing: false,
                shift_snooze: false,
                signed_in: false,
            };
        };
        let alerts = s.alerts.latest();
        let alerts_line = alerts.map(|a| match (a.pending, a.accepted) {
            (0, 0) => "No open alerts for you".to_string(),
            (p, 0) => format!("{p} pending"),
            (0, a) => format!("{a} accepted"),
            (p, a) => format!("{p} pending · {a} accepted"),
        });
        let grant_alerts = matches!(s.alerts, Panel::NotGranted { .. });
        let tray_alerts: Vec<TrayAlert> = alerts
            .map(|a| {
                a.mine()
                    .take(MAX_TRAY_ALERTS)
                    .map(|r| {
                        let pending = r.status == "PENDING";
                        let next = r.next_escalation_user_id.zip(r.next_escalation_user.clone()).filter(|_| pending);
                        TrayAlert { id: r.id, line: format!("{} · {}", r.summary, r.source), pending, next }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let can_act = s.session.can_act;
        let view = |state, label: String, line: String| {
            let tooltip = match &alerts_line {
                Some(a) => format!("ilert Desktop · {} · {line} · {a}", s.session.username),
                None => format!("ilert Desktop · {} · {line}", s.session.username),
            };
            TrayView {
                tooltip,
                state,
                label,
                on_call_line: line,
                alerts_line: alerts_line.clone(),
                grant_alerts,
                alerts: tray_alerts.clone(),
                can_act,
                policies: policy_lines(s),
                take: take_offers(s, now),
                paused_line: None,
                dnd_line: None,
                ringing: false,
                shift_snooze: false,
                signed_in: true,
            }
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
        let (mut state, mut label, mut line) = match shifts.iter().find(|m| m.current) {
            Some(m) => (TrayState::OnCall, "on call".to_string(), on_call_now(m, now)),
            None => (TrayState::NotOnCall, String::new(), next_shift(shifts.iter().find(|m| !m.current), now)),
        };
        match alerts.map(|a| (a.pending, a.accepted)) {
            Some((p, _)) if p > 0 => (state, label) = (TrayState::Pending, format!("{p} pending")),
            Some((0, a)) if a > 0 => (state, label) = (TrayState::Accepted, format!("{a} accepted")),
            _ => {}
        }
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

impl TrayView {
    /// While I cover for somebody, the tray says so ("On call (covering for
    /// Grace Hopper) until 11:30"), whether or not ilert's on-call list has
    /// caught up; not over a state that says something is wrong.
    fn cover(&mut self, covering: Option<&Cover>, now: DateTime<Utc>) {
        let Some(c) = covering.filter(|c| c.until > now && self.signed_in) else { return };
        if matches!(self.state, TrayState::Loading | TrayState::Stale | TrayState::Problem) {
            return;
        }
        let line = format!("On call (covering for {}) until {}", c.covering_for, clock(c.until, now));
        self.tooltip = self.tooltip.replace(&self.on_call_line, &line);
        self.on_call_line = line;
        if self.state == TrayState::NotOnCall {
            (self.state, self.label) = (TrayState::OnCall, "on call".into());
        }
    }
}

/// The schedules whose pager I may take now (see [`crate::pager`]).
fn take_offers(s: &Snapshot, now: DateTime<Utc>) -> Vec<TakeOffer> {
    if !s.session.can_cover {
        return Vec::new();
    }
    let schedules = s.on_call.latest().and_then(|b| b.schedules.as_deref()).unwrap_or_default();
    schedules
        .iter()
        .filter_map(|x| {
            let theirs = crate::pager::takeable(x)?;
            let lengths = TakeFor::offered(now, theirs.end)
                .into_iter()
                .map(|t| {
                    (t, if t == TakeFor::ShiftEnd { format!("Until {}", clock(theirs.end, now)) } else { format!("For {}", t.label()) })
                })
                .collect();
            Some(TakeOffer { schedule: x.id, line: format!("Take on-call for {} ({})", x.name, theirs.name), lengths })
        })
        .collect()
}

/// "SRE Critical: Ada Lovelace, Grace Hopper (2)" per policy, "nobody" where none is.
fn policy_lines(s: &Snapshot) -> Vec<String> {
    let Some(on_call) = s.on_call.latest().and_then(|b| b.on_call.as_ref()) else { return Vec::new() };
    on_call
        .policies
        .iter()
        .map(|p| {
            let people: Vec<String> = p
                .levels
                .iter()
                .flat_map(|l| l.people.iter().map(move |x| if l.level > 1 { format!("{} ({})", x.name, l.level) } else { x.name.clone() }))
                .collect();
            let who = if people.is_empty() { "nobody".to_string() } else { people.join(", ") };
            format!("{}: {who}", p.name)
        })
        .collect()
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
    use crate::surface::fixtures::{board, shift, snapshot, MINUTE};
    use crate::surface::Quietness;
    use crate::view::dashboard::Stale;

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
    fn quiet_do_not_disturb_and_the_alarm_are_said_while_signed_in() {
        let now = Utc::now();
        let on_call = snapshot(Panel::Ready { data: board(vec![shift(-1, 3, now)]), unreadable: 0 }, Some(0), now);
        let until = now + Duration::minutes(15);
        let q = Quietness { quiet: Some(Quiet::Snoozed { until }), ringing: true, dnd: Dnd::On };
        let v = TrayView::now(Some(&on_call), MINUTE, q, None);
        assert_eq!(v.paused_line, Some(format!("Notifications paused until {}", clock(until, now))));
        assert_eq!(v.dnd_line.as_deref(), Some("Do Not Disturb is on · pages still ring"));
        assert!(v.ringing && v.shift_snooze, "on call: a snooze may last to the shift's end");
        let unknown = TrayView::now(Some(&on_call), MINUTE, Quietness { dnd: Dnd::Unknown, ..q }, None);
        assert!(unknown.dnd_line.unwrap().starts_with("Do Not Disturb: unknown"), "macOS: said, not guessed as off");
        assert_eq!(TrayView::now(Some(&on_call), MINUTE, Quietness { dnd: Dnd::Off, ..q }, None).dnd_line, None);
        let hours =
            TrayView::now(Some(&on_call), MINUTE, Quietness { quiet: Some(Quiet::QuietHours { until }), ..Default::default() }, None);
        assert!(hours.paused_line.unwrap().starts_with("Quiet hours until "));
        let off_call = snapshot(Panel::Ready { data: board(vec![shift(48, 56, now)]), unreadable: 0 }, Some(0), now);
        assert!(!TrayView::now(Some(&off_call), MINUTE, q, None).shift_snooze, "no shift under way: no end to snooze to");
        let out = TrayView::now(None, MINUTE, q, None);
        assert_eq!((out.paused_line, out.dnd_line, out.ringing), (None, None, false), "signed out: nothing of it");
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

    /// While I cover for somebody the tray says so, also before ilert's
    /// on-call list has me; an ended cover says nothing, and a problem
    /// state is not painted over.
    #[test]
    fn a_cover_is_said_in_the_on_call_line() {
        let now = Utc::now();
        let cover = Cover {
            schedule: 3,
            schedule_name: "Payments Static".into(),
            covering_for: "Donald Knuth".into(),
            until: now + Duration::minutes(30),
            reminded: false,
        };
        let off = snapshot(Panel::Ready { data: board(vec![shift(48, 56, now)]), unreadable: 0 }, Some(0), now);
        let v = TrayView::now(Some(&off), MINUTE, Quietness::default(), Some(&cover));
        assert_eq!(v.state, TrayState::OnCall, "covering is being on call");
        assert!(v.on_call_line.starts_with("On call (covering for Donald Knuth) until "), "{}", v.on_call_line);
        assert!(v.tooltip.contains("(covering for Donald Knuth)"), "{}", v.tooltip);
        let ended = Cover { until: now - Duration::minutes(1), ..cover.clone() };
        assert_eq!(TrayView::now(Some(&off), MINUTE, Quietness::default(), Some(&ended)).state, TrayState::NotOnCall);
        let stale = snapshot(Panel::Ready { data: board(vec![]), unreadable: 0 }, Some(3600), now);
        let v = TrayView::now(Some(&stale), MINUTE, Quietness::default(), Some(&cover));
        assert_eq!(v.state, TrayState::Stale);
        assert!(v.on_call_line.contains("offline"), "{}", v.on_call_line);
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
    fn pending_alerts_outrank_accepted_ones_and_a_missing_scope_is_offered() {
        use crate::view::OpenAlerts;
        let now = Utc::now();
        let mut s = snapshot(Panel::Ready { data: board(vec![shift(-1, 3, now)]), unreadable: 0 }, Some(0), now);
        let counts = |pending, accepted| Panel::Ready {
            data: OpenAlerts { alerts: vec![], pending, accepted, ..Default::default() },
            unreadable: 0,
        };
        s.alerts = counts(2, 1);
        let v = TrayView::of(Some(&s), now, MINUTE);
        assert_eq!(
            (v.state, v.label.as_str(), v.alerts_line.as_deref()),
            (TrayState::Pending, "2 pending", Some("2 pending · 1 accepted"))
        );
        s.alerts = counts(0, 1);
        assert_eq!(TrayView::of(Some(&s), now, MINUTE).state, TrayState::Accepted);
        s.alerts = counts(0, 0);
        let quiet = TrayView::of(Some(&s), now, MINUTE);
        assert_eq!((quiet.state, quiet.alerts_line.as_deref()), (TrayState::OnCall, Some("No open alerts for you")));
        s.alerts = Panel::NotGranted { scope: "alert".into(), message: "m".into() };
        let ng = TrayView::of(Some(&s), now, MINUTE);
        assert!(ng.grant_alerts && ng.alerts_line.is_none());
        assert_ne!(TrayState::Pending.badge(), TrayState::Accepted.badge(), "told apart at a glance");
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
