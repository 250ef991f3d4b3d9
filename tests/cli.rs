//! The command line as a person or a script uses it: the real binary, its
//! exit codes and output, against the sandbox over HTTP, with the refresh
//! token in the real Secret Service (`scripts/test` provides an unlocked
//! gnome-keyring; a bare `cargo test` leaves the keyring tests out).

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use ilert_sandbox::{browser, Config, Fault, Sandbox};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

mod common;

const CLIENT: &str = "cli-test";

/// The binary with a private config dir, a profile of its own and the
/// sandbox as ilert.
struct Cli {
    home: tempfile::TempDir,
    sandbox: Sandbox,
    redirect: String,
    profile: String,
}

impl Cli {
    async fn new(tag: &str) -> Cli {
        let sandbox = Sandbox::start(Config::default()).await.unwrap();
        let redirect = common::free_redirect();
        sandbox.knobs().register_client(CLIENT, &redirect);
        Cli { home: tempfile::tempdir().unwrap(), sandbox, redirect, profile: format!("cli-{tag}-{}", std::process::id()) }
    }

    fn command(&self, args: &[&str]) -> Command {
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
        c
    }

    async fn run(&self, args: &[&str]) -> Output {
        tokio::time::timeout(Duration::from_secs(60), self.command(args).output()).await.expect("the command finishes").unwrap()
    }

    /// `login --no-browser`: reads the authorize URL from stderr, answers
    /// the consent with `decision` and follows the redirect like a browser.
    async fn login(&self, decision: &str) -> (Output, String) {
        let mut child = self.command(&["login", "--no-browser"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
        let url = tokio::time::timeout(Duration::from_secs(30), stderr.next_line()).await.unwrap().unwrap().expect("a line on stderr");
        assert!(url.starts_with(&self.sandbox.url()) && url.contains("code_challenge_method=S256"), "the URL alone on its line: {url}");
        let outcome = browser::consent(&url, decision).await.unwrap();
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

    fn secret_tool_lookup(&self) -> Option<String> {
        let settings: serde_json::Value = serde_json::from_slice(&std::fs::read(self.settings_file()).ok()?).ok()?;
        let a = &settings["account"];
        let key = format!("{}/{} @ {}", a["tenant"].as_str()?, a["username"].as_str()?, a["issuer"].as_str()?);
        let out = std::process::Command::new("secret-tool")
            .args(["lookup", "service", &format!("com.ilert.desktop/{}", self.profile), "username", &key])
            .output()
            .expect("secret-tool (package libsecret-tools)");
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    fn settings_file(&self) -> std::path::PathBuf {
        self.home.path().join("config/com.ilert.desktop/profiles").join(&self.profile).join("settings.json")
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
#[ignore = "needs an unlocked Secret Service; scripts/test runs it"]
async fn login_status_token_logout() {
    let cli = Cli::new("cycle").await;

    let out = cli.run(&["status"]).await;
    assert_eq!(out.status.code(), Some(1), "not signed in yet");
    assert!(text(&out.stdout).contains("Not signed in"));

    let (out, stderr) = cli.login("approve").await;
    assert_eq!(out.status.code(), Some(0), "login: {stderr}");
    assert!(stderr.contains("Signed in as ada in tenant sandbox"), "{stderr}");
    let refresh = cli.secret_tool_lookup().expect("the refresh token is in the Secret Service");

    let out = cli.run(&["status"]).await;
    let status = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{status}{}", text(&out.stderr));
    for want in ["Signed in: yes", "User:      ada", "Tenant:    sandbox", "Scopes:    ", "source", "Access token expires in"] {
        assert!(status.contains(want), "status lacks {want:?}:\n{status}");
    }

    let out = cli.run(&["token"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let token = text(&out.stdout).trim().to_string();
    assert_eq!(token.split('.').count(), 3, "one JWT on stdout");
    let me = reqwest::Client::new().get(format!("{}/api/users/current", cli.sandbox.url())).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.status(), 200, "the printed token works at the API");

    // Nothing the command line wrote holds a token in clear.
    assert!(cli.settings_file().exists());
    let written = common::files(cli.home.path());
    for secret in [&token, &refresh] {
        assert_eq!(common::containing(&written, secret), Vec::<&Path>::new());
    }

    // ilert cannot be told: the local sign-out still completes, and says so.
    cli.sandbox.knobs().add_fault(Fault::status("/api/developers/oauth2/revoke", 503));
    let out = cli.run(&["logout"]).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("ilert could not be told"), "{}", text(&out.stdout));
    assert_eq!(cli.secret_tool_lookup(), None, "the keyring entry is gone");
    assert!(cli.sandbox.knobs().refresh_token_is_live(&refresh), "ilert never heard of the logout");
    assert_eq!(cli.run(&["status"]).await.status.code(), Some(1));

    // A normal logout revokes at ilert.
    cli.sandbox.knobs().clear_faults();
    let (out, stderr) = cli.login("approve").await;
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let refresh = cli.secret_tool_lookup().unwrap();
    let out = cli.run(&["logout"]).await;
    assert!(text(&out.stdout).contains("revoked at ilert"), "{}", text(&out.stdout));
    assert!(!cli.sandbox.knobs().refresh_token_is_live(&refresh));
}

#[tokio::test]
#[ignore = "needs an unlocked Secret Service; scripts/test runs it"]
async fn denied_login_fails_with_the_reason() {
    let cli = Cli::new("deny").await;
    let (out, stderr) = cli.login("deny").await;
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr.contains("access_denied"), "{stderr}");
    assert_eq!(cli.run(&["token"]).await.status.code(), Some(1), "no token without a sign-in");
}

/// With no Secret Service at all, the command line (which cannot keep a
/// session between runs without one) refuses to start a sign-in and says why.
#[tokio::test]
async fn login_without_a_keyring_says_so_and_writes_nothing() {
    let cli = Cli::new("nokeyring").await;
    let out = cli.command(&["login", "--no-browser"]).env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus").output().await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("keyring") && stderr.contains("cannot keep you signed in"), "{stderr}");
    assert!(!cli.settings_file().exists());
    assert_eq!(cli.sandbox.knobs().token_requests("authorization_code"), 0);
}

/// Plain http to a remote host is refused before anything is sent.
#[tokio::test]
async fn remote_http_endpoints_are_refused() {
    let cli = Cli::new("http").await;
    let out = cli.command(&["status"]).env("ILERT_API_URL", "http://api.ilert.example").output().await.unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("http"), "{}", text(&out.stderr));
}
