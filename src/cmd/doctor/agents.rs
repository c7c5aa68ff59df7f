//! Doctor's look at the agents: which have DevTrace's hooks installed for
//! this repository (or for every project of the user), and whether those
//! hooks fired recently (the newest event of that agent in the store).

use crate::store::Store;
use crate::timestamp::Timestamp;
use std::path::Path;

/// One installed agent.
pub struct Installed {
    pub name: &'static str,
    /// Where its hooks are, as shown.
    pub place: String,
    /// When its newest event was recorded here, if ever.
    pub last: Option<Timestamp>,
}

pub fn gather(root: &Path, store_dir: &Path) -> Vec<Installed> {
    let store = store_dir
        .is_dir()
        .then(|| Store::open(store_dir).ok())
        .flatten();
    let home = crate::paths::home_dir();
    let mut out = Vec::new();
    for name in crate::cmd::agent_install::AGENTS {
        let places = crate::cmd::agent_install::installed(name, root, &home);
        if places.is_empty() {
            continue;
        }
        let last = store.as_ref().and_then(|s| newest(s, name));
        out.push(Installed {
            name,
            place: places.join(", "),
            last,
        });
    }
    out
}

fn newest(s: &Store, agent: &str) -> Option<Timestamp> {
    s.conn()
        .query_row(
            "SELECT max(ts_ms) FROM events WHERE agent = ?1",
            [agent],
            |r| r.get::<_, Option<i64>>(0),
        )
        .ok()
        .flatten()
        .map(Timestamp::from_millis)
}

/// Recently: within a day.
const RECENT_MS: i64 = 24 * 3600 * 1000;

/// (hooks fired recently, what to say, the fix when they did not).
pub fn describe(a: &Installed, now: Timestamp) -> (bool, String, Option<String>) {
    let head = format!("{}: hooks in {}", a.name, a.place);
    match a.last {
        Some(t) if now.as_millis() - t.as_millis() < RECENT_MS => (
            true,
            format!("{head}; last fired {}", crate::timefmt::ago(t, now)),
            None,
        ),
        Some(t) => (
            false,
            format!("{head}; last fired {}", crate::timefmt::ago(t, now)),
            Some(hint(a.name)),
        ),
        None => (
            false,
            format!("{head}; never fired here"),
            Some(hint(a.name)),
        ),
    }
}

fn hint(name: &str) -> String {
    match name {
        "codex" => "trust DevTrace's hooks in Codex (/hooks; the project must be trusted too); then start a session here".into(),
        "cline" => "turn on \"Enable Hooks\" in Cline's settings; then start a task here".into(),
        n => format!("start a {n} session in this project (hooks load when the agent starts)"),
    }
}
