//! The arguments of the commands that keep things out of the record, or
//! take them out: pause, resume, forget, gc, config.

use super::StoreArgs;
use clap::Args;

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  devtrace pause             stop recording this shell until `devtrace resume`
  devtrace pause --for 10m   for ten minutes
  devtrace pause --all       every shell of yours, new ones too")]
pub struct PauseArgs {
    /// Resume by itself after this long (30s, 10m, 2h)
    #[arg(long = "for", value_name = "DURATION")]
    pub duration: Option<String>,
    /// Every shell, not only this one
    #[arg(long)]
    pub all: bool,
}

#[derive(Args, Debug)]
pub struct ResumeArgs {
    /// End every pause, of every shell
    #[arg(long)]
    pub all: bool,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  devtrace forget --match 'secret-tool'      every event whose text contains it
  devtrace forget --session latest --yes
  devtrace forget --before 2026-10-01")]
pub struct ForgetArgs {
    /// This event (id or unique prefix)
    #[arg(long, value_name = "ID")]
    pub id: Vec<String>,
    /// Every event of this session (id, unique prefix, or `latest`)
    #[arg(long, short = 's', value_name = "ID")]
    pub session: Option<String>,
    /// Events whose text (command, note, prompt, tool input) contains TEXT
    #[arg(long = "match", value_name = "TEXT")]
    pub text: Option<String>,
    /// Events older than this (a date, 30d, ...)
    #[arg(long, value_name = "WHEN")]
    pub before: Option<String>,
    /// Do not ask (needed when standard input is not a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args, Debug)]
pub struct GcArgs {
    /// Only say what would be removed
    #[arg(long)]
    pub dry_run: bool,
    /// Run only if the last run was a day ago or more, quietly (used by ingest)
    #[arg(long, hide = true)]
    pub auto: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args, Debug)]
pub struct ConfigArgs {
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
    /// The configuration of the global store (the user's file only)
    #[arg(long)]
    pub global: bool,
}
