use serde::{Deserialize, Serialize};

use crate::client::Listed;
use crate::{ApiError, Client};

/// A team as other objects reference it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TeamRel {
    #[serde(deserialize_with = "crate::lenient::int")]
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
}

/// `GET /api/teams` (scope `team`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    #[serde(deserialize_with = "crate::lenient::int")]
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub visibility: Option<String>,
}

impl Client {
    /// Every team, paged (ilert's maximum page is 100).
    pub async fn teams(&self) -> Result<Listed<Team>, ApiError> {
        self.get_all("teams", &[], 100).await
    }
}
