//! "Will it ring?": every step a page takes to reach the person, checked,
//! with the fix for each one that would stop it. The caller (the command
//! line's `doctor`, later the window) gathers the [`Facts`] with the
//! platform's own means; the judgement is made here, once, from plain data,
//! so it is tested without a desktop. A line never carries a secret: the
//! output is meant to be pasted into a support request.

use std::time::Duration;

use chrono::{DateTime, Local, Utc};
use serde::Serialize;

use crate::notify::alarm::AlarmRamp;
use crate::notify::quiet::QuietHours;
use crate::notify::{Notice, NoticeKind, OtherAlerts};
use crate::surface::Dnd;
use crate::view::dashboard::MyShift;

/// How one step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub enum Verdict {
    Pass,
    /// A page still rings, but something is worth knowing.
    Warn,
    /// A page would not ring (or not reach the person).
    Fail,
}

/// One step, in a sentence, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct Line {
    pub step: String,
    pub verdict: Verdict,
    pub detail: String,
    pub fix: Option<String>,
}

/// The session as far as a page needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub username: String,
    pub tenant: String,
    /// The granted scopes, space-separated (empty: ilert never said).
    pub scope: String,
    /// My next (or current) shift: start and end.
    pub next_shift: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// The notification server, where the platform can be asked about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notifications {
    /// Answered: its name and capabilities.
    Server { name: String, capabilities: Vec<String> },
    /// Nobody answered on the session bus.
    Missing(String),
    /// The platform has no such question (Windows, macOS): the system's own.
    System,
}

/// The default sound output, as far as it can be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sound {
    Output {
        name: String,
        muted: bool,
        volume_percent: Option<u32>,
    },
    /// No output to play to.
    Missing,
    /// It could not be read here (no PulseAudio/PipeWire tool, another platform).
    Unknown,
}

/// The refresh engine as the running app sees it (the command line runs none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refresh {
    /// The last round in which every panel answered.
    pub fresh_at: Option<DateTime<Utc>>,
    /// What the last round met, when it failed.
    pub problem: Option<String>,
    pub every: Duration,
    pub on_call_every: Duration,
}

/// The test page, when the person asked for it: the notification's press
/// (after how long) and the alarm played for a few seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestPage {
    pub acknowledged: Result<Duration, String>,
    /// The output it played to, or why nothing played.
    pub sound: Result<String, String>,
}

/// Everything the check needs, gathered by the caller.
#[derive(Debug, Clone)]
pub struct Facts {
    /// `Ok(None)`: not signed in; `Err`: the session could not be restored
    /// or used (the keyring locked, ilert refused it), in words.
    pub session: Result<Option<Signed>, String>,
    pub notifications: Notifications,
    pub sound: Sound,
    pub alarm: AlarmRamp,
    pub dnd: Dnd,
    pub quiet_hours: QuietHours,
    pub quiet_holds_pages: bool,
    /// `None`: start at login is off; else whether the entry would start this app.
    pub start_at_login: Option<Result<String, String>>,
    /// `None`: not a question on this platform.
    pub tray_host: Option<bool>,
    pub other_alerts: OtherAlerts,
    /// A snooze of the running app: `Some(None)` none, `None` not known
    /// here (the command line cannot see the running app's).
    pub paused_until: Option<Option<DateTime<Utc>>>,
    /// `None` where no engine runs (the command line).
    pub refresh: Option<Refresh>,
    pub test_page: Option<TestPage>,
}

/// The whole check, as the window shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub lines: Vec<Line>,
    pub rings: bool,
    /// The same as the command line prints, to copy into a support request.
    pub text: String,
}

impl Report {
    pub fn of(facts: &Facts, now: DateTime<Utc>) -> Report {
        let lines = check(facts, now);
        Report { rings: rings(&lines), text: render(&lines), lines }
    }
}

/// How long the check plays the alarm.
pub const TEST_ALARM: Duration = Duration::from_secs(3);

/// The test page: shown as a page is (urgent, it stays), with one button.
pub fn test_notice() -> Notice {
    Notice {
        kind: NoticeKind::Test,
        title: "Test page from ilert Desktop".into(),
        body: "This is how a page reaches you. Press Acknowledge to finish the check.".into(),
        page: true,
    }
}

/// A refresh older than this many rounds (and five minutes, the longest
/// back-off) means ilert is not being reached.
const STALE_ROUNDS: u32 = 3;
const LONGEST_BACKOFF: Duration = Duration::from_secs(300);

