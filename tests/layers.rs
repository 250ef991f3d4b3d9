//! The one rule of the layout: imports run one way. This reads every
//! `crate::…` and `super::…` path in the sources of the Tauri glue
//! (`src-tauri/`) and of each plain crate (`crates/*/src`), builds the graph
//! of their modules (top-level modules of a crate, and the files within each
//! module folder) and fails on any circle, naming it. Test code (`mod tests`
//! at the end of a file) and comments are not imports and are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `.rs` files under `dir`, with their path relative to it.
fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
                out.push((rel, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// The code of a file without its comments and its unit tests.
fn code(text: &str) -> String {
    let body = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    body.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// Every name that follows `prefix` in `code` (`crate::a::b` and `crate::{a, b::c}` give `a`, `b`).
fn names_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let ident = |s: &str| s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>();
    let mut names = BTreeSet::new();
    for (at, _) in code.match_indices(prefix) {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            continue; // `my_crate::`, `$crate::`
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            names.extend(group.split(',').map(|p| ident(p.trim())).filter(|n| !n.is_empty()));
        } else {
            let n = ident(rest);
            if !n.is_empty() {
                names.insert(n);
            }
        }
    }
    names
}

/// The module graphs of one crate's `src`: its top-level modules, and the
/// files of each module folder among themselves.
fn graphs(src: &Path) -> Vec<(String, Graph)> {
    let files = sources(src);
    let module_of = |rel: &str| rel.split('/').next().unwrap().trim_end_matches(".rs").to_string();
    let modules: BTreeSet<String> = files.iter().map(|(rel, _)| module_of(rel)).filter(|m| m != "lib" && m != "main").collect();
    let mut top = Graph::new();
    let mut inner: BTreeMap<String, Graph> = BTreeMap::new();
    for (rel, text) in &files {
        let from = module_of(rel);
        if !modules.contains(&from) {
            continue; // lib.rs and main.rs declare the modules; they are the root
        }
        let code = code(text);
        let to: BTreeSet<String> = names_after(&code, "crate::").into_iter().filter(|m| modules.contains(m) && *m != from).collect();
        top.entry(from.clone()).or_default().extend(to);
        // Within a folder: `super::x` from a file of it, and `crate::folder::x`.
        let parts: Vec<&str> = rel.split('/').collect();
        if parts.len() == 2 && parts[1] != "mod.rs" {
            let me = parts[1].trim_end_matches(".rs").to_string();
            let siblings: BTreeSet<String> = files
                .iter()
                .filter_map(|(r, _)| r.strip_prefix(&format!("{from}/")))
                .filter(|r| !r.contains('/') && *r != "mod.rs")
                .map(|r| r.trim_end_matches(".rs").to_string())
                .collect();
            let mut to = names_after(&code, "super::");
            to.extend(names_after(&code, &format!("crate::{from}::")));
            let to = to.into_iter().filter(|s| siblings.contains(s) && *s != me).collect::<BTreeSet<_>>();
            inner.entry(from.clone()).or_default().entry(me).or_default().extend(to);
        }
    }
    let mut all = vec![(src.display().to_string(), top)];
    all.extend(inner.into_iter().map(|(folder, g)| (format!("{}/{folder}", src.display()), g)));
    all
}

/// A circle in `g`, if there is one, as the path that closes it.
fn circle(g: &Graph) -> Option<Vec<String>> {
    fn visit(g: &Graph, node: &str, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut c = path[at..].to_vec();
            c.push(node.to_string());
            return Some(c);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in g.get(node).into_iter().flatten() {
            if let Some(c) = visit(g, next, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    g.keys().find_map(|n| visit(g, n, &mut Vec::new(), &mut done))
}

fn crate_sources() -> Vec<PathBuf> {
    let mut dirs = vec![root().join("src-tauri")];
    let mut crates: Vec<PathBuf> = std::fs::read_dir(root().join("crates")).unwrap().map(|e| e.unwrap().path().join("src")).collect();
    crates.sort();
    dirs.extend(crates.into_iter().filter(|p| p.is_dir()));
    dirs
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let mut circles = Vec::new();
    for src in crate_sources() {
        for (name, g) in graphs(&src) {
            if let Some(c) = circle(&g) {
                circles.push(format!("{name}: {}", c.join(" → ")));
            }
        }
    }
    assert!(circles.is_empty(), "import circles:\n{}", circles.join("\n"));
}

/// The checker finds a circle where there is one, through `crate::{…}` and
/// `super::` alike, and ignores what is not an import.
#[test]
fn the_checker_sees_a_circle() {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib.rs", "pub mod a; pub mod b; pub mod c; pub mod v;");
    write("a.rs", "use crate::{b, c::X};\n// crate::v in a comment is no import\n");
    write("b.rs", "use crate::c::Y;");
    write("c.rs", "fn f() { crate::v::g(); }\n#[cfg(test)]\nmod tests { use crate::a; }");
    write("v/mod.rs", "pub mod p; pub mod q;");
    write("v/p.rs", "use super::q::Z;");
    write("v/q.rs", "use crate::v::p::W;");
    let gs = graphs(dir.path());
    assert_eq!(circle(&gs[0].1), None, "a → b → c → v, and c's test importing a is test code: {:?}", gs[0].1);
    let v = &gs.iter().find(|(n, _)| n.ends_with("/v")).unwrap().1;
    assert_eq!(circle(v), Some(vec!["p".to_string(), "q".into(), "p".into()]));
    write("c.rs", "use crate::a;");
    assert_eq!(circle(&graphs(dir.path())[0].1), Some(vec!["a".to_string(), "b".into(), "c".into(), "a".into()]));
}
