//! ilert's Events API, `POST /api/events`: how monitoring tools raise,
//! accept and resolve alerts. It takes the alert source's integration key
//! instead of a bearer token, and answers 202 with no body, as ilert does.
//!
//! An `ALERT` with the `alertKey` of an alert still open on that source is
//! appended to it (no new alert); otherwise it opens one, notifying the
//! first rule of the source's escalation policy. `ACCEPT` and `RESOLVE`
//! find the open alert by `alertKey` (compared case-insensitively, as ilert
//! says) and do nothing when there is none.
//!
//! ilert's own clients differ in what they send (`apiKey` and `incidentKey`
//! in the older ones, `/api/v1/events`), and its documentation leaves the
//! answer open (no body, or `{alertKey, alertUrl, responseCode}`; an unknown
//! key 400 or 404; a key with no open alert 202 or 400
//! `NO_OPEN_ALERT_WITH_KEY`): the sandbox takes every request form and
//! answers each way ([`EventAnswers`]).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{body::Bytes, Router};
use chrono::Utc;
use serde::Deserialize;

use crate::rest::ApiError;
use crate::seed::{Alert, Responder};
use crate::state::Knobs;

pub(crate) fn routes() -> Router<Arc<Knobs>> {
    // `/api/v1/events`: the path ilert's older clients (ilert-go, ilagent) post to.
    Router::new().route("/api/events", post(post_event)).route("/api/v1/events", post(post_event))
}

/// An event as ilert's own clients send it: `apiKey` (older clients) for
/// `integrationKey`, `incidentKey` for `alertKey`, and a summary that only an
/// ALERT must carry.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    #[serde(alias = "apiKey")]
    integration_key: String,
    event_type: String,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default, alias = "incidentKey")]
    alert_key: Option<String>,
    #[serde(default)]
    priority: Option<String>,
}

async fn post_event(State(k): State<Arc<Knobs>>, headers: axum::http::HeaderMap, body: Bytes) -> Result<Response, ApiError> {
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
    let answers = inner.config.events.clone();
    let w = &mut inner.world;
    let unknown = || match answers.unknown_key {
        UnknownKey::BadRequest => ApiError::bad_request("Unknown integration key"),
        UnknownKey::NotFound => ApiError::not_found_with("Unknown integration key"),
    };
    let source = w.sources.iter().find(|s| s.integration_key == e.integration_key).cloned().ok_or_else(unknown)?;
    let key = e.alert_key.as_deref().map(str::trim).filter(|k| !k.is_empty());
    let open = key.and_then(|key| {
        w.alerts.iter().position(|a| a.source == source.id && a.status != "RESOLVED" && a.alert_key.eq_ignore_ascii_case(key))
    });
    let now = Utc::now();
    let mut alert = open.map(|i| w.alerts[i].id);
    let code = match (e.event_type.as_str(), open) {
        ("ALERT", _) if e.summary.as_deref().is_none_or(|s| s.trim().is_empty()) => {
            return Err(ApiError::bad_request("summary is required for an ALERT"));
        }
        ("ALERT", Some(_)) => "ALERT_UPDATED",
        ("ALERT", None) if !source.active => "ALERT_SOURCE_DISABLED",
        ("ALERT", None) => {
            let id = w.alerts.iter().map(|a| a.id).max().unwrap_or(9000) + 1;
            let responders = w
                .first_responders(source.policy, now)
                .into_iter()
                .map(|user| Responder { user, status: "PENDING", accepted_at: None })
                .collect();
            let rule = source.alert_priority_rule;
            let fixed = matches!(rule, "HIGH" | "LOW") && answers.source_priority_rule;
            let priority = if fixed { None } else { priority };
            alert = Some(id);
            w.alerts.push(Alert {
                id,
                summary: e.summary.unwrap_or_default(),
                details: e.details.unwrap_or_default(),
                report_time: now,
                resolved_on: None,
                status: "PENDING",
                priority: priority.unwrap_or(if rule.starts_with("LOW") { "LOW" } else { "HIGH" }),
                source: source.id,
                policy: source.policy,
                alert_key: key.map_or_else(|| format!("event/{id}"), str::to_string),
                responders,
                assigned: None,
            });
            "NEW_ALERT_CREATED"
        }
        ("ACCEPT", Some(i)) => {
            w.alerts[i].status = "ACCEPTED";
            "ALERT_ACCEPTED"
        }
        ("RESOLVE", Some(i)) => {
            w.alerts[i].status = "RESOLVED";
            w.alerts[i].resolved_on = Some(now);
            "ALERT_RESOLVED"
        }
        ("COMMENT", Some(_)) => "ALERT_UPDATED",
        ("ACCEPT" | "RESOLVE" | "COMMENT", None) if answers.no_open_alert_error => {
            return Err(ApiError::coded(StatusCode::BAD_REQUEST, "NO_OPEN_ALERT_WITH_KEY", "No open alert with this key"));
        }
        ("ACCEPT" | "RESOLVE" | "COMMENT", None) => "NO_OPEN_ALERT_WITH_KEY",
        (other, _) => return Err(ApiError::bad_request(format!("eventType '{other}' must be ALERT, ACCEPT, RESOLVE or COMMENT"))),
    };
    if !answers.json_answer {
        return Ok(StatusCode::ACCEPTED.into_response());
    }
    let alert_key = alert.and_then(|id| w.alerts.iter().find(|a| a.id == id)).map(|a| a.alert_key.clone()).or(key.map(str::to_string));
    let body = serde_json::json!({
        "alertKey": alert_key,
        "alertUrl": alert.map(|id| format!("/alert/view.jsf?id={id}")),
        "responseCode": code,
    });
    Ok((StatusCode::ACCEPTED, axum::Json(body)).into_response())
}

/// How the Events API answers where ilert's documentation allows more than one reading.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventAnswers {
    /// 202 with `{alertKey, alertUrl, responseCode}` instead of no body.
    pub json_answer: bool,
    /// An ACCEPT, RESOLVE or COMMENT for a key with no open alert: 400
    /// `NO_OPEN_ALERT_WITH_KEY` instead of 202 and nothing done.
    pub no_open_alert_error: bool,
    pub unknown_key: UnknownKey,
    /// An event's `priority` applies only where the source's rule leaves the
    /// priority open (the support-hours rules); a source set to HIGH or LOW
    /// keeps its own. ilert's description says only that the field exists.
    pub source_priority_rule: bool,
}

/// An integration key no source has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UnknownKey {
    #[default]
    BadRequest,
    NotFound,
}
