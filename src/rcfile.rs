//! Editing the user's own files: the marked lines DevTrace adds to rc files
//! (`init`, `init --agents`) and looks for (`doctor`), and replacing such a
//! file (or an agent's settings) atomically while keeping its mode. Every
//! line DevTrace adds ends with a mark (`# added by devtrace init…`), so it
//! is found, and removed, exactly; everything else stays byte for byte.

use crate::hook::RC_MARK;
use crate::shell_kind::Shell;
use anyhow::{Context, Result};
use regex::Regex;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Whether the file at `path` holds `line` (surrounding blanks aside).
pub fn has_line(path: &Path, line: &str) -> bool {
    fs::read_to_string(path)
        .map(|t| t.lines().any(|l| l.trim() == line))
        .unwrap_or(false)
}

/// Whether `shell` loads the hook at start: the first of its start-up
/// files with a line that evaluates `devtrace hook SHELL`, in any form.
pub fn hook_installed(shell: Shell) -> Option<PathBuf> {
    startup_files(shell)
        .into_iter()
        .find(|f| fs::read_to_string(f).is_ok_and(|t| t.lines().any(|l| evaluates_hook(l, shell))))
}

/// The files an interactive (or login) `shell` reads as it starts.
fn startup_files(shell: Shell) -> Vec<PathBuf> {
    let rc = crate::paths::rc_file(shell);
    let dir = rc.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut files = vec![rc];
    match shell {
        Shell::Bash => {
            let home = crate::home_dir();
            for f in [".bash_profile", ".bash_login", ".profile"] {
                files.push(home.join(f));
            }
        }
        Shell::Zsh => {
            for f in [".zshenv", ".zprofile", ".zlogin"] {
                files.push(dir.join(f));
            }
        }
        Shell::Fish => {
            let mut conf: Vec<PathBuf> = fs::read_dir(dir.join("conf.d"))
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "fish"))
                .collect();
            conf.sort();
            files.extend(conf);
        }
    }
    files
}

/// Whether an rc file's `line` evaluates `devtrace hook SHELL`: the marked
/// line `init` adds, or one written by hand (`eval "$(devtrace hook bash)"`,
/// a full path, `command devtrace`, `devtrace hook fish | source`,
/// `source (devtrace hook fish | psub)`, `. <(devtrace hook bash)`, with
/// `|| true`, extra spaces, indented in an `if` block). Comments do not count.
pub fn evaluates_hook(line: &str, shell: Shell) -> bool {
    static CALL: OnceLock<Regex> = OnceLock::new();
    static EVAL: OnceLock<Regex> = OnceLock::new();
    let code = line.trim_start();
    // What follows an unquoted-looking ` #` is a comment (the mark itself).
    let code = match code.find(" #").or_else(|| code.find("\t#")) {
        _ if code.starts_with('#') => return false,
        Some(i) => &code[..i],
        None => code,
    };
    let call = CALL.get_or_init(|| {
        Regex::new(
            r#"(?:^|[\s"'`(;&|])(?:[^\s"'`;&|()]*/)?devtrace["']?\s+hook\s+["']?(bash|zsh|fish)\b"#,
        )
        .expect("valid regex")
    });
    let eval = EVAL.get_or_init(|| {
        Regex::new(r"(?:^|[\s;&|({])(?:eval|source|\.)(?:\s|$)").expect("valid regex")
    });
    call.captures_iter(code).any(|c| &c[1] == shell.name()) && eval.is_match(code)
}

