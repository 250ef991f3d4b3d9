//! What the window asks before a step that cannot be undone, when the step
//! was chosen in the tray. The tray's menu is a D-Bus protocol: any process
//! of the session can press its items, so the tray keeps what is harmless
//! or urgent (open, accept, silence, pause, refresh) and hands the rest to
//! the window, where only the person can say yes.

use serde::Serialize;

use crate::maintenance::MaintainFor;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(tag = "what", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Ask {
    /// Resolving closes the alert at ilert for everyone on it.
    Resolve { id: i64, summary: String },
    /// Signing out revokes the session; pages stop until the next sign-in.
    SignOut,
    /// Installing runs the package manager (as root on Linux).
    InstallUpdate { version: String },
    /// A page of mine on the source is still pending: quieting it hides the next ones.
    Maintenance { source: i64, name: String, length: MaintainFor },
}

/// The question and its buttons, worded here so every surface says the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct Question {
    pub ask: Ask,
    pub text: String,
    /// The button that goes ahead; the other one is always "Cancel".
    pub yes: String,
}

impl Ask {
    pub fn question(self) -> Question {
        let (text, yes) = match &self {
            Ask::Resolve { summary, .. } => {
                (format!("Resolve \u{201c}{summary}\u{201d}? This closes the alert in ilert for everyone on it."), "Resolve")
            }
            Ask::SignOut => ("Sign out of ilert? Alerts and pages stop reaching you here until you sign in again.".into(), "Sign out"),
            Ask::InstallUpdate { version } => (format!("Install version {version}? It is used from the next start."), "Install"),
            Ask::Maintenance { name, length, .. } => (
                format!(
                    "A page of yours from \u{201c}{name}\u{201d} is still pending. Put the source in maintenance for {} anyway? Its new alerts page nobody until it ends.",
                    length.label()
                ),
                "Start maintenance",
            ),
        };
        Question { ask: self, text, yes: yes.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_question_names_what_happens_and_its_button() {
        let q = Ask::Resolve { id: 7, summary: "Disk full".into() }.question();
        assert!(q.text.starts_with("Resolve \u{201c}Disk full\u{201d}?") && q.yes == "Resolve", "{q:?}");
        assert_eq!(Ask::SignOut.question().yes, "Sign out");
        let q = Ask::InstallUpdate { version: "0.2.0".into() }.question();
        assert!(q.text.contains("0.2.0") && q.yes == "Install", "{q:?}");
        let q = Ask::Maintenance { source: 3, name: "Checkout API".into(), length: MaintainFor::Hour }.question();
        assert!(
            q.text.contains("\u{201c}Checkout API\u{201d} is still pending") && q.text.contains("for 1 h") && q.yes == "Start maintenance",
            "{q:?}"
        );
        let json = serde_json::to_value(Ask::Resolve { id: 7, summary: "x".into() }.question()).unwrap();
        assert_eq!(json["ask"], serde_json::json!({ "what": "resolve", "id": 7, "summary": "x" }));
    }
}
