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
use common::wait_for;
/// A loopback update feed, for the update tests (not in `common`: the bench shares that).
#[path = "common/feed.rs"]
mod feed;

const CLIENT: &str = "cli-test";

/// One tray test at a time: they share the session's StatusNotifier host,
/// and tell their app's item from the others by what was new after the start.
static ONE_TRAY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The binary with a private config dir, a profile of its own and the
/// sandbox as ilert.
struct Cli {
    home: tempfile::TempDir,
    sandbox: Sandbox,
    redirect: String,
    profile: String,
    /// The test CA the "browser" trusts, for a sandbox over TLS.
    browser_ca: Option<reqwest::Certificate>,
    /// A D-Bus session bus of the test's own (`DBUS_SESSION_BUS_ADDRESS`).
    bus: Option<String>,
}

impl Cli {
    async fn new(tag: &str) -> Cli {
        Cli::with_sandbox(tag, Sandbox::start(Config::default()).await.unwrap())
    }

    fn with_sandbox(tag: &str, sandbox: Sandbox) -> Cli {
        let redirect = common::free_redirect();
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
        if let Some(bus) = &self.bus {
            c.env("DBUS_SESSION_BUS_ADDRESS", bus);
        }
        c
    }

    async fn run(&self, args: &[&str]) -> Output {
        tokio::time::timeout(Duration::from_secs(60), self.command(args).output()).await.expect("the command finishes").unwrap()
    }

    /// `login --no-browser`: reads the authorize URL from stderr, answers
    /// the consent with `decision` and follows the redirect like a browser.
    async fn login(&self, decision: &str) -> (Output, String) {
        self.login_decided(self.command(&["login", "--no-browser"]), decision).await
    }

    async fn login_decided(&self, command: Command, decision: &str) -> (Output, String) {
        self.login_meanwhile(command, decision, || {}).await
    }

    /// [`Cli::login_decided`], running `meanwhile` while the person is in
    /// the browser (after the URL is printed, before the consent).
    async fn login_meanwhile(&self, mut command: Command, decision: &str, meanwhile: impl FnOnce()) -> (Output, String) {
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
    async fn login_with_scopes(&self, scopes: &str) {
        let mut login = self.command(&["login", "--no-browser"]);
        login.env("ILERT_SCOPES", scopes);
        let (out, stderr) = self.login_decided(login, "approve").await;
        assert_eq!(out.status.code(), Some(0), "{stderr}");
    }

    /// The refresh token the keyring entry holds, read by another program.
    fn secret_tool_lookup(&self) -> Option<String> {
        let entry = self.secret_tool_entry()?;
        let json: serde_json::Value = serde_json::from_str(&entry).expect("the entry is JSON");
        Some(json["refresh"].as_str().expect("a refresh token").to_string())
    }

    /// The keyring entry's whole text.
    fn secret_tool_entry(&self) -> Option<String> {
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

/// With refresh-token rotation on at ilert, three `token` commands and the
/// app's own session meet an expired access token at the same time, round
/// after round, with one token request delayed to skew the order. Before the
/// cross-process lock, the loser of each race got `invalid_grant` for the
/// token the winner had just rotated, said "session expired" and deleted the
/// keyring entry that held the winner's valid token.
#[tokio::test]
#[ignore = "needs an unlocked Secret Service; scripts/test runs it"]
async fn concurrent_processes_with_rotation_never_lose_the_session() {
    use ilert_oauth::endpoint::{http_client, TokenEndpoint};
    use ilert_oauth::token_store::KeyringStore;
    use std::sync::Arc;

    let cli = Cli::new("race").await;
    let knobs = cli.sandbox.knobs();
    knobs.set_rotate_refresh_tokens(true);
    // Every access token is inside the refresh leeway: every call refreshes.
    knobs.set_access_token_lifetime(Duration::from_secs(1));
    let (out, stderr) = cli.login("approve").await;
    assert_eq!(out.status.code(), Some(0), "{stderr}");

    // The app: its own session on the same keyring entry.
    let settings = ilert_app::settings::load(&cli.settings_file()).unwrap();
    let account = settings.account.clone().unwrap();
    let oauth = ilert_app::Settings {
        client_id: Some(CLIENT.into()),
        api_url: Some(cli.sandbox.url()),
        auth_url: Some(cli.sandbox.url()),
        ..Default::default()
    };
    let endpoint = TokenEndpoint::new(&oauth.oauth_config().unwrap(), http_client()).unwrap();
    let store = Arc::new(KeyringStore::new(ilert_app::settings::keyring_service(Some(&cli.profile))));
    let app = Arc::new(ilert_oauth::Session::restore(endpoint, store, account).await.unwrap().expect("the app restores"));

    let before = knobs.token_requests("refresh_token");
    let (mut expired, mut failed) = (0, Vec::new());
    for round in 0..20 {
        knobs.add_fault(
            Fault::new("/api/developers/oauth2/token", ilert_sandbox::FaultKind::Delay { millis: 150 + 40 * (round % 5) }).times(1),
        );
        let app = app.clone();
        let app_call = tokio::spawn(async move { app.access_token().await.map(|_| ()) });
        for out in run_together(&cli, 3, &["token"]).await {
            if out.status.code() != Some(0) {
                let e = text(&out.stderr);
                expired += e.contains("expired") as usize;
                failed.push(format!("round {round}: {e}"));
            }
        }
        if let Err(e) = app_call.await.unwrap() {
            failed.push(format!("round {round}, app: {e}"));
        }
    }
    let grants = knobs.token_requests("refresh_token") - before;
    println!("two-process test: 20 rounds x (3 `token` + the app): {grants} refresh grants, {} failures", failed.len());
    assert_eq!(expired, 0, "no spurious 'session expired'");
    assert_eq!(failed, Vec::<String>::new());
    assert!(cli.secret_tool_entry().is_some(), "the keyring entry is still there");
    let out = cli.run(&["status"]).await;
    assert_eq!(out.status.code(), Some(0), "still signed in: {}", text(&out.stderr));
    let refresh = cli.secret_tool_lookup().unwrap();
    assert!(knobs.refresh_token_is_live(&refresh), "the stored token is the live one");
}

/// Starts the children at once, then waits for all of them.
async fn run_together(cli: &Cli, n: usize, args: &[&str]) -> Vec<Output> {
    let children: Vec<_> = (0..n).map(|_| cli.command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()).collect();
    let waits: Vec<_> =
        children.into_iter().map(|c| tokio::spawn(tokio::time::timeout(Duration::from_secs(60), c.wait_with_output()))).collect();
    let mut out = Vec::new();
    for w in waits {
        out.push(w.await.unwrap().expect("the command finishes").unwrap());
    }
    out
}

/// ilert asks for at most one refresh per five minutes. The access token
/// lives in the keyring entry with its expiry, so one `token` command after
/// another reuses it: before, each process refreshed on its own.
#[tokio::test]
#[ignore = "needs an unlocked Secret Service; scripts/test runs it"]
async fn sequential_commands_reuse_one_access_token() {
    let cli = Cli::new("reuse").await;
    let (out, stderr) = cli.login("approve").await;
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let token_info_at_login = cli.sandbox.knobs().requests("/api/developers/oauth2/token_info");
    let mut tokens = Vec::new();
    for _ in 0..5 {
        let out = cli.run(&["token"]).await;
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        tokens.push(text(&out.stdout).trim().to_string());
    }
    assert_eq!(cli.run(&["status"]).await.status.code(), Some(0));
    assert!(tokens.iter().all(|t| *t == tokens[0]), "one access token for all");
    assert_eq!(cli.sandbox.knobs().token_requests("refresh_token"), 0, "no refresh while it is fresh");
    assert_eq!(cli.sandbox.knobs().requests("/api/developers/oauth2/token_info"), token_info_at_login, "status does not ask token_info");
    // Once it has expired, the next command refreshes once and the rest reuse that.
    cli.sandbox.knobs().set_access_token_lifetime(Duration::from_secs(3600));
    let entry = cli.secret_tool_entry().unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&entry).unwrap();
    json["accessExpiresAt"] = serde_json::Value::String("2020-01-01T00:00:00Z".into());
    store_entry(&cli, &json.to_string());
    for _ in 0..3 {
        assert_eq!(cli.run(&["token"]).await.status.code(), Some(0));
    }
    assert_eq!(cli.sandbox.knobs().token_requests("refresh_token"), 1);
}

/// Overwrites the CLI's keyring entry from another program.
fn store_entry(cli: &Cli, text: &str) {
    use std::io::Write;
    let settings: serde_json::Value = serde_json::from_slice(&std::fs::read(cli.settings_file()).unwrap()).unwrap();
    let a = &settings["account"];
    let key = format!("{}/{} @ {}", a["tenant"].as_str().unwrap(), a["username"].as_str().unwrap(), a["issuer"].as_str().unwrap());
    let mut child = std::process::Command::new("secret-tool")
        .args(["store", "--label", "ilert Desktop", "service", &format!("com.ilert.desktop/{}", cli.profile), "username", &key])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
}

/// A second `login` of the same account revokes the refresh token it
/// replaces, as the app does: before, it stayed live until ilert's cap of
/// 10 per app and user evicted it.
#[tokio::test]
#[ignore = "needs an unlocked Secret Service; scripts/test runs it"]
async fn a_second_login_revokes_the_token_it_replaces() {
    let cli = Cli::new("relogin").await;
    let (out, stderr) = cli.login("approve").await;
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let first = cli.secret_tool_lookup().unwrap();
    let (out, stderr) = cli.login("approve").await;
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let second = cli.secret_tool_lookup().unwrap();
    assert_ne!(first, second);
    assert!(!cli.sandbox.knobs().refresh_token_is_live(&first), "the replaced token was revoked");
    assert!(cli.sandbox.knobs().refresh_token_is_live(&second));
    assert_eq!(cli.sandbox.knobs().live_refresh_tokens("ada"), 1);
}

/// A locked keyring: reading a missing entry needs no unlock, so the old
/// check passed, the browser flow ran, the save failed and `login` still
/// said "Signed in". Now the check writes a probe item, and fails first.
/// Without a display the unlock prompt fails at once; with one it opens and
/// nobody answers, and the time limit ends the wait.
#[tokio::test]
async fn a_locked_keyring_fails_login_before_the_browser_opens() {
    // `scripts/test` has a display (Xvfb); a bare `cargo test` may not.
    let cases = std::iter::once(None).chain(std::env::var("DISPLAY").ok().map(Some));
    for display in cases {
        let keyring = common::PrivateKeyring::start(display.as_deref());
        keyring.lock();
        let cli = Cli::new("locked").await;
        let started = std::time::Instant::now();
        let out = tokio::time::timeout(
            Duration::from_secs(30),
            cli.command(&["login", "--no-browser"])
                .env("DBUS_SESSION_BUS_ADDRESS", &keyring.address)
                .env("ILERT_KEYRING_TIMEOUT_MS", "2000")
                .output(),
        )
        .await
        .expect("login does not hang")
        .unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(!stderr.contains("code_challenge"), "no browser flow started: {stderr}");
        let want = if display.is_some() { "did not answer within 2 s" } else { "the keyring is locked; unlock it and try again" };
        assert!(stderr.contains(want), "display {display:?}: {stderr}");
        assert_eq!(stderr.matches("keyring").count(), 1, "one clear message, not a chain: {stderr}");
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(cli.sandbox.knobs().token_requests("authorization_code"), 0);
        assert!(!cli.settings_file().exists());
    }
}

/// A keyring that never answers (here a real gnome-keyring, stopped): every
/// command ends within the time limit and names the cause, instead of hanging.
#[tokio::test]
async fn a_keyring_that_never_answers_does_not_hang_a_command() {
    let keyring = common::PrivateKeyring::start(None);
    let cli = Cli::new("frozen").await;
    // Signed in earlier, so `status` and `token` have an entry to read.
    let (out, stderr) = {
        let mut c = cli.command(&["login", "--no-browser"]);
        c.env("DBUS_SESSION_BUS_ADDRESS", &keyring.address);
        cli.login_decided(c, "approve").await
    };
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    keyring.freeze();
    for args in [&["status"][..], &["token"], &["login", "--no-browser"], &["logout"]] {
        let started = std::time::Instant::now();
        let out = tokio::time::timeout(
            Duration::from_secs(30),
            cli.command(args).env("DBUS_SESSION_BUS_ADDRESS", &keyring.address).env("ILERT_KEYRING_TIMEOUT_MS", "1500").output(),
        )
        .await
        .unwrap_or_else(|_| panic!("{args:?} hung"))
        .unwrap();
        let stderr = text(&out.stderr);
        assert_ne!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.contains("the keyring did not answer within 1.5 s"), "{args:?}: {stderr}");
        assert!(started.elapsed() < Duration::from_secs(8), "{args:?} took {:?}", started.elapsed());
    }
}

/// The command line in each reading of token_info and revoke that ilert's
/// documentation allows (see the sandbox's `--introspection`).
#[tokio::test]
#[ignore = "needs an unlocked Secret Service; scripts/test runs it"]
async fn every_reading_of_token_info_through_the_command_line() {
    use ilert_sandbox::Introspection;
    for mode in [Introspection::Ilert, Introspection::Rfc, Introspection::Absent] {
        let cli = Cli::new(&format!("{mode:?}").to_lowercase()).await;
        cli.sandbox.knobs().set_introspection(mode);
        let (out, stderr) = cli.login("approve").await;
        assert_eq!(out.status.code(), Some(0), "{mode:?}: {stderr}");
        assert!(stderr.contains("Signed in as ada"), "{mode:?}: {stderr}");
        let out = cli.run(&["status"]).await;
        let status = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{mode:?}: {status}{}", text(&out.stderr));
        assert!(status.contains("User:      ada") && status.contains("source"), "{mode:?}: {status}");
        assert_eq!(cli.run(&["token"]).await.status.code(), Some(0), "{mode:?}");
        let refresh = cli.secret_tool_lookup().unwrap();
        let out = cli.run(&["logout"]).await;
        assert!(text(&out.stdout).contains("revoked at ilert"), "{mode:?}: {}", text(&out.stdout));
        assert!(!cli.sandbox.knobs().refresh_token_is_live(&refresh), "{mode:?}");
    }
}

/// TLS as users meet it: the sandbox over real HTTPS with a certificate from
/// a CA the test makes, trusted the way a user's OS would trust it (the OS
/// store, here through `SSL_CERT_FILE`, which the OpenSSL-style store reads).
/// Without that trust the code exchange fails on the certificate.
#[tokio::test]
#[ignore = "needs an unlocked Secret Service; scripts/test runs it"]
async fn signs_in_over_tls_with_a_ca_the_os_trusts() {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "ilert-desktop test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_string()]).unwrap().signed_by(&key, &ca, &ca_key).unwrap();
    let sandbox = Sandbox::start_tls(Config::default(), &cert.pem(), &key.serialize_pem()).await.unwrap();
    assert!(sandbox.url().starts_with("https://localhost:"));
    let mut cli = Cli::with_sandbox("tls", sandbox);
    cli.browser_ca = Some(reqwest::Certificate::from_pem(ca.pem().as_bytes()).unwrap());
    let ca_file = cli.home.path().join("test-ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();

    // Not trusted: the exchange fails on the certificate, and says so.
    let mut untrusted = cli.command(&["login", "--no-browser"]);
    untrusted.env("SSL_CERT_FILE", "/nonexistent/ca.pem");
    let (out, stderr) = cli.login_decided(untrusted, "approve").await;
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("the server's TLS certificate is not trusted") && stderr.contains("certificate store"), "{stderr}");
    assert_eq!(cli.secret_tool_entry(), None);

    // Trusted like the OS would: signed in over HTTPS.
    let mut trusted = cli.command(&["login", "--no-browser"]);
    trusted.env("SSL_CERT_FILE", &ca_file);
    let (out, stderr) = cli.login_decided(trusted, "approve").await;
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for args in [&["status"][..], &["token"]] {
        let out = cli.command(args).env("SSL_CERT_FILE", &ca_file).output().await.unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out.stderr));
    }
    let refresh = cli.secret_tool_lookup().unwrap();
    let out = cli.command(&["logout"]).env("SSL_CERT_FILE", &ca_file).output().await.unwrap();
    assert!(text(&out.stdout).contains("revoked at ilert"), "{}", text(&out.stdout));
    assert!(!cli.sandbox.knobs().refresh_token_is_live(&refresh));
}

