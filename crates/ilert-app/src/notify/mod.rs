//! The notifier's rules: from each snapshot, what to tell the person, once.
//! Plain data in, [`Notice`]s out; the Tauri side only shows them.
//!
//! - A new open alert that concerns me (the [`NotifyAlerts`] setting) is told
//!   once per account, ever ([`seen`]); more than [`MAX_SINGLE`] at once
//!   become one summary. Only fresh data tells: a stale panel repeats old news.
//! - Alerts that opened while the machine slept and are still open are new
//!   on the first refresh after the wake; those already resolved never show.
//! - My shift: a reminder before it starts, when it starts, when it ends.
//!   A moved shift has other times, so the old reminders never come.
//! - The session ending, once.
//! - A page (a pending HIGH alert of mine, [`AlertRow::page`]) is critical,
//!   stays on screen and rings ([`alarm`]) until it is answered, here or
//!   anywhere, or silenced. Other alerts notify quietly, or not at all
//!   ([`OtherAlerts`]).
//! - Quiet (a snooze, or the weekly [`quiet`] hours) holds the other alerts
//!   and sums them up when it ends; a page still rings unless the person
//!   let quiet hold pages too.
//!
//! [`NotifyAlerts`]: crate::view::NotifyAlerts

pub mod alarm;
pub mod quiet;
pub mod seen;
pub mod text;
pub mod toast;

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::actions::AlertAction;
use crate::view::dashboard::MyShift;
use crate::view::{AlertRow, Panel, Snapshot};
use alarm::AlarmRamp;
use quiet::QuietHours;
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
    /// "Will it ring?"'s test page: one Acknowledge button, nothing else.
    Test,
    /// My shift ended with alerts I accepted still open: "Reassign to
    /// ‹who is on call now›" (id and name) and "Keep them".
    Handover {
        to: Option<(i64, String)>,
    },
}

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    /// A page: critical where the desktop can, and it stays until answered.
    pub page: bool,
}

/// Alerts that are not pages (the `otherAlerts` setting).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub enum OtherAlerts {
    /// A normal notification, no sound.
    #[default]
    Quiet,
    /// None: they are only counted in the tray and listed in the window.
    Off,
}

/// What the notifier is told by the settings.
#[derive(Debug, Clone, Default)]
pub struct NotifyConfig {
    /// How long before a shift its reminder comes (`None`: none before).
    pub reminder_lead: Option<Duration>,
    pub other_alerts: OtherAlerts,
    pub alarm: AlarmRamp,
    pub quiet_hours: QuietHours,
    /// Quiet (hours or a snooze) holds pages too: the person said so.
    pub quiet_holds_pages: bool,
    /// How long before a pending alert escalates to me it is said (`None`: never).
    pub heads_up: Option<Duration>,
}

/// Why notifications are quiet now, and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quiet {
    Snoozed { until: DateTime<Utc> },
    QuietHours { until: DateTime<Utc> },
}

impl Quiet {
    pub fn until(self) -> DateTime<Utc> {
        match self {
            Quiet::Snoozed { until } | Quiet::QuietHours { until } => until,
        }
    }
}

/// The tray's pause choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PauseFor {
    Minutes15,
    Hour,
    /// Until 09:00 tomorrow, local time.
    TomorrowMorning,
    /// Until my current on-call shift ends (offered only while on call).
    EndOfShift,
}

impl PauseFor {
    pub const ALL: [PauseFor; 4] = [PauseFor::Minutes15, PauseFor::Hour, PauseFor::EndOfShift, PauseFor::TomorrowMorning];

    pub fn label(self) -> &'static str {
        match self {
            PauseFor::Minutes15 => "For 15 minutes",
            PauseFor::Hour => "For 1 hour",
            PauseFor::EndOfShift => "Until the end of my shift",
            PauseFor::TomorrowMorning => "Until tomorrow 09:00",
        }
    }

    /// When this pause ends; `shift_end`: the end of my current shift
    /// (without one, [`PauseFor::EndOfShift`] has no end and is not offered).
    pub fn until<Tz: chrono::TimeZone>(self, now: DateTime<Tz>, shift_end: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        Some(match self {
            PauseFor::EndOfShift => return shift_end,
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
        })
    }
}

