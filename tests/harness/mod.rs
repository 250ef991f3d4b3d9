//! The app's binary as the tests across layers run it (`cli.rs`,
//! `tray.rs`): a private config dir, a profile of its own and the sandbox as
//! ilert; a login that answers the consent like a browser; alerts raised
//! through ilert's Events API.
#![allow(dead_code)] // each test binary uses its own part

use std::process::{Output, Stdio};
use std::time::Duration;

use ilert_sandbox::{browser, Config, Sandbox};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

pub const CLIENT: &str = "cli-test";

/// The binary with a private config dir, a profile of its own and the
/// sandbox as ilert.
pub struct Cli {
    pub home: tempfile::TempDir,
    pub sandbox: Sandbox,
    pub redirect: String,
    pub profile: String,
    /// The test CA the "browser" trusts, for a sandbox over TLS.
    pub browser_ca: Option<reqwest::Certificate>,
    /// A D-Bus session bus of the test's own (`DBUS_SESSION_BUS_ADDRESS`).
    pub bus: Option<String>,
}

impl Cli {
    pub async fn new(tag: &str) -> Cli {
        Cli::with_sandbox(tag, Sandbox::start(Config::default()).await.unwrap())
    }

    pub fn with_sandbox(tag: &str, sandbox: Sandbox) -> Cli {
        let redirect = crate::common::free_redirect();
        sandbox.knobs().register_client(CLIENT, &redirect);
        Cli {
            home: tempfile::tempdir().unwrap(),
            sandbox,
            redirect,
            profile: format!("cli-{tag}-{}", std::process::id()),
            browser_ca: None,
            bus: None,
        }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ilert-desktop"));
        c.args(args)
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .env("XDG_DATA_HOME", self.home.path().join("data"))
            .env("XDG_CACHE_HOME", self.home.path().join("cache"))
            .env("ILERT_CLIENT_ID", CLIENT)
            .env("ILERT_AUTH_URL", self.sandbox.url())
            .env("ILERT_API_URL", self.sandbox.url())
            .env("ILERT_REDIRECT_URI", &self.redirect)
            .env("ILERT_PROFILE", &self.profile)
            .env_remove("ILERT_LOG")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        if let Some(bus) = &self.bus {
            c.env("DBUS_SESSION_BUS_ADDRESS", bus);
        }
        c
    }

    pub async fn run(&self, args: &[&str]) -> Output {
        tokio::time::timeout(Duration::from_secs(60), self.command(args).output()).await.expect("the command finishes").unwrap()
    }

    /// `login --no-browser`: reads the authorize URL from stderr, answers
    /// the consent with `decision` and follows the redirect like a browser.
    pub async fn login(&self, decision: &str) -> (Output, String) {
        self.login_decided(self.command(&["login", "--no-browser"]), decision).await
    }

    pub async fn login_decided(&self, command: Command, decision: &str) -> (Output, String) {
        self.login_meanwhile(command, decision, || {}).await
    }

    /// [`Cli::login_decided`], running `meanwhile` while the person is in
    /// the browser (after the URL is printed, before the consent).
    pub async fn login_meanwhile(&self, mut command: Command, decision: &str, meanwhile: impl FnOnce()) -> (Output, String) {
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
        let url = tokio::time::timeout(Duration::from_secs(30), stderr.next_line()).await.unwrap().unwrap().expect("a line on stderr");
        assert!(url.starts_with(&self.sandbox.url()) && url.contains("code_challenge_method=S256"), "the URL alone on its line: {url}");
        meanwhile();
        let mut http = reqwest::Client::builder();
        if let Some(ca) = &self.browser_ca {
            http = http.add_root_certificate(ca.clone());
        }
        let outcome = browser::consent_with(http, &url, decision).await.unwrap();
        let browser::Outcome::Redirect(loc) = outcome else { panic!("no redirect: {outcome:?}") };
        let _ = reqwest::get(&loc).await.unwrap();
        let mut rest = String::new();
        while let Some(line) = stderr.next_line().await.unwrap() {
            rest += &line;
            rest.push('\n');
        }
        let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output()).await.unwrap().unwrap();
        (out, rest)
    }

    /// `login` asking for `scopes`, approved; it must succeed.
    pub async fn login_with_scopes(&self, scopes: &str) {
        let mut login = self.command(&["login", "--no-browser"]);
        login.env("ILERT_SCOPES", scopes);
        let (out, stderr) = self.login_decided(login, "approve").await;
        assert_eq!(out.status.code(), Some(0), "{stderr}");
    }

    /// The refresh token the keyring entry holds, read by another program.
    pub fn secret_tool_lookup(&self) -> Option<String> {
        let entry = self.secret_tool_entry()?;
        let json: serde_json::Value = serde_json::from_str(&entry).expect("the entry is JSON");
        Some(json["refresh"].as_str().expect("a refresh token").to_string())
    }

    /// The keyring entry's whole text.
    pub fn secret_tool_entry(&self) -> Option<String> {
        let settings: serde_json::Value = serde_json::from_slice(&std::fs::read(self.settings_file()).ok()?).ok()?;
        let a = &settings["account"];
        let key = format!("{}/{} @ {}", a["tenant"].as_str()?, a["username"].as_str()?, a["issuer"].as_str()?);
        let out = std::process::Command::new("secret-tool")
            .args(["lookup", "service", &format!("com.ilert.desktop/{}", self.profile), "username", &key])
            .output()
            .expect("secret-tool (package libsecret-tools)");
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    pub fn settings_file(&self) -> std::path::PathBuf {
        self.home.path().join("config/com.ilert.desktop/profiles").join(&self.profile).join("settings.json")
    }
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Sends one event to the sandbox's Events API with alert source 1201's
/// integration key, as a monitoring tool does.
pub async fn raise(cli: &Cli, event_type: &str, summary: &str, alert_key: &str) {
    raise_with(cli, event_type, summary, alert_key, "HIGH").await
}

/// An event through ilert's Events API, as a monitoring tool sends it.
pub async fn raise_with(cli: &Cli, event_type: &str, summary: &str, alert_key: &str, priority: &str) {
    let key = cli.sandbox.knobs().integration_key(1201).unwrap();
    let body = serde_json::json!({ "integrationKey": key, "eventType": event_type, "summary": summary, "alertKey": alert_key, "priority": priority });
    let r = reqwest::Client::new().post(format!("{}/api/events", cli.sandbox.url())).json(&body).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 202);
}

pub fn unix_now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64()
}

/// A D-Bus session of the test's own with a keyring and a notification
/// server (action buttons offered), and a `login` with `scopes` on it.
pub async fn signed_in_beside_a_notification_server(
    tag: &str,
    scopes: &str,
) -> (crate::common::keyring::PrivateKeyring, crate::common::notifications::NotificationServer, Cli) {
    let keyring = crate::common::keyring::PrivateKeyring::start(None);
    let server = crate::common::notifications::NotificationServer::start(&keyring.address, "body actions");
    let mut cli = Cli::new(tag).await;
    cli.bus = Some(keyring.address.clone());
    cli.login_with_scopes(scopes).await;
    (keyring, server, cli)
}
