//! The loopback receiver under a flood of 10,000 junk, malformed and slow
//! connections: the real callback still completes, and memory stays bounded.
//! Memory is the process's resident size, so this test has a process of its
//! own: another test panicking beside it (a backtrace loads the debug info)
//! or shrinking a proptest case would be counted as the receiver's growth.
//!
//! Linux only: the resident size is read from `/proc`, and under Wine (the
//! Windows run of `scripts/cross-check`) the emulated sockets refuse the
//! flood after about 2,000 connections in a row, which measures Wine.
#![cfg(target_os = "linux")]

mod common;

use std::time::Duration;

use common::callback::{real_callback, receiver, STATE};
use ilert_oauth::loopback::CancelHandle;
use ilert_oauth::Secret;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap()
}

/// 10,000 connections within the receiver's timeout: a third junk bytes, a
/// third malformed HTTP, a third slowloris (a partial header, then silence),
/// with up to 500 slow ones held open at a time. The real callback arrives
/// while the last 500 slow connections are still open (far over the
/// receiver's limit of 64) and completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_hostile_connections_do_not_starve_the_callback() {
    let (r, addr) = receiver().await;
    let (_cancel, rx) = CancelHandle::new();
    let waiting = tokio::spawn(async move { r.wait(&Secret::new(STATE), Duration::from_secs(120), rx).await });
    let before = rss_kib();
    let mut held = std::collections::VecDeque::new();
    for i in 0..10_000u32 {
        let mut c = match TcpStream::connect(&addr).await {
            Ok(c) => c,
            Err(e) => panic!("connection {i} refused: {e}"),
        };
        match i % 3 {
            0 => {
                let _ = c.write_all(&i.to_le_bytes().repeat(64)).await;
            }
            1 => {
                let _ = c.write_all(b"GET /callback?code=x&state=%zz%ff HTTP/1.1\r\nHost: \xff\r\nContent-Length: -1\r\n\r\n").await;
            }
            _ => {
                let _ = c.write_all(b"GET /callback?code=slow&st").await;
                held.push_back(c);
                if held.len() > 500 {
                    held.pop_front();
                }
            }
        }
    }
    assert_eq!(held.len(), 500);
    // The real browser, with the slow connections still open.
    assert_eq!(real_callback(&addr).await, 200, "the real callback completed");
    let code = waiting.await.unwrap().expect("the wait ended with the real code");
    assert_eq!(code.expose(), "the-code");
    let grown_mib = rss_kib().saturating_sub(before) / 1024;
    // At most 64 connections are served at once whatever the attacker holds.
    assert!(grown_mib < 64, "memory grew by {grown_mib} MiB during the flood");
    drop(held);
}