pub struct Notifier {
    store: SeenStore,
    seen: HashMap<String, Seen>,
    config: NotifyConfig,
    /// My shifts as last seen, per account: one gone at its end has ended;
    /// one gone before it has moved.
    shifts: HashMap<String, Vec<MyShift>>,
    ended_told: HashSet<String>,
    /// When each account's seen-set was last written.
    saved_at: HashMap<String, DateTime<Utc>>,
    /// A snooze's end.
    paused_until: Option<DateTime<Utc>>,
    /// The end of quiet hours the person resumed from by hand.
    resumed_until: Option<DateTime<Utc>>,
    /// Quiet at the last look: its end releases what it held.
    was_quiet: bool,
    held: Vec<AlertRow>,
    /// Pages held by quiet (only where quiet holds pages): they ring when it ends.
    held_pages: BTreeSet<i64>,
    /// The pages ringing now.
    ringing: BTreeSet<i64>,
}

impl Notifier {
    pub fn new(store: SeenStore, config: NotifyConfig) -> Notifier {
        Notifier {
            store,
            seen: HashMap::new(),
            config,
            shifts: HashMap::new(),
            ended_told: HashSet::new(),
            saved_at: HashMap::new(),
            paused_until: None,
            resumed_until: None,
            was_quiet: false,
            held: Vec::new(),
            held_pages: BTreeSet::new(),
            ringing: BTreeSet::new(),
        }
    }

    /// Why it is quiet now, if it is: a snooze first, then quiet hours
    /// (unless resumed from by hand).
    pub fn quiet(&self, now: DateTime<Utc>) -> Option<Quiet> {
        if let Some(until) = self.paused_until.filter(|u| *u > now) {
            return Some(Quiet::Snoozed { until });
        }
        let until = self.config.quiet_hours.end_of(now).filter(|end| self.resumed_until != Some(*end))?;
        Some(Quiet::QuietHours { until })
    }

    /// The next time the quiet state may change by itself (a snooze's or
    /// quiet hours' end, the next quiet hours' start): when to [`tick`](Self::tick).
    pub fn next_change(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let q = &self.config.quiet_hours;
        [self.paused_until.filter(|u| *u > now), q.end_of(now), q.next_start(now)].into_iter().flatten().min()
    }

    /// Snoozes notifications until `until`; `None` resumes now (quiet hours
    /// too, until their end). What quiet held comes back as one summary.
    pub fn pause(&mut self, until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Vec<Notice> {
        self.paused_until = until.filter(|u| *u > now);
        if self.paused_until.is_none() {
            self.resumed_until = self.config.quiet_hours.end_of(now);
        }
        self.tick(now)
    }

    /// Ends quiet whose time is up, and sums up what it held.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<Notice> {
        let quiet = self.quiet(now).is_some();
        let ended = self.was_quiet && !quiet;
        self.was_quiet = quiet;
        if ended {
            self.paused_until = None;
            return self.release();
        }
        Vec::new()
    }

    pub fn reconfigure(&mut self, config: NotifyConfig) {
        if !config.alarm.sounds() {
            self.ringing.clear();
        }
        self.config = config;
    }

    /// The pages ringing now (alert ids): told, still pending, not silenced.
    pub fn ringing(&self) -> &BTreeSet<i64> {
        &self.ringing
    }

    /// The person heard it: the ringing pages stop (they stay in the list).
    pub fn silence(&mut self) {
        self.ringing.clear();
    }

    fn release(&mut self) -> Vec<Notice> {
        let held = std::mem::take(&mut self.held);
        if self.config.alarm.sounds() {
            self.ringing.append(&mut self.held_pages);
        }
        self.held_pages.clear();
        match held.len() {
            0 => Vec::new(),
            n => vec![summary(&held, format!("While notifications were quiet: {n} new {}", plural(n, "alert")), n)],
        }
    }

    /// Sorts the new alerts into those told now (pages ring) and those
    /// held by quiet; other alerts turned off are neither.
    fn sort_new(&mut self, rows: Vec<AlertRow>, now: DateTime<Utc>) -> Vec<AlertRow> {
        let quiet = self.quiet(now).is_some();
        let mut tell = Vec::new();
        for r in rows {
            let page = r.rings();
            if page && !(quiet && self.config.quiet_holds_pages) {
                if self.config.alarm.sounds() {
                    self.ringing.insert(r.id);
                }
                tell.push(r);
            } else if !page && self.config.other_alerts == OtherAlerts::Off {
                continue;
            } else if quiet {
                if page {
                    self.held_pages.insert(r.id);
                }
                self.held.push(r);
            } else {
                tell.push(r);
            }
        }
        tell
    }

