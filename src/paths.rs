//! Where the user's files are: HOME and the XDG base directories, resolved
//! by one rule for every caller. An XDG variable counts only when it is set
//! to an absolute path (the XDG spec: relative paths are invalid and must be
//! ignored); otherwise its default under HOME is used.

use crate::shell_kind::Shell;
use std::path::PathBuf;

/// `$HOME`, else the home directory in the user database, else `/`.
pub fn home_dir() -> PathBuf {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            nix::unistd::User::from_uid(nix::unistd::getuid())
                .ok()
                .flatten()
                .map(|u| u.dir)
        })
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// An environment variable naming a directory, if it names an absolute one.
fn absolute_var(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
}

/// `$XDG_CONFIG_HOME`, else `~/.config`.
pub fn config_home() -> PathBuf {
    absolute_var("XDG_CONFIG_HOME").unwrap_or_else(|| home_dir().join(".config"))
}

/// `$XDG_RUNTIME_DIR`, if set to an absolute path.
pub fn runtime_home() -> Option<PathBuf> {
    absolute_var("XDG_RUNTIME_DIR")
}

/// DevTrace's own configuration directory: `$XDG_CONFIG_HOME/devtrace`.
pub fn devtrace_config_dir() -> PathBuf {
    config_home().join("devtrace")
}

/// zsh's start-up directory: `$ZDOTDIR`, else HOME.
fn zdotdir() -> PathBuf {
    std::env::var_os("ZDOTDIR")
        .filter(|z| !z.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(home_dir)
}

/// The rc file an interactive `shell` reads at start.
pub fn rc_file(shell: Shell) -> PathBuf {
    match shell {
        Shell::Bash => home_dir().join(".bashrc"),
        Shell::Zsh => zdotdir().join(".zshrc"),
        Shell::Fish => config_home().join("fish/config.fish"),
    }
}

/// The file every zsh reads, interactive or not.
pub fn zshenv() -> PathBuf {
    zdotdir().join(".zshenv")
}

/// Whether `program` is an executable file in a directory of `$PATH`.
pub fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH").is_some_and(|p| {
        std::env::split_paths(&p).any(|d| {
            std::fs::metadata(d.join(program))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// Whether the user has `shell`: its program is on `$PATH`, or its rc file
/// exists. DevTrace writes no rc file for a shell the user does not have.
pub fn has_shell(shell: Shell) -> bool {
    on_path(shell.name()) || rc_file(shell).exists()
}

/// `~/x` for paths under the home directory.
pub fn tilde(path: &str) -> String {
    let home = home_dir();
    let home = home.to_string_lossy();
    if home.len() > 1 {
        if path == home {
            return "~".into();
        }
        if let Some(rest) = path.strip_prefix(&*home) {
            if rest.starts_with('/') {
                return format!("~{rest}");
            }
        }
    }
    path.to_owned()
}
