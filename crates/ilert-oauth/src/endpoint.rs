//! ilert's token, token_info and revoke endpoints.
//!
//! The `oauth2` crate builds the authorize URL and the code and refresh
//! exchanges; the response and error types are ours, because
//! ilert's error body is `{"code": "invalid_grant", "error": "<text>"}` (not
//! RFC 6749's `{error, error_description}`, which is accepted too) and comes
//! with 401 for `invalid_grant`. The HTTP client follows no redirect, so a
//! token request is never replayed to another host; a 429 or 5xx is reported
//! as transient before oauth2 tries to read it as an OAuth error. Revoke and
//! token_info are plain form POSTs: ilert's revoke takes `token` alone, and
//! oauth2 refuses a non-HTTPS revocation URL, which the loopback sandbox is.

use std::time::Duration;

use oauth2::basic::{BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, CsrfToken, EndpointNotSet, EndpointSet, ErrorResponse, ExtraTokenFields, PkceCodeVerifier,
    RefreshToken, RequestTokenError, Scope, StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::config::{Endpoints, OAuthConfig};
use crate::error::{transport, Error};
use crate::pkce::Pkce;
use crate::secret::Secret;

/// ilert adds `refresh_token_expires_in` to the standard token response.
/// Read leniently (any number, or absent): nothing depends on it, so an
/// odd value must never fail a sign-in.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct IlertTokenFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_expires_in: Option<serde_json::Number>,
}
impl ExtraTokenFields for IlertTokenFields {}

type IlertTokenResponse = StandardTokenResponse<IlertTokenFields, BasicTokenType>;

/// An OAuth error body in either of the formats ilert's clients meet.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct IlertErrorBody {
    /// ilert: the error code.
    #[serde(default)]
    pub code: Option<String>,
    /// ilert: human text; RFC 6749: the error code.
    #[serde(default)]
    pub error: Option<String>,
    /// RFC 6749: human text.
    #[serde(default)]
    pub error_description: Option<String>,
}

impl IlertErrorBody {
    /// The machine code (`invalid_grant`, …).
    pub fn code(&self) -> &str {
        self.code.as_deref().or(self.error.as_deref()).unwrap_or("unknown_error")
    }
    /// The human text.
    pub fn text(&self) -> &str {
        let t = if self.code.is_some() { self.error.as_deref() } else { self.error_description.as_deref() };
        t.unwrap_or("no description")
    }
}

impl std::fmt::Display for IlertErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code(), self.text())
    }
}
impl ErrorResponse for IlertErrorBody {}

/// `invalid_grant` means the grant is gone (sign in again); any other code
/// is a refused request.
impl From<IlertErrorBody> for Error {
    fn from(b: IlertErrorBody) -> Error {
        match b.code() {
            "invalid_grant" => Error::InvalidGrant(b.text().to_string()),
            code => Error::OAuth { code: code.to_string(), message: b.text().to_string() },
        }
    }
}

type OAuthClient = oauth2::Client<
    IlertErrorBody,
    IlertTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// What a successful token request gives.
#[derive(Debug)]
pub struct Tokens {
    pub access: Secret,
    pub expires_in: Duration,
    /// Present when `offline_access` was granted (and, on refresh, when ilert
    /// hands a refresh token back, rotated or not).
    pub refresh: Option<Secret>,
    pub scope: Option<String>,
}

/// ilert's token_info answer. An expired, revoked or refresh token is `{"active": false}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct TokenInfo {
    pub active: bool,
    #[serde(default)]
    pub tenant_id: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub app_id: Option<i64>,
}

/// Why the HTTP layer gave up before oauth2 saw a response.
#[derive(Debug, thiserror::Error)]
pub enum Transport {
    #[error("{0}")]
    Network(String),
    #[error("HTTP {0}")]
    Status(u16),
}

/// The one HTTP client for ilert: no redirects, bounded time, our user
/// agent. TLS trusts the OS certificate store as well as the bundled roots
/// (a corporate TLS-inspecting proxy's CA is usually installed there), and
/// the proxy environment variables work, except for loopback, which never
/// goes through a proxy (the sandbox, a local ilert).
///
/// Built once per process and shared (a clone is a handle): loading the OS
/// certificate store takes milliseconds, and one connection pool serves all.
pub fn http_client() -> reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| http_client_with_env(|k| std::env::var(k).ok())).clone()
}

