# DevTrace for commands that AI agents run with `bash -c` (installed by
# `devtrace init --agents`, loaded through BASH_ENV). It acts only when an
# agent's marker is in the environment, the command came with -c, and the
# directory is inside a DevTrace store; then it starts the command record
# with one call of devtrace, and writes the exit record with a builtin when
# the shell exits. It prints nothing and leaves the exit status as it is.
if [[ -n ${BASH_EXECUTION_STRING-} && -z ${DEVTRACE_AGENT_CMD-} && $- != *i* ]] &&
  [[ -n ${DEVTRACE_AGENT-}${CLAUDECODE-}${GEMINI_CLI-}${CURSOR_AGENT-}${CURSOR_EXTENSION_HOST_ROLE-}${CODEX_SANDBOX-}${CODEX_SANDBOX_NETWORK_DISABLED-} ]]; then
  __devtrace_d=$PWD
  while [[ -n $__devtrace_d && ! -d $__devtrace_d/.devtrace ]]; do
    __devtrace_d=${__devtrace_d%/*}
  done
  if [[ -n $__devtrace_d && $__devtrace_d != "${HOME-}" && -x @DEVTRACE_BIN@ ]]; then
    __devtrace_out=$(@DEVTRACE_BIN@ agent-cmd --shell bash --pid "$PPID" -- "$BASH_EXECUTION_STRING" </dev/null 2>|/dev/null)
    if [[ $__devtrace_out == *$'\t'* ]]; then
      __devtrace_spool=${__devtrace_out%%$'\t'*}
      __devtrace_seq=${__devtrace_out#*$'\t'}
      export DEVTRACE_AGENT_CMD=1
      # shellcheck disable=SC2154 # __devtrace_st is set inside the trap itself
      trap '__devtrace_st=$?; { builtin printf "@DT1\0E\0%s\0%s\0%s\0\0\0@\0" "${__devtrace_seq-}" "${EPOCHREALTIME-}" "$__devtrace_st" >>"${__devtrace_spool-/dev/null}"; } 2>|/dev/null' EXIT
    fi
  fi
  unset __devtrace_d __devtrace_out
fi
