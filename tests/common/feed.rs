//! An update feed as the release workflow publishes it (a static
//! `latest.json` beside the signed artifacts), served on loopback and
//! signed with a minisign key of the test's own, the way the Tauri CLI signs
//! (the trusted comment names the file and the version). Knobs make it
//! answer the ways a real feed can go wrong.
#![allow(dead_code)] // each test binary uses its own part

use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;

/// What the feed serves now.
#[derive(Default)]
struct Served {
    manifest: Option<(StatusCode, String)>,
    artifact: Vec<u8>,
    requests: Vec<String>,
}

pub struct Feed {
    pub url: String,
    base: String,
    key: minisign::KeyPair,
    served: Arc<Mutex<Served>>,
    _server: tokio::task::JoinHandle<()>,
}

/// The artifact's name, as for a Linux AppImage.
const ARTIFACT: &str = "ilert-desktop.AppImage";

impl Feed {
    pub async fn start() -> Feed {
        let served: Arc<Mutex<Served>> = Default::default();
        let router = axum::Router::new()
            .route("/latest.json", axum::routing::get(manifest))
            .route("/download/{name}", axum::routing::get(artifact))
            .with_state(served.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let key = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        Feed { url: format!("{base}/latest.json"), base, key, served, _server: server }
    }

    /// The public key as tauri.conf.json's `plugins.updater.pubkey` holds it.
    pub fn pubkey(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.key.pk.to_box().unwrap().to_string())
    }

    /// The environment that points the app at this feed.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![("ILERT_UPDATE_FEED", self.url.clone()), ("ILERT_UPDATE_PUBKEY", self.pubkey())]
    }

    /// A signature of `bytes` for `version` as `tauri signer sign --app-version` makes it.
    pub fn sign(&self, bytes: &[u8], version: &str) -> String {
        self.sign_with_comment(bytes, &format!("timestamp:1764547200\tfile:{ARTIFACT}\tversion:{version}"))
    }

    /// A signature with this trusted comment (an old CLI's names no version).
    pub fn sign_with_comment(&self, bytes: &[u8], trusted: &str) -> String {
        let sig = minisign::sign(None, &self.key.sk, bytes, Some(trusted), Some("signature from tauri secret key")).unwrap();
        base64::engine::general_purpose::STANDARD.encode(sig.to_string())
    }

    /// Publishes `version` with `artifact`, signed as `signed_as` (the
    /// version a tampered manifest announces may differ from it).
    pub fn publish(&self, version: &str, artifact: &[u8], signed_as: &str) {
        let signature = self.sign(artifact, signed_as);
        self.publish_signed(version, artifact, &signature);
    }

    /// Publishes `version` with whatever `signature` says.
    pub fn publish_signed(&self, version: &str, artifact: &[u8], signature: &str) {
        // Every platform the release workflow builds (scripts/updater-manifest.mjs),
        // so the tests read the same feed on whichever desktop runs them.
        let entry = serde_json::json!({ "signature": signature, "url": format!("{}/download/{ARTIFACT}", self.base) });
        let platforms: serde_json::Map<String, serde_json::Value> = [
            "linux-x86_64",
            "linux-x86_64-appimage",
            "windows-x86_64",
            "windows-x86_64-nsis",
            "windows-x86_64-msi",
            "darwin-aarch64",
            "darwin-x86_64",
            "darwin-aarch64-app",
        ]
        .into_iter()
        .map(|p| (p.to_string(), entry.clone()))
        .collect();
        let manifest = serde_json::json!({
            "version": version,
            "notes": format!("What is new in {version}."),
            "pub_date": "2026-12-01T09:00:00Z",
            "platforms": platforms
        });
        let mut s = self.served.lock().unwrap();
        s.manifest = Some((StatusCode::OK, manifest.to_string()));
        s.artifact = artifact.to_vec();
    }

    /// Serves a different artifact than the one signed (the manifest unchanged).
    pub fn replace_artifact(&self, bytes: &[u8]) {
        self.served.lock().unwrap().artifact = bytes.to_vec();
    }

    /// Answers `latest.json` with this status and body.
    pub fn answer(&self, status: u16, body: &str) {
        self.served.lock().unwrap().manifest = Some((StatusCode::from_u16(status).unwrap(), body.to_string()));
    }

    /// The paths asked for so far.
    pub fn requests(&self) -> Vec<String> {
        self.served.lock().unwrap().requests.clone()
    }
}

/// An AppImage-like payload (an ELF header, then filler).
pub fn artifact_bytes(tag: &str) -> Vec<u8> {
    let mut b = b"\x7fELF\x02\x01\x01".to_vec();
    b.extend(tag.as_bytes());
    b.resize(4096, 0);
    b
}

type Shared = State<Arc<Mutex<Served>>>;

async fn manifest(State(served): Shared) -> Response {
    let mut s = served.lock().unwrap();
    s.requests.push("/latest.json".into());
    match &s.manifest {
        Some((status, body)) => (*status, [("content-type", "application/json")], body.clone()).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

async fn artifact(State(served): Shared, Path(name): Path<String>) -> Response {
    let mut s = served.lock().unwrap();
    s.requests.push(format!("/download/{name}"));
    (StatusCode::OK, s.artifact.clone()).into_response()
}
