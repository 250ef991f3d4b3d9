//! One frame: what every surface shows at one moment, built from every
//! input at once (the snapshot, quiet and the alarm, Do Not Disturb, the
//! update state, the settings). The app's loop ([`crate::App::run`])
//! publishes a new one when an input changes and it differs from the last,
//! and the glue only draws it: the tray, the alarm, the window, and the
//! OS's own copy of a setting.

use std::sync::Arc;

use crate::handover::Handover;
use crate::notify::alarm::AlarmRamp;
use crate::pager::Cover;
use crate::updates::UpdateView;
use crate::view::Snapshot;

use super::menu::{tray_menu, Entry};
use super::tray::{Quietness, TrayState, TrayView};

#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub tray: TrayFrame,
    pub alarm: AlarmFrame,
    pub window: WindowFrame,
    /// The start-at-login entry the OS keeps (a setting; the OS holds the copy that counts).
    pub start_at_login: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayFrame {
    /// Its badge (and, in a macOS menu bar, its template dot).
    pub state: TrayState,
    /// Beside the icon where the desktop shows one; empty: none.
    pub label: String,
    pub tooltip: String,
    pub menu: Vec<Entry>,
}

/// Silent while no page rings; else the pages ringing and how loud each round is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmFrame {
    pub ringing: Vec<i64>,
    pub ramp: AlarmRamp,
}

/// What the window is sent, whole, each time any of it changes (one event,
/// `window`), and what it asks for when it opens (`window_frame`).
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct WindowFrame {
    /// `None`: signed out.
    #[cfg_attr(test, ts(as = "Option<Snapshot>"))]
    pub snapshot: Option<Arc<Snapshot>>,
    pub update: UpdateView,
    /// The pages whose alarm rings (the window offers to silence it).
    pub ringing: Vec<i64>,
    /// My shift ended with alerts of mine open: the window offers the same
    /// choice as the notification.
    pub handover: Option<Handover>,
}

/// A snapshot is the same when it is the same publication: each one the
/// engine publishes is new to the window (it carries its own `seq`), and
/// comparing by pointer costs nothing however large the lists are.
impl PartialEq for WindowFrame {
    fn eq(&self, other: &WindowFrame) -> bool {
        let same = match (&self.snapshot, &other.snapshot) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        same && self.update == other.update && self.ringing == other.ringing && self.handover == other.handover
    }
}

/// What a frame is built from.
pub struct Inputs<'a> {
    pub snapshot: Option<&'a Arc<Snapshot>>,
    /// The engine's pace: data older than a few rounds is stale.
    pub interval: std::time::Duration,
    pub quiet: Quietness,
    pub ringing: Vec<i64>,
    pub update: UpdateView,
    pub ramp: AlarmRamp,
    pub start_at_login: bool,
    /// The cover I took that runs now, if any (the tray says whom for).
    pub covering: Option<Cover>,
    /// The hand-over waiting for an answer.
    pub handover: Option<Handover>,
}

impl Frame {
    pub fn of(inputs: Inputs<'_>) -> Frame {
        let view = TrayView::now(inputs.snapshot.map(Arc::as_ref), inputs.interval, inputs.quiet, inputs.covering.as_ref());
        let menu = tray_menu(&view, &inputs.update);
        Frame {
            tray: TrayFrame { state: view.state, label: view.label, tooltip: view.tooltip, menu },
            alarm: AlarmFrame { ringing: inputs.ringing.clone(), ramp: inputs.ramp },
            window: WindowFrame {
                snapshot: inputs.snapshot.cloned(),
                update: inputs.update,
                ringing: inputs.ringing,
                handover: inputs.handover,
            },
            start_at_login: inputs.start_at_login,
        }
    }

    /// Before the first input is read: signed out, silent.
    pub fn empty() -> Frame {
        Frame::of(Inputs {
            snapshot: None,
            interval: std::time::Duration::from_secs(60),
            quiet: Quietness::default(),
            ringing: Vec::new(),
            update: UpdateView::None,
            ramp: AlarmRamp::default(),
            start_at_login: false,
            covering: None,
            handover: None,
        })
    }
}
