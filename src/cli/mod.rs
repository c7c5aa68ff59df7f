//! Every clap type of the command line, and nothing else: the commands
//! here, the arguments of the reading commands in `review.rs`, those of the
//! privacy commands in `privacy.rs`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

mod export;
mod privacy;
mod review;
pub use export::*;
pub use privacy::*;
pub use review::*;

#[derive(Parser, Debug)]
#[command(
    name = "devtrace",
    version,
    about = "Records what people and AI agents run in their shells, per repository",
    long_about = "DevTrace records every interactive shell command (text, exit status, duration, \
directory, who ran it) into the repository's .devtrace/ store, so that a reviewer can see \
what was run and changed, in what order.\n\nStart with `devtrace init` in a repository.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Start recording here: create .devtrace/ and add the hook line to your shell rc files
    Init(InitArgs),
    /// Print the hook script for a shell (used by the line `devtrace init` adds)
    Hook {
        /// The shell: bash, zsh or fish
        shell: Shell,
    },
    /// List the recorded shell sessions of this store
    Sessions(SessionsArgs),
    /// Show one session's timeline
    Show(ShowArgs),
    /// Print the newest events, and with --follow every new one as it is recorded
    Log(LogArgs),
    /// Record the state of every file of this repository (tracked changes and untracked files)
    Snapshot(SnapshotArgs),
    /// Show what an event, two snapshots or a session changed, as a diff
    Diff(DiffArgs),
    /// Add a note (why you did something) to this shell's session
    Note(NoteArgs),
    /// Walk back from a file or line to the change, command or tool call, and prompt behind it
    Explain(ExplainArgs),
    /// Run one command exactly as given, and record it (for agents: a command wrapper)
    Exec(ExecArgs),
    /// Start your shell with an agent's name on everything it records
    Shell(ShellArgs),
    /// Record what AI agents do through their own hooks
    #[command(subcommand)]
    Agent(AgentCmd),
    /// Serve the record to agents over MCP, record their MCP tool calls
    #[command(subcommand)]
    Mcp(McpCmd),
    /// Serve a local, read-only web timeline of this store (127.0.0.1, a secret URL)
    Ui(UiArgs),
    /// Find commands by their text, best match first
    Search(SearchArgs),
    /// What was run here: by whom, how often it failed, the most used commands, the busiest hours
    Stats(StatsArgs),
    /// Stop recording this shell (or every shell) until `devtrace resume`, or for a while
    Pause(PauseArgs),
    /// Start recording again after `devtrace pause`
    Resume(ResumeArgs),
    /// Remove events from this store for good (events.jsonl and the index)
    Forget(ForgetArgs),
    /// Apply the retention settings (keep_days, max_events) to this store now
    Gc(GcArgs),
    /// Show the effective configuration and where each value comes from
    Config(ConfigArgs),
    /// Check that recording works in this shell, and say how to fix what does not
    Doctor(DoctorArgs),
    /// Export the record: JSON Lines or CSV for analysis, OpenTelemetry spans for a tracing backend
    #[command(subcommand)]
    Export(ExportCmd),
    /// Rebuild the SQLite index of this store from events.jsonl
    Reindex(StoreArgs),
    /// Print shell completions for devtrace
    Completions {
        /// bash, zsh or fish
        shell: Shell,
    },
    /// Print the manual page (roff), or write one page per subcommand
    #[command(hide = true)]
    Man {
        /// Write devtrace.1 and devtrace-SUBCOMMAND.1 into this directory
        #[arg(long)]
        out_dir: Option<PathBuf>,
    },
    /// Drain the shells' channels into the stores (started by the hook)
    #[command(hide = true)]
    Ingest {
        /// Start it in the background, detached, and return at once
        #[arg(long)]
        spawn: bool,
    },
    /// Register a new shell session (run by the hook at shell start)
    #[command(hide = true)]
    SessionStart {
        #[arg(long)]
        shell: Shell,
        #[arg(long)]
        pid: i32,
    },
    /// Start the record of an agent's `bash -c`/`zsh -c` command (run from BASH_ENV or .zshenv)
    #[command(hide = true, name = "agent-cmd")]
    AgentCmd {
        #[arg(long)]
        shell: Shell,
        /// The process that ran the shell (the agent)
        #[arg(long)]
        pid: i32,
        /// The command string
        #[arg(last = true)]
        text: Vec<String>,
    },
    /// Make standard input non-blocking (run by the bash hook at shell start)
    #[command(hide = true)]
    Nonblock,
    /// Time the scans that find each command's changed files (for benches/)
    #[cfg(feature = "testing")]
    #[command(hide = true)]
    BenchScan {
        /// The directory whose .devtrace/ store to scan
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value_t = 20)]
        rounds: usize,
        /// First scans to time (each from no saved state)
        #[arg(long, default_value_t = 1)]
        firsts: usize,
    },
    /// Fill a store with synthetic events (for benches/)
    #[cfg(feature = "testing")]
    #[command(hide = true)]
    BenchFill {
        /// The directory whose .devtrace/ store to fill
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
        #[arg(long, default_value_t = 10_000)]
        sessions: u64,
    },
}

pub use crate::shell_kind::Shell;

