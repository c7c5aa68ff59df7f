//! Redaction: secrets in what is recorded (command text, tool inputs,
//! prompts, notes) are replaced with `[REDACTED:rule]` before anything
//! reaches disk, keeping the rest readable. Every event passes through
//! [`event`] on its way to a store.

use crate::config::Pattern;
use crate::event::{Data, Event, Kind, Text};
use regex::{Captures, Regex};
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;
use std::sync::OnceLock;

/// A rule: its name, and a pattern whose group `s` is the secret (the whole
/// match when there is no such group).
const RULES: &[(&str, &str)] = &[
    (
        "private-key",
        r"(?s)(?P<s>-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\z))",
    ),
    ("aws-access-key", r"\b(?P<s>(?:AKIA|ASIA)[0-9A-Z]{16})\b"),
    (
        "github-token",
        r"\b(?P<s>gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b",
    ),
    ("gitlab-token", r"\b(?P<s>glpat-[A-Za-z0-9_\-]{20,})"),
    ("slack-token", r"\b(?P<s>xox[abposr]-[A-Za-z0-9-]{10,})"),
    (
        "stripe-key",
        r"\b(?P<s>(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,})\b",
    ),
    ("npm-token", r"\b(?P<s>npm_[A-Za-z0-9]{36})\b"),
    (
        "jwt",
        r"\b(?P<s>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})",
    ),
    (
        "authorization",
        r"(?i)\bauthorization\s*:\s*(?:(?:bearer|basic|token)\s+)?(?P<s>[^\s'\x22]+)",
    ),
    ("bearer", r"(?i)\bbearer\s+(?P<s>[A-Za-z0-9._~+/=-]{8,})"),
    (
        "url-password",
        r"(?i)\b[a-z][a-z0-9+.-]*://[^/\s:@\[\]]+:(?P<s>[^@\s/\[\]]+)@",
    ),
    (
        "password-flag",
        r"(?i)(?:^|\s)--(?:password|passwd|token|api-key|apikey|secret|client-secret)(?:=|\s+)(?P<s>[^\s'\x22]+|'[^']*'|\x22[^\x22]*\x22)",
    ),
    (
        "mysql-password",
        r"\b(?:mysql|mysqldump|mysqladmin|mariadb)\b[^|;&\n]*?\s-p(?P<s>[^\s'\x22]+)",
    ),
    (
        "secret-variable",
        r"\b[A-Za-z0-9_]*(?i:token|secret|password|passwd|api_key|_key)=(?P<s>'[^']*'|\x22[^\x22]*\x22|[^\s'\x22;&|]+)",
    ),
];

fn rules() -> &'static Vec<(&'static str, Regex)> {
    static R: OnceLock<Vec<(&'static str, Regex)>> = OnceLock::new();
    R.get_or_init(|| {
        RULES
            .iter()
            .map(|(name, re)| (*name, Regex::new(re).expect("the built-in rules compile")))
            .collect()
    })
}

/// `text` with every secret replaced (built-in rules only).
pub fn text(text: &str) -> Cow<'_, str> {
    text_with(text, &[])
}

/// `text` with every secret of the built-in rules and of `extra` (the
/// user's patterns, shown as `[REDACTED:custom]`) replaced.
pub fn text_with<'a>(text: &'a str, extra: &[Pattern]) -> Cow<'a, str> {
    let mut out = Cow::Borrowed(text);
    let builtin = rules().iter().map(|(name, re)| (*name, re));
    for (name, re) in builtin.chain(extra.iter().map(|p| ("custom", &p.re))) {
        if !re.is_match(&out) {
            continue;
        }
        let replaced = re
            .replace_all(&out, |c: &Captures| {
                let whole = c.get(0).map_or("", |m| m.as_str());
                match c.name("s") {
                    Some(s) => {
                        let m = c.get(0).expect("a match");
                        let (a, b) = (s.start() - m.start(), s.end() - m.start());
                        if s.as_str().contains("[REDACTED:") {
                            return whole.to_owned();
                        }
                        format!("{}[REDACTED:{name}]{}", &whole[..a], &whole[b..])
                    }
                    None if whole.contains("[REDACTED:") => whole.to_owned(),
                    None => format!("[REDACTED:{name}]"),
                }
            })
            .into_owned();
        out = Cow::Owned(replaced);
    }
    out
}

/// Every string in `v`, redacted (object keys are kept).
pub fn value(v: &mut Value) {
    value_with(v, &[])
}

