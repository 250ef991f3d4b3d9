//! The `nulls` mode: REST answers in the most lenient shape ilert's OpenAPI
//! description allows. Almost no field is `required` there, and nothing says
//! an absent value is left out rather than sent as `null`, so a client must
//! read both. In this mode:
//! - every optional field the sandbox would leave out is sent as `null`
//!   (see [`OPTIONAL`]), and every empty list as `null`;
//! - integers typed `number` in the description are sent as `1.0`;
//! - `/api/on-calls` adds an entry without a user (a gap in a schedule);
//! - `/api/alerts` names nobody in its first alert's `assignedTo: {}` (a
//!   reference without an id), and adds a copy of it merged into it
//!   (`mergedIntoId`, `mergeState`, from ilert's newer description).

use serde_json::Value;

/// Optional fields the sandbox otherwise leaves out, by the key that marks
/// the object kind: (marker, fields).
const OPTIONAL: &[(&str, &[&str])] = &[
    ("escalationLevel", &["schedule"]),
    ("defaultShiftDuration", &["currentShift", "nextShift", "timezone", "teams"]),
    ("integrationType", &["integrationKey", "integrationUrl", "teams", "supportHours"]),
    ("reportTime", &["details", "resolvedOn", "nextEscalation", "nextEscalationUser", "alertKey"]),
    ("escalationTimeout", &["users", "schedules", "teams"]),
];

/// Integer fields typed `number` in ilert's description.
const NUMBERS: &[&str] = &["escalationLevel", "escalationTimeout"];

pub(crate) fn rewrite(path: &str, mut v: Value) -> Value {
    nullify(&mut v);
    if path == "/api/on-calls" {
        if let Value::Array(items) = &mut v {
            if let Some(first) = items.first().cloned() {
                let mut gap = first;
                gap["user"] = Value::Null;
                gap["schedule"] = Value::Null;
                items.push(gap);
            }
        }
    }
    if path == "/api/alerts" {
        if let Value::Array(items) = &mut v {
            if let Some(first) = items.first_mut() {
                first["assignedTo"] = serde_json::json!({});
                let mut merged = first.clone();
                let parent = first["id"].as_f64().unwrap_or_default() as i64;
                merged["id"] = Value::from(parent + MERGED_OFFSET);
                merged["mergedIntoId"] = Value::from(parent);
                merged["mergeState"] = Value::from("MERGED");
                items.push(merged);
            }
        }
    }
    v
}

/// The id of the merged copy of alert N in the nulls lane: N + this.
const MERGED_OFFSET: i64 = 900_000;

fn nullify(v: &mut Value) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(nullify),
        Value::Object(map) => {
            for (marker, fields) in OPTIONAL {
                if map.contains_key(*marker) {
                    for f in *fields {
                        map.entry(f.to_string()).or_insert(Value::Null);
                    }
                }
            }
            for (k, field) in map.iter_mut() {
                match field {
                    Value::Array(a) if a.is_empty() => *field = Value::Null,
                    Value::Number(n) if NUMBERS.contains(&k.as_str()) => {
                        if let Some(i) = n.as_i64() {
                            *field = Value::from(i as f64);
                        }
                    }
                    other => nullify(other),
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_fields_become_null_and_numbers_floats() {
        let v = rewrite("/api/on-calls", serde_json::json!([{"user": {"id": 1}, "escalationLevel": 2, "start": "x", "teams": []}]));
        let items = v.as_array().unwrap();
        assert_eq!(items.len(), 2, "a gap is added");
        assert_eq!(items[0]["schedule"], Value::Null);
        assert_eq!(items[0]["teams"], Value::Null);
        assert_eq!(items[0]["escalationLevel"], serde_json::json!(2.0));
        assert!(items[0]["escalationLevel"].is_f64());
        assert_eq!(items[1]["user"], Value::Null);
    }
}
