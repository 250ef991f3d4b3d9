use serde::{Deserialize, Serialize};

use crate::{ApiError, Client};

/// `GET /api/users/current`. `username` is not in ilert's spec but is sent
/// (and is what token_info names).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(deserialize_with = "crate::lenient::int")]
    pub id: i64,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
}

/// A user as other objects reference it: `{id, firstName, lastName}`, or a
/// bare `{id}` when not expanded.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UserRel {
    #[serde(deserialize_with = "crate::lenient::int")]
    pub id: i64,
    /// `firstname` where ilert's description spells it so (an alert's notifications).
    #[serde(default, alias = "firstname")]
    pub first_name: Option<String>,
    #[serde(default, alias = "lastname")]
    pub last_name: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
}

/// "First Last", else the username, else `#id`.
pub fn display_name(id: i64, first: Option<&str>, last: Option<&str>, username: Option<&str>) -> String {
    let full = [first, last].into_iter().flatten().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
    if !full.is_empty() {
        full
    } else {
        username.filter(|u| !u.is_empty()).map(str::to_string).unwrap_or_else(|| format!("#{id}"))
    }
}

impl User {
    pub fn name(&self) -> String {
        display_name(self.id, self.first_name.as_deref(), self.last_name.as_deref(), self.username.as_deref())
    }
}

impl UserRel {
    pub fn name(&self) -> String {
        display_name(self.id, self.first_name.as_deref(), self.last_name.as_deref(), self.username.as_deref())
    }
}

impl Client {
    /// The signed-in user (scope `profile`).
    pub async fn current_user(&self) -> Result<User, ApiError> {
        self.get("users/current", &[]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fall_back_to_username_then_id() {
        assert_eq!(display_name(1, Some("Ada"), Some("Lovelace"), Some("ada")), "Ada Lovelace");
        assert_eq!(display_name(1, None, Some(""), Some("ada")), "ada");
        assert_eq!(display_name(7, None, None, None), "#7");
    }

    #[test]
    fn unknown_and_absent_fields_are_fine() {
        let u: User = serde_json::from_str(r#"{"id":1,"firstName":"Ada","somethingNew":{"x":1}}"#).unwrap();
        assert_eq!(u.name(), "Ada");
        assert_eq!(u.email, None);
    }
}
