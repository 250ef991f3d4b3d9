//! The loopback receiver on a free port, and the browser's real callback to it.

use ilert_oauth::loopback::Receiver;

/// The state of the sign-in the receiver waits for.
pub const STATE: &str = "the-real-state-0123456789abcdef";

pub async fn receiver() -> (Receiver, String) {
    let r = Receiver::bind(super::ANY_PORT).await.unwrap();
    let addr = r.local_addrs()[0].to_string();
    (r, addr)
}

/// The redirect ilert sends the browser to: its status, `None` when nothing
/// listens any more (the wait has ended).
pub async fn try_real_callback(addr: &str) -> Option<u16> {
    let r = reqwest::get(format!("http://{addr}/callback?code=the-code&state={STATE}")).await.ok()?;
    Some(r.status().as_u16())
}

pub async fn real_callback(addr: &str) -> u16 {
    try_real_callback(addr).await.expect("the receiver is listening")
}
