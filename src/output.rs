//! Human output: colour only on a terminal, text made safe to print, lines
//! fitted to the terminal, through the pager when there is one.

pub use crate::paths::tilde;
use std::io::{self, IsTerminal, Write};

pub struct Out {
    w: Option<io::BufWriter<Box<dyn Write>>>,
    pager: Option<std::process::Child>,
    pub color: bool,
    pub width: Option<usize>,
}

impl Out {
    /// `json` turns colour and fitting off. Colour follows the `display.color`
    /// setting (a configuration that does not load leaves the default).
    pub fn new(json: bool) -> Out {
        let cfg = std::env::current_dir()
            .ok()
            .and_then(|d| crate::config::for_cwd(&d).ok())
            .unwrap_or_default();
        Out::with(json, &cfg, false)
    }

    /// Like [`Out::new`], through the pager (`display.pager`, `$PAGER`, else
    /// `less -FRX`) when standard output is a terminal. A configuration
    /// that does not load is reported, and the defaults are used: a typo
    /// never keeps anyone from reading the record.
    pub fn paged(json: bool) -> anyhow::Result<Out> {
        let cfg = match crate::config::load_here(false) {
            Ok((cfg, _)) => cfg,
            Err(e) => {
                eprintln!("devtrace: warning: {e:#}; using the default display settings");
                crate::config::Config::default()
            }
        };
        Ok(Out::with(json, &cfg, true))
    }

    /// Plain output (no colour, no fitting) into `w`: for callers that hand
    /// the text on (the MCP server).
    pub fn plain(w: Box<dyn Write>) -> Out {
        Out {
            w: Some(io::BufWriter::new(w)),
            pager: None,
            color: false,
            width: None,
        }
    }

    fn with(json: bool, cfg: &crate::config::Config, page: bool) -> Out {
        let tty = io::stdout().is_terminal();
        let width = if tty && !json {
            Some(term_width())
        } else {
            None
        };
        let color = !json && cfg.color_on(tty);
        let mut pager = if page && tty && !json {
            spawn_pager(&cfg.pager.value)
        } else {
            None
        };
        let sink: Box<dyn Write> = match pager.as_mut().and_then(|p| p.stdin.take()) {
            Some(stdin) => Box::new(stdin),
            None => Box::new(io::stdout()),
        };
        Out {
            w: Some(io::BufWriter::new(sink)),
            pager,
            color,
            width,
        }
    }

    fn w(&mut self) -> &mut io::BufWriter<Box<dyn Write>> {
        self.w.as_mut().expect("the writer lives as long as Out")
    }

    pub fn line(&mut self, s: &str) -> io::Result<()> {
        let w = self.w();
        w.write_all(s.as_bytes())?;
        w.write_all(b"\n")
    }

    /// Bytes as they are (file contents in a diff).
    pub fn raw(&mut self, b: &[u8]) -> io::Result<()> {
        self.w().write_all(b)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.w().flush()
    }

    pub fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }

    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }

    /// An exit status, green for 0, red otherwise.
    pub fn status(&self, code: Option<i64>, pad: usize) -> String {
        let text = match code {
            Some(c) => c.to_string(),
            None => "-".to_owned(),
        };
        let padded = format!("{text:>pad$}");
        match code {
            Some(0) => self.paint("32", &padded),
            Some(_) => self.paint("31", &padded),
            None => self.dim(&padded),
        }
    }

    /// Fits `text` into what is left of the line after `used` columns.
    pub fn fit(&self, text: &str, used: usize) -> String {
        match self.width {
            Some(w) => ellipsize(text, w.saturating_sub(used).max(10)),
            None => text.to_owned(),
        }
    }
}

impl Drop for Out {
    /// Closes the pager's input and waits for the reader to quit.
    fn drop(&mut self) {
        if let Some(mut w) = self.w.take() {
            let _ = w.flush();
        }
        if let Some(mut p) = self.pager.take() {
            let _ = p.wait();
        }
    }
}

/// Starts `command` (through `sh -c`) reading what we print; `less` gets
/// `LESS=FRX` unless the user set LESS: one screen or less is just printed.
fn spawn_pager(command: &str) -> Option<std::process::Child> {
    let command = command.trim();
    if command.is_empty() || command == "cat" {
        return None;
    }
    // A pager that is not installed would swallow the output.
    let program = command.split_whitespace().next().unwrap_or_default();
    let found = if program.contains('/') {
        std::path::Path::new(program).is_file()
    } else {
        std::env::var_os("PATH")
            .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
    };
    if !found {
        return None;
    }
    let mut c = std::process::Command::new("sh");
    c.arg("-c").arg(command).stdin(std::process::Stdio::piped());
    if std::env::var_os("LESS").is_none() {
        c.env("LESS", "FRX");
    }
    if std::env::var_os("LV").is_none() {
        c.env("LV", "-c");
    }
    c.spawn().ok()
}

fn term_width() -> usize {
    if let Some(c) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        return c;
    }
    match terminal_size::terminal_size_of(io::stdout()) {
        Some((terminal_size::Width(w), _)) if w > 0 => w as usize,
        _ => 80,
    }
}

/// One line of text that is safe to print: newlines become `↵`, tabs a
/// space, other control characters (escape sequences included) `\xNN`.
pub fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim_end_matches('\n').chars() {
        match c {
            '\n' => out.push_str(" ↵ "),
            '\t' => out.push(' '),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Cuts `s` to `max` characters, ending with `…` when it was longer.
pub fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A count with its noun: `1 file`, `2 files` (nouns that take an `s`).
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_fits() {
        assert_eq!(printable("a\nb\tc\x1b[31m"), "a ↵ b c\\x1b[31m");
        assert_eq!(ellipsize("abcdef", 4), "abc…");
        assert_eq!(ellipsize("abc", 4), "abc");
        assert_eq!(count(1, "session"), "1 session");
        assert_eq!(count(0, "file"), "0 files");
    }
}
