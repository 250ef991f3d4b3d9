//! The window's On call panel: who is on call per policy (from on-calls)
//! and each schedule's current and next shift, joined into one panel here
//! so no surface joins them again.

use serde::Serialize;

use super::dashboard::{OnCallNow, Panel, ScheduleNow};

/// Either half may be missing when its request failed or its scope was not
/// granted; `partial_error` then says why.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct OnCallBoard {
    pub on_call: Option<OnCallNow>,
    pub schedules: Option<Vec<ScheduleNow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub partial_error: Option<String>,
    /// No policy, no shift of mine, no schedule: the panel says so (decided
    /// here, not again by the window).
    pub empty: bool,
}

impl OnCallBoard {
    pub fn new(on_call: Option<OnCallNow>, schedules: Option<Vec<ScheduleNow>>, partial_error: Option<String>) -> OnCallBoard {
        let empty = !(on_call.as_ref().is_some_and(|o| !o.policies.is_empty() || !o.my_shifts.is_empty())
            || schedules.as_ref().is_some_and(|s| !s.is_empty()));
        OnCallBoard { on_call, schedules, partial_error, empty }
    }

    pub fn is_empty(&self) -> bool {
        self.empty
    }
}

/// One half ready is enough to show; the other half's failure is named.
/// Neither ready: the first error, else the on-call half's state.
pub fn join(on_call: &Panel<OnCallNow>, schedules: &Panel<Vec<ScheduleNow>>) -> Panel<OnCallBoard> {
    let ready = |p: &Panel<OnCallNow>| p.data().cloned();
    let (oc, sc) = (ready(on_call), schedules.data().cloned());
    if oc.is_some() || sc.is_some() {
        let partial_error = [error_of(on_call), error_of(schedules)].into_iter().flatten().next();
        return Panel::Ready {
            data: OnCallBoard::new(oc, sc, partial_error),
            unreadable: unreadable_of(on_call) + unreadable_of(schedules),
        };
    }
    match (on_call, schedules) {
        (Panel::Error { kind, message, .. }, _) | (_, Panel::Error { kind, message, .. }) => {
            Panel::Error { kind: *kind, message: message.clone(), last: None }
        }
        (Panel::NotGranted { scope, message }, _) => Panel::NotGranted { scope: scope.clone(), message: message.clone() },
        _ => Panel::Loading,
    }
}

fn unreadable_of<T>(p: &Panel<T>) -> usize {
    match p {
        Panel::Ready { unreadable, .. } => *unreadable,
        _ => 0,
    }
}

fn error_of<T>(p: &Panel<T>) -> Option<String> {
    match p {
        Panel::Error { message, .. } => Some(message.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn failed<T>() -> Panel<T> {
        Panel::Error { kind: ErrorKind::Unavailable, message: "ilert is unavailable".into(), last: None }
    }

    #[test]
    fn one_half_is_shown_with_the_others_error() {
        let schedules = Panel::Ready { data: vec![], unreadable: 2 };
        let Panel::Ready { data, unreadable } = join(&failed(), &schedules) else { panic!() };
        assert_eq!(data.partial_error.as_deref(), Some("ilert is unavailable"));
        assert!(data.on_call.is_none() && data.schedules.is_some() && data.is_empty());
        assert_eq!(unreadable, 2);
    }

    #[test]
    fn both_failing_is_an_error_and_not_granted_stays_so() {
        assert!(matches!(join(&failed(), &failed()), Panel::Error { kind: ErrorKind::Unavailable, .. }));
        fn ng<T>() -> Panel<T> {
            Panel::NotGranted { scope: "schedule".into(), message: "m".into() }
        }
        assert!(matches!(join(&ng(), &ng()), Panel::NotGranted { .. }));
    }
}
