//! Every JSON body the sandbox's REST endpoints return must validate against
//! the response schema ilert's OpenAPI description gives for that path and
//! method, so drift from ilert's formats fails CI.
//!
//! The description is read from `$ILERT_OPENAPI`, else from
//! `../shared/ilert/openapi.json` beside the repository. `scripts/test`
//! downloads it from https://api.ilert.com/api-docs/openapi.json when neither
//! exists; a missing file fails this test, it never skips.

mod common;

use std::path::PathBuf;

use common::*;
use serde_json::{json, Value};

fn spec() -> Value {
    let path = std::env::var_os("ILERT_OPENAPI")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/ilert/openapi.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read ilert's OpenAPI description at {} ({e}). Set ILERT_OPENAPI to its path, \
             or download it from https://api.ilert.com/api-docs/openapi.json (scripts/test does).",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("openapi.json is JSON")
}

/// OpenAPI 3.0's `nullable` is not JSON Schema: widen the type to allow null.
fn nullable_to_json_schema(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.get("nullable") == Some(&Value::Bool(true)) {
                if let Some(Value::String(t)) = map.get("type").cloned() {
                    map.insert("type".into(), json!([t, "null"]));
                }
                if let Some(Value::Array(e)) = map.get_mut("enum") {
                    e.push(Value::Null);
                }
            }
            map.values_mut().for_each(nullable_to_json_schema);
        }
        Value::Array(a) => a.iter_mut().for_each(nullable_to_json_schema),
        _ => {}
    }
}

struct Schemas {
    spec: Value,
}

impl Schemas {
    fn new() -> Self {
        let mut spec = spec();
        nullable_to_json_schema(&mut spec);
        Schemas { spec }
    }

    /// Validates `body` against the 200 response of `method path` in the spec.
    fn check(&self, method: &str, path: &str, body: &Value) {
        let schema = self.spec["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"].clone();
        assert!(schema.is_object(), "the spec has no JSON 200 response for {method} {path}");
        let root = json!({ "components": self.spec["components"], "allOf": [schema] });
        let validator = jsonschema::draft4::new(&root).expect("schema compiles");
        let errors: Vec<String> = validator.iter_errors(body).map(|e| format!("{} at {}", e, e.instance_path)).collect();
        assert!(errors.is_empty(), "{method} {path}: {} schema errors, first: {:#?}", errors.len(), &errors[..errors.len().min(5)]);
    }
}

#[tokio::test]
async fn rest_responses_validate_against_ilerts_openapi() {
    let schemas = Schemas::new();
    let sb = sandbox().await;
    let tokens = sign_in(&sb, "profile schedule:w policy source:w alert:w team").await;
    let access = tokens["access_token"].as_str().unwrap();
    let now = chrono::Utc::now();
    assert!(sb.knobs().cover(1, "ada", now + chrono::Duration::hours(30), now + chrono::Duration::hours(32)), "an override to list");

    let cases = [
        ("/users/current", "/api/users/current"),
        ("/on-calls", "/api/on-calls?expand=user&expand=escalationPolicy"),
        ("/on-calls", "/api/on-calls?expand=user&expand=escalationPolicy&users=1&from=2020-01-01T00:00:00Z&until=2020-01-02T00:00:00Z"),
        ("/schedules", "/api/schedules?include=currentShift&include=nextShift&include=scheduleLayers&include=shifts"),
        ("/schedules", "/api/schedules"),
        ("/schedules/{id}", "/api/schedules/3?include=currentShift&include=nextShift"),
        ("/schedules/{id}/shifts", "/api/schedules/1/shifts"),
        ("/schedules/{id}/user-on-call", "/api/schedules/2/user-on-call"),
        ("/schedules/{id}/overrides", "/api/schedules/1/overrides"),
        ("/escalation-policies", "/api/escalation-policies"),
        ("/escalation-policies/{id}", "/api/escalation-policies/2"),
        ("/alert-sources", "/api/alert-sources"),
        ("/alert-sources", "/api/alert-sources?start-index=50&max-results=50"),
        ("/alert-sources/{id}", "/api/alert-sources/1201"),
        ("/alerts", "/api/alerts"),
        ("/alerts", "/api/alerts?states=PENDING&states=ACCEPTED"),
        ("/teams", "/api/teams"),
    ];
    let mut items = 0;
    for (spec_path, url) in cases {
        let (status, body) = get(&sb, access, url).await;
        assert_eq!(status, 200, "{url}: {body}");
        items += body.as_array().map_or(1, Vec::len);
        schemas.check("get", spec_path, &body);
    }
    assert!(items > 100, "the checked bodies hold real data ({items} items)");

    let http = reqwest::Client::new();
    let (_, pending) = get(&sb, access, "/api/alerts?states=PENDING").await;
    let id = pending[0]["id"].as_i64().unwrap();
    let (status, told) = get(&sb, access, &format!("/api/alerts/{id}/notifications")).await;
    assert!(status == 200 && told.as_array().is_some_and(|t| !t.is_empty()), "{told}");
    schemas.check("get", "/alerts/{id}/notifications", &told);
    let (_, suggested) = get(&sb, access, &format!("/api/alerts/{id}/suggested-responders")).await;
    schemas.check("get", "/alerts/{id}/suggested-responders", &suggested);
    let body: Value = http
        .put(format!("{}/api/alerts/{id}/assign?user=2&user-id=2", sb.url()))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    schemas.check("put", "/alerts/{id}/assign", &body);
    let cover = json!({ "user": { "id": 1 }, "start": (now + chrono::Duration::minutes(1)).to_rfc3339(), "end": (now + chrono::Duration::minutes(30)).to_rfc3339() });
    let body: Value = http
        .put(format!("{}/api/schedules/3/overrides", sb.url()))
        .bearer_auth(access)
        .json(&cover)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    schemas.check("put", "/schedules/{id}/overrides", &body);
    for action in ["accept", "resolve"] {
        let body: Value =
            http.put(format!("{}/api/alerts/{id}/{action}", sb.url())).bearer_auth(access).send().await.unwrap().json().await.unwrap();
        schemas.check("put", &format!("/alerts/{{id}}/{action}"), &body);
    }
    let (_, src) = get(&sb, access, "/api/alert-sources/1202").await;
    let body: Value =
        http.put(format!("{}/api/alert-sources/1202", sb.url())).bearer_auth(access).json(&src).send().await.unwrap().json().await.unwrap();
    schemas.check("put", "/alert-sources/{id}", &body);
}

/// The validator is not vacuous: a body that breaks the schema is caught.
#[test]
#[should_panic(expected = "schema errors")]
fn validator_rejects_a_wrong_shape() {
    Schemas::new().check("get", "/users/current", &json!({ "id": "not-a-number", "firstName": 1 }));
}
