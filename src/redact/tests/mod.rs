//! Every rule with an example it redacts, and the ordinary command lines
//! that look a little like secrets and must stay as they are.

mod prefilter;
mod redacted;
mod unchanged;

use super::*;
use redacted::REDACTED;
use unchanged::UNCHANGED;

#[test]
fn each_rule_finds_its_secret_and_keeps_the_rest() {
    let wrong: Vec<_> = REDACTED
        .iter()
        .map(|(input, want)| (text(input), *want))
        .filter(|(got, want)| got != want)
        .collect();
    assert!(wrong.is_empty(), "(got, want): {wrong:#?}");
}

#[test]
fn ordinary_developer_commands_are_left_alone() {
    let changed: Vec<_> = UNCHANGED
        .iter()
        .map(|c| text(c))
        .filter(|t| matches!(t, Cow::Owned(_)))
        .collect();
    assert!(changed.is_empty(), "false positives: {changed:#?}");
}

#[test]
fn every_rule_has_an_example_and_a_line_in_the_readme() {
    let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
    let section = readme
        .split("## Privacy: redaction")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("README has a redaction section");
    for (name, _, pattern) in rules::RULES {
        let tag = format!("[REDACTED:{name}]");
        assert!(
            REDACTED.iter().any(|(_, want)| want.contains(&tag)),
            "rule {name} has no example"
        );
        assert!(
            section.contains(&format!("`{name}`")),
            "README lacks {name}"
        );
        // `\b` is compiled as an ASCII boundary: no `\\b` to misread.
        assert!(!pattern.contains(r"\\b"), "{name}");
    }
}

#[test]
fn a_secret_key_redacts_its_value_in_structured_input() {
    let mut v = serde_json::json!({
        "command": "ls -la",
        "password": "hunter2",
        "nested": [{"apiKey": "abc", "access_token": "x1", "token_count": "5"}],
        "empty_token": "",
    });
    value(&mut v);
    assert_eq!(
        v,
        serde_json::json!({
            "command": "ls -la",
            "password": "[REDACTED:secret-field]",
            "nested": [{"apiKey": "[REDACTED:secret-field]", "access_token": "[REDACTED:secret-field]", "token_count": "5"}],
            "empty_token": "",
        })
    );
}

#[test]
fn text_outside_ascii_is_redacted_the_same() {
    assert_eq!(
        text("日本語 --password=hunter2 é AKIAIOSFODNN7EXAMPLE"),
        "日本語 --password=[REDACTED:password-flag] é [REDACTED:aws-access-key]"
    );
}

#[test]
fn the_users_patterns_apply_after_the_built_in_rules() {
    let p = crate::config::Pattern {
        text: "pin=(?P<s>[0-9]+)".into(),
        re: Regex::new("pin=(?P<s>[0-9]+)").unwrap(),
        source: crate::config::Source::Default,
    };
    assert_eq!(
        text_with("pin=1234 --token abc", std::slice::from_ref(&p)),
        "pin=[REDACTED:custom] --token [REDACTED:password-flag]"
    );
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
