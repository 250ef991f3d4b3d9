//! ilert's Events API, `POST /api/events`: how monitoring tools raise,
//! accept and resolve alerts. It takes the alert source's integration key
//! instead of a bearer token, and answers 202 with no body, as ilert does.
//!
//! An `ALERT` with the `alertKey` of an alert still open on that source is
//! appended to it (no new alert); otherwise it opens one, notifying the
//! first rule of the source's escalation policy. `ACCEPT` and `RESOLVE`
//! find the open alert by `alertKey` (compared case-insensitively, as ilert
//! says) and do nothing when there is none.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{body::Bytes, Router};
use chrono::Utc;
use serde::Deserialize;

use crate::rest::ApiError;
use crate::seed::{Alert, Responder};
use crate::state::Knobs;

pub(crate) fn routes() -> Router<Arc<Knobs>> {
    Router::new().route("/api/events", post(post_event))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    integration_key: String,
    event_type: String,
    summary: String,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    alert_key: Option<String>,
    #[serde(default)]
    priority: Option<String>,
}

async fn post_event(State(k): State<Arc<Knobs>>, headers: axum::http::HeaderMap, body: Bytes) -> Result<StatusCode, ApiError> {
    // JSON, said so: a web page can send a form or text/plain to any port
    // without asking (a CORS "simple request"), but not application/json.
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError::unsupported_media_type("Events are JSON: send Content-Type: application/json"));
    }
    let e: Event = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("Invalid event: {e}")))?;
    let priority = match e.priority.as_deref() {
        None => None,
        Some(p @ ("HIGH" | "LOW")) => Some(if p == "HIGH" { "HIGH" } else { "LOW" }),
        Some(_) => return Err(ApiError::bad_request("priority must be HIGH or LOW")),
    };
    let mut inner = k.lock();
    let w = &mut inner.world;
    let source = w
        .sources
        .iter()
        .find(|s| s.integration_key == e.integration_key)
        .cloned()
        .ok_or_else(|| ApiError::bad_request("Unknown integration key"))?;
    let key = e.alert_key.as_deref().map(str::trim).filter(|k| !k.is_empty());
    let open = key.and_then(|key| {
        w.alerts.iter().position(|a| a.source == source.id && a.status != "RESOLVED" && a.alert_key.eq_ignore_ascii_case(key))
    });
    let now = Utc::now();
    match (e.event_type.as_str(), open) {
        ("ALERT", Some(_)) => {}
        ("ALERT", None) => {
            if !source.active {
                return Ok(StatusCode::ACCEPTED);
            }
            let id = w.alerts.iter().map(|a| a.id).max().unwrap_or(9000) + 1;
            let responders = w
                .first_responders(source.policy, now)
                .into_iter()
                .map(|user| Responder { user, status: "PENDING", accepted_at: None })
                .collect();
            let rule = source.alert_priority_rule;
            w.alerts.push(Alert {
                id,
                summary: e.summary,
                details: e.details.unwrap_or_default(),
                report_time: now,
                resolved_on: None,
                status: "PENDING",
                priority: priority.unwrap_or(if rule.starts_with("LOW") { "LOW" } else { "HIGH" }),
                source: source.id,
                policy: source.policy,
                alert_key: key.map_or_else(|| format!("event/{id}"), str::to_string),
                responders,
            });
        }
        ("ACCEPT", Some(i)) => w.alerts[i].status = "ACCEPTED",
        ("RESOLVE", Some(i)) => {
            w.alerts[i].status = "RESOLVED";
            w.alerts[i].resolved_on = Some(now);
        }
        ("ACCEPT" | "RESOLVE" | "COMMENT", _) => {}
        (other, _) => return Err(ApiError::bad_request(format!("eventType '{other}' must be ALERT, ACCEPT, RESOLVE or COMMENT"))),
    }
    Ok(StatusCode::ACCEPTED)
}
