//! The REST subset under `/api` that ilert-desktop reads, in the shapes of
//! ilert's OpenAPI description.
//!
//! Conventions kept from ilert: bare JSON arrays with `start-index` /
//! `max-results` paging and a hard 400 past an endpoint's maximum; error
//! bodies `{status, message, code}`; a missing scope is 403
//! `OAUTH2_SCOPE_ERROR` with the missing `scope`; a missing, expired, revoked
//! or garbled bearer token is 401 (403 `KEY_ERROR` with the
//! `expired_as_key_error` knob); optional fields are left out rather than
//! sent as `null`, unless the `nulls` mode sends them all as `null`
//! (see `nulls.rs`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::scope::{self, Level};
use crate::seed::{self, World};
use crate::state::{AccessGrant, Knobs};

pub(crate) fn routes() -> Router<Arc<Knobs>> {
    Router::new()
        .route("/api/users/current", get(current_user))
        .route("/api/on-calls", get(on_calls))
        .route("/api/schedules", get(schedules))
        .route("/api/schedules/{id}", get(schedule))
        .route("/api/schedules/{id}/shifts", get(shifts))
        .route("/api/schedules/{id}/overrides", get(overrides).put(put_override))
        .route("/api/schedules/{id}/user-on-call", get(user_on_call))
        .route("/api/escalation-policies", get(policies))
        .route("/api/escalation-policies/{id}", get(policy))
        .route("/api/alert-sources", get(alert_sources))
        .route("/api/alert-sources/{id}", get(alert_source).put(put_alert_source))
        .route("/api/alerts", get(alerts))
        .route("/api/alerts/count", get(alert_count))
        .route("/api/alerts/{id}", get(alert))
        .route("/api/alerts/{id}/log-entries", get(alert_log))
        .route("/api/alerts/{id}/notifications", get(alert_notifications))
        .route("/alert/view.jsf", get(alert_page))
        .route("/api/alerts/{id}/accept", put(accept_alert))
        .route("/api/alerts/{id}/resolve", put(resolve_alert))
        .route("/api/teams", get(teams))
        .route("/api/maintenance-windows", get(maintenance_windows).post(create_maintenance_window))
}

/// An ilert REST error: `{status, message, code}` (+ `scope` for 403s).
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
    code: &'static str,
    scope: Option<String>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into(), code, scope: None }
    }
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }
    pub(crate) fn not_found_with(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", message)
    }
    pub(crate) fn coded(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self::new(status, code, message)
    }
    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "CONFLICT", message)
    }
    pub(crate) fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE", message)
    }
    pub(crate) fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", "Not found")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "status": self.status.as_u16(), "message": self.message, "code": self.code });
        if let Some(s) = self.scope {
            body["scope"] = Value::String(s);
        }
        (self.status, Json(body)).into_response()
    }
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::not_found()
}

pub(crate) type ApiResult = Result<Response, ApiError>;

/// Checks the bearer token and that its scope allows `level` on `resource`.
pub(crate) fn authorize(k: &Knobs, headers: &HeaderMap, method: &Method, resources: &[&str]) -> Result<AccessGrant, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    let Some(token) = token else {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Missing Authorization header"));
    };
    let Some(grant) = k.access_grant(token) else {
        if k.lock().config.expired_as_key_error {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "KEY_ERROR", "The provided key is unknown or revoked"));
        }
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "The access token is invalid, expired or revoked"));
    };
    let level = Level::for_method(method);
    if !resources.iter().any(|r| scope::allows(&grant.scope, r, level)) {
        let needed = scope::required(resources[0], level);
        return Err(ApiError {
            status: StatusCode::FORBIDDEN,
            message: format!("The access token lacks the scope '{needed}'"),
            code: "OAUTH2_SCOPE_ERROR",
            scope: Some(needed),
        });
    }
    Ok(grant)
}

/// Query parameters, repeatable ones included (`expand=user&expand=schedule`).
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    pub(crate) fn parse(raw: Option<String>) -> Query {
        Query(url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect())
    }
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    /// The query without `name`: a parameter this endpoint does not take.
    fn remove(&mut self, name: &str) {
        self.0.retain(|(k, _)| k != name);
    }
    fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }
    fn has(&self, name: &str, value: &str) -> bool {
        self.all(name).contains(&value)
    }
    fn ids(&self, names: &[&str]) -> Result<Vec<i64>, ApiError> {
        names
            .iter()
            .flat_map(|n| self.all(n))
            .map(|v| v.parse().map_err(|_| ApiError::bad_request(format!("'{v}' is not a valid id"))))
            .collect()
    }
    /// `start-index` and `max-results` with the endpoint's default and maximum.
    fn page(&self, default: usize, max: usize) -> Result<(usize, usize), ApiError> {
        let num = |name: &str, dflt: usize| -> Result<usize, ApiError> {
            match self.get(name) {
                None => Ok(dflt),
                Some(v) => v.parse().map_err(|_| ApiError::bad_request(format!("{name} must be a non-negative integer"))),
            }
        };
        let start = num("start-index", 0)?;
        let count = num("max-results", default)?;
        if count > max {
            return Err(ApiError::bad_request(format!("max-results must not exceed {max}")));
        }
        Ok((start, count))
    }
    fn time(&self, name: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
        self.get(name)
            .map(|v| {
                DateTime::parse_from_rfc3339(v)
                    .map(|d| d.with_timezone(&Utc))
                    .map_err(|_| ApiError::bad_request(format!("{name} must be an ISO-8601 date-time")))
            })
            .transpose()
    }
}

