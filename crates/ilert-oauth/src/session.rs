//! The token lifecycle of one signed-in account.
//!
//! - The access token lives in memory only; the refresh token in a [`TokenStore`].
//! - Every API call asks [`Session::access_token`]; it refreshes shortly before
//!   expiry. A 401 goes through [`Session::unauthorized`], which refreshes once.
//! - Single flight: the refresh happens under one async lock, so N callers
//!   that meet an expired token cause exactly one token request; the rest wait
//!   and get the new token.
//! - ilert asks for at most one refresh per 5 minutes: a second 401 inside
//!   that window ends the session as expired instead of refreshing again.
//! - A rotated refresh token is written to the store before the old one is
//!   dropped. Only `invalid_grant` removes the stored token; a network error,
//!   timeout, 429 or 5xx never does.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::endpoint::{TokenEndpoint, TokenInfo, Tokens};
use crate::error::Error;
use crate::secret::Secret;
use crate::settings::{Account, Settings};
use crate::token_store::TokenStore;

/// Timing rules of the lifecycle; the defaults are ilert's.
#[derive(Debug, Clone, Copy)]
pub struct RefreshPolicy {
    /// Refresh this long before the access token expires.
    pub leeway: Duration,
    /// ilert: "do not refresh a token more than once per 5 minutes".
    pub min_interval: Duration,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        RefreshPolicy { leeway: Duration::from_secs(60), min_interval: Duration::from_secs(300) }
    }
}

struct TokenState {
    access: Option<Secret>,
    expires_at: Instant,
    refresh: Option<Secret>,
    last_refresh: Option<Instant>,
    ended: bool,
}

/// A signed-in account. Cheap to share behind an `Arc`.
pub struct Session {
    endpoint: TokenEndpoint,
    store: Arc<dyn TokenStore>,
    account: Account,
    /// Granted scopes: from the sign-in, or learnt on the first refresh
    /// after a restore (the keyring holds only the refresh token).
    scope: std::sync::RwLock<String>,
    policy: RefreshPolicy,
    state: Mutex<TokenState>,
}

/// What sign-out did.
#[derive(Debug)]
pub struct SignOut {
    /// `Err` when ilert could not be told; the local sign-out happened anyway.
    pub revoke: Result<(), Error>,
    pub store: Result<(), Error>,
}

impl Session {
    /// A session from a fresh token response (after the code exchange).
    pub(crate) fn from_tokens(endpoint: TokenEndpoint, store: Arc<dyn TokenStore>, account: Account, tokens: Tokens, scope: String) -> Session {
        Session {
            endpoint,
            store,
            account,
            scope: std::sync::RwLock::new(scope),
            policy: RefreshPolicy::default(),
            state: Mutex::new(TokenState {
                access: Some(tokens.access),
                expires_at: Instant::now() + tokens.expires_in,
                refresh: tokens.refresh,
                last_refresh: None,
                ended: false,
            }),
        }
    }

    /// Restores a session from the stored refresh token, without a browser.
    /// `Ok(None)` when nothing is stored for `account`. The first
    /// [`Session::access_token`] call then refreshes.
    #[tracing::instrument(name = "session.restore", skip_all)]
    pub async fn restore(endpoint: TokenEndpoint, store: Arc<dyn TokenStore>, account: Account) -> Result<Option<Session>, Error> {
        let (s, a) = (store.clone(), account.clone());
        let Some(refresh) = blocking(move || s.load(&a)).await? else { return Ok(None) };
        Ok(Some(Session {
            endpoint,
            store,
            account,
            scope: Default::default(),
            policy: RefreshPolicy::default(),
            state: Mutex::new(TokenState { access: None, expires_at: Instant::now(), refresh: Some(refresh), last_refresh: None, ended: false }),
        }))
    }

    /// The stored session of the account the settings remember, if any.
    /// Tokens are bound to their issuer: if the API URL has changed since
    /// the sign-in, the stored token is not sent to the new one.
    pub async fn restore_configured(settings: &Settings, http: reqwest::Client, store: Arc<dyn TokenStore>) -> Result<Option<Session>, Error> {
        let Some(account) = settings.account.clone() else { return Ok(None) };
        let endpoint = TokenEndpoint::new(settings, http)?;
        if account.issuer != endpoint.endpoints().issuer {
            return Err(Error::Config(format!(
                "the stored sign-in belongs to {}, but the API URL is now {}; sign in again",
                account.issuer,
                endpoint.endpoints().issuer
            )));
        }
        Session::restore(endpoint, store, account).await
    }

