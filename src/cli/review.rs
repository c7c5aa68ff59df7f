//! The arguments of the commands that read the record.

use super::{FilterArgs, StoreArgs, WhoArgs};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct SessionsArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub who: WhoArgs,
    /// Only sessions active since this time (2h, yesterday, 2026-11-01, ...)
    #[arg(long)]
    pub since: Option<String>,
    /// At most this many sessions (the newest)
    #[arg(long, short = 'n')]
    pub limit: Option<usize>,
    /// Print JSON Lines, one session object per line
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// Session id, any unique prefix of it, or `latest` (default: this
    /// recorded shell's session, else the latest that the filters match)
    #[arg(long, short = 's')]
    pub session: Option<String>,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    /// At most this many events (the newest)
    #[arg(long, short = 'n')]
    pub limit: Option<usize>,
    /// Start each line with the event's id (for `devtrace diff ID`)
    #[arg(long)]
    pub ids: bool,
    /// Under each agent's tool call, what it returned (its output, error
    /// or patch)
    #[arg(long)]
    pub output: bool,
}

#[derive(Args, Debug)]
pub struct LogArgs {
    /// Keep printing new events as they are recorded (Ctrl-C to stop)
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Only this session (id, unique prefix, or `latest`)
    #[arg(long, short = 's')]
    pub session: Option<String>,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    /// How many of the newest events to print first
    #[arg(long, short = 'n', default_value_t = 20)]
    pub limit: usize,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  devtrace diff 01JX3K            what an edit_files event or a command changed,
                                  or a snapshot against its commit
  devtrace diff SNAP_A SNAP_B     from one snapshot to another
  devtrace diff --session latest  the net change of a whole session")]
pub struct DiffArgs {
    /// An edit_files, run_command or git_snapshot event (id or unique prefix);
    /// two snapshots to compare them
    #[arg(num_args = 0..=2, value_name = "EVENT")]
    pub events: Vec<String>,
    /// The net change of this session (id, unique prefix, or `latest`)
    #[arg(long, short = 's', conflicts_with = "events")]
    pub session: Option<String>,
    /// A summary of changed lines per file, like `git diff --stat`
    #[arg(long, group = "format")]
    pub stat: bool,
    /// Only the names of the changed files
    #[arg(long, group = "format")]
    pub name_only: bool,
    /// The change list as JSON Lines, one file per line
    #[arg(long, group = "format")]
    pub json: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// A file, or FILE:LINE
    #[arg(value_name = "FILE[:LINE]")]
    pub target: String,
    /// Print the change, its cause and the prompt as one JSON object
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  devtrace search cargo test          commands with both words (word prefixes match)
  devtrace search migrate --failed --since yesterday
  devtrace search 'rm -rf' --agent '*' --json")]
pub struct SearchArgs {
    /// The words to look for in command text (several words: all of them)
    #[arg(required = true, value_name = "TEXT")]
    pub text: Vec<String>,
    /// Only commands that failed (exit status other than 0)
    #[arg(long)]
    pub failed: bool,
    /// Only commands run in this directory or below it
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<PathBuf>,
    /// Only this session (id, unique prefix, or `latest`)
    #[arg(long, short = 's')]
    pub session: Option<String>,
    #[command(flatten)]
    pub who: WhoArgs,
    /// Only commands run at or after this time (2h, yesterday, 2026-11-01, ...)
    #[arg(long)]
    pub since: Option<String>,
    /// Only commands run before this time
    #[arg(long)]
    pub until: Option<String>,
    /// At most this many results
    #[arg(long, short = 'n', default_value_t = 50)]
    pub limit: usize,
    /// Print JSON Lines, one event object per line
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args, Debug)]
pub struct StatsArgs {
    /// Only what happened at or after this time (2h, yesterday, 2026-11-01, ...)
    #[arg(long)]
    pub since: Option<String>,
    /// Across every store on this machine (the repositories ingest has written to, and ~/.devtrace)
    #[arg(long)]
    pub global: bool,
    /// How many of the most used and most failing commands to list
    #[arg(long, short = 'n', default_value_t = 10)]
    pub top: usize,
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
}
