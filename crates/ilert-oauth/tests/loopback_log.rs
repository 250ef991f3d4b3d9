//! The loopback receiver's log under a flood: its own test binary, because
//! it captures this process's log and its load would skew the memory figure
//! of the flood test in `hostile_loopback`.

use std::time::Duration;

use ilert_oauth::loopback::{CancelHandle, Receiver};
use ilert_oauth::Secret;

mod common;
use common::Captured;

const STATE: &str = "the-real-state-0123456789abcdef";

/// Turned-away requests are logged as counts, one line per interval, not a
/// line each: 600 forged callbacks and junk requests give one summary line.
#[tokio::test(flavor = "current_thread")]
async fn a_flood_is_logged_as_counts() {
    let logs = Captured::default();
    let sink = logs.clone();
    let subscriber =
        tracing_subscriber::fmt().with_max_level(tracing::Level::DEBUG).with_ansi(false).with_writer(move || sink.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let r = Receiver::bind("http://127.0.0.1:0/callback").await.unwrap();
    let addr = r.local_addrs()[0].to_string();
    let (_c, rx) = CancelHandle::new();
    let waiting = tokio::spawn(async move { r.wait(&Secret::new(STATE), Duration::from_secs(60), rx).await });
    let http = reqwest::Client::new();
    for i in 0..600 {
        let url =
            if i % 2 == 0 { format!("http://{addr}/callback?code=forged&state=nope{i}") } else { format!("http://{addr}/favicon{i}.ico") };
        let _ = http.get(url).send().await.unwrap();
    }
    let ok = http.get(format!("http://{addr}/callback?code=the-code&state={STATE}")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    waiting.await.unwrap().unwrap();
    let text = logs.text();
    let lines = text.lines().filter(|l| l.contains("ilert_oauth")).count();
    let summary: Vec<_> = text.lines().filter(|l| l.contains("turned away")).collect();
    assert_eq!(summary.len(), 1, "{text}");
    assert!(summary[0].contains("wrong_state=300") && summary[0].contains("other=300"), "{}", summary[0]);
    assert!(lines < 10, "{lines} log lines for 600 requests:\n{text}");
}
