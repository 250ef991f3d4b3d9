//! Start at login: the command each desktop runs, written so that it starts
//! this app from whatever path it was installed to.
//!
//! tauri-plugin-autostart (through auto-launch) writes `Exec=PATH ARGS` on
//! Linux and the `Run` value `PATH ARGS` on Windows, both unquoted. A path
//! with a space (the documented AppImage name `ilert Desktop_…AppImage`,
//! every install under `C:\Program Files`) then names a program that does
//! not exist, the app never starts after a reboot, and no page rings. So the
//! glue writes those two entries itself, quoted as each platform reads them;
//! macOS keeps the plugin (a LaunchAgent's `ProgramArguments` is an array,
//! nothing to quote).

/// The XDG autostart entry (`~/.config/autostart/NAME.desktop`).
pub fn xdg_entry(name: &str, exe: &str, args: &[String]) -> String {
    format!(
        "[Desktop Entry]\nType=Application\nVersion=1.0\nName={}\nComment={} at login, in the tray\nExec={}\nStartupNotify=false\nTerminal=false\n",
        escape_string(name),
        escape_string(name),
        xdg_exec(exe, args)
    )
}

/// An `Exec` value per the Desktop Entry Specification: an argument holding
/// a reserved character is double-quoted, with `"`, `` ` ``, `$` and `\`
/// backslash-escaped inside the quotes; `%` is doubled (field codes); then
/// the string-value escapes apply on top (a backslash becomes `\\`).
pub fn xdg_exec(exe: &str, args: &[String]) -> String {
    let words: Vec<String> = std::iter::once(exe).chain(args.iter().map(String::as_str)).map(xdg_quote).collect();
    escape_string(&words.join(" "))
}

fn xdg_quote(arg: &str) -> String {
    const RESERVED: &[char] = &[' ', '\t', '\n', '"', '\'', '\\', '>', '<', '~', '|', '&', ';', '$', '*', '?', '#', '(', ')', '`'];
    let arg = arg.replace('%', "%%");
    if !arg.is_empty() && !arg.contains(RESERVED) {
        return arg;
    }
    let mut out = String::with_capacity(arg.len() + 2);
    out.push('"');
    for c in arg.chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The escapes of a desktop entry's string values.
fn escape_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

/// A Windows command line (the `Run` value) that `CommandLineToArgvW` and
/// the Rust runtime split back into exactly `exe` and `args`: the program
/// always in quotes, each argument quoted where it holds white space or a
/// quote, backslashes doubled only where they precede a quote.
pub fn windows_command_line(exe: &str, args: &[String]) -> String {
    let mut line = format!("\"{exe}\"");
    for arg in args {
        line.push(' ');
        line.push_str(&windows_quote(arg));
    }
    line
}

fn windows_quote(arg: &str) -> String {
    if !arg.is_empty() && !arg.contains([' ', '\t', '\n', '\u{b}', '"']) {
        return arg.to_string();
    }
    let mut out = String::from("\"");
    let mut backslashes = 0;
    for c in arg.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                out.extend(std::iter::repeat_n('\\', backslashes * 2 + 1));
                out.push('"');
                backslashes = 0;
            }
            c => {
                out.extend(std::iter::repeat_n('\\', backslashes));
                out.push(c);
                backslashes = 0;
            }
        }
    }
    out.extend(std::iter::repeat_n('\\', backslashes * 2));
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn a_plain_path_is_written_as_it_is() {
        assert_eq!(
            xdg_exec("/usr/bin/ilert-desktop", &s(&["--hidden", "--profile", "work"])),
            "/usr/bin/ilert-desktop --hidden --profile work"
        );
    }

    #[test]
    fn paths_with_spaces_quotes_and_backslashes_are_quoted_as_the_spec_says() {
        assert_eq!(
            xdg_exec("/opt/ilert Desktop_0.1.0_amd64.AppImage", &s(&["--hidden"])),
            r#""/opt/ilert Desktop_0.1.0_amd64.AppImage" --hidden"#
        );
        // A quote inside quotes is \" at the Exec level, and that backslash is \\ in the file.
        assert_eq!(xdg_exec(r#"/home/o'neil/my "apps"/x"#, &[]), r#""/home/o'neil/my \\"apps\\"/x""#);
        // A literal backslash takes four.
        assert_eq!(xdg_exec(r"/a\b", &[]), r#""/a\\\\b""#);
        assert_eq!(xdg_exec("/a/100%/x", &s(&["$HOME"])), r#"/a/100%%/x "\\$HOME""#);
        assert_eq!(xdg_exec("/x", &s(&[""])), r#"/x """#, "an empty argument stays an argument");
        let entry = xdg_entry("ilert-desktop-work", "/opt/a b/x", &s(&["--hidden"]));
        assert!(entry.lines().any(|l| l == r#"Exec="/opt/a b/x" --hidden"#), "{entry}");
        assert!(!entry.contains("\n\n"), "one line per key: {entry}");
    }

    /// `CommandLineToArgvW`'s rules (the ones the Rust runtime follows),
    /// written out, to read back what [`windows_command_line`] wrote.
    fn split_windows(line: &str) -> Vec<String> {
        let mut args = Vec::new();
        let mut chars = line.chars().peekable();
        // The program name: up to the closing quote, no escapes.
        let mut exe = String::new();
        assert_eq!(chars.next(), Some('"'));
        for c in chars.by_ref() {
            if c == '"' {
                break;
            }
            exe.push(c);
        }
        args.push(exe);
        loop {
            while chars.peek().is_some_and(|c| *c == ' ' || *c == '\t') {
                chars.next();
            }
            if chars.peek().is_none() {
                return args;
            }
            let (mut arg, mut quoted, mut backslashes) = (String::new(), false, 0usize);
            while let Some(&c) = chars.peek() {
                match c {
                    '\\' => backslashes += 1,
                    '"' => {
                        arg.extend(std::iter::repeat_n('\\', backslashes / 2));
                        if backslashes % 2 == 1 {
                            arg.push('"');
                        } else {
                            quoted = !quoted;
                        }
                        backslashes = 0;
                    }
                    ' ' | '\t' if !quoted => break,
                    c => {
                        arg.extend(std::iter::repeat_n('\\', backslashes));
                        backslashes = 0;
                        arg.push(c);
                    }
                }
                chars.next();
            }
            arg.extend(std::iter::repeat_n('\\', backslashes));
            args.push(arg);
        }
    }

    #[test]
    fn the_windows_run_value_splits_back_into_the_same_arguments() {
        let exe = r"C:\Program Files\ilert Desktop\ilert-desktop.exe";
        let cases = [
            s(&["--hidden"]),
            s(&["--hidden", "--profile", "on call"]),
            s(&["a\"b", r"trailing\", r"C:\dir with space\", "", r#"x\"y"#, "tab\there"]),
        ];
        for args in cases {
            let line = windows_command_line(exe, &args);
            assert!(line.starts_with(&format!("\"{exe}\"")), "{line}");
            let mut want = vec![exe.to_string()];
            want.extend(args.iter().cloned());
            assert_eq!(split_windows(&line), want, "{line}");
        }
        assert_eq!(windows_command_line(exe, &s(&["--hidden"])), format!("\"{exe}\" --hidden"));
    }
}
