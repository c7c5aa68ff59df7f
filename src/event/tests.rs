use super::*;

/// One line of each type, as this version writes them.
const LINES: &[&str] = &[
    r#"{"v":1,"id":"01J0000000000000000000000A","session":"01J000000000000000000000S1","seq":1,"type":"session_start","ts":"2023-11-14T22:13:20.123Z","agent":null,"cwd":"/w","repo":"/w","data":{"shell":"bash","shell_pid":42,"host":"h","user":"u","tty":"/dev/pts/1","devtrace_version":"0.1.0"}}"#,
    r#"{"v":1,"id":"01J0000000000000000000000B","session":"01J000000000000000000000S1","seq":1,"type":"session_start","ts":"2023-11-14T22:13:20.123Z","agent":"claude-code","cwd":"/w","repo":null,"data":{"shell":null,"shell_pid":null,"host":"h","user":"u","tty":null,"devtrace_version":"0.1.0","agent_session":"abc","model":"opus"}}"#,
    r#"{"v":1,"id":"01J0000000000000000000000C","session":"01J000000000000000000000S1","seq":2,"type":"run_command","ts":"2023-11-14T22:13:20.123Z","agent":null,"cwd":"/w","repo":"/w","data":{"command":"ls -la","exit_code":0,"pipestatus":[1,0],"duration_ms":12,"started_at":"2023-11-14T22:13:20.123456Z","ended_at":"2023-11-14T22:13:20.135456Z","shell":"bash"}}"#,
    r#"{"v":1,"id":"01J0000000000000000000000D","session":"01J000000000000000000000S1","seq":3,"type":"run_command","ts":"2023-11-14T22:13:20.123Z","agent":null,"cwd":"/w","repo":"/w","data":{"command":{"text":"echo �","base64":"ZWNobyD/"},"exit_code":null,"pipestatus":null,"duration_ms":null,"started_at":null,"ended_at":null,"shell":"zsh"}}"#,
    r#"{"v":1,"id":"01J0000000000000000000000E","session":"01J000000000000000000000S1","seq":4,"type":"edit_files","ts":"2023-11-14T22:13:20.123Z","agent":null,"cwd":"/w","repo":"/w","data":{"files":[{"path":"a.rs","change":"modified","old":"1111","new":"2222","mode":"100644"},{"path":"b.rs","change":"renamed","old":"1111","new":"1111","mode":"100755","from":"c.rs","old_mode":"100644"}],"cause":"01J0000000000000000000000C"}}"#,
    r#"{"v":1,"id":"01J0000000000000000000000F","session":"01J000000000000000000000S1","seq":5,"type":"edit_files","ts":"2023-11-14T22:13:20.123Z","agent":null,"cwd":"/w","repo":"/w","data":{"files":[],"cause":null,"unchecked":"too many files"}}"#,
    r#"{"v":1,"id":"01J0000000000000000000000G","session":"01J000000000000000000000S1","seq":6,"type":"git_snapshot","ts":"2023-11-14T22:13:20.123Z","agent":null,"cwd":"/w","repo":"/w","data":{"label":"before","snapshot":"abcd","head":null,"branch":"main","files_changed":3,"tree":"ef01"}}"#,
    r#"{"v":1,"id":"01J0000000000000000000000H","session":"01J000000000000000000000S1","seq":7,"type":"note","ts":"2023-11-14T22:13:20.123Z","agent":null,"cwd":"/w","repo":null,"data":{"text":"why"}}"#,
    r#"{"v":1,"id":"01J0000000000000000000000I","session":"01J000000000000000000000S1","seq":8,"type":"prompt","ts":"2023-11-14T22:13:20.123Z","agent":"claude-code","cwd":"/w","repo":null,"data":{"text":"fix it","prompt_id":"01J0000000000000000000000P","agent_session":"abc"}}"#,
    r#"{"v":1,"id":"01J0000000000000000000000J","session":"01J000000000000000000000S1","seq":9,"type":"tool_call","ts":"2023-11-14T22:13:20.123Z","agent":"claude-code","cwd":"/w","repo":null,"data":{"tool":"Bash","input":{"command":"make","description":"build"},"intent":"build","call_id":"t1","agent_session":"abc","is_error":false,"duration_ms":850,"started_at":"2023-11-14T22:13:20.123456Z","ended_at":null}}"#,
    r#"{"v":1,"id":"01J0000000000000000000000K","session":"01J000000000000000000000S1","seq":10,"type":"mcp_call","ts":"2023-11-14T22:13:20.123Z","agent":"claude-code","cwd":"/w","repo":null,"data":{"server":"git","tool":"log","arguments":{"n":3},"result":"ok","is_error":false,"duration_ms":5,"protocol_version":"2025-06-18"}}"#,
    r#"{"v":1,"id":"01J0000000000000000000000Q","session":"01J000000000000000000000S1","seq":9,"type":"tool_call","ts":"2023-11-14T22:13:20.123Z","agent":"claude-code","cwd":"/w","repo":null,"data":{"tool":"Bash","input":{"command":"make"},"intent":null,"reasoning":"Build it first.","call_id":"t2","agent_session":"abc","output":"cc -o a a.c\n[stderr]\nerror","exit_code":2,"is_error":true,"duration_ms":850,"started_at":null,"ended_at":null,"subagent":{"id":"a7","type":"builder"}}}"#,
    r#"{"v":1,"id":"01J0000000000000000000000R","session":"01J000000000000000000000S1","seq":10,"type":"turn_end","ts":"2023-11-14T22:13:20.123Z","agent":"claude-code","cwd":"/w","repo":null,"data":{"message":"Done.","model":"opus","usage":{"input_tokens":10,"output_tokens":2,"cache_read_tokens":5},"agent_session":"abc"}}"#,
    r#"{"v":1,"id":"01J0000000000000000000000L","session":"01J000000000000000000000S1","seq":11,"type":"session_end","ts":"2023-11-14T22:13:20.123Z","agent":null,"cwd":"/w","repo":null,"data":{"reason":"exit"}}"#,
];

