//! Secrets that cannot leak by accident: `Debug` and `Display` print
//! `[redacted]`, there is no `Serialize`, and equality is constant-time.

use std::fmt;

use subtle::ConstantTimeEq;

/// A token, code, verifier or state.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret's text. Every call site is a place where it leaves our
    /// control: an HTTP header or form, or the keyring.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Constant-time comparison, so timing does not reveal a prefix.
    pub fn ct_eq(&self, other: &str) -> bool {
        self.0.as_bytes().ct_eq(other.as_bytes()).into()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_secret() {
        let s = Secret::new("eyJhbGciOi.secret.value");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&s)), "Some([redacted])");
        assert!(s.ct_eq("eyJhbGciOi.secret.value"));
        assert!(!s.ct_eq("eyJhbGciOi.secret.valuf"));
    }
}
