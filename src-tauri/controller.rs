//! What the app does, without Tauri: settings, sign-in (real or demo),
//! restore, the dashboard and sign-out, over the core crates. The commands
//! in `commands` only translate between this and the webview, so all of it
//! is testable without a window.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};
use ilert_api::{Client, Dashboard};
use ilert_oauth::loopback::{check_redirect_uri, CancelHandle};
use ilert_oauth::token_store::{KeyringStore, TokenStore};
use ilert_oauth::{settings, Account, Error, Session, Settings, SignIn};
use ilert_sandbox::{Config, Sandbox, DEMO_CLIENT_ID};
use serde::{Deserialize, Serialize};

/// Steps of long work, for the UI to follow.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "step", rename_all = "camelCase")]
pub enum Progress {
    /// The receiver listens; the person approves in the browser. The URL
    /// holds the PKCE challenge and `state`, never the verifier: it is safe
    /// to show for copying when no browser opened.
    #[serde(rename_all = "camelCase")]
    WaitingForBrowser { authorize_url: String, browser_opened: bool, demo: bool },
    /// The code was exchanged and the refresh token stored.
    SignedIn,
    /// The access token is being renewed.
    RefreshingSession,
}

/// Who is signed in, as the Session panel shows it. No token, ever.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub username: String,
    pub tenant: String,
    pub issuer: String,
    pub scopes: Vec<String>,
    pub access_expires_at: Option<DateTime<Utc>>,
    /// Whether the refresh token is in the OS keyring (else: this run only).
    pub persistent: bool,
    pub demo: bool,
}

/// The settings the UI edits.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    pub client_id: Option<String>,
    pub tenant: Option<String>,
    pub redirect_uri: Option<String>,
    pub scopes: Option<String>,
    pub auth_url: Option<String>,
    pub api_url: Option<String>,
}

/// The settings in effect, plus where they come from.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SettingsState {
    /// What the settings file holds (what the form edits).
    pub file: SettingsView,
    /// What is in effect: the file with the environment laid over it.
    pub effective: SettingsView,
    /// Fields set by environment variables or flags, which win over the file.
    pub from_environment: Vec<&'static str>,
    pub settings_file: String,
    pub default_redirect_uri: &'static str,
    pub default_scopes: &'static str,
}

/// How a sign-out went.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SignedOut {
    /// Whether ilert confirmed the revocation.
    pub revoked: bool,
    pub message: String,
}

struct Active {
    client: Client,
    demo: bool,
}

/// The app's state while it runs.
pub struct Controller {
    settings_path: PathBuf,
    profile: Option<String>,
    /// Flags and environment variables: laid over the file, never saved to it.
    overrides: Settings,
    settings: RwLock<Settings>,
    http: reqwest::Client,
    active: tokio::sync::RwLock<Option<Active>>,
    pending: Mutex<Option<CancelHandle>>,
    demo: tokio::sync::Mutex<Option<Sandbox>>,
    /// Show the link instead of opening a browser (`ILERT_NO_BROWSER=1`).
    pub no_browser: bool,
}

impl Controller {
    pub fn new(settings_path: PathBuf, profile: Option<String>, overrides: Settings) -> Result<Controller, Error> {
        let file = settings::load(&settings_path)?;
        Ok(Controller {
            settings: RwLock::new(file.overlay(overrides.clone())),
            settings_path,
            profile,
            overrides,
            http: ilert_oauth::endpoint::http_client(),
            active: Default::default(),
            pending: Mutex::new(None),
            demo: Default::default(),
            no_browser: false,
        })
    }

