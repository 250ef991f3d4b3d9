//! The sandbox's mutable state behind one lock, and the token minting that
//! needs it. Requests hold the lock only for map look-ups, never across I/O.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rand::Rng;
use serde::Serialize;

use crate::fault::{Fault, OAuthEvent};
use crate::seed::World;
use crate::{ClientApp, Config};

/// ilert keeps at most this many live refresh tokens per app and user.
pub const MAX_REFRESH_TOKENS: usize = 10;

/// The RS256 key that signs access tokens, as ilert signs its own. Made
/// once per process when the first sandbox starts, so no private key ships
/// in any binary; sandbox tokens protect nothing, so it never leaves memory.
fn access_signing_key() -> &'static rsa::RsaPrivateKey {
    static KEY: std::sync::OnceLock<rsa::RsaPrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("RSA key generation"))
}

/// The public half of the access-token key (SPKI PEM), to verify tokens with.
#[cfg(feature = "admin")]
pub(crate) fn access_public_key_pem() -> String {
    use rsa::pkcs8::EncodePublicKey;
    access_signing_key().to_public_key().to_public_key_pem(rsa::pkcs8::LineEnding::LF).expect("PEM encoding")
}

#[derive(Debug, Clone)]
pub struct Consent {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub code_challenge: String,
    pub expires: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Code {
    pub client_id: String,
    pub scope: String,
    pub code_challenge: String,
    pub username: String,
    pub expires: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct AccessGrant {
    pub app_id: i64,
    pub username: String,
    pub scope: String,
    pub expires: DateTime<Utc>,
    pub revoked: bool,
}

#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub token: String,
    pub client_id: String,
    pub username: String,
    pub scope: String,
    /// Issue order: "the oldest is revoked" needs an order finer than a clock tick.
    pub seq: u64,
    pub expires: DateTime<Utc>,
    pub revoked: bool,
}

pub struct Inner {
    pub config: Config,
    pub world: World,
    pub consents: HashMap<String, Consent>,
    pub codes: HashMap<String, Code>,
    pub access: HashMap<String, AccessGrant>,
    /// Keyed by the refresh token's `il_k` claim.
    pub refresh: HashMap<String, RefreshGrant>,
    pub log: Vec<OAuthEvent>,
    pub faults: Vec<Fault>,
    /// Every request's path, oldest first (tests count retries and pages).
    pub requests: Vec<String>,
    /// Requests per path since the start (never trimmed, unlike `requests`).
    pub per_path: std::collections::BTreeMap<String, u64>,
    /// Requests answered 304 Not Modified (an `If-None-Match` that matched).
    pub not_modified: u64,
    /// Every code it issued (codes are forgotten once used), for leak scans.
    pub issued_codes: Vec<String>,
    /// Requests being handled now, and the most there ever were at once.
    pub in_flight: usize,
    pub peak_in_flight: usize,
    /// Time spent handling requests (injected latency and faults excluded):
    /// what benchmarks subtract to get a client's own overhead.
    pub busy: std::time::Duration,
    /// The rate limiter's counts (`Config::rate_limit`).
    pub limits: crate::limits::Counts,
    nonce: u64,
}

/// A handle on a running sandbox's state: cheap to clone, shared by the
/// request handlers and the tests.
#[derive(Clone)]
pub struct Knobs {
    inner: Arc<Mutex<Inner>>,
    keys: Arc<Keys>,
}

struct Keys {
    access: EncodingKey,
    refresh: EncodingKey,
    refresh_secret: Vec<u8>,
}

/// The JSON body of a successful token response, field for field as ilert's.
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub token_type: &'static str,
    pub access_token: String,
    pub expires_in: i64,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token_expires_in: Option<i64>,
}