fn page_of(items: Vec<Value>, (start, count): (usize, usize)) -> Response {
    Json(Value::Array(items.into_iter().skip(start).take(count).collect())).into_response()
}

pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn user_json(u: &seed::User, w: &World) -> Value {
    json!({
        "id": u.id,
        "username": u.username,
        "firstName": u.first_name,
        "lastName": u.last_name,
        "email": u.email(),
        "timezone": u.timezone,
        "position": u.position,
        "department": u.department,
        "language": u.language,
        "region": u.region,
        "role": u.role,
        "shiftColor": u.shift_color,
        "createdAt": ts(w.started - chrono::Duration::days(400)),
        "updatedAt": ts(w.started - chrono::Duration::days(3)),
    })
}

pub(crate) fn user_rel(u: &seed::User) -> Value {
    json!({ "id": u.id, "firstName": u.first_name, "lastName": u.last_name })
}

fn team_rel(w: &World, id: i64) -> Value {
    let t = w.team(id).expect("seeded team");
    json!({ "id": t.id, "name": t.name })
}

fn schedule_rel(s: &seed::Schedule) -> Value {
    json!({ "id": s.id, "name": s.name, "type": s.kind.as_str() })
}

fn policy_json(w: &World, p: &seed::Policy) -> Value {
    let rules: Vec<Value> = p
        .rules
        .iter()
        .map(|r| {
            json!({
                "escalationTimeout": r.timeout,
                "users": r.users.iter().filter_map(|id| w.user(*id)).map(user_rel).collect::<Vec<_>>(),
                "schedules": r.schedules.iter().filter_map(|id| w.schedule(*id)).map(schedule_rel).collect::<Vec<_>>(),
                "teams": [],
            })
        })
        .collect();
    json!({
        "id": p.id,
        "name": p.name,
        "escalationRules": rules,
        "teams": p.teams.iter().map(|t| team_rel(w, *t)).collect::<Vec<_>>(),
        "repeating": p.repeating,
        "frequency": p.frequency,
        "delayMin": 0,
        "routingKey": p.routing_key,
    })
}

fn shift_rel(w: &World, s: &seed::Shift) -> Value {
    json!({ "user": w.user(s.user).map(user_rel), "start": ts(s.start), "end": ts(s.end) })
}

fn schedule_json(w: &World, s: &seed::Schedule, q: &Query, now: DateTime<Utc>) -> Value {
    let mut v = json!({
        "id": s.id,
        "name": s.name,
        "timezone": s.timezone,
        "type": s.kind.as_str(),
        "showGaps": false,
        "teams": s.teams.iter().map(|t| team_rel(w, *t)).collect::<Vec<_>>(),
    });
    if let Some(r) = s.rotation {
        v["defaultShiftDuration"] = json!(r);
    }
    if q.has("include", "currentShift") {
        if let Some(cur) = s.shift_at(now) {
            v["currentShift"] = shift_rel(w, cur);
        }
    }
    if q.has("include", "nextShift") {
        if let Some(next) = s.next_shift(now) {
            v["nextShift"] = shift_rel(w, next);
        }
    }
    // ilert lists a schedule's shifts inline only for STATIC schedules.
    if q.has("include", "shifts") && s.kind == seed::ScheduleType::Static {
        v["shifts"] = json!(s.shifts.iter().map(|sh| shift_rel(w, sh)).collect::<Vec<_>>());
    }
    if q.has("include", "scheduleLayers") && s.kind == seed::ScheduleType::Recurring {
        let first = s.shifts.first().map(|sh| sh.start).unwrap_or(w.started);
        v["scheduleLayers"] = json!([{
            "name": "Layer 1",
            "startsOn": ts(first),
            "users": s.layer_users.iter().map(|id| json!({ "id": id })).collect::<Vec<_>>(),
            "rotation": s.rotation,
            "restrictionType": "TIMES_OF_WEEK",
            "restrictions": [],
        }]);
    }
    v
}

