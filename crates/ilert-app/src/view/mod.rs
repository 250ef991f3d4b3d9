//! What the window (and soon the tray) shows, built in Rust so every
//! surface reads the same thing: the panels, the joined on-call board, the
//! session, the app's configuration. Sentences for people live here, not in
//! the REST client.

pub mod alert_detail;
pub mod alerts;
pub mod app_info;
pub mod ask;
pub mod board;
pub mod calendar;
pub mod dashboard;
pub mod session;
pub mod snapshot;
pub mod timeline;
pub mod tray;
pub mod tray_icon;

pub use alert_detail::AlertDetail;
pub use alerts::{AlertRow, AlertScope, OpenAlerts};
pub use app_info::{AppInfo, Mode};
pub use ask::{Ask, Question};
pub use board::OnCallBoard;
pub use dashboard::{Dashboard, Panel, Stale};
pub use session::SessionInfo;
pub use snapshot::Snapshot;
pub use tray::{Dnd, Quietness, TrayState, TrayView};