/// One line naming the shells `init` leaves out (those the user lacks),
/// and why; `then` says what to do to have them.
pub fn skipped_line(skipped: &[Shell], then: &str) -> Option<String> {
    match skipped {
        [] => None,
        [sh] => Some(format!(
            "skipped {}: not on PATH and no {} ({then})",
            sh.name(),
            crate::paths::tilde(&crate::paths::rc_file(*sh).to_string_lossy())
        )),
        _ => Some(format!(
            "skipped {}: not on PATH and no rc file ({then})",
            skipped
                .iter()
                .map(|s| s.name())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Appends `line` unless the file already has it. Returns whether it wrote.
/// A file it creates is noted (see `note_created`), so that removing the
/// last of DevTrace's lines removes the file too.
pub fn add_line(path: &Path, line: &str) -> Result<bool> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            note_created(path)?;
            String::new()
        }
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
/// byte for byte. Returns whether it removed anything. A file DevTrace
/// created that is left with nothing but blanks is removed.
pub fn remove_line(path: &Path, line: &str) -> Result<bool> {
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
    if new.trim().is_empty() && remove_created(path)? {
        return Ok(true);
    }
    // Follow a symlinked rc file (dotfile managers) instead of replacing the link.
    let target = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    replace(&target, new.as_bytes())
        .with_context(|| format!("could not update {}", path.display()))?;
    Ok(true)
}

/// Replaces the file at `path` with `bytes` at once (a temporary file in
/// the same directory, renamed over it): a reader sees the old file or the
/// new one, never half of one. An existing file keeps its mode; a new one
/// is private (0600).
pub fn replace(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("could not write in {}", dir.display()))?;
    tmp.write_all(bytes)
        .with_context(|| format!("could not write {}", tmp.path().display()))?;
    if let Ok(meta) = fs::metadata(path) {
        let _ = fs::set_permissions(tmp.path(), meta.permissions());
    }
    tmp.persist(path)
        .with_context(|| format!("could not replace {}", path.display()))?;
    Ok(())
}

/// The list of the files (and directories) DevTrace created in the user's
/// places, one absolute path a line: an uninstall removes only those.
fn created_list() -> std::path::PathBuf {
    crate::paths::devtrace_config_dir().join("created")
}

fn created_paths() -> Vec<String> {
    fs::read_to_string(created_list())
        .map(|t| t.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Notes that DevTrace is about to create `path` (a file or a directory).
pub fn note_created(path: &Path) -> Result<()> {
    let mut all = created_paths();
    let p = path.to_string_lossy().into_owned();
    if all.contains(&p) {
        return Ok(());
    }
    all.push(p);
    write_created(&all)
}

fn write_created(all: &[String]) -> Result<()> {
    let list = created_list();
    if all.is_empty() {
        let _ = fs::remove_file(&list);
        return Ok(());
    }
    if let Some(dir) = list.parent() {
        fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    }
    let mut text = all.join("\n");
    text.push('\n');
    replace(&list, text.as_bytes())
}

/// Removes `path` (a file, or an empty directory) if DevTrace created it;
/// returns whether it did. A path not noted as created is left alone.
pub fn remove_created(path: &Path) -> Result<bool> {
    let mut all = created_paths();
    let p = path.to_string_lossy();
    let Some(i) = all.iter().position(|c| *c == p) else {
        return Ok(false);
    };
    let gone = if path.is_dir() {
        fs::remove_dir(path).is_ok()
    } else {
        match fs::remove_file(path) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => {
                return Err(e).with_context(|| format!("could not remove {}", path.display()))
            }
        }
    };
    if gone || !path.exists() {
        all.remove(i);
        write_created(&all)?;
    }
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hook::rc_line;

    #[test]
    fn hand_written_hook_lines_count_and_others_do_not() {
        let yes = [
            (Shell::Bash, rc_line(Shell::Bash)),
            (Shell::Zsh, rc_line(Shell::Zsh)),
            (Shell::Fish, rc_line(Shell::Fish)),
            (Shell::Bash, r#"eval "$(devtrace hook bash)""#),
            (Shell::Zsh, r#"eval "$(/usr/local/bin/devtrace hook zsh)""#),
            (Shell::Fish, "devtrace hook fish | source"),
            (Shell::Fish, "source (devtrace hook fish | psub)"),
            (
                Shell::Bash,
                r#"  eval "$(command devtrace  hook   bash)" || true"#,
            ),
            (Shell::Bash, "source <(devtrace hook bash)"),
            (Shell::Bash, ". <(~/bin/devtrace hook bash)"),
            (
                Shell::Zsh,
                "\tif true; then eval \"$(devtrace hook zsh)\"; fi",
            ),
        ];
        for (sh, l) in yes {
            assert!(evaluates_hook(l, sh), "{sh:?}: {l}");
        }
        let no = [
            (Shell::Bash, r#"# eval "$(devtrace hook bash)""#),
            (Shell::Zsh, r#"eval "$(devtrace hook bash)""#),
            (Shell::Bash, "devtrace hook bash > /tmp/hook.sh"),
            (Shell::Bash, r#"eval "$(notdevtrace hook bash)""#),
            (Shell::Bash, r#"eval "$(devtrace hook bashful)""#),
            (Shell::Bash, r#"echo hi # eval "$(devtrace hook bash)""#),
        ];
        for (sh, l) in no {
            assert!(!evaluates_hook(l, sh), "{sh:?}: {l}");
        }
    }
}