fn source_json(w: &World, s: &seed::AlertSource, with_keys: bool) -> Value {
    let policy = w.policy(s.policy).expect("seeded policy");
    let icon = format!("https://sandbox.invalid/icons/{}.png", s.integration_type.to_lowercase());
    let mut v = json!({
        "id": s.id,
        "name": s.name,
        "teams": s.teams.iter().map(|t| team_rel(w, *t)).collect::<Vec<_>>(),
        "iconUrl": icon,
        "lightIconUrl": icon,
        "darkIconUrl": icon,
        "escalationPolicy": policy_json(w, policy),
        "integrationType": s.integration_type,
        "autoResolutionTimeout": s.auto_resolution_timeout,
        "alertGroupingWindow": "PT5M",
        "alertCreation": s.alert_creation,
        "status": if w.in_maintenance(s.id, Utc::now()) { "IN_MAINTENANCE" } else { s.status },
        "active": s.active,
        "alertPriorityRule": s.alert_priority_rule,
        "bidirectional": false,
    });
    // ilert sends integration keys only to callers who may change the source.
    if with_keys {
        v["integrationKey"] = json!(s.integration_key);
        v["integrationUrl"] = json!(format!("https://api.ilert.com/api/v1/events/{}", s.integration_key));
    }
    v
}

pub(crate) fn alert_json(w: &World, a: &seed::Alert, initial_responders_only: bool) -> Value {
    let source = w.source(a.source).expect("seeded source");
    let mut v = json!({
        "id": a.id,
        "summary": a.summary,
        "details": a.details,
        "reportTime": ts(a.report_time),
        "status": a.status,
        "priority": a.priority,
        "alertKey": a.alert_key,
        "alertSource": source_json(w, source, false),
        "escalationPolicy": policy_json(w, w.policy(a.policy).expect("seeded policy")),
        "images": [],
        "links": [],
        "responders": a.responders.iter().map(|r| {
            let mut rv = json!({ "user": w.user(r.user).map(|u| user_json(u, w)), "status": r.status });
            if let Some(at) = r.accepted_at { rv["acceptedAt"] = json!(ts(at)); }
            rv
        }).collect::<Vec<_>>(),
    });
    if let Some(r) = a.resolved_on {
        v["resolvedOn"] = json!(ts(r));
    }
    // Unaccepted: it climbs its policy's rules as their timeouts pass, and
    // everybody a reached rule names becomes a responder.
    if a.status == "PENDING" {
        let e = w.escalation_of(a, Utc::now());
        if let Some(at) = e.next_at {
            v["nextEscalation"] = json!(ts(at));
            v["nextEscalationRuleIndex"] = json!(e.rule + 1);
        }
        let responders = v["responders"].as_array_mut().expect("a list");
        // The other reading: responders are only the ones first notified.
        let escalated = if initial_responders_only { &[][..] } else { e.notified.as_slice() };
        for user in escalated.iter().filter(|u| !a.responders.iter().any(|r| r.user == **u)) {
            if let Some(u) = w.user(*user) {
                responders.push(json!({ "user": user_json(u, w), "status": "PENDING" }));
            }
        }
    }
    v
}

async fn current_user(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap) -> ApiResult {
    let grant = authorize(&k, &h, &m, &["profile"])?;
    let inner = k.lock();
    let u = inner.world.user_by_name(&grant.username).ok_or_else(ApiError::not_found)?;
    Ok(Json(user_json(u, &inner.world)).into_response())
}

/// One person on call through one rule: a schedule's shift, or a user rule (no schedule).
struct OnCallEntry<'a> {
    user: i64,
    sched: Option<&'a seed::Schedule>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

