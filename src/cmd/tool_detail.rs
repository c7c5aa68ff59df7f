//! The lines under an agent's tool call in `show` and `explain`: why, in
//! the agent's own words (the text it wrote before the call), and, when
//! asked, what the call returned.

use crate::event::ToolCall;
use crate::output::{printable, Out};

/// At most this many lines of the reasoning in a timeline.
const REASONING_LINES: usize = 3;

/// The lines to print under a tool call, each after `indent` columns.
pub fn lines(out: &Out, t: &ToolCall, with_output: bool, indent: usize) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(r) = t.reasoning.as_deref().filter(|r| !r.trim().is_empty()) {
        let all: Vec<&str> = r.lines().filter(|l| !l.trim().is_empty()).collect();
        for (i, l) in all.iter().take(REASONING_LINES).enumerate() {
            let head = if i == 0 { "why: " } else { "     " };
            let more = i + 1 == REASONING_LINES && all.len() > REASONING_LINES;
            let text = format!("{head}{}{}", printable(l), if more { " …" } else { "" });
            lines.push(out.paint("3;32", &out.fit(&text, indent)));
        }
    }
    if !with_output {
        return lines;
    }
    let head = match (t.exit_code, t.is_error) {
        (Some(c), _) => format!("output (exit {c}):"),
        (None, Some(true)) => "output (failed):".to_owned(),
        _ => "output:".to_owned(),
    };
    match t.output.as_deref() {
        None => lines.push(out.dim("output: (none recorded)")),
        Some(o) => {
            lines.push(out.dim(&head));
            lines.extend(o.lines().map(|l| format!("  {}", printable(l))));
        }
    }
    lines
}