impl ValueEnum for Shell {
    fn value_variants<'a>() -> &'a [Self] {
        &Shell::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()))
    }
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Do not touch shell rc files; only create the store
    #[arg(long)]
    pub no_rc: bool,
    /// Remove the hook lines `devtrace init` added to the rc files
    #[arg(long, conflicts_with = "no_rc")]
    pub uninstall: bool,
    /// Only these shells' rc files (default: bash, zsh and fish)
    #[arg(long, value_delimiter = ',')]
    pub shell: Vec<Shell>,
    /// The directory to initialise (default: the repository root, else the current directory)
    #[arg(long, conflicts_with = "global")]
    pub dir: Option<PathBuf>,
    /// Set up the global store (~/.devtrace) for commands outside every initialised repository
    #[arg(long)]
    pub global: bool,
    /// Also record the `bash -c`/`zsh -c` commands AI agents run in recorded
    /// repositories (through BASH_ENV and ~/.zshenv); with --uninstall, stop
    #[arg(long)]
    pub agents: bool,
}

#[derive(Args, Debug)]
#[command(
    after_help = "The URL printed on the first line carries a secret token: \
anyone who has it can read this store's record while the server runs.\n\n\
Examples:\n  devtrace ui                 serve this repository's store, open the browser\n  \
devtrace ui --no-open --port 8765\n  devtrace ui --global        every store on this machine"
)]
pub struct UiArgs {
    /// Listen on this port of 127.0.0.1 (default: any free port)
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Do not open a browser; only print the URL
    #[arg(long)]
    pub no_open: bool,
    /// Serve every store on this machine: the global one and every
    /// repository's that DevTrace has recorded into
    #[arg(long)]
    pub global: bool,
}

#[derive(Args, Debug, Clone, Default)]
pub struct StoreArgs {
    /// Use the global store (~/.devtrace) instead of this directory's
    #[arg(long, global = true)]
    pub global: bool,
}

/// Who made what a listing shows.
#[derive(Args, Debug, Clone, Default)]
pub struct WhoArgs {
    /// Only what this agent did (`'*'`: any agent)
    #[arg(long, value_name = "NAME")]
    pub agent: Option<String>,
    /// Only what people did (no agent)
    #[arg(long, conflicts_with = "agent")]
    pub human: bool,
}

impl WhoArgs {
    pub fn who(&self) -> Option<crate::agent::Who> {
        crate::agent::Who::from_args(self.agent.as_deref(), self.human)
    }
}

#[derive(Args, Debug, Clone)]
pub struct FilterArgs {
    /// Only events of these types (run_command, session_start, ...)
    #[arg(long = "type", value_delimiter = ',')]
    pub types: Vec<String>,
    /// Only events at or after this time (2h, 30m, yesterday, 2026-11-01, RFC 3339)
    #[arg(long)]
    pub since: Option<String>,
    /// Only events before this time
    #[arg(long)]
    pub until: Option<String>,
    #[command(flatten)]
    pub who: WhoArgs,
    /// Print JSON Lines, one event object per line
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct SnapshotArgs {
    /// What this state is (shown in the timeline)
    #[arg(long, short = 'l')]
    pub label: Option<String>,
    /// Print the snapshot event as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
#[command(after_help = "Example: devtrace exec --agent aider -- cargo test -p billing")]
pub struct ExecArgs {
    /// The agent running it (default: DEVTRACE_AGENT, else detected)
    #[arg(long, value_name = "NAME")]
    pub agent: Option<String>,
    /// The command and its arguments
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum AgentCmd {
    /// Add DevTrace's hook to an agent's settings in this project
    Install {
        /// The agent: claude-code, gemini-cli, codex, cursor, copilot,
        /// opencode or cline
        name: String,
        /// Take DevTrace's hook out again
        #[arg(long)]
        uninstall: bool,
        /// Install for every project of this user (the agent's settings in
        /// the home directory) rather than this project
        #[arg(long)]
        user: bool,
    },
    /// Record an agent's sessions from before DevTrace, from the transcripts
    /// it keeps for this repository (importing twice adds nothing)
    Import {
        /// The agent: claude-code, cline, codex, copilot, gemini-cli or
        /// opencode
        name: String,
        /// Only what happened at or after this time
        #[arg(long, value_name = "T")]
        since: Option<String>,
    },
    /// Handle one hook call of an agent (its settings run this; JSON on stdin)
    Hook {
        /// The agent: claude-code, gemini-cli, codex, cursor, copilot,
        /// opencode or cline
        name: String,
        /// The hook's event, for agents whose payload does not name it
        #[arg(long)]
        event: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum McpCmd {
    /// Serve this repository's record over MCP on stdin/stdout (read-only)
    Serve(StoreArgs),
    /// Relay between an MCP client and SERVER_CMD byte for byte, recording each tool call
    Proxy {
        /// The server's name in the record (default: the command's file name)
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// The MCP server's command line
        #[arg(
            required = true,
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "SERVER_CMD"
        )]
        command: Vec<String>,
    },
    /// Register `devtrace mcp serve` in an agent's MCP settings (or take it out)
    Install {
        /// The agent: claude-code, codex, gemini, cursor, opencode or copilot
        agent: String,
        /// Remove DevTrace's MCP server again
        #[arg(long, conflicts_with_all = ["wrap", "unwrap"])]
        uninstall: bool,
        /// Instead: put the agent's other MCP servers behind `devtrace mcp proxy`
        #[arg(long, conflicts_with = "unwrap")]
        wrap: bool,
        /// Instead: take them out from behind the proxy again
        #[arg(long)]
        unwrap: bool,
    },
}

#[derive(Args, Debug)]
pub struct ShellArgs {
    /// The agent's name, recorded on every event of the shell
    #[arg(long, value_name = "NAME")]
    pub agent: String,
    /// Arguments for the shell ($SHELL)
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

#[derive(Args, Debug)]
pub struct NoteArgs {
    /// The note (several words are joined with spaces)
    #[arg(required = true, value_name = "TEXT")]
    pub text: Vec<String>,
    /// Print the note event as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print the findings as one JSON object
    #[arg(long)]
    pub json: bool,
}