fn value_with(v: &mut Value, extra: &[Pattern]) {
    match v {
        Value::String(s) => {
            if let Cow::Owned(r) = text_with(s, extra) {
                *s = r;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|v| value_with(v, extra)),
        Value::Object(m) => m.values_mut().for_each(|v| value_with(v, extra)),
        _ => {}
    }
}

/// Every string of an event's `data` (its free-form parts too), redacted
/// with the built-in rules.
pub fn data(d: &mut Data) {
    let Ok(mut v) = serde_json::to_value(&*d) else {
        return;
    };
    value(&mut v);
    *d = Data::from_value(d.type_name(), v);
}

/// Redacts an event's recorded text in place (built-in rules only).
pub fn event(ev: &mut Event) {
    event_with(ev, &[])
}

/// Redacts an event's recorded text in place, with the user's patterns too.
pub fn event_with(ev: &mut Event, extra: &[Pattern]) {
    let string = |s: &mut String| {
        if let Cow::Owned(r) = text_with(s, extra) {
            *s = r;
        }
    };
    match &mut ev.data {
        Data::RunCommand(c) => command(&mut c.command, extra),
        Data::ToolCall(t) => {
            value_with(&mut t.input, extra);
            if let Some(i) = &mut t.intent {
                string(i);
            }
        }
        Data::McpCall(m) => {
            value_with(&mut m.arguments, extra);
            value_with(&mut m.result, extra);
        }
        Data::Prompt(p) => string(&mut p.text),
        Data::Note(n) => string(&mut n.text),
        Data::GitSnapshot(g) => string(&mut g.label),
        Data::Other { kind, data } => other(kind, data, extra),
        Data::SessionStart(_) | Data::EditFiles(_) | Data::SessionEnd(_) => {}
    }
}

/// A command line; the exact bytes held the secret too: keep the redacted
/// text.
fn command(c: &mut Text, extra: &[Pattern]) {
    c.map_text(|t| match text_with(t, extra) {
        Cow::Owned(r) => Some(r),
        Cow::Borrowed(_) => None,
    })
}

/// A `data` that did not read as its type's: the same fields, by name.
fn other(kind: &str, data: &mut Value, extra: &[Pattern]) {
    let keys: &[&str] = match Kind::parse(kind) {
        Some(Kind::RunCommand) => {
            if let Some(c) = data.get_mut("command") {
                if let Ok(mut t) = Text::deserialize(&*c) {
                    command(&mut t, extra);
                    *c = serde_json::to_value(t).unwrap_or_default();
                }
            }
            return;
        }
        Some(Kind::ToolCall | Kind::McpCall) => &["input", "arguments", "intent", "result"],
        Some(Kind::Prompt | Kind::Note) => &["text"],
        Some(Kind::GitSnapshot) => &["label"],
        _ => &[],
    };
    for k in keys {
        if let Some(v) = data.get_mut(*k) {
            value_with(v, extra);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_finds_its_secret_and_keeps_the_rest() {
        let cases = [
            (
                "aws s3 ls --profile x AKIAIOSFODNN7EXAMPLE",
                "aws s3 ls --profile x [REDACTED:aws-access-key]",
            ),
            (
                "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "export AWS_SECRET_ACCESS_KEY=[REDACTED:secret-variable]",
            ),
            (
                "git clone https://ghp_0123456789abcdefghijABCDEFGHIJ012345@github.com/o/r",
                "git clone https://[REDACTED:github-token]@github.com/o/r",
            ),
            (
                "echo github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
                "echo [REDACTED:github-token]",
            ),
            (
                "curl -H 'PRIVATE-TOKEN: glpat-abcdefghij0123456789' api",
                "curl -H 'PRIVATE-TOKEN: [REDACTED:gitlab-token]' api",
            ),
            (
                "SLACK=xoxb-123456789012-abcdefghijkl ./post",
                "SLACK=[REDACTED:slack-token] ./post",
            ),
            (
                "stripe charges list --api-key sk_live_4eC39HqLyjWDarjtT1zdp7dc",
                "stripe charges list --api-key [REDACTED:stripe-key]",
            ),
            (
                "npm config set //registry/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789",
                "npm config set //registry/:_authToken=[REDACTED:npm-token]",
            ),
            (
                "http :8080 'Authorization: Bearer abc.def.ghi123'",
                "http :8080 'Authorization: Bearer [REDACTED:authorization]'",
            ),
            (
                "curl -H \"authorization: token 0123456789abcdef\" x",
                "curl -H \"authorization: token [REDACTED:authorization]\" x",
            ),
            (
                "psql postgres://admin:hunter22@db:5432/app",
                "psql postgres://admin:[REDACTED:url-password]@db:5432/app",
            ),
            (
                "deploy --password=s3cr3t --env prod",
                "deploy --password=[REDACTED:password-flag] --env prod",
            ),
            (
                "login --token abc123def",
                "login --token [REDACTED:password-flag]",
            ),
            (
                "mysql -u root -phunter2 app",
                "mysql -u root -p[REDACTED:mysql-password] app",
            ),
            (
                "GITHUB_TOKEN=abc123 make release",
                "GITHUB_TOKEN=[REDACTED:secret-variable] make release",
            ),
            (
                "DB_PASSWORD='p a s s' ./run",
                "DB_PASSWORD=[REDACTED:secret-variable] ./run",
            ),
            (
                "export STRIPE_SECRET=\"x y\"",
                "export STRIPE_SECRET=[REDACTED:secret-variable]",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(text(input), want, "{input}");
        }
        let jwt = "curl -d token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        assert!(text(jwt).contains("[REDACTED:"), "{jwt}");
        assert!(!text(jwt).contains("dozjgNryP4J3"));
        let key = "cat <<EOF > id\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----\nEOF";
        assert_eq!(text(key), "cat <<EOF > id\n[REDACTED:private-key]\nEOF");
    }

    #[test]
    fn ordinary_developer_commands_are_left_alone() {
        let ordinary = [
            "git commit -m 'fix token parsing in lexer'",
            "git log --oneline -n 20",
            "git push origin feature/api-key-rotation",
            "git config user.signingkey 3AA5C34371567BD2",
            "cargo build --release -p billing",
            "cargo test -p devtrace -- --nocapture",
            "cargo run --bin server -- --port 8080",
            "npm install --save-dev typescript",
            "npm run test -- --watch",
            "docker run -p 8080:80 -e MODE=dev nginx",
            "docker build -t app:latest .",
            "docker compose -p myproject up -d",
            "kubectl get pods -n kube-system -o wide",
            "kubectl apply -f deploy.yaml",
            "kubectl create secret generic db --from-file=./creds",
            "mkdir -p src/tokens && touch src/tokens/mod.rs",
            "grep -rn 'password' src/",
            "ssh -p 2222 user@host",
            "curl https://example.com/api/v1/items?page=2",
            "python -m pytest tests/test_auth.py -k token",
            "export PATH=$HOME/.cargo/bin:$PATH",
            "make -j4 KEYBOARD=us",
            "ls ~/.ssh/id_ed25519.pub",
            "echo $GITHUB_TOKEN | wc -c",
            "git clone https://github.com/rust-lang/rust.git",
            "psql -h localhost -U app -d app",
        ];
        for c in ordinary {
            assert_eq!(text(c), c, "a false positive");
        }
    }

    #[test]
    fn command_bytes_are_redacted_whether_or_not_the_data_reads() {
        let secret = "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let mut raw = secret.as_bytes().to_vec();
        raw.push(0xff);
        let text = serde_json::to_value(Text::from_bytes(&raw)).unwrap();
        for data in [
            serde_json::json!({"command": text, "shell": "bash"}),
            // Not a run_command this version can read: kept whole, still redacted.
            serde_json::json!({"command": text, "shell": ["bash"]}),
        ] {
            let line = serde_json::json!({
                "v": 1, "id": "E", "session": "S", "seq": 2, "type": "run_command",
                "ts": "2023-11-14T22:13:20.123Z", "agent": null, "cwd": "/", "repo": null,
                "data": data,
            });
            let mut ev: Event = serde_json::from_value(line).unwrap();
            event(&mut ev);
            let out = ev.to_line();
            assert!(out.contains("[REDACTED:secret-variable]"), "{out}");
            assert!(!out.contains("wJalr"), "{out}");
            let v: Value = serde_json::from_str(&out).unwrap();
            let bytes = Text::deserialize(&v["data"]["command"]).unwrap().bytes();
            let bytes = String::from_utf8_lossy(&bytes.unwrap()).into_owned();
            assert!(bytes.contains("[REDACTED:secret-variable]"), "{bytes}");
        }
    }
}
