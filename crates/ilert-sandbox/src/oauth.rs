//! ilert's OAuth2 endpoints under `/api/developers/oauth2/`.
//!
//! Error bodies follow ilert, not RFC 6749: `{"code": "...", "error": "<text>"}`
//! with `invalid_grant` as 401 and the other codes as 400 (500 for
//! `server_error`). Authorize errors go back to the redirect URI as
//! `error`/`error_description`, with `state` echoed; a bad client or redirect
//! URI gets an error page and is never redirected to.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use chrono::Utc;
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::knobs::OAuthEvent;
use crate::scope;
use crate::state::{Code, Consent, Knobs, RefreshIssue};
use crate::Introspection;

const BASE: &str = "/api/developers/oauth2";

pub(crate) fn routes() -> Router<Arc<Knobs>> {
    Router::new()
        .route(&format!("{BASE}/authorize"), get(authorize).post(decide))
        .route(&format!("{BASE}/token"), post(token))
        .route(&format!("{BASE}/token_info"), post(token_info))
        .route(&format!("{BASE}/revoke"), post(revoke))
}

/// Parses a query string or form body; a repeated parameter is an error
/// (RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once").
fn params(raw: &[u8]) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw) {
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(format!("parameter {k} is repeated"));
        }
    }
    Ok(out)
}

