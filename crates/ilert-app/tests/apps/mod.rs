//! An [`App`] as the tests make one: its own settings file and keyring
//! profile, a browser that approves, any free port for the demo.
#![allow(dead_code)] // each test binary uses its own part

use ilert_app::settings::{Settings, SettingsStore};
use ilert_app::App;
use ilert_sandbox::browser;

/// A browser that approves whatever authorize URL it is given.
pub fn approving_browser(url: &str) -> Result<(), String> {
    let url = url.to_string();
    tokio::spawn(async move { browser::approve_and_follow(&url).await });
    Ok(())
}

pub fn app(dir: &tempfile::TempDir, overrides: Settings) -> App {
    let profile = format!("app-{}-{}", std::process::id(), dir.path().file_name().unwrap().to_string_lossy().replace('.', ""));
    app_at(dir.path().join("settings.json"), Some(profile), overrides)
}

pub fn app_at(path: std::path::PathBuf, profile: Option<String>, overrides: Settings) -> App {
    App::new(SettingsStore::open(path, overrides).unwrap(), profile)
}

/// Any port: the tests run in parallel, and the demo registers whatever port the receiver got.
pub fn any_port() -> Settings {
    Settings { redirect_uri: Some("http://127.0.0.1:0/callback".into()), ..Default::default() }
}
