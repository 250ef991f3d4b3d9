//! Updates through the real tauri-plugin-updater, against a feed on a real
//! loopback socket signed with the test's own key (`common::feed`). The app
//! here is the mock runtime's, so there is no window. The window and the
//! tray are in `e2e` and `cli`. Nothing here installs: every Install below
//! meets a download that fails verification, and a valid one is only
//! downloaded and verified.

use std::time::{Duration, SystemTime};

use ilert_app::settings::SettingsStore;
use ilert_app::updates::{Channel, Feed as FeedConfig, Refusal, UpdateView};
use ilert_desktop_lib::updates;
use tauri::test::{mock_builder, MockRuntime};
use tauri::{AppHandle, Manager};

mod common;
#[path = "common/feed.rs"]
mod feed;
use feed::{artifact_bytes, Feed};

fn app(dir: &tempfile::TempDir) -> tauri::App<MockRuntime> {
    let core = ilert_app::App::new(SettingsStore::open(dir.path().join("settings.json"), Default::default()).unwrap(), None);
    let app = ilert_desktop_lib::build_app(mock_builder(), core).build(tauri::generate_context!(test = true)).unwrap();
    updates::start(app.handle());
    app
}

fn source(feed: &Feed) -> Channel {
    let endpoint = feed.url.parse().unwrap();
    Channel::Own(FeedConfig { endpoint, pubkey: feed.pubkey() })
}

fn view(handle: &AppHandle<MockRuntime>) -> UpdateView {
    handle.state::<ilert_app::App>().updates().view()
}

/// Install, then the state it settles in (never `Installing` for long: every download here is small).
async fn install(handle: &AppHandle<MockRuntime>) -> UpdateView {
    updates::install(handle);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        match view(handle) {
            UpdateView::Installing { .. } | UpdateView::Available { .. } => {}
            settled => return settled,
        }
        assert!(std::time::Instant::now() < deadline, "the install did not settle");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_newer_version_is_offered_verified_and_a_tampered_one_refused() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    let handle = app.handle();
    let feed = Feed::start().await;
    let good = artifact_bytes("0.2.0");
    feed.publish("0.2.0", &good, "0.2.0");

    updates::check(handle, &source(&feed)).await;
    assert_eq!(view(handle), UpdateView::Available { version: "0.2.0".into(), notes: Some("What is new in 0.2.0.".into()) });
    assert_eq!(feed.requests(), ["/latest.json"], "found, not downloaded: nothing happens without Install");
    assert!(!handle.state::<ilert_app::App>().updates().due(SystemTime::now()), "the next check is a day away");

    // The genuine artifact passes the plugin's verification (downloaded, not installed).
    let update = updates::updater(handle, &source(&feed)).unwrap().check().await.unwrap().expect("offered");
    assert_eq!(update.download(|_, _| {}, || {}).await.unwrap(), good);

    // The artifact replaced on the server: refused, with the reason.
    feed.replace_artifact(&artifact_bytes("evil"));
    let UpdateView::Failed { version, message, reason } = install(handle).await else { panic!("{:?}", view(handle)) };
    assert_eq!((version.as_str(), reason.as_str()), ("0.2.0", "bad signature"));
    assert!(message.contains("signature does not match this app's signing key"), "{message}");

    // The manifest tampered with: a newer version number over the 0.2.0 download.
    feed.publish_signed("0.3.0", &good, &feed.sign(&good, "0.2.0"));
    updates::check(handle, &source(&feed)).await;
    assert_eq!(view(handle).version(), Some("0.3.0"), "the offer is what the feed says");
    let UpdateView::Failed { message, .. } = install(handle).await else { panic!("{:?}", view(handle)) };
    assert!(message.starts_with("Version 0.3.0 was not installed: the download is signed as version 0.2.0"), "{message}");

    // A signature that is not one, and one by another key.
    feed.publish_signed("0.2.0", &good, "bm90IGEgc2lnbmF0dXJl");
    updates::check(handle, &source(&feed)).await;
    assert!(matches!(install(handle).await, UpdateView::Failed { reason, .. } if reason == "bad signature"));
    let stranger = Feed::start().await;
    feed.publish_signed("0.2.0", &good, &stranger.sign(&good, "0.2.0"));
    updates::check(handle, &source(&feed)).await;
    assert!(matches!(install(handle).await, UpdateView::Failed { reason, .. } if reason == "bad signature"));

    // Signed without a version (an old Tauri CLI): refused, since this app requires one.
    let unversioned = feed.sign_with_comment(&good, "timestamp:1764547200\tfile:ilert-desktop.AppImage");
    feed.publish_signed("0.2.0", &good, &unversioned);
    updates::check(handle, &source(&feed)).await;
    assert!(matches!(install(handle).await, UpdateView::Failed { reason, .. } if reason == "unversioned signature"));
    let downloads = feed.requests().iter().filter(|r| r.starts_with("/download/")).count();
    assert_eq!(downloads, 6, "one download per Install (five) and the verified one: {:?}", feed.requests());
}

