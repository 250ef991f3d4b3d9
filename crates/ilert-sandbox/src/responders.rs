//! Bringing help to an alert: `GET /api/alerts/{id}/suggested-responders`,
//! `PUT /api/alerts/{id}/assign` and `POST /api/alerts/{id}/responders`,
//! answered in the shapes and status codes of ilert's description, with
//! their effects visible in the next reads of the alert.
//!
//! Where the description is open, each reading is taken: the assign
//! parameters by either set of names ([`crate::AssignNames`] narrows it to
//! one), and the responder to add as `{"user": {"id": N}}` (the shape of the
//! `AlertResponder` it answers), `{"user": N}`, `{"userId": N}` or a `user`
//! / `user-id` query parameter (the description documents no body).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::Utc;
use serde_json::{json, Value};

use crate::rest::{alert_json, authorize, id_of, user_rel, ApiError, ApiResult, Query};
use crate::seed::{self, Assigned, World};
use crate::state::Knobs;
use crate::AssignNames;

pub(crate) fn routes() -> Router<Arc<Knobs>> {
    Router::new()
        .route("/api/alerts/{id}/suggested-responders", get(suggested))
        .route("/api/alerts/{id}/assign", put(assign))
        .route("/api/alerts/{id}/responders", post(add_responder))
}

fn full_name(u: &seed::User) -> String {
    format!("{} {}", u.first_name, u.last_name)
}

/// The people an alert notifies now, as its `responders` read (the ones
/// it was sent to and, unless `initial_only`, those its escalation reached).
fn responders_now(w: &World, a: &seed::Alert, initial_only: bool) -> Vec<i64> {
    let v = alert_json(w, a, initial_only);
    v["responders"].as_array().into_iter().flatten().filter_map(|r| r["user"]["id"].as_i64()).collect()
}

/// ilert's groups: `SUGGESTED` (here: whoever the alert's policy has on
/// call now at any level, who is not a responder yet), then every `USER`,
/// `ESCALATION_POLICY` and `ON_CALL_SCHEDULE`.
async fn suggested(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, Path(id): Path<String>) -> ApiResult {
    authorize(&k, &h, &m, &["alert"])?;
    let inner = k.lock();
    let w = &inner.world;
    let id = id_of(&id)?;
    let a = w.alerts.iter().find(|a| a.id == id).ok_or_else(ApiError::not_found)?;
    let now = Utc::now();
    let already = responders_now(w, a, inner.config.initial_responders_only);
    let mut on_call: Vec<i64> = Vec::new();
    for rule in w.policy(a.policy).map(|p| p.rules.as_slice()).unwrap_or_default() {
        let on_shift = rule.schedules.iter().filter_map(|s| w.schedule(*s)?.shift_at(now).map(|sh| sh.user));
        for u in rule.users.iter().copied().chain(on_shift) {
            if !on_call.contains(&u) && !already.contains(&u) {
                on_call.push(u);
            }
        }
    }
    let entry = |group: &str, id: i64, name: String| json!({ "group": group, "id": id, "name": name, "disabled": false });
    let mut items: Vec<Value> = on_call.iter().filter_map(|u| w.user(*u)).map(|u| entry("SUGGESTED", u.id, full_name(u))).collect();
    items.extend(w.users.iter().map(|u| entry("USER", u.id, full_name(u))));
    items.extend(w.policies.iter().map(|p| entry("ESCALATION_POLICY", p.id, p.name.to_string())));
    items.extend(w.schedules.iter().map(|s| entry("ON_CALL_SCHEDULE", s.id, s.name.to_string())));
    Ok(Json(items).into_response())
}

/// Whom an assign names: one of a user, a policy or a schedule, by the
/// names `names` reads. The same value under both names of one kind is
/// one; two kinds, or two values, are a 400.
enum Target {
    User(i64),
    Policy(i64),
    Schedule(i64),
}

