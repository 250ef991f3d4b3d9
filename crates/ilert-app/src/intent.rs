//! Everything a person can ask of the app, from any surface: the tray's
//! items, a notification's buttons, a link, the window. One enum, so a new
//! action is one variant; one id codec ([`Intent::id`] / [`Intent::from_id`]),
//! so a menu item, a button and a link all name an action the same way.
//!
//! The ids cross process boundaries (the tray's menu is a D-Bus protocol, a
//! notification's action an id the server reports back), so any program of
//! the session can send any string: an id that does not parse is refused
//! ([`Intent::from_id`] says why in the log) and does nothing. What is
//! irreversible (resolve, sign out, install) is an intent to *ask*: the
//! window asks, and only the person's yes there goes ahead.

use crate::notify::PauseFor;
use crate::pager::TakeFor;

/// Which scope a "Grant access" item asks for on top of the configured ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// `alert`: the alerts panel and the tray's alert lines.
    Alerts,
    /// `alert:w`: Accept and Resolve.
    AlertWrite,
}

impl Grant {
    pub fn scope(self) -> &'static str {
        match self {
            Grant::Alerts => "alert",
            Grant::AlertWrite => crate::actions::WRITE_SCOPE,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// The window, in front.
    Open,
    /// The window, at this alert.
    ShowAlert(i64),
    /// The alert's page in ilert's web app, in the system browser.
    OpenInIlert(i64),
    /// The window at "Will it ring?" (the test page is the person's own press there).
    WillItRing,
    Refresh,
    /// A sign-in through the browser that adds a scope.
    Grant(Grant),
    /// Accept at once: urgent, undone by the next person who acts.
    Accept(i64),
    /// Ask in the window, then resolve.
    AskResolve(i64),
    /// Resolve at once: a notification's own button, which only the
    /// notification server can report (see `notify::toast`).
    Resolve(i64),
    /// Hand the alert to the person it escalates to next, who must still
    /// be `user` when it runs (the menu named them; nobody else is sent).
    ReassignToNext {
        alert: i64,
        user: i64,
    },
    /// Cover for whoever is on call on this schedule now, for this long.
    TakePager {
        schedule: i64,
        length: TakeFor,
    },
    /// The hand-over at my shift's end: my open alerts to this user, who
    /// must be the one it named (see [`crate::handover`]).
    HandOver {
        to: i64,
    },
    /// The hand-over at my shift's end: I keep them.
    KeepAlerts,
    /// Ask in the window, then sign out.
    AskSignOut,
    Pause(PauseFor),
    Resume,
    /// The alarm stops; the pages stay unanswered.
    Silence,
    /// Ask in the window, then install the version offered.
    AskInstallUpdate,
    /// The offer out of sight until the next check.
    UpdateLater,
    /// The installed version starts in place of this one.
    Restart,
    Quit,
}

/// What is left of an intent once the core has done its part: what only
/// the OS or the window can do ([`crate::App::handle`] returns it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// The window in front (built if it was closed), at this alert.
    ShowWindow(Option<i64>),
    /// The window at "Will it ring?", which runs at once.
    ShowCheck,
    /// A question waits ([`crate::App::take_question`]): the window opens and asks.
    Ask,
    /// A sign-in through the system browser that adds this scope.
    SignIn {
        add_scope: &'static str,
    },
    /// A page of ilert's web app, in the system browser.
    OpenUrl(String),
    /// The installed version in place of this one.
    Restart,
    Exit,
}

/// Ids of the intents without an argument, in one table both ways.
const PLAIN: [(&str, Intent); 13] = [
    ("open", Intent::Open),
    ("will-it-ring", Intent::WillItRing),
    ("refresh", Intent::Refresh),
    ("grant-alerts", Intent::Grant(Grant::Alerts)),
    ("grant-alert-write", Intent::Grant(Grant::AlertWrite)),
    ("sign-out", Intent::AskSignOut),
    ("resume", Intent::Resume),
    ("silence", Intent::Silence),
    ("update-install", Intent::AskInstallUpdate),
    ("update-later", Intent::UpdateLater),
    ("update-restart", Intent::Restart),
    ("quit", Intent::Quit),
    ("keep-alerts", Intent::KeepAlerts),
];

/// `hand-over-to-USER`.
const HAND_OVER: &str = "hand-over-to-";

