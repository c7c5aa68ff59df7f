//! Every test file is compiled into the one integration binary: with
//! `autotests = false`, a `tests/*.rs` (or `tests/NAME/mod.rs`) that
//! tests/main.rs does not name would never run, and nothing would say so.

use std::collections::BTreeSet;
use std::path::Path;

/// The modules tests/main.rs declares (`mod NAME;`, `pub mod NAME;`).
fn declared(main: &str) -> BTreeSet<String> {
    main.lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l.strip_prefix("pub ").unwrap_or(l);
            let name = l.strip_prefix("mod ")?.strip_suffix(';')?.trim();
            Some(name.to_owned())
        })
        .collect()
}

/// The test modules on disk: `NAME.rs` beside main.rs, and `NAME/mod.rs`.
fn on_disk(dir: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir(dir)
        .expect("tests/ is readable")
        .flatten()
    {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if path.is_dir() {
            if path.join("mod.rs").is_file() {
                found.insert(name.to_owned());
            }
        } else if let Some(stem) = name.strip_suffix(".rs") {
            if stem != "main" {
                found.insert(stem.to_owned());
            }
        }
    }
    found
}

#[test]
fn every_test_file_is_compiled_into_the_test_binary() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let main = std::fs::read_to_string(dir.join("main.rs")).expect("tests/main.rs is readable");
    let declared = declared(&main);
    let missing: Vec<String> = on_disk(&dir)
        .into_iter()
        .filter(|m| !declared.contains(m))
        .collect();
    assert!(
        missing.is_empty(),
        "these files in tests/ never run: {}; add `mod NAME;` for each to tests/main.rs",
        missing
            .iter()
            .map(|m| {
                if dir.join(m).is_dir() {
                    format!("tests/{m}/mod.rs")
                } else {
                    format!("tests/{m}.rs")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
}
