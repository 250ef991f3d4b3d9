//! The token lifecycle of one signed-in account.
//!
//! - The tokens live in a [`TokenStore`] entry shared by every process of the
//!   app (the window, `ilert-desktop token`), and in memory. Every API call
//!   asks [`Session::access_token`]; it refreshes shortly before expiry. A
//!   401 goes through [`Session::unauthorized`], which refreshes once.
//! - Single flight, in this process and across processes: the refresh runs
//!   under one async lock and the account's file lock ([`AccountLock`]).
//!   Under the lock the stored entry is read first: if another process has
//!   already refreshed, its access token is used and no request is sent.
//! - ilert asks for at most one refresh per 5 minutes: a second 401 inside
//!   that window ends the session as expired instead of refreshing again.
//! - Expiry is wall-clock time ([`Clock`]), so a laptop waking from sleep
//!   refreshes before sending a token that expired while it slept.
//! - A rotated refresh token is written to the store before the old one is
//!   dropped. Only `invalid_grant` removes the stored entry, and only when it
//!   still holds the token ilert rejected (compare, then delete): if another
//!   process rotated it meanwhile, the newer token is used instead. A
//!   network error, timeout, 429 or 5xx never removes anything.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Mutex;

use crate::account_lock::{AccountLock, LOCK_WAIT};
use crate::clock::Clock;
use crate::config::{Account, OAuthConfig};
use crate::endpoint::{TokenEndpoint, TokenInfo, Tokens};
use crate::error::Error;
use crate::secret::Secret;
use crate::token_store::{keyring_timeout, MemoryStore, StoredTokens, TokenStore};

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
    /// The access token and its wall-clock expiry.
    access: Option<(Secret, DateTime<Utc>)>,
    refresh: Option<Secret>,
    last_refresh: Option<DateTime<Utc>>,
    ended: bool,
}

/// A signed-in account. Cheap to share behind an `Arc`.
pub struct Session {
    endpoint: TokenEndpoint,
    store: Arc<dyn TokenStore>,
    account: Account,
    /// Granted scopes: from the sign-in, the stored entry, or learnt on the
    /// first refresh after a restore.
    scope: std::sync::RwLock<String>,
    policy: RefreshPolicy,
    clock: Clock,
    state: Mutex<TokenState>,
}

/// What sign-out did.
#[derive(Debug)]
pub struct SignOut {
    /// `Err` when ilert could not be told; the local sign-out happened anyway.
    pub revoke: Result<(), Error>,
    pub store: Result<(), Error>,
}

/// What the stored entry offered.
enum Adopted {
    /// A fresh access token another process stored.
    Access(Secret),
    /// Nothing fresher than what this process holds.
    Nothing,
    /// The entry is gone: another process signed out.
    Gone,
}

impl Session {
    fn new(endpoint: TokenEndpoint, store: Arc<dyn TokenStore>, account: Account, state: TokenState, scope: String) -> Session {
        Session {
            endpoint,
            store,
            account,
            scope: std::sync::RwLock::new(scope),
            policy: RefreshPolicy::default(),
            clock: Clock::default(),
            state: Mutex::new(state),
        }
    }

    /// A session from a fresh token response (after the code exchange).
    pub(crate) fn from_tokens(
        endpoint: TokenEndpoint,
        store: Arc<dyn TokenStore>,
        account: Account,
        tokens: Tokens,
        scope: String,
    ) -> Session {
        let expires_at = Clock::default().now() + tokens.expires_in;
        let state = TokenState { access: Some((tokens.access, expires_at)), refresh: tokens.refresh, last_refresh: None, ended: false };
        Session::new(endpoint, store, account, state, scope)
    }

    /// What the store keeps for this session right after sign-in (`None`
    /// without a refresh token: nothing could renew it in another process).
    pub(crate) async fn stored(&self) -> Option<StoredTokens> {
        let st = self.state.lock().await;
        let refresh = st.refresh.clone()?;
        Some(StoredTokens { refresh, access: st.access.clone(), scope: Some(self.scope()).filter(|s| !s.is_empty()) })
    }