/// ilert's token-endpoint error.
fn oauth_error(code: &str, text: &str) -> Response {
    let status = match code {
        "invalid_grant" => StatusCode::UNAUTHORIZED,
        "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    let mut resp = (status, no_store(), Json(serde_json::json!({ "code": code, "error": text }))).into_response();
    resp.extensions_mut().insert(ErrorCode(code.to_string()));
    resp
}

/// The ilert error code of a response, kept for the OAuth request log.
#[derive(Clone)]
struct ErrorCode(String);

fn no_store() -> [(header::HeaderName, &'static str); 2] {
    [(header::CACHE_CONTROL, "no-store"), (header::PRAGMA, "no-cache")]
}

fn error_page(status: StatusCode, title: &str, text: &str) -> Response {
    (status, Html(page(title, &format!("<p>{}</p>", escape(text))))).into_response()
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t} · ilert sandbox</title>\
<style>body{{font:16px system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1f2937}}\
h1{{font-size:1.4rem}}li{{margin:.3rem 0}}button{{font:inherit;padding:.5rem 1.2rem;margin-right:.6rem;border-radius:.4rem;border:1px solid #9ca3af;cursor:pointer}}\
button[value=approve]{{background:#2563eb;color:#fff;border-color:#2563eb}}.note{{color:#6b7280;font-size:.85rem}}</style></head>\
<body><h1>{t}</h1>{body}<p class=\"note\">ilert sandbox — a local stand-in for ilert, not ilert itself.</p></body></html>",
        t = escape(title)
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// Appends `error`, `error_description` and the echoed `state` to the redirect URI.
fn redirect_with(redirect_uri: &str, pairs: &[(&str, &str)], state: Option<&str>) -> Response {
    let mut url = match url::Url::parse(redirect_uri) {
        Ok(u) => u,
        Err(_) => return error_page(StatusCode::BAD_REQUEST, "Invalid redirect URI", "The redirect URI is not a URL."),
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
        if let Some(s) = state {
            q.append_pair("state", s);
        }
    }
    Redirect::to(url.as_str()).into_response()
}

async fn authorize(State(k): State<Arc<Knobs>>, RawQuery(q): RawQuery) -> Response {
    let resp = authorize_inner(&k, q.unwrap_or_default().as_bytes());
    k.record(OAuthEvent { endpoint: "authorize".into(), grant_type: None, status: resp.status().as_u16(), error: None });
    resp
}

fn authorize_inner(k: &Knobs, raw: &[u8]) -> Response {
    let p = match params(raw) {
        Ok(p) => p,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, "Invalid request", &e),
    };
    let Some(client) = p.get("client_id").and_then(|id| k.client(id)) else {
        return error_page(StatusCode::BAD_REQUEST, "Unknown application", "No ilert app is registered with this client_id.");
    };
    let Some(redirect_uri) = p.get("redirect_uri").filter(|r| client.redirect_uris.iter().any(|u| u == *r)) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Redirect URI mismatch",
            "The redirect_uri must be exactly one of the URIs registered for this app (scheme, host, port and path).",
        );
    };
    let state = p.get("state").map(String::as_str);
    let fail = |code: &str, text: &str| redirect_with(redirect_uri, &[("error", code), ("error_description", text)], state);

    if p.get("response_type").map(String::as_str) != Some("code") {
        return fail("invalid_request", "response_type must be 'code'");
    }
    let Some(challenge) = p.get("code_challenge") else {
        return fail("invalid_request", "code_challenge is required for public clients");
    };
    if p.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return fail("invalid_request", "code_challenge_method must be 'S256'");
    }
    if challenge.len() != 43 || !challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return fail("invalid_request", "code_challenge must be base64url(SHA-256(code_verifier)) without padding");
    }
    let scopes = match scope::parse(p.get("scope").map(String::as_str).unwrap_or("")) {
        Ok(s) if !s.is_empty() => s,
        Ok(_) => return fail("invalid_scope", "At least one scope is required"),
        Err(bad) => return fail("invalid_scope", &format!("Unknown scope: {bad}")),
    };
    if k.lock().config.strict_scopes {
        if let Some(twice) = scope::named_twice(&scopes) {
            return fail("invalid_scope", &format!("Scope {twice} is requested at more than one level"));
        }
    }

    let consent_id = format!("{:032x}", rand::rng().random::<u128>());
    let username = k.lock().config.consent_username.clone();
    k.lock().consents.insert(
        consent_id.clone(),
        Consent {
            client_id: client.client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            scope: scopes.join(" "),
            state: state.map(str::to_string),
            code_challenge: challenge.clone(),
            expires: Utc::now() + chrono::Duration::minutes(10),
        },
    );
    let items: String = scopes.iter().map(|s| format!("<li>{} <code>{}</code></li>", escape(&scope::describe(s)), escape(s))).collect();
    let body = format!(
        "<p>The app <strong>{app}</strong> asks to act on your behalf as <strong>{user}</strong> in the tenant <strong>{tenant}</strong>:</p>\
<ul>{items}</ul>\
<form method=\"post\" action=\"{BASE}/authorize\">\
<input type=\"hidden\" name=\"consent_id\" value=\"{consent_id}\">\
<button type=\"submit\" name=\"decision\" value=\"approve\" autofocus>Approve</button>\
<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>",
        app = escape(&client.client_id),
        user = escape(&username),
        tenant = crate::seed::TENANT,
    );
    (
        [(header::CACHE_CONTROL, "no-store"), (header::HeaderName::from_static("x-frame-options"), "DENY")],
        Html(page("Authorize access to ilert", &body)),
    )
        .into_response()
}

async fn decide(State(k): State<Arc<Knobs>>, body: Bytes) -> Response {
    let resp = decide_inner(&k, &body);
    k.record(OAuthEvent { endpoint: "consent".into(), grant_type: None, status: resp.status().as_u16(), error: None });
    resp
}

fn decide_inner(k: &Knobs, body: &[u8]) -> Response {
    let p = match params(body) {
        Ok(p) => p,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, "Invalid request", &e),
    };
    let consent = p.get("consent_id").and_then(|id| k.lock().consents.remove(id)).filter(|c| c.expires > Utc::now());
    let Some(consent) = consent else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Consent expired",
            "This consent page is no longer valid. Start the sign-in again from the app.",
        );
    };
    let state = consent.state.as_deref();
    match p.get("decision").map(String::as_str) {
        Some("approve") => {
            let code = format!("{:028x}", rand::rng().random::<u128>() >> 16);
            let (username, lifetime) = {
                let inner = k.lock();
                (inner.config.consent_username.clone(), inner.config.code_lifetime)
            };
            k.lock().issued_codes.push(code.clone());
            k.lock().codes.insert(
                code.clone(),
                Code {
                    client_id: consent.client_id,
                    scope: consent.scope,
                    code_challenge: consent.code_challenge,
                    username,
                    expires: Utc::now() + chrono::Duration::from_std(lifetime).unwrap_or_default(),
                },
            );
            redirect_with(&consent.redirect_uri, &[("code", &code)], state)
        }
        Some("deny") => redirect_with(
            &consent.redirect_uri,
            &[("error", "access_denied"), ("error_description", "The user denied access to the app")],
            state,
        ),
        _ => error_page(StatusCode::BAD_REQUEST, "Invalid request", "decision must be approve or deny"),
    }
}

