//! The notifier's rules: from each snapshot, what to tell the person, once.
//! Plain data in, [`Notice`]s out; the Tauri side only shows them.
//!
//! - A new open alert that concerns me (the [`AlertScope`] setting) is told
//!   once per account, ever ([`seen`]); more than [`MAX_SINGLE`] at once
//!   become one summary. Only fresh data tells: a stale panel repeats old news.
//! - Alerts that opened while the machine slept and are still open are new
//!   on the first refresh after the wake; those already resolved never show.
//! - My shift: a reminder before it starts, when it starts, when it ends.
//!   A moved shift has other times, so the old reminders never come.
//! - The session ending, once.
//! - A pause holds alert notices and sums them up when it ends.
//!
//! [`AlertScope`]: crate::view::AlertScope

pub mod seen;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::actions::{can_act, AlertAction};
use crate::view::dashboard::MyShift;
use crate::view::{AlertRow, Panel, Snapshot};
use seen::{Seen, SeenStore};

/// More new alerts than this at once are told as one summary.
pub const MAX_SINGLE: usize = 5;
/// How often the seen-set is written when nothing new was told.
const SAVE_SEEN_AT_LEAST_EVERY: Duration = Duration::hours(1);
/// A reminder more than this late (the machine slept through it) is dropped.
const REMINDER_GRACE: Duration = Duration::minutes(10);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum NoticeKind {
    /// One alert; a click opens the app at it. `actions`: what its buttons
    /// may offer (none without `alert:w`).
    Alert {
        id: i64,
        actions: Vec<AlertAction>,
    },
    /// Several alerts at once, or those held by a pause.
    Alerts {
        count: usize,
    },
    Shift,
    SessionEnded,
    /// What the app says of itself (closed to the tray).
    Info,
}

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    /// A pending HIGH-priority alert: shown as critical where the desktop can.
    pub urgent: bool,
}

/// The tray's pause choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PauseFor {
    Minutes15,
    Hour,
    /// Until 09:00 tomorrow, local time.
    TomorrowMorning,
}

impl PauseFor {
    pub const ALL: [PauseFor; 3] = [PauseFor::Minutes15, PauseFor::Hour, PauseFor::TomorrowMorning];

    pub fn label(self) -> &'static str {
        match self {
            PauseFor::Minutes15 => "For 15 minutes",
            PauseFor::Hour => "For 1 hour",
            PauseFor::TomorrowMorning => "Until tomorrow 09:00",
        }
    }

    pub fn until<Tz: chrono::TimeZone>(self, now: DateTime<Tz>) -> DateTime<Utc> {
        match self {
            PauseFor::Minutes15 => (now + Duration::minutes(15)).with_timezone(&Utc),
            PauseFor::Hour => (now + Duration::hours(1)).with_timezone(&Utc),
            PauseFor::TomorrowMorning => {
                let tomorrow = now.date_naive().succ_opt().expect("not the end of time").and_hms_opt(9, 0, 0).expect("09:00 exists");
                // A 09:00 that a clock change skips or repeats: the first one, else an hour on.
                let tz = now.timezone();
                tz.from_local_datetime(&tomorrow)
                    .earliest()
                    .or_else(|| tz.from_local_datetime(&(tomorrow + Duration::hours(1))).earliest())
                    .map_or_else(|| (now + Duration::hours(24)).with_timezone(&Utc), |t| t.with_timezone(&Utc))
            }
        }
    }
}

pub struct Notifier {
    store: SeenStore,
    seen: HashMap<String, Seen>,
    /// How long before a shift its reminder comes (`None`: none before).
    reminder_lead: Option<Duration>,
    /// My shifts as last seen, per account: one gone at its end has ended;
    /// one gone before it has moved.
    shifts: HashMap<String, Vec<MyShift>>,
    ended_told: HashSet<String>,
    /// When each account's seen-set was last written.
    saved_at: HashMap<String, DateTime<Utc>>,
    paused_until: Option<DateTime<Utc>>,
    held: Vec<AlertRow>,
}

