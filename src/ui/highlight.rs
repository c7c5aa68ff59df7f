//! Syntax highlighting, server-side, with syntect (its pure-Rust regex
//! engine): lines become HTML spans with classes, and the themes' colours
//! are one stylesheet, light and dark.

use std::sync::OnceLock;
use syntect::html::{css_for_theme_with_class_style, line_tokens_to_classed_spans, ClassStyle};
use syntect::parsing::{ParseState, ScopeStack, SyntaxReference, SyntaxSet};

const STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// Most bytes of one line that are highlighted; the rest is plain.
const LINE_MAX: usize = 2000;

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_nonewlines)
}

/// The stylesheet of the highlighting: each theme's rules under
/// `html[data-theme=light|dark]`.
pub fn css() -> String {
    let themes = syntect::highlighting::ThemeSet::load_defaults();
    let mut out = String::new();
    for (mode, name) in [("light", "InspiredGitHub"), ("dark", "base16-ocean.dark")] {
        let Some(theme) = themes.themes.get(name) else {
            continue;
        };
        let Ok(css) = css_for_theme_with_class_style(theme, STYLE) else {
            continue;
        };
        out.push_str(&scoped(&css, &format!("html[data-theme={mode}] .code ")));
    }
    out
}

/// Every selector of `css` with `prefix` before it.
fn scoped(css: &str, prefix: &str) -> String {
    let mut out = String::new();
    let mut rest = css;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let selectors = rest[..open]
            .split(',')
            .map(|s| s.trim())
            .filter(|s| !s.is_empty() && !s.starts_with("/*"))
            .map(|s| format!("{prefix}{}", s.rsplit("*/").next().unwrap_or(s).trim()))
            .collect::<Vec<_>>()
            .join(", ");
        if !selectors.is_empty() {
            out.push_str(&selectors);
            out.push_str(&rest[open..open + close + 1]);
            out.push('\n');
        }
        rest = &rest[open + close + 1..];
    }
    out
}

/// The lines of one file, highlighted in order (a string that opens on one
/// line is still a string on the next).
pub struct Lines {
    syntax: Option<&'static SyntaxReference>,
    state: Option<ParseState>,
    stack: ScopeStack,
}

impl Lines {
    /// For a file of this path (its extension or name picks the syntax);
    /// plain text when none fits.
    pub fn for_path(path: &str) -> Lines {
        let set = syntaxes();
        let name = path.rsplit('/').next().unwrap_or(path);
        let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or(name);
        let syntax = set
            .find_syntax_by_extension(ext)
            .or_else(|| set.find_syntax_by_extension(name));
        Lines {
            syntax,
            state: syntax.map(ParseState::new),
            stack: ScopeStack::new(),
        }
    }

    /// One line (without its newline) as HTML: escaped, its tokens in
    /// spans whose classes the stylesheet colours.
    pub fn line(&mut self, text: &str) -> String {
        let (Some(state), Some(_)) = (self.state.as_mut(), self.syntax) else {
            return escape(text);
        };
        if text.len() > LINE_MAX {
            return escape(text);
        }
        let Ok(ops) = state.parse_line(text, syntaxes()) else {
            self.state = None;
            return escape(text);
        };
        let mut out = String::new();
        for scope in self.stack.as_slice() {
            out.push_str("<span class=\"");
            out.push_str(&classes(&scope.build_string()));
            out.push_str("\">");
        }
        match line_tokens_to_classed_spans(text, &ops, STYLE, &mut self.stack) {
            Ok((html, _)) => out.push_str(&html),
            Err(_) => {
                self.state = None;
                return escape(text);
            }
        }
        for _ in 0..self.stack.len() {
            out.push_str("</span>");
        }
        out
    }
}

fn classes(scope: &str) -> String {
    scope
        .split('.')
        .map(|atom| format!("hl-{atom}"))
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_is_highlighted_and_text_escaped() {
        let mut l = Lines::for_path("src/main.rs");
        let html = l.line("fn main() { let s = \"<b>\"; }");
        assert!(
            html.contains("hl-keyword") || html.contains("hl-storage"),
            "{html}"
        );
        assert!(
            html.contains("&lt;b&gt;") && !html.contains("<b>"),
            "{html}"
        );
        assert_eq!(
            html.matches("<span").count(),
            html.matches("</span>").count()
        );
        let mut plain = Lines::for_path("notes.unknownext");
        assert_eq!(plain.line("a < b"), "a &lt; b");
    }

    #[test]
    fn a_string_open_across_lines_stays_a_string() {
        let mut l = Lines::for_path("a.py");
        l.line("s = \"\"\"start");
        let second = l.line("still inside");
        assert!(second.contains("hl-string"), "{second}");
    }

    #[test]
    fn the_stylesheet_has_both_themes() {
        let css = css();
        assert!(css.contains("html[data-theme=light] .code .hl-"));
        assert!(css.contains("html[data-theme=dark] .code .hl-"));
    }
}
