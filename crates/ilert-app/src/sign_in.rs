//! One sign-in, from a click in the window or `ilert-desktop login` to a
//! stored, remembered session: the same steps for both, so they cannot drift.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ilert_oauth::loopback::CancelHandle;
use ilert_oauth::token_store::TokenStore;
use ilert_oauth::{Account, Error as OAuthError, OAuthConfig, Session, SignIn};
use serde::Serialize;

use crate::demo::Demo;
use crate::error::AppError;

/// Steps of a sign-in, for the person to follow.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(tag = "step", rename_all = "camelCase")]
pub enum Progress {
    /// The receiver listens; the person approves in the browser. The URL
    /// holds the PKCE challenge and `state`, never the verifier: it is safe
    /// to show for copying when no browser opened.
    #[serde(rename_all = "camelCase")]
    WaitingForBrowser { authorize_url: String, browser_opened: bool, demo: bool },
    /// The code was exchanged and the refresh token stored.
    SignedIn,
}

/// The sign-in waiting for the browser, if any: the window's Cancel and
/// the next sign-in (which needs its port) end it.
#[derive(Default)]
pub struct Pending(Mutex<Option<CancelHandle>>);

impl Pending {
    /// Cancels the waiting sign-in; `false` when none was waiting.
    pub fn cancel(&self) -> bool {
        match self.0.lock().unwrap_or_else(|e| e.into_inner()).take() {
            Some(c) => {
                c.cancel();
                true
            }
            None => false,
        }
    }

    fn set(&self, handle: CancelHandle) {
        if let Some(previous) = self.0.lock().unwrap_or_else(|e| e.into_inner()).replace(handle) {
            previous.cancel();
        }
    }

    /// Forgets `handle` if it is still the pending one (a newer sign-in may have replaced it).
    fn clear(&self, handle: &CancelHandle) {
        let mut pending = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if pending.as_ref().is_some_and(|p| p.same(handle)) {
            *pending = None;
        }
    }
}

/// What one sign-in needs.
pub struct Plan<'a> {
    pub config: OAuthConfig,
    pub store: Arc<dyn TokenStore>,
    pub http: reqwest::Client,
    /// Refuse a session the keyring would not keep: the command line ends
    /// with its process, so a session in memory is no sign-in at all.
    pub require_keyring: bool,
    /// Signing in to the embedded sandbox instead of ilert.
    pub demo: Option<&'a Demo>,
    /// Show the link instead of opening a browser.
    pub no_browser: bool,
    /// The session this one replaces, revoked at ilert once the new one is stored.
    pub previous: Option<Arc<Session>>,
    pub pending: &'a Pending,
}

/// Binds the receiver, opens the browser (`open`), waits, exchanges, stores,
/// and remembers the account (`remember`). Whatever fails after ilert issued
/// a grant revokes it, so no grant is left behind that nothing can restore.
#[tracing::instrument(name = "app.sign_in", skip_all, fields(demo = plan.demo.is_some()))]
pub async fn sign_in(
    plan: Plan<'_>,
    progress: impl Fn(Progress),
    open: impl FnOnce(&str) -> Result<(), String>,
    remember: impl FnOnce(&Account) -> Result<(), AppError>,
) -> Result<Session, AppError> {
    // A sign-in still waiting holds the redirect port: end it, then give the port a moment.
    let restarted = plan.pending.cancel();
    let started = start(&plan.config, &plan.http, restarted, plan.demo.is_some()).await?;
    if let Some(demo) = plan.demo {
        demo.register_receiver(started.redirect_uri().as_str()).await;
    }
    plan.pending.set(started.cancel_handle());
    let url = started.authorize_url().to_string();
    let browser_opened = !plan.no_browser && open(&url).map_err(|e| tracing::warn!(error = %e, "no browser")).is_ok();
    progress(Progress::WaitingForBrowser { authorize_url: url, browser_opened, demo: plan.demo.is_some() });
    let cancel = started.cancel_handle();
    let result = started.finish(plan.store).await;
    plan.pending.clear(&cancel);
    let session = result?;
    if plan.require_keyring && !session.is_persistent() {
        let _ = session.sign_out().await;
        return Err(OAuthError::Keyring(
            "the keyring refused to store your sign-in, so the command line cannot keep it; ilert was told to forget it".into(),
        )
        .into());
    }
    if let Err(e) = remember(session.account()) {
        // Not remembered, so never restorable: leave no grant behind at ilert.
        let _ = session.sign_out().await;
        return Err(e);
    }
    progress(Progress::SignedIn);
    if let Some(previous) = plan.previous {
        if let Err(e) = previous.replaced_by(&session).await {
            tracing::warn!(error = %e, "ilert could not be told to forget the previous sign-in");
        }
    }
    Ok(session)
}

/// Binds the receiver. Right after cancelling our own waiting sign-in, a
/// busy port is retried for two seconds while that one lets go of it.
async fn start(config: &OAuthConfig, http: &reqwest::Client, restarted: bool, demo: bool) -> Result<SignIn, AppError> {
    let mut tries = 0;
    loop {
        match SignIn::start(config, http.clone()).await {
            Err(OAuthError::PortInUse { .. }) if restarted && tries < 40 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            // The advice to register another redirect URI is for real
            // mode: a demo user has no ilert app to change.
            Err(OAuthError::PortInUse { host, port }) if demo => {
                return Err(AppError::Demo(format!(
                    "port {port} on {host} is in use, so the demo's sign-in cannot be received. Another sign-in may still be waiting (another ilert Desktop window, or `ilert-desktop login`): finish or cancel it, or close the program using the port, and try again"
                )))
            }
            other => return Ok(other?),
        }
    }
}
