//! PKCE (RFC 7636, S256) and the `state` parameter.
//!
//! Both come straight from the OS CSPRNG (`getrandom`), 32 bytes each, which
//! base64url-encode to 43 characters: the minimum RFC 7636 allows and what
//! ilert's docs use. The verifier never leaves the Rust core.

use base64::Engine;
use oauth2::{PkceCodeChallenge, PkceCodeVerifier};

use crate::secret::Secret;

/// A fresh verifier/challenge pair and state for one sign-in.
pub struct Pkce {
    pub verifier: PkceCodeVerifier,
    pub challenge: PkceCodeChallenge,
    pub state: Secret,
}

fn random_43() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random number generator is available");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl Pkce {
    pub fn generate() -> Pkce {
        let verifier = PkceCodeVerifier::new(random_43());
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&verifier);
        Pkce { verifier, challenge, state: Secret::new(random_43()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_is_43_url_safe_chars_and_challenge_is_s256() {
        let p = Pkce::generate();
        let v = p.verifier.secret();
        assert_eq!(v.len(), 43);
        assert!(v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(p.challenge.method().as_str(), "S256");
        assert_eq!(p.challenge.as_str().len(), 43);
        assert_eq!(p.state.expose().len(), 43);
        let q = Pkce::generate();
        assert_ne!(q.verifier.secret(), v);
        assert!(!p.state.ct_eq(q.state.expose()));
    }

    /// RFC 7636 appendix B's example, to pin the S256 transform.
    #[test]
    fn rfc7636_example() {
        let v = PkceCodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        assert_eq!(PkceCodeChallenge::from_code_verifier_sha256(&v).as_str(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }
}
