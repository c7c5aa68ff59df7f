//! Reading Rust source just well enough to find module paths: tokens
//! without comments and literals, `use` trees, `mod` declarations and
//! re-exports.

use std::collections::{BTreeMap, BTreeSet};

/// A module path: `[]` is the crate root, `["a", "b"]` is `a::b`.
pub type Module = Vec<String>;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Path, // ::
    Punct(char),
}

/// Rust source without comments, strings and char literals, as tokens.
fn tokens(src: &str) -> Vec<Tok> {
    let b: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('#') || next == Some('"')) && raw_string(&b, i) {
            i += 1;
            let mut hashes = 0;
            while b[i] == '#' {
                hashes += 1;
                i += 1;
            }
            i += 1; // the opening quote
            while i < b.len() {
                if b[i] == '"' && (1..=hashes).all(|k| b.get(i + k) == Some(&'#')) {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                i += if b[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}'), else a lifetime.
            if next == Some('\\') {
                i += 2;
                while i < b.len() && b[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if b.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
                while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
                    i += 1;
                }
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(b[start..i].iter().collect()));
        } else if c == ':' && next == Some(':') {
            out.push(Tok::Path);
            i += 2;
        } else {
            if !c.is_whitespace() {
                out.push(Tok::Punct(c));
            }
            i += 1;
        }
    }
    out
}

fn raw_string(b: &[char], i: usize) -> bool {
    let prev_ident = i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_');
    let mut j = i + 1;
    while b.get(j) == Some(&'#') {
        j += 1;
    }
    !prev_ident && b.get(j) == Some(&'"')
}

/// The paths of a `use` tree starting at `toks[i]`; returns them and the
/// index after the `;`. Each path comes with the name it binds (`as`).
fn use_tree(
    toks: &[Tok],
    mut i: usize,
    prefix: &[String],
    out: &mut Vec<(Vec<String>, String)>,
) -> usize {
    let mut path = prefix.to_vec();
    loop {
        match toks.get(i) {
            Some(Tok::Ident(s)) if s == "as" => {
                if let Some(Tok::Ident(alias)) = toks.get(i + 1) {
                    out.push((path.clone(), alias.clone()));
                    path.clear();
                }
                i += 2;
            }
            Some(Tok::Ident(s)) => {
                path.push(s.clone());
                i += 1;
            }
            Some(Tok::Path) => i += 1,
            Some(Tok::Punct('{')) => {
                i += 1;
                loop {
                    if toks.get(i) == Some(&Tok::Punct('}')) {
                        return i + 1;
                    }
                    i = use_tree(toks, i, &path, out);
                    match toks.get(i) {
                        Some(Tok::Punct(',')) => i += 1,
                        Some(Tok::Punct('}')) => return i + 1,
                        _ => return i,
                    }
                }
            }
            Some(Tok::Punct('*')) => {
                out.push((path.clone(), "*".into()));
                return i + 1;
            }
            _ => {
                if path.len() > prefix.len() {
                    let name = match path.last().map(String::as_str) {
                        Some("self") => {
                            path.pop();
                            path.last().cloned().unwrap_or_default()
                        }
                        _ => path.last().cloned().unwrap_or_default(),
                    };
                    out.push((path, name));
                }
                return i;
            }
        }
    }
}

/// What one file says: its references (with the inline module they sit
/// in), its re-exports and the child modules it declares.
#[derive(Default)]
pub struct File {
    pub refs: Vec<(Module, Vec<String>)>,
    pub reexports: BTreeMap<String, Vec<String>>,
    pub children: BTreeSet<String>,
    pub path_mods: Vec<(String, String)>,
}

pub fn read_file(src: &str) -> File {
    let toks = tokens(src);
    let mut f = File::default();
    // `#[path = "x.rs"] mod name;` (strings are gone from the tokens).
    for (n, _) in src.match_indices("#[path = \"") {
        let rest = &src[n + 10..];
        let Some(end) = rest.find('"') else { continue };
        let after = rest[end..].trim_start_matches(|c: char| c != 'm');
        if let Some(name) = after.strip_prefix("mod ").and_then(|r| r.split(';').next()) {
            f.path_mods.push((name.trim().into(), rest[..end].into()));
        }
    }
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        let prev = if i > 0 { toks.get(i - 1) } else { None };
        match &toks[i] {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            Tok::Ident(k) if k == "mod" => {
                if let Some(Tok::Ident(name)) = toks.get(i + 1) {
                    match toks.get(i + 2) {
                        Some(Tok::Punct('{')) => {
                            inline.push((name.clone(), depth));
                            depth += 1;
                            i += 3;
                            continue;
                        }
                        Some(Tok::Punct(';')) if inline.is_empty() => {
                            f.children.insert(name.clone());
                        }
                        _ => {}
                    }
                }
            }
            Tok::Ident(k) if k == "use" => {
                let public = is_pub(&toks, i);
                let mut paths = Vec::new();
                i = use_tree(&toks, i + 1, &[], &mut paths);
                let here: Module = inline.iter().map(|(n, _)| n.clone()).collect();
                for (p, name) in paths {
                    if public && inline.is_empty() {
                        // `pub use child::*` too: a re-export, no edge.
                        if name != "*" {
                            f.reexports.insert(name, p);
                        }
                    } else {
                        f.refs.push((here.clone(), p));
                    }
                }
                continue;
            }
            Tok::Ident(first)
                if prev != Some(&Tok::Path) && toks.get(i + 1) == Some(&Tok::Path) =>
            {
                let mut p = vec![first.clone()];
                let mut j = i + 1;
                while toks.get(j) == Some(&Tok::Path) {
                    match toks.get(j + 1) {
                        Some(Tok::Ident(s)) => p.push(s.clone()),
                        _ => break,
                    }
                    j += 2;
                }
                let here: Module = inline.iter().map(|(n, _)| n.clone()).collect();
                f.refs.push((here, p));
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    f
}

/// Whether the `use` at `toks[i]` is `pub` (or `pub(crate)`, ...).
fn is_pub(toks: &[Tok], i: usize) -> bool {
    match i.checked_sub(1).map(|p| &toks[p]) {
        Some(Tok::Ident(s)) => s == "pub",
        Some(Tok::Punct(')')) => {
            let mut j = i - 1;
            while j > 0 && toks[j] != Tok::Punct('(') {
                j -= 1;
            }
            j > 0 && toks[j - 1] == Tok::Ident("pub".into())
        }
        _ => false,
    }
}
