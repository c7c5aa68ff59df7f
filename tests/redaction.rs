//! The passwords of everyday command lines (`sshpass -p`, `gpg --passphrase`,
//! `docker login -p`, `mysql -pX`, ...) typed in a real bash, and an agent's
//! tool inputs, reach no stored event and no file of the store; command lines
//! whose `-p` is a port or a flag are stored as typed.

use crate::support::*;
use serde_json::Value;

/// Secrets, each typed once, none of which may be stored.
const SECRETS: &[&str] = &[
    "Sshpass-S3cret-1",
    "Gpg-S3cret-2",
    "Gpg-S3cret-3",
    "Docker-S3cret-4",
    "Mysql-S3cret-5",
    "Curl-S3cret-6",
    "Env-S3cret-7",
    "Podman-S3cret-8",
    "Tool-S3cret-9",
    "Mcp-S3cret-10",
];

/// (typed, as stored).
fn secret_lines() -> Vec<(String, String)> {
    let s = SECRETS;
    [
        (
            format!("sshpass -p {} ssh -p 2222 host", s[0]),
            "sshpass -p [REDACTED:sshpass] ssh -p 2222 host",
        ),
        (
            format!("gpg --batch --passphrase {} -c notes.txt", s[1]),
            "gpg --batch --passphrase [REDACTED:password-flag] -c notes.txt",
        ),
        (
            format!("gpg --passphrase={} -d notes.gpg", s[2]),
            "gpg --passphrase=[REDACTED:password-flag] -d notes.gpg",
        ),
        (
            format!("docker login -u me -p {} registry.example", s[3]),
            "docker login -u me -p [REDACTED:login-password] registry.example",
        ),
        (
            format!("mysql -u root -p{} app", s[4]),
            "mysql -u root -p[REDACTED:mysql-password] app",
        ),
        (
            format!("curl -u admin:{} https://example.invalid", s[5]),
            "curl -u admin:[REDACTED:curl-user] https://example.invalid",
        ),
        (
            format!("export DEPLOY_TOKEN={}", s[6]),
            "export DEPLOY_TOKEN=[REDACTED:secret-variable]",
        ),
        (
            format!("podman login --password {} quay.example", s[7]),
            "podman login --password [REDACTED:password-flag] quay.example",
        ),
    ]
    .into_iter()
    .map(|(typed, stored)| (typed, stored.to_owned()))
    .collect()
}

/// Lines with a `-p` or a word that is no secret: stored as typed.
const ORDINARY: &[&str] = &[
    "ssh -p 2222 host",
    "docker run -p 8080:80 img",
    "tar -xpf a.tar",
    "grep -p x file",
    "git log -p",
    "mysql -p",
    "scp -P 22 a host:",
    "cp -p a b",
    "mkdir -p dir",
    "gpg --passphrase-fd 0 -d notes.gpg",
    "docker login -u me --password-stdin registry.example",
    "git show 3f786850e387550fdab836ed7e6dc881de23001b",
];

/// Every file under `.devtrace/`.
fn store_bytes(w: &World) -> Vec<u8> {
    files_under(&[w.repo.join(".devtrace")])
        .iter()
        .flat_map(|f| std::fs::read(f).unwrap_or_default())
        .collect()
}

/// An agent's Bash call and an MCP tool's structured input, through the hook.
fn agent_tool_calls(w: &World) {
    let repo = w.repo.to_string_lossy().into_owned();
    let calls = [
        (
            "Bash",
            serde_json::json!({"command": format!("sshpass -p {} ssh host", SECRETS[8])}),
        ),
        (
            "mcp__db__query",
            serde_json::json!({"sql": "select 1", "password": SECRETS[9]}),
        ),
    ];
    for (i, (tool, input)) in calls.into_iter().enumerate() {
        // Each call starts and ends (a call is stored once it ends).
        for event in ["PreToolUse", "PostToolUse"] {
            let payload = serde_json::json!({
                "session_id": "5e5e0000-0000-4000-8000-000000000001",
                "cwd": repo, "hook_event_name": event,
                "tool_name": tool, "tool_use_id": format!("toolu_{i}"), "tool_input": input,
                "tool_response": {"success": true},
            });
            let out = output_with_stdin(
                w.cmd_in(BIN, &w.repo)
                    .args(["agent", "hook", "claude-code"]),
                payload.to_string().as_bytes(),
            );
            assert!(out.status.success(), "{out:?}");
        }
    }
}

#[test]
fn command_line_passwords_reach_no_stored_event() {
    require("bash");
    let w = World::initialised();
    let mut sh = Pty::spawn(&w, "bash", &w.repo);
    // The programs are stubs: the lines are typed as a user types them, and
    // nothing logs in anywhere.
    let stubs = "sshpass() { :; }; gpg() { :; }; docker() { :; }; mysql() { :; }; curl() { :; }; podman() { :; }; ssh() { :; }; scp() { :; }";
    sh.run(stubs);
    let lines = secret_lines();
    for (typed, _) in &lines {
        sh.run(typed);
    }
    for line in ORDINARY {
        sh.run(line);
    }
    sh.exit();
    let evs = w.ended_session(&w.repo);
    let mut want = vec![stubs.to_owned()];
    want.extend(lines.iter().map(|(_, stored)| stored.clone()));
    want.extend(ORDINARY.iter().map(|l| (*l).to_owned()));
    want.push("exit".into());
    assert_eq!(texts(&evs), want);

    agent_tool_calls(&w);
    let calls = w.wait_events(&w.repo, &["--type", "tool_call"], 2);
    let inputs: Vec<&Value> = calls.iter().map(|e| &e["data"]["input"]).collect();
    assert!(
        inputs.contains(&&serde_json::json!({"command": "sshpass -p [REDACTED:sshpass] ssh host"})),
        "{inputs:#?}"
    );
    assert!(
        inputs.contains(
            &&serde_json::json!({"sql": "select 1", "password": "[REDACTED:secret-field]"})
        ),
        "{inputs:#?}"
    );

    // No event `log` prints, and no file of the store, holds a secret.
    let all = w.devtrace(&["log", "--json", "-n", "100000"], &w.repo);
    assert!(all.status.success());
    let store = store_bytes(&w);
    for s in SECRETS {
        assert!(!holds(&all.stdout, s), "{s} in `devtrace log --json`");
        assert!(!holds(&store, s), "{s} in a file under .devtrace/");
    }
}