/// Makes an intent on one alert.
type OnAlert = fn(i64) -> Intent;

/// Prefixes of the intents on one alert: `PREFIX` + the alert's id.
const ON_ALERT: [(&str, OnAlert); 5] = [
    ("show-", Intent::ShowAlert),
    ("open-in-ilert-", Intent::OpenInIlert),
    ("accept-", Intent::Accept),
    ("resolve-", Intent::AskResolve),
    ("resolve-now-", Intent::Resolve),
];

/// `pause-N`: N indexes [`PauseFor::ALL`].
const PAUSE: &str = "pause-";

/// `reassign-ALERT-to-USER`.
const REASSIGN: (&str, &str) = ("reassign-", "-to-");

/// `take-pager-SCHEDULE-N`: N indexes [`TakeFor::ALL`].
const TAKE_PAGER: &str = "take-pager-";

/// An id that names no intent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{id}' names no action of ilert Desktop")]
pub struct UnknownIntent {
    pub id: String,
}

impl Intent {
    /// The id a menu item, a button or a link carries.
    pub fn id(self) -> String {
        if let Some((id, _)) = PLAIN.iter().find(|(_, i)| *i == self) {
            return (*id).to_string();
        }
        if let Intent::Pause(p) = self {
            return format!("{PAUSE}{}", PauseFor::ALL.iter().position(|x| *x == p).expect("every pause is in ALL"));
        }
        if let Intent::ReassignToNext { alert, user } = self {
            return format!("{}{alert}{}{user}", REASSIGN.0, REASSIGN.1);
        }
        if let Intent::HandOver { to } = self {
            return format!("{HAND_OVER}{to}");
        }
        if let Intent::TakePager { schedule, length } = self {
            return format!("{TAKE_PAGER}{schedule}-{}", TakeFor::ALL.iter().position(|x| *x == length).expect("every length is in ALL"));
        }
        // An intent on one alert: the prefix is the one `ON_ALERT` pairs with its constructor.
        let alert = self.alert().unwrap_or_else(|| unreachable!("{self:?} is plain, a pause or on an alert"));
        let (prefix, _) = ON_ALERT.iter().find(|(_, make)| make(alert) == self).expect("every intent on an alert is in ON_ALERT");
        format!("{prefix}{alert}")
    }

    /// The alert this intent is about, if it is about one.
    pub fn alert(self) -> Option<i64> {
        match self {
            Intent::ShowAlert(id) | Intent::OpenInIlert(id) | Intent::Accept(id) | Intent::AskResolve(id) | Intent::Resolve(id) => Some(id),
            Intent::ReassignToNext { alert, .. } => Some(alert),
            _ => None,
        }
    }

    /// The intent `id` names. Exact: no whitespace, no sign, no leading
    /// zeros, nothing after the number, so each intent has one id.
    pub fn from_id(id: &str) -> Result<Intent, UnknownIntent> {
        let unknown = || UnknownIntent { id: id.chars().take(80).collect() };
        if let Some((_, intent)) = PLAIN.iter().find(|(p, _)| *p == id) {
            return Ok(*intent);
        }
        let number = |digits: &str| -> Option<u64> {
            let canonical = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && (digits == "0" || !digits.starts_with('0'));
            canonical.then(|| digits.parse().ok()).flatten()
        };
        if let Some(n) = id.strip_prefix(PAUSE).and_then(number) {
            return PauseFor::ALL.get(n as usize).map(|p| Intent::Pause(*p)).ok_or_else(unknown);
        }
        if let Some((alert, user)) = id.strip_prefix(REASSIGN.0).and_then(|rest| rest.split_once(REASSIGN.1)) {
            let id = |digits| number(digits).and_then(|n| i64::try_from(n).ok());
            return id(alert).zip(id(user)).map(|(alert, user)| Intent::ReassignToNext { alert, user }).ok_or_else(unknown);
        }
        if let Some(to) = id.strip_prefix(HAND_OVER) {
            return number(to).and_then(|n| i64::try_from(n).ok()).map(|to| Intent::HandOver { to }).ok_or_else(unknown);
        }
        if let Some((schedule, n)) = id.strip_prefix(TAKE_PAGER).and_then(|rest| rest.split_once('-')) {
            let schedule = number(schedule).and_then(|n| i64::try_from(n).ok());
            let length = number(n).and_then(|n| TakeFor::ALL.get(usize::try_from(n).ok()?).copied());
            return schedule.zip(length).map(|(schedule, length)| Intent::TakePager { schedule, length }).ok_or_else(unknown);
        }
        // The longest prefix first: `resolve-now-7` is not `resolve-` + "now-7".
        let mut prefixes = ON_ALERT;
        prefixes.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        for (prefix, make) in prefixes {
            if let Some(rest) = id.strip_prefix(prefix) {
                return number(rest).and_then(|n| i64::try_from(n).ok()).map(make).ok_or_else(unknown);
            }
        }
        Err(unknown())
    }

