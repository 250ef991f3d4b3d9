//! One sign-in, from the authorize URL to a [`Session`]: bind the receiver,
//! (the caller opens the browser), wait for the callback, exchange the code,
//! learn who signed in (token_info when it answers, else `users/current`,
//! the token response's scope and the configured tenant), store the tokens.

use std::sync::Arc;
use std::time::Duration;

use oauth2::PkceCodeVerifier;
use url::Url;

use crate::config::{Account, OAuthConfig};
use crate::endpoint::{TokenEndpoint, TokenInfo};
use crate::error::Error;
use crate::loopback::{CancelHandle, Receiver};
use crate::pkce::Pkce;
use crate::secret::Secret;
use crate::session::{blocking, Session};
use crate::token_store::TokenStore;

/// How long to wait for the person in the browser (ilert's code lives 2 min
/// after consent; 5 minutes to get there is plenty).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// A sign-in whose receiver is listening.
pub struct SignIn {
    endpoint: TokenEndpoint,
    receiver: Receiver,
    verifier: PkceCodeVerifier,
    state: Secret,
    authorize_url: Url,
    scope: String,
    cancel: CancelHandle,
    cancel_rx: tokio::sync::watch::Receiver<bool>,
    timeout: Duration,
    /// The configured tenant, the account's tenant when ilert does not say.
    tenant: Option<String>,
}

/// What an account's tenant or user name reads when ilert did not tell it.
pub const UNKNOWN: &str = "unknown";

impl SignIn {
    /// Binds the redirect receiver (failing fast on a busy port) and builds
    /// the authorize URL. Nothing has been sent anywhere yet.
    #[tracing::instrument(name = "signin.start", skip_all)]
    pub async fn start(config: &OAuthConfig, http: reqwest::Client) -> Result<SignIn, Error> {
        let endpoint = TokenEndpoint::new(config, http)?;
        let receiver = Receiver::bind(&config.redirect_uri).await?;
        let pkce = Pkce::generate();
        let scope = config.scopes.clone();
        let authorize_url = endpoint.authorize_url(&pkce, &scope, receiver.redirect_uri());
        let (cancel, cancel_rx) = CancelHandle::new();
        tracing::info!(redirect = %receiver.redirect_uri(), "listening for the sign-in redirect");
        let tenant = config.tenant.clone().map(|t| t.trim().to_ascii_lowercase()).filter(|t| !t.is_empty());
        Ok(SignIn {
            endpoint,
            receiver,
            verifier: pkce.verifier,
            state: pkce.state,
            authorize_url,
            scope,
            cancel,
            cancel_rx,
            timeout: DEFAULT_TIMEOUT,
            tenant,
        })
    }

    pub fn with_timeout(mut self, timeout: Duration) -> SignIn {
        self.timeout = timeout;
        self
    }

    /// The URL to open in the system browser. It holds the state and the
    /// PKCE challenge, never the verifier; it is safe to show for copying.
    pub fn authorize_url(&self) -> &Url {
        &self.authorize_url
    }

    pub fn redirect_uri(&self) -> &Url {
        self.receiver.redirect_uri()
    }

    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.clone()
    }

    /// Waits for the callback and completes the sign-in. The tokens go to
    /// `store`; if that fails (keyring locked), the session continues in
    /// memory only and [`Session::is_persistent`] says so.
    #[tracing::instrument(name = "signin.finish", skip_all)]
    pub async fn finish(self, store: Arc<dyn TokenStore>) -> Result<Session, Error> {
        let code = self.receiver.wait(&self.state, self.timeout, self.cancel_rx).await?;
        let tokens = self.endpoint.exchange_code(&code, self.verifier).await?;
        // The code exchange is enough to be signed in; the rest is learnt
        // where ilert answers (none of ilert's own clients calls token_info).
        let info = match self.endpoint.token_info(&tokens.access).await {
            Ok(info) if info.active => Some(info),
            Ok(_) => {
                tracing::warn!("token_info calls the new access token inactive; not relying on it");
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "token_info did not answer; learning the account elsewhere");
                None
            }
        };
        let info = info.unwrap_or(TokenInfo { active: true, tenant_id: None, username: None, scope: None, app_id: None });
        let scope = info.scope.clone().or(tokens.scope.clone()).unwrap_or(self.scope);
        let username = match info.username.clone() {
            Some(u) => Some(u),
            None if scope.split_whitespace().any(|s| s.split(':').next() == Some("profile")) => {
                self.endpoint.current_username(&tokens.access).await.unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "users/current did not answer");
                    None
                })
            }
            None => None,
        };
        // Bound to the issuer in every case; unknown parts say so.
        let account = Account {
            issuer: self.endpoint.endpoints().issuer.clone(),
            tenant: info.tenant_id.or(self.tenant).unwrap_or_else(|| UNKNOWN.into()),
            username: username.unwrap_or_else(|| UNKNOWN.into()),
        };
        let session = Session::from_tokens(self.endpoint, store.clone(), account.clone(), tokens, scope);
        let Some(stored) = session.stored().await else { return Ok(session) };
        let (s, a) = (store, account.clone());
        let session = match blocking(move || s.save(&a, &stored)).await {
            Ok(()) => session,
            Err(e) => {
                tracing::warn!(error = %e, "tokens kept in memory only");
                session.into_memory().await
            }
        };
        tracing::info!(tenant = %account.tenant, user = %account.username, persistent = session.is_persistent(), "signed in");
        Ok(session)
    }
}
