use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ApiError, Client};

/// What `POST /api/maintenance-windows` is sent: a window over some alert
/// sources, each named by a reference (`{ "id": N }`, as ilert's own
/// clients refer to a resource), in UTC.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NewMaintenanceWindow {
    pub summary: String,
    pub description: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub timezone: String,
    pub alert_sources: Vec<SourceRef>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct SourceRef {
    pub id: i64,
}

/// A maintenance window as ilert answers it; only what the app reads.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MaintenanceWindow {
    #[serde(default, deserialize_with = "crate::lenient::opt_int")]
    pub id: Option<i64>,
    #[serde(default)]
    pub end: Option<DateTime<Utc>>,
}

impl Client {
    /// `POST /api/maintenance-windows` (scope `maintenance:w`): the window
    /// as ilert answers it, `None` when it answered without a body.
    pub async fn create_maintenance_window(&self, window: &NewMaintenanceWindow) -> Result<Option<MaintenanceWindow>, ApiError> {
        self.post_json("maintenance-windows", window).await
    }
}
