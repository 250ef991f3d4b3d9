//! ilert's OAuth2 scopes: a resource name, bare or with `:r`, `:w` or `:d`.
//!
//! Bare and `:r` grant GET; `:w` adds POST and PUT; `:d` adds DELETE
//! (ilert's "Token lifetimes, error codes, …" page). `wildcard` covers every
//! resource, as ilert's own CLI uses it.

use axum::http::Method;

/// Every resource scope ilert documents, plus `wildcard`.
pub const RESOURCES: &[&str] = &[
    "profile",
    "policy",
    "schedule",
    "source",
    "monitor",
    "action",
    "connector",
    "maintenance",
    "report",
    "template",
    "service",
    "status_page",
    "team",
    "user",
    "alert",
    "incident",
    "metric",
    "metric_source",
    "wildcard",
];

/// Scopes that are flags rather than resources.
pub const FLAGS: &[&str] = &["offline_access"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Read,
    Write,
    Delete,
}

impl Level {
    /// The level a request method needs.
    pub fn for_method(method: &Method) -> Level {
        match *method {
            Method::GET | Method::HEAD | Method::OPTIONS => Level::Read,
            Method::DELETE => Level::Delete,
            _ => Level::Write,
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Level::Read => "r",
            Level::Write => "w",
            Level::Delete => "d",
        }
    }
}

/// Splits a space-separated scope string; `Err` names the first unknown scope.
pub fn parse(scope: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for s in scope.split_whitespace() {
        let (name, level) = s.split_once(':').unwrap_or((s, "r"));
        let known = (RESOURCES.contains(&name) && matches!(level, "r" | "w" | "d")) || (FLAGS.contains(&s));
        if !known {
            return Err(s.to_string());
        }
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    Ok(out)
}

/// The first resource named at two levels (`alert alert:w`), if any.
pub fn named_twice(scopes: &[String]) -> Option<&str> {
    let name = |s: &str| s.split_once(':').map_or(s, |(n, _)| n).len();
    scopes.iter().enumerate().find_map(|(i, s)| {
        let n = &s[..name(s)];
        scopes[..i].iter().any(|o| &o[..name(o)] == n).then_some(n)
    })
}

/// Whether `granted` (a space-separated scope string) allows `level` on `resource`.
pub fn allows(granted: &str, resource: &str, level: Level) -> bool {
    granted.split_whitespace().any(|s| {
        let (name, lvl) = s.split_once(':').unwrap_or((s, "r"));
        let have = match lvl {
            "w" => Level::Write,
            "d" => Level::Delete,
            _ => Level::Read,
        };
        (name == resource || name == "wildcard") && have >= level
    })
}

/// The scope ilert names in a 403 for `resource` at `level`.
pub fn required(resource: &str, level: Level) -> String {
    match level {
        Level::Read => resource.to_string(),
        l => format!("{resource}:{}", l.suffix()),
    }
}

/// A consent-page sentence for one scope.
pub fn describe(scope: &str) -> String {
    let (name, level) = scope.split_once(':').unwrap_or((scope, "r"));
    let what = match name {
        "offline_access" => return "Stay signed in (issue a refresh token)".into(),
        "profile" => "your profile",
        "policy" => "escalation policies",
        "schedule" => "on-call schedules",
        "source" => "alert sources",
        "team" => "teams",
        "user" => "users",
        "alert" => "alerts",
        "incident" => "incidents",
        "service" => "services",
        "wildcard" => "everything in your account",
        other => other,
    };
    let verb = match level {
        "w" => "Read, create and change",
        "d" => "Read, create, change and delete",
        _ => "Read",
    };
    format!("{verb} {what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_ilerts_table() {
        assert!(allows("source", "source", Level::Read));
        assert!(allows("source:r", "source", Level::Read));
        assert!(!allows("source", "source", Level::Write));
        assert!(allows("source:w", "source", Level::Write));
        assert!(!allows("source:w", "source", Level::Delete));
        assert!(allows("source:d", "source", Level::Delete));
        assert!(allows("profile wildcard:d", "alert", Level::Delete));
        assert!(!allows("profile schedule", "source", Level::Read));
    }

    #[test]
    fn a_resource_named_twice_is_found() {
        let v = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(named_twice(&v("profile alert alert:w")), Some("alert"));
        assert_eq!(named_twice(&v("profile alert:w source offline_access")), None);
    }

    #[test]
    fn parse_rejects_unknown_scopes_and_levels() {
        assert_eq!(parse("profile source:w offline_access").unwrap().len(), 3);
        assert_eq!(parse("profile bogus").unwrap_err(), "bogus");
        assert_eq!(parse("source:x").unwrap_err(), "source:x");
        assert_eq!(parse("offline_access:w").unwrap_err(), "offline_access:w");
    }
}