    pub fn with_policy(mut self, policy: RefreshPolicy) -> Session {
        self.policy = policy;
        self
    }

    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The scope granted at sign-in (empty for a restored session until token_info).
    /// The granted scopes, space-separated. Empty for a restored session
    /// until its first refresh; [`Session::granted_scope`] waits for that.
    pub fn scope(&self) -> String {
        self.scope.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The granted scopes, refreshing first when a restored session does not
    /// know them yet.
    pub async fn granted_scope(&self) -> Result<String, Error> {
        if self.scope().is_empty() {
            self.access_token().await?;
        }
        Ok(self.scope())
    }

    pub fn is_persistent(&self) -> bool {
        self.store.is_persistent()
    }

    pub fn endpoint(&self) -> &TokenEndpoint {
        &self.endpoint
    }

    /// A valid access token, refreshed first when it is about to expire.
    pub async fn access_token(&self) -> Result<Secret, Error> {
        let mut st = self.state.lock().await;
        if st.ended {
            return Err(Error::SessionExpired);
        }
        if let Some(a) = &st.access {
            if Instant::now() + self.policy.leeway < st.expires_at {
                return Ok(a.clone());
            }
        }
        self.refresh_locked(&mut st).await
    }

    /// Call after ilert answered 401 to a request made with `used`. Refreshes
    /// once; a second 401 within ilert's 5-minute window ends the session.
    pub async fn unauthorized(&self, used: &Secret) -> Result<Secret, Error> {
        let mut st = self.state.lock().await;
        if st.ended {
            return Err(Error::SessionExpired);
        }
        // Another caller already refreshed since `used` was handed out.
        if let Some(a) = &st.access {
            if a != used {
                return Ok(a.clone());
            }
        }
        if st.last_refresh.is_some_and(|t| t.elapsed() < self.policy.min_interval) {
            tracing::warn!("second 401 within the refresh window: session ended");
            st.ended = true;
            st.access = None;
            return Err(Error::SessionExpired);
        }
        self.refresh_locked(&mut st).await
    }

    #[tracing::instrument(name = "session.refresh", skip_all)]
    async fn refresh_locked(&self, st: &mut TokenState) -> Result<Secret, Error> {
        let Some(refresh) = st.refresh.clone() else {
            // No offline_access: the access token cannot be renewed.
            st.ended = true;
            return Err(Error::SessionExpired);
        };
        match self.endpoint.refresh(&refresh).await {
            Ok(tokens) => {
                if let Some(new) = tokens.refresh.filter(|n| *n != refresh) {
                    // Store the rotated token before the old one is dropped.
                    let (s, a, t) = (self.store.clone(), self.account.clone(), new.clone());
                    if let Err(e) = blocking(move || s.save(&a, &t)).await {
                        tracing::error!(error = %e, "rotated refresh token not persisted");
                    }
                    st.refresh = Some(new);
                }
                let scope = match tokens.scope.clone() {
                    Some(s) => Some(s),
                    // ilert may not echo the scope; ask once when it is unknown.
                    None if self.scope().is_empty() => self.endpoint.token_info(&tokens.access).await.ok().and_then(|i| i.scope),
                    None => None,
                };
                if let Some(scope) = scope {
                    *self.scope.write().unwrap_or_else(|e| e.into_inner()) = scope;
                }
                st.access = Some(tokens.access.clone());
                st.expires_at = Instant::now() + tokens.expires_in;
                st.last_refresh = Some(Instant::now());
                tracing::info!(expires_in = tokens.expires_in.as_secs(), "access token refreshed");
                Ok(tokens.access)
            }
            Err(Error::InvalidGrant(reason)) => {
                tracing::warn!(%reason, "refresh token rejected; removing it");
                let (s, a) = (self.store.clone(), self.account.clone());
                if let Err(e) = blocking(move || s.delete(&a)).await {
                    tracing::error!(error = %e, "could not delete the rejected refresh token");
                }
                st.ended = true;
                st.access = None;
                st.refresh = None;
                Err(Error::SessionExpired)
            }
            Err(e) => {
                tracing::warn!(error = %e, "refresh failed; stored token kept");
                Err(e)
            }
        }
    }

    /// ilert's view of the current access token (tenant, user, scope, activity).
    pub async fn token_info(&self) -> Result<TokenInfo, Error> {
        let token = self.access_token().await?;
        self.endpoint.token_info(&token).await
    }

    /// When the current access token expires (`None` before the first refresh).
    pub async fn access_expires_in(&self) -> Option<Duration> {
        let st = self.state.lock().await;
        st.access.as_ref().map(|_| st.expires_at.saturating_duration_since(Instant::now()))
    }

    /// Revokes the refresh token at ilert, deletes it from the store and
    /// forgets every token. The local part happens even when ilert cannot be reached.
    #[tracing::instrument(name = "session.sign_out", skip_all)]
    pub async fn sign_out(&self) -> SignOut {
        let mut st = self.state.lock().await;
        let revoke = match st.refresh.take() {
            Some(r) => self.endpoint.revoke(&r).await,
            None => Ok(()),
        };
        st.access = None;
        st.ended = true;
        let (s, a) = (self.store.clone(), self.account.clone());
        let store = blocking(move || s.delete(&a)).await;
        SignOut { revoke, store }
    }
}

impl Session {
    /// Ends a session that a newer sign-in of the same account replaces:
    /// its refresh token is revoked at ilert (ilert keeps at most 10 per app
    /// and user) but the keyring entry, which now holds the new token, stays.
    #[tracing::instrument(name = "session.retire", skip_all)]
    pub async fn retire(&self) -> Result<(), Error> {
        let mut st = self.state.lock().await;
        st.access = None;
        st.ended = true;
        match st.refresh.take() {
            Some(r) => self.endpoint.revoke(&r).await,
            None => Ok(()),
        }
    }
}

/// Runs a blocking token-store call (D-Bus on Linux) off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Error> + Send + 'static) -> Result<T, Error> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::Keyring(format!("keyring task failed: {e}")))?
}
