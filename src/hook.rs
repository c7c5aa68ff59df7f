//! Renders the hook scripts in shell/ (embedded at build time) for a shell.

use crate::shell_kind::Shell;

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

/// A session registered for the shell that runs `devtrace hook`, handed to
/// the script so that the shell need not start `devtrace session-start`.
pub struct Ready<'a> {
    pub session: &'a str,
    pub runtime_dir: &'a str,
    pub ingest_pid: i32,
    /// The shell's pid: the script takes the session only if it is `$$`.
    pub shell_pid: i32,
}

/// The script for `shell`, pointing at the binary at `exe`, with the
/// session already registered for it, if any.
pub fn render(shell: Shell, exe: &str, ready: Option<&Ready>) -> String {
    let quote = match shell {
        Shell::Fish => fish_quote,
        _ => posix_quote,
    };
    let script = match shell {
        Shell::Bash => BASH,
        Shell::Zsh => ZSH,
        Shell::Fish => FISH,
    };
    let args = ready.map_or_else(String::new, |r| {
        format!(
            "{} {} {} {}",
            quote(r.session),
            quote(r.runtime_dir),
            r.ingest_pid,
            r.shell_pid
        )
    });
    without_comments(script)
        .replace("@DEVTRACE_BIN@", &quote(exe))
        .replace("@DEVTRACE_SESSION@", &args)
}

/// The script as a shell reads it: its first two lines (what it is, how to
/// load it), then code only. Lines that are only a comment, and blank
/// lines, go: every shell start parses the script, and bash's parse took
/// 0.65 ms against 0.83 with them (the bench's `startup` section).
/// shellcheck's directives stay. The scripts have no string that spans
/// lines, so no such line is in one.
fn without_comments(script: &str) -> String {
    let mut out = String::with_capacity(script.len());
    for (i, line) in script.lines().enumerate() {
        let code = line.trim_start();
        let comment = code.starts_with('#') && !code.starts_with("# shellcheck ");
        if i < 2 || !(comment || code.is_empty()) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
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
    fn printed_scripts_keep_every_line_of_code_and_no_comment_line() {
        for (shell, source) in [(Shell::Bash, BASH), (Shell::Zsh, ZSH), (Shell::Fish, FISH)] {
            let printed = render(shell, "devtrace", None);
            let code: Vec<String> = source
                .lines()
                .filter(|l| {
                    let t = l.trim_start();
                    !t.is_empty() && (!t.starts_with('#') || t.starts_with("# shellcheck "))
                })
                .map(|l| {
                    l.replace("@DEVTRACE_BIN@", "'devtrace'")
                        .replace("@DEVTRACE_SESSION@", "")
                })
                .collect();
            let lines: Vec<&str> = printed.lines().collect();
            let title: Vec<&str> = source.lines().take(2).collect();
            assert_eq!(lines[..2], title[..], "{}", shell.name());
            assert_eq!(lines[2..], code[..], "{}", shell.name());
        }
    }

    #[test]
    fn renders_with_a_quoted_binary_path() {
        let s = render(Shell::Bash, "/opt/it's here/devtrace", None);
        assert!(s.contains(r"__devtrace_bin='/opt/it'\''s here/devtrace'"));
        assert!(!s.contains("@DEVTRACE_"));
        let f = render(Shell::Fish, "/a'b", None);
        assert!(f.contains(r"set -g __devtrace_bin '/a\'b'"));
    }

    #[test]
    fn hands_a_registered_session_to_each_script() {
        let r = Ready {
            session: "s1",
            runtime_dir: "/run/it's",
            ingest_pid: 7,
            shell_pid: 42,
        };
        let b = render(Shell::Bash, "/d", Some(&r));
        assert!(
            b.contains(r"__devtrace_init 's1' '/run/it'\''s' 7 42"),
            "{b}"
        );
        let z = render(Shell::Zsh, "/d", Some(&r));
        assert!(z.contains(r"__devtrace_init 's1' '/run/it'\''s' 7 42"));
        let f = render(Shell::Fish, "/d", Some(&r));
        assert!(f.contains(r"'s1' '/run/it\'s' 7 42"));
        for s in [b, z, f] {
            assert!(!s.contains("@DEVTRACE_"));
        }
    }
}
