//! `devtrace init`: create the store of this repository and add the hook
//! line to the shells' rc files (marked, idempotent, removable).

mod first_look;

use crate::cli::{InitArgs, Shell};
use crate::hook::rc_line;
use crate::output::tilde;
use crate::paths::rc_file;
use crate::rcfile;
use crate::store::{self, Store};
use anyhow::{Context, Result};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn run(a: InitArgs) -> Result<i32> {
    let shells: Vec<Shell> = if a.shell.is_empty() {
        Shell::ALL.to_vec()
    } else {
        a.shell.clone()
    };
    if a.agents {
        return super::init_agents::run(a.uninstall);
    }
    if a.uninstall {
        return uninstall(&shells);
    }
    let base = store_base(&a)?;
    let dir = base.join(store::DIR);
    let existed = dir.is_dir();
    create_store(&dir)?;
    let excluded = if a.global {
        None
    } else {
        exclude_from_git(&base)?
    };
    if !a.global && !existed {
        // The state every later change is measured from. Best effort: a
        // tree too large to scan is said so by the first command.
        first_look::scan(&dir);
    }
    println!(
        "{} {}",
        if existed { "recording into" } else { "created" },
        tilde(&dir.to_string_lossy())
    );
    if let Some(ex) = excluded {
        println!(
            "  .devtrace/ is listed in {}, so git never commits it",
            ex.display()
        );
    }
    if !a.no_rc {
        // Named shells get the line; otherwise only the shells the user has.
        let (had, skipped): (Vec<Shell>, Vec<Shell>) = if a.shell.is_empty() {
            shells.iter().partition(|&&sh| crate::paths::has_shell(sh))
        } else {
            (shells, Vec::new())
        };
        install(&had)?;
        let then = "`devtrace init --shell NAME` adds the line anyway";
        if let Some(line) = rcfile::skipped_line(&skipped, then) {
            println!("  {line}");
        }
        println!("Open a new terminal to start recording; check it with `devtrace doctor`.");
    }
    Ok(0)
}

/// `--uninstall`: the hook lines out of the rc files; the stores stay.
fn uninstall(shells: &[Shell]) -> Result<i32> {
    for &sh in shells {
        let path = rc_file(sh);
        let shown = tilde(&path.to_string_lossy());
        match rcfile::remove_line(&path, rc_line(sh))? {
            true if !path.exists() => {
                println!("removed {shown}: init had created it for the hook line alone");
            }
            true => println!("removed the hook line from {shown}"),
            false if !path.exists() => {}
            false => println!("{shown} has no hook line"),
        }
    }
    println!("Stores (.devtrace/) are kept; delete them yourself if you want the history gone.");
    Ok(0)
}

/// Where the store goes: HOME (`--global`), the directory given, else the
/// work tree of the repository here, else here.
fn store_base(a: &InitArgs) -> Result<PathBuf> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    Ok(match &a.dir {
        _ if a.global => crate::home_dir(),
        Some(d) => fs::canonicalize(d).map_err(|e| {
            crate::fail(
                format!("cannot use {}: {e}", d.display()),
                "give an existing directory",
            )
        })?,
        None => git2::Repository::discover(&cwd)
            .ok()
            .and_then(|r| r.workdir().map(Path::to_path_buf))
            .map(|p| fs::canonicalize(&p).unwrap_or(p))
            .unwrap_or(cwd),
    })
}

/// The store directory, its index, and its (private) events file.
fn create_store(dir: &Path) -> Result<()> {
    store::create_dir(dir)?;
    Store::open(dir)?;
    let jsonl = dir.join(store::JSONL);
    if !jsonl.exists() {
        fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&jsonl)
            .and_then(|f| {
                use std::os::unix::fs::PermissionsExt;
                f.set_permissions(fs::Permissions::from_mode(0o600))
            })
            .with_context(|| format!("could not create {}", jsonl.display()))?;
    }
    Ok(())
}

/// The hook line into each shell's rc file.
fn install(shells: &[Shell]) -> Result<()> {
    for &sh in shells {
        let path = rc_file(sh);
        let shown = tilde(&path.to_string_lossy());
        // A hook line in any form (written by hand, in another start-up
        // file) is enough: never a second one.
        if let Some(has) = rcfile::hook_installed(sh) {
            println!("  {} already has the hook", tilde(&has.to_string_lossy()));
        } else if rcfile::add_line(&path, rc_line(sh))? {
            println!("  added the hook to {shown}");
        } else {
            println!("  {shown} already has the hook");
        }
    }
    if !crate::paths::on_path("devtrace") {
        println!(
            "  note: `devtrace` is not on your PATH, so the hook line does nothing until it is"
        );
    }
    Ok(())
}

/// Adds `.devtrace/` to the repository's info/exclude (not .gitignore: that
/// would be a change to the repository). Returns the file, or None outside git.
fn exclude_from_git(base: &Path) -> Result<Option<PathBuf>> {
    let Ok(repo) = git2::Repository::open(base) else {
        return Ok(None);
    };
    let info = repo.commondir().join("info");
    fs::create_dir_all(&info).with_context(|| format!("could not create {}", info.display()))?;
    let exclude = info.join("exclude");
    let text = fs::read_to_string(&exclude).unwrap_or_default();
    let present = text.lines().any(|l| {
        matches!(
            l.trim(),
            ".devtrace/" | ".devtrace" | "/.devtrace/" | "/.devtrace"
        )
    });
    if !present {
        let mut f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&exclude)
            .with_context(|| format!("could not open {}", exclude.display()))?;
        if !text.is_empty() && !text.ends_with('\n') {
            f.write_all(b"\n")?;
        }
        f.write_all(b".devtrace/\n")?;
    }
    Ok(Some(exclude))
}
