//! The test controls over HTTP, under `/__sandbox/` (a path ilert does not
//! use, never faulted or delayed): for tests that drive a sandbox in another
//! process (`cargo run -p ilert-sandbox --features admin`). Compiled with the
//! `admin` feature only, which the app's demo never has.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::knobs::{Fault, Knobs, OAuthEvent};

#[derive(Debug, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ConfigPatch {
    access_token_lifetime_secs: Option<u64>,
    code_lifetime_secs: Option<u64>,
    rotate_refresh_tokens: Option<bool>,
    latency_millis: Option<u64>,
    consent_username: Option<String>,
    introspection: Option<crate::Introspection>,
    nulls: Option<bool>,
    expired_as_key_error: Option<bool>,
    etags: Option<bool>,
}

pub(crate) fn routes() -> Router<Arc<Knobs>> {
    Router::new()
        .route("/__sandbox/config", get(get_config).post(patch_config))
        .route("/__sandbox/faults", post(add_fault).delete(clear_faults))
        .route("/__sandbox/log", get(oauth_log))
        .route("/__sandbox/requests", get(requests_by_path))
        .route("/__sandbox/expire-access-tokens", post(expire_access_tokens))
        .route("/__sandbox/clients", post(register_client))
}

async fn requests_by_path(State(k): State<Arc<Knobs>>) -> Json<std::collections::BTreeMap<String, u64>> {
    Json(k.requests_by_path())
}

async fn get_config(State(k): State<Arc<Knobs>>) -> Json<ConfigPatch> {
    let inner = k.lock();
    Json(ConfigPatch {
        access_token_lifetime_secs: Some(inner.config.access_token_lifetime.as_secs()),
        code_lifetime_secs: Some(inner.config.code_lifetime.as_secs()),
        rotate_refresh_tokens: Some(inner.config.rotate_refresh_tokens),
        latency_millis: Some(inner.config.latency.as_millis() as u64),
        consent_username: Some(inner.config.consent_username.clone()),
        introspection: Some(inner.config.introspection),
        nulls: Some(inner.config.nulls),
        expired_as_key_error: Some(inner.config.expired_as_key_error),
        etags: Some(inner.config.etags),
    })
}

async fn patch_config(State(k): State<Arc<Knobs>>, Json(p): Json<ConfigPatch>) -> Json<ConfigPatch> {
    if let Some(s) = p.access_token_lifetime_secs {
        k.set_access_token_lifetime(Duration::from_secs(s));
    }
    if let Some(s) = p.code_lifetime_secs {
        k.set_code_lifetime(Duration::from_secs(s));
    }
    if let Some(r) = p.rotate_refresh_tokens {
        k.set_rotate_refresh_tokens(r);
    }
    if let Some(ms) = p.latency_millis {
        k.set_latency(Duration::from_millis(ms));
    }
    if let Some(u) = p.consent_username {
        k.set_consent_username(&u);
    }
    if let Some(m) = p.introspection {
        k.set_introspection(m);
    }
    if let Some(n) = p.nulls {
        k.set_nulls(n);
    }
    if let Some(e) = p.expired_as_key_error {
        k.set_expired_as_key_error(e);
    }
    if let Some(e) = p.etags {
        k.set_etags(e);
    }
    get_config(State(k)).await
}

async fn add_fault(State(k): State<Arc<Knobs>>, Json(f): Json<Fault>) -> StatusCode {
    k.add_fault(f);
    StatusCode::NO_CONTENT
}

async fn clear_faults(State(k): State<Arc<Knobs>>) -> StatusCode {
    k.clear_faults();
    StatusCode::NO_CONTENT
}

async fn oauth_log(State(k): State<Arc<Knobs>>) -> Json<Vec<OAuthEvent>> {
    Json(k.oauth_log())
}

async fn expire_access_tokens(State(k): State<Arc<Knobs>>) -> StatusCode {
    k.expire_access_tokens();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewClient {
    client_id: String,
    redirect_uri: String,
}

async fn register_client(State(k): State<Arc<Knobs>>, Json(c): Json<NewClient>) -> StatusCode {
    k.register_client(&c.client_id, &c.redirect_uri);
    StatusCode::NO_CONTENT
}
