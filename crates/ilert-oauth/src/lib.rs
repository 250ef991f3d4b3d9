//! The OAuth2 public-client sign-in to ilert, in plain Rust (no Tauri, no display).
//!
//! # Layout
//! - [`config`]: one ilert OAuth app (client id, endpoints, redirect URI,
//!   scopes) and the account a sign-in yields; the app decides where they come from.
//! - [`secret`]: token newtypes that print `[redacted]`.
//! - [`pkce`]: verifier, S256 challenge and `state`, from the OS CSPRNG.
//! - [`loopback`]: the temporary redirect receiver on 127.0.0.1 / `[::1]` (RFC 8252).
//! - [`endpoint`]: ilert's token, token_info and revoke endpoints and their error formats.
//! - [`token_store`]: the account's tokens in the OS keyring (or, when that is
//!   unavailable, in memory only, never on disk), shared by every process.
//! - [`account_lock`]: the per-account file lock that makes refresh single-flight across processes.
//! - [`clock`]: wall-clock expiry, which survives a laptop's sleep.
//! - [`session`]: the token lifecycle: proactive and on-401 refresh, single
//!   flight, ilert's one-refresh-per-5-minutes rule, sign-out with revoke.
//! - [`flow`]: one sign-in from start to a [`session::Session`].
//! - [`error`]: the one error type.
//!
//! # Security
//! No token, code, verifier or state is ever logged, displayed or put in an
//! error message; reaching a secret's text takes an explicit `expose()`.

pub mod account_lock;
pub mod clock;
pub mod config;
pub mod endpoint;
pub mod error;
pub mod flow;
pub mod loopback;
pub mod pkce;
pub mod secret;
pub mod session;
pub mod token_store;

pub use config::{Account, OAuthConfig};
pub use error::Error;
pub use flow::SignIn;
pub use secret::Secret;
pub use session::Session;