/// Who is on call, derived from the policies' rules: a schedule rule puts its
/// shift's user on call for that shift, a user rule its users for the whole
/// window. Without `expand`, user, policy and schedule are bare `{id}`s.
async fn on_calls(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, RawQuery(raw): RawQuery) -> ApiResult {
    // Which scope guards /on-calls is undocumented; either schedule or policy opens it.
    authorize(&k, &h, &m, &["schedule", "policy"])?;
    let q = Query::parse(raw);
    let page = q.page(50, 250)?;
    let now = Utc::now();
    let from = q.time("from")?.unwrap_or(now);
    let until = q.time("until")?.unwrap_or(from);
    if until < from {
        return Err(ApiError::bad_request("until must be after from"));
    }
    if until - from > chrono::Duration::days(92) {
        return Err(ApiError::bad_request("The span between from and until must not exceed 3 months"));
    }
    let policies = q.ids(&["policies"])?;
    let schedules = q.ids(&["schedules"])?;
    let users = q.ids(&["users"])?;
    let (expand_user, expand_policy) = (q.has("expand", "user"), q.has("expand", "escalationPolicy") || q.has("expand", "policy"));
    let expand_schedule = q.has("expand", "schedule");
    let inner = k.lock();
    let w = &inner.world;
    let mut out = Vec::new();
    for p in w.policies.iter().filter(|p| policies.is_empty() || policies.contains(&p.id)) {
        for (level, rule) in p.rules.iter().enumerate() {
            let mut entries: Vec<OnCallEntry> = Vec::new();
            for s in rule.schedules.iter().filter_map(|id| w.schedule(*id)) {
                for sh in s.shifts.iter().filter(|sh| sh.start <= until && sh.end > from) {
                    entries.push(OnCallEntry { user: sh.user, sched: Some(s), start: sh.start, end: sh.end });
                }
            }
            for u in &rule.users {
                entries.push(OnCallEntry { user: *u, sched: None, start: from, end: until });
            }
            for OnCallEntry { user, sched, start, end } in entries {
                if !users.is_empty() && !users.contains(&user) {
                    continue;
                }
                if !schedules.is_empty() && !sched.is_some_and(|s| schedules.contains(&s.id)) {
                    continue;
                }
                let u = w.user(user).expect("seeded user");
                let mut v = json!({
                    "user": if expand_user { user_json(u, w) } else { json!({ "id": u.id }) },
                    "escalationPolicy": if expand_policy { policy_json(w, p) } else { json!({ "id": p.id }) },
                    "start": ts(start),
                    "end": ts(end),
                    "escalationLevel": level + 1,
                });
                // Like the user and the policy: a bare id unless expanded.
                if let Some(s) = sched {
                    v["schedule"] = if expand_schedule { schedule_rel(s) } else { json!({ "id": s.id }) };
                }
                out.push(v);
            }
        }
    }
    Ok(page_of(out, page))
}

async fn schedules(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, RawQuery(raw): RawQuery) -> ApiResult {
    authorize(&k, &h, &m, &["schedule"])?;
    let q = Query::parse(raw);
    let page = q.page(20, 20)?;
    let inner = k.lock();
    let now = Utc::now();
    let items = inner.world.schedules.iter().map(|s| schedule_json(&inner.world, s, &q, now)).collect();
    Ok(page_of(items, page))
}

pub(crate) fn id_of(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

async fn schedule(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    authorize(&k, &h, &m, &["schedule"])?;
    let q = Query::parse(raw);
    let inner = k.lock();
    let s = inner.world.schedule(id_of(&id)?).ok_or_else(ApiError::not_found)?;
    Ok(Json(schedule_json(&inner.world, s, &q, Utc::now())).into_response())
}

async fn shifts(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    authorize(&k, &h, &m, &["schedule"])?;
    let q = Query::parse(raw);
    let inner = k.lock();
    let w = &inner.world;
    let s = w.schedule(id_of(&id)?).ok_or_else(ApiError::not_found)?;
    let now = Utc::now();
    let from = q.time("from")?.unwrap_or(now - chrono::Duration::days(31));
    let until = q.time("until")?.unwrap_or(from + chrono::Duration::days(92));
    let items: Vec<Value> = s
        .shifts
        .iter()
        .filter(|sh| sh.start < until && sh.end > from)
        .filter_map(|sh| w.user(sh.user).map(|u| json!({ "user": user_json(u, w), "start": ts(sh.start), "end": ts(sh.end) })))
        .collect();
    Ok(Json(items).into_response())
}

/// Every override of the schedule, past and ahead, as `Shift`s.
async fn overrides(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, Path(id): Path<String>) -> ApiResult {
    authorize(&k, &h, &m, &["schedule"])?;
    let inner = k.lock();
    let w = &inner.world;
    let s = w.schedule(id_of(&id)?).ok_or_else(ApiError::not_found)?;
    let items: Vec<Value> = s
        .overrides
        .iter()
        .filter_map(|o| w.user(o.user).map(|u| json!({ "user": user_json(u, w), "start": ts(o.start), "end": ts(o.end) })))
        .collect();
    Ok(Json(items).into_response())
}

/// A request body's required date-time field, as ilert's 400 says of one missing or garbled.
fn body_time(v: &Value, field: &str) -> Result<DateTime<Utc>, ApiError> {
    let text = v.get(field).and_then(Value::as_str).ok_or_else(|| ApiError::bad_request(format!("{field} is required")))?;
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| ApiError::bad_request(format!("{field} is not a date-time: {e}")))
}

