//! One module per ilert resource: its typed model (following ilert's
//! `openapi.json`; unknown fields ignored, optional ones optional) and the
//! calls on [`crate::Client`] that fetch it.

pub mod alert_sources;
pub mod alerts;
pub mod escalation_policies;
pub mod maintenance_windows;
pub mod on_calls;
pub mod schedules;
pub mod teams;
pub mod users;