fn target(q: &Query, names: AssignNames) -> Result<Target, ApiError> {
    let kinds = [("user", "user-id"), ("policy", "policy-id"), ("schedule", "schedule-id")];
    let mut found = Vec::new();
    for (i, (spec, legacy)) in kinds.iter().enumerate() {
        let read: Vec<&str> = match names {
            AssignNames::Both => vec![spec, legacy],
            AssignNames::Spec => vec![spec],
            AssignNames::Legacy => vec![legacy],
        };
        let mut values: Vec<i64> = Vec::new();
        for name in read {
            if let Some(v) = q.get(name) {
                let n = v.parse().map_err(|_| ApiError::bad_request(format!("'{v}' is not a valid id for {name}")))?;
                if !values.contains(&n) {
                    values.push(n);
                }
            }
        }
        match values.as_slice() {
            [] => {}
            [n] => found.push((i, *n)),
            _ => return Err(ApiError::bad_request(format!("two different {spec} ids"))),
        }
    }
    match found.as_slice() {
        [(0, n)] => Ok(Target::User(*n)),
        [(1, n)] => Ok(Target::Policy(*n)),
        [(2, n)] => Ok(Target::Schedule(*n)),
        [] => Err(ApiError::bad_request("Either provide a user-id, policy-id or schedule-id")),
        _ => Err(ApiError::bad_request("Provide only one of user-id, policy-id or schedule-id")),
    }
}

/// Reassigns: to a person or a schedule's on-call, who become its one
/// responder; to a policy, whose first rule it starts again from.
async fn assign(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    authorize(&k, &h, &m, &["alert"])?;
    let q = Query::parse(raw);
    let mut inner = k.lock();
    let to = target(&q, inner.config.assign_names)?;
    let id = id_of(&id)?;
    let now = Utc::now();
    let w = &inner.world;
    let (policy, responders, assigned) = match to {
        Target::User(u) => {
            w.user(u).ok_or_else(|| ApiError::not_found_with(format!("User {u} does not exist")))?;
            (None, vec![u], Assigned::Directly)
        }
        Target::Policy(p) => {
            w.policy(p).ok_or_else(|| ApiError::not_found_with(format!("Escalation policy {p} does not exist")))?;
            (Some(p), w.first_responders(p, now), Assigned::Policy { since: now })
        }
        Target::Schedule(s) => {
            let schedule = w.schedule(s).ok_or_else(|| ApiError::not_found_with(format!("Schedule {s} does not exist")))?;
            let on_call =
                schedule.shift_at(now).map(|sh| sh.user).ok_or_else(|| ApiError::bad_request("Nobody is on call in this schedule"))?;
            (None, vec![on_call], Assigned::Directly)
        }
    };
    let a = inner.world.alerts.iter_mut().find(|a| a.id == id).ok_or_else(ApiError::not_found)?;
    if a.status == "RESOLVED" {
        return Err(ApiError::bad_request("Alert is already resolved"));
    }
    a.status = "PENDING";
    a.policy = policy.unwrap_or(a.policy);
    a.responders = responders.into_iter().map(|user| seed::Responder { user, status: "PENDING", accepted_at: None }).collect();
    a.assigned = Some(assigned);
    let a = a.clone();
    Ok(Json(alert_json(&inner.world, &a, inner.config.initial_responders_only)).into_response())
}

/// The user a request to add a responder names, in any of the readings.
fn responder_named(q: &Query, body: &[u8]) -> Result<i64, ApiError> {
    let from_query = q.get("user").or_else(|| q.get("user-id"));
    if let Some(v) = from_query {
        return v.parse().map_err(|_| ApiError::bad_request(format!("'{v}' is not a valid user id")));
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("Invalid JSON: {e}")))?;
    let user = &v["user"];
    user["id"]
        .as_i64()
        .or_else(|| user.as_i64())
        .or_else(|| v["userId"].as_i64())
        .ok_or_else(|| ApiError::bad_request("Which user? (user.id)"))
}

async fn add_responder(
    State(k): State<Arc<Knobs>>,
    m: Method,
    h: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    authorize(&k, &h, &m, &["alert"])?;
    let user = responder_named(&Query::parse(raw), &body)?;
    let mut inner = k.lock();
    let id = id_of(&id)?;
    let w = &inner.world;
    let a = w.alerts.iter().find(|a| a.id == id).ok_or_else(ApiError::not_found)?;
    let u = w.user(user).ok_or_else(|| ApiError::not_found_with("Responder did not exist"))?;
    if responders_now(w, a, inner.config.initial_responders_only).contains(&user) {
        return Err(ApiError::coded(StatusCode::METHOD_NOT_ALLOWED, "RESPONDER_EXISTS", "Responder is already present on the alert"));
    }
    let answer = json!({ "user": user_rel(u), "status": "PENDING" });
    let a = inner.world.alerts.iter_mut().find(|a| a.id == id).expect("found above");
    a.responders.push(seed::Responder { user, status: "PENDING", accepted_at: None });
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}