/// The keyring locks between the check and the save (the screen locked
/// while the person was in the browser): `login` says the sign-in could not
/// be stored, exits non-zero, and revokes the refresh token ilert just
/// issued, so no orphan grant counts against ilert's 10 per app and user.
/// Before, it printed "Signed in", exited 0, and the next `status` said
/// "Not signed in".
#[tokio::test]
async fn a_keyring_locked_during_the_sign_in_fails_it_and_leaves_no_grant() {
    let keyring = common::PrivateKeyring::start(None);
    let cli = Cli::new("lockedlate").await;
    let mut login = cli.command(&["login", "--no-browser"]);
    login.env("DBUS_SESSION_BUS_ADDRESS", &keyring.address).env("ILERT_KEYRING_TIMEOUT_MS", "3000");
    let (out, rest) = cli.login_meanwhile(login, "approve", || keyring.lock()).await;
    assert_eq!(out.status.code(), Some(1), "{rest}");
    assert!(rest.contains("refused to store") && !rest.contains("Signed in as"), "{rest}");
    assert_eq!(cli.sandbox.knobs().token_requests("authorization_code"), 1, "the code was exchanged");
    assert_eq!(cli.sandbox.knobs().live_refresh_tokens("ada"), 0, "the token just issued was revoked");
    assert!(!cli.settings_file().exists() || !std::fs::read_to_string(cli.settings_file()).unwrap().contains("account"));
}

/// No private key is compiled into the app: the demo's sandbox makes its
/// signing key when it starts. (The release binary is checked the same way
/// in the closing note of the app-core issue, with `strings`.)
#[test]
fn the_binary_holds_no_private_key() {
    let bytes = std::fs::read(env!("CARGO_BIN_EXE_ilert-desktop")).unwrap();
    for marker in ["PRIVATE KEY-----", "BEGIN RSA", "BEGIN EC PRIVATE"] {
        assert!(!bytes.windows(marker.len()).any(|w| w == marker.as_bytes()), "the binary contains {marker}");
    }
}

/// A process running the executable at `path`, if any.
fn running_from(path: &Path) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        (std::fs::read_link(e.path().join("exe")).ok()? == path).then_some(pid)
    })
}

/// Starts the app and waits for its item at the StatusNotifier host: the one
/// that was not there before (so one tray test at a time, [`ONE_TRAY`]).
async fn in_tray(mut app: Command) -> (tokio::process::Child, String) {
    let before = common::tray::items();
    let child = app.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let owner = wait_for("the tray item", || common::tray::items().into_iter().find(|i| !before.contains(i))).await;
    (child, owner)
}

