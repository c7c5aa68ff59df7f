//! `devtrace explain FILE[:LINE]`: from a file (or one of its lines) back to
//! the recorded change that last touched it, the command or tool call that
//! made that change, and the prompt behind it.

use crate::cli::ExplainArgs;
use crate::event::{Data, Event};
use crate::output::{printable, tilde, Out};
use crate::review::explain::{gather, Explained};
use crate::store::Store;
use crate::timefmt;
use anyhow::Result;
use serde_json::{json, Value};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

pub fn run(a: ExplainArgs) -> Result<i32> {
    let (file, line) = split_line(&a.target)?;
    let store = crate::resolve::open_store(&a.store)?;
    let rel = relative_to_store(&store, &file)?;
    let exists = std::fs::symlink_metadata(&file).is_ok();
    if let Some(l) = line {
        check_line(&file, exists, l)?;
    }
    let Some(e) = gather(&store, &rel, line)? else {
        return Err(not_found(&file, exists, &rel, line));
    };
    let mut out = Out::new(a.json);
    if a.json {
        out.line(&json_line(&e).to_string())?;
    } else {
        print(&mut out, &e)?;
    }
    out.flush()?;
    Ok(0)
}

/// The file relative to the store's directory.
fn relative_to_store(store: &Store, file: &Path) -> Result<Vec<u8>> {
    let root = store
        .dir()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    relative(&root, file)
}

/// A line of a file that is there, and within it.
fn check_line(file: &Path, exists: bool, l: usize) -> Result<()> {
    if !exists {
        return Err(no_such_file(file));
    }
    let text = std::fs::read(file).map_err(|e| {
        crate::fail(
            format!("cannot read {}: {e}", file.display()),
            "explain a file, or one of its lines as FILE:LINE",
        )
    })?;
    let lines = text.iter().filter(|&&b| b == b'\n').count()
        + usize::from(text.last().is_some_and(|&b| b != b'\n'));
    if l > lines {
        let plural = if lines == 1 { "" } else { "s" };
        return Err(crate::fail(
            format!(
                "{} has {lines} line{plural}; there is no line {l}",
                file.display()
            ),
            match lines {
                0 => "explain the file itself: devtrace explain FILE".to_owned(),
                n => format!("give a line from 1 to {n}"),
            },
        ));
    }
    Ok(())
}

fn no_such_file(file: &Path) -> anyhow::Error {
    crate::fail(
        format!("no such file: {}", file.display()),
        "name a file of this repository, as FILE or FILE:LINE",
    )
}

/// Why nothing explains the target: the file is not there (and no recorded
/// change removed it), or nothing recorded changed it.
fn not_found(file: &Path, exists: bool, rel: &[u8], line: Option<usize>) -> anyhow::Error {
    if !exists {
        return no_such_file(file);
    }
    let what = match line {
        Some(l) => format!("line {l} of {}", String::from_utf8_lossy(rel)),
        None => String::from_utf8_lossy(rel).into_owned(),
    };
    crate::fail(
        format!("no recorded change to {what}"),
        "it is as it was when recording began; `git blame` tells the committed history",
    )
}

fn json_line(e: &Explained) -> Value {
    json!({
        "path": String::from_utf8_lossy(&e.rel),
        "line": e.line,
        "line_then": e.found.line,
        "edit": e.found.edit,
        "certainty": certainty(e),
        "cause": e.cause,
        "causes": e.causes,
        "prompt": e.prompt,
    })
}

/// How sure the answer is: `exact` (this command), `among` (one of
/// `causes`, or between them), `between` (no command made it).
fn certainty(e: &Explained) -> &'static str {
    if e.found.edit.cause().is_some() {
        "exact"
    } else if !e.found.edit.causes().is_empty() {
        "among"
    } else {
        "between"
    }
}

fn print(out: &mut Out, e: &Explained) -> std::io::Result<()> {
    let now = crate::timestamp::Timestamp::now();
    let edit = &e.found.edit;
    let at = edit.ts;
    let target = match e.line {
        Some(l) => format!("{}:{l}", String::from_utf8_lossy(&e.rel)),
        None => String::from_utf8_lossy(&e.rel).into_owned(),
    };
    out.line(&format!(
        "{} was last changed {} ({}) in session {} ({})",
        out.paint("1", &printable(&target)),
        timefmt::date_time(at),
        timefmt::ago(at, now),
        &edit.session[..12.min(edit.session.len())],
        edit.agent.as_deref().unwrap_or("person"),
    ))?;
    if e.causes.is_empty() {
        print_cause(out, e.cause.as_ref(), e.paused)?;
    } else {
        print_causes(out, &e.causes)?;
    }
    if let Some(Data::Prompt(p)) = e.prompt.as_ref().map(|p| &p.data) {
        out.line(&format!(
            "  after the prompt  {}",
            out.paint("1;34", &printable(&p.text))
        ))?;
    }
    out.line(&out.dim(&format!("  the change:       devtrace diff {}", edit.id)))
}

