//! Redaction: secrets in what is recorded (command text, tool inputs,
//! prompts, notes) are replaced with `[REDACTED:rule]` before anything
//! reaches disk, keeping the rest readable. Every event passes through
//! [`event`] on its way to a store. The built-in rules are in `rules.rs`.

mod rules;
#[cfg(test)]
mod tests;

use crate::config::Pattern;
use crate::event::{Data, Event, Kind, Text};
use regex::{Captures, Regex};
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;

/// `text` with every secret replaced (built-in rules only).
pub fn text(text: &str) -> Cow<'_, str> {
    text_with(text, &[])
}

/// `text` with every secret of the built-in rules and of `extra` (the
/// user's patterns, shown as `[REDACTED:custom]`) replaced.
pub fn text_with<'a>(text: &'a str, extra: &[Pattern]) -> Cow<'a, str> {
    let rules = rules::compiled();
    let mut out = Cow::Borrowed(text);
    // One pass of the rules' keywords says which rules may match: most
    // texts hold no secret, and cost that pass only. A rule applies when it
    // matches the text as given, as a set of every rule would say.
    let candidates = rules.candidates(text);
    for i in (0..rules::RULES.len()).filter(|i| candidates & (1 << i) != 0) {
        let (name, re) = rules.rule(i);
        if matches!(out, Cow::Borrowed(_)) || re.is_match(text) {
            replace(&mut out, name, re);
        }
    }
    for p in extra {
        replace(&mut out, "custom", &p.re);
    }
    match out {
        Cow::Owned(s) if s == text => Cow::Borrowed(text),
        out => out,
    }
}

/// Replaces in `out` what `re` finds.
fn replace(out: &mut Cow<'_, str>, name: &str, re: &Regex) {
    let replaced = match re.replace_all(out, |c: &Captures| redacted(c, name)) {
        Cow::Owned(r) => r,
        Cow::Borrowed(_) => return,
    };
    *out = Cow::Owned(replaced);
}

/// A match, its secret replaced: the group `s` (or `s2`, `s3`, alternatives
/// of it) when there is one, else the whole match. A secret an earlier rule
/// redacted, or a flag that takes no value, is kept as it is.
fn redacted(c: &Captures, name: &str) -> String {
    let m = c.get(0).expect("a match");
    let whole = m.as_str();
    if let Some(flag) = c.name("flag") {
        let flag = flag.as_str().to_ascii_lowercase();
        if rules::NOT_A_VALUE.iter().any(|w| flag.starts_with(w)) {
            return whole.to_owned();
        }
    }
    match ["s", "s2", "s3"].iter().find_map(|g| c.name(g)) {
        Some(s) if s.as_str().contains("[REDACTED:") => whole.to_owned(),
        Some(s) => {
            let (a, b) = (s.start() - m.start(), s.end() - m.start());
            format!("{}[REDACTED:{name}]{}", &whole[..a], &whole[b..])
        }
        None if whole.contains("[REDACTED:") => whole.to_owned(),
        None => format!("[REDACTED:{name}]"),
    }
}

/// Every string in `v`, redacted (object keys are kept).
pub fn value(v: &mut Value) {
    value_with(v, &[])
}

/// Every string in `v`, redacted with the built-in rules and `extra`.
pub fn value_with(v: &mut Value, extra: &[Pattern]) {
    match v {
        Value::String(s) => {
            if let Cow::Owned(r) = text_with(s, extra) {
                *s = r;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|v| value_with(v, extra)),
        Value::Object(m) => {
            let secret_key = rules::secret_key();
            for (k, v) in m.iter_mut() {
                match v {
                    // `{"password": "..."}`: the key says what the value is.
                    Value::String(s)
                        if secret_key.is_match(k) && !s.is_empty() && !s.contains("[REDACTED:") =>
                    {
                        *s = "[REDACTED:secret-field]".into();
                    }
                    _ => value_with(v, extra),
                }
            }
        }
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
            for s in [&mut t.intent, &mut t.reasoning, &mut t.output]
                .into_iter()
                .flatten()
            {
                string(s);
            }
        }
        Data::McpCall(m) => {
            value_with(&mut m.arguments, extra);
            value_with(&mut m.result, extra);
        }
        Data::Prompt(p) => string(&mut p.text),
        Data::TurnEnd(t) => {
            if let Some(m) = &mut t.message {
                string(m);
            }
        }
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
        Some(Kind::ToolCall | Kind::McpCall) => &[
            "input",
            "arguments",
            "intent",
            "result",
            "reasoning",
            "output",
        ],
        Some(Kind::Prompt | Kind::Note) => &["text"],
        Some(Kind::TurnEnd) => &["message"],
        Some(Kind::GitSnapshot) => &["label"],
        _ => &[],
    };
    for k in keys {
        if let Some(v) = data.get_mut(*k) {
            value_with(v, extra);
        }
    }
}
