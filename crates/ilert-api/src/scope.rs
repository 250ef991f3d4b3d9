//! ilert's scopes: a resource name, bare or with `:r`, `:w` or `:d`. The
//! suffix is a level, and each level includes the ones below it: bare and
//! `:r` read, `:w` adds create and change, `:d` adds delete. `wildcard` is a
//! resource that stands for every resource, at its own level: bare
//! `wildcard` only reads, which is why ilert's CLI asks for `wildcard:d`.
//!
//! [`allows`] is the one place that reads a granted scope set; every
//! surface (the actions, the window's buttons, the tray, the notifications)
//! asks it.

/// What a request needs of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Read,
    Write,
    Delete,
}

impl Level {
    fn of_suffix(suffix: Option<&str>) -> Option<Level> {
        match suffix {
            None | Some("r") => Some(Level::Read),
            Some("w") => Some(Level::Write),
            Some("d") => Some(Level::Delete),
            Some(_) => None,
        }
    }

    /// The scope that grants `self` on `resource`, as ilert names it.
    pub fn scope_for(self, resource: &str) -> String {
        match self {
            Level::Read => resource.to_string(),
            Level::Write => format!("{resource}:w"),
            Level::Delete => format!("{resource}:d"),
        }
    }
}

/// One granted scope: its resource and level (`None` for a flag such as
/// `offline_access`, or a suffix ilert does not define).
fn parse(scope: &str) -> (&str, Option<Level>) {
    match scope.split_once(':') {
        Some((name, suffix)) => (name, Level::of_suffix(Some(suffix))),
        None => (scope, Level::of_suffix(None)),
    }
}

/// Whether the granted `scope` string allows `level` on `resource`.
pub fn allows(scope: &str, resource: &str, level: Level) -> bool {
    scope.split_whitespace().any(|s| {
        let (name, have) = parse(s);
        (name == resource || name == "wildcard") && have.is_some_and(|have| have >= level)
    })
}

/// Whether the granted `scope` string lets the holder read `resource`.
pub fn can_read(scope: &str, resource: &str) -> bool {
    allows(scope, resource, Level::Read)
}

/// Whether `scope` lets the holder create or change `resource`.
pub fn can_write(scope: &str, resource: &str) -> bool {
    allows(scope, resource, Level::Write)
}

/// `scopes` with `added` asked for too. A level replaces the lower ones of
/// the same resource (`alert` then `alert:w` is `alert:w`), and nothing is
/// added that a scope already asked for covers: ilert gets one scope per
/// resource, as its own clients send them.
pub fn with_added(scopes: &str, added: &str) -> String {
    let (resource, level) = parse(added);
    let Some(level) = level.filter(|_| resource != "offline_access") else {
        return if scopes.split_whitespace().any(|s| s == added) { scopes.to_string() } else { format!("{scopes} {added}") };
    };
    let covered = scopes.split_whitespace().any(|s| {
        let (name, have) = parse(s);
        name == resource && have.is_some_and(|h| h >= level)
    });
    if covered {
        return scopes.to_string();
    }
    let mut kept: Vec<&str> = scopes.split_whitespace().filter(|s| parse(s).0 != resource).collect();
    kept.push(added);
    kept.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suffix_is_a_level_and_wildcard_is_every_resource_at_its_level() {
        let write = |granted: &str| can_write(granted, "alert");
        let read = |granted: &str| can_read(granted, "alert");
        // (granted, reads alerts, writes alerts)
        for (granted, r, w) in [
            ("wildcard", true, false),
            ("wildcard:r", true, false),
            ("wildcard:w", true, true),
            ("wildcard:d", true, true),
            ("alert", true, false),
            ("alert:r", true, false),
            ("alert:w", true, true),
            ("alert:d", true, true),
            ("profile source:w offline_access", false, false),
            ("alert:x", false, false),
            ("", false, false),
        ] {
            assert_eq!((read(granted), write(granted)), (r, w), "{granted:?}");
        }
        assert!(allows("wildcard:d", "schedule", Level::Delete));
        assert!(!allows("alert:w", "alert", Level::Delete));
        assert!(!can_read("profile sourcery", "source"));
    }

    #[test]
    fn a_higher_level_replaces_the_lower_one_of_its_resource() {
        assert_eq!(with_added("profile alert offline_access", "alert:w"), "profile offline_access alert:w");
        assert_eq!(with_added("profile alert:r", "alert:d"), "profile alert:d");
        assert_eq!(with_added("profile alert:w", "alert"), "profile alert:w", "already covered");
        assert_eq!(with_added("profile alert:d", "alert:w"), "profile alert:d", "already covered");
        assert_eq!(with_added("profile source", "alert:w"), "profile source alert:w");
        assert_eq!(with_added("profile", "offline_access"), "profile offline_access");
        assert_eq!(with_added("profile offline_access", "offline_access"), "profile offline_access");
        assert_eq!(Level::Write.scope_for("alert"), "alert:w");
    }
}