/// Several commands ran while the change was made, and which one made it
/// cannot be told: says so, and names them.
fn print_causes(out: &mut Out, causes: &[Event]) -> std::io::Result<()> {
    let head = match causes.len() {
        1 => "  by this command, or just before it (cannot tell which):".to_owned(),
        n => format!("  by one of these {n} commands (cannot tell which):"),
    };
    out.line(&head)?;
    for c in causes {
        out.line(&format!("    {}", what_ran(c)))?;
    }
    Ok(())
}

/// A command or tool call, in a line.
fn what_ran(c: &Event) -> String {
    if let Data::ToolCall(t) = &c.data {
        return format!("tool call {} {}", t.tool, printable(&tilde(t.target())));
    }
    let text = c.command_text().unwrap_or_default();
    let code = c.data.exit_code().map_or("?".to_owned(), |x| x.to_string());
    format!(
        "{}  (exit {code}, in {})",
        printable(&text),
        printable(&tilde(&c.cwd))
    )
}

fn print_cause(out: &mut Out, cause: Option<&Event>, paused: bool) -> std::io::Result<()> {
    let Some(c) = cause else {
        let why = if paused {
            "while recording was paused: the commands then are not recorded"
        } else {
            "no recorded command or tool call made it"
        };
        return out.line(&format!("  between commands ({why})"));
    };
    if let Data::ToolCall(t) = &c.data {
        out.line(&format!(
            "  by the tool call  {} {}",
            t.tool,
            printable(&tilde(t.target()))
        ))?;
        if let Some(intent) = &t.intent {
            out.line(&format!("  stated intent     {}", printable(intent)))?;
        }
        if let Some(r) = t.reasoning.as_deref().filter(|r| !r.trim().is_empty()) {
            out.line(&format!(
                "  in its own words  {}",
                out.paint(
                    "3;32",
                    &printable(&r.split_whitespace().collect::<Vec<_>>().join(" "))
                )
            ))?;
        }
        return Ok(());
    }
    let text = c.command_text().unwrap_or_default();
    let code = c.data.exit_code().map_or("?".to_owned(), |x| x.to_string());
    out.line(&format!(
        "  by the command    {}  (exit {code}, in {})",
        printable(&text),
        printable(&tilde(&c.cwd))
    ))
}

/// `src/a.rs:12` → (`src/a.rs`, 12); a name that merely ends in `:digits`
/// and exists as such is a file name. `FILE:0` and `FILE:abc` (when no
/// such file exists) are usage errors.
fn split_line(target: &str) -> Result<(PathBuf, Option<usize>)> {
    let whole = (PathBuf::from(target), None);
    let Some((f, n)) = target.rsplit_once(':') else {
        return Ok(whole);
    };
    if n.contains('/') || Path::new(target).exists() {
        return Ok(whole);
    }
    match n.parse::<usize>() {
        Ok(n) if n > 0 && !f.is_empty() => Ok((PathBuf::from(f), Some(n))),
        _ => Err(crate::usage(
            format!("'{n}' in '{target}' is not a line number"),
            "lines count from 1: devtrace explain FILE:LINE (or the file alone)",
        )),
    }
}

fn relative(root: &Path, file: &Path) -> Result<Vec<u8>> {
    let cwd = std::env::current_dir()?;
    let abs = cwd.join(file);
    // Resolve `..` and symlinked directories the way the store's root is.
    let abs = match (
        abs.parent().and_then(|p| p.canonicalize().ok()),
        abs.file_name(),
    ) {
        (Some(dir), Some(name)) => dir.join(name),
        _ => abs,
    };
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let rel = abs.strip_prefix(&root).map_err(|_| {
        crate::fail(
            format!("{} is not under {}", file.display(), root.display()),
            "name a file of this store's directory",
        )
    })?;
    Ok(rel.as_os_str().as_bytes().to_vec())
}