/// `PUT /api/schedules/{id}/overrides` with a `Shift` (scope `schedule:w`):
/// the user covers start..end (ilert: "must not be in the past", read
/// against the sandbox's clock, which `clock_ahead` sets ahead of the
/// client's); a user who is not in the schedule is refused, as is an end
/// before the start. The answer is the `ScheduleRel` ilert documents.
async fn put_override(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, Path(id): Path<String>, body: Bytes) -> ApiResult {
    authorize(&k, &h, &m, &["schedule"])?;
    let v: Value = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("Invalid JSON: {e}")))?;
    let (start, end) = (body_time(&v, "start")?, body_time(&v, "end")?);
    let user = v["user"]["id"].as_i64().ok_or_else(|| ApiError::bad_request("user.id is required"))?;
    let mut inner = k.lock();
    let now = Utc::now() + chrono::Duration::from_std(inner.config.clock_ahead).unwrap_or_default();
    if start < now {
        return Err(ApiError::bad_request("The shift must not be in the past"));
    }
    if end <= start {
        return Err(ApiError::bad_request("end must be after start"));
    }
    inner.world.user(user).ok_or_else(|| ApiError::not_found_with(format!("User {user} does not exist")))?;
    let id = id_of(&id)?;
    let s = inner.world.schedules.iter_mut().find(|s| s.id == id).ok_or_else(ApiError::not_found)?;
    if !s.layer_users.contains(&user) && !s.shifts.iter().any(|sh| sh.user == user) {
        return Err(ApiError::bad_request("The user is not a member of this schedule"));
    }
    s.cover(user, start, end);
    Ok(Json(schedule_rel(s)).into_response())
}

async fn user_on_call(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, Path(id): Path<String>) -> ApiResult {
    authorize(&k, &h, &m, &["schedule"])?;
    let inner = k.lock();
    let w = &inner.world;
    let s = w.schedule(id_of(&id)?).ok_or_else(ApiError::not_found)?;
    Ok(match s.shift_at(Utc::now()).and_then(|sh| w.user(sh.user).map(|u| (sh, u))) {
        Some((sh, u)) => Json(json!({ "user": user_json(u, w), "start": ts(sh.start), "end": ts(sh.end) })).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

async fn policies(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, RawQuery(raw): RawQuery) -> ApiResult {
    authorize(&k, &h, &m, &["policy"])?;
    let page = Query::parse(raw).page(50, 50)?;
    let inner = k.lock();
    Ok(page_of(inner.world.policies.iter().map(|p| policy_json(&inner.world, p)).collect(), page))
}

async fn policy(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, Path(id): Path<String>) -> ApiResult {
    authorize(&k, &h, &m, &["policy"])?;
    let inner = k.lock();
    let p = inner.world.policy(id_of(&id)?).ok_or_else(ApiError::not_found)?;
    Ok(Json(policy_json(&inner.world, p)).into_response())
}

async fn alert_sources(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, RawQuery(raw): RawQuery) -> ApiResult {
    let grant = authorize(&k, &h, &m, &["source"])?;
    let page = Query::parse(raw).page(50, 50)?;
    let keys = scope::allows(&grant.scope, "source", Level::Write);
    let inner = k.lock();
    Ok(page_of(inner.world.sources.iter().map(|s| source_json(&inner.world, s, keys)).collect(), page))
}

/// `{id}` is the numeric id or the integration key, as at ilert.
fn find_source(w: &World, id: &str) -> Option<usize> {
    w.sources.iter().position(|s| id.parse::<i64>().is_ok_and(|n| n == s.id) || s.integration_key == id)
}

async fn alert_source(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let grant = authorize(&k, &h, &m, &["source"])?;
    let keys = scope::allows(&grant.scope, "source", Level::Write);
    let inner = k.lock();
    let i = find_source(&inner.world, &id).ok_or_else(ApiError::not_found)?;
    Ok(Json(source_json(&inner.world, &inner.world.sources[i], keys)).into_response())
}

/// A full replace, as at ilert: name, escalation policy and integration type
/// are required; `active: false` disables the source.
async fn put_alert_source(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, Path(id): Path<String>, body: Bytes) -> ApiResult {
    authorize(&k, &h, &m, &["source"])?;
    let v: Value = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("Invalid JSON: {e}")))?;
    let name = v.get("name").and_then(Value::as_str).ok_or_else(|| ApiError::bad_request("name is required"))?;
    let policy =
        v.pointer("/escalationPolicy/id").and_then(Value::as_i64).ok_or_else(|| ApiError::bad_request("escalationPolicy is required"))?;
    v.get("integrationType").and_then(Value::as_str).ok_or_else(|| ApiError::bad_request("integrationType is required"))?;
    let mut inner = k.lock();
    if inner.world.policy(policy).is_none() {
        return Err(ApiError::bad_request("Unknown escalation policy"));
    }
    let i = find_source(&inner.world, &id).ok_or_else(ApiError::not_found)?;
    let s = &mut inner.world.sources[i];
    s.name = name.to_string();
    s.policy = policy;
    let active = v.get("active").and_then(Value::as_bool).unwrap_or(true);
    if active != s.active {
        s.active = active;
        s.status = if active { "ALL_RESOLVED" } else { "DISABLED" };
    }
    let s = inner.world.sources[i].clone();
    Ok(Json(source_json(&inner.world, &s, true)).into_response())
}

/// The alerts `GET /api/alerts` and `/api/alerts/count` select, newest
/// first: ilert's filters (`states`, `sources`, `policies`, `responders` as
/// ids or usernames, `from`/`until` on `reportTime`) and the older names
/// some of ilert's own clients send (`state`, `alert-source`).
fn selected_alerts<'w>(w: &'w World, q: &Query, order: crate::AlertOrder) -> Result<Vec<&'w seed::Alert>, ApiError> {
    let states: Vec<&str> = q.all("states").into_iter().chain(q.all("state")).collect();
    let sources = q.ids(&["sources", "alert-source"])?;
    let policies = q.ids(&["policies"])?;
    let responders: Vec<&str> = q.all("responders");
    let (from, until) = (q.time("from")?, q.time("until")?);
    let is_responder = |a: &seed::Alert| {
        a.responders.iter().any(|r| {
            let name = w.user(r.user).map(|u| u.username);
            responders.iter().any(|x| x.parse() == Ok(r.user) || Some(*x) == name)
        })
    };
    let mut out: Vec<&seed::Alert> = w
        .alerts
        .iter()
        .filter(|a| states.is_empty() || states.contains(&a.status))
        .filter(|a| sources.is_empty() || sources.contains(&a.source))
        .filter(|a| policies.is_empty() || policies.contains(&a.policy))
        .filter(|a| responders.is_empty() || is_responder(a))
        .filter(|a| from.is_none_or(|f| a.report_time >= f) && until.is_none_or(|u| a.report_time <= u))
        .collect();
    match order {
        crate::AlertOrder::Newest => out.sort_by(|a, b| b.report_time.cmp(&a.report_time).then(b.id.cmp(&a.id))),
        crate::AlertOrder::Oldest => out.sort_by(|a, b| a.report_time.cmp(&b.report_time).then(a.id.cmp(&b.id))),
        crate::AlertOrder::Id => out.sort_by_key(|a| a.id),
    }
    Ok(out)
}