impl Notifier {
    pub fn new(store: SeenStore, reminder_lead: Option<Duration>) -> Notifier {
        Notifier {
            store,
            seen: HashMap::new(),
            reminder_lead,
            shifts: HashMap::new(),
            ended_told: HashSet::new(),
            saved_at: HashMap::new(),
            paused_until: None,
            held: Vec::new(),
        }
    }

    pub fn paused_until(&self) -> Option<DateTime<Utc>> {
        self.paused_until
    }

    /// Pauses alert notices until `until`; `None` resumes now. What was
    /// held comes back as one summary.
    pub fn pause(&mut self, until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Vec<Notice> {
        self.paused_until = until.filter(|u| *u > now);
        if self.paused_until.is_none() {
            return self.release();
        }
        Vec::new()
    }

    /// Ends a pause whose time is up.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<Notice> {
        match self.paused_until {
            Some(u) if u <= now => self.pause(None, now),
            _ => Vec::new(),
        }
    }

    fn release(&mut self) -> Vec<Notice> {
        let held = std::mem::take(&mut self.held);
        match held.len() {
            0 => Vec::new(),
            n => vec![summary(&held, format!("While notifications were paused: {n} new {}", plural(n, "alert")), n)],
        }
    }

    /// What this snapshot tells that nothing told before.
    pub fn observe(&mut self, s: &Snapshot, now: DateTime<Utc>) -> Vec<Notice> {
        let mut out = self.tick(now);
        if s.session_ended {
            if self.ended_told.insert(s.account.clone()) {
                out.push(Notice {
                    kind: NoticeKind::SessionEnded,
                    title: "ilert signed you out — sign in again".into(),
                    body: "Open ilert Desktop to sign in; until then nothing is refreshed or notified.".into(),
                    urgent: false,
                });
            }
            return out;
        }
        self.ended_told.remove(&s.account);
        let store = &self.store;
        let seen = self.seen.entry(s.account.clone()).or_insert_with(|| store.load(&s.account).unwrap_or_default());
        let mut changed = false;
        if let Panel::Ready { data, .. } = &s.alerts {
            let open: Vec<i64> = data.mine().map(|r| r.id).collect();
            let new = seen.mark_alerts(&open, now);
            changed = !new.is_empty();
            let rows: Vec<AlertRow> = data.mine().filter(|r| new.contains(&r.id)).cloned().collect();
            if self.paused_until.is_some() {
                self.held.extend(rows);
            } else {
                out.extend(alert_notices(&rows, can_act(&s.session.scopes.join(" ")), now));
            }
        }
        if let Panel::Ready { data, .. } = &s.on_call {
            let shifts = data.on_call.as_ref().map(|o| o.my_shifts.clone()).unwrap_or_default();
            let before = self.shifts.insert(s.account.clone(), shifts.clone()).unwrap_or_default();
            let reminders = shift_notices(&before, &shifts, self.reminder_lead, now);
            for (key, due, notice) in reminders {
                if seen.reminders.insert(key, due.timestamp()).is_none() {
                    out.push(notice);
                    changed = true;
                }
            }
        }
        // Still-open alerts are marked seen at every refresh, so pruning keeps
        // them however old they are; those times need not reach the disk more
        // than hourly (pruning waits 7 days), only what is new at once.
        let stale_file = self.saved_at.get(&s.account).is_none_or(|t| now - *t >= SAVE_SEEN_AT_LEAST_EVERY);
        if changed || stale_file {
            seen.prune(now);
            self.saved_at.insert(s.account.clone(), now);
            // Written before anything is shown: a crash may lose a notice,
            // never repeat one.
            self.store.save(&s.account, seen);
        }
        out
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// "just now", "4 m ago", "2 h ago", "3 d ago".
fn ago(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(t) = t else { return String::new() };
    match (now - t).num_minutes().max(0) {
        0 => "just now".into(),
        m @ 1..=59 => format!("{m} m ago"),
        m @ 60..=1439 => format!("{} h ago", m / 60),
        m => format!("{} d ago", m / 1440),
    }
}

fn summary(rows: &[AlertRow], title: String, count: usize) -> Notice {
    let mut lines: Vec<String> = rows.iter().take(3).map(|r| format!("{} · {}", r.summary, r.source)).collect();
    if rows.len() > 3 {
        lines.push(format!("and {} more", rows.len() - 3));
    }
    Notice { kind: NoticeKind::Alerts { count }, title, body: lines.join("\n"), urgent: rows.iter().any(is_urgent) }
}

fn is_urgent(r: &AlertRow) -> bool {
    r.status == "PENDING" && r.priority == "HIGH"
}

fn alert_notices(rows: &[AlertRow], can_act: bool, now: DateTime<Utc>) -> Vec<Notice> {
    if rows.len() > MAX_SINGLE {
        return vec![summary(rows, format!("{} new alerts", rows.len()), rows.len())];
    }
    rows.iter()
        .map(|r| {
            let parts = [r.source.clone(), r.priority.to_lowercase(), ago(r.report_time, now)];
            let body = parts.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" · ");
            let body = if r.status == "ACCEPTED" { format!("{body} · accepted") } else { body };
            let actions = match (can_act, r.status.as_str()) {
                (false, _) => vec![],
                (true, "PENDING") => vec![AlertAction::Accept, AlertAction::Resolve],
                (true, _) => vec![AlertAction::Resolve],
            };
            Notice { kind: NoticeKind::Alert { id: r.id, actions }, title: r.summary.clone(), body, urgent: is_urgent(r) }
        })
        .collect()
}

fn shift_key(what: &str, m: &MyShift) -> String {
    format!("{what}:{}:{}:{}", m.schedule.as_deref().unwrap_or(""), m.start.timestamp(), m.end.timestamp())
}

fn shift_name(m: &MyShift) -> String {
    m.policies.first().or(m.schedule.as_ref()).map_or_else(|| "on call".into(), |p| format!("on call for {p}"))
}

/// The reminders due now: (key, when due, notice). `before`: my shifts as
/// last seen, so a shift that left the list at its end is told as ended.
fn shift_notices(
    before: &[MyShift],
    now_list: &[MyShift],
    lead: Option<Duration>,
    now: DateTime<Utc>,
) -> Vec<(String, DateTime<Utc>, Notice)> {
    let due = |t: DateTime<Utc>| t <= now && now < t + REMINDER_GRACE;
    let notice = |title: String, body: String| Notice { kind: NoticeKind::Shift, title, body, urgent: false };
    let local = |t: DateTime<Utc>| t.with_timezone(&chrono::Local).format("%H:%M").to_string();
    let mut out = Vec::new();
    for m in now_list {
        if let Some(lead) = lead {
            let at = m.start - lead;
            if due(at) && now < m.start {
                let title = format!("Your shift starts in {} min", (m.start - now).num_minutes().max(1));
                out.push((
                    shift_key("before", m),
                    at,
                    notice(title, format!("You are {} from {} to {}", shift_name(m), local(m.start), local(m.end))),
                ));
            }
        }
        if due(m.start) && now < m.end {
            out.push((
                shift_key("start", m),
                m.start,
                notice("Your on-call shift has started".into(), format!("You are {} until {}", shift_name(m), local(m.end))),
            ));
        }
    }
    // Gone from the list at (or after) its end: it ended. Gone before: moved.
    let same = |a: &MyShift, b: &MyShift| (a.start, a.end, &a.schedule) == (b.start, b.end, &b.schedule);
    for m in before.iter().filter(|m| !now_list.iter().any(|n| same(m, n)) && due(m.end)) {
        out.push((
            shift_key("end", m),
            m.end,
            notice("Your on-call shift has ended".into(), format!("You were {} until {}", shift_name(m), local(m.end))),
        ));
    }
    out
}

#[cfg(test)]
mod tests;
