//! The shape of the code: no import cycle between the modules of src/.
//!
//! Each file is a module (`a/mod.rs` is `a`, `a/b.rs` is `a::b`). Its
//! `use` trees and its `crate::`/`super::`/`self::` paths (and paths through
//! the child modules it declares) become edges to the deepest module that
//! exists; a name that module re-exports (`pub use child::Thing`) is
//! followed to where it is defined. Re-exports themselves are no edges, so
//! a parent re-exporting from its child is not a cycle; a child calling its
//! parent's own functions while the parent calls the child is.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

mod source;

use source::{read_file, File, Module};

/// Every module under `src` (the library: src/bin/ holds other crates).
struct Crate {
    files: BTreeMap<Module, (String, File)>,
}

impl Crate {
    fn load(src: &Path) -> Crate {
        let mut files = BTreeMap::new();
        let mut stack = vec![src.to_path_buf()];
        let mut by_path = BTreeMap::new();
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    if p != src.join("bin") {
                        stack.push(p);
                    }
                    continue;
                }
                if p.extension().is_none_or(|x| x != "rs") {
                    continue;
                }
                let rel = p.strip_prefix(src).unwrap().with_extension("");
                let mut m: Module = rel
                    .iter()
                    .map(|s| s.to_string_lossy().into_owned())
                    .collect();
                if m.last().is_some_and(|l| l == "mod" || l == "lib") {
                    m.pop();
                }
                let text = std::fs::read_to_string(&p).unwrap();
                let shown = p
                    .strip_prefix(src.parent().unwrap())
                    .unwrap()
                    .display()
                    .to_string();
                by_path.insert(p.clone(), m.clone());
                files.insert(m, (shown, read_file(&text)));
            }
        }
        // Files included with #[path]: the module they are, not their name.
        let moves: Vec<(Module, Module)> = files
            .iter()
            .flat_map(|(m, (shown, f))| {
                let dir = src
                    .parent()
                    .unwrap()
                    .join(shown)
                    .parent()
                    .unwrap()
                    .to_path_buf();
                let by_path = &by_path;
                f.path_mods.iter().filter_map(move |(name, file)| {
                    let mut to = m.clone();
                    to.push(name.clone());
                    Some((by_path.get(&dir.join(file))?.clone(), to))
                })
            })
            .collect();
        for (from, to) in moves {
            if let Some(v) = files.remove(&from) {
                files.insert(to, v);
            }
        }
        Crate { files }
    }

    fn is_module(&self, m: &[String]) -> bool {
        self.files.contains_key(m)
    }

    /// The module a path used in `at` (a file's module plus the inline
    /// modules around the use) ends in, re-exports followed.
    fn resolve(&self, file: &Module, at: &Module, path: &[String], hops: usize) -> Option<Module> {
        let mut base: Module = file.iter().chain(at).cloned().collect();
        let mut rest = path;
        match rest.first()?.as_str() {
            "crate" => {
                base.clear();
                rest = &rest[1..];
            }
            "self" => rest = &rest[1..],
            "super" => {
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop()?;
                    rest = &rest[1..];
                }
            }
            first => {
                // A child module declared here; anything else is another crate.
                let declared = at.is_empty() && self.files[file].1.children.contains(first);
                let mut child = base.clone();
                child.push(first.to_owned());
                if !declared || !self.is_module(&child) {
                    return None;
                }
            }
        }
        while let Some(seg) = rest.first() {
            let mut next = base.clone();
            next.push(seg.clone());
            if !self.is_module(&next) {
                break;
            }
            base = next;
            rest = &rest[1..];
        }
        // A name the module re-exports: where it comes from.
        if let (Some(name), Some((_, f))) = (rest.first(), self.files.get(&base)) {
            if let Some(target) = f.reexports.get(name) {
                if hops < 8 {
                    let origin = base.clone();
                    return self
                        .resolve(&origin, &Vec::new(), target, hops + 1)
                        .or(Some(base));
                }
            }
        }
        Some(base)
    }

    /// Module-level edges, each with one place that makes it.
    fn edges(&self) -> BTreeMap<(Module, Module), String> {
        let mut edges = BTreeMap::new();
        for (m, (shown, f)) in &self.files {
            for (at, path) in &f.refs {
                let Some(to) = self.resolve(m, at, path, 0) else {
                    continue;
                };
                if &to != m {
                    edges
                        .entry((m.clone(), to))
                        .or_insert_with(|| format!("{shown}: {}", path.join("::")));
                }
            }
        }
        edges
    }
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

/// The cycles of the graph: one per strongly connected component, as a
/// walk around it with the place that makes each step.
fn cycles(edges: &BTreeMap<(Module, Module), String>) -> Vec<String> {
    let mut next: BTreeMap<&Module, Vec<&Module>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        next.entry(a).or_default().push(b);
    }
    let reach = |from: &Module| -> BTreeSet<Module> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(m) = todo.pop() {
            for n in next.get(&m).into_iter().flatten() {
                if seen.insert((*n).clone()) {
                    todo.push((*n).clone());
                }
            }
        }
        seen
    };
    let mut done: BTreeSet<Module> = BTreeSet::new();
    let mut found = Vec::new();
    for start in next.keys() {
        if done.contains(*start) || !reach(start).contains(*start) {
            continue;
        }
        // The shortest way back to `start` (breadth first).
        let mut prev: BTreeMap<Module, Module> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([(*start).clone()]);
        'bfs: while let Some(m) = queue.pop_front() {
            for n in next.get(&m).into_iter().flatten() {
                if *n == *start {
                    prev.insert((*start).clone(), m.clone());
                    break 'bfs;
                }
                if !prev.contains_key(*n) {
                    prev.insert((*n).clone(), m.clone());
                    queue.push_back((*n).clone());
                }
            }
        }
        let mut walk = vec![(*start).clone()];
        let mut at = prev[*start].clone();
        while at != **start {
            walk.push(at.clone());
            at = prev[&at].clone();
        }
        walk.push((*start).clone());
        walk.reverse();
        let steps: Vec<String> = walk
            .windows(2)
            .map(|w| {
                format!(
                    "  {} -> {}  ({})",
                    name(&w[0]),
                    name(&w[1]),
                    edges[&(w[0].clone(), w[1].clone())]
                )
            })
            .collect();
        let component: Vec<Module> = reach(start)
            .into_iter()
            .filter(|m| reach(m).contains(*start))
            .collect();
        let members: Vec<String> = component.iter().map(name).collect();
        done.extend(component);
        found.push(format!(
            "{}\n  (all of: {})",
            steps.join("\n"),
            members.join(", ")
        ));
    }
    found
}

