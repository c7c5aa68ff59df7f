//! No debris: what `init`, `init --agents` and `agent install` create in the
//! user's places, their `--uninstall` takes away again; files of shells the
//! user does not have are never created.

use crate::support::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// A PATH with devtrace and stand-ins for `shells` only (no fish).
fn path_with(w: &World, shells: &[&str]) -> String {
    let bin = w.home.join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    for sh in shells {
        let p = bin.join(sh);
        std::fs::write(&p, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let dt = Path::new(BIN).parent().unwrap();
    format!("{}:{}", dt.display(), bin.display())
}

fn run(w: &World, path: &str, args: &[&str]) -> String {
    let out = w
        .cmd_in(BIN, &w.repo)
        .env("PATH", path)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn init_skips_shells_the_user_lacks_and_uninstall_removes_what_it_created() {
    let w = World::new();
    // bash: on PATH with an rc file; zsh: on PATH, no rc file; fish: neither.
    let bashrc = w.home.join(".bashrc");
    std::fs::write(&bashrc, "alias ll='ls -l'\n").unwrap();
    let zshrc = w.home.join(".zshrc");
    let fish = w.home.join(".config/fish/config.fish");
    let path = path_with(&w, &["bash", "zsh"]);
    let out = run(&w, &path, &["init"]);
    let skipped: Vec<&str> = out.lines().filter(|l| l.contains("skipped")).collect();
    assert_eq!(skipped.len(), 1, "{out}");
    assert!(skipped[0].contains("skipped fish: not on PATH"), "{out}");
    assert!(!fish.exists(), "{out}");
    assert!(std::fs::read_to_string(&zshrc)
        .unwrap()
        .contains("devtrace hook zsh"));
    assert!(std::fs::read_to_string(&bashrc)
        .unwrap()
        .contains("devtrace hook bash"));
    // Uninstall: the file init created goes; the user's own keeps its bytes.
    let out = run(&w, &path, &["init", "--uninstall"]);
    assert!(!zshrc.exists(), "{out}");
    assert_eq!(
        std::fs::read_to_string(&bashrc).unwrap(),
        "alias ll='ls -l'\n"
    );
    // A file the user had, even empty, stays.
    std::fs::write(&zshrc, "").unwrap();
    run(&w, &path, &["init"]);
    run(&w, &path, &["init", "--uninstall"]);
    assert_eq!(std::fs::read_to_string(&zshrc).unwrap(), "");
    std::fs::remove_file(&zshrc).unwrap();
    // --agents: the same rule, and ~/.zshenv goes on uninstall.
    let zshenv = w.home.join(".zshenv");
    let out = run(&w, &path, &["init", "--agents"]);
    assert!(out.contains("skipped fish"), "{out}");
    assert!(!fish.exists());
    assert!(std::fs::read_to_string(&zshenv)
        .unwrap()
        .contains("agents.zsh"));
    run(&w, &path, &["init", "--agents", "--uninstall"]);
    assert!(!zshenv.exists());
    assert!(!zshrc.exists());
    assert_eq!(
        std::fs::read_to_string(&bashrc).unwrap(),
        "alias ll='ls -l'\n"
    );
    // Named shells get the line whatever PATH says.
    run(&w, &path, &["init", "--shell", "fish"]);
    assert!(std::fs::read_to_string(&fish)
        .unwrap()
        .contains("devtrace hook fish"));
}

#[test]
fn agent_install_uninstall_removes_the_settings_it_created() {
    let w = World::initialised();
    let path = path_with(&w, &["bash"]);
    for (agent, dir) in [("claude-code", ".claude"), ("gemini-cli", ".gemini")] {
        let settings = w.repo.join(dir).join("settings.json");
        run(&w, &path, &["agent", "install", agent]);
        assert!(settings.exists());
        let out = run(&w, &path, &["agent", "install", agent, "--uninstall"]);
        assert!(!settings.exists(), "{out}");
        assert!(!w.repo.join(dir).exists(), "{out}");
    }
    // Settings the user had stay, even when left with nothing.
    let settings = w.repo.join(".claude/settings.json");
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    std::fs::write(&settings, "{}\n").unwrap();
    run(&w, &path, &["agent", "install", "claude-code"]);
    run(
        &w,
        &path,
        &["agent", "install", "claude-code", "--uninstall"],
    );
    let back: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&settings).unwrap()).unwrap();
    assert_eq!(back, serde_json::json!({}));
}