/// The app's tray, read from the StatusNotifier host as a desktop reads it:
/// it shows the session the command line signed in (the one session per
/// account), says the on-call state in its menu and label, and its Sign out
/// only asks in the window (nothing is signed out by a press); Quit ends the app.
/// A second launch of the same profile exits 0 and leaves the first running.
#[tokio::test]
#[ignore = "needs a StatusNotifier host, Xvfb and a Secret Service; scripts/test runs it"]
async fn the_tray_tells_the_state_and_signs_out() {
    use common::tray;
    let _one = ONE_TRAY.lock().await;
    let cli = Cli::new("tray").await;
    let (out, stderr) = cli.login("approve").await;
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let refresh = cli.secret_tool_lookup().expect("stored");
    // ilert fails the on-call endpoints at first: the tray says the data is unavailable.
    cli.sandbox.knobs().add_fault(Fault::status("/api/on-calls", 500));
    cli.sandbox.knobs().add_fault(Fault::status("/api/schedules", 500));
    let before = tray::items();
    let (mut app, owner) = in_tray(cli.command(&[])).await;
    let problem =
        wait_for("the problem line", || Some(tray::menu(&owner).get(1)?.1.clone()).filter(|l| l.starts_with("On-call data unavailable")))
            .await;
    assert!(problem.contains("500"), "{problem}");
    assert_eq!(tray::property(&owner, "XAyatanaLabel").as_deref(), Some("!"));
    tray::save_icon(&owner, "tray-problem.png");

    // ilert recovers; Refresh now in the tray asks at once.
    cli.sandbox.knobs().clear_faults();
    tray::click(&owner, "Refresh now");
    let line = wait_for("the on-call line", || {
        let menu = tray::menu(&owner);
        let line = menu.get(1)?.1.clone();
        ["On call", "Next shift", "Not on call"].iter().any(|p| line.starts_with(p)).then_some(line)
    })
    .await;
    let labels: Vec<String> = tray::menu(&owner).into_iter().map(|(_, l, _)| l).collect();
    let policies: Vec<&str> = labels.iter().map(String::as_str).filter(|l| l.contains(": ")).collect();
    assert_eq!(policies.len(), 3, "who is on call, per escalation policy: {labels:?}");
    assert!(policies.iter().any(|p| p.starts_with("SRE Critical: ")), "{policies:?}");
    let mut expected = vec!["Open ilert Desktop", line.as_str(), "Who is on call"];
    expected.extend(&policies);
    expected.extend(["Grant access to alerts…", "Refresh now", "Will it ring?…", "Pause notifications"]);
    expected.extend(["For 15 minutes", "For 1 hour"]);
    // A snooze to the shift's end is offered only while there is a shift to end.
    if line.starts_with("On call") {
        expected.push("Until the end of my shift");
    }
    expected.extend(["Until tomorrow 09:00", "Sign out…", "Quit"]);
    assert_eq!(labels, expected, "without the alert scope, the tray offers it");

    // Pause, from the tray: the menu says until when, and resumes.
    tray::click(&owner, "For 15 minutes");
    let paused = wait_for("the pause line", || {
        tray::menu(&owner).into_iter().map(|(_, l, _)| l).find(|l| l.starts_with("Notifications paused until "))
    })
    .await;
    assert!(tray::menu(&owner).iter().any(|(_, l, _)| l == "Resume notifications"), "{paused}");
    tray::click(&owner, "Resume notifications");
    wait_for("the pause to end", || tray::menu(&owner).iter().any(|(_, l, _)| l == "Pause notifications").then_some(())).await;
    let label = tray::property(&owner, "XAyatanaLabel").unwrap_or_default();
    assert_eq!(label == "on call", line.starts_with("On call"), "label {label:?} for {line:?}");
    tray::save_icon(&owner, if line.starts_with("On call") { "tray-on-call.png" } else { "tray-not-on-call.png" });

    // A second launch of the profile hands over to this one and exits 0.
    let second = tokio::time::timeout(Duration::from_secs(20), cli.command(&[]).stdout(Stdio::null()).stderr(Stdio::null()).status())
        .await
        .expect("the second launch exits at once")
        .unwrap();
    assert!(second.success(), "{second:?}");
    assert!(app.try_wait().unwrap().is_none(), "the first one still runs");
    assert_eq!(tray::items().iter().filter(|i| !before.contains(i)).count(), 1, "one tray icon");

    // Sign out cannot be undone, and any process of the session can press a
    // tray item: it only asks in the window (e2e `signing_out_and_resolving_from_the_tray_ask_in_the_window`
    // answers there). Pressed here, nothing is signed out.
    tray::click(&owner, "Sign out…");
    // Who is on call is read every round (the slow lists are kept between).
    let asked = cli.sandbox.knobs().requests("/api/on-calls");
    wait_for("two refreshes after the press", || (cli.sandbox.knobs().requests("/api/on-calls") >= asked + 2).then_some(())).await;
    assert_ne!(tray::menu(&owner).get(1).map(|(_, l, _)| l.clone()).as_deref(), Some("Signed out"));
    assert!(cli.sandbox.knobs().refresh_token_is_live(&refresh), "not revoked");
    let status = cli.run(&["status"]).await;
    assert!(text(&status.stdout).contains("Signed in: yes"), "the command line is still signed in");

    tray::quit(&owner);
    let exit = tokio::time::timeout(Duration::from_secs(15), app.wait()).await.expect("Quit ends the app").unwrap();
    assert!(exit.success(), "{exit:?}");
}

/// Sends one event to the sandbox's Events API with alert source 1201's
/// integration key, as a monitoring tool does.
async fn raise(cli: &Cli, event_type: &str, summary: &str, alert_key: &str) {
    raise_with(cli, event_type, summary, alert_key, "HIGH").await
}

/// An event through ilert's Events API, as a monitoring tool sends it.
async fn raise_with(cli: &Cli, event_type: &str, summary: &str, alert_key: &str, priority: &str) {
    let key = cli.sandbox.knobs().integration_key(1201).unwrap();
    let body = serde_json::json!({ "integrationKey": key, "eventType": event_type, "summary": summary, "alertKey": alert_key, "priority": priority });
    let r = reqwest::Client::new().post(format!("{}/api/events", cli.sandbox.url())).json(&body).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 202);
}

fn unix_now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64()
}

/// A D-Bus session of the test's own with a keyring and a notification
/// server (action buttons offered), and a `login` with `scopes` on it.
async fn signed_in_beside_a_notification_server(tag: &str, scopes: &str) -> (common::PrivateKeyring, common::NotificationServer, Cli) {
    let keyring = common::PrivateKeyring::start(None);
    let server = common::NotificationServer::start(&keyring.address, "body actions");
    let mut cli = Cli::new(tag).await;
    cli.bus = Some(keyring.address.clone());
    cli.login_with_scopes(scopes).await;
    (keyring, server, cli)
}

