//! Configuration: `~/.config/devtrace/config.toml` (or under
//! `$XDG_CONFIG_HOME`) for the user, `<store>/.devtrace/config.toml` for one
//! repository. A repository's value of a setting wins over the user's; the
//! lists (redaction patterns, ignore rules) add up instead, so that a
//! repository can never switch off a pattern that keeps a secret out.

use anyhow::{anyhow, Result};
use regex::Regex;
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use toml::Spanned;

pub const FILE: &str = "config.toml";
pub const DEFAULT_PAGER: &str = "less -FRX";

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Default,
    Env(&'static str),
    File(PathBuf, usize),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::Env(v) => write!(f, "${v}"),
            Source::File(p, line) => {
                write!(f, "{}:{line}", crate::paths::tilde(&p.to_string_lossy()))
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Setting<T> {
    fn default(value: T) -> Setting<T> {
        Setting {
            value,
            source: Source::Default,
        }
    }
}

/// A regular expression from a config file.
#[derive(Clone, Debug)]
pub struct Pattern {
    pub text: String,
    pub re: Regex,
    pub source: Source,
}

/// A directory whose commands are not recorded.
#[derive(Clone, Debug)]
pub struct IgnoredDir {
    pub path: PathBuf,
    pub source: Source,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Color {
    Auto,
    Always,
    Never,
}

impl Color {
    pub fn name(self) -> &'static str {
        match self {
            Color::Auto => "auto",
            Color::Always => "always",
            Color::Never => "never",
        }
    }
}

/// The effective configuration of one store.
#[derive(Clone, Debug)]
pub struct Config {
    pub redact_patterns: Vec<Pattern>,
    pub ignore_commands: Vec<Pattern>,
    pub ignore_dirs: Vec<IgnoredDir>,
    /// Events older than this many days are removed by `devtrace gc` (0: kept).
    pub keep_days: Setting<u32>,
    /// At most this many events are kept, the oldest removed first (0: no limit).
    pub max_events: Setting<u64>,
    pub pager: Setting<String>,
    pub color: Setting<Color>,
    /// `[export]`: where `export otlp` sends, and what may leave the machine.
    pub export: ExportConfig,
}

/// The `[export]` section.
#[derive(Clone, Debug)]
pub struct ExportConfig {
    /// Base URLs of OTLP/HTTP receivers (a repository's list replaces the user's).
    pub endpoints: Setting<Vec<String>>,
    /// Only these event types become spans (empty: all).
    pub types: Setting<Vec<String>>,
    /// Whether tool calls' output and MCP results are sent.
    pub tool_output: Setting<bool>,
    /// Whether file changes' diff text is sent.
    pub diffs: Setting<bool>,
}

impl Default for ExportConfig {
    fn default() -> ExportConfig {
        ExportConfig {
            endpoints: Setting::default(Vec::new()),
            types: Setting::default(Vec::new()),
            tool_output: Setting::default(true),
            diffs: Setting::default(false),
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        let pager = match std::env::var("PAGER") {
            Ok(p) if !p.trim().is_empty() => Setting {
                value: p,
                source: Source::Env("PAGER"),
            },
            _ => Setting::default(DEFAULT_PAGER.to_owned()),
        };
        Config {
            redact_patterns: Vec::new(),
            ignore_commands: Vec::new(),
            ignore_dirs: Vec::new(),
            keep_days: Setting::default(0),
            max_events: Setting::default(0),
            pager,
            color: Setting::default(Color::Auto),
            export: ExportConfig::default(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    redact: RawRedact,
    #[serde(default)]
    ignore: RawIgnore,
    #[serde(default)]
    retention: RawRetention,
    #[serde(default)]
    display: RawDisplay,
    #[serde(default)]
    export: RawExport,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawExport {
    endpoints: Option<Spanned<Vec<String>>>,
    types: Option<Spanned<Vec<String>>>,
    tool_output: Option<Spanned<bool>>,
    diffs: Option<Spanned<bool>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRedact {
    #[serde(default)]
    patterns: Vec<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    #[serde(default)]
    commands: Vec<Spanned<String>>,
    #[serde(default)]
    dirs: Vec<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRetention {
    keep_days: Option<Spanned<u32>>,
    max_events: Option<Spanned<u64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDisplay {
    pager: Option<Spanned<String>>,
    color: Option<Spanned<Color>>,
}

/// The user's file: `$XDG_CONFIG_HOME/devtrace/config.toml`, else
/// `~/.config/devtrace/config.toml`.
pub fn user_path() -> PathBuf {
    crate::paths::devtrace_config_dir().join(FILE)
}

/// The repository's file of the store `store_dir` (none for the global store).
pub fn repo_path(store_dir: &Path) -> Option<PathBuf> {
    (store_dir != crate::store::global_dir()).then(|| store_dir.join(FILE))
}

/// The files that make up a store's configuration, in the order applied.
pub fn files(store_dir: Option<&Path>) -> Vec<PathBuf> {
    let mut v = vec![user_path()];
    v.extend(store_dir.and_then(repo_path));
    v
}

/// Something that changes when any of the files does (for caching).
pub fn stamp(store_dir: Option<&Path>) -> Vec<Option<(SystemTime, u64)>> {
    files(store_dir)
        .iter()
        .map(|p| {
            std::fs::metadata(p)
                .ok()
                .map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()))
        })
        .collect()
}

/// The configuration of the store `store_dir` (`None`: the user's file only).
pub fn load(store_dir: Option<&Path>) -> Result<Config> {
    let mut cfg = Config::default();
    for path in files(store_dir) {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(anyhow!("could not read {}: {e}", path.display())),
        };
        // Relative directories in a repository's file are relative to its root.
        let base = path
            .parent()
            .filter(|_| store_dir.and_then(repo_path).as_deref() == Some(path.as_path()))
            .and_then(Path::parent)
            .map(Path::to_path_buf);
        apply(&mut cfg, &path, &text, base.as_deref())?;
    }
    Ok(cfg)
}

/// The configuration for commands run in `cwd` (its store's, or the user's).
pub fn for_cwd(cwd: &Path) -> Result<Config> {
    load(crate::store::find_dir(cwd).as_deref())
}

/// Loads the configuration for this directory (or the user's only), as an
/// error the user can act on.
pub fn load_here(global: bool) -> Result<(Config, Option<PathBuf>)> {
    let store = if global {
        None
    } else {
        crate::store::find_dir(&std::env::current_dir()?)
    };
    let cfg = load(store.as_deref()).map_err(|e| {
        crate::fail(
            format!("{e:#}"),
            "fix the file; the keys are listed in the README (Configuration)",
        )
    })?;
    Ok((cfg, store))
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

/// One line of a regex error (the crate's message spans several).
fn regex_error(e: &regex::Error) -> String {
    let s = e.to_string();
    s.lines()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .unwrap_or_else(|| s.lines().last().unwrap_or("invalid"))
        .to_owned()
}

fn apply(cfg: &mut Config, path: &Path, text: &str, base: Option<&Path>) -> Result<()> {
    let shown = crate::paths::tilde(&path.to_string_lossy());
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(text, s.start));
        let msg = e.message().trim().replace('\n', " ");
        // serde names our own types: say what the file should hold instead.
        let msg = regex::Regex::new(r"struct Raw(\w+)")
            .map(|re| re.replace_all(&msg, "a table").into_owned())
            .unwrap_or(msg);
        anyhow!("{shown}:{line}: {msg}")
    })?;
    let src =
        |span: std::ops::Range<usize>| Source::File(path.to_path_buf(), line_of(text, span.start));
    let pattern = |s: &Spanned<String>, what: &str| -> Result<Pattern> {
        let line = line_of(text, s.span().start);
        let re = Regex::new(s.get_ref()).map_err(|e| {
            anyhow!(
                "{shown}:{line}: {what} {:?} is not a valid regular expression: {}",
                s.get_ref(),
                regex_error(&e)
            )
        })?;
        Ok(Pattern {
            text: s.get_ref().clone(),
            re,
            source: src(s.span()),
        })
    };
    for p in &raw.redact.patterns {
        cfg.redact_patterns.push(pattern(p, "redact pattern")?);
    }
    for p in &raw.ignore.commands {
        cfg.ignore_commands.push(pattern(p, "ignore pattern")?);
    }
    for d in &raw.ignore.dirs {
        let line = line_of(text, d.span().start);
        let t = d.get_ref();
        let path = if t == "~" {
            crate::home_dir()
        } else if let Some(rest) = t.strip_prefix("~/") {
            crate::home_dir().join(rest)
        } else if Path::new(t).is_absolute() {
            PathBuf::from(t)
        } else if let (Some(b), false) = (base, t.is_empty()) {
            b.join(t)
        } else {
            return Err(anyhow!(
                "{shown}:{line}: ignored directory {t:?} must be absolute or start with ~/"
            ));
        };
        cfg.ignore_dirs.push(IgnoredDir {
            path: normalize(&path),
            source: src(d.span()),
        });
    }
    if let Some(v) = &raw.retention.keep_days {
        cfg.keep_days = Setting {
            value: *v.get_ref(),
            source: src(v.span()),
        };
    }
    if let Some(v) = &raw.retention.max_events {
        cfg.max_events = Setting {
            value: *v.get_ref(),
            source: src(v.span()),
        };
    }
    if let Some(v) = &raw.display.pager {
        cfg.pager = Setting {
            value: v.get_ref().clone(),
            source: src(v.span()),
        };
    }
    if let Some(v) = &raw.display.color {
        cfg.color = Setting {
            value: *v.get_ref(),
            source: src(v.span()),
        };
    }
    apply_export(&mut cfg.export, &raw.export, &shown, text, &src)
}

fn apply_export(
    cfg: &mut ExportConfig,
    raw: &RawExport,
    shown: &str,
    text: &str,
    src: &dyn Fn(std::ops::Range<usize>) -> Source,
) -> Result<()> {
    if let Some(v) = &raw.types {
        if let Some(bad) = v
            .get_ref()
            .iter()
            .find(|t| crate::event::Kind::parse(t).is_none())
        {
            let line = line_of(text, v.span().start);
            return Err(anyhow!(
                "{shown}:{line}: unknown event type {bad:?} in [export] types (use: {})",
                crate::event::TYPES.join(", ")
            ));
        }
        cfg.types = Setting {
            value: v.get_ref().clone(),
            source: src(v.span()),
        };
    }
    if let Some(v) = &raw.endpoints {
        cfg.endpoints = Setting {
            value: v.get_ref().clone(),
            source: src(v.span()),
        };
    }
    if let Some(v) = &raw.tool_output {
        cfg.tool_output = Setting {
            value: *v.get_ref(),
            source: src(v.span()),
        };
    }
    if let Some(v) = &raw.diffs {
        cfg.diffs = Setting {
            value: *v.get_ref(),
            source: src(v.span()),
        };
    }
    Ok(())
}

/// `a/./b/../c` → `a/c`, without touching the file system.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

impl Config {
    /// Why an event made in `cwd` with `command` text is not recorded, if
    /// it is not.
    pub fn ignores(&self, cwd: &str, command: Option<&str>) -> Option<&'static str> {
        let cwd = Path::new(cwd);
        if self.ignore_dirs.iter().any(|d| cwd.starts_with(&d.path)) {
            return Some("in an ignored directory");
        }
        if let Some(c) = command {
            if self.ignore_commands.iter().any(|p| p.re.is_match(c)) {
                return Some("matches an ignore pattern");
            }
        }
        None
    }

    /// Whether human output is coloured, given that it goes to a terminal.
    pub fn color_on(&self, tty: bool) -> bool {
        match self.color.value {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && !std::env::var("TERM").is_ok_and(|t| t == "dumb")
            }
        }
    }
}

#[cfg(test)]
mod tests;
