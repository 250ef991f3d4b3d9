//! ilert's scopes: a resource name, bare or with `:r`, `:w` or `:d`
//! (read, write, delete). Any level can read.

/// Whether the granted `scope` string lets the holder read `resource`.
pub fn can_read(scope: &str, resource: &str) -> bool {
    scope.split_whitespace().any(|s| {
        let name = s.split_once(':').map_or(s, |(n, _)| n);
        name == resource || name == "wildcard"
    })
}

/// Whether `scope` lets the holder change `resource` (`:w` or `:d`).
pub fn can_write(scope: &str, resource: &str) -> bool {
    scope.split_whitespace().any(|s| match s.split_once(':') {
        Some((name, "w" | "d")) => name == resource,
        _ => s == "wildcard",
    })
}

#[cfg(test)]
mod tests {
    use super::{can_read, can_write};

    #[test]
    fn only_w_and_d_write() {
        assert!(can_write("alert alert:w", "alert") && can_write("alert:d", "alert") && can_write("wildcard", "alert"));
        assert!(!can_write("alert alert:r source:w", "alert"));
    }

    #[test]
    fn every_level_reads_and_wildcard_covers_all() {
        assert!(can_read("profile source:w offline_access", "source"));
        assert!(can_read("schedule:r", "schedule"));
        assert!(can_read("wildcard", "policy"));
        assert!(!can_read("profile sourcery", "source"));
        assert!(!can_read("", "profile"));
    }
}