async fn token(State(k): State<Arc<Knobs>>, body: Bytes) -> Response {
    let p = params(&body);
    let grant_type = p.as_ref().ok().and_then(|p| p.get("grant_type").cloned());
    let resp = match p {
        Ok(p) => token_inner(&k, &p),
        Err(e) => oauth_error("invalid_request", &e),
    };
    let error = resp.extensions().get::<ErrorCode>().map(|c| c.0.clone());
    k.record(OAuthEvent { endpoint: "token".into(), grant_type, status: resp.status().as_u16(), error });
    resp
}

fn token_inner(k: &Knobs, p: &HashMap<String, String>) -> Response {
    let Some(grant_type) = p.get("grant_type") else {
        return oauth_error("invalid_request", "grant_type is required");
    };
    let Some(client) = p.get("client_id").and_then(|id| k.client(id)) else {
        return oauth_error("invalid_request", "Unknown or missing client_id");
    };
    match grant_type.as_str() {
        "authorization_code" => {
            let Some(code) = p.get("code") else { return oauth_error("invalid_request", "code is required") };
            let Some(verifier) = p.get("code_verifier") else {
                return oauth_error("invalid_request", "code_verifier is required for public clients");
            };
            // Single use: the code is gone whatever happens next.
            let entry = k.lock().codes.remove(code);
            let Some(entry) = entry.filter(|c| c.expires > Utc::now() && c.client_id == client.client_id) else {
                return oauth_error("invalid_grant", "Provided code is unknown");
            };
            let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if !bool::from(computed.as_bytes().ct_eq(entry.code_challenge.as_bytes())) {
                return oauth_error("invalid_grant", "Provided code_verifier does not match the code_challenge");
            }
            let offline = entry.scope.split_whitespace().any(|s| s == "offline_access");
            let refresh = if offline { RefreshIssue::New } else { RefreshIssue::None };
            let body = k.issue(&client, &entry.username, &entry.scope, refresh);
            (no_store(), Json(body)).into_response()
        }
        "refresh_token" => {
            let Some(token) = p.get("refresh_token") else {
                return oauth_error("invalid_request", "refresh_token is required");
            };
            let Some(key) = refresh_key(k, token) else {
                return oauth_error("invalid_grant", "Provided refresh token is invalid, expired or revoked");
            };
            let (grant, rotate) = {
                let inner = k.lock();
                (inner.refresh.get(&key).cloned(), inner.config.rotate_refresh_tokens)
            };
            let Some(grant) =
                grant.filter(|g| !g.revoked && g.expires > Utc::now() && g.client_id == client.client_id && g.token == *token)
            else {
                return oauth_error("invalid_grant", "Provided refresh token is invalid, expired or revoked");
            };
            let refresh = if rotate {
                if let Some(g) = k.lock().refresh.get_mut(&key) {
                    g.revoked = true;
                }
                RefreshIssue::New
            } else {
                RefreshIssue::Keep(key)
            };
            let body = k.issue(&client, &grant.username, &grant.scope, refresh);
            (no_store(), Json(body)).into_response()
        }
        other => oauth_error("unsupported_grant_type", &format!("Unsupported grant_type: {other}")),
    }
}

