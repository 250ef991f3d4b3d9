//! End to end in the real webview: the built app under Xvfb, driven through
//! WebDriver (tauri-driver + WebKitWebDriver). Needs a display and the
//! drivers, so `scripts/test` runs it (`--include-ignored`) inside its
//! Xvfb + D-Bus session; a bare `cargo test` leaves it out.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

/// tauri-driver, killed on drop.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start_driver() -> Driver {
    assert!(std::env::var_os("DISPLAY").is_some(), "no DISPLAY: run scripts/test, which starts Xvfb");
    let (port, native) = (free_port(), free_port());
    let child = Command::new("tauri-driver")
        .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
        .stdout(Stdio::null())
        .spawn()
        .expect("tauri-driver on PATH (cargo install tauri-driver --locked; scripts/setup does it)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "tauri-driver did not listen on {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
    Driver { child, port }
}

async fn open_app(driver: &Driver) -> Client {
    let app = env!("CARGO_BIN_EXE_ilert-desktop");
    let mut caps = serde_json::Map::new();
    caps.insert("tauri:options".into(), serde_json::json!({ "application": app }));
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("WebDriver session with the app")
}

/// Where screenshots go: `$E2E_ARTIFACTS`, else `artifacts/screenshots/`.
fn artifact(name: &str) -> PathBuf {
    let dir = std::env::var_os("E2E_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Waits until `css` holds text other than the placeholder, and returns it.
async fn text_of(client: &Client, css: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(el) = client.find(Locator::Css(css)).await {
            if let Ok(t) = el.text().await {
                if !t.is_empty() && t != "…" {
                    return t;
                }
            }
        }
        assert!(Instant::now() < deadline, "{css} never filled in: the page did not render or the command did not answer");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A screenshot after the DOM changes have been painted: WebKit otherwise may
/// hand back the previous frame.
async fn screenshot(client: &Client) -> Vec<u8> {
    client
        .execute_async("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 50)));", vec![])
        .await
        .expect("the page paints");
    client.screenshot().await.expect("screenshot")
}

#[tokio::test]
#[ignore = "needs Xvfb, tauri-driver and WebKitWebDriver; scripts/test runs it"]
async fn window_renders_and_shows_values_from_rust() {
    let driver = start_driver();
    let client = open_app(&driver).await;
    let version = text_of(&client, "#version").await;
    assert_eq!(version, env!("CARGO_PKG_VERSION"), "the version comes from the Rust command");
    let status = text_of(&client, "#status").await;
    assert!(status.starts_with("Ready"), "{status}");
    let host = text_of(&client, "#authorize-host").await;
    assert_eq!(host, "app.ilert.com");
    let png = screenshot(&client).await;
    assert!(png.starts_with(b"\x89PNG"), "a PNG came back");
    std::fs::write(artifact("foundation.png"), png).unwrap();
    client.close().await.unwrap();
}
