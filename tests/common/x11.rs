//! The X11 windows of a process as a desktop sees them, through python-xlib
//! (package python3-xlib): there is no window manager under Xvfb, so a
//! close is what a window manager's close button sends, `WM_DELETE_WINDOW`,
//! a resize is a configure request, and what the screen shows is read back
//! from the root window (the framebuffer), not from the page.

const SCRIPT: &str = r#"
import sys
from Xlib import X, display, error, protocol
d = display.Display()
root = d.screen().root
pid_atom, protocols, delete = (d.intern_atom(n) for n in ("_NET_WM_PID", "WM_PROTOCOLS", "WM_DELETE_WINDOW"))
found = []
for w in root.query_tree().children:
    # A window may be destroyed between the listing and the reading (a
    # closing webview's): it is not shown, whatever it was.
    try:
        pid = w.get_full_property(pid_atom, X.AnyPropertyType)
        if pid and pid.value[0] == int(sys.argv[2]) and w.get_attributes().map_state == X.IsViewable:
            found.append(w)
    except error.BadWindow:
        pass
what = sys.argv[1]
if what == "close":
    for w in found:
        w.send_event(protocol.event.ClientMessage(window=w, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0])))
elif what == "resize":
    found[0].configure(width=int(sys.argv[3]), height=int(sys.argv[4]))
elif what == "grab":
    g = found[0].get_geometry()
    at = found[0].translate_coords(root, 0, 0)
    x, y = -at.x, -at.y
    image = root.get_image(x, y, g.width, g.height, X.ZPixmap, 0xffffffff)
    with open(sys.argv[3], "wb") as f:
        f.write(b"%d %d\n" % (g.width, g.height))
        f.write(image.data)
d.flush()
d.sync()
print(len(found))
"#;

fn run(args: &[&str], pid: u32) -> usize {
    let pid = pid.to_string();
    let mut all = vec!["-c", SCRIPT, args[0], &pid];
    all.extend(&args[1..]);
    let out = std::process::Command::new("/usr/bin/python3").args(all).output().expect("python3 with python3-xlib");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().parse().expect("a count")
}

/// Presses `key` (an X keysym name: `Return`, `Escape`) in the shown
/// window titled `title`, through XTEST, as a person at the keyboard
/// would (a native dialog: no WebDriver reaches it). `false`: no such window.
pub fn press_in(title: &str, key: &str) -> bool {
    const PRESS: &str = r#"
import sys
from Xlib import X, XK, display, error
from Xlib.ext import xtest
d = display.Display()
root = d.screen().root
net_name, utf8 = d.intern_atom("_NET_WM_NAME"), d.intern_atom("UTF8_STRING")
for w in root.query_tree().children:
    try:
        if w.get_attributes().map_state != X.IsViewable:
            continue
        n = w.get_full_property(net_name, utf8)
        if (n.value.decode() if n else (w.get_wm_name() or "")) != sys.argv[1]:
            continue
        w.set_input_focus(X.RevertToParent, X.CurrentTime)
        d.sync()
        code = d.keysym_to_keycode(XK.string_to_keysym(sys.argv[2]))
        xtest.fake_input(d, X.KeyPress, code)
        xtest.fake_input(d, X.KeyRelease, code)
        d.sync()
        print(1)
        sys.exit(0)
    except error.BadWindow:
        pass
print(0)
"#;
    let out = std::process::Command::new("/usr/bin/python3").args(["-c", PRESS, title, key]).output().expect("python3 with python3-xlib");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim() == "1"
}

/// How many windows of `pid` are shown.
pub fn shown(pid: u32) -> usize {
    run(&["list"], pid)
}

/// Asks each shown window of `pid` to close, as a window manager does; returns how many.
pub fn close(pid: u32) -> usize {
    run(&["close"], pid)
}

/// Resizes the shown window of `pid`, as a person dragging its edge.
pub fn resize(pid: u32, width: u32, height: u32) {
    assert_eq!(run(&["resize", &width.to_string(), &height.to_string()], pid), 1, "one window of {pid} shown");
}

/// What the screen shows where the window of `pid` is: (width, height, RGB rows).
pub fn grab(pid: u32) -> (u32, u32, Vec<u8>) {
    let file = tempfile::NamedTempFile::new().unwrap();
    assert_eq!(run(&["grab", file.path().to_str().unwrap()], pid), 1, "one window of {pid} shown");
    let raw = std::fs::read(file.path()).unwrap();
    let header = raw.iter().position(|b| *b == b'\n').unwrap();
    let (w, h) = std::str::from_utf8(&raw[..header]).unwrap().split_once(' ').unwrap();
    let (w, h): (u32, u32) = (w.parse().unwrap(), h.parse().unwrap());
    // ZPixmap at depth 24: B, G, R and a pad byte per pixel.
    let rgb = raw[header + 1..].chunks_exact(4).flat_map(|p| [p[2], p[1], p[0]]).collect::<Vec<u8>>();
    assert_eq!(rgb.len(), (w * h * 3) as usize, "a {w}x{h} image");
    (w, h, rgb)
}