    /// What this snapshot tells that nothing told before.
    pub fn observe(&mut self, s: &Snapshot, now: DateTime<Utc>) -> Vec<Notice> {
        let mut out = self.tick(now);
        if s.session_ended {
            self.ringing.clear();
            self.held_pages.clear();
            if self.ended_told.insert(s.account.clone()) {
                out.push(Notice {
                    kind: NoticeKind::SessionEnded,
                    title: "ilert signed you out — sign in again".into(),
                    body: "Open ilert Desktop to sign in; until then nothing is refreshed or notified.".into(),
                    page: false,
                });
            }
            return out;
        }
        self.ended_told.remove(&s.account);
        let store = &self.store;
        let seen = self.seen.entry(s.account.clone()).or_insert_with(|| store.load(&s.account).unwrap_or_default());
        let mut changed = false;
        let mut new_rows = Vec::new();
        if let Panel::Ready { data, .. } = &s.alerts {
            let open: Vec<i64> = data.mine().map(|r| r.id).collect();
            let new = seen.mark_alerts(&open, now);
            changed = !new.is_empty();
            new_rows = data.mine().filter(|r| new.contains(&r.id)).cloned().collect();
            // Answered here (the list amended) or anywhere (a fresh list): it stops.
            let rings = |id: &i64| data.get(*id).is_some_and(AlertRow::rings);
            self.ringing.retain(rings);
            self.held_pages.retain(rings);
        }
        if let Panel::Ready { data, .. } = &s.on_call {
            let shifts = data.on_call.as_ref().map(|o| o.my_shifts.clone()).unwrap_or_default();
            let before = self.shifts.insert(s.account.clone(), shifts.clone()).unwrap_or_default();
            let reminders = shift_notices(&before, &shifts, self.config.reminder_lead, now);
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
        if !new_rows.is_empty() {
            let told = self.sort_new(new_rows, now);
            out.extend(alert_notices(&told, s.session.can_act, now));
        }
        if let (Panel::Ready { data, .. }, Some(lead), None) = (&s.alerts, self.config.heads_up, self.quiet(now)) {
            let seen = self.seen.get_mut(&s.account).expect("loaded above");
            let mut told = false;
            for (key, due, notice) in heads_ups(&data.alerts, lead, s.session.can_act, now) {
                if seen.reminders.insert(key, due.timestamp()).is_none() {
                    out.push(notice);
                    told = true;
                }
            }
            if told {
                self.store.save(&s.account, seen);
            }
        }
        out
    }
}

/// "‹Summary› escalates to you in 2 min": for each pending alert whose next
/// escalation is to me within `lead`, once per alert and escalation step
/// (the key names both); never for one already paging me, which rings.
fn heads_ups(rows: &[AlertRow], lead: Duration, can_act: bool, now: DateTime<Utc>) -> Vec<(String, DateTime<Utc>, Notice)> {
    rows.iter()
        .filter(|r| r.status == "PENDING" && r.escalates_to_me && !r.rings())
        .filter_map(|r| {
            let at = r.next_escalation.filter(|at| *at > now && *at - now <= lead)?;
            let minutes = ((at - now).num_seconds() + 59) / 60;
            let actions = if can_act { vec![AlertAction::Accept] } else { vec![] };
            let notice = Notice {
                kind: NoticeKind::Alert { id: r.id, actions },
                title: format!("{} escalates to you in {minutes} min", r.summary),
                body: [r.source.clone(), r.priority.to_lowercase()].into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" · "),
                page: false,
            };
            Some((format!("heads-up:{}:{}", r.id, at.timestamp()), at, notice))
        })
        .collect()
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
    Notice { kind: NoticeKind::Alerts { count }, title, body: lines.join("\n"), page: rows.iter().any(AlertRow::rings) }
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
            Notice { kind: NoticeKind::Alert { id: r.id, actions }, title: r.summary.clone(), body, page: r.rings() }
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
    let notice = |title: String, body: String| Notice { kind: NoticeKind::Shift, title, body, page: false };
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
