//! The app core of ilert Desktop, in plain Rust (no Tauri, no display):
//! what the window, the command line, the tray and the notifications do, over the
//! OAuth and REST crates.
//!
//! # Layout
//! - [`settings`]: every setting, declared once (file, flags, environment,
//!   locked fields), the profiles, and the settings file shared with the CLI.
//! - [`sign_in`]: one sign-in from click or `login` to a remembered session.
//! - [`actions`]: accept and resolve, shown at once, confirmed by ilert.
//! - [`maintenance`]: a source quieted for a deploy, the same way.
//! - [`accounts`]: the signed-in accounts, keyed by account, with restore and sign-out.
//! - [`engine`]: one refresh task per account, publishing [`view::Snapshot`]s.
//! - [`demo`]: the embedded sandbox of demo mode.
//! - [`view`]: the model: the snapshot (panels, the on-call board, my open
//!   alerts, the session) and what is read on request.
//! - [`notify`]: what to tell the person from each snapshot, once (the
//!   persisted seen-set per account), reminders, pause, the alarm's pages.
//! - [`surface`]: what each surface shows, projected from the model: the
//!   tray and its menu as data, the window's questions, and the one
//!   [`surface::Frame`] that holds them all.
//! - [`intent`]: everything a person can ask from any surface, and its id.
//! - [`app`]: the parts put together; its loop turns every input into a
//!   frame and every notice into the outbox, and [`App::handle`] runs an intent.
//! - [`private_file`]: files only this user reads, written whole (a leaf).
//! - [`error`]: the one error type, and its `{kind, message}` form across IPC.
//! - [`links`]: which alert an `ilert-desktop://` link or a pasted ilert URL names.
//! - [`updates`]: when to look for a new version, and what is said about it.
//! - [`logging`]: tracing to stderr and to a capped, rotated log file.
//! - [`autostart`]: the start-at-login command, quoted as each desktop reads it.
//!
//! # The one rule
//! Imports run one way, down this list: `app` and `doctor` → `surface` →
//! `accounts`, `sign_in` → `demo` → `settings` → `intent` → `notify` →
//! `actions`, `maintenance` → `engine` → `view` → `error`, `private_file`; `updates`,
//! `links`, `logging` and `autostart` import nothing of the crate. So the
//! settings are read on top and handed down as each part's config, and the
//! model knows nothing of what shows it. `tests/layers.rs` fails on any
//! import circle.

pub mod accounts;
pub mod actions;
pub mod app;
pub mod autostart;
pub mod demo;
pub mod doctor;
pub mod engine;
pub mod error;
pub mod handover;
pub mod help;
pub mod intent;
pub mod links;
pub mod logging;
pub mod maintenance;
pub mod notify;
pub mod pager;
pub mod private_file;
pub mod settings;
pub mod sign_in;
pub mod surface;
pub mod updates;
pub mod view;

pub use app::App;
pub use error::{AppError, ErrorKind, IpcError};
pub use intent::{Effect, Intent};
pub use settings::Settings;