fn check(src: &Path) -> Result<usize, String> {
    let krate = Crate::load(src);
    let edges = krate.edges();
    let found = cycles(&edges);
    if found.is_empty() {
        Ok(edges.len())
    } else {
        Err(format!(
            "import cycles between modules:\n{}",
            found.join("\n\n")
        ))
    }
}

#[test]
fn no_import_cycle_between_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    match check(&src) {
        Ok(n) => assert!(n > 100, "only {n} edges found: is the parser reading src/?"),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_cycle_is_found() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let write = |p: &str, text: &str| {
        let p = src.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "lib.rs",
        "pub mod a;\npub mod b;\npub mod up;\npub use a::Thing;\n",
    );
    write(
        "a.rs",
        "use crate::b::helper; // crate::up::x in a comment\npub struct Thing;\n",
    );
    write("b.rs", "pub fn helper() { let _ = \"crate::a::Thing\"; }\n");
    write(
        "up/mod.rs",
        "mod child;\npub use child::Item;\npub fn f() {}\n",
    );
    write("up/child.rs", "pub struct Item;\nfn g() { super::f() }\n");
    assert!(check(&src).is_ok(), "{:?}", check(&src));
    // A child calling its parent while the parent calls it: a cycle.
    write(
        "up/mod.rs",
        "mod child;\npub use child::Item;\npub fn f() { child::g() }\n",
    );
    let e = check(&src).unwrap_err();
    assert!(e.contains("up -> up::child"), "{e}");
    write(
        "up/mod.rs",
        "mod child;\npub use child::Item;\npub fn f() {}\n",
    );
    // b uses a's Thing through the crate root's re-export: a <-> b.
    write(
        "b.rs",
        "pub fn helper() -> crate::Thing { crate::a::Thing }\n",
    );
    let e = check(&src).unwrap_err();
    assert!(e.contains("a -> b  (src/a.rs: crate::b::helper)"), "{e}");
    assert!(e.contains("b -> a  (src/b.rs: crate::Thing)"), "{e}");
}

/// The modules a binary (`bin`, a file under src/) reaches: the ones it
/// names and, through their imports, everything they use.
fn bin_closure(src: &Path, bin: &str) -> BTreeSet<Module> {
    let krate = Crate::load(src);
    let edges = krate.edges();
    let front = read_file(&std::fs::read_to_string(src.join(bin)).unwrap());
    let root: Module = Vec::new();
    let mut todo: Vec<Module> = front
        .refs
        .iter()
        .filter(|(_, p)| p.first().is_some_and(|s| s == "devtrace"))
        .filter_map(|(_, p)| {
            let mut as_crate = vec!["crate".to_owned()];
            as_crate.extend(p[1..].iter().cloned());
            krate.resolve(&root, &Vec::new(), &as_crate, 0)
        })
        .collect();
    let mut seen = BTreeSet::new();
    while let Some(m) = todo.pop() {
        if !seen.insert(m.clone()) {
            continue;
        }
        for (a, b) in edges.keys() {
            if *a == m {
                todo.push(b.clone());
            }
        }
    }
    seen
}

/// Every new shell starts the front, so what it links stays small: none of
/// the command line, the stores, the work-tree tracking, or the heavy
/// readers that later issues add (the benchmark also limits its size).
#[test]
fn the_front_reaches_no_heavy_module() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let names = reached_by(&src, "bin/devtrace.rs", "register");
    let heavy = ["cli", "cmd", "store", "worktree", "mcp", "ui", "export"];
    assert_reaches_none(&names, "bin/devtrace.rs", &heavy);
}

/// Ingest runs as long as any recorded shell, so its binary links only
/// the pipeline (hook to store): none of the commands and their readers,
/// the MCP server, the web timeline or the exporters.
#[test]
fn the_ingest_binary_reaches_no_command() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let names = reached_by(&src, "bin/devtrace-ingest.rs", "ingest");
    let heavy = ["cli", "cmd", "review", "output", "mcp", "ui", "export"];
    assert_reaches_none(&names, "bin/devtrace-ingest.rs", &heavy);
}

/// The names of the modules `bin` reaches; `sure` must be among them (else
/// its imports were not read).
fn reached_by(src: &Path, bin: &str, sure: &str) -> Vec<String> {
    let names: Vec<String> = bin_closure(src, bin).iter().map(name).collect();
    assert!(
        names.iter().any(|n| n == sure),
        "the imports of src/{bin} were not read: {names:?}"
    );
    names
}

fn assert_reaches_none(names: &[String], bin: &str, heavy: &[&str]) {
    let bad: Vec<&String> = names
        .iter()
        .filter(|n| {
            heavy
                .iter()
                .any(|h| *n == h || n.starts_with(&format!("{h}::")))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "src/{bin} reaches {bad:?} (all it reaches: {names:?})"
    );
}