/// With the `etags` knob, each page carries an `ETag` of its body and a
/// matching `If-None-Match` is answered 304 without one.
async fn alerts(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, RawQuery(raw): RawQuery) -> ApiResult {
    authorize(&k, &h, &m, &["alert"])?;
    let q = Query::parse(raw);
    let (start, count) = q.page(50, 100)?;
    let mut inner = k.lock();
    if let Some(cap) = inner.config.include_cap.filter(|cap| q.get("include").is_some() && count > *cap) {
        return Err(ApiError::bad_request(format!("max-results must not exceed {cap} when include is used")));
    }
    let w = &inner.world;
    let initial_only = inner.config.initial_responders_only;
    let page: Vec<Value> = selected_alerts(w, &q, inner.config.alert_order)?
        .into_iter()
        .skip(start)
        .take(count)
        .map(|a| alert_json_with(w, a, &q, initial_only))
        .collect();
    let body = Value::Array(page).to_string();
    if !inner.config.etags {
        return Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response());
    }
    let etag = {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut hasher);
        format!("\"{:016x}\"", hasher.finish())
    };
    let matches = h.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if matches {
        inner.not_modified += 1;
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    Ok(([(header::CONTENT_TYPE, "application/json".to_string()), (header::ETAG, etag)], body).into_response())
}

/// An alert as [`alert_json`], and with `include=nextEscalationUser` (a
/// pending alert) who it escalates to: the first person of the next rule.
fn alert_json_with(w: &World, a: &seed::Alert, q: &Query, initial_responders_only: bool) -> Value {
    let mut v = alert_json(w, a, initial_responders_only);
    if q.has("include", "nextEscalationUser") && a.status == "PENDING" {
        let next = w.escalation_of(a, Utc::now()).next_user.and_then(|u| w.user(u));
        if let Some(u) = next {
            v["nextEscalationUser"] = user_json(u, w);
        }
    }
    v
}

async fn alert(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    authorize(&k, &h, &m, &["alert"])?;
    let q = Query::parse(raw);
    let inner = k.lock();
    let id = id_of(&id)?;
    let w = &inner.world;
    let a = w.alerts.iter().find(|a| a.id == id).ok_or_else(ApiError::not_found)?;
    Ok(Json(alert_json_with(w, a, &q, inner.config.initial_responders_only)).into_response())
}

