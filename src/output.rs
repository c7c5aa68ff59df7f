//! Human output: colour only on a terminal, text made safe to print, lines
//! fitted to the terminal, and a quiet exit when the reader goes away.

use std::io::{self, IsTerminal, Write};

pub struct Out {
    w: io::BufWriter<io::Stdout>,
    pub color: bool,
    pub width: Option<usize>,
}

impl Out {
    /// `json` turns colour and fitting off.
    pub fn new(json: bool) -> Out {
        let tty = io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
            || std::env::var("TERM").is_ok_and(|t| t == "dumb");
        Out {
            w: io::BufWriter::new(io::stdout()),
            color: tty && !no_color && !json,
            width: if tty && !json {
                Some(term_width())
            } else {
                None
            },
        }
    }

    pub fn line(&mut self, s: &str) -> io::Result<()> {
        self.w.write_all(s.as_bytes())?;
        self.w.write_all(b"\n")
    }

    /// Bytes as they are (file contents in a diff).
    pub fn raw(&mut self, b: &[u8]) -> io::Result<()> {
        self.w.write_all(b)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
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

fn term_width() -> usize {
    if let Some(c) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        return c;
    }
    let mut ws = nix::libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ fills the struct we pass.
    let r = unsafe { nix::libc::ioctl(1, nix::libc::TIOCGWINSZ, &mut ws) };
    if r == 0 && ws.ws_col > 0 {
        ws.ws_col as usize
    } else {
        80
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

/// `~/x` for paths under the home directory.
pub fn tilde(path: &str) -> String {
    let home = crate::home_dir();
    let home = home.to_string_lossy();
    if home.len() > 1 {
        if path == home {
            return "~".into();
        }
        if let Some(rest) = path.strip_prefix(&*home) {
            if rest.starts_with('/') {
                return format!("~{rest}");
            }
        }
    }
    path.to_owned()
}

pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_fits() {
        assert_eq!(printable("a\nb\tc\x1b[31m"), "a ↵ b c\\x1b[31m");
        assert_eq!(ellipsize("abcdef", 4), "abc…");
        assert_eq!(ellipsize("abc", 4), "abc");
    }
}
