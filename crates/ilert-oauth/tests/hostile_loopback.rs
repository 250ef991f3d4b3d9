//! The loopback receiver under hostile input: property-based request bytes
//! (arbitrary bytes, huge headers, partial requests, bad percent-encoding,
//! duplicate parameters, non-UTF-8) and forged error redirects. Nothing
//! panics, and the real callback still completes unless a request could end
//! the wait as ilert's denial would. The flood of 10,000 connections is in
//! `loopback_flood.rs`, a process of its own, because it measures memory.

mod common;

use std::time::Duration;

use common::callback::{real_callback, receiver, try_real_callback, STATE};
use ilert_oauth::loopback::{CallbackParams, CancelHandle};
use ilert_oauth::Secret;
use proptest::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Writes `bytes` on a fresh connection and reads whatever comes back.
async fn send(addr: &str, bytes: &[u8]) {
    let Ok(mut c) = TcpStream::connect(addr).await else { return };
    let _ = c.write_all(bytes).await;
    let _ = c.shutdown().await;
    let mut sink = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(2), c.read_to_end(&mut sink)).await;
}

/// Requests that look like HTTP, broken in the ways the issue lists.
fn hostile_request() -> impl Strategy<Value = Vec<u8>> {
    let junk = proptest::collection::vec(any::<u8>(), 0..2048);
    let query = proptest::string::bytes_regex(
        "(code|state|error|error_description|x)=([a-z%0-9]|%[0-9A-Fa-f]?|%zz|\\xff|\\xc3)*(&(code|state|error)=[a-z%]*)*",
    )
    .unwrap();
    let path = prop_oneof![
        Just(b"/callback".to_vec()),
        Just(b"/favicon.ico".to_vec()),
        Just(b"/".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..64)
    ];
    let method = prop_oneof![Just(b"GET".to_vec()), Just(b"POST".to_vec()), Just(b"PRI".to_vec()), Just(b"\x16\x03\x01".to_vec())];
    let header = prop_oneof![
        Just(Vec::new()),
        (1usize..40_000).prop_map(|n| format!("X-Big: {}\r\n", "a".repeat(n)).into_bytes()),
        Just(b"Host: \xff\xfe\r\n".to_vec())
    ];
    let cut = any::<prop::sample::Index>();
    let http = (method, path, query, header, any::<bool>(), cut).prop_map(|(m, p, q, h, partial, cut)| {
        let mut r = [m, b" ".to_vec(), p, b"?".to_vec(), q, b" HTTP/1.1\r\nHost: 127.0.0.1\r\n".to_vec(), h, b"\r\n".to_vec()].concat();
        if partial {
            r.truncate(cut.index(r.len() + 1));
        }
        r
    });
    prop_oneof![junk, http]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever arrives first, the real callback afterwards is accepted. The
    /// one exception is an error redirect without a state: ilert may send a
    /// denial without one, so it ends the wait (`loopback::handle`). Only a
    /// request carrying `error=` may do that, and it ends the wait with our
    /// words, never with a code.
    #[test]
    fn hostile_requests_never_stop_the_real_callback(requests in proptest::collection::vec(hostile_request(), 1..12)) {
        let may_end = requests.iter().any(|r| r.windows(6).any(|w| w == b"error="));
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let (r, addr) = receiver().await;
            let (_cancel, rx) = CancelHandle::new();
            let waiting = tokio::spawn(async move { r.wait(&Secret::new(STATE), Duration::from_secs(20), rx).await });
            let hostile: Vec<_> = requests.iter().map(|b| { let (a, b) = (addr.clone(), b.clone()); tokio::spawn(async move { send(&a, &b).await }) }).collect();
            for h in hostile {
                h.await.expect("no panic while sending");
            }
            // A forged code could only come with our state, which the strategy cannot produce.
            let status = try_real_callback(&addr).await;
            match waiting.await.expect("the receiver did not panic") {
                Ok(code) => {
                    prop_assert_eq!(code.expose(), "the-code");
                    prop_assert_eq!(status, Some(200));
                }
                Err(e) => prop_assert!(
                    may_end && e.kind() == "endedWithoutState",
                    "the wait ended with {} ({e}) though no request was an error redirect; the real callback got {:?}",
                    e.kind(),
                    status
                ),
            }
            Ok(())
        })?;
    }

    /// The parser takes any text: no panic, and a duplicated parameter that
    /// matters is refused rather than guessed.
    #[test]
    fn callback_params_parse_anything(query in ".{0,400}", dup in prop_oneof![Just("code"), Just("state"), Just("error")]) {
        let _ = CallbackParams::parse(&query);
        let twice = format!("{dup}=a&x=1&{dup}=b");
        prop_assert_eq!(CallbackParams::parse(&twice), None);
    }
}

/// Any local web page can send `<img src="http://localhost:4598/callback?error=…">`.
/// Without our `state` its text is never presented as ilert's: the wait ends
/// with a fixed message of ours (ilert may not echo `state` on errors, so a
/// real denial must still end it), and neither that message nor the page
/// quotes the parameters. With a wrong state the wait goes on. With our
/// state it is ilert's refusal and its words are shown.
#[tokio::test]
async fn an_error_without_our_state_is_not_shown_as_ilerts() {
    let payload = "Call+ilert+support+at+%2B1-555-0100";
    // Wrong state: ignored, and the real callback still completes.
    let (r, addr) = receiver().await;
    let (_c, rx) = CancelHandle::new();
    let waiting = tokio::spawn(async move { r.wait(&Secret::new(STATE), Duration::from_secs(30), rx).await });
    let page = reqwest::get(format!("http://{addr}/callback?error=access_denied&error_description={payload}&state=forged")).await.unwrap();
    assert_eq!(page.status(), 400);
    assert!(!page.text().await.unwrap().contains("555"));
    assert_eq!(real_callback(&addr).await, 200);
    assert_eq!(waiting.await.unwrap().unwrap().expose(), "the-code");

    // No state: the wait ends, with our words only.
    let (r, addr) = receiver().await;
    let (_c, rx) = CancelHandle::new();
    let waiting = tokio::spawn(async move { r.wait(&Secret::new(STATE), Duration::from_secs(30), rx).await });
    let page = reqwest::get(format!("http://{addr}/callback?error=access_denied&error_description={payload}")).await.unwrap();
    assert!(!page.text().await.unwrap().contains("555"), "the browser page does not quote it");
    let err = waiting.await.unwrap().unwrap_err();
    assert_eq!(err.kind(), "endedWithoutState", "{err}");
    assert!(!err.to_string().contains("555") && !err.to_string().contains("access_denied"), "{err}");

    // Our state: ilert's refusal, in ilert's words.
    let (r, addr) = receiver().await;
    let (_c, rx) = CancelHandle::new();
    let waiting = tokio::spawn(async move { r.wait(&Secret::new(STATE), Duration::from_secs(30), rx).await });
    let _ =
        reqwest::get(format!("http://{addr}/callback?error=access_denied&error_description=The+user+denied&state={STATE}")).await.unwrap();
    let err = waiting.await.unwrap().unwrap_err();
    assert_eq!(err.kind(), "denied");
    assert!(err.to_string().contains("The user denied"), "{err}");
}