    /// The intent `id` names, or `None` with a log line: what every surface
    /// does with an id another program may have sent.
    pub fn parse_logged(id: &str, from: &str) -> Option<Intent> {
        match Intent::from_id(id) {
            Ok(i) => Some(i),
            Err(e) => {
                tracing::warn!(from, error = %e, "an action that names nothing; ignored");
                None
            }
        }
    }

    /// Every intent, one of each kind with `alert` as its alert (for tests
    /// and for the list in the docs).
    pub fn examples(alert: i64) -> Vec<Intent> {
        let mut all: Vec<Intent> = PLAIN.iter().map(|(_, i)| *i).collect();
        all.extend(ON_ALERT.iter().map(|(_, make)| make(alert)));
        all.extend(PauseFor::ALL.iter().map(|p| Intent::Pause(*p)));
        all.push(Intent::ReassignToNext { alert, user: 2 });
        all.push(Intent::HandOver { to: alert });
        all.extend(TakeFor::ALL.iter().map(|length| Intent::TakePager { schedule: 3, length: *length }));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_intent_round_trips_through_its_id() {
        for alert in [0, 7, 1_234_567, i64::MAX] {
            for intent in Intent::examples(alert) {
                let id = intent.id();
                assert_eq!(Intent::from_id(&id), Ok(intent), "{id}");
            }
        }
        let ids: std::collections::BTreeSet<String> = Intent::examples(7).into_iter().map(Intent::id).collect();
        assert_eq!(ids.len(), Intent::examples(7).len(), "no two intents share an id: {ids:?}");
    }

    /// The ids the tray and the tests have always used stay as they were.
    #[test]
    fn the_tray_ids_are_the_ones_it_always_had() {
        assert_eq!(Intent::Accept(42).id(), "accept-42");
        assert_eq!(Intent::AskResolve(42).id(), "resolve-42");
        assert_eq!(Intent::ShowAlert(42).id(), "show-42");
        assert_eq!(Intent::Pause(PauseFor::Minutes15).id(), "pause-0");
        assert_eq!(Intent::Grant(Grant::AlertWrite).id(), "grant-alert-write");
        assert_eq!(Intent::AskInstallUpdate.id(), "update-install");
        assert_eq!(Intent::WillItRing.id(), "will-it-ring");
        assert_eq!(Intent::ReassignToNext { alert: 42, user: 3 }.id(), "reassign-42-to-3");
    }

    #[test]
    fn an_unknown_or_malformed_id_is_refused() {
        for bad in [
            "",
            "accept",
            "accept-",
            "accept-x",
            "accept--1",
            "accept-+1",
            "accept-01",
            "accept-1 ",
            " accept-1",
            "accept-1;quit",
            "accept-99999999999999999999",
            "pause-4",
            "pause-",
            "pause-00",
            "resolve-now-",
            "OPEN",
            "open ",
            "quit\n",
            "show-1e3",
            "delete-everything",
            "reassign-7",
            "reassign-7-to-",
            "reassign--to-2",
            "reassign-7-to-2-to-3",
            "reassign-07-to-2",
            "take-pager-3",
            "take-pager-3-3",
            "take-pager-3-1-1",
            "take-pager--1",
            "hand-over-to-",
            "hand-over-to-x",
        ] {
            assert!(Intent::from_id(bad).is_err(), "{bad:?} must be refused");
            assert_eq!(Intent::parse_logged(bad, "test"), None);
        }
        let long = "x".repeat(10_000);
        assert_eq!(Intent::from_id(&long).unwrap_err().id.len(), 80, "the log line stays short");
    }
}
