# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_devtrace_global_optspecs
    string join \n h/help V/version
end

function __fish_devtrace_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_devtrace_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_devtrace_using_subcommand
    set -l cmd (__fish_devtrace_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c devtrace -n "__fish_devtrace_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c devtrace -n "__fish_devtrace_needs_command" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "init" -d 'Start recording here: create .devtrace/ and add the hook line to your shell rc files'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "hook" -d 'Print the hook script for a shell (used by the line `devtrace init` adds)'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "sessions" -d 'List the recorded shell sessions of this store'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "show" -d 'Show one session\'s timeline'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "log" -d 'Print the newest events, and with --follow every new one as it is recorded'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "snapshot" -d 'Record the state of every file of this repository (tracked changes and untracked files)'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "diff" -d 'Show what an event, two snapshots or a session changed, as a diff'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "note" -d 'Add a note (why you did something) to this shell\'s session'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "explain" -d 'Walk back from a file or line to the change, command or tool call, and prompt behind it'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "exec" -d 'Run one command exactly as given, and record it (for agents: a command wrapper)'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "shell" -d 'Start your shell with an agent\'s name on everything it records'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "agent" -d 'Record what AI agents do through their own hooks'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "mcp" -d 'Serve the record to agents over MCP, record their MCP tool calls'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "ui" -d 'Serve a local, read-only web timeline of this store (127.0.0.1, a secret URL)'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "search" -d 'Find commands by their text, best match first'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "stats" -d 'What was run here: by whom, how often it failed, the most used commands, the busiest hours'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "pause" -d 'Stop recording this shell (or every shell) until `devtrace resume`, or for a while'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "resume" -d 'Start recording again after `devtrace pause`'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "forget" -d 'Remove events from this store for good (events.jsonl and the index)'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "gc" -d 'Apply the retention settings (keep_days, max_events) to this store now'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "config" -d 'Show the effective configuration and where each value comes from'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "doctor" -d 'Check that recording works in this shell, and say how to fix what does not'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "export" -d 'Export the record: JSON Lines or CSV for analysis, OpenTelemetry spans for a tracing backend'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "reindex" -d 'Rebuild the SQLite index of this store from events.jsonl'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "completions" -d 'Print shell completions for devtrace'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "man" -d 'Print the manual page (roff), or write one page per subcommand'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "ingest" -d 'Drain the shells\' channels into the stores (started by the hook)'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "session-start" -d 'Register a new shell session (run by the hook at shell start)'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "agent-cmd" -d 'Start the record of an agent\'s `bash -c`/`zsh -c` command (run from BASH_ENV or .zshenv)'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "nonblock" -d 'Make standard input non-blocking (run by the bash hook at shell start)'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "bench-scan" -d 'Time the scans that find each command\'s changed files (for benches/)'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "bench-fill" -d 'Fill a store with synthetic events (for benches/)'
complete -c devtrace -n "__fish_devtrace_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c devtrace -n "__fish_devtrace_using_subcommand init" -l shell -d 'Only these shells\' rc files (default: bash, zsh and fish)' -r -f -a "bash\t''
zsh\t''
fish\t''"
complete -c devtrace -n "__fish_devtrace_using_subcommand init" -l dir -d 'The directory to initialise (default: the repository root, else the current directory)' -r -F
complete -c devtrace -n "__fish_devtrace_using_subcommand init" -l no-rc -d 'Do not touch shell rc files; only create the store'
complete -c devtrace -n "__fish_devtrace_using_subcommand init" -l uninstall -d 'Remove the hook lines `devtrace init` added to the rc files'
complete -c devtrace -n "__fish_devtrace_using_subcommand init" -l global -d 'Set up the global store (~/.devtrace) for commands outside every initialised repository'
complete -c devtrace -n "__fish_devtrace_using_subcommand init" -l agents -d 'Also record the `bash -c`/`zsh -c` commands AI agents run in recorded repositories (through BASH_ENV and ~/.zshenv); with --uninstall, stop'
complete -c devtrace -n "__fish_devtrace_using_subcommand init" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand init" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand hook" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand hook" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand sessions" -l agent -d 'Only what this agent did (`\'*\'`: any agent)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand sessions" -l since -d 'Only sessions active since this time (2h, yesterday, 2026-11-01, ...)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand sessions" -s n -l limit -d 'At most this many sessions (the newest)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand sessions" -l global -d 'Use the global store (~/.devtrace) instead of this directory\'s'
complete -c devtrace -n "__fish_devtrace_using_subcommand sessions" -l human -d 'Only what people did (no agent)'
complete -c devtrace -n "__fish_devtrace_using_subcommand sessions" -l json -d 'Print JSON Lines, one session object per line'
complete -c devtrace -n "__fish_devtrace_using_subcommand sessions" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand sessions" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand show" -s s -l session -d 'Session id, any unique prefix of it, or `latest` (default: this recorded shell\'s session, else the latest that the filters match)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand show" -l type -d 'Only events of these types (run_command, session_start, ...)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand show" -l since -d 'Only events at or after this time (2h, 30m, yesterday, 2026-11-01, RFC 3339)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand show" -l until -d 'Only events before this time' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand show" -l agent -d 'Only what this agent did (`\'*\'`: any agent)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand show" -s n -l limit -d 'At most this many events (the newest)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand show" -l human -d 'Only what people did (no agent)'
complete -c devtrace -n "__fish_devtrace_using_subcommand show" -l json -d 'Print JSON Lines, one event object per line'
complete -c devtrace -n "__fish_devtrace_using_subcommand show" -l global -d 'Use the global store (~/.devtrace) instead of this directory\'s'
complete -c devtrace -n "__fish_devtrace_using_subcommand show" -l ids -d 'Start each line with the event\'s id (for `devtrace diff ID`)'
complete -c devtrace -n "__fish_devtrace_using_subcommand show" -l output -d 'Under each agent\'s tool call, what it returned (its output, error or patch)'
complete -c devtrace -n "__fish_devtrace_using_subcommand show" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand show" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand log" -s s -l session -d 'Only this session (id, unique prefix, or `latest`)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand log" -l type -d 'Only events of these types (run_command, session_start, ...)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand log" -l since -d 'Only events at or after this time (2h, 30m, yesterday, 2026-11-01, RFC 3339)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand log" -l until -d 'Only events before this time' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand log" -l agent -d 'Only what this agent did (`\'*\'`: any agent)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand log" -s n -l limit -d 'How many of the newest events to print first' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand log" -s f -l follow -d 'Keep printing new events as they are recorded (Ctrl-C to stop)'
complete -c devtrace -n "__fish_devtrace_using_subcommand log" -l human -d 'Only what people did (no agent)'
complete -c devtrace -n "__fish_devtrace_using_subcommand log" -l json -d 'Print JSON Lines, one event object per line'
complete -c devtrace -n "__fish_devtrace_using_subcommand log" -l global -d 'Use the global store (~/.devtrace) instead of this directory\'s'
complete -c devtrace -n "__fish_devtrace_using_subcommand log" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand log" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand snapshot" -s l -l label -d 'What this state is (shown in the timeline)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand snapshot" -l json -d 'Print the snapshot event as JSON'
complete -c devtrace -n "__fish_devtrace_using_subcommand snapshot" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand snapshot" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand diff" -s s -l session -d 'The net change of this session (id, unique prefix, or `latest`)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand diff" -l stat -d 'A summary of changed lines per file, like `git diff --stat`'
complete -c devtrace -n "__fish_devtrace_using_subcommand diff" -l name-only -d 'Only the names of the changed files'
complete -c devtrace -n "__fish_devtrace_using_subcommand diff" -l json -d 'The change list as JSON Lines, one file per line'
complete -c devtrace -n "__fish_devtrace_using_subcommand diff" -l global -d 'Use the global store (~/.devtrace) instead of this directory\'s'
complete -c devtrace -n "__fish_devtrace_using_subcommand diff" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand diff" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand note" -l json -d 'Print the note event as JSON'
complete -c devtrace -n "__fish_devtrace_using_subcommand note" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand note" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand explain" -l json -d 'Print the change, its cause and the prompt as one JSON object'
complete -c devtrace -n "__fish_devtrace_using_subcommand explain" -l global -d 'Use the global store (~/.devtrace) instead of this directory\'s'
complete -c devtrace -n "__fish_devtrace_using_subcommand explain" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand explain" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand exec" -l agent -d 'The agent running it (default: DEVTRACE_AGENT, else detected)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand exec" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand exec" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand shell" -l agent -d 'The agent\'s name, recorded on every event of the shell' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand shell" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand shell" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand agent; and not __fish_seen_subcommand_from install import hook help" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand agent; and not __fish_seen_subcommand_from install import hook help" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand agent; and not __fish_seen_subcommand_from install import hook help" -f -a "install" -d 'Add DevTrace\'s hook to an agent\'s settings in this project'
complete -c devtrace -n "__fish_devtrace_using_subcommand agent; and not __fish_seen_subcommand_from install import hook help" -f -a "import" -d 'Record an agent\'s sessions from before DevTrace, from the transcripts it keeps for this repository (importing twice adds nothing)'
complete -c devtrace -n "__fish_devtrace_using_subcommand agent; and not __fish_seen_subcommand_from install import hook help" -f -a "hook" -d 'Handle one hook call of an agent (its settings run this; JSON on stdin)'
complete -c devtrace -n "__fish_devtrace_using_subcommand agent; and not __fish_seen_subcommand_from install import hook help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c devtrace -n "__fish_devtrace_using_subcommand agent; and __fish_seen_subcommand_from install" -l uninstall -d 'Take DevTrace\'s hook out again'
complete -c devtrace -n "__fish_devtrace_using_subcommand agent; and __fish_seen_subcommand_from install" -l user -d 'Install for every project of this user (the agent\'s settings in the home directory) rather than this project'
complete -c devtrace -n "__fish_devtrace_using_subcommand agent; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand agent; and __fish_seen_subcommand_from install" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand agent; and __fish_seen_subcommand_from import" -l since -d 'Only what happened at or after this time' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand agent; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand agent; and __fish_seen_subcommand_from import" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand agent; and __fish_seen_subcommand_from hook" -l event -d 'The hook\'s event, for agents whose payload does not name it' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand agent; and __fish_seen_subcommand_from hook" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand agent; and __fish_seen_subcommand_from hook" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand agent; and __fish_seen_subcommand_from help" -f -a "install" -d 'Add DevTrace\'s hook to an agent\'s settings in this project'
complete -c devtrace -n "__fish_devtrace_using_subcommand agent; and __fish_seen_subcommand_from help" -f -a "import" -d 'Record an agent\'s sessions from before DevTrace, from the transcripts it keeps for this repository (importing twice adds nothing)'
complete -c devtrace -n "__fish_devtrace_using_subcommand agent; and __fish_seen_subcommand_from help" -f -a "hook" -d 'Handle one hook call of an agent (its settings run this; JSON on stdin)'
complete -c devtrace -n "__fish_devtrace_using_subcommand agent; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and not __fish_seen_subcommand_from serve proxy install help" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and not __fish_seen_subcommand_from serve proxy install help" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and not __fish_seen_subcommand_from serve proxy install help" -f -a "serve" -d 'Serve this repository\'s record over MCP on stdin/stdout (read-only)'
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and not __fish_seen_subcommand_from serve proxy install help" -f -a "proxy" -d 'Relay between an MCP client and SERVER_CMD byte for byte, recording each tool call'
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and not __fish_seen_subcommand_from serve proxy install help" -f -a "install" -d 'Register `devtrace mcp serve` in an agent\'s MCP settings (or take it out)'
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and not __fish_seen_subcommand_from serve proxy install help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and __fish_seen_subcommand_from serve" -l global -d 'Use the global store (~/.devtrace) instead of this directory\'s'
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and __fish_seen_subcommand_from serve" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and __fish_seen_subcommand_from proxy" -l name -d 'The server\'s name in the record (default: the command\'s file name)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and __fish_seen_subcommand_from proxy" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and __fish_seen_subcommand_from proxy" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and __fish_seen_subcommand_from install" -l uninstall -d 'Remove DevTrace\'s MCP server again'
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and __fish_seen_subcommand_from install" -l wrap -d 'Instead: put the agent\'s other MCP servers behind `devtrace mcp proxy`'
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and __fish_seen_subcommand_from install" -l unwrap -d 'Instead: take them out from behind the proxy again'
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and __fish_seen_subcommand_from install" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and __fish_seen_subcommand_from help" -f -a "serve" -d 'Serve this repository\'s record over MCP on stdin/stdout (read-only)'
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and __fish_seen_subcommand_from help" -f -a "proxy" -d 'Relay between an MCP client and SERVER_CMD byte for byte, recording each tool call'
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and __fish_seen_subcommand_from help" -f -a "install" -d 'Register `devtrace mcp serve` in an agent\'s MCP settings (or take it out)'
complete -c devtrace -n "__fish_devtrace_using_subcommand mcp; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c devtrace -n "__fish_devtrace_using_subcommand ui" -l port -d 'Listen on this port of 127.0.0.1 (default: any free port)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand ui" -l no-open -d 'Do not open a browser; only print the URL'
complete -c devtrace -n "__fish_devtrace_using_subcommand ui" -l global -d 'Serve every store on this machine: the global one and every repository\'s that DevTrace has recorded into'
complete -c devtrace -n "__fish_devtrace_using_subcommand ui" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand ui" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand search" -l cwd -d 'Only commands run in this directory or below it' -r -F
complete -c devtrace -n "__fish_devtrace_using_subcommand search" -s s -l session -d 'Only this session (id, unique prefix, or `latest`)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand search" -l agent -d 'Only what this agent did (`\'*\'`: any agent)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand search" -l since -d 'Only commands run at or after this time (2h, yesterday, 2026-11-01, ...)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand search" -l until -d 'Only commands run before this time' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand search" -s n -l limit -d 'At most this many results' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand search" -l failed -d 'Only commands that failed (exit status other than 0)'
complete -c devtrace -n "__fish_devtrace_using_subcommand search" -l human -d 'Only what people did (no agent)'
complete -c devtrace -n "__fish_devtrace_using_subcommand search" -l json -d 'Print JSON Lines, one event object per line'
complete -c devtrace -n "__fish_devtrace_using_subcommand search" -l global -d 'Use the global store (~/.devtrace) instead of this directory\'s'
complete -c devtrace -n "__fish_devtrace_using_subcommand search" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand search" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand stats" -l since -d 'Only what happened at or after this time (2h, yesterday, 2026-11-01, ...)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand stats" -s n -l top -d 'How many of the most used and most failing commands to list' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand stats" -l global -d 'Across every store on this machine (the repositories ingest has written to, and ~/.devtrace)'
complete -c devtrace -n "__fish_devtrace_using_subcommand stats" -l json -d 'Print one JSON object'
complete -c devtrace -n "__fish_devtrace_using_subcommand stats" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand stats" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand pause" -l for -d 'Resume by itself after this long (30s, 10m, 2h)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand pause" -l all -d 'Every shell, not only this one'
complete -c devtrace -n "__fish_devtrace_using_subcommand pause" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand pause" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand resume" -l all -d 'End every pause, of every shell'
complete -c devtrace -n "__fish_devtrace_using_subcommand resume" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand resume" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand forget" -l id -d 'This event (id or unique prefix)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand forget" -s s -l session -d 'Every event of this session (id, unique prefix, or `latest`)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand forget" -l match -d 'Events whose text (command, note, prompt, tool input) contains TEXT' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand forget" -l before -d 'Events older than this (a date, 30d, ...)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand forget" -s y -l yes -d 'Do not ask (needed when standard input is not a terminal)'
complete -c devtrace -n "__fish_devtrace_using_subcommand forget" -l global -d 'Use the global store (~/.devtrace) instead of this directory\'s'
complete -c devtrace -n "__fish_devtrace_using_subcommand forget" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand forget" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand gc" -l dry-run -d 'Only say what would be removed'
complete -c devtrace -n "__fish_devtrace_using_subcommand gc" -l auto -d 'Run only if the last run was a day ago or more, quietly (used by ingest)'
complete -c devtrace -n "__fish_devtrace_using_subcommand gc" -l global -d 'Use the global store (~/.devtrace) instead of this directory\'s'
complete -c devtrace -n "__fish_devtrace_using_subcommand gc" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand gc" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand config" -l json -d 'Print one JSON object'
complete -c devtrace -n "__fish_devtrace_using_subcommand config" -l global -d 'The configuration of the global store (the user\'s file only)'
complete -c devtrace -n "__fish_devtrace_using_subcommand config" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand config" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand doctor" -l global -d 'Use the global store (~/.devtrace) instead of this directory\'s'
complete -c devtrace -n "__fish_devtrace_using_subcommand doctor" -l json -d 'Print the findings as one JSON object'
complete -c devtrace -n "__fish_devtrace_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and not __fish_seen_subcommand_from json csv otlp status help" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and not __fish_seen_subcommand_from json csv otlp status help" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and not __fish_seen_subcommand_from json csv otlp status help" -f -a "json" -d 'Print the events as JSON Lines (the event contract), oldest first'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and not __fish_seen_subcommand_from json csv otlp status help" -f -a "csv" -d 'Print the events as CSV, one row per event, oldest first'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and not __fish_seen_subcommand_from json csv otlp status help" -f -a "otlp" -d 'Send sessions and events as OpenTelemetry spans (OTLP/HTTP protobuf), each once per endpoint'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and not __fish_seen_subcommand_from json csv otlp status help" -f -a "status" -d 'Show each endpoint\'s cursor, backlog and last error'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and not __fish_seen_subcommand_from json csv otlp status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from json" -s s -l session -d 'Only this session (id, unique prefix, or `latest`)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from json" -l type -d 'Only events of these types (run_command, session_start, ...)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from json" -l since -d 'Only events at or after this time (2h, 30m, yesterday, 2026-11-01, RFC 3339)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from json" -l until -d 'Only events before this time' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from json" -l agent -d 'Only what this agent did (`\'*\'`: any agent)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from json" -l human -d 'Only what people did (no agent)'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from json" -l json -d 'Print JSON Lines, one event object per line'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from json" -l global -d 'Use the global store (~/.devtrace) instead of this directory\'s'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from json" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from json" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from csv" -s s -l session -d 'Only this session (id, unique prefix, or `latest`)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from csv" -l type -d 'Only events of these types (run_command, session_start, ...)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from csv" -l since -d 'Only events at or after this time (2h, 30m, yesterday, 2026-11-01, RFC 3339)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from csv" -l until -d 'Only events before this time' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from csv" -l agent -d 'Only what this agent did (`\'*\'`: any agent)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from csv" -l human -d 'Only what people did (no agent)'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from csv" -l json -d 'Print JSON Lines, one event object per line'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from csv" -l global -d 'Use the global store (~/.devtrace) instead of this directory\'s'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from csv" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from csv" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from otlp" -l endpoint -d 'The receiver\'s base URL (http://host:4318, https://..., Langfuse\'s .../api/public/otel)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from otlp" -l header -d 'A header for every request (repeatable), e.g. Authorization=Basic ...' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from otlp" -s s -l session -d 'Only this session (id, unique prefix, or `latest`); sends it whole and leaves the endpoint\'s cursor as it is' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from otlp" -l since -d 'Only events at or after this time (2h, yesterday, 2026-11-01, RFC 3339)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from otlp" -l timeout -d 'Give up after this many seconds of failed attempts (one-shot export)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from otlp" -l batch -d 'At most this many events per request' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from otlp" -s f -l follow -d 'Keep running: send new events as they are recorded (Ctrl-C to stop)'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from otlp" -l diffs -d 'Send each file change\'s unified diff (redacted, at most 8 KiB a file); without it (or `[export] diffs = true`) no diff text is sent'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from otlp" -l global -d 'Use the global store (~/.devtrace) instead of this directory\'s'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from otlp" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from otlp" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from status" -l json -d 'Print one JSON object per endpoint'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from status" -l global -d 'Use the global store (~/.devtrace) instead of this directory\'s'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "json" -d 'Print the events as JSON Lines (the event contract), oldest first'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "csv" -d 'Print the events as CSV, one row per event, oldest first'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "otlp" -d 'Send sessions and events as OpenTelemetry spans (OTLP/HTTP protobuf), each once per endpoint'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show each endpoint\'s cursor, backlog and last error'
complete -c devtrace -n "__fish_devtrace_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c devtrace -n "__fish_devtrace_using_subcommand reindex" -l global -d 'Use the global store (~/.devtrace) instead of this directory\'s'
complete -c devtrace -n "__fish_devtrace_using_subcommand reindex" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand reindex" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand completions" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand completions" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand man" -l out-dir -d 'Write devtrace.1 and devtrace-SUBCOMMAND.1 into this directory' -r -F
complete -c devtrace -n "__fish_devtrace_using_subcommand man" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand man" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand ingest" -l spawn -d 'Start it in the background, detached, and return at once'
complete -c devtrace -n "__fish_devtrace_using_subcommand ingest" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand ingest" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand session-start" -l shell -r -f -a "bash\t''
zsh\t''
fish\t''"
complete -c devtrace -n "__fish_devtrace_using_subcommand session-start" -l pid -r
complete -c devtrace -n "__fish_devtrace_using_subcommand session-start" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand session-start" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand agent-cmd" -l shell -r -f -a "bash\t''
zsh\t''
fish\t''"
complete -c devtrace -n "__fish_devtrace_using_subcommand agent-cmd" -l pid -d 'The process that ran the shell (the agent)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand agent-cmd" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand agent-cmd" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand nonblock" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand nonblock" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand bench-scan" -l dir -d 'The directory whose .devtrace/ store to scan' -r -F
complete -c devtrace -n "__fish_devtrace_using_subcommand bench-scan" -l rounds -r
complete -c devtrace -n "__fish_devtrace_using_subcommand bench-scan" -l firsts -d 'First scans to time (each from no saved state)' -r
complete -c devtrace -n "__fish_devtrace_using_subcommand bench-scan" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand bench-scan" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand bench-fill" -l dir -d 'The directory whose .devtrace/ store to fill' -r -F
complete -c devtrace -n "__fish_devtrace_using_subcommand bench-fill" -l events -r
complete -c devtrace -n "__fish_devtrace_using_subcommand bench-fill" -l sessions -r
complete -c devtrace -n "__fish_devtrace_using_subcommand bench-fill" -s h -l help -d 'Print help'
complete -c devtrace -n "__fish_devtrace_using_subcommand bench-fill" -s V -l version -d 'Print version'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "init" -d 'Start recording here: create .devtrace/ and add the hook line to your shell rc files'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "hook" -d 'Print the hook script for a shell (used by the line `devtrace init` adds)'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "sessions" -d 'List the recorded shell sessions of this store'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "show" -d 'Show one session\'s timeline'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "log" -d 'Print the newest events, and with --follow every new one as it is recorded'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "snapshot" -d 'Record the state of every file of this repository (tracked changes and untracked files)'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "diff" -d 'Show what an event, two snapshots or a session changed, as a diff'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "note" -d 'Add a note (why you did something) to this shell\'s session'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "explain" -d 'Walk back from a file or line to the change, command or tool call, and prompt behind it'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "exec" -d 'Run one command exactly as given, and record it (for agents: a command wrapper)'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "shell" -d 'Start your shell with an agent\'s name on everything it records'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "agent" -d 'Record what AI agents do through their own hooks'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "mcp" -d 'Serve the record to agents over MCP, record their MCP tool calls'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "ui" -d 'Serve a local, read-only web timeline of this store (127.0.0.1, a secret URL)'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "search" -d 'Find commands by their text, best match first'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "stats" -d 'What was run here: by whom, how often it failed, the most used commands, the busiest hours'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "pause" -d 'Stop recording this shell (or every shell) until `devtrace resume`, or for a while'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "resume" -d 'Start recording again after `devtrace pause`'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "forget" -d 'Remove events from this store for good (events.jsonl and the index)'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "gc" -d 'Apply the retention settings (keep_days, max_events) to this store now'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "config" -d 'Show the effective configuration and where each value comes from'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "doctor" -d 'Check that recording works in this shell, and say how to fix what does not'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "export" -d 'Export the record: JSON Lines or CSV for analysis, OpenTelemetry spans for a tracing backend'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "reindex" -d 'Rebuild the SQLite index of this store from events.jsonl'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "completions" -d 'Print shell completions for devtrace'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "man" -d 'Print the manual page (roff), or write one page per subcommand'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "ingest" -d 'Drain the shells\' channels into the stores (started by the hook)'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "session-start" -d 'Register a new shell session (run by the hook at shell start)'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "agent-cmd" -d 'Start the record of an agent\'s `bash -c`/`zsh -c` command (run from BASH_ENV or .zshenv)'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "nonblock" -d 'Make standard input non-blocking (run by the bash hook at shell start)'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "bench-scan" -d 'Time the scans that find each command\'s changed files (for benches/)'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "bench-fill" -d 'Fill a store with synthetic events (for benches/)'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and not __fish_seen_subcommand_from init hook sessions show log snapshot diff note explain exec shell agent mcp ui search stats pause resume forget gc config doctor export reindex completions man ingest session-start agent-cmd nonblock bench-scan bench-fill help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and __fish_seen_subcommand_from agent" -f -a "install" -d 'Add DevTrace\'s hook to an agent\'s settings in this project'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and __fish_seen_subcommand_from agent" -f -a "import" -d 'Record an agent\'s sessions from before DevTrace, from the transcripts it keeps for this repository (importing twice adds nothing)'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and __fish_seen_subcommand_from agent" -f -a "hook" -d 'Handle one hook call of an agent (its settings run this; JSON on stdin)'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and __fish_seen_subcommand_from mcp" -f -a "serve" -d 'Serve this repository\'s record over MCP on stdin/stdout (read-only)'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and __fish_seen_subcommand_from mcp" -f -a "proxy" -d 'Relay between an MCP client and SERVER_CMD byte for byte, recording each tool call'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and __fish_seen_subcommand_from mcp" -f -a "install" -d 'Register `devtrace mcp serve` in an agent\'s MCP settings (or take it out)'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "json" -d 'Print the events as JSON Lines (the event contract), oldest first'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "csv" -d 'Print the events as CSV, one row per event, oldest first'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "otlp" -d 'Send sessions and events as OpenTelemetry spans (OTLP/HTTP protobuf), each once per endpoint'
complete -c devtrace -n "__fish_devtrace_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "status" -d 'Show each endpoint\'s cursor, backlog and last error'
