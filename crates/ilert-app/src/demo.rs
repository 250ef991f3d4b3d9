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

    /// The sandbox's URL, once started.
    pub async fn url(&self) -> Option<String> {
        self.sandbox.lock().await.as_ref().map(Sandbox::url)
    }

    /// The sandbox's state handle, once started (its test controls need the
    /// sandbox's `admin` feature, which only tests turn on).
    pub async fn knobs(&self) -> Option<ilert_sandbox::Knobs> {
        self.sandbox.lock().await.as_ref().map(|s| s.knobs().clone())
    }
}
