//! ilert's strings as a notification server gets them. Alert summaries and
//! source names are set by anyone holding an integration key, so they are
//! data, never markup or layout: a server that advertises `body-markup`
//! would render `<a href=…>` as a link, and a right-to-left override
//! (U+202E) makes `gnp.exe` read as `exe.png`.

/// Longest title and body shown; servers cut anyway, this keeps a flood of
/// text from an integration out of the D-Bus call.
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 1000;

/// `s` without control characters (line breaks kept where `lines` is true),
/// bidirectional overrides and isolates, zero-width joiners and the like,
/// cut to `max` characters with an ellipsis.
pub fn clean(s: &str, max: usize, lines: bool) -> String {
    let kept = s.chars().filter_map(|c| match c {
        '\n' if lines => Some('\n'),
        '\t' | '\n' => Some(' '),
        c if hidden(c) => None,
        c => Some(c),
    });
    let mut out: String = kept.clone().take(max).collect();
    if kept.count() > max {
        out.pop();
        out.push('…');
    }
    out
}

/// Characters that change how text around them reads or lays out.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}' // zero-width space, joiners, LRM, RLM
            | '\u{202A}'..='\u{202E}' // embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // isolates
            | '\u{FEFF}' // zero-width no-break space
            | '\u{FFF9}'..='\u{FFFB}') // interlinear annotations
}

/// The body as a server with `body-markup` reads it: `&`, `<`, `>` escaped.
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Title and body for a server, `markup` when it advertises `body-markup`.
pub fn for_server(title: &str, body: &str, markup: bool) -> (String, String) {
    let title = clean(title, MAX_TITLE_CHARS, false);
    let body = clean(body, MAX_BODY_CHARS, true);
    (title, if markup { escape_markup(&body) } else { body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_only_where_the_server_reads_it() {
        let hostile = r#"Disk <a href="https://evil.example">full</a> & <b>more</b>"#;
        let (_, body) = for_server("t", hostile, true);
        assert_eq!(body, r#"Disk &lt;a href="https://evil.example"&gt;full&lt;/a&gt; &amp; &lt;b&gt;more&lt;/b&gt;"#);
        let (_, body) = for_server("t", hostile, false);
        assert_eq!(body, hostile, "a server without markup shows the text as it is");
    }

    #[test]
    fn overrides_and_control_characters_are_dropped_and_lengths_capped() {
        let (title, body) = for_server("Invoice \u{202E}gnp.exe\u{2066}x\u{2069}\u{200B}\u{7}\nnext", "a\nb\u{1b}[31m\tc", false);
        assert_eq!(title, "Invoice gnp.exex next");
        assert_eq!(body, "a\nb[31m c", "line breaks stay in a body");
        let long = "x".repeat(5000);
        let (title, body) = for_server(&long, &long, true);
        assert_eq!(title.chars().count(), MAX_TITLE_CHARS);
        assert!(title.ends_with('…'));
        assert_eq!(body.chars().count(), MAX_BODY_CHARS);
        assert_eq!(clean("short", 10, false), "short");
        assert_eq!(clean("exactly10!", 10, false), "exactly10!");
    }
}