fn line(step: &str, verdict: Verdict, detail: impl Into<String>, fix: Option<&str>) -> Line {
    Line { step: step.into(), verdict, detail: detail.into(), fix: fix.map(str::to_string) }
}

fn ago(d: chrono::Duration) -> String {
    match d.num_seconds().max(0) {
        s @ 0..=119 => format!("{s} s ago"),
        s => format!("{} min ago", s / 60),
    }
}

fn clock(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%a %H:%M").to_string()
}

/// Each step, in the order a page takes them.
pub fn check(f: &Facts, now: DateTime<Utc>) -> Vec<Line> {
    use Verdict::*;
    let mut out = Vec::new();
    let signed = match &f.session {
        Ok(Some(s)) => {
            out.push(line(
                "signed in",
                Pass,
                format!("{} in tenant {}, the session restores from the keyring", s.username, s.tenant),
                None,
            ));
            Some(s)
        }
        Ok(None) => {
            out.push(line("signed in", Fail, "not signed in: nothing is fetched, nothing rings", Some("ilert-desktop login")));
            None
        }
        Err(why) => {
            out.push(line(
                "signed in",
                Fail,
                format!("the session cannot be used: {why}"),
                Some("unlock the keyring, or ilert-desktop login"),
            ));
            None
        }
    };
    if let Some(s) = signed {
        let reads = s.scope.is_empty() || ilert_api::scope::can_read(&s.scope, "alert");
        let writes = crate::view::session::can_act(&s.scope);
        out.push(match (reads, writes) {
            (false, _) => line(
                "alerts",
                Fail,
                "the alert scope was not granted: no alert is seen",
                Some("Grant access in the window (or ilert-desktop login with ILERT_SCOPES including alert)"),
            ),
            (true, false) => {
                line("alerts", Warn, "alerts are seen; accepting needs alert:w", Some("Allow accepting and resolving alerts… in the tray"))
            }
            (true, true) if s.scope.is_empty() => line("alerts", Pass, "ilert did not say what it granted; assumed granted", None),
            (true, true) => line("alerts", Pass, "seen, and may be accepted and resolved", None),
        });
    }
    if let Some(r) = &f.refresh {
        let limit = (r.every * STALE_ROUNDS).max(LONGEST_BACKOFF);
        let pace = format!("every {} s while on call, {} s otherwise", r.on_call_every.as_secs(), r.every.as_secs());
        let why = r.problem.as_deref().map(|p| format!(": {p}")).unwrap_or_default();
        let fix = Some("check the network and ilert's status page, then Refresh now");
        out.push(match r.fresh_at {
            Some(t) if (now - t).to_std().unwrap_or_default() <= limit => {
                line("refresh", Pass, format!("last complete round {}; {pace}", ago(now - t)), None)
            }
            Some(t) => line("refresh", Fail, format!("no complete round since {}{why}", ago(now - t)), fix),
            None if r.problem.is_some() => line("refresh", Fail, format!("no round has completed yet{why}"), fix),
            None => line("refresh", Warn, format!("the first round is under way; {pace}"), None),
        });
    }
    out.push(match &f.notifications {
        Notifications::Server { name, capabilities } => {
            let has = |c: &str| capabilities.iter().any(|x| x == c);
            let what = format!("{name} ({})", capabilities.join(", "));
            if has("actions") {
                line("notifications", Pass, format!("{what}: Accept and Resolve on the notification"), None)
            } else {
                line("notifications", Pass, format!("{what}: no buttons, the body says where to act"), None)
            }
        }
        Notifications::Missing(why) => line(
            "notifications",
            Fail,
            format!("no notification server answers: {why}"),
            Some("start your desktop's notification daemon (dunst, mako, the desktop's own)"),
        ),
        Notifications::System => {
            line("notifications", Pass, "the system's notifications (allow them for ilert Desktop in the system settings)", None)
        }
    });
    out.push(match (f.alarm, &f.sound) {
        (AlarmRamp::Off, _) => {
            line("alarm", Fail, "the alarm is off: a page only shows a notification", Some("set alarm to rising (the default)"))
        }
        (_, Sound::Output { name, muted: true, .. }) => line("alarm", Fail, format!("the output {name} is muted"), Some("unmute it")),
        (_, Sound::Output { name, volume_percent: Some(0), .. }) => {
            line("alarm", Fail, format!("the output {name} is at 0 %"), Some("turn it up"))
        }
        (_, Sound::Output { name, volume_percent, .. }) => {
            let volume = volume_percent.map(|v| format!(" at {v} %")).unwrap_or_default();
            line("alarm", Pass, format!("plays to {name}{volume}"), None)
        }
        (_, Sound::Missing) => line("alarm", Fail, "no sound output to play to", Some("connect or select an output")),
        (_, Sound::Unknown) => line("alarm", Warn, "the output's volume could not be read here", None),
    });
    out.push(match f.dnd {
        Dnd::Off => line("do not disturb", Pass, "off", None),
        Dnd::On => line("do not disturb", Warn, "on: the desktop holds notifications; the alarm still rings", None),
        Dnd::Unknown => line("do not disturb", Warn, "cannot be read on this desktop (macOS Focus); the alarm rings either way", None),
    });
    if let Some(test) = &f.test_page {
        out.push(match &test.acknowledged {
            Ok(after) => line("test notification", Pass, format!("shown and acknowledged after {} s", after.as_secs()), None),
            Err(why) => line(
                "test notification",
                Fail,
                why.clone(),
                Some("allow ilert Desktop's notifications in the system settings, and look for it on screen"),
            ),
        });
        out.push(match &test.sound {
            Ok(output) => line("test alarm", Pass, format!("played for {} s to {output}", TEST_ALARM.as_secs()), None),
            Err(why) => line("test alarm", Fail, why.clone(), Some("check the sound output and the alarm setting")),
        });
    }
    out.push(match f.quiet_hours.end_of(now) {
        Some(end) if f.quiet_holds_pages => line(
            "quiet hours",
            Fail,
            format!("quiet now until {}, and they hold pages", clock(end)),
            Some("turn quietHoldsPages off, or change quietHours"),
        ),
        Some(end) => line("quiet hours", Pass, format!("quiet now until {}; pages ring through them", clock(end)), None),
        None => line("quiet hours", Pass, "not quiet now", None),
    });
    if let Some(paused) = f.paused_until {
        out.push(match paused.filter(|u| *u > now) {
            Some(until) if f.quiet_holds_pages => line(
                "paused",
                Fail,
                format!("notifications paused until {}, and pauses hold pages", clock(until)),
                Some("Resume notifications in the tray"),
            ),
            Some(until) => line("paused", Warn, format!("notifications paused until {}; pages still ring", clock(until)), None),
            None => line("paused", Pass, "not paused", None),
        });
    }
    out.push(match f.other_alerts {
        OtherAlerts::Off => line("other alerts", Warn, "alerts that are not pages do not notify (otherAlerts off); pages still ring", None),
        OtherAlerts::Quiet => line("other alerts", Pass, "alerts that are not pages notify quietly", None),
    });
    out.push(match &f.start_at_login {
        None => line("start at login", Warn, "off: after a restart nothing rings until the app is started", Some("turn on startAtLogin")),
        Some(Ok(what)) => line("start at login", Pass, what.clone(), None),
        Some(Err(why)) => {
            line("start at login", Fail, why.clone(), Some("save the settings once in the window (the entry is written again)"))
        }
    });
    if let Some(host) = f.tray_host {
        out.push(if host {
            line("tray", Pass, "a StatusNotifier host shows the tray icon", None)
        } else {
            line(
                "tray",
                Warn,
                "no tray host: the icon is not shown; starting ilert Desktop again brings the window back",
                Some("GNOME: the AppIndicator extension"),
            )
        });
    }
    if let Some(s) = signed {
        out.push(match s.next_shift {
            None => line("next shift", Pass, "none in the next 14 days", None),
            Some((start, end)) if start <= now => line("next shift", Pass, format!("on call now, until {}", clock(end)), None),
            Some((start, _)) if f.quiet_holds_pages && f.paused_until.flatten().is_some_and(|u| u > start) => line(
                "next shift",
                Fail,
                format!("starts {} while notifications are paused, and pauses hold pages", clock(start)),
                Some("Resume notifications in the tray"),
            ),
            Some((start, _)) if f.quiet_holds_pages && f.quiet_hours.end_of(start).is_some() => line(
                "next shift",
                Fail,
                format!("starts {} inside quiet hours that hold pages", clock(start)),
                Some("turn quietHoldsPages off, or change quietHours"),
            ),
            Some((start, _)) => line("next shift", Pass, format!("starts {}; nothing above would hold it", clock(start)), None),
        });
    }
    out
}