    /// The same session with its tokens in this process's memory only: the
    /// keyring refused them, and the person can still work for this run.
    pub(crate) async fn into_memory(mut self) -> Session {
        let memory: Arc<dyn TokenStore> = Arc::new(MemoryStore::default());
        if let Some(stored) = self.stored().await {
            let _ = memory.save(&self.account, &stored);
        }
        self.store = memory;
        self
    }

    /// Restores a session from the stored entry, without a browser.
    /// `Ok(None)` when nothing is stored for `account`. A stored access token
    /// that is still fresh is used as is; otherwise the first
    /// [`Session::access_token`] call refreshes.
    #[tracing::instrument(name = "session.restore", skip_all)]
    pub async fn restore(endpoint: TokenEndpoint, store: Arc<dyn TokenStore>, account: Account) -> Result<Option<Session>, Error> {
        let (s, a) = (store.clone(), account.clone());
        let Some(stored) = blocking(move || s.load(&a)).await? else { return Ok(None) };
        let state = TokenState { access: stored.access, refresh: Some(stored.refresh), last_refresh: None, ended: false };
        Ok(Some(Session::new(endpoint, store, account, state, stored.scope.unwrap_or_default())))
    }

    /// The stored session of `account` for this ilert app, if any.
    /// Tokens are bound to their issuer: if the API URL has changed since
    /// the sign-in, the stored token is not sent to the new one.
    pub async fn restore_configured(
        config: &OAuthConfig,
        account: &Account,
        http: reqwest::Client,
        store: Arc<dyn TokenStore>,
    ) -> Result<Option<Session>, Error> {
        let account = account.clone();
        let endpoint = TokenEndpoint::new(config, http)?;
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

    /// Uses `clock` for expiry (tests move it to play a sleep).
    pub fn with_clock(mut self, clock: Clock) -> Session {
        self.clock = clock;
        self
    }

    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The granted scopes, space-separated. Empty for a restored session
    /// until its first refresh; [`Session::granted_scope`] waits for that.
    pub fn scope(&self) -> String {
        self.scope.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set_scope(&self, scope: String) {
        *self.scope.write().unwrap_or_else(|e| e.into_inner()) = scope;
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

    fn fresh(&self, expires_at: DateTime<Utc>) -> bool {
        self.clock.now() + self.policy.leeway < expires_at
    }

    /// A valid access token, refreshed first when it is about to expire.
    pub async fn access_token(&self) -> Result<Secret, Error> {
        let mut st = self.state.lock().await;
        if st.ended {
            return Err(Error::SessionExpired);
        }
        if let Some((a, exp)) = &st.access {
            if self.fresh(*exp) {
                return Ok(a.clone());
            }
        }
        self.renew(&mut st, None, true).await
    }

    /// Call after ilert answered 401 to a request made with `used`. Refreshes
    /// once; a second 401 within ilert's 5-minute window ends the session
    /// (unless another process has a newer token to offer).
    pub async fn unauthorized(&self, used: &Secret) -> Result<Secret, Error> {
        let mut st = self.state.lock().await;
        if st.ended {
            return Err(Error::SessionExpired);
        }
        // Another caller already refreshed since `used` was handed out.
        if let Some((a, _)) = &st.access {
            if a != used {
                return Ok(a.clone());
            }
        }
        let now = self.clock.now();
        let may_refresh =
            st.last_refresh.is_none_or(|t| now.signed_duration_since(t).to_std().unwrap_or_default() >= self.policy.min_interval);
        self.renew(&mut st, Some(used), may_refresh).await
    }

    /// The account's cross-process lock; none for a store of this process only.
    async fn shared_lock(&self) -> Result<Option<AccountLock>, Error> {
        match self.store.shared_name() {
            Some(name) => AccountLock::acquire(name, &self.account.key(), LOCK_WAIT).await.map(Some),
            None => Ok(None),
        }
    }

    async fn load(&self) -> Result<Option<StoredTokens>, Error> {
        let (s, a) = (self.store.clone(), self.account.clone());
        blocking(move || s.load(&a)).await
    }

    /// Takes what another process stored since this one last looked: a
    /// rotated refresh token, the scope, and a fresh access token other than `rejected`.
    async fn adopt_stored(&self, st: &mut TokenState, rejected: Option<&Secret>) -> Adopted {
        let stored = match self.load().await {
            Ok(Some(s)) => s,
            Ok(None) if self.store.is_persistent() => return Adopted::Gone,
            Ok(None) => return Adopted::Nothing,
            Err(e) => {
                // The keyring is not answering: go on with what this process holds.
                tracing::warn!(error = %e, "stored session not readable; using the one in memory");
                return Adopted::Nothing;
            }
        };
        if st.refresh.as_ref() != Some(&stored.refresh) {
            tracing::debug!("adopting the refresh token another process stored");
            st.refresh = Some(stored.refresh);
        }
        if let Some(scope) = stored.scope.filter(|s| !s.is_empty()) {
            if self.scope().is_empty() {
                self.set_scope(scope);
            }
        }
        match stored.access {
            Some((a, exp)) if self.fresh(exp) && Some(&a) != rejected => {
                if st.access.as_ref().map(|(held, _)| held) != Some(&a) {
                    tracing::debug!("using the access token another process refreshed");
                }
                st.access = Some((a.clone(), exp));
                Adopted::Access(a)
            }
            _ => Adopted::Nothing,
        }
    }

    fn end(&self, st: &mut TokenState) -> Error {
        st.ended = true;
        st.access = None;
        Error::SessionExpired
    }

    /// A usable access token: the one another process stored if it is
    /// fresh, else a refresh (when `may_refresh`).
    #[tracing::instrument(name = "session.refresh", skip_all)]
    async fn renew(&self, st: &mut TokenState, rejected: Option<&Secret>, may_refresh: bool) -> Result<Secret, Error> {
        let _lock = self.shared_lock().await?;
        match self.adopt_stored(st, rejected).await {
            Adopted::Access(a) => return Ok(a),
            Adopted::Gone => {
                tracing::info!("the stored session was removed (signed out elsewhere)");
                st.refresh = None;
                return Err(self.end(st));
            }
            Adopted::Nothing => {}
        }
        if !may_refresh {
            tracing::warn!("second 401 within the refresh window: session ended");
            return Err(self.end(st));
        }
        // Twice at most: once more when invalid_grant turns out to be about a
        // token that another process had already replaced.
        for _ in 0..2 {
            let Some(refresh) = st.refresh.clone() else {
                // No offline_access: the access token cannot be renewed.
                return Err(self.end(st));
            };
            match self.endpoint.refresh(&refresh).await {
                Ok(tokens) => return Ok(self.refreshed(st, refresh, tokens).await),
                Err(Error::InvalidGrant(reason)) => match self.load().await {
                    Ok(Some(stored)) if stored.refresh != refresh => {
                        tracing::info!("refresh token rejected, but another process had replaced it; using the newer one");
                        st.refresh = Some(stored.refresh);
                        if let Some((a, exp)) = stored.access.filter(|(a, exp)| self.fresh(*exp) && Some(a) != rejected) {
                            st.access = Some((a.clone(), exp));
                            return Ok(a);
                        }
                    }
                    Ok(stored) => {
                        // Still the rejected token (we hold the lock): it may go.
                        tracing::warn!(%reason, "refresh token rejected; removing it");
                        if stored.is_some() {
                            let (s, a) = (self.store.clone(), self.account.clone());
                            if let Err(e) = blocking(move || s.delete(&a)).await {
                                tracing::error!(error = %e, "could not delete the rejected refresh token");
                            }
                        }
                        st.refresh = None;
                        return Err(self.end(st));
                    }
                    Err(e) => {
                        // Cannot compare: keep the entry, end this process's session.
                        tracing::warn!(%reason, error = %e, "refresh token rejected; the stored entry could not be checked and stays");
                        st.refresh = None;
                        return Err(self.end(st));
                    }
                },
                Err(e) => {
                    tracing::warn!(error = %e, "refresh failed; stored token kept");
                    return Err(e);
                }
            }
        }
        Err(self.end(st))
    }

    /// Takes a token response: memory first, then the shared entry.
    async fn refreshed(&self, st: &mut TokenState, used: Secret, tokens: Tokens) -> Secret {
        let refresh = tokens.refresh.unwrap_or(used);
        let scope = match tokens.scope.clone() {
            Some(s) => Some(s),
            // ilert may not echo the scope; ask once when it is unknown.
            None if self.scope().is_empty() => self.endpoint.token_info(&tokens.access).await.ok().and_then(|i| i.scope),
            None => None,
        };
        if let Some(scope) = scope {
            self.set_scope(scope);
        }
        let now = self.clock.now();
        let expires_at = now + tokens.expires_in;
        st.access = Some((tokens.access.clone(), expires_at));
        st.refresh = Some(refresh.clone());
        st.last_refresh = Some(now);
        // Stored before the lock is released, so the next process reuses it.
        let stored = StoredTokens { refresh, access: st.access.clone(), scope: Some(self.scope()).filter(|s| !s.is_empty()) };
        let (s, a) = (self.store.clone(), self.account.clone());
        if let Err(e) = blocking(move || s.save(&a, &stored)).await {
            tracing::error!(error = %e, "refreshed tokens not persisted");
        }
        tracing::info!(expires_in = tokens.expires_in.as_secs(), "access token refreshed");
        tokens.access
    }

    /// ilert's view of the current access token (tenant, user, scope, activity).
    pub async fn token_info(&self) -> Result<TokenInfo, Error> {
        let token = self.access_token().await?;
        self.endpoint.token_info(&token).await
    }

    /// When the current access token expires (`None` before the first refresh).
    pub async fn access_expires_in(&self) -> Option<Duration> {
        let st = self.state.lock().await;
        st.access.as_ref().map(|(_, exp)| exp.signed_duration_since(self.clock.now()).to_std().unwrap_or_default())
    }

    /// Revokes the refresh token at ilert, deletes it from the store and
    /// forgets every token. The local part happens even when ilert cannot be reached.
    #[tracing::instrument(name = "session.sign_out", skip_all)]
    pub async fn sign_out(&self) -> SignOut {
        let mut st = self.state.lock().await;
        // Revoke the token the entry holds now, which another process may have rotated.
        let _lock = self.shared_lock().await.map_err(|e| tracing::warn!(error = %e, "signing out without the session lock")).ok();
        let _ = self.adopt_stored(&mut st, None).await;
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
    /// Ends `self` now that `newer` (a sign-in that just finished) replaces
    /// it. The same account in the same store: the entry already holds the
    /// newer token, so the old one is only revoked (ilert keeps at most 10
    /// per app and user). Another account or store: a full sign-out.
    pub async fn replaced_by(&self, newer: &Session) -> Result<(), Error> {
        let same_entry = self.account.key() == newer.account.key()
            && self.store.is_persistent() == newer.store.is_persistent()
            && self.store.shared_name() == newer.store.shared_name();
        if same_entry {
            self.retire().await
        } else {
            self.sign_out().await.revoke
        }
    }

    /// Ends a session that a newer sign-in of the same account replaces:
    /// its refresh token is revoked at ilert (ilert keeps at most 10 per app
    /// and user) but the keyring entry, which now holds the new token, stays.
    #[tracing::instrument(name = "session.retire", skip_all)]
    async fn retire(&self) -> Result<(), Error> {
        let mut st = self.state.lock().await;
        st.access = None;
        st.ended = true;
        match st.refresh.take() {
            Some(r) => self.endpoint.revoke(&r).await,
            None => Ok(()),
        }
    }
}

/// Runs a blocking token-store call (D-Bus on Linux) off the async workers,
/// within [`keyring_timeout`]: a keyring that never answers (an unlock prompt
/// nobody can see) fails the call instead of hanging the app or the command.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Error> + Send + 'static) -> Result<T, Error> {
    let limit = keyring_timeout();
    match tokio::time::timeout(limit, tokio::task::spawn_blocking(f)).await {
        Ok(joined) => joined.map_err(|e| Error::Keyring(format!("the keyring call failed ({e})")))?,
        Err(_) => Err(Error::Keyring(format!(
            "the keyring did not answer within {} s (is it locked, waiting for an unlock prompt?)",
            limit.as_secs_f32()
        ))),
    }
}