impl Knobs {
    pub(crate) fn new(config: Config) -> Knobs {
        let mut world = if config.large { World::large(config.seed, Utc::now()) } else { World::seeded(config.seed, Utc::now()) };
        // The seed decides the tenant, never a secret in it: keys anew each start.
        for source in &mut world.sources {
            source.integration_key = crate::seed::uuid_like(rand::rng().random());
        }
        let refresh_secret: [u8; 32] = rand::rng().random();
        let keys = Keys {
            access: {
                use rsa::pkcs1::EncodeRsaPrivateKey;
                EncodingKey::from_rsa_der(access_signing_key().to_pkcs1_der().expect("DER encoding").as_bytes())
            },
            refresh: EncodingKey::from_secret(&refresh_secret),
            refresh_secret: refresh_secret.to_vec(),
        };
        Knobs {
            inner: Arc::new(Mutex::new(Inner {
                config,
                world,
                consents: HashMap::new(),
                codes: HashMap::new(),
                access: HashMap::new(),
                refresh: HashMap::new(),
                log: Vec::new(),
                faults: Vec::new(),
                requests: Vec::new(),
                per_path: Default::default(),
                not_modified: 0,
                issued_codes: Vec::new(),
                in_flight: 0,
                peak_in_flight: 0,
                busy: std::time::Duration::ZERO,
                limits: Default::default(),
                nonce: 0,
            })),
            keys: Arc::new(keys),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn client(&self, client_id: &str) -> Option<ClientApp> {
        self.lock().config.clients.iter().find(|c| c.client_id == client_id).cloned()
    }

    pub(crate) fn refresh_secret(&self) -> &[u8] {
        &self.keys.refresh_secret
    }

    /// Mints an access token (and a refresh token when `with_refresh`),
    /// enforcing ilert's limit of ten live refresh tokens per app and user.
    pub(crate) fn issue(&self, client: &ClientApp, username: &str, scope: &str, refresh: RefreshIssue) -> TokenResponse {
        let now = Utc::now();
        let mut guard = self.lock();
        let inner = &mut *guard;
        let access_life = inner.config.access_token_lifetime;
        let refresh_life = inner.config.refresh_token_lifetime;
        inner.nonce += 1;
        let exp = now + chrono::Duration::from_std(access_life).unwrap_or_default();
        let claims = serde_json::json!({
            "il_n": format!("{:x}", inner.nonce),
            "il_a": client.app_id,
            "il_s": scope,
            "iss": "ilert",
            "il_u": username,
            "il_t": "ACCESS",
            "il_v": 1,
            "exp": exp.timestamp(),
        });
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some("JWT".into());
        let access_token = jsonwebtoken::encode(&header, &claims, &self.keys.access).expect("RS256 signing");
        inner.access.insert(
            access_token.clone(),
            AccessGrant { app_id: client.app_id, username: username.to_string(), scope: scope.to_string(), expires: exp, revoked: false },
        );

        let (refresh_token, refresh_expires_in) = match refresh {
            RefreshIssue::None => (None, None),
            RefreshIssue::Keep(key) => match inner.refresh.get(&key) {
                Some(g) => (Some(g.token.clone()), Some((g.expires - now).num_seconds())),
                None => (None, None),
            },
            RefreshIssue::New => {
                let key = format!("{:032x}", rand::rng().random::<u128>());
                let rexp = now + chrono::Duration::from_std(refresh_life).unwrap_or_default();
                let claims = serde_json::json!({
                    "iss": "ilert", "il_t": "OAUTH", "il_v": 1, "exp": rexp.timestamp(), "il_k": key,
                });
                let mut header = Header::new(Algorithm::HS256);
                header.typ = Some("JWT".into());
                let token = jsonwebtoken::encode(&header, &claims, &self.keys.refresh).expect("HS256 signing");
                inner.refresh.insert(
                    key,
                    RefreshGrant {
                        token: token.clone(),
                        client_id: client.client_id.clone(),
                        username: username.to_string(),
                        scope: scope.to_string(),
                        seq: inner.nonce,
                        expires: rexp,
                        revoked: false,
                    },
                );
                enforce_refresh_limit(&mut inner.refresh, &client.client_id, username, now);
                (Some(token), Some(refresh_life.as_secs() as i64))
            }
        };

        TokenResponse {
            token_type: "Bearer",
            access_token,
            expires_in: access_life.as_secs() as i64,
            scope: scope.to_string(),
            refresh_token,
            refresh_token_expires_in: refresh_expires_in,
        }
    }

    /// The grant behind a bearer token, if it is live.
    pub(crate) fn access_grant(&self, token: &str) -> Option<AccessGrant> {
        let inner = self.lock();
        inner.access.get(token).filter(|g| !g.revoked && g.expires > Utc::now()).cloned()
    }

    pub(crate) fn record(&self, event: OAuthEvent) {
        self.lock().log.push(event);
    }

    pub(crate) fn latency(&self) -> Duration {
        self.lock().config.latency
    }
}

pub(crate) enum RefreshIssue {
    None,
    New,
    /// Hand back the refresh token with this key unchanged (no rotation).
    Keep(String),
}

/// Revokes the oldest live refresh tokens of (client, user) past the limit.
fn enforce_refresh_limit(refresh: &mut HashMap<String, RefreshGrant>, client_id: &str, username: &str, now: DateTime<Utc>) {
    let mut live: Vec<(u64, String)> = refresh
        .iter()
        .filter(|(_, g)| g.client_id == client_id && g.username == username && !g.revoked && g.expires > now)
        .map(|(k, g)| (g.seq, k.clone()))
        .collect();
    if live.len() <= MAX_REFRESH_TOKENS {
        return;
    }
    live.sort();
    for (_, key) in live.iter().take(live.len() - MAX_REFRESH_TOKENS) {
        if let Some(g) = refresh.get_mut(key) {
            g.revoked = true;
        }
    }
}
