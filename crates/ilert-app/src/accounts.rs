//! The signed-in accounts, keyed by account, each with its API client and
//! its refresh engine; and restoring and ending a session, the same for the
//! window and the command line.
//!
//! One account is current (the one the window shows); the settings file
//! remembers one, so a new sign-in replaces the current one today. The
//! registry is keyed so a second account is an addition, not a rewrite.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use ilert_api::Client;
use ilert_oauth::token_store::TokenStore;
use ilert_oauth::Session;
use serde::Serialize;
use tokio::sync::watch;

use crate::engine::Engine;
use crate::error::AppError;
use crate::settings::Settings;
use crate::view::Snapshot;

/// One signed-in account.
pub struct SignedIn {
    pub client: Client,
    pub demo: bool,
    pub engine: Engine,
}

impl SignedIn {
    pub fn session(&self) -> &Arc<Session> {
        self.client.session()
    }
}

/// The registry, and the current account's snapshots for every subscriber.
pub struct Accounts {
    entries: RwLock<BTreeMap<String, Arc<SignedIn>>>,
    current: RwLock<Option<String>>,
    snapshots: watch::Sender<Option<Arc<Snapshot>>>,
    forward: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Default for Accounts {
    fn default() -> Self {
        Accounts {
            entries: Default::default(),
            current: Default::default(),
            snapshots: watch::Sender::new(None),
            forward: Default::default(),
        }
    }
}

impl Accounts {
    /// The current account, if signed in.
    pub fn current(&self) -> Option<Arc<SignedIn>> {
        let key = self.current.read().unwrap_or_else(|e| e.into_inner()).clone()?;
        self.entries.read().unwrap_or_else(|e| e.into_inner()).get(&key).cloned()
    }

    /// Adds an account and makes it current; returns the one it replaces.
    pub fn insert(&self, signed: SignedIn) -> Option<Arc<SignedIn>> {
        let key = signed.session().account().key();
        let mut rx = signed.engine.subscribe();
        // Replaced without telling subscribers "signed out" in between.
        let replaced = self.take_current();
        self.entries.write().unwrap_or_else(|e| e.into_inner()).insert(key.clone(), Arc::new(signed));
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(key);
        // Forward this account's snapshots to the subscribers of "current".
        let tx = self.snapshots.clone();
        tx.send_replace(Some(rx.borrow_and_update().clone()));
        let task = tokio::spawn(async move {
            while rx.changed().await.is_ok() {
                let latest = rx.borrow_and_update().clone();
                tx.send_replace(Some(latest));
            }
        });
        if let Some(old) = self.forward.lock().unwrap_or_else(|e| e.into_inner()).replace(task) {
            old.abort();
        }
        replaced
    }

    /// Removes the current account (its engine stops when the last handle
    /// goes) and tells the subscribers: signed out.
    pub fn remove_current(&self) -> Option<Arc<SignedIn>> {
        let removed = self.take_current()?;
        self.snapshots.send_replace(None);
        Some(removed)
    }

    fn take_current(&self) -> Option<Arc<SignedIn>> {
        let key = self.current.write().unwrap_or_else(|e| e.into_inner()).take()?;
        if let Some(task) = self.forward.lock().unwrap_or_else(|e| e.into_inner()).take() {
            task.abort();
        }
        self.entries.write().unwrap_or_else(|e| e.into_inner()).remove(&key)
    }

    /// The current account's snapshots: `None` while signed out.
    pub fn snapshots(&self) -> watch::Receiver<Option<Arc<Snapshot>>> {
        self.snapshots.subscribe()
    }
}

/// The stored session of the account the settings remember, if any.
/// `Ok(None)`: nobody is remembered, or nothing is stored.
pub async fn restore(settings: &Settings, http: reqwest::Client, store: Arc<dyn TokenStore>) -> Result<Option<Session>, AppError> {
    let Some(account) = &settings.account else { return Ok(None) };
    let config = settings.oauth_config()?;
    Ok(Session::restore_configured(&config, account, http, store).await?)
}

/// How a sign-out went, in words for the person (window and command line alike).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct SignedOut {
    /// Whether ilert confirmed the revocation.
    pub revoked: bool,
    pub message: String,
}

impl SignedOut {
    pub fn not_signed_in() -> SignedOut {
        SignedOut { revoked: false, message: "Not signed in.".into() }
    }
}

/// Revokes at ilert and forgets locally (`forget`: the account in the
/// settings); the local part always happens, whatever ilert answers.
pub async fn sign_out(session: &Session, forget: impl FnOnce() -> Result<(), AppError>) -> Result<SignedOut, AppError> {
    let out = session.sign_out().await;
    forget()?;
    out.store?;
    Ok(match out.revoke {
        Ok(()) => SignedOut { revoked: true, message: "Signed out. The session was revoked at ilert.".into() },
        Err(e) => SignedOut {
            revoked: false,
            message: format!("Signed out on this computer, but ilert could not be told ({e}). The token was deleted here."),
        },
    })
}