    pub fn settings(&self) -> Settings {
        self.settings.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn settings_path(&self) -> &std::path::Path {
        &self.settings_path
    }

    pub fn settings_state(&self) -> Result<SettingsState, Error> {
        let file = settings::load(&self.settings_path)?;
        let o = &self.overrides;
        let from_environment = [
            ("clientId", &o.client_id),
            ("tenant", &o.tenant),
            ("redirectUri", &o.redirect_uri),
            ("scopes", &o.scopes),
            ("authUrl", &o.auth_url),
            ("apiUrl", &o.api_url),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .map(|(k, _)| k)
        .collect();
        Ok(SettingsState {
            file: view(&file),
            effective: view(&self.settings()),
            from_environment,
            settings_file: self.settings_path.display().to_string(),
            default_redirect_uri: settings::DEFAULT_REDIRECT_URI,
            default_scopes: settings::DEFAULT_SCOPES,
        })
    }

    /// Validates and saves the settings the UI edited. Nothing is saved if
    /// any field is unusable.
    pub fn set_settings(&self, input: SettingsView) -> Result<SettingsState, Error> {
        let clean = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let mut candidate = settings::load(&self.settings_path)?;
        candidate.client_id = clean(input.client_id);
        candidate.tenant = clean(input.tenant).map(|t| t.to_ascii_lowercase());
        candidate.redirect_uri = clean(input.redirect_uri);
        candidate.scopes = clean(input.scopes).map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "));
        let file = candidate.clone();
        candidate.auth_url = clean(input.auth_url);
        candidate.api_url = clean(input.api_url);
        // The window may change the hosts only to ilert's or loopback; what
        // the file already holds (edited by hand) may stay.
        for (what, new, old) in [("auth URL", &candidate.auth_url, &file.auth_url), ("API URL", &candidate.api_url, &file.api_url)] {
            if let Some(url) = new.as_deref().filter(|u| Some(*u) != old.as_deref()) {
                if !settings::is_ilert_or_loopback(url) {
                    return Err(Error::Config(format!(
                        "the {what} '{url}' is not an ilert host (https://….ilert.com) or loopback; another host can be set only with a flag or environment variable (ILERT_AUTH_URL, ILERT_API_URL)"
                    )));
                }
            }
        }
        let effective = candidate.clone().overlay(self.overrides.clone());
        effective.endpoints()?;
        check_redirect_uri(effective.redirect_uri())?;
        settings::save(&self.settings_path, &candidate)?;
        *self.settings.write().unwrap_or_else(|e| e.into_inner()) = effective;
        tracing::info!(file = %self.settings_path.display(), "settings saved");
        self.settings_state()
    }

    /// The signed-in account, in the settings file (shared with the command
    /// line) and in the settings in effect alike.
    fn remember_account(&self, account: Option<Account>) -> Result<(), Error> {
        settings::update(&self.settings_path, |f| f.account = account.clone())?;
        self.settings.write().unwrap_or_else(|e| e.into_inner()).account = account;
        Ok(())
    }

    fn store(&self, demo: bool) -> Arc<dyn TokenStore> {
        let profile = match (&self.profile, demo) {
            (Some(p), true) => Some(format!("{p}-demo")),
            (None, true) => Some("demo".to_string()),
            (p, false) => p.clone(),
        };
        Arc::new(KeyringStore::new(profile.as_deref()))
    }

    /// The settings of the embedded sandbox, started on first use. The
    /// configured redirect URI is registered for the demo client, so demo
    /// and real sign-in use the same receiver.
    async fn demo_settings(&self) -> Result<Settings, Error> {
        let mut demo = self.demo.lock().await;
        let redirect = self.settings().redirect_uri().to_string();
        if demo.is_none() {
            let sandbox = Sandbox::start(Config::default().with_client(DEMO_CLIENT_ID, &redirect))
                .await
                .map_err(|e| Error::Listen(format!("the demo server could not start: {e}")))?;
            tracing::info!(url = %sandbox.url(), "demo sandbox started");
            *demo = Some(sandbox);
        }
        let sandbox = demo.as_ref().expect("started above");
        Ok(Settings {
            client_id: Some(DEMO_CLIENT_ID.into()),
            tenant: None,
            auth_url: Some(sandbox.url()),
            api_url: Some(sandbox.url()),
            redirect_uri: Some(redirect),
            scopes: Some(self.settings().scopes().to_string()),
            account: None,
        })
    }

    /// The embedded sandbox's knobs, when demo mode has started it (tests).
    pub async fn demo_knobs(&self) -> Option<ilert_sandbox::Knobs> {
        self.demo.lock().await.as_ref().map(|s| s.knobs().clone())
    }

    /// The embedded sandbox's URL, when demo mode has started it.
    pub async fn demo_url(&self) -> Option<String> {
        self.demo.lock().await.as_ref().map(Sandbox::url)
    }

    /// A whole sign-in: bind the receiver, open the browser (`open`), wait,
    /// exchange, store. `add_scope` asks for one more scope than configured
    /// (the "grant access" of a panel) and remembers it in the settings.
    #[tracing::instrument(name = "app.sign_in", skip_all, fields(demo))]
    pub async fn sign_in(
        &self,
        demo: bool,
        add_scope: Option<&str>,
        progress: impl Fn(Progress),
        open: impl FnOnce(&str) -> Result<(), String>,
    ) -> Result<SessionInfo, Error> {
        if let Some(scope) = add_scope.filter(|s| !self.settings().scopes().split_whitespace().any(|x| x == *s)) {
            if !scope.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
                return Err(Error::Config(format!("'{scope}' is not a scope")));
            }
            let scopes = format!("{} {scope}", self.settings().scopes());
            if !demo {
                settings::update(&self.settings_path, |f| f.scopes = Some(scopes.clone()))?;
            }
            self.settings.write().unwrap_or_else(|e| e.into_inner()).scopes = Some(scopes);
        }
        let settings = if demo { self.demo_settings().await? } else { self.settings() };
        if settings.client_id().is_none() {
            return Err(Error::NoClientId);
        }
        // A sign-in still waiting holds the redirect port: end it first.
        let restarted = self.cancel_sign_in();
        let mut tries = 0;
        let sign_in = loop {
            match SignIn::start(&settings, self.http.clone()).await {
                Err(Error::PortInUse { .. }) if restarted && tries < 40 => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                // The advice to register another redirect URI is for real
                // mode: a demo user has no ilert app to change.
                Err(Error::PortInUse { host, port }) if demo => {
                    return Err(Error::Listen(format!(
                        "port {port} on {host} is in use, so the demo's sign-in cannot be received. Another sign-in may still be waiting (another ilert Desktop window, or `ilert-desktop login`): finish or cancel it, or close the program using the port, and try again"
                    )))
                }
                other => break other?,
            }
        };
        if demo {
            // The receiver's actual URI (its port may have been chosen at bind time).
            if let Some(sb) = self.demo.lock().await.as_ref() {
                sb.knobs().register_client(DEMO_CLIENT_ID, sign_in.redirect_uri().as_str());
            }
        }
        if let Some(previous) = self.pending.lock().unwrap_or_else(|e| e.into_inner()).replace(sign_in.cancel_handle()) {
            previous.cancel();
        }
        let url = sign_in.authorize_url().to_string();
        let browser_opened = !self.no_browser && open(&url).map_err(|e| tracing::warn!(error = %e, "no browser")).is_ok();
        progress(Progress::WaitingForBrowser { authorize_url: url, browser_opened, demo });
        let cancel = sign_in.cancel_handle();
        let result = sign_in.finish(self.store(demo)).await;
        {
            // Clear the pending handle only if it is still ours.
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            if pending.as_ref().is_some_and(|p| p.same(&cancel)) {
                *pending = None;
            }
        }
        let session = Arc::new(result?);
        progress(Progress::SignedIn);
        if !demo {
            if let Err(e) = self.remember_account(Some(session.account().clone())) {
                // Not remembered, so never restorable: leave no grant behind at ilert.
                let _ = session.sign_out().await;
                return Err(e);
            }
        }
        let replaced = self.active.write().await.replace(Active { client: Client::new(session.clone(), self.http.clone()), demo });
        if let Some(old) = replaced {
            let _ = old.client.session().replaced_by(&session).await;
        }
        self.session_info().await?.ok_or(Error::NotSignedIn)
    }

    /// Cancels a sign-in that is waiting for the browser.
    pub fn cancel_sign_in(&self) -> bool {
        match self.pending.lock().unwrap_or_else(|e| e.into_inner()).take() {
            Some(c) => {
                c.cancel();
                true
            }
            None => false,
        }
    }

    /// The current session; on first call, the one the keyring keeps for the
    /// remembered account (no browser). `Ok(None)`: signed out.
    pub async fn session_info(&self) -> Result<Option<SessionInfo>, Error> {
        let Some(client) = self.client().await? else { return Ok(None) };
        let session = client.session();
        let demo = self.active.read().await.as_ref().is_some_and(|a| a.demo);
        // What the sign-in or the last refresh learnt (no token_info per
        // call); when ilert never said, what was asked for.
        let mut scope = match session.granted_scope().await {
            Ok(s) => s,
            Err(e) if e.is_transient() => session.scope(),
            Err(e) => return Err(e),
        };
        if scope.is_empty() {
            scope = self.settings().scopes().to_string();
        }
        let account = session.account();
        Ok(Some(SessionInfo {
            username: account.username.clone(),
            tenant: account.tenant.clone(),
            issuer: account.issuer.clone(),
            scopes: scope.split_whitespace().map(str::to_string).collect(),
            access_expires_at: session.access_expires_in().await.and_then(|d| chrono::Duration::from_std(d).ok()).map(|d| Utc::now() + d),
            persistent: session.is_persistent(),
            demo,
        }))
    }

    /// The active API client, restoring the remembered session on first use.
    async fn client(&self) -> Result<Option<Client>, Error> {
        if let Some(a) = self.active.read().await.as_ref() {
            return Ok(Some(a.client.clone()));
        }
        let mut active = self.active.write().await;
        if let Some(a) = active.as_ref() {
            return Ok(Some(a.client.clone()));
        }
        let settings = self.settings();
        match Session::restore_configured(&settings, self.http.clone(), self.store(false)).await? {
            None => Ok(None),
            Some(session) => {
                let client = Client::new(Arc::new(session), self.http.clone());
                // Learn the scopes now; a transient failure keeps the session for a retry.
                match client.session().granted_scope().await {
                    Err(Error::SessionExpired) => {
                        self.remember_account(None)?;
                        Err(Error::SessionExpired)
                    }
                    Err(e) => Err(e),
                    Ok(_) => {
                        *active = Some(Active { client: client.clone(), demo: false });
                        Ok(Some(client))
                    }
                }
            }
        }
    }

    /// Every panel. An ended session is dropped, so the UI goes to sign-in.
    pub async fn dashboard(&self, progress: impl Fn(Progress)) -> Result<Dashboard, Error> {
        let client = self.client().await?.ok_or(Error::NotSignedIn)?;
        if client.session().access_expires_in().await.is_none_or(|d| d.as_secs() < 60) {
            progress(Progress::RefreshingSession);
        }
        let dashboard = client.dashboard().await;
        if dashboard.session_expired() {
            tracing::info!("session ended while loading the dashboard");
            self.active.write().await.take();
        }
        Ok(dashboard)
    }

    /// Revokes at ilert and forgets locally; the local part always happens.
    pub async fn sign_out(&self) -> Result<SignedOut, Error> {
        let Some(active) = self.active.write().await.take() else {
            return Ok(SignedOut { revoked: false, message: "You were not signed in.".into() });
        };
        let out = active.client.session().sign_out().await;
        if !active.demo {
            self.remember_account(None)?;
        }
        out.store?;
        Ok(match out.revoke {
            Ok(()) => SignedOut { revoked: true, message: "Signed out. ilert revoked the session.".into() },
            Err(e) => SignedOut {
                revoked: false,
                message: format!("Signed out on this computer, but ilert could not be told ({e}). The token was deleted here."),
            },
        })
    }
}

fn view(s: &Settings) -> SettingsView {
    SettingsView {
        client_id: s.client_id.clone(),
        tenant: s.tenant.clone(),
        redirect_uri: s.redirect_uri.clone(),
        scopes: s.scopes.clone(),
        auth_url: s.auth_url.clone(),
        api_url: s.api_url.clone(),
    }
}
