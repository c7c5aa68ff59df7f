//! Who runs a command: a person (`None`) or an agent, named by
//! `DEVTRACE_AGENT` (set by `devtrace shell --agent` and `devtrace exec
//! --agent`), else by the markers agents put in their commands' environment.

/// The environment markers of known agents: (variable, value or "" for any
/// non-empty value, agent name). Sources: each agent's documentation or
/// changelog. Cursor's integrated terminal sets CURSOR_TRACE_ID for people
/// too, so only its agent markers count.
const MARKERS: &[(&str, &str, &str)] = &[
    ("CLAUDECODE", "1", "claude-code"),
    ("CURSOR_AGENT", "", "cursor"),
    ("CURSOR_EXTENSION_HOST_ROLE", "agent-exec", "cursor"),
    ("GEMINI_CLI", "1", "gemini-cli"),
    ("CODEX_SANDBOX", "", "codex"),
    ("CODEX_SANDBOX_NETWORK_DISABLED", "1", "codex"),
];

/// The agent of this process's environment, if any.
pub fn detect() -> Option<String> {
    detect_with(|k| std::env::var(k).ok())
}

pub fn detect_with(get: impl Fn(&str) -> Option<String>) -> Option<String> {
    if let Some(name) = get("DEVTRACE_AGENT") {
        let name = name.trim();
        if !name.is_empty() {
            return Some(name.to_owned());
        }
    }
    MARKERS.iter().find_map(|(var, want, name)| {
        let v = get(var)?;
        let hit = if want.is_empty() {
            !v.trim().is_empty()
        } else {
            v.trim() == *want
        };
        hit.then(|| (*name).to_owned())
    })
}

/// Which events or sessions a listing keeps, by who made them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    Agent(String),
    AnyAgent,
    Human,
}

impl Who {
    /// From `--agent NAME|'*'` and `--human`.
    pub fn from_args(agent: Option<&str>, human: bool) -> Option<Who> {
        match (agent, human) {
            (_, true) => Some(Who::Human),
            (Some("*"), _) => Some(Who::AnyAgent),
            (Some(name), _) => Some(Who::Agent(name.to_owned())),
            (None, false) => None,
        }
    }

    /// A SQL condition on the column `col`, with its argument if any.
    pub fn sql(&self, col: &str) -> (String, Option<String>) {
        match self {
            Who::Agent(name) => (format!("{col} = ?"), Some(name.clone())),
            Who::AnyAgent => (format!("{col} IS NOT NULL"), None),
            Who::Human => (format!("{col} IS NULL"), None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(a, _)| *a == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn names_come_from_devtrace_agent_then_markers() {
        assert_eq!(detect_with(env(&[])), None);
        assert_eq!(
            detect_with(env(&[("CLAUDECODE", "1")])).as_deref(),
            Some("claude-code")
        );
        assert_eq!(
            detect_with(env(&[("CLAUDECODE", "1"), ("DEVTRACE_AGENT", "reviewer")])).as_deref(),
            Some("reviewer")
        );
        assert_eq!(detect_with(env(&[("DEVTRACE_AGENT", "  ")])), None);
        assert_eq!(
            detect_with(env(&[("GEMINI_CLI", "1")])).as_deref(),
            Some("gemini-cli")
        );
        assert_eq!(
            detect_with(env(&[("CURSOR_EXTENSION_HOST_ROLE", "agent-exec")])).as_deref(),
            Some("cursor")
        );
        // A person in Cursor's terminal is a person.
        assert_eq!(detect_with(env(&[("CURSOR_TRACE_ID", "abc")])), None);
        assert_eq!(
            detect_with(env(&[("CURSOR_EXTENSION_HOST_ROLE", "user")])),
            None
        );
        assert_eq!(detect_with(env(&[("CLAUDECODE", "0")])), None);
    }
}