#[test]
fn a_line_of_each_type_round_trips() {
    let mut seen = std::collections::HashSet::new();
    for line in LINES {
        let ev: Event = serde_json::from_str(line).unwrap();
        let kind = ev.kind().unwrap_or_else(|| panic!("not typed: {line}"));
        seen.insert(kind);
        assert_eq!(ev.to_line(), *line);
    }
    assert_eq!(seen.len(), Kind::ALL.len(), "a line of every type");
}

#[test]
fn fields_of_a_newer_version_are_kept() {
    let line = r#"{"v":1,"id":"01J0000000000000000000000M","session":"01J000000000000000000000S1","seq":2,"type":"run_command","ts":"2023-11-14T22:13:20.123Z","agent":null,"cwd":"/w","repo":null,"data":{"command":"ls","exit_code":0,"pipestatus":null,"duration_ms":3,"started_at":null,"ended_at":null,"shell":"bash","cpu":{"user_ms":2},"tags":["x"]}}"#;
    let ev: Event = serde_json::from_str(line).unwrap();
    let Data::RunCommand(c) = &ev.data else {
        panic!("not a run_command: {ev:?}");
    };
    assert_eq!(c.extra["tags"], serde_json::json!(["x"]));
    assert_eq!(ev.to_line(), line);
}

#[test]
fn types_of_a_newer_version_are_kept_whole() {
    let line = r#"{"v":1,"id":"01J0000000000000000000000N","session":"01J000000000000000000000S1","seq":2,"type":"test_run","ts":"2023-11-14T22:13:20.123Z","agent":null,"cwd":"/w","repo":null,"data":{"passed":3,"failed":[{"name":"t"}]}}"#;
    let ev: Event = serde_json::from_str(line).unwrap();
    assert_eq!(ev.kind(), None);
    assert_eq!(ev.type_name(), "test_run");
    assert_eq!(ev.to_line(), line);
}

#[test]
fn a_known_type_that_does_not_read_is_kept_whole() {
    let line = r#"{"v":1,"id":"01J0000000000000000000000O","session":"01J000000000000000000000S1","seq":2,"type":"note","ts":"2023-11-14T22:13:20.123Z","agent":null,"cwd":"/w","repo":null,"data":{"text":["a","b"]}}"#;
    let ev: Event = serde_json::from_str(line).unwrap();
    assert!(matches!(ev.data, Data::Other { .. }));
    assert_eq!(ev.to_line(), line);
}

#[test]
fn types_come_from_the_enum() {
    assert_eq!(TYPES[0], "session_start");
    assert_eq!(TYPES[9], "session_end");
    assert!(TYPES.iter().all(|t| Kind::parse(t).is_some()));
}

/// `docs/event.schema.json` is what the types make;
/// `UPDATE_SCHEMA=1 cargo test --lib schema` rewrites it.
#[test]
fn committed_schema_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(schema::PATH);
    let made = schema::render();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &made).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == made,
        "{} is out of date with the event types: run `UPDATE_SCHEMA=1 cargo test --lib schema` and commit it",
        schema::PATH
    );
}
