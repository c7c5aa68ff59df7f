//! `devtrace init`: create the store of this repository and add the hook
//! line to the shells' rc files (marked, idempotent, removable).

use crate::cli::{InitArgs, Shell};
use crate::hook::{rc_line, RC_MARK};
use crate::store::{self, Store};
use anyhow::{Context, Result};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

const SHELLS: [Shell; 3] = [Shell::Bash, Shell::Zsh, Shell::Fish];

pub fn rc_file(shell: Shell) -> PathBuf {
    let home = crate::home_dir();
    match shell {
        Shell::Bash => home.join(".bashrc"),
        Shell::Zsh => std::env::var_os("ZDOTDIR")
            .filter(|z| !z.is_empty())
            .map(PathBuf::from)
            .unwrap_or(home)
            .join(".zshrc"),
        Shell::Fish => std::env::var_os("XDG_CONFIG_HOME")
            .filter(|x| !x.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".config"))
            .join("fish/config.fish"),
    }
}

/// Whether `shell`'s rc file holds our line.
pub fn rc_installed(shell: Shell) -> bool {
    fs::read_to_string(rc_file(shell))
        .map(|t| t.lines().any(|l| l.trim() == rc_line(shell)))
        .unwrap_or(false)
}

pub fn run(a: InitArgs) -> Result<i32> {
    let shells: Vec<Shell> = if a.shell.is_empty() {
        SHELLS.to_vec()
    } else {
        a.shell.clone()
    };
    if a.agents {
        return super::init_agents::run(a.uninstall);
    }
    if a.uninstall {
        for sh in shells {
            let path = rc_file(sh);
            match remove_line(&path, rc_line(sh))? {
                true => println!(
                    "removed the hook line from {}",
                    crate::output::tilde(&path.to_string_lossy())
                ),
                false => println!(
                    "{} has no hook line",
                    crate::output::tilde(&path.to_string_lossy())
                ),
            }
        }
        println!(
            "Stores (.devtrace/) are kept; delete them yourself if you want the history gone."
        );
        return Ok(0);
    }

    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let base = match &a.dir {
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
    };
    let dir = base.join(store::DIR);
    let existed = dir.is_dir();
    store::create_dir(&dir)?;
    Store::open(&dir)?;
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
    let excluded = if a.global {
        None
    } else {
        exclude_from_git(&base)?
    };
    if !a.global && !existed {
        // The state every later change is measured from. Best effort: a
        // tree too large to scan is said so by the first command.
        if let Ok(mut t) = crate::worktree::Tracker::open(&dir) {
            let _ = t.scan(true, None);
        }
    }
    println!(
        "{} {}",
        if existed { "recording into" } else { "created" },
        crate::output::tilde(&dir.to_string_lossy())
    );
    if let Some(ex) = excluded {
        println!(
            "  .devtrace/ is listed in {}, so git never commits it",
            ex.display()
        );
    }
    if !a.no_rc {
        for sh in shells {
            let path = rc_file(sh);
            let shown = crate::output::tilde(&path.to_string_lossy());
            if add_line(&path, rc_line(sh))? {
                println!("  added the hook to {shown}");
            } else {
                println!("  {shown} already has the hook");
            }
        }
        if !on_path() {
            println!(
                "  note: `devtrace` is not on your PATH, so the hook line does nothing until it is"
            );
        }
        println!("Open a new terminal to start recording; check it with `devtrace doctor`.");
    }
    Ok(0)
}

fn on_path() -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("devtrace").is_file()))
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

/// Appends `line` unless the file already has it. Returns whether it wrote.
pub(super) fn add_line(path: &Path, line: &str) -> Result<bool> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("could not read {}", path.display())),
    };
    if text.lines().any(|l| l.trim() == line) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("could not create {}", parent.display()))?;
    }
    let mut f = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("could not open {}", path.display()))?;
    if !text.is_empty() && !text.ends_with('\n') {
        f.write_all(b"\n")?;
    }
    f.write_all(line.as_bytes())?;
    f.write_all(b"\n")?;
    Ok(true)
}

/// Removes exactly the lines equal to `line`, keeping everything else
/// byte for byte. Returns whether it removed anything.
pub(super) fn remove_line(path: &Path, line: &str) -> Result<bool> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e).with_context(|| format!("could not read {}", path.display())),
    };
    let kept: Vec<&str> = text
        .split_inclusive('\n')
        .filter(|l| l.trim_end_matches('\n').trim() != line)
        .collect();
    let new = kept.concat();
    if new.len() == text.len() {
        return Ok(false);
    }
    debug_assert!(line.contains(RC_MARK));
    // Follow a symlinked rc file (dotfile managers) instead of replacing the link.
    let target = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let tmp = target.with_extension("devtrace-tmp");
    fs::write(&tmp, new).with_context(|| format!("could not write {}", tmp.display()))?;
    if let Ok(meta) = fs::metadata(&target) {
        let _ = fs::set_permissions(&tmp, meta.permissions());
    }
    fs::rename(&tmp, &target).with_context(|| format!("could not update {}", path.display()))?;
    Ok(true)
}