/// The alert's story, told from its state: raised, who was notified, accepted, resolved.
async fn alert_log(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    authorize(&k, &h, &m, &["alert"])?;
    let page = Query::parse(raw).page(50, 100)?;
    let inner = k.lock();
    let id = id_of(&id)?;
    let w = &inner.world;
    let a = w.alerts.iter().find(|a| a.id == id).ok_or_else(ApiError::not_found)?;
    let source = w.source(a.source).map_or("an alert source", |s| s.name.as_str());
    let entry = |n: i64, at: DateTime<Utc>, kind: &str, text: String| json!({ "id": id * 100 + n, "alertId": id, "timestamp": ts(at), "logEntryType": kind, "text": text });
    let mut items = vec![entry(1, a.report_time, "AlertReceivedLogEntry", format!("Alert created by {source}"))];
    for (i, r) in a.responders.iter().enumerate() {
        let name = w.user(r.user).map_or_else(|| format!("user {}", r.user), |u| format!("{} {}", u.first_name, u.last_name));
        items.push(entry(2 + i as i64, a.report_time, "NotificationLogEntry", format!("{name} was notified")));
        if let Some(at) = r.accepted_at {
            items.push(entry(20 + i as i64, at, "UserResponseLogEntry", format!("Alert accepted by {name}")));
        }
    }
    if let Some(at) = a.resolved_on {
        items.push(entry(99, at, "AlertAutoResolvedLogEntry", "Alert resolved".to_string()));
    }
    Ok(page_of(items, page))
}

/// Whom the alert was sent to, and how: a push to each responder when it
/// was reported, and for a HIGH alert a voice call a minute later, the
/// second responder's failed (as ilert's description spells it: `firstname`).
async fn alert_notifications(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, Path(id): Path<String>) -> ApiResult {
    authorize(&k, &h, &m, &["alert"])?;
    let inner = k.lock();
    let id = id_of(&id)?;
    let w = &inner.world;
    let a = w.alerts.iter().find(|a| a.id == id).ok_or_else(ApiError::not_found)?;
    let mut items = Vec::new();
    for (i, r) in a.responders.iter().enumerate() {
        let Some(u) = w.user(r.user) else { continue };
        let user = json!({ "id": u.id, "firstname": u.first_name, "lastname": u.last_name });
        let n = |k: i64, method: &str, at: DateTime<Utc>, ok: bool| {
            let mut v = json!({ "id": id * 100 + k, "alertId": id, "method": method, "target": format!("{}@example.com", u.username),
                "subject": a.summary, "user": user, "notificationTime": ts(at), "status": if ok { "SUCCESS" } else { "ERROR" } });
            if !ok {
                v["errorMessage"] = json!("the call was not answered");
            }
            v
        };
        items.push(n(2 * i as i64, "PUSH", a.report_time, true));
        if a.priority == "HIGH" {
            items.push(n(2 * i as i64 + 1, "VOICE", a.report_time + chrono::Duration::minutes(1), i != 1));
        }
    }
    Ok(Json(items).into_response())
}

