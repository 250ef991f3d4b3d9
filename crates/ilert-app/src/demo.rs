//! Demo mode: the ilert sandbox, embedded and started on first use, stands
//! in for ilert. A product feature, so it is built without the sandbox's
//! test controls.

use ilert_sandbox::{Config, Sandbox, DEMO_CLIENT_ID};

use crate::error::AppError;
use crate::settings::Settings;

/// The demo's sandbox, started when the demo is first asked for.
#[derive(Default)]
pub struct Demo {
    sandbox: tokio::sync::Mutex<Option<Sandbox>>,
}

impl Demo {
    /// The settings of the embedded sandbox, started on first use. The
    /// configured redirect URI and scopes are kept, so demo and real sign-in
    /// use the same receiver and ask for the same.
    pub async fn settings(&self, configured: &Settings) -> Result<Settings, AppError> {
        let mut demo = self.sandbox.lock().await;
        let redirect = configured.redirect_uri().to_string();
        if demo.is_none() {
            let sandbox = Sandbox::start(Config::default().with_client(DEMO_CLIENT_ID, &redirect))
                .await
                .map_err(|e| AppError::Demo(format!("the demo server could not start: {e}")))?;
            tracing::info!(url = %sandbox.url(), "demo sandbox started");
            *demo = Some(sandbox);
        }
        let url = demo.as_ref().expect("started above").url();
        Ok(Settings {
            client_id: Some(DEMO_CLIENT_ID.into()),
            auth_url: Some(url.clone()),
            api_url: Some(url),
            redirect_uri: Some(redirect),
            scopes: Some(configured.scopes().to_string()),
            ..Default::default()
        })
    }

    /// Registers the receiver's actual URI (its port may have been chosen at bind time).
    pub async fn register_receiver(&self, redirect_uri: &str) {
        if let Some(sb) = self.sandbox.lock().await.as_ref() {
            sb.knobs().register_client(DEMO_CLIENT_ID, redirect_uri);
        }
    }

    /// The demo ended (signed out): its server stops, so nothing listens on
    /// loopback for a demo nobody uses. The next demo starts a new one.
    pub async fn stop(&self) {
        let running = self.sandbox.lock().await.take();
        if let Some(sandbox) = running {
            sandbox.stop().await;
            tracing::info!("demo sandbox stopped");
        }
    }

    /// The sandbox's URL, once started.
    pub async fn url(&self) -> Option<String> {
        self.sandbox.lock().await.as_ref().map(Sandbox::url)
    }

    /// The sandbox's state handle, once started (its test controls need the
    /// sandbox's `admin` feature, which only tests turn on).
    pub async fn knobs(&self) -> Option<ilert_sandbox::Knobs> {
        self.sandbox.lock().await.as_ref().map(|s| s.knobs().clone())
    }

    /// Raises an alert in the demo tenant the way a monitoring tool does,
    /// through ilert's Events API with an alert source's integration key,
    /// so a person trying the demo sees a notification arrive.
    pub async fn raise_incident(&self, http: &reqwest::Client) -> Result<(), AppError> {
        let (Some(url), Some(knobs)) = (self.url().await, self.knobs().await) else {
            return Err(AppError::Demo("the demo is not running; sign in to the demo first".into()));
        };
        let key = knobs.integration_key(DEMO_INCIDENT_SOURCE).ok_or_else(|| AppError::Demo("the demo has no such alert source".into()))?;
        let n = chrono::Utc::now().format("%H:%M:%S");
        let event = serde_json::json!({
            "integrationKey": key,
            "eventType": "ALERT",
            "summary": format!("Demo incident: checkout errors above 5 % ({n})"),
            "details": "Raised from ilert Desktop's demo through ilert's Events API.",
            "priority": "HIGH",
        });
        let r = http
            .post(format!("{url}/api/events"))
            .json(&event)
            .timeout(std::time::Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| AppError::Demo(format!("the demo incident could not be raised: {}", e.without_url())))?;
        // 202 with no body or with `{alertKey, alertUrl, responseCode}`: ilert documents both.
        match r.status() {
            s if s.is_success() => Ok(()),
            s => Err(AppError::Demo(format!("the demo's Events API answered {}", s.as_u16()))),
        }
    }
}

/// The alert source the demo incident is raised on ("Checkout API (prod)").
const DEMO_INCIDENT_SOURCE: i64 = 1201;