/// [`http_client`] with the environment read through `env` (tests).
pub fn http_client_with_env(env: impl Fn(&str) -> Option<String>) -> reqwest::Client {
    let mut b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("ilert-desktop/", env!("CARGO_PKG_VERSION")));
    for proxy in proxies(&env) {
        b = b.proxy(proxy);
    }
    b.build().expect("the HTTP client builds")
}

/// The proxies the environment names (lower case wins, as curl reads
/// them), each bypassing loopback and whatever `NO_PROXY` lists. Giving
/// reqwest its proxies turns its own reading of the environment off.
fn proxies(env: &impl Fn(&str) -> Option<String>) -> Vec<reqwest::Proxy> {
    let var = |name: &str| env(&name.to_ascii_lowercase()).or_else(|| env(name)).filter(|v| !v.trim().is_empty());
    let no_proxy = ["localhost", "127.0.0.1", "::1"].into_iter().map(str::to_string).chain(var("NO_PROXY")).collect::<Vec<_>>().join(",");
    let bypass = || reqwest::NoProxy::from_string(&no_proxy);
    let mut out = Vec::new();
    for name in ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"] {
        if let Some(url) = var(name) {
            let made = match name {
                "HTTPS_PROXY" => reqwest::Proxy::https(url.as_str()),
                "HTTP_PROXY" => reqwest::Proxy::http(url.as_str()),
                _ => reqwest::Proxy::all(url.as_str()),
            };
            match made {
                Ok(p) => out.push(p.no_proxy(bypass())),
                Err(_) => tracing::warn!(variable = name, "ignoring a proxy variable that is not a URL"),
            }
        }
    }
    out
}

/// oauth2's HTTP client trait over our reqwest client, with `Send` futures
/// (a closure would make every caller's future non-`Send`).
#[derive(Clone)]
struct IlertHttp(reqwest::Client);

impl<'c> oauth2::AsyncHttpClient<'c> for IlertHttp {
    type Error = Transport;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<oauth2::HttpResponse, Transport>> + Send + 'c>>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(send(&self.0, request))
    }
}

/// The token endpoints of one configured ilert app.
#[derive(Clone)]
pub struct TokenEndpoint {
    oauth: OAuthClient,
    http: IlertHttp,
    endpoints: Endpoints,
}