/// My next (or current) shift among `mine`: the one that starts first and
/// has not ended. The window and the command line both judge by it.
pub fn next_shift(mine: &[MyShift], now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    mine.iter().filter(|m| m.end > now).map(|m| (m.start, m.end)).min()
}

/// A page would ring: no step fails.
pub fn rings(lines: &[Line]) -> bool {
    lines.iter().all(|l| l.verdict != Verdict::Fail)
}

/// One line per step, for a terminal or a support request.
pub fn render(lines: &[Line]) -> String {
    let mut out = String::new();
    for l in lines {
        let tag = match l.verdict {
            Verdict::Pass => "ok  ",
            Verdict::Warn => "warn",
            Verdict::Fail => "FAIL",
        };
        out.push_str(&format!("{tag}  {}: {}", l.step, l.detail));
        if let Some(fix) = &l.fix {
            out.push_str(&format!(" (fix: {fix})"));
        }
        out.push('\n');
    }
    out.push_str(if rings(lines) { "A page would ring.\n" } else { "A page would NOT ring: see FAIL above.\n" });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn good(now: DateTime<Utc>) -> Facts {
        Facts {
            session: Ok(Some(Signed {
                username: "ada".into(),
                tenant: "acme".into(),
                scope: "profile alert:w offline_access".into(),
                next_shift: Some((now + Duration::hours(3), now + Duration::hours(11))),
            })),
            notifications: Notifications::Server { name: "dunst".into(), capabilities: vec!["actions".into(), "body".into()] },
            sound: Sound::Output { name: "alsa_output.pci".into(), muted: false, volume_percent: Some(60) },
            alarm: AlarmRamp::Rising,
            dnd: Dnd::Off,
            quiet_hours: QuietHours::default(),
            quiet_holds_pages: false,
            start_at_login: Some(Ok("the entry starts /usr/bin/ilert-desktop".into())),
            tray_host: Some(true),
            other_alerts: OtherAlerts::Quiet,
            paused_until: Some(None),
            refresh: Some(Refresh {
                fresh_at: Some(now - Duration::seconds(10)),
                problem: None,
                every: std::time::Duration::from_secs(60),
                on_call_every: std::time::Duration::from_secs(15),
            }),
            test_page: Some(TestPage { acknowledged: Ok(std::time::Duration::from_secs(4)), sound: Ok("rec".into()) }),
        }
    }

    fn verdict_of(lines: &[Line], step: &str) -> Verdict {
        lines.iter().find(|l| l.step == step).unwrap_or_else(|| panic!("no {step}: {lines:?}")).verdict
    }

    #[test]
    fn all_in_place_rings() {
        let now = Utc::now();
        let lines = check(&good(now), now);
        assert!(rings(&lines), "{}", render(&lines));
        assert!(lines.iter().all(|l| l.verdict == Verdict::Pass), "{}", render(&lines));
        assert!(render(&lines).ends_with("A page would ring.\n"));
    }

    #[test]
    fn each_thing_that_stops_a_page_fails_with_its_fix() {
        let now = Utc::now();
        type Change = Box<dyn Fn(&mut Facts)>;
        let cases: Vec<(&str, Change)> = vec![
            ("signed in", Box::new(|f| f.session = Ok(None))),
            ("signed in", Box::new(|f| f.session = Err("the keyring is locked".into()))),
            ("alerts", Box::new(|f| f.session.as_mut().unwrap().as_mut().unwrap().scope = "profile schedule".into())),
            ("notifications", Box::new(|f| f.notifications = Notifications::Missing("no server".into()))),
            ("alarm", Box::new(|f| f.alarm = AlarmRamp::Off)),
            ("alarm", Box::new(|f| f.sound = Sound::Output { name: "x".into(), muted: true, volume_percent: Some(50) })),
            ("alarm", Box::new(|f| f.sound = Sound::Missing)),
            ("start at login", Box::new(|f| f.start_at_login = Some(Err("the entry runs /gone/ilert-desktop, which is not there".into())))),
            ("refresh", Box::new(move |f| f.refresh.as_mut().unwrap().fresh_at = Some(now - Duration::minutes(20)))),
            (
                "refresh",
                Box::new(|f| {
                    let r = f.refresh.as_mut().unwrap();
                    (r.fresh_at, r.problem) = (None, Some("ilert did not answer within 10 s".into()));
                }),
            ),
            ("test notification", Box::new(|f| f.test_page.as_mut().unwrap().acknowledged = Err("not acknowledged within 60 s".into()))),
            ("test alarm", Box::new(|f| f.test_page.as_mut().unwrap().sound = Err("no sound output".into()))),
            (
                "paused",
                Box::new(move |f| {
                    f.paused_until = Some(Some(now + Duration::hours(1)));
                    f.quiet_holds_pages = true;
                }),
            ),
        ];
        for (step, change) in cases {
            let mut f = good(now);
            change(&mut f);
            let lines = check(&f, now);
            assert_eq!(verdict_of(&lines, step), Verdict::Fail, "{}", render(&lines));
            assert!(lines.iter().find(|l| l.step == step).unwrap().fix.is_some(), "a fix for {step}");
            assert!(!rings(&lines));
        }
    }

    #[test]
    fn quiet_hours_fail_only_when_they_hold_pages_and_the_next_shift_is_checked_against_them() {
        let now = Utc::now();
        let mut f = good(now);
        f.quiet_hours = "Mon-Sun 00:00-24:00".parse().unwrap();
        assert_eq!(verdict_of(&check(&f, now), "quiet hours"), Verdict::Pass, "pages ring through");
        f.quiet_holds_pages = true;
        let lines = check(&f, now);
        assert_eq!(verdict_of(&lines, "quiet hours"), Verdict::Fail);
        assert_eq!(verdict_of(&lines, "next shift"), Verdict::Fail, "the shift starts inside them");
    }

    #[test]
    fn what_only_warns_still_rings() {
        let now = Utc::now();
        let mut f = good(now);
        f.dnd = Dnd::Unknown;
        f.start_at_login = None;
        f.tray_host = Some(false);
        f.sound = Sound::Unknown;
        f.session.as_mut().unwrap().as_mut().unwrap().scope = "profile alert".into();
        f.other_alerts = OtherAlerts::Off;
        f.paused_until = Some(Some(now + Duration::hours(1)));
        f.refresh.as_mut().unwrap().fresh_at = None;
        let lines = check(&f, now);
        assert!(rings(&lines), "{}", render(&lines));
        assert_eq!(lines.iter().filter(|l| l.verdict == Verdict::Warn).count(), 8, "{}", render(&lines));
    }

    #[test]
    fn a_pause_that_holds_pages_and_outlasts_the_next_shift_fails_it() {
        let now = Utc::now();
        let mut f = good(now);
        f.quiet_holds_pages = true;
        f.paused_until = Some(Some(now + Duration::hours(1)));
        assert_eq!(verdict_of(&check(&f, now), "next shift"), Verdict::Pass, "the pause ends before the shift (in 3 h)");
        f.paused_until = Some(Some(now + Duration::hours(4)));
        assert_eq!(verdict_of(&check(&f, now), "next shift"), Verdict::Fail);
    }

    #[test]
    fn the_next_shift_is_the_first_not_ended() {
        let now = Utc::now();
        let shift = |from: i64, to: i64| MyShift {
            schedule: None,
            schedule_id: None,
            policies: vec![],
            start: now + Duration::hours(from),
            end: now + Duration::hours(to),
            current: from <= 0,
        };
        let mine = [shift(-20, -8), shift(30, 42), shift(-2, 10)];
        assert_eq!(next_shift(&mine, now), Some((now - Duration::hours(2), now + Duration::hours(10))), "the current one, not the past");
        assert_eq!(next_shift(&mine[..2], now), Some((now + Duration::hours(30), now + Duration::hours(42))));
        assert_eq!(next_shift(&mine[..1], now), None);
    }

    #[test]
    fn what_the_command_line_cannot_know_is_left_out_not_guessed() {
        let now = Utc::now();
        let mut f = good(now);
        (f.refresh, f.paused_until, f.test_page) = (None, None, None);
        let steps: Vec<String> = check(&f, now).into_iter().map(|l| l.step).collect();
        for absent in ["refresh", "paused", "test notification", "test alarm"] {
            assert!(!steps.iter().any(|s| s == absent), "{absent} in {steps:?}");
        }
        let report = Report::of(&good(now), now);
        assert!(report.rings && report.text.contains("ok    test notification: shown and acknowledged after 4 s"), "{}", report.text);
        assert!(report.text.contains("ok    refresh: last complete round 10 s ago; every 15 s while on call, 60 s otherwise"));
    }
}
