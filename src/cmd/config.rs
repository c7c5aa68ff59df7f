//! `devtrace config`: the effective configuration of this directory's store,
//! and the file and line each value comes from.

use crate::cli::ConfigArgs;
use crate::config::{self, Config, Source};
use crate::output::{ellipsize, printable, tilde, Out};
use anyhow::Result;
use serde_json::{json, Value};
use std::path::PathBuf;

fn source(s: &Source) -> Value {
    Value::String(s.to_string())
}

pub fn run(a: ConfigArgs) -> Result<i32> {
    let (cfg, store) = config::load_here(a.global)?;
    let files = config::files(store.as_deref());
    let mut out = Out::new(a.json);
    if a.json {
        out.line(&to_json(&cfg, &files).to_string())?;
    } else {
        print(&mut out, &files, &rows(&cfg))?;
    }
    out.flush()?;
    Ok(0)
}

/// One row per value: the key, the value as shown, where it comes from.
fn rows(cfg: &Config) -> Vec<(&'static str, String, String)> {
    let mut rows: Vec<(&str, String, String)> = Vec::new();
    let list = |name: &'static str, items: Vec<(String, &Source)>, rows: &mut Vec<_>| {
        if items.is_empty() {
            rows.push((name, "(none)".to_owned(), "default".to_owned()));
        }
        for (v, s) in items {
            rows.push((name, v, s.to_string()));
        }
    };
    list(
        "redact.patterns",
        cfg.redact_patterns
            .iter()
            .map(|p| (p.text.clone(), &p.source))
            .collect(),
        &mut rows,
    );
    list(
        "ignore.commands",
        cfg.ignore_commands
            .iter()
            .map(|p| (p.text.clone(), &p.source))
            .collect(),
        &mut rows,
    );
    list(
        "ignore.dirs",
        cfg.ignore_dirs
            .iter()
            .map(|d| (tilde(&d.path.to_string_lossy()), &d.source))
            .collect(),
        &mut rows,
    );
    let days = match cfg.keep_days.value {
        0 => "0 (keep every event)".to_owned(),
        n => n.to_string(),
    };
    let max = match cfg.max_events.value {
        0 => "0 (no limit)".to_owned(),
        n => n.to_string(),
    };
    rows.extend([
        (
            "retention.keep_days",
            days,
            cfg.keep_days.source.to_string(),
        ),
        (
            "retention.max_events",
            max,
            cfg.max_events.source.to_string(),
        ),
        (
            "display.pager",
            cfg.pager.value.clone(),
            cfg.pager.source.to_string(),
        ),
        (
            "display.color",
            cfg.color.value.name().to_owned(),
            cfg.color.source.to_string(),
        ),
    ]);
    rows.extend(export_rows(&cfg.export));
    rows
}

/// The rows of `[export]`.
fn export_rows(e: &config::ExportConfig) -> Vec<(&'static str, String, String)> {
    let or_all = |v: &[String], none: &str| {
        if v.is_empty() {
            none.to_owned()
        } else {
            v.join(", ")
        }
    };
    vec![
        (
            "export.endpoints",
            or_all(&e.endpoints.value, "(none)"),
            e.endpoints.source.to_string(),
        ),
        (
            "export.types",
            or_all(&e.types.value, "(every type)"),
            e.types.source.to_string(),
        ),
        (
            "export.tool_output",
            e.tool_output.value.to_string(),
            e.tool_output.source.to_string(),
        ),
        (
            "export.diffs",
            e.diffs.value.to_string(),
            e.diffs.source.to_string(),
        ),
    ]
}

fn to_json(cfg: &Config, files: &[PathBuf]) -> Value {
    let pats = |v: &[config::Pattern]| -> Value {
        v.iter()
            .map(|p| json!({"value": p.text, "source": source(&p.source)}))
            .collect()
    };
    json!({
        "files": files.iter().map(|f| json!({"path": f, "exists": f.is_file()})).collect::<Vec<_>>(),
        "redact.patterns": pats(&cfg.redact_patterns),
        "ignore.commands": pats(&cfg.ignore_commands),
        "ignore.dirs": cfg.ignore_dirs.iter()
            .map(|d| json!({"value": d.path, "source": source(&d.source)}))
            .collect::<Vec<_>>(),
        "retention.keep_days": {"value": cfg.keep_days.value, "source": source(&cfg.keep_days.source)},
        "retention.max_events": {"value": cfg.max_events.value, "source": source(&cfg.max_events.source)},
        "display.pager": {"value": cfg.pager.value, "source": source(&cfg.pager.source)},
        "display.color": {"value": cfg.color.value.name(), "source": source(&cfg.color.source)},
        "export.endpoints": {"value": cfg.export.endpoints.value, "source": source(&cfg.export.endpoints.source)},
        "export.types": {"value": cfg.export.types.value, "source": source(&cfg.export.types.source)},
        "export.tool_output": {"value": cfg.export.tool_output.value, "source": source(&cfg.export.tool_output.source)},
        "export.diffs": {"value": cfg.export.diffs.value, "source": source(&cfg.export.diffs.source)},
    })
}

/// The files (dimmed), then the rows in aligned columns.
fn print(out: &mut Out, files: &[PathBuf], rows: &[(&str, String, String)]) -> Result<()> {
    for f in files {
        let state = if f.is_file() { "" } else { " (not there)" };
        out.line(&out.dim(&format!("# {}{state}", tilde(&f.to_string_lossy()))))?;
    }
    let w1 = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let w2 = rows
        .iter()
        .map(|r| r.1.chars().count())
        .max()
        .unwrap_or(0)
        .min(48);
    for (k, v, s) in rows {
        let v = ellipsize(&printable(v), 48);
        let pad = w2.saturating_sub(v.chars().count());
        out.line(&format!("{k:<w1$}  {v}{}  {}", " ".repeat(pad), out.dim(s)))?;
    }
    Ok(())
}
