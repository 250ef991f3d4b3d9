//! The app's one loop: every change of an input (a snapshot, quiet starting
//! or ending, the update state, the settings, Do Not Disturb, the result of
//! an intent) becomes one [`Frame`], published when it differs from the last;
//! every notice goes on one outbox, in order, none lost. The glue subscribes
//! once to each and only draws.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::{mpsc, watch, Notify};

use super::App;
use crate::notify::{Notice, NoticeKind};
use crate::surface::frame::{Frame, Inputs};
use crate::surface::{Dnd, Quietness};
use crate::updates::Refusal;

/// The loop's ends: the frame everyone reads, the outbox the glue empties.
pub(super) struct Surfaces {
    frames: watch::Sender<Arc<Frame>>,
    outbox: mpsc::UnboundedSender<Notice>,
    outbox_rx: Mutex<Option<mpsc::UnboundedReceiver<Notice>>>,
    redraw: Notify,
    /// How Do Not Disturb is read where the desktop announces no change
    /// (GNOME, Windows): when a frame is built. The glue installs it.
    dnd: RwLock<fn() -> Dnd>,
    running: AtomicBool,
    /// Frames built (published or not) and published, for the tests and the bench.
    built: AtomicU64,
    published: AtomicU64,
}

impl Default for Surfaces {
    fn default() -> Surfaces {
        let (outbox, rx) = mpsc::unbounded_channel();
        Surfaces {
            frames: watch::Sender::new(Arc::new(Frame::empty())),
            outbox,
            outbox_rx: Mutex::new(Some(rx)),
            redraw: Notify::new(),
            dnd: RwLock::new(|| Dnd::Off),
            running: AtomicBool::new(false),
            built: AtomicU64::new(0),
            published: AtomicU64::new(0),
        }
    }
}

impl App {
    /// Every frame, as it is published (the latest at once).
    pub fn frames(&self) -> watch::Receiver<Arc<Frame>> {
        self.surfaces.frames.subscribe()
    }

    /// The notices to show, in order; one receiver, taken by the one
    /// subscriber (`None` once taken). Unbounded: a burst is never dropped,
    /// and a slow consumer never holds up the loop or an intent.
    pub fn take_outbox(&self) -> Option<mpsc::UnboundedReceiver<Notice>> {
        self.surfaces.outbox_rx.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// Notices onto the outbox.
    pub fn tell(&self, notices: Vec<Notice>) {
        for n in notices {
            if self.surfaces.outbox.send(n).is_err() {
                tracing::warn!("nobody shows notices any more; one is dropped");
            }
        }
    }

    /// The window was closed and the app goes on in the tray: said once per
    /// profile, ever (a marker beside the settings file).
    pub fn window_closed_to_tray(&self) {
        let marker = self.settings.path().with_file_name("told-close-to-tray");
        if marker.exists() {
            return;
        }
        if let Err(e) = crate::private_file::write(&marker, b"") {
            tracing::warn!(error = %e, "cannot remember having said so");
        }
        self.tell(vec![Notice {
            kind: NoticeKind::Info,
            title: "ilert Desktop is still running".into(),
            body: "It keeps watching in the tray. Quit it from the tray's menu.".into(),
            page: false,
        }]);
    }

    /// An update was not installed: the window and the tray say why, and so
    /// does a notification (Install may have been pressed in the tray).
    pub fn update_refused(&self, version: &str, why: &Refusal) {
        self.updates.refused(version, why);
        let body = why.message(version);
        self.tell(vec![Notice { kind: NoticeKind::Info, title: "Update not installed".into(), body, page: false }]);
    }

    /// An input the core does not follow itself changed (Do Not Disturb,
    /// announced by the desktop): the loop builds a new frame.
    pub fn redraw(&self) {
        self.surfaces.redraw.notify_one();
    }

    /// How to read the desktop's Do Not Disturb, read at each frame.
    pub fn read_dnd_with(&self, read: fn() -> Dnd) {
        *self.surfaces.dnd.write().unwrap_or_else(|e| e.into_inner()) = read;
        self.redraw();
    }

    /// What every surface shows now.
    pub fn frame(&self) -> Frame {
        let ringing = self.ringing();
        let settings = self.settings.current();
        let dnd = (self.surfaces.dnd.read().unwrap_or_else(|e| e.into_inner()))();
        let snapshot = self.snapshot();
        Frame::of(Inputs {
            snapshot: snapshot.as_ref(),
            interval: settings.engine(self.engine).interval,
            quiet: Quietness { quiet: self.quiet(), ringing: !ringing.is_empty(), dnd },
            ringing,
            update: self.updates.view(),
            ramp: settings.alarm.unwrap_or_default(),
            start_at_login: settings.start_at_login.unwrap_or(false),
            covering: self.covering(),
            handover: self.pending_handover(),
        })
    }

    /// (frames built, frames published) since the start.
    pub fn frame_counts(&self) -> (u64, u64) {
        (self.surfaces.built.load(Ordering::Relaxed), self.surfaces.published.load(Ordering::Relaxed))
    }

    fn publish(&self) {
        let frame = self.frame();
        self.surfaces.built.fetch_add(1, Ordering::Relaxed);
        let sent = self.surfaces.frames.send_if_modified(|last| {
            let differs = **last != frame;
            if differs {
                *last = Arc::new(frame);
            }
            differs
        });
        if sent {
            self.surfaces.published.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The loop, for as long as the app runs (started once; a second call
    /// returns at once). The notifier reads each snapshot exactly once, here.
    pub async fn run(&self) {
        if self.surfaces.running.swap(true, Ordering::SeqCst) {
            tracing::warn!("the app's loop runs already");
            return;
        }
        let mut snapshots = self.snapshots();
        let mut updates = self.updates.subscribe();
        loop {
            self.publish();
            tokio::select! {
                changed = snapshots.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    let latest = snapshots.borrow_and_update().clone();
                    match latest {
                        Some(s) => {
                            let notices = self.notices(&s);
                            self.tell(notices);
                            if let Some(handover) = self.watch_handover(&s) {
                                self.tell(vec![handover]);
                            }
                        }
                        None => self.notifier().silence(),
                    }
                }
                // Quiet starting or ending by itself: what it held is summed up (a held page rings now).
                held = self.quiet_changed() => self.tell(held),
                // A cover of mine five minutes from its end.
                ending = self.cover_ending() => self.tell(ending),
                changed = updates.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    updates.borrow_and_update();
                }
                () = self.surfaces.redraw.notified() => {}
            }
        }
    }
}