/// The `il_k` claim of a well-signed refresh token.
fn refresh_key(k: &Knobs, token: &str) -> Option<String> {
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    v.set_issuer(&["ilert"]);
    v.leeway = 0;
    v.validate_exp = false; // expiry is checked against the stored grant
    v.required_spec_claims.clear();
    let data = jsonwebtoken::decode::<serde_json::Value>(token, &jsonwebtoken::DecodingKey::from_secret(k.refresh_secret()), &v).ok()?;
    if data.claims.get("il_t")?.as_str()? != "OAUTH" {
        return None;
    }
    Some(data.claims.get("il_k")?.as_str()?.to_string())
}

/// RFC 6749's error body, for the strict mode of token_info and revoke.
fn rfc_error(code: &str, text: &str) -> Response {
    let mut resp =
        (StatusCode::BAD_REQUEST, no_store(), Json(serde_json::json!({ "error": code, "error_description": text }))).into_response();
    resp.extensions_mut().insert(ErrorCode(code.to_string()));
    resp
}

/// The form of token_info or revoke, checked as the configured mode reads it
/// (`Err`: the answer to send instead).
#[allow(clippy::result_large_err)]
fn introspection_params(k: &Knobs, body: &[u8]) -> Result<HashMap<String, String>, Response> {
    let mode = k.lock().config.introspection;
    let error = |code: &str, text: &str| if mode == Introspection::Rfc { rfc_error(code, text) } else { oauth_error(code, text) };
    let p = params(body).map_err(|e| error("invalid_request", &e))?;
    if !p.contains_key("token") {
        return Err(error("invalid_request", "token is required"));
    }
    if mode == Introspection::Rfc {
        // RFC 7662 §2.1 / RFC 7009 §2.1: a public client identifies itself.
        match p.get("client_id") {
            None => return Err(rfc_error("invalid_client", "client_id is required")),
            Some(id) if !k.lock().config.clients.iter().any(|c| &c.client_id == id) => {
                return Err(rfc_error("invalid_client", "unknown client_id"))
            }
            Some(_) => {}
        }
    }
    Ok(p)
}

async fn token_info(State(k): State<Arc<Knobs>>, body: Bytes) -> Response {
    let resp = if k.lock().config.introspection == Introspection::Absent {
        (StatusCode::NOT_FOUND, Json(serde_json::json!({ "status": 404, "message": "Not found", "code": "NOT_FOUND" }))).into_response()
    } else {
        match introspection_params(&k, &body) {
            Err(r) => r,
            Ok(p) => {
                let body = match k.access_grant(&p["token"]) {
                    Some(g) => serde_json::json!({
                        "active": true,
                        "tenant_id": crate::seed::TENANT,
                        "username": g.username,
                        "scope": g.scope,
                        "app_id": g.app_id,
                    }),
                    // Undocumented at ilert; RFC 7662's answer.
                    None => serde_json::json!({ "active": false }),
                };
                (no_store(), Json(body)).into_response()
            }
        }
    };
    let error = resp.extensions().get::<ErrorCode>().map(|c| c.0.clone());
    k.record(OAuthEvent { endpoint: "token_info".into(), grant_type: None, status: resp.status().as_u16(), error });
    resp
}

async fn revoke(State(k): State<Arc<Knobs>>, body: Bytes) -> Response {
    let resp = match introspection_params(&k, &body) {
        Err(r) => r,
        Ok(p) => {
            // RFC 7009: an unknown token is answered like a revoked one.
            if let Some(key) = refresh_key(&k, &p["token"]) {
                if let Some(g) = k.lock().refresh.get_mut(&key) {
                    g.revoked = true;
                }
            }
            StatusCode::OK.into_response()
        }
    };
    let error = resp.extensions().get::<ErrorCode>().map(|c| c.0.clone());
    k.record(OAuthEvent { endpoint: "revoke".into(), grant_type: None, status: resp.status().as_u16(), error });
    resp
}
