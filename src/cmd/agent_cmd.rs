//! `devtrace agent-cmd` (hidden): run by the scripts `devtrace init --agents`
//! installs, before an agent's `bash -c`/`zsh -c` command.

use crate::cli::Shell;
use anyhow::Result;

/// `devtrace agent-cmd` (hidden): the command record of one agent's `-c`
/// command; prints `SPOOL<TAB>SEQ` for the exit record, or nothing when
/// there is nothing to record.
/// The session's `shell` is `exec`, as for `devtrace exec`: one agent's
/// `bash -c` and `zsh -c` commands share one session (`_shell` names the
/// shell of this command only).
pub fn run(_shell: Shell, pid: i32, text: &[String]) -> Result<i32> {
    let Some(agent) = crate::agent::detect() else {
        return Ok(0);
    };
    let cwd = crate::resolve::cwd()?;
    let store = crate::store::find_dir(std::path::Path::new(&cwd));
    if store.is_none_or(|s| s == crate::store::global_dir()) {
        return Ok(0);
    }
    let text = text.join(" ");
    if text.trim().is_empty() {
        return Ok(0);
    }
    let (chan, seq, _) =
        crate::channel::begin_record(Some(agent), pid, "exec", &cwd, text.as_bytes())?;
    println!("{}\t{seq}", chan.spool().display());
    Ok(0)
}