impl TokenEndpoint {
    pub fn new(config: &OAuthConfig, http: reqwest::Client) -> Result<TokenEndpoint, Error> {
        let client_id = Some(config.client_id.trim()).filter(|c| !c.is_empty()).ok_or(Error::NoClientId)?;
        let endpoints = config.endpoints.clone();
        // No redirect URI on the client: oauth2 would send it to the token
        // endpoint, which no ilert client does. It goes on the authorize URL only.
        let oauth = oauth2::Client::new(ClientId::new(client_id.to_string()))
            .set_auth_uri(AuthUrl::from_url(endpoints.authorize.clone()))
            .set_token_uri(TokenUrl::from_url(endpoints.token.clone()));
        Ok(TokenEndpoint { oauth, http: IlertHttp(http), endpoints })
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// The URL to open in the browser.
    pub fn authorize_url(&self, pkce: &Pkce, scopes: &str, redirect_uri: &Url) -> Url {
        let state = pkce.state.clone();
        let (url, _) = self
            .oauth
            .authorize_url(move || CsrfToken::new(state.expose().to_string()))
            .add_scopes(scopes.split_whitespace().map(|s| Scope::new(s.to_string())))
            .add_extra_param("redirect_uri", redirect_uri.as_str())
            .set_pkce_challenge(pkce.challenge.clone())
            .url();
        url
    }

    #[tracing::instrument(name = "oauth.exchange_code", skip_all)]
    pub async fn exchange_code(&self, code: &Secret, verifier: PkceCodeVerifier) -> Result<Tokens, Error> {
        let resp = self
            .oauth
            .exchange_code(AuthorizationCode::new(code.expose().to_string()))
            .set_pkce_verifier(verifier)
            .request_async(&self.http)
            .await
            .map_err(map_token_error)?;
        Ok(tokens(resp))
    }

    #[tracing::instrument(name = "oauth.refresh", skip_all)]
    pub async fn refresh(&self, refresh: &Secret) -> Result<Tokens, Error> {
        let rt = RefreshToken::new(refresh.expose().to_string());
        let resp = self.oauth.exchange_refresh_token(&rt).request_async(&self.http).await.map_err(map_token_error)?;
        Ok(tokens(resp))
    }

    /// ilert's token_info: tenant, username and granted scope of an access
    /// token. `client_id` goes beside `token`, as RFC 7662 asks of a public
    /// client (ilert's examples send `token` alone; an extra field does not
    /// change its answer). Nothing depends on it: callers treat any failure
    /// as "not known".
    #[tracing::instrument(name = "oauth.token_info", skip_all)]
    pub async fn token_info(&self, access: &Secret) -> Result<TokenInfo, Error> {
        let resp = self
            .http
            .0
            .post(self.endpoints.token_info.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[("token", access.expose()), ("client_id", self.client_id())])
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status();
        check_transient(status.as_u16())?;
        let bytes = resp.bytes().await.map_err(transport)?;
        if !status.is_success() {
            return Err(match serde_json::from_slice::<IlertErrorBody>(&bytes) {
                Ok(b) if b.code.is_some() || b.error.is_some() => b.into(),
                _ => Error::UnexpectedResponse(format!("token_info answered HTTP {status}")),
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| Error::UnexpectedResponse(format!("token_info: {e}")))
    }

    /// The signed-in user's name from `GET /api/users/current` (needs the
    /// `profile` scope): how the account is learnt when token_info does not answer.
    #[tracing::instrument(name = "oauth.current_user", skip_all)]
    pub async fn current_username(&self, access: &Secret) -> Result<Option<String>, Error> {
        #[derive(Deserialize)]
        struct Me {
            username: Option<String>,
            email: Option<String>,
        }
        let url = self.endpoints.api.join("users/current").map_err(|e| Error::Config(e.to_string()))?;
        let resp = self
            .http
            .0
            .get(url)
            .bearer_auth(access.expose())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status();
        check_transient(status.as_u16())?;
        if !status.is_success() {
            return Err(Error::UnexpectedResponse(format!("users/current answered HTTP {status}")));
        }
        let me: Me = resp.json().await.map_err(|e| Error::UnexpectedResponse(format!("users/current: {}", e.without_url())))?;
        Ok(me.username.filter(|u| !u.is_empty()).or(me.email))
    }

    fn client_id(&self) -> &str {
        self.oauth.client_id().as_str()
    }

    /// Revokes a refresh token: a form with `token` (ilert's documented
    /// request) and `client_id` (how RFC 7009 identifies a public client;
    /// extra to ilert, harmless). Access tokens already issued stay valid
    /// until they expire.
    #[tracing::instrument(name = "oauth.revoke", skip_all)]
    pub async fn revoke(&self, refresh: &Secret) -> Result<(), Error> {
        let resp = self
            .http
            .0
            .post(self.endpoints.revoke.clone())
            .form(&[("token", refresh.expose()), ("client_id", self.client_id())])
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status();
        check_transient(status.as_u16())?;
        if !status.is_success() {
            return Err(Error::OAuth { code: "revoke_failed".into(), message: format!("ilert answered HTTP {status}") });
        }
        Ok(())
    }
}

fn check_transient(status: u16) -> Result<(), Error> {
    match status {
        429 => Err(Error::RateLimited),
        500..=599 => Err(Error::Unavailable(format!("ilert answered HTTP {status}"))),
        _ => Ok(()),
    }
}

/// Sends an oauth2 request with our client; 429 and 5xx stop here as transient.
async fn send(http: &reqwest::Client, req: oauth2::HttpRequest) -> Result<oauth2::HttpResponse, Transport> {
    let req = reqwest::Request::try_from(req).map_err(|e| Transport::Network(e.without_url().to_string()))?;
    let resp = http.execute(req).await.map_err(|e| {
        let e = e.without_url();
        Transport::Network(if e.is_timeout() { "the request timed out".into() } else { crate::error::describe_transport(&e) })
    })?;
    let status = resp.status();
    if status.as_u16() == 429 || status.is_server_error() {
        return Err(Transport::Status(status.as_u16()));
    }
    let mut builder = http::Response::builder().status(status);
    for (name, value) in resp.headers() {
        builder = builder.header(name, value);
    }
    let body = resp.bytes().await.map_err(|e| Transport::Network(e.without_url().to_string()))?;
    builder.body(body.to_vec()).map_err(|e| Transport::Network(e.to_string()))
}

fn transport_error(t: Transport) -> Error {
    match t {
        Transport::Status(429) => Error::RateLimited,
        Transport::Status(s) => Error::Unavailable(format!("ilert answered HTTP {s}")),
        Transport::Network(m) => Error::Unavailable(m),
    }
}

fn map_token_error(e: RequestTokenError<Transport, IlertErrorBody>) -> Error {
    match e {
        RequestTokenError::ServerResponse(b) => b.into(),
        RequestTokenError::Request(t) => transport_error(t),
        other => Error::UnexpectedResponse(describe(&other)),
    }
}

/// A parse failure's description without the body or serde's message, either
/// of which may quote a token.
fn describe<RE: std::error::Error + 'static, T: ErrorResponse>(e: &RequestTokenError<RE, T>) -> String {
    match e {
        RequestTokenError::Parse(p, _) => format!("malformed token response (at '{}')", p.path()),
        RequestTokenError::Other(s) => s.clone(),
        RequestTokenError::Request(r) => r.to_string(),
        RequestTokenError::ServerResponse(_) => "error response".into(),
    }
}

fn tokens(resp: IlertTokenResponse) -> Tokens {
    Tokens {
        access: Secret::new(resp.access_token().secret().clone()),
        // ilert always sends expires_in (3600); be conservative if it does not.
        expires_in: resp.expires_in().unwrap_or(Duration::from_secs(300)),
        refresh: resp.refresh_token().map(|r| Secret::new(r.secret().clone())),
        scope: resp.scopes().map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_token_expires_in_may_be_any_number_or_absent() {
        for extra in
            [r#","refresh_token_expires_in":31536000"#, r#","refresh_token_expires_in":-1"#, r#","refresh_token_expires_in":3.1536E7"#, ""]
        {
            let json = format!(r#"{{"token_type":"Bearer","access_token":"a","expires_in":3600,"refresh_token":"r"{extra}}}"#);
            let resp: IlertTokenResponse = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{extra}: {e}"));
            assert_eq!(tokens(resp).refresh.unwrap().expose(), "r");
        }
    }

    #[test]
    fn both_error_formats_parse() {
        let ilert: IlertErrorBody = serde_json::from_str(r#"{"code":"invalid_grant","error":"Provided code is unknown"}"#).unwrap();
        assert_eq!((ilert.code(), ilert.text()), ("invalid_grant", "Provided code is unknown"));
        let rfc: IlertErrorBody = serde_json::from_str(r#"{"error":"invalid_grant","error_description":"expired"}"#).unwrap();
        assert_eq!((rfc.code(), rfc.text()), ("invalid_grant", "expired"));
    }

    /// A proxy from the environment carries ilert's traffic; loopback never
    /// goes through it.
    #[tokio::test]
    async fn proxies_from_the_environment_but_never_for_loopback() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
        let seen = tokio::spawn(async move {
            let (mut c, _) = proxy.accept().await.unwrap();
            let mut buf = vec![0u8; 1024];
            let n = c.read(&mut buf).await.unwrap();
            let _ = c.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n").await;
            String::from_utf8_lossy(&buf[..n]).lines().next().unwrap_or_default().to_string()
        });
        let local = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let local_addr = local.local_addr().unwrap();
        let served = tokio::spawn(async move {
            let (mut c, _) = local.accept().await.unwrap();
            let mut buf = vec![0u8; 1024];
            let _ = c.read(&mut buf).await;
            c.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").await.unwrap();
        });
        let env = move |k: &str| match k {
            "HTTPS_PROXY" | "HTTP_PROXY" => Some(proxy_url.clone()),
            _ => None,
        };
        let http = http_client_with_env(env);
        let direct = http.get(format!("http://{local_addr}/")).send().await.unwrap();
        assert_eq!(direct.status(), 204, "loopback went direct");
        served.await.unwrap();
        assert!(http.get("https://api.ilert.com/api/users/current").send().await.is_err(), "through the proxy, which refused");
        assert_eq!(seen.await.unwrap(), "CONNECT api.ilert.com:443 HTTP/1.1");
    }

    #[test]
    fn authorize_url_carries_pkce_state_scope_and_redirect() {
        let s = OAuthConfig {
            client_id: "cid".into(),
            endpoints: Endpoints::resolve(None, Some("acme"), None).unwrap(),
            redirect_uri: "http://localhost:4598/callback".into(),
            scopes: "profile".into(),
            tenant: Some("acme".into()),
        };
        let ep = TokenEndpoint::new(&s, http_client()).unwrap();
        let pkce = Pkce::generate();
        let url = ep.authorize_url(&pkce, "profile offline_access", &Url::parse("http://localhost:4598/callback").unwrap());
        assert_eq!(url.host_str(), Some("acme.ilert.com"));
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["client_id"], "cid");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["redirect_uri"], "http://localhost:4598/callback");
        assert_eq!(q["scope"], "profile offline_access");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["code_challenge"], pkce.challenge.as_str());
        assert!(pkce.state.ct_eq(&q["state"]));
        assert!(!q.contains_key("code_verifier"));
    }
}
