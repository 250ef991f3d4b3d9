//! The app core of ilert Desktop, in plain Rust (no Tauri, no display):
//! what the window, the command line, the tray and the notifications do, over the
//! OAuth and REST crates.
//!
//! # Layout
//! - [`settings`]: every setting, declared once (file, flags, environment,
//!   locked fields), the profiles, and the settings file shared with the CLI.
//! - [`sign_in`]: one sign-in from click or `login` to a remembered session.
//! - [`actions`]: accept and resolve, shown at once, confirmed by ilert.
//! - [`accounts`]: the signed-in accounts, keyed by account, with restore and sign-out.
//! - [`engine`]: one refresh task per account, publishing [`view::Snapshot`]s.
//! - [`demo`]: the embedded sandbox of demo mode.
//! - [`view`]: what every surface shows: panels, the on-call board, the
//!   open alerts, the session, the tray's state.
//! - [`notify`]: what to tell the person from each snapshot, once (the
//!   persisted seen-set per account), reminders, pause.
//! - [`app`]: the parts put together for the window.
//! - [`error`]: the one error type, and its `{kind, message}` form across IPC.
//! - [`links`]: which alert an `ilert-desktop://` link or a pasted ilert URL names.
//! - [`updates`]: when to look for a new version, and what is said about it.
//! - [`logging`]: tracing to stderr and to a capped, rotated log file.
//! - [`autostart`]: the start-at-login command, quoted as each desktop reads it.

pub mod accounts;
pub mod actions;
pub mod app;
pub mod autostart;
pub mod demo;
pub mod doctor;
pub mod engine;
pub mod error;
pub mod links;
pub mod logging;
pub mod notify;
pub mod settings;
pub mod sign_in;
pub mod updates;
pub mod view;

pub use app::App;
pub use error::{AppError, ErrorKind, IpcError};
pub use settings::Settings;
