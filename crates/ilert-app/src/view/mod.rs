//! The model every surface reads: the snapshot the engine publishes (the
//! panels, the joined on-call board, my open alerts, the session) and the
//! reads made on request (an alert in full, my shifts ahead, the calendar
//! file). Sentences for people live here, not in the REST client; what each
//! surface makes of it is [`crate::surface`].

pub mod alert_detail;
pub mod alerts;
pub mod board;
pub mod calendar;
pub mod dashboard;
pub mod session;
pub mod snapshot;
pub mod timeline;

pub use alert_detail::AlertDetail;
pub use alerts::{AlertRow, NotifyAlerts, OpenAlerts};
pub use board::OnCallBoard;
pub use dashboard::{Panel, Round, Stale};
pub use session::SessionInfo;
pub use snapshot::Snapshot;
