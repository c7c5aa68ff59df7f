# DevTrace for commands that AI agents run with `zsh -c` (installed by
# `devtrace init --agents`, loaded from ~/.zshenv). It acts only when an
# agent's marker is in the environment, the command came with -c, and the
# directory is inside a DevTrace store; then it starts the command record
# with one call of devtrace, and writes the exit record with a builtin when
# the shell exits. It prints nothing and leaves the exit status as it is.
if [[ -n ${ZSH_EXECUTION_STRING-} && -z ${DEVTRACE_AGENT_CMD-} && ! -o interactive ]] &&
  [[ -n ${DEVTRACE_AGENT-}${CLAUDECODE-}${GEMINI_CLI-}${CURSOR_AGENT-}${CURSOR_EXTENSION_HOST_ROLE-}${CODEX_SANDBOX-}${CODEX_SANDBOX_NETWORK_DISABLED-} ]]; then
  () {
    emulate -L zsh
    local d=$PWD out
    while [[ -n $d && ! -d $d/.devtrace ]]; do
      d=${d%/*}
    done
    [[ -n $d && $d != "${HOME-}" && -x @DEVTRACE_BIN@ ]] || return 0
    out=$(@DEVTRACE_BIN@ agent-cmd --shell zsh --pid "$PPID" -- "$ZSH_EXECUTION_STRING" </dev/null 2>/dev/null)
    [[ $out == *$'\t'* ]] || return 0
    zmodload -F zsh/datetime p:EPOCHREALTIME 2>/dev/null
    typeset -g __devtrace_spool=${out%%$'\t'*} __devtrace_seq=${out#*$'\t'}
    export DEVTRACE_AGENT_CMD=1
  }
  if [[ -n ${__devtrace_seq-} ]]; then
    trap '__devtrace_st=$?; { builtin printf "@DT1\0E\0%s\0%s\0%s\0\0\0@\0" "${__devtrace_seq-}" "${EPOCHREALTIME-}" "$__devtrace_st" >>"${__devtrace_spool-/dev/null}"; } 2>/dev/null' EXIT
  fi
fi
