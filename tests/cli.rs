//! The command line as a person or a script uses it: the real binary, its
//! exit codes and output, against the sandbox over HTTP, with the refresh
//! token in the real Secret Service (`scripts/test` provides an unlocked
//! gnome-keyring; a bare `cargo test` leaves the keyring tests out).

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use ilert_sandbox::{Config, Fault, Sandbox};

mod common;
mod harness;
use common::wait_for;
use harness::{signed_in_beside_a_notification_server, text, unix_now, Cli, CLIENT};

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
        let keyring = common::keyring::PrivateKeyring::start(display.as_deref());
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
    let keyring = common::keyring::PrivateKeyring::start(None);
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
    let keyring = common::keyring::PrivateKeyring::start(None);
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
    let pulse = common::sound::Pulse::start();
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
