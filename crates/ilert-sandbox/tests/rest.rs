//! The sandbox's REST endpoints: auth, scopes, paging and injected faults.

mod common;

use common::*;
use ilert_sandbox::{Fault, FaultKind};

#[tokio::test]
async fn bearer_token_is_required_and_checked() {
    let sb = sandbox().await;
    let resp = reqwest::get(format!("{}/api/users/current", sb.url())).await.unwrap();
    assert_eq!(resp.status(), 401);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], 401);
    assert!(body["message"].is_string() && body["code"].is_string());
    assert_eq!(get(&sb, "garbled.token.here", "/api/users/current").await.0, 401);

    let tokens = sign_in(&sb, "profile").await;
    let access = tokens["access_token"].as_str().unwrap();
    let (s, me) = get(&sb, access, "/api/users/current").await;
    assert_eq!(s, 200);
    assert_eq!((me["username"].as_str(), me["firstName"].as_str()), (Some("ada"), Some("Ada")));

    sb.knobs().expire_access_tokens();
    assert_eq!(get(&sb, access, "/api/users/current").await.0, 401);
}

#[tokio::test]
async fn missing_scope_is_403_oauth2_scope_error() {
    let sb = sandbox().await;
    let tokens = sign_in(&sb, "profile").await;
    let access = tokens["access_token"].as_str().unwrap();
    let (s, b) = get(&sb, access, "/api/alert-sources").await;
    assert_eq!(s, 403);
    assert_eq!(b["code"], "OAUTH2_SCOPE_ERROR");
    assert_eq!(b["scope"], "source");
    assert_eq!(b["status"], 403);

    // Read scope does not allow PUT.
    let tokens = sign_in(&sb, "source").await;
    let access = tokens["access_token"].as_str().unwrap();
    let resp = reqwest::Client::new()
        .put(format!("{}/api/alert-sources/1201", sb.url()))
        .bearer_auth(access)
        .json(&serde_json::json!({"name": "x", "integrationType": "API", "escalationPolicy": {"id": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let b: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(b["scope"], "source:w");
}

#[tokio::test]
async fn paging_follows_each_endpoints_default_and_maximum() {
    let sb = sandbox().await;
    let tokens = sign_in(&sb, "source schedule alert team policy").await;
    let access = tokens["access_token"].as_str().unwrap();

    let (_, first) = get(&sb, access, "/api/alert-sources").await;
    assert_eq!(first.as_array().unwrap().len(), 50, "default page is 50");
    let (_, second) = get(&sb, access, "/api/alert-sources?start-index=50&max-results=50").await;
    assert_eq!(second.as_array().unwrap().len(), 10);
    let (s, b) = get(&sb, access, "/api/alert-sources?max-results=51").await;
    assert_eq!((s, b["status"].as_i64()), (400, Some(400)));
    assert_eq!(get(&sb, access, "/api/schedules?max-results=21").await.0, 400);
    assert_eq!(get(&sb, access, "/api/alerts?max-results=100").await.0, 200);
    assert_eq!(get(&sb, access, "/api/alerts?max-results=101").await.0, 400);
    assert_eq!(get(&sb, access, "/api/teams?start-index=-1").await.0, 400);
}

#[tokio::test]
async fn write_endpoints_change_the_world() {
    let sb = sandbox().await;
    let tokens = sign_in(&sb, "source:w alert:w").await;
    let access = tokens["access_token"].as_str().unwrap();
    let http = reqwest::Client::new();
    let (_, src) = get(&sb, access, "/api/alert-sources/1203").await;
    let mut body = src.clone();
    body["active"] = serde_json::json!(false);
    let resp = http.put(format!("{}/api/alert-sources/1203", sb.url())).bearer_auth(access).json(&body).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let (_, after) = get(&sb, access, &format!("/api/alert-sources/{}", src["integrationKey"].as_str().unwrap())).await;
    assert_eq!((after["active"].as_bool(), after["status"].as_str()), (Some(false), Some("DISABLED")));

    let (_, pending) = get(&sb, access, "/api/alerts?states=PENDING").await;
    let id = pending[0]["id"].as_i64().unwrap();
    let resp = http.put(format!("{}/api/alerts/{id}/accept", sb.url())).bearer_auth(access).send().await.unwrap();
    let accepted: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(accepted["status"], "ACCEPTED");
    // Only the acting user's responder entry is marked accepted.
    let ada = accepted["responders"].as_array().unwrap().iter().find(|r| r["user"]["id"] == 1).expect("ada responds now");
    assert_eq!(ada["status"], "ACCEPTED");
    assert!(
        accepted["responders"].as_array().unwrap().iter().filter(|r| r["user"]["id"] != 1).all(|r| r["status"] != "ACCEPTED"),
        "{accepted}"
    );
    // A resolved alert is not reopened by accept.
    http.put(format!("{}/api/alerts/{id}/resolve", sb.url())).bearer_auth(access).send().await.unwrap();
    let again: serde_json::Value =
        http.put(format!("{}/api/alerts/{id}/accept", sb.url())).bearer_auth(access).send().await.unwrap().json().await.unwrap();
    assert_eq!(again["status"], "RESOLVED");
}

#[tokio::test]
async fn on_calls_expand_and_filters() {
    let sb = sandbox().await;
    let tokens = sign_in(&sb, "schedule policy").await;
    let access = tokens["access_token"].as_str().unwrap();
    let (_, bare) = get(&sb, access, "/api/on-calls").await;
    assert!(bare[0]["user"].get("firstName").is_none(), "without expand, user is a bare id");
    assert!(bare.as_array().unwrap().iter().filter_map(|o| o.get("schedule")).all(|s| s.get("name").is_none()), "and so is the schedule");
    let (_, full) = get(&sb, access, "/api/on-calls?expand=user&expand=escalationPolicy&expand=schedule&policies=1").await;
    let list = full.as_array().unwrap();
    assert!(list.iter().all(|o| o["escalationPolicy"]["id"] == 1));
    assert!(list.iter().any(|o| o["user"]["username"] == "ada" && o["schedule"]["name"] == "SRE Primary" && o["escalationLevel"] == 1));
    let (_, mine) = get(&sb, access, "/api/on-calls?users=1").await;
    assert!(mine.as_array().unwrap().iter().all(|o| o["user"]["id"] == 1));
}

#[tokio::test]
async fn faults_are_injected_and_cleared() {
    let sb = sandbox().await;
    let tokens = sign_in(&sb, "source").await;
    let access = tokens["access_token"].as_str().unwrap();
    sb.knobs().add_fault(Fault::status("/api/alert-sources", 429).times(1));
    let resp = reqwest::Client::new().get(format!("{}/api/alert-sources", sb.url())).bearer_auth(access).send().await.unwrap();
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().get("retry-after").is_none(), "ilert sends no Retry-After");
    assert_eq!(get(&sb, access, "/api/alert-sources").await.0, 200, "fault was for one request");

    sb.knobs().add_fault(Fault::new("/api/alert-sources", FaultKind::Drop));
    let http = reqwest::Client::new();
    let result = async { http.get(format!("{}/api/alert-sources", sb.url())).bearer_auth(access).send().await?.bytes().await }.await;
    let err = result.expect_err("a dropped connection is an error, not a response");
    assert!(err.is_request() || err.is_body() || err.is_decode(), "{err:?}");
    sb.knobs().clear_faults();

    sb.knobs().add_fault(Fault::new("/api/alert-sources", FaultKind::Garbled).times(1));
    let text = reqwest::Client::new()
        .get(format!("{}/api/alert-sources", sb.url()))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());

    // Over HTTP too, for tools outside the process.
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/__sandbox/faults", sb.url()))
        .json(&serde_json::json!({"path": "/api/users", "kind": "status", "status": 503}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(get(&sb, access, "/api/users/current").await.0, 503);
    http.delete(format!("{}/__sandbox/faults", sb.url())).send().await.unwrap();
    assert_eq!(get(&sb, access, "/api/users/current").await.0, 403, "token lacks profile: the fault is gone");
}

#[tokio::test]
async fn unknown_paths_are_ilert_404s() {
    let sb = sandbox().await;
    let resp = reqwest::get(format!("{}/api/nope", sb.url())).await.unwrap();
    assert_eq!(resp.status(), 404);
    let b: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(b["code"], "NOT_FOUND");
}

/// `POST /api/maintenance-windows` as ilert describes it: `maintenance:w`
/// needed (a read-only grant gets ilert's scope error), times checked, the
/// sources referenced by id (a bare number too); the window answered, and
/// its sources `IN_MAINTENANCE` in the next reads until it ends.
#[tokio::test]
async fn a_maintenance_window_puts_its_sources_in_maintenance() {
    let sb = sandbox().await;
    let http = reqwest::Client::new();
    let now = chrono::Utc::now();
    let at = |minutes: i64| (now + chrono::Duration::minutes(minutes)).to_rfc3339();
    let post = |token: String, body: serde_json::Value| {
        let (http, url) = (http.clone(), format!("{}/api/maintenance-windows", sb.url()));
        async move {
            let resp = http.post(url).bearer_auth(token).json(&body).send().await.unwrap();
            (resp.status().as_u16(), resp.json::<serde_json::Value>().await.unwrap_or_default())
        }
    };
    let window = |sources: serde_json::Value, start: String, end: String| serde_json::json!({ "summary": "deploy", "start": start, "end": end, "timezone": "UTC", "alertSources": sources });

    let read_only = sign_in(&sb, "profile source maintenance offline_access").await["access_token"].as_str().unwrap().to_string();
    let (status, body) = post(read_only, window(serde_json::json!([{ "id": 1201 }]), at(0), at(60))).await;
    assert_eq!((status, body["code"].as_str(), body["scope"].as_str()), (403, Some("OAUTH2_SCOPE_ERROR"), Some("maintenance:w")), "{body}");

    let token = sign_in(&sb, "profile source maintenance:w offline_access").await["access_token"].as_str().unwrap().to_string();
    for (bad, why) in [
        (window(serde_json::json!([{ "id": 1201 }]), at(60), at(0)), "end must be after start"),
        (window(serde_json::json!([{ "id": 1201 }]), at(-120), at(-60)), "end must not be in the past"),
        (window(serde_json::json!([{ "id": 999_999 }]), at(0), at(60)), "Unknown alert source 999999"),
        (serde_json::json!({ "summary": "no times", "alertSources": [{ "id": 1201 }] }), "start is required"),
    ] {
        let (status, body) = post(token.clone(), bad).await;
        assert_eq!((status, body["message"].as_str()), (400, Some(why)), "{body}");
    }
    let (_, before) = get(&sb, &token, "/api/alert-sources/1202").await;
    assert_ne!(before["status"], "IN_MAINTENANCE");

    let (status, made) = post(token.clone(), window(serde_json::json!([{ "id": 1201 }, 1202]), at(0), at(60))).await;
    assert_eq!(status, 200, "{made}");
    assert!(made["id"].as_i64().is_some() && made["createdBy"] == "ada", "{made}");
    assert_eq!(made["alertSources"].as_array().map(Vec::len), Some(2), "{made}");
    for id in [1201, 1202] {
        let (_, source) = get(&sb, &token, &format!("/api/alert-sources/{id}")).await;
        assert_eq!(source["status"], "IN_MAINTENANCE", "{source}");
    }
    let (_, other) = get(&sb, &token, "/api/alert-sources/1203").await;
    assert_ne!(other["status"], "IN_MAINTENANCE", "only its own sources");
    let (status, listed) = get(&sb, &token, "/api/maintenance-windows").await;
    assert_eq!((status, listed.as_array().map(Vec::len)), (200, Some(1)), "{listed}");
}

/// Bringing help as ilert describes it: suggestions in ilert's four groups;
/// `alert:w` for the writes; assign by either set of names (and only the
/// set the `assign_names` knob reads); 201 for a responder added, 404 for
/// one that does not exist, 405 for one already present; each effect seen
/// in the next read of the alert.
#[tokio::test]
async fn help_is_suggested_assigned_and_added_as_ilert_answers() {
    let sb = sandbox().await;
    let http = reqwest::Client::new();
    let send = |method: reqwest::Method, token: &str, path: &str, body: Option<serde_json::Value>| {
        let request = http.request(method, format!("{}{path}", sb.url())).bearer_auth(token);
        let request = match body {
            Some(b) => request.json(&b),
            None => request.header("content-length", "0"),
        };
        async move {
            let resp = request.send().await.unwrap();
            (resp.status().as_u16(), resp.json::<serde_json::Value>().await.unwrap_or_default())
        }
    };
    let read_only = sign_in(&sb, "profile alert offline_access").await["access_token"].as_str().unwrap().to_string();
    let (_, pending) = get(&sb, &read_only, "/api/alerts?states=PENDING").await;
    // One whose policy has somebody on call who is not a responder yet (a LOW one stays at its first rule).
    let mut found = None;
    for id in pending.as_array().unwrap().iter().filter_map(|a| a["id"].as_i64()) {
        let (status, suggested) = get(&sb, &read_only, &format!("/api/alerts/{id}/suggested-responders")).await;
        assert_eq!(status, 200, "{suggested}");
        if suggested[0]["group"] == "SUGGESTED" {
            found = Some((id, suggested));
            break;
        }
    }
    let (alert, suggested) = found.expect("a pending alert with somebody to suggest");
    let groups: std::collections::BTreeSet<&str> = suggested.as_array().unwrap().iter().filter_map(|s| s["group"].as_str()).collect();
    assert_eq!(groups, ["ESCALATION_POLICY", "ON_CALL_SCHEDULE", "SUGGESTED", "USER"].into(), "{suggested}");
    assert_eq!(suggested[0]["group"], "SUGGESTED", "the policy's on-call people first: {suggested}");
    let (status, body) = send(reqwest::Method::PUT, &read_only, &format!("/api/alerts/{alert}/assign?user=2"), None).await;
    assert_eq!((status, body["scope"].as_str()), (403, Some("alert:w")), "{body}");

    let token = sign_in(&sb, "profile alert:w offline_access").await["access_token"].as_str().unwrap().to_string();
    let assign = |query: &str| send(reqwest::Method::PUT, &token, &format!("/api/alerts/{alert}/assign?{query}"), None);
    for (query, why) in [("", 400), ("user=2&policy=1", 400), ("user=2&user-id=3", 400), ("user=99999", 404), ("policy=99999", 404)] {
        let (status, body) = assign(query).await;
        assert_eq!(status, why, "{query}: {body}");
    }
    let names = |a: &serde_json::Value| -> Vec<i64> {
        a["responders"].as_array().unwrap().iter().filter_map(|r| r["user"]["id"].as_i64()).collect()
    };
    let (status, body) = assign("user=2&user-id=2").await;
    assert_eq!((status, names(&body)), (200, vec![2]), "{body}");
    assert!(body.get("nextEscalation").is_none(), "assigned to a person, it escalates no further: {body}");
    for (mode, query, reads) in [
        (ilert_sandbox::AssignNames::Spec, "user-id=3", false),
        (ilert_sandbox::AssignNames::Spec, "user=3", true),
        (ilert_sandbox::AssignNames::Legacy, "user=4", false),
        (ilert_sandbox::AssignNames::Legacy, "user-id=4", true),
    ] {
        sb.knobs().set_assign_names(mode);
        let (status, body) = assign(query).await;
        assert_eq!(status == 200, reads, "{mode:?} {query}: {body}");
    }
    sb.knobs().set_assign_names(ilert_sandbox::AssignNames::Both);
    let (_, now) = get(&sb, &token, &format!("/api/alerts/{alert}")).await;
    assert_eq!(names(&now), vec![4], "the last assign holds in the next read: {now}");

    let add = |body: serde_json::Value| send(reqwest::Method::POST, &token, &format!("/api/alerts/{alert}/responders"), Some(body));
    let (status, body) = add(serde_json::json!({ "user": { "id": 5 } })).await;
    assert_eq!((status, body["user"]["id"].as_i64(), body["status"].as_str()), (201, Some(5), Some("PENDING")), "{body}");
    let (status, _) = add(serde_json::json!({ "userId": 6 })).await;
    assert_eq!(status, 201, "the flat reading too");
    let (status, body) = add(serde_json::json!({ "user": { "id": 5 } })).await;
    assert_eq!(status, 405, "already a responder: {body}");
    let (status, _) = add(serde_json::json!({ "user": { "id": 99999 } })).await;
    assert_eq!(status, 404);
    let (_, now) = get(&sb, &token, &format!("/api/alerts/{alert}")).await;
    assert_eq!(names(&now), vec![4, 5, 6], "{now}");

    let (status, body) = assign("policy=1").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["escalationPolicy"]["id"], 1, "{body}");
}

/// `PUT /api/schedules/{id}/overrides` as ilert describes it: `schedule:w`;
/// a start in the sandbox's past (its clock may run ahead of the client's),
/// an end before the start and a user outside the schedule are 400s; a
/// cover made shows in the next reads (the schedule's current shift, its
/// overrides, and who is on call for the policies that use it).
#[tokio::test]
async fn an_override_covers_a_turn_as_ilert_answers() {
    let sb = sandbox().await;
    let http = reqwest::Client::new();
    let now = chrono::Utc::now();
    let at = |secs: i64| (now + chrono::Duration::seconds(secs)).to_rfc3339();
    let put = |token: String, schedule: i64, body: serde_json::Value| {
        let (http, url) = (http.clone(), format!("{}/api/schedules/{schedule}/overrides", sb.url()));
        async move {
            let resp = http.put(url).bearer_auth(token).json(&body).send().await.unwrap();
            (resp.status().as_u16(), resp.json::<serde_json::Value>().await.unwrap_or_default())
        }
    };
    let shift = |user: i64, start: String, end: String| serde_json::json!({ "user": { "id": user }, "start": start, "end": end });
    let read_only = sign_in(&sb, "profile schedule policy offline_access").await["access_token"].as_str().unwrap().to_string();
    let (status, body) = put(read_only, 3, shift(1, at(15), at(1800))).await;
    assert_eq!((status, body["scope"].as_str()), (403, Some("schedule:w")), "{body}");

    let token = sign_in(&sb, "profile schedule:w policy offline_access").await["access_token"].as_str().unwrap().to_string();
    for (schedule, bad, why) in [
        (3, shift(1, at(-60), at(1800)), "The shift must not be in the past"),
        (3, shift(1, at(1800), at(15)), "end must be after start"),
        (2, shift(1, at(15), at(1800)), "The user is not a member of this schedule"),
    ] {
        let (status, body) = put(token.clone(), schedule, bad).await;
        assert_eq!((status, body["message"].as_str()), (400, Some(why)), "{body}");
    }
    sb.knobs().set_clock_ahead(std::time::Duration::from_secs(60));
    let (status, _) = put(token.clone(), 3, shift(1, at(15), at(1800))).await;
    assert_eq!(status, 400, "15 s ahead of a client a minute behind is in the sandbox's past");
    sb.knobs().set_clock_ahead(std::time::Duration::ZERO);

    // A minute ahead: however slow this machine, not in the past when it arrives.
    let (status, made) = put(token.clone(), 3, shift(1, at(60), at(1800))).await;
    assert_eq!((status, made["id"].as_i64()), (200, Some(3)), "ilert's ScheduleRel: {made}");
    let (_, overrides) = get(&sb, &token, "/api/schedules/3/overrides").await;
    assert_eq!(overrides[0]["user"]["id"], 1, "{overrides}");
    let (_, shifts) = get(&sb, &token, "/api/schedules/3/shifts").await;
    let covering = shifts.as_array().unwrap().iter().find(|s| {
        s["start"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .is_some_and(|t| (t.timestamp() - (now.timestamp() + 60)).abs() <= 1)
    });
    assert_eq!(covering.map(|s| s["user"]["id"].clone()), Some(serde_json::json!(1)), "my cover is the turn from then: {shifts}");
}
