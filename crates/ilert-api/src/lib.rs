//! A typed client for the parts of ilert's REST API that ilert-desktop shows,
//! as the signed-in user of an [`ilert_oauth::Session`].
//!
//! # Layout
//! - [`client`]: bearer token, one refresh on 401 (and 403 `KEY_ERROR`),
//!   retries with backoff and jitter on 502/503/504, a time budget per call,
//!   offset paging that skips and counts entries it cannot read.
//! - [`rate`]: the gate that waits after a 429 (Retry-After, else 5 s and growing).
//! - [`lenient`]: reading what ilert's description leaves optional (`null`, `1.0`).
//! - [`api`]: one module per resource (`users`, `on_calls`, `schedules`,
//!   `escalation_policies`, `alert_sources`, `alerts`, `teams`).
//! - [`error`], [`retry`], [`scope`].

pub mod api;
pub mod client;
pub mod error;
pub mod lenient;
mod open_enum;
pub mod rate;
pub mod retry;
pub mod scope;

pub use client::Client;
pub use error::ApiError;
pub use retry::RetryPolicy;
