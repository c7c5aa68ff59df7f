//! Renders the hook scripts in shell/ (embedded at build time) for a shell.

use crate::cli::Shell;

const BASH: &str = include_str!("../shell/devtrace.bash");
const ZSH: &str = include_str!("../shell/devtrace.zsh");
const FISH: &str = include_str!("../shell/devtrace.fish");
const AGENTS_BASH: &str = include_str!("../shell/agents.bash");
const AGENTS_ZSH: &str = include_str!("../shell/agents.zsh");

/// The script that records agents' `-c` commands, for bash or zsh.
pub fn render_agents(shell: Shell, exe: &str) -> String {
    let script = match shell {
        Shell::Zsh => AGENTS_ZSH,
        _ => AGENTS_BASH,
    };
    script.replace("@DEVTRACE_BIN@", &posix_quote(exe))
}

/// The script for `shell`, pointing at the binary at `exe`.
pub fn render(shell: Shell, exe: &str) -> String {
    let (script, quoted) = match shell {
        Shell::Bash => (BASH, posix_quote(exe)),
        Shell::Zsh => (ZSH, posix_quote(exe)),
        Shell::Fish => (FISH, fish_quote(exe)),
    };
    script.replace("@DEVTRACE_BIN@", &quoted)
}

/// `'it'\''s'` for bash and zsh.
pub fn posix_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `'it\'s'` for fish.
pub fn fish_quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', r"\\").replace('\'', r"\'"))
}

/// The line `devtrace init` puts in a shell's rc file.
pub fn rc_line(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => {
            "command -v devtrace >/dev/null 2>&1 && eval \"$(devtrace hook bash)\" # added by devtrace init"
        }
        Shell::Zsh => {
            "command -v devtrace >/dev/null 2>&1 && eval \"$(devtrace hook zsh)\" # added by devtrace init"
        }
        Shell::Fish => {
            "command -q devtrace; and devtrace hook fish | source # added by devtrace init"
        }
    }
}

pub const RC_MARK: &str = "# added by devtrace init";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_with_a_quoted_binary_path() {
        let s = render(Shell::Bash, "/opt/it's here/devtrace");
        assert!(s.contains(r"__devtrace_bin='/opt/it'\''s here/devtrace'"));
        assert!(!s.contains("@DEVTRACE_BIN@"));
        let f = render(Shell::Fish, "/a'b");
        assert!(f.contains(r"set -g __devtrace_bin '/a\'b'"));
    }
}