/// The notifications, through a real notification server on D-Bus (a bus
/// of the test's own, with its own keyring): the alerts open at sign-in come
/// as one summary; each new alert comes once, soon (the latency over 30 is
/// printed); a restart tells nothing again; alerts raised while the app was
/// stopped (as in a sleep) and still open come once on waking, those
/// resolved meanwhile never. `ILERT_LATENCY_PACE` sets the refresh pace
/// while on call (default 2 s; 15 s is the app's own).
#[tokio::test]
#[ignore = "needs Xvfb and D-Bus (python3-dbusmock); scripts/test runs it"]
async fn notifications_come_once_and_soon() {
    let (keyring, server, cli) =
        signed_in_beside_a_notification_server("notify", "profile schedule policy source alert alert:w offline_access").await;
    let pace = std::env::var("ILERT_LATENCY_PACE").unwrap_or_else(|_| "2".into());
    let start_app = || {
        let mut c = cli.command(&[]);
        c.env("ILERT_POLL_SECS", &pace).env("ILERT_POLL_ON_CALL_SECS", &pace).env("ILERT_NOTIFY_ALERTS", "all");
        c.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()
    };
    let summaries = || server.received().into_iter().map(|r| r.summary).collect::<Vec<_>>();

    // What is open at sign-in, at once: more than five, so one summary.
    let mut app = start_app();
    let first = wait_for("the first notification", || server.received().into_iter().next()).await;
    assert!(first.summary.ends_with(" new alerts"), "{first:?}");
    assert!(first.body.ends_with(" more"), "the first three are named: {first:?}");

    // New alerts, one at a time, at every phase of the refresh cycle.
    let pace_ms: u64 = pace.parse::<u64>().unwrap() * 1000;
    let mut latencies = Vec::new();
    for i in 0..30u64 {
        tokio::time::sleep(Duration::from_millis((i * 7919) % pace_ms)).await;
        let summary = format!("Latency probe {i}");
        let sent = unix_now();
        raise(&cli, "ALERT", &summary, &format!("probe/{i}")).await;
        let got = tokio::time::timeout(Duration::from_secs(60), async {
            loop {
                if let Some(r) = server.received().into_iter().find(|r| r.summary == summary) {
                    return r;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{summary} was never notified: {:?}", summaries()));
        assert!(got.body.starts_with("Checkout API (prod) · high"), "source and priority: {got:?}");
        assert!(got.rest.contains("\"default\""), "a click opens the app: {got:?}");
        assert!(got.rest.contains("\"accept\"") && got.rest.contains("\"resolve\""), "alert:w: Accept and Resolve buttons: {got:?}");
        assert!(got.rest.contains("\"urgency\": 2"), "pending and HIGH: critical: {got:?}");
        latencies.push(got.at - sent);
    }
    latencies.sort_by(f64::total_cmp);
    let p = |q: f64| latencies[((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1)];
    println!(
        "notification latency over {} alerts at a {pace} s pace: p50 {:.2} s, p95 {:.2} s, max {:.2} s",
        latencies.len(),
        p(0.5),
        p(0.95),
        p(1.0)
    );
    let probes = |all: &[String]| all.iter().filter(|s| s.starts_with("Latency probe ")).count();
    assert_eq!(probes(&summaries()), 30, "each exactly once: {:?}", summaries());

    // A restart tells nothing again.
    app.kill().await.unwrap();
    let told = server.received().len();
    let asked = cli.sandbox.knobs().requests("/api/alerts");
    let mut app = start_app();
    wait_for("two refreshes after the restart", || (cli.sandbox.knobs().requests("/api/alerts") >= asked + 2).then_some(())).await;
    assert_eq!(server.received().len(), told, "nothing told twice after a restart: {:?}", &summaries()[told..]);

    // Stopped (as in a sleep): two alerts open, one is resolved; on waking, one notification.
    let pid = app.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-STOP", &pid]).status().unwrap().success());
    raise(&cli, "ALERT", "Opened while asleep", "sleep/1").await;
    raise(&cli, "ALERT", "Resolved while asleep", "sleep/2").await;
    raise(&cli, "RESOLVE", "fixed", "sleep/2").await;
    tokio::time::sleep(Duration::from_millis(pace_ms + 500)).await;
    assert!(std::process::Command::new("kill").args(["-CONT", &pid]).status().unwrap().success());
    wait_for("the alert still open", || summaries().contains(&"Opened while asleep".to_string()).then_some(())).await;
    let asked = cli.sandbox.knobs().requests("/api/alerts");
    wait_for("two more refreshes", || (cli.sandbox.knobs().requests("/api/alerts") >= asked + 2).then_some(())).await;
    let after = summaries();
    assert_eq!(after.iter().filter(|s| *s == "Opened while asleep").count(), 1, "{after:?}");
    assert!(!after.iter().any(|s| s == "Resolved while asleep"), "resolved while asleep: never told: {after:?}");
    assert_eq!(after.len(), told + 1, "nothing else: {:?}", &after[told..]);

    // Its Accept button, pressed: the server says so with ActionInvoked, and ilert has it accepted.
    let notification_id = after.iter().position(|s| s == "Opened while asleep").unwrap() + 1;
    let accepts = || cli.sandbox.knobs().requests_by_path().iter().filter(|(p, _)| p.ends_with("/accept")).map(|(_, n)| n).sum::<u64>();
    assert_eq!(accepts(), 0);
    // The same signal from another client of the bus (any process of the session): not the server's, ignored.
    server.forge_action(&keyring.address, notification_id as u32, "accept");
    let asked = cli.sandbox.knobs().requests("/api/alerts");
    wait_for("two refreshes after the forged press", || (cli.sandbox.knobs().requests("/api/alerts") >= asked + 2).then_some(())).await;
    assert_eq!(accepts(), 0, "a forged ActionInvoked sends nothing to ilert");
    server.invoke_action(&keyring.address, notification_id as u32, "accept");
    wait_for("the alert accepted at ilert", || {
        (cli.sandbox.knobs().alert_status("Opened while asleep").as_deref() == Some("ACCEPTED")).then_some(())
    })
    .await;
    assert_eq!(accepts(), 1, "exactly one PUT …/accept");
    app.kill().await.unwrap();
}

/// ilert's text is text: alert summaries come from whoever holds an
/// integration key, so a server that renders body markup gets `<a href=…>`
/// escaped, and a right-to-left override never reaches the screen.
#[tokio::test]
#[ignore = "needs Xvfb and D-Bus (python3-dbusmock); scripts/test runs it"]
async fn hostile_alert_text_reaches_the_notification_server_as_plain_text() {
    let keyring = common::PrivateKeyring::start(None);
    let server = common::NotificationServer::start(&keyring.address, "body body-markup actions");
    let mut cli = Cli::new("markup").await;
    cli.bus = Some(keyring.address.clone());
    cli.login_with_scopes("profile schedule policy source alert alert:w offline_access").await;
    // Open at sign-in, the newest: named in the summary notification's body.
    raise(&cli, "ALERT", "Disk <a href=https://evil.example>full</a> & <b>hot</b>", "hostile/1").await;
    let mut c = cli.command(&[]);
    c.env("ILERT_POLL_SECS", "2").env("ILERT_POLL_ON_CALL_SECS", "2").env("ILERT_NOTIFY_ALERTS", "all");
    let mut app = c.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let first = wait_for("the summary at sign-in", || server.received().into_iter().next()).await;
    assert!(first.body.contains("Disk &lt;a href=https://evil.example&gt;full&lt;/a&gt; &amp; &lt;b&gt;hot&lt;/b&gt;"), "{first:?}");
    assert!(!first.body.contains("<a"), "{first:?}");
    // A new one with an override in its summary: shown without it (U+202E would make `gnp.exe` read `exe.png`).
    raise(&cli, "ALERT", "Invoice \u{202E}gnp.exe ready", "hostile/2").await;
    let got = wait_for("the alert with an override", || server.received().into_iter().find(|r| r.summary.starts_with("Invoice"))).await;
    assert_eq!(got.summary, "Invoice gnp.exe ready", "{got:?}");
    app.kill().await.unwrap();
}

/// Start at login: the setting on writes the autostart entry, which starts
/// this profile hidden in the tray; run from an AppImage (the binary in the
/// runtime's `$TMPDIR/.mount_…`, `APPIMAGE` naming the image), it points at
/// the AppImage, not at the mount that is gone after a reboot; the setting
/// off removes the entry.
#[tokio::test]
#[ignore = "needs Xvfb and D-Bus; scripts/test runs it"]
async fn start_at_login_writes_the_entry_and_follows_an_appimage() {
    // Its app registers a tray item too.
    let _one = ONE_TRAY.lock().await;
    let cli = Cli::new("autostart").await;
    let home = tempfile::tempdir().unwrap();
    let entry = home.path().join(format!(".config/autostart/ilert-desktop-{}.desktop", cli.profile));
    // The desktop's own places: the entry goes to `$XDG_CONFIG_HOME/autostart/`.
    async fn run_until(mut c: Command, home: &Path, done: impl Fn() -> bool) {
        c.env("HOME", home).env("XDG_CONFIG_HOME", home.join(".config"));
        let mut app = c.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        wait_for("the autostart entry to follow the setting", || done().then_some(())).await;
        app.kill().await.unwrap();
    }
    let exec = |entry: &Path| std::fs::read_to_string(entry).ok()?.lines().find_map(|l| l.strip_prefix("Exec=").map(str::to_string));

    let mut on = cli.command(&[]);
    on.env("ILERT_START_AT_LOGIN", "true");
    run_until(on, home.path(), || entry.exists()).await;
    let binary = std::fs::canonicalize(env!("CARGO_BIN_EXE_ilert-desktop")).unwrap();
    assert_eq!(exec(&entry).unwrap(), format!("{} --hidden --profile {}", binary.display(), cli.profile));

    // The same binary as an AppImage runtime runs it.
    let mount = tempfile::Builder::new().prefix(".mount_ilert").tempdir_in(std::env::temp_dir()).unwrap();
    let inside = mount.path().join("ilert-desktop");
    if std::fs::hard_link(&binary, &inside).is_err() {
        std::fs::copy(&binary, &inside).unwrap();
    }
    let appimage = "/opt/Applications/ilert-desktop_0.1.0_amd64.AppImage";
    let mut as_appimage = Command::new(&inside);
    for (k, v) in cli.command(&[]).as_std().get_envs() {
        match v {
            Some(v) => as_appimage.env(k, v),
            None => as_appimage.env_remove(k),
        };
    }
    as_appimage.env("ILERT_START_AT_LOGIN", "true").env("APPIMAGE", appimage).kill_on_drop(true);
    run_until(as_appimage, home.path(), || exec(&entry).is_some_and(|x| x.starts_with(appimage))).await;
    assert_eq!(exec(&entry).unwrap(), format!("{appimage} --hidden --profile {}", cli.profile));

    // An AppImage whose path holds spaces and a quote (the documented name is
    // `ilert Desktop_VERSION_amd64.AppImage`): the entry quotes it, and the
    // command it names, run as a desktop runs it (GLib's `gio launch`), starts the app.
    let odd = tempfile::Builder::new().prefix("it's \"odd\" ").tempdir().unwrap();
    let image = odd.path().join("ilert Desktop_0.1.0_amd64.AppImage");
    if std::fs::hard_link(&binary, &image).is_err() {
        std::fs::copy(&binary, &image).unwrap();
    }
    let image_str = image.to_str().unwrap().to_string();
    let mut from_odd = Command::new(&inside);
    for (k, v) in cli.command(&[]).as_std().get_envs() {
        match v {
            Some(v) => from_odd.env(k, v),
            None => from_odd.env_remove(k),
        };
    }
    from_odd.env("ILERT_START_AT_LOGIN", "true").env("APPIMAGE", &image).kill_on_drop(true);
    run_until(from_odd, home.path(), || exec(&entry).is_some_and(|x| x.contains("odd"))).await;
    let quoted = image_str.replace('"', "\\\\\"");
    assert_eq!(exec(&entry).unwrap(), format!("\"{quoted}\" --hidden --profile {}", cli.profile));
    let mut launch = std::process::Command::new("gio");
    launch.arg("launch").arg(&entry).env("HOME", home.path()).env("XDG_CONFIG_HOME", home.path().join(".config"));
    for (k, v) in cli.command(&[]).as_std().get_envs() {
        if let Some(v) = v {
            launch.env(k, v);
        }
    }
    let launched = launch.status().expect("gio (libglib2.0-bin)");
    assert!(launched.success(), "gio launch {}", entry.display());
    let started = wait_for("the app started from the quoted entry", || running_from(&image)).await;
    let _ = std::process::Command::new("kill").arg(started.to_string()).status();

    let mut off = cli.command(&[]);
    off.env("ILERT_START_AT_LOGIN", "false");
    run_until(off, home.path(), || !entry.exists()).await;
}

/// The tray's other states, photographed from the StatusNotifier host for
/// the README: pending alerts (orange, "N pending"), all accepted (blue),
/// stale (amber, "offline"), and a person not on call (grey).
#[tokio::test]
#[ignore = "needs a StatusNotifier host, Xvfb and a Secret Service; scripts/test runs it"]
async fn the_tray_counts_alerts_goes_stale_and_knows_who_is_not_on_call() {
    use common::tray;
    let _one = ONE_TRAY.lock().await;
    let cli = Cli::new("tray-alerts").await;
    cli.login_with_scopes("profile schedule policy source alert offline_access").await;
    let mut c = cli.command(&[]);
    c.env("ILERT_NOTIFY_ALERTS", "all").env("ILERT_POLL_SECS", "2").env("ILERT_POLL_ON_CALL_SECS", "2");
    let (mut app, owner) = in_tray(c).await;
    let label = || tray::property(&owner, "XAyatanaLabel").unwrap_or_default();
    let pending = wait_for("the pending count", || Some(label()).filter(|l| l.ends_with(" pending"))).await;
    let labels: Vec<String> = tray::menu(&owner).into_iter().map(|(_, l, _)| l).collect();
    assert!(labels.iter().any(|l| l == "My open alerts"), "{labels:?}");
    assert!(labels.iter().any(|l| l == "Allow accepting and resolving alerts…"), "no alert:w: offered, no actions: {labels:?}");
    assert!(!labels.iter().any(|l| l == "Accept" || l == "Resolve…"), "{labels:?}");
    assert!(labels.iter().any(|l| l.starts_with(&pending)), "the alerts line: {pending} in {labels:?}");
    tray::save_icon(&owner, "tray-pending.png");

    cli.sandbox.knobs().accept_all_pending();
    wait_for("all accepted", || Some(label()).filter(|l| l.ends_with(" accepted"))).await;
    tray::save_icon(&owner, "tray-accepted.png");

    cli.sandbox.knobs().add_fault(Fault::status("/api/", 500));
    wait_for("the stale tray", || (label() == "offline").then_some(())).await;
    let line = tray::menu(&owner).get(1).map(|(_, l, _)| l.clone()).unwrap_or_default();
    assert!(line.contains("offline, updated "), "with the data's age: {line}");
    tray::save_icon(&owner, "tray-stale.png");
    tray::quit(&owner);
    tokio::time::timeout(Duration::from_secs(15), app.wait()).await.expect("Quit ends the app").unwrap();

    // Somebody with no shift now and named in no policy rule: not on call.
    let now = chrono::Utc::now();
    let world = ilert_sandbox::seed::World::seeded(Config::default().seed, now);
    let busy: Vec<i64> = world
        .schedules
        .iter()
        .filter_map(|s| s.shift_at(now).map(|sh| sh.user))
        .chain(world.policies.iter().flat_map(|p| p.rules.iter().flat_map(|r| r.users.clone())))
        .collect();
    let idle = world.users.iter().find(|u| !busy.contains(&u.id)).expect("somebody is off duty");
    let off = Cli::new("tray-off").await;
    off.sandbox.knobs().set_consent_username(idle.username);
    let (out, stderr) = off.login("approve").await;
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let (mut app, owner) = in_tray(off.command(&[])).await;
    wait_for("not on call", || {
        let line = tray::menu(&owner).get(1)?.1.clone();
        (line.starts_with("Next shift") || line.starts_with("Not on call")).then_some(())
    })
    .await;
    assert_eq!(tray::property(&owner, "XAyatanaLabel").unwrap_or_default(), "", "no label when not on call");
    tray::save_icon(&owner, "tray-not-on-call.png");
    tray::quit(&owner);
    tokio::time::timeout(Duration::from_secs(15), app.wait()).await.expect("Quit ends the app").unwrap();
}

/// Shift reminders through the real notification server: the tenant's
/// clock is moved (the sandbox's clock knob) so that my next shift starts in
/// 14 minutes, then so that it has just started; each is told once.
#[tokio::test]
#[ignore = "needs Xvfb and D-Bus (python3-dbusmock); scripts/test runs it"]
async fn shift_reminders_come_before_and_at_the_start() {
    let (_keyring, server, cli) = signed_in_beside_a_notification_server("shifts", ilert_app::settings::DEFAULT_SCOPES).await;
    let (start, _) = cli.sandbox.knobs().next_shift_of("ada").expect("ada has a next shift");
    let to_14_min = (start - chrono::Utc::now()) - chrono::Duration::minutes(14);
    cli.sandbox.knobs().move_clock(to_14_min);
    let mut c = cli.command(&[]);
    c.env("ILERT_POLL_SECS", "2").env("ILERT_POLL_ON_CALL_SECS", "2");
    let mut app = c.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let titles = || server.received().into_iter().map(|r| r.summary).collect::<Vec<_>>();
    let before = wait_for("the reminder before the shift", || titles().into_iter().find(|t| t.starts_with("Your shift starts in "))).await;
    assert!(before == "Your shift starts in 13 min" || before == "Your shift starts in 14 min", "{before}");

    let asked = cli.sandbox.knobs().requests("/api/on-calls");
    cli.sandbox.knobs().move_clock(chrono::Duration::minutes(15));
    wait_for("the reminder at the start", || titles().contains(&"Your on-call shift has started".to_string()).then_some(())).await;
    wait_for("two more refreshes", || (cli.sandbox.knobs().requests("/api/on-calls") >= asked + 4).then_some(())).await;
    let all = titles();
    assert_eq!(all.iter().filter(|t| t.starts_with("Your shift starts in ")).count(), 1, "once: {all:?}");
    assert_eq!(all.iter().filter(|t| *t == "Your on-call shift has started").count(), 1, "once: {all:?}");
    app.kill().await.unwrap();
}

/// Accept from the tray's menu (a dbusmenu click, as a desktop sends it):
/// exactly one `PUT …/accept`, and the tray's count drops (the time it took
/// is printed; the benchmark owns the figure).
#[tokio::test]
#[ignore = "needs a StatusNotifier host, Xvfb and a Secret Service; scripts/test runs it"]
async fn accept_from_the_tray_menu() {
    use common::tray;
    let _one = ONE_TRAY.lock().await;
    let cli = Cli::new("tray-accept").await;
    cli.login_with_scopes("profile schedule policy source alert alert:w offline_access").await;
    let mut c = cli.command(&[]);
    c.env("ILERT_NOTIFY_ALERTS", "all").env("ILERT_POLL_SECS", "60").env("ILERT_POLL_ON_CALL_SECS", "60");
    let (mut app, owner) = in_tray(c).await;
    let pending = |owner: &str| tray::property(owner, "XAyatanaLabel")?.strip_suffix(" pending")?.parse::<u32>().ok();
    let n = wait_for("the pending count", || pending(&owner)).await;
    let labels: Vec<String> = tray::menu(&owner).into_iter().map(|(_, l, _)| l).collect();
    assert!(labels.iter().any(|l| l == "Accept") && labels.iter().any(|l| l == "Resolve…"), "alert:w: actions in the menu: {labels:?}");
    let accepts = || cli.sandbox.knobs().requests_by_path().iter().filter(|(p, _)| p.ends_with("/accept")).map(|(_, n)| n).sum::<u64>();
    let lists = || cli.sandbox.knobs().requests_by_path().get("/api/alerts").copied().unwrap_or(0);
    let listed = lists();
    let clicked = std::time::Instant::now();
    tray::click(&owner, "Accept");
    wait_for("the count to drop", || (pending(&owner).unwrap_or(0) < n).then_some(())).await;
    println!("tray: Accept clicked to the count dropping: {} ms", clicked.elapsed().as_millis());
    // The count drops before the PUT is sent (the snapshot is amended
    // first), so the PUT is awaited, then the refresh that follows it.
    wait_for("the PUT …/accept", || (accepts() >= 1).then_some(())).await;
    wait_for("the refresh after the accept", || (lists() > listed).then_some(())).await;
    assert_eq!(accepts(), 1, "exactly one PUT …/accept");
    tray::quit(&owner);
    tokio::time::timeout(Duration::from_secs(15), app.wait()).await.expect("Quit ends the app").unwrap();
}

/// A page cannot be missed, and quiet never swallows one, heard for real:
/// the app plays into a PulseAudio null sink of the test's own, recorded
/// and measured with sox; `dbus-monitor` reads what it asks of the
/// notification server; the tray is clicked through the StatusNotifier host.
/// A snooze from the tray holds a LOW alert and lets a page ring (critical,
/// never expiring), within 2 s of its notification, louder by the third
/// ring; it stops within 1 s of the notification's Accept, and within a
/// refresh of an accept made at ilert; the snooze's end sums up the LOW one.
#[tokio::test]
#[ignore = "needs Xvfb, a StatusNotifier host, D-Bus (python3-dbusmock) and PulseAudio; scripts/test runs it"]
async fn a_page_rings_louder_until_answered_and_a_snooze_holds_only_the_rest() {
    use common::tray;
    let _one = ONE_TRAY.lock().await;
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").expect("scripts/session's bus");
    let server = common::NotificationServer::start(&bus, "body actions");
    let monitor = common::NotifyMonitor::start("--session");
    let pulse = common::Pulse::start();
    let cli = Cli::new("pages").await;
    cli.login_with_scopes("profile schedule policy source alert alert:w offline_access").await;
    // Nothing rings at the start: the team has answered what is open.
    cli.sandbox.knobs().accept_all_pending();
    let pace = 2.0;
    let mut app = cli.command(&[]);
    app.env("ILERT_POLL_SECS", "2").env("ILERT_POLL_ON_CALL_SECS", "2").env("PULSE_SERVER", pulse.address());
    let (mut app, owner) = in_tray(app).await;
    let label = |prefix: &str| tray::menu(&owner).into_iter().map(|(_, l, _)| l).find(|l| l.starts_with(prefix));
    let alerts_line =
        || tray::menu(&owner).into_iter().map(|(_, l, _)| l).find(|l| l.ends_with(" accepted") || l == "No open alerts for you");
    wait_for("the alerts line", alerts_line).await;

    // Snoozed from the tray: the tray says so the whole time.
    tray::click(&owner, "For 15 minutes");
    wait_for("the paused line", || label("Notifications paused until ")).await;
    let summaries = || monitor.calls().into_iter().map(|c| c.summary).collect::<Vec<_>>();
    let told_before = monitor.calls().len();
    raise_with(&cli, "ALERT", "Disk 80% on batch-3", "pages/low", "LOW").await;
    let asked = cli.sandbox.knobs().requests("/api/alerts");
    wait_for("two refreshes", || (cli.sandbox.knobs().requests("/api/alerts") >= asked + 2).then_some(())).await;
    assert_eq!(monitor.calls().len(), told_before, "the LOW alert is held by the snooze: {:?}", summaries());
    assert!(pulse.sounds().is_empty(), "and nothing sounds");

    // A page rings through the snooze.
    raise(&cli, "ALERT", "Checkout down", "pages/high-1").await;
    let page = wait_for("the page's notification", || monitor.calls().into_iter().find(|c| c.summary == "Checkout down")).await;
    let notified = server.received().into_iter().find(|r| r.summary == "Checkout down").expect("the server has it too");
    assert_eq!((page.urgency, page.expire_timeout), (Some(2), 0), "critical, never expiring: {page:?}");
    wait_for("three rings", || (pulse.sounds().len() >= 3).then_some(())).await;
    let rings = pulse.sounds();
    let onset = rings[0].0 - notified.at;
    println!("page: sound {onset:.2} s after its notification");
    assert!(onset < 2.0, "sound within 2 s of the page: {onset:.2} s ({rings:?})");
    let (first, third) = (pulse.rms(rings[0]), pulse.rms(rings[2]));
    println!("page: RMS of the first ring {first:.4}, of the third {third:.4} (ratio {:.2})", third / first);
    assert!(third > first * 1.5, "the third ring is louder: {first} then {third}");
    assert!(label("Silence the alarm").is_some(), "the tray offers to silence it");
    assert!(label("Notifications paused until ").is_some(), "still paused");

    // Accepted from the notification: silent within 1 s.
    let id = server.received().iter().position(|r| r.summary == "Checkout down").unwrap() as u32 + 1;
    let pressed = unix_now();
    server.invoke_action(&bus, id, "accept");
    wait_for("the page accepted at ilert", || {
        (cli.sandbox.knobs().alert_status("Checkout down").as_deref() == Some("ACCEPTED")).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let last = pulse.sounds().last().unwrap().1;
    println!("page: silent {:.2} s after Accept", last - pressed);
    assert!(last - pressed < 1.0, "silent within 1 s of Accept: the last sound ended {:.2} s after", last - pressed);

    // Another page, accepted at ilert (by somebody else): silent within one refresh.
    raise(&cli, "ALERT", "Payments down", "pages/high-2").await;
    wait_for("the second page to ring", || pulse.sounds().into_iter().find(|s| s.0 > last)).await;
    raise(&cli, "ACCEPT", "accepted in ilert", "pages/high-2").await;
    let accepted = unix_now();
    tokio::time::sleep(Duration::from_secs_f64(pace + 3.0)).await;
    let last = pulse.sounds().last().unwrap().1;
    println!("page: silent {:.2} s after an accept at ilert (refresh every {pace} s)", last - accepted);
    assert!(last - accepted < pace + 1.0, "silent within a refresh: the last sound ended {:.2} s after", last - accepted);
    assert!(label("Silence the alarm").is_none());

    // The low one comes with the snooze's end, as a summary, quietly.
    tray::click(&owner, "Resume notifications");
    let summary =
        wait_for("the summary", || monitor.calls().into_iter().find(|c| c.summary.starts_with("While notifications were quiet"))).await;
    assert_eq!(summary.summary, "While notifications were quiet: 1 new alert");
    assert_eq!(summary.urgency, Some(1), "a LOW alert is a normal notification: {summary:?}");
    assert!(!summaries().iter().any(|s| s == "Disk 80% on batch-3"), "told once, in the summary");
    app.kill().await.unwrap();
}

/// The desktop's Do Not Disturb, as dunst (a real notification server)
/// has it: the tray says so, and a page still rings through the app; the
/// tray's "Silence the alarm" stops it (the alert stays pending).
#[tokio::test]
#[ignore = "needs Xvfb, a StatusNotifier host, D-Bus, dunst and PulseAudio; scripts/test runs it"]
async fn do_not_disturb_is_told_and_a_page_still_rings_until_silenced() {
    use common::tray;
    let _one = ONE_TRAY.lock().await;
    let _dunst =
        Command::new("dunst").stdout(Stdio::null()).stderr(Stdio::null()).kill_on_drop(true).spawn().expect("dunst (package dunst)");
    let dunstctl = |args: &[&str]| {
        let out = std::process::Command::new("dunstctl").args(args).output().expect("dunstctl (package dunst)");
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    wait_for("dunst on the bus", || dunstctl(&["is-paused"])).await;
    let pulse = common::Pulse::start();
    let cli = Cli::new("dnd").await;
    cli.login_with_scopes("profile schedule policy source alert alert:w offline_access").await;
    cli.sandbox.knobs().accept_all_pending();
    let mut app = cli.command(&[]);
    app.env("ILERT_POLL_SECS", "2").env("ILERT_POLL_ON_CALL_SECS", "2").env("PULSE_SERVER", pulse.address());
    let (mut app, owner) = in_tray(app).await;
    let label = |text: &str| tray::menu(&owner).into_iter().any(|(_, l, _)| l == text);
    const DND: &str = "Do Not Disturb is on · pages still ring";
    wait_for("the menu", || label("Refresh now").then_some(())).await;
    assert!(!label(DND));

    assert_eq!(dunstctl(&["set-paused", "true"]), Some(String::new()));
    wait_for("the Do Not Disturb line", || label(DND).then_some(())).await;
    raise(&cli, "ALERT", "Database primary unreachable", "dnd/1").await;
    let ring = wait_for("the page to ring through Do Not Disturb", || pulse.sounds().into_iter().next()).await;
    let held = dunstctl(&["count", "waiting"]).and_then(|n| n.parse::<u32>().ok()).unwrap_or(0);
    assert!(held >= 1, "dunst holds the notification while paused ({held} waiting); the sound came anyway at {ring:?}");

    wait_for("the tray's Silence", || label("Silence the alarm").then_some(())).await;
    tray::click(&owner, "Silence the alarm");
    let clicked = unix_now();
    wait_for("Silence gone from the menu", || (!label("Silence the alarm")).then_some(())).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let last = pulse.sounds().last().unwrap().1;
    println!("dnd: silent {:.2} s after Silence in the tray", last - clicked);
    assert!(last - clicked < 1.0, "silent within 1 s of Silence: the last sound ended {:.2} s after", last - clicked);
    assert_eq!(cli.sandbox.knobs().alert_status("Database primary unreachable").as_deref(), Some("PENDING"), "silenced, not answered");

    assert_eq!(dunstctl(&["set-paused", "false"]), Some(String::new()));
    wait_for("the Do Not Disturb line gone", || (!label(DND)).then_some(())).await;
    app.kill().await.unwrap();
}

/// The webview's processes of the app (WebKit names them `WebKitWebProcess`
/// and `WebKitNetworkProcess`; `comm` keeps 15 characters).
fn webkit(app: &tokio::process::Child) -> Vec<String> {
    common::process_tree(app.id().unwrap()).into_iter().map(|(_, c)| c).filter(|c| c.starts_with("WebKit")).collect()
}

/// Closed to the tray, the app keeps only its own process (and WebKit's
/// network process, below): the webview and its web process end, the tray
/// and the engine go on; opening it from the tray builds the window again,
/// and started `--hidden` (at login) there is no webview at all until then.
/// Quit still ends it.
#[tokio::test]
#[ignore = "needs a StatusNotifier host, Xvfb and a Secret Service; scripts/test runs it"]
async fn closed_to_the_tray_only_the_app_process_stays_and_opening_builds_the_window_again() {
    use common::{tray, x11};
    let _one = ONE_TRAY.lock().await;
    let cli = Cli::new("lean").await;
    cli.login_with_scopes("profile schedule policy source alert offline_access").await;
    let (mut app, owner) = in_tray(cli.command(&["--hidden"])).await;
    let pid = app.id().unwrap();
    wait_for("the session in the tray", || tray::menu(&owner).iter().any(|(_, l, _)| l == "Sign out…").then_some(())).await;
    assert_eq!(x11::shown(pid), 0, "started hidden: no window");
    assert_eq!(webkit(&app), Vec::<String>::new(), "started hidden: no webview");

    for round in 1..=2 {
        tray::click(&owner, "Open ilert Desktop");
        wait_for("the window", || (x11::shown(pid) == 1).then_some(())).await;
        let procs =
            wait_for("WebKit's web process", || Some(webkit(&app)).filter(|p| p.iter().any(|c| c.starts_with("WebKitWebProces")))).await;
        assert_eq!(x11::close(pid), 1, "round {round}");
        wait_for("the window to go", || (x11::shown(pid) == 0).then_some(())).await;
        wait_for("WebKit's web process to end", || (!webkit(&app).iter().any(|c| c.starts_with("WebKitWebProces"))).then_some(())).await;
        // WebKitGTK has no way to end its network process, and Tauri keeps the
        // web context (so the one process is reused) on Linux: tauri#14626.
        let left = webkit(&app);
        assert!(left.iter().all(|c| c == "WebKitNetworkPr") && left.len() <= 1, "round {round}: {left:?}");
        assert!(app.try_wait().unwrap().is_none(), "round {round}: closing the window left the app running (it had {procs:?})");
    }

    // The engine goes on with no window: Refresh now from the tray reaches ilert.
    let before = cli.sandbox.knobs().requests("/api/alert-sources");
    tray::click(&owner, "Refresh now");
    wait_for("a refresh without a window", || (cli.sandbox.knobs().requests("/api/alert-sources") > before).then_some(())).await;
    // "Will it ring?…" builds the window too (at the check; e2e reads the check itself).
    tray::click(&owner, "Will it ring?…");
    wait_for("the window, at the check", || (x11::shown(pid) == 1).then_some(())).await;

    tray::quit(&owner);
    let status = tokio::time::timeout(Duration::from_secs(20), app.wait()).await.expect("Quit ends the app").unwrap();
    assert!(status.success(), "{status:?}");
}

/// A newer version, in the tray (from a feed of the test's own on
/// loopback, `common::feed`): with the setting off the feed is never asked;
/// on (the default), the offer comes at start with Install and Later and
/// nothing is downloaded; Later puts it away, a restart offers it again;
/// Install… from the tray only asks in the window, so nothing is downloaded
/// by the press (the window's answer, and the tampered download refused,
/// are e2e's).
#[tokio::test]
#[ignore = "needs a StatusNotifier host, Xvfb and D-Bus (python3-dbusmock); scripts/test runs it"]
async fn the_tray_offers_an_update_and_installs_nothing_by_itself() {
    use crate::feed::{artifact_bytes, Feed};
    use common::tray;
    let _one = ONE_TRAY.lock().await;
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").expect("scripts/session's bus");
    let server = common::NotificationServer::start(&bus, "body actions");
    let cli = Cli::new("update").await;
    let feed = Feed::start().await;
    feed.publish("0.2.0", &artifact_bytes("0.2.0"), "0.2.0");
    feed.replace_artifact(&artifact_bytes("tampered"));
    let launch = || {
        let mut c = cli.command(&[]);
        c.envs(feed.env());
        c
    };
    let labels = |owner: &str| tray::menu(owner).into_iter().map(|(_, l, _)| l).collect::<Vec<_>>();
    let quit = |owner: String, mut app: tokio::process::Child| async move {
        tray::quit(&owner);
        let exit = tokio::time::timeout(Duration::from_secs(15), app.wait()).await.expect("Quit ends the app").unwrap();
        assert!(exit.success(), "{exit:?}");
    };

    // Checks turned off: the feed is never asked. (With them on, the
    // check is made at start, before the tray is up: see below.)
    let mut off = launch();
    off.env("ILERT_CHECK_UPDATES", "false");
    let (app, owner) = in_tray(off).await;
    wait_for("the signed-out tray", || (tray::menu(&owner).get(1)?.1 == "Signed out").then_some(())).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(feed.requests(), Vec::<String>::new(), "checks are off");
    quit(owner, app).await;

    // On: offered at start, nothing downloaded; Later puts it away.
    let (app, owner) = in_tray(launch()).await;
    wait_for("the offer", || labels(&owner).iter().any(|l| l == "Version 0.2.0 is available").then_some(())).await;
    let menu = tray::menu(&owner);
    let tail: Vec<(&str, bool)> = menu[menu.len() - 5..].iter().map(|(_, l, e)| (l.as_str(), *e)).collect();
    assert_eq!(
        tail,
        [("Sign out…", false), ("Version 0.2.0 is available", false), ("Install version 0.2.0…", true), ("Later", true), ("Quit", true)],
        "the offer, after Sign out"
    );
    assert_eq!(feed.requests(), ["/latest.json"], "checked once, nothing downloaded without Install");
    tray::click(&owner, "Later");
    wait_for("the offer put away", || (!labels(&owner).iter().any(|l| l.contains("0.2.0"))).then_some(())).await;
    quit(owner, app).await;

    // A restart offers it again. Install… from the tray (which any process
    // of the session can press) only asks in the window: nothing is
    // downloaded or installed by the press (e2e `irreversible_tray_items_ask_in_the_window`
    // answers the question, and meets the tampered download).
    let (app, owner) = in_tray(launch()).await;
    wait_for("the offer again", || labels(&owner).iter().any(|l| l == "Install version 0.2.0…").then_some(())).await;
    tray::click(&owner, "Install version 0.2.0…");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(feed.requests().iter().filter(|r| r.starts_with("/download/")).count(), 0, "nothing downloaded: {:?}", feed.requests());
    assert!(labels(&owner).iter().any(|l| l == "Install version 0.2.0…"), "still offered: {:?}", labels(&owner));
    assert!(server.received().iter().all(|r| r.summary != "Update not installed"));
    quit(owner, app).await;
}

/// `doctor` answers "will a page ring?" one line per step, from the real
/// session, notification server and sound output; exit 0 only when nothing
/// would stop a page, and nothing secret in what it prints.
#[tokio::test]
#[ignore = "needs an unlocked Secret Service; scripts/test runs it"]
async fn doctor_says_whether_a_page_would_ring_and_why_not() {
    let cli = Cli::new("doctor").await;
    let out = cli.run(&["doctor"]).await;
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "signed out: a page cannot ring\n{said}");
    assert!(said.contains("FAIL  signed in: not signed in") && said.contains("(fix: ilert-desktop login)"), "{said}");
    assert!(said.ends_with("A page would NOT ring: see FAIL above.\n"), "{said}");

    let (keyring, server, cli) =
        signed_in_beside_a_notification_server("doctor-in", "profile schedule policy source alert alert:w offline_access").await;
    let pulse = common::Pulse::start();
    let doctor_with = |env: &[(&str, &str)]| {
        let mut c = cli.command(&["doctor"]);
        c.env("PULSE_SERVER", pulse.address()).envs(env.iter().copied());
        async move { tokio::time::timeout(Duration::from_secs(60), c.output()).await.expect("doctor finishes in time").unwrap() }
    };
    // Each thing that would stop a page, made real one at a time: the line names it, exit 1.
    for (env, want) in [
        (vec![("ILERT_ALARM", "off")], "FAIL  alarm: the alarm is off"),
        (vec![("ILERT_QUIET_HOURS", "Mon-Sun 00:00-24:00"), ("ILERT_QUIET_HOLDS_PAGES", "true")], "FAIL  quiet hours: quiet now until "),
        (vec![("ILERT_START_AT_LOGIN", "true")], "FAIL  start at login: startAtLogin is on but "),
    ] {
        let out = doctor_with(&env).await;
        let said = text(&out.stdout);
        assert!(said.contains(want) && out.status.code() == Some(1), "{env:?}: want {want:?}\n{said}");
    }
    let doctor = |muted: bool| {
        let mut c = cli.command(&["doctor"]);
        c.env("PULSE_SERVER", pulse.address());
        if muted {
            let _ = std::process::Command::new("pactl")
                .arg(format!("--server={}", pulse.address()))
                .args(["set-sink-mute", "rec", "1"])
                .status();
        }
        async move { tokio::time::timeout(Duration::from_secs(60), c.output()).await.expect("doctor finishes in time").unwrap() }
    };
    let timed = std::time::Instant::now();
    let out = doctor(false).await;
    let said = text(&out.stdout);
    println!("doctor, signed in ({} ms):\n{said}", timed.elapsed().as_millis());
    for want in [
        "ok    signed in: ada in tenant sandbox",
        "ok    alerts: seen, and may be accepted and resolved",
        "ok    notifications: ",
        "Accept and Resolve on the notification",
        "ok    alarm: plays to rec at ",
        "warn  start at login: off",
        "next shift: ",
    ] {
        assert!(said.contains(want), "doctor lacks {want:?}:\n{said}");
    }
    assert_eq!(out.status.code(), Some(0), "everything a page needs is there\n{said}");
    assert!(said.ends_with("A page would ring.\n"), "{said}");
    let secrets = cli.sandbox.knobs().issued_secrets();
    assert!(secrets.iter().all(|s| !said.contains(s.as_str())), "no token in doctor's output");

    let out = doctor(true).await;
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("FAIL  alarm: the output rec is muted (fix: unmute it)"), "{said}");
    // The test page: pressed on the notification, and the alarm heard for 3 s.
    let mut c = cli.command(&["doctor", "--test-page"]);
    c.env("PULSE_SERVER", pulse.address()).stdout(Stdio::piped());
    let _ = std::process::Command::new("pactl").arg(format!("--server={}", pulse.address())).args(["set-sink-mute", "rec", "0"]).status();
    let started = unix_now();
    let running = c.spawn().unwrap();
    let shown = wait_for("the test page", || server.received().iter().position(|r| r.summary == "Test page from ilert Desktop")).await;
    assert!(server.received()[shown].rest.contains("\"urgency\": 2"), "a page's urgency: {:?}", server.received()[shown]);
    tokio::time::sleep(Duration::from_secs(1)).await;
    server.invoke_action(&keyring.address, shown as u32 + 1, "acknowledge");
    let out = tokio::time::timeout(Duration::from_secs(60), running.wait_with_output()).await.expect("doctor finishes").unwrap();
    let said = text(&out.stdout);
    println!("doctor --test-page, pressed after 1 s ({:.1} s in all):\n{said}", unix_now() - started);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("ok    test notification: shown and acknowledged after "), "{said}");
    assert!(said.contains("ok    test alarm: played for 3 s to rec"), "{said}");
    let heard: f64 = pulse.sounds().iter().filter(|(a, _)| *a >= started).map(|(a, b)| b - a).sum();
    println!("doctor --test-page: {heard:.2} s of alarm heard");
    assert!(heard > 0.5, "the alarm reached the output: {:?}", pulse.sounds());
    // Not pressed, and the alarm off: each line says so, exit 1.
    let mut c = cli.command(&["doctor", "--test-page", "--wait", "2"]);
    c.env("PULSE_SERVER", pulse.address()).env("ILERT_ALARM", "off");
    let out = tokio::time::timeout(Duration::from_secs(60), c.output()).await.expect("doctor finishes").unwrap();
    let said = text(&out.stdout);
    assert!(said.contains("FAIL  test notification: not acknowledged within 2 s") && out.status.code() == Some(1), "{said}");
    assert!(said.contains("FAIL  test alarm: the alarm is off: nothing played"), "{said}");
    // The keyring locked: the session cannot be restored, and doctor says why.
    keyring.lock();
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        cli.command(&["doctor"]).env("PULSE_SERVER", pulse.address()).env("ILERT_KEYRING_TIMEOUT_MS", "2000").output(),
    )
    .await
    .expect("doctor finishes in time")
    .unwrap();
    let said = text(&out.stdout);
    assert!(said.contains("FAIL  signed in: the session cannot be used: ") && said.contains("keyring"), "{said}");
    assert_eq!(out.status.code(), Some(1), "{said}");
    // No notification server on the bus any more.
    drop(server);
    let out = doctor(false).await;
    let said = text(&out.stdout);
    assert!(said.contains("FAIL  notifications: no notification server answers") && out.status.code() == Some(1), "{said}");
    drop(keyring);
}

/// Signed in without the `alert` scope, no alert is ever seen: doctor says
/// so, with the way to grant it, and exits 1.
#[tokio::test]
#[ignore = "needs an unlocked Secret Service; scripts/test runs it"]
async fn doctor_fails_when_alerts_were_never_granted() {
    let cli = Cli::new("doctor-scope").await;
    cli.login_with_scopes("profile schedule policy source offline_access").await;
    let out = tokio::time::timeout(Duration::from_secs(60), cli.command(&["doctor"]).output()).await.expect("doctor finishes").unwrap();
    let said = text(&out.stdout);
    assert!(said.contains("ok    signed in: ada in tenant sandbox"), "{said}");
    assert!(said.contains("FAIL  alerts: the alert scope was not granted: no alert is seen (fix: Grant access"), "{said}");
    assert_eq!(out.status.code(), Some(1), "{said}");
}

/// My next shift is checked against quiet hours that hold pages: not on
/// call now (the tenant's clock moved on past Ada's turn), quiet hours from
/// a quarter of an hour before her next shift starts fail the line, and
/// without `quietHoldsPages` it passes. Her place in a rule by name (always
/// reachable) is not a shift, so it does not make her "on call now".
#[tokio::test]
#[ignore = "needs an unlocked Secret Service; scripts/test runs it"]
async fn doctor_checks_my_next_shift_against_quiet_hours_that_hold_pages() {
    let cli = Cli::new("doctor-shift").await;
    cli.login_with_scopes("profile schedule policy source alert offline_access").await;
    cli.sandbox.knobs().move_clock(chrono::Duration::hours(10));
    let (start, _) = cli.sandbox.knobs().next_shift_of("ada").expect("a shift ahead");
    assert!(start > chrono::Utc::now() + chrono::Duration::minutes(30), "not on call now: the next shift starts at {start}");
    let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&chrono::Local).format("%H:%M").to_string();
    let quiet = format!("Mon-Sun {}-{}", local(start - chrono::Duration::minutes(15)), local(start + chrono::Duration::minutes(15)));
    let doctor = |holds: &str| {
        let mut c = cli.command(&["doctor"]);
        c.env("ILERT_QUIET_HOURS", &quiet).env("ILERT_QUIET_HOLDS_PAGES", holds);
        async move { tokio::time::timeout(Duration::from_secs(60), c.output()).await.expect("doctor finishes").unwrap() }
    };
    let said = text(&doctor("true").await.stdout);
    assert!(said.contains("ok    quiet hours: not quiet now"), "{quiet}: {said}");
    assert!(said.contains("FAIL  next shift: starts ") && said.contains("inside quiet hours that hold pages"), "{quiet}: {said}");
    let said = text(&doctor("false").await.stdout);
    assert!(said.contains("ok    next shift: starts ") && said.contains("nothing above would hold it"), "{said}");
}

/// Each event of the iCalendar file `file` as a real parser (Python's
/// icalendar) reads it: `fields` (Python expressions over the event `e`)
/// joined by `|`, one line per event. Debian's python3: pyenv's, earlier
/// on PATH, has no icalendar.
fn icalendar_events(file: &Path, fields: &str) -> String {
    let script = format!(
        "import sys, icalendar\ncal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())\nfor e in cal.walk('VEVENT'):\n    print({fields}, sep='|')"
    );
    let parsed = std::process::Command::new("/usr/bin/python3").arg("-c").arg(script).arg(file).output().expect("python3-icalendar");
    assert!(parsed.status.success(), "{}", text(&parsed.stderr));
    text(&parsed.stdout)
}

/// `shifts --ics`: my shifts ahead as an iCalendar file that a real parser
/// (Python's icalendar) reads back to the sandbox's own shifts, each with a
/// UID that stays when the file is made again.
#[tokio::test]
#[ignore = "needs an unlocked Secret Service; scripts/test runs it"]
async fn my_shifts_ahead_as_a_calendar_file() {
    let cli = Cli::new("ics").await;
    let (out, stderr) = cli.login("approve").await;
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let ics = |cli: &Cli| {
        let c = cli.command(&["shifts", "--ics"]);
        async move {
            let mut c = c;
            let out = tokio::time::timeout(Duration::from_secs(60), c.output()).await.unwrap().unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
            text(&out.stdout)
        }
    };
    let first = ics(&cli).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shifts.ics");
    std::fs::write(&file, &first).unwrap();
    let utc = |field: &str| format!("e.decoded('{field}').strftime('%Y-%m-%dT%H:%M:%SZ')");
    let parsed = icalendar_events(&file, &format!("e['UID'], {}, {}, e['SUMMARY']", utc("DTSTART"), utc("DTEND")));
    let events: Vec<Vec<String>> = parsed.lines().map(|l| l.split('|').map(str::to_string).collect()).collect();
    let (start, end) = cli.sandbox.knobs().next_shift_of("ada").expect("ada has a shift ahead");
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    assert!(
        events.iter().any(|e| e[1] == fmt(start) && e[2] == fmt(end) && e[3].starts_with("On call: ")),
        "the next shift, {} to {}, is an event: {events:?}",
        fmt(start),
        fmt(end)
    );
    let again = ics(&cli).await;
    let uids = |s: &str| s.lines().filter(|l| l.starts_with("UID:")).map(str::to_string).collect::<Vec<_>>();
    assert_eq!(uids(&first), uids(&again), "the same shifts keep their UIDs");

    // A shift moves (Grace covers the first hour of Ada's next turn on
    // "Payments Static"): the next file has it at its new time, and its old
    // event again, cancelled, so a calendar that imported the last file
    // keeps no stale event.
    let now = chrono::Utc::now();
    let (moved, ..) = cli.sandbox.knobs().hand_overs_of(3, "ada").into_iter().find(|(s, ..)| *s > now).expect("a turn ahead");
    assert!(cli.sandbox.knobs().cover(3, "grace", moved, moved + chrono::Duration::hours(1)));
    let third = ics(&cli).await;
    std::fs::write(&file, &third).unwrap();
    let events = icalendar_events(&file, &format!("e['UID'], e.get('STATUS', 'CONFIRMED'), {}", utc("DTSTART")));
    let old_uid =
        uids(&again).into_iter().find(|u| u.contains(&moved.format("%Y%m%dT%H%M%SZ").to_string())).expect("the moved shift's old UID");
    let old_uid = old_uid.trim_start_matches("UID:").trim().to_string();
    assert!(events.lines().any(|l| l == format!("{old_uid}|CANCELLED|{}", fmt(moved))), "the old event cancelled: {events}");
    let new_start = fmt(moved + chrono::Duration::hours(1));
    assert!(events.lines().any(|l| l.ends_with(&format!("|CONFIRMED|{new_start}"))), "the shift at its new time: {events}");
    assert_eq!(events.lines().filter(|l| l.contains("|CANCELLED|")).count(), 1, "nothing else cancelled: {events}");
}
