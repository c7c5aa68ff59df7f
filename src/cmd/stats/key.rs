//! What a command is counted under in `devtrace stats`: its program, and
//! the subcommand of tools like git and cargo.

/// Words that are not the program: `sudo`, `env`, `time`, `VAR=value`.
const WRAPPERS: &[&str] = &[
    "sudo", "env", "time", "nohup", "command", "exec", "nice", "doas",
];
/// Programs whose first word is a subcommand worth telling apart.
const WITH_SUBCOMMAND: &[&str] = &[
    "git",
    "cargo",
    "npm",
    "pnpm",
    "yarn",
    "bun",
    "deno",
    "docker",
    "podman",
    "kubectl",
    "helm",
    "go",
    "gh",
    "glab",
    "pip",
    "pip3",
    "uv",
    "poetry",
    "rustup",
    "terraform",
    "tofu",
    "systemctl",
    "apt",
    "apt-get",
    "brew",
    "dotnet",
    "mvn",
    "gradle",
    "make",
    "just",
    "aws",
    "gcloud",
    "az",
    "nix",
    "conda",
    "mix",
    "bundle",
    "rails",
    "composer",
    "devtrace",
    "npx",
];

/// The name a command is counted under: its program, with the subcommand
/// for tools like git and cargo (`git commit`, `cargo test`). A `;`, `&`
/// or `|` glued to a word ends the command there (`clear;` is `clear`).
pub fn command_key(text: &str) -> String {
    let mut words = text.split_whitespace().skip_while(|w| {
        WRAPPERS.contains(w) || (w.contains('=') && !w.starts_with('-') && !w.starts_with('='))
    });
    let Some(first) = words.next() else {
        return String::new();
    };
    let (first, ended) = unglue(first);
    let prog = first.rsplit('/').next().unwrap_or(first);
    if WITH_SUBCOMMAND.contains(&prog) && !ended {
        while let Some(w) = words.next() {
            if matches!(
                w,
                "-C" | "-c" | "-f" | "--file" | "--context" | "-n" | "--namespace"
            ) {
                words.next();
                continue;
            }
            let (w, ended) = unglue(w);
            if w.starts_with('-') || w.starts_with('+') {
                if ended {
                    break;
                }
                continue;
            }
            if !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':' || c == '_')
            {
                return format!("{prog} {w}");
            }
            break;
        }
    }
    prog.to_owned()
}

/// A word up to a command separator glued to it (`clear;`, `ls|wc`,
/// `make&&`), and whether there was one.
fn unglue(word: &str) -> (&str, bool) {
    match word.find([';', '&', '|']) {
        Some(i) => (&word[..i], true),
        None => (word, false),
    }
}

#[cfg(test)]
mod tests {
    use super::command_key;

    #[test]
    fn commands_are_counted_by_program_and_subcommand() {
        assert_eq!(command_key("git commit -m 'x'"), "git commit");
        assert_eq!(command_key("cargo +nightly test -p a"), "cargo test");
        assert_eq!(command_key("RUST_LOG=debug cargo run"), "cargo run");
        assert_eq!(command_key("sudo apt-get install zsh"), "apt-get install");
        assert_eq!(command_key("/usr/bin/ls -la"), "ls");
        assert_eq!(command_key("cd src"), "cd");
        assert_eq!(command_key("git -C repo status"), "git status");
        assert_eq!(command_key("kubectl -n prod get pods"), "kubectl get");
        assert_eq!(command_key("git log --oneline | head"), "git log");
        assert_eq!(command_key("   "), "");
        assert_eq!(command_key("clear; ls"), "clear");
        assert_eq!(command_key("clear;ls"), "clear");
        assert_eq!(command_key("make&& ./run"), "make");
        assert_eq!(command_key("ls|wc -l"), "ls");
        assert_eq!(command_key("git status; ls"), "git status");
        assert_eq!(command_key("git; ls"), "git");
        assert_eq!(command_key(";"), "");
    }
}