/// Where ilert's web app shows an alert; here, a page that says which.
async fn alert_page(RawQuery(raw): RawQuery) -> Response {
    let id = Query::parse(raw).get("id").and_then(|v| v.parse::<i64>().ok());
    let body = match id {
        Some(id) => format!(
            "<!doctype html><title>Alert {id}</title><h1>Alert {id}</h1><p>The ilert sandbox stands in for ilert's web app here.</p>"
        ),
        None => "<!doctype html><title>Alert</title><p>No alert id.</p>".to_string(),
    };
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

async fn alert_count(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, RawQuery(raw): RawQuery) -> ApiResult {
    authorize(&k, &h, &m, &["alert"])?;
    let mut q = Query::parse(raw);
    let inner = k.lock();
    let answers = inner.config.count;
    if answers.ignore_policies {
        q.remove("policies");
    }
    let n = selected_alerts(&inner.world, &q, inner.config.alert_order)?.len();
    let key = if answers.total_count { "totalCount" } else { "count" };
    Ok(Json(json!({ key: n })).into_response())
}

/// Accept or resolve as ilert does: a resolved alert stays resolved (accept
/// changes nothing), and accepting marks only the acting user's responder
/// entry (adding one when they were not a responder yet).
async fn set_alert_status(k: &Knobs, id: &str, status: &'static str, acting: &str) -> ApiResult {
    let mut inner = k.lock();
    let id = id_of(id)?;
    let now = Utc::now();
    let user = inner.world.user_by_name(acting).map(|u| u.id);
    let changed = inner.config.changed_alert_writes;
    let a = inner.world.alerts.iter_mut().find(|a| a.id == id).ok_or_else(ApiError::not_found)?;
    match (status, a.status) {
        (_, "RESOLVED") => match changed {
            crate::ChangedAlertWrite::Ok => {}
            crate::ChangedAlertWrite::BadRequest => return Err(ApiError::bad_request("Alert is already resolved")),
            crate::ChangedAlertWrite::Conflict => return Err(ApiError::conflict("Alert is already resolved")),
        },
        ("ACCEPTED", _) => {
            a.status = "ACCEPTED";
            if let Some(user) = user {
                match a.responders.iter_mut().find(|r| r.user == user) {
                    Some(r) => {
                        r.status = "ACCEPTED";
                        r.accepted_at.get_or_insert(now);
                    }
                    None => a.responders.push(seed::Responder { user, status: "ACCEPTED", accepted_at: Some(now) }),
                }
            }
        }
        _ => {
            a.status = "RESOLVED";
            a.resolved_on = Some(now);
        }
    }
    let a = a.clone();
    Ok(Json(alert_json(&inner.world, &a, inner.config.initial_responders_only)).into_response())
}

async fn accept_alert(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let grant = authorize(&k, &h, &m, &["alert"])?;
    set_alert_status(&k, &id, "ACCEPTED", &grant.username).await
}

async fn resolve_alert(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let grant = authorize(&k, &h, &m, &["alert"])?;
    set_alert_status(&k, &id, "RESOLVED", &grant.username).await
}

async fn teams(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, RawQuery(raw): RawQuery) -> ApiResult {
    authorize(&k, &h, &m, &["team"])?;
    let q = Query::parse(raw);
    let page = q.page(50, 100)?;
    let member = q.ids(&["members"])?;
    let inner = k.lock();
    let w = &inner.world;
    let items = w
        .teams
        .iter()
        .filter(|t| member.is_empty() || t.members.iter().any(|(u, _)| member.contains(u)))
        .map(|t| {
            json!({
                "id": t.id,
                "name": t.name,
                "visibility": t.visibility,
                "members": t.members.iter().filter_map(|(u, role)| w.user(*u).map(|u| json!({ "user": user_json(u, w), "role": role }))).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(page_of(items, page))
}

fn maintenance_json(w: &World, m: &seed::MaintenanceWindow) -> Value {
    let sources: Vec<Value> =
        m.sources.iter().filter_map(|id| w.sources.iter().find(|s| s.id == *id)).map(|s| source_json(w, s, false)).collect();
    json!({
        "id": m.id,
        "start": ts(m.start),
        "end": ts(m.end),
        "timezone": "UTC",
        "summary": m.summary,
        "description": m.description,
        "alertSources": sources,
        "services": [],
        "createdBy": m.created_by,
    })
}

async fn maintenance_windows(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap) -> ApiResult {
    authorize(&k, &h, &m, &["maintenance"])?;
    let inner = k.lock();
    let w = &inner.world;
    Ok(Json(Value::Array(w.maintenance.iter().map(|m| maintenance_json(w, m)).collect())).into_response())
}

/// A new maintenance window, as ilert's OpenAPI describes it: `start` and
/// `end` (an end not after the start, or already past, is a 400), a
/// `summary`, the `alertSources` it covers (each `{ "id": N }`, as ilert's
/// own clients send a reference; a bare number is taken too) — at most 50,
/// each one the tenant has. Answered with the window (200, as documented).
async fn create_maintenance_window(State(k): State<Arc<Knobs>>, m: Method, h: HeaderMap, body: Bytes) -> ApiResult {
    let grant = authorize(&k, &h, &m, &["maintenance"])?;
    let v: Value = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("Invalid JSON: {e}")))?;
    let (start, end) = (body_time(&v, "start")?, body_time(&v, "end")?);
    if end <= start {
        return Err(ApiError::bad_request("end must be after start"));
    }
    if end <= Utc::now() {
        return Err(ApiError::bad_request("end must not be in the past"));
    }
    let refs = v.get("alertSources").and_then(Value::as_array).cloned().unwrap_or_default();
    if refs.len() > 50 {
        return Err(ApiError::bad_request("at most 50 alert sources"));
    }
    let ids: Vec<i64> = refs
        .iter()
        .map(|r| {
            r.get("id").and_then(Value::as_i64).or_else(|| r.as_i64()).ok_or_else(|| ApiError::bad_request("an alert source without an id"))
        })
        .collect::<Result<_, _>>()?;
    let mut inner = k.lock();
    if let Some(missing) = ids.iter().find(|id| !inner.world.sources.iter().any(|s| s.id == **id)) {
        return Err(ApiError::bad_request(format!("Unknown alert source {missing}")));
    }
    let window = seed::MaintenanceWindow {
        id: 7000 + inner.world.maintenance.len() as i64 + 1,
        start,
        end,
        summary: v.get("summary").and_then(Value::as_str).unwrap_or_default().to_string(),
        description: v.get("description").and_then(Value::as_str).map(str::to_string),
        sources: ids,
        created_by: grant.username.clone(),
    };
    inner.world.maintenance.push(window.clone());
    Ok(Json(maintenance_json(&inner.world, &window)).into_response())
}