#[tokio::test]
async fn the_same_or_an_older_version_is_not_offered_and_a_broken_feed_is_a_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    let handle = app.handle();
    let feed = Feed::start().await;
    let current = handle.package_info().version.to_string();
    assert_eq!(current, env!("CARGO_PKG_VERSION"));

    for version in [current.as_str(), "0.0.9"] {
        feed.publish(version, &artifact_bytes(version), version);
        updates::check(handle, &source(&feed)).await;
        assert_eq!(view(handle), UpdateView::None, "{version} is not newer than {current}");
    }
    // 204: the feed's way to say there is nothing.
    feed.answer(204, "");
    updates::check(handle, &source(&feed)).await;
    assert_eq!(view(handle), UpdateView::None);

    // Offered, then the feed breaks: the offer stays, no error is shown.
    feed.publish("0.2.0", &artifact_bytes("0.2.0"), "0.2.0");
    updates::check(handle, &source(&feed)).await;
    let offered = view(handle);
    assert_eq!(offered.version(), Some("0.2.0"));
    for (status, body) in [(500, "oops"), (200, "<html>not json</html>"), (200, r#"{"version":"0.3.0"}"#)] {
        feed.answer(status, body);
        updates::check(handle, &source(&feed)).await;
        assert_eq!(view(handle), offered, "a broken feed ({status} {body}) changes nothing on screen");
    }
    // Withdrawn by the feed: the offer goes.
    feed.publish(&current, &artifact_bytes("same"), &current);
    updates::check(handle, &source(&feed)).await;
    assert_eq!(view(handle), UpdateView::None);

    // Offline: nothing listens there. The check ends (within its time limit), quietly.
    let port = common::free_port();
    let offline =
        Channel::Own(FeedConfig { endpoint: format!("http://127.0.0.1:{port}/latest.json").parse().unwrap(), pubkey: feed.pubkey() });
    let started = std::time::Instant::now();
    updates::check(handle, &offline).await;
    assert_eq!(view(handle), UpdateView::None);
    assert!(started.elapsed() < Duration::from_secs(35), "bounded by the check's timeout");
}

/// The plugin's verdicts, sorted into the reasons the person reads.
#[test]
fn the_plugins_errors_are_sorted_into_reasons() {
    use tauri_plugin_updater::Error;
    let mismatch = Error::SignedVersionMismatch { signed: "0.1.5".into(), announced: "0.2.0".into() };
    assert_eq!(updates::refusal(&mismatch), Refusal::SignedForAnotherVersion { signed: "0.1.5".into() });
    assert_eq!(updates::refusal(&Error::MissingSignedVersion), Refusal::UnversionedSignature);
    assert!(matches!(updates::refusal(&Error::Network("503".into())), Refusal::Other(m) if m.contains("503")));
}

/// The keys and signatures of the release: a key made by `tauri signer
/// generate` and a signature by `tauri signer sign --app-version` (what
/// `tauri build` does for each bundle in the release workflow) pass the
/// app's verification; the same signature offered as another version does not.
#[tokio::test]
#[ignore = "needs the Tauri CLI of package.json (npm install; scripts/setup does it); scripts/test runs it"]
async fn what_the_tauri_cli_signs_the_app_verifies() {
    let cli = concat!(env!("CARGO_MANIFEST_DIR"), "/node_modules/.bin/tauri");
    assert!(std::path::Path::new(cli).exists(), "{cli}: run scripts/setup");
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("updater.key");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(cli).args(args).env("CI", "true").env_remove("TAURI_SIGNING_PRIVATE_KEY").output().unwrap();
        assert!(out.status.success(), "tauri {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    run(&["signer", "generate", "--ci", "-p", "", "-w", key.to_str().unwrap()]);
    let artifact = keys.path().join("ilert-desktop.AppImage");
    let good = artifact_bytes("0.2.0");
    std::fs::write(&artifact, &good).unwrap();
    run(&["signer", "sign", "-f", key.to_str().unwrap(), "-p", "", "--app-version", "0.2.0", artifact.to_str().unwrap()]);
    let signature = std::fs::read_to_string(keys.path().join("ilert-desktop.AppImage.sig")).unwrap();
    let pubkey = std::fs::read_to_string(keys.path().join("updater.key.pub")).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    let handle = app.handle();
    let feed = Feed::start().await;
    let source = Channel::Own(FeedConfig { endpoint: feed.url.parse().unwrap(), pubkey });
    feed.publish_signed("0.2.0", &good, &signature);
    let update = updates::updater(handle, &source).unwrap().check().await.unwrap().expect("offered");
    assert_eq!(update.download(|_, _| {}, || {}).await.unwrap(), good, "verified");
    feed.publish_signed("0.3.0", &good, &signature);
    updates::check(handle, &source).await;
    let UpdateView::Failed { reason, .. } = install(handle).await else { panic!("{:?}", view(handle)) };
    assert_eq!(reason, "signed for another version");
}
