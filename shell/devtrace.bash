# DevTrace hook for bash (5.0 or newer). Load it with:
#   eval "$(devtrace hook bash)"
# It records each interactive command line into a per-shell channel that
# `devtrace ingest` drains. The per-command path uses builtins only: no fork,
# no command substitution. It prints nothing, never fails, and leaves $?,
# PIPESTATUS and $_ as they were.
#
# How a line is seen: PS0 (expanded once per accepted line, before it runs)
# arms the hook and notes the time and $HISTCMD. bash shows $HISTCMD one lower
# while the line runs, so the DEBUG trap knows the first command of the line
# (it writes the command record) from the first command of PROMPT_COMMAND (the
# line is over: it keeps the line's $? and PIPESTATUS, before anything else
# ran). Our PROMPT_COMMAND entry, appended last, writes the exit record.
#
# The line's state, in __devtrace_state:
#   starting  from start-up to the first prompt: the history base is due
#   idle      no line under way (at the prompt, or its records are written)
#   accepted  PS0 saw a line accepted; its command record is not written yet
#   running   the command record is written; the line runs
#   ended     the line is over (first DEBUG trap of PROMPT_COMMAND): its $?
#             and PIPESTATUS are kept, its exit record is due
# starting -> idle: the first prompt (history base). idle -> accepted: PS0.
# accepted -> running: the line's first DEBUG trap (command record).
# accepted or running -> ended: PROMPT_COMMAND's first DEBUG trap (a line
# that ran only in subshells gets its command record here).
# ended -> idle: our PROMPT_COMMAND entry (exit record). accepted or running
# -> idle: the prompt when our DEBUG trap was replaced, bash-preexec's
# precmd, or the shell's exit (exit record, with the status at hand).
#
# Each record kind is written by one function: __devtrace_send_cmd (C),
# __devtrace_send_exit (E), __devtrace_send_base (H), __devtrace_send_end (X).

# The state names are expanded in arithmetic ($name): cheaper than bash's
# evaluation of a bare name, on the per-command path.
# shellcheck disable=SC2004
if [[ $- == *i* && ${BASH_VERSINFO[0]:-0} -ge 5 && -z ${__devtrace_loaded-} ]]; then
__devtrace_loaded=1
__devtrace_bin=@DEVTRACE_BIN@
[[ -x $__devtrace_bin ]] || __devtrace_bin=devtrace
__devtrace_sid='' __devtrace_rt='' __devtrace_spool='' __devtrace_fifo='' __devtrace_fd='' __devtrace_fdp='' __devtrace_null=''
__devtrace_ipid=0 __devtrace_retry=0 __devtrace_bp=0 __devtrace_since=0
__devtrace_starting=5 __devtrace_idle=0 __devtrace_accepted=1 __devtrace_running=2 __devtrace_ended=3
__devtrace_state=$__devtrace_idle __devtrace_n=0 __devtrace_t0=0 __devtrace_hc=0 __devtrace_ph=0
__devtrace_st=0 __devtrace_stps=() __devtrace_prev_debug='' __devtrace_prev_exit=''
__devtrace_late=0 __devtrace_x=x
# PS0 also notes a line accepted while still starting (no prompt was seen:
# a later rc line emptied or unset PROMPT_COMMAND), and puts our entry back
# into an empty PROMPT_COMMAND: a line that runs only in subshells fires no
# DEBUG trap, and without the entry its own record and every later line's
# exit record would be lost. The assignment sits in a bracket pattern that
# always matches $__devtrace_x, so it expands to nothing (bash expands no
# pattern at all when the value it cuts from is empty).
# shellcheck disable=SC2016 # expanded by bash in PS0, not here
__devtrace_ps0='${__devtrace_e[__devtrace_late=__devtrace_state==__devtrace_starting,__devtrace_state=$__devtrace_accepted,__devtrace_n+=1,__devtrace_hc=HISTCMD,__devtrace_t0=${EPOCHREALTIME/[.,]/}]-}${__devtrace_x#[x"${PROMPT_COMMAND:=__devtrace_precmd}"]}'

# Sets $? (and, through its last argument, $_) for whatever runs next.
__devtrace_ret() { return "$1"; }

# bash copies a function's whole body on every call, so the functions on
# the per-command path are kept small, with rare paths in functions of their
# own.

# A command record. The text is bash's own history entry, written straight
# into the spool file: a long command never passes through a variable.
# Errors go to a /dev/null descriptor opened once.
__devtrace_send_cmd() {
  __devtrace_state=$__devtrace_running
  (( ! __devtrace_late )) || __devtrace_late_base
  {
    builtin printf '@DT1\0C\0%s\0M%s\0%s\0h\0%s\0' "$__devtrace_n" "$__devtrace_t0" "$PWD" "$1"
    if [[ -n ${HISTTIMEFORMAT-} ]]; then
      HISTTIMEFORMAT='' builtin history 1
    else
      builtin history 1
    fi
    builtin printf '\0@\0'
  } 2>&"$__devtrace_null" >>"$__devtrace_spool"
  return 0
}

# The DEBUG trap: `__devtrace_preexec "$?" ${PIPESTATUS[@]} "$_"`. The
# last argument of the call is what $_ is after the trap: unchanged. On the
# first command of an accepted line it writes the command record; on the
# first command of PROMPT_COMMAND after it, the line is over and it keeps
# the line's $? and PIPESTATUS. (Its body is copied at every simple command,
# so the record itself is written by another function.)
__devtrace_preexec() {
  if (( __devtrace_state == $__devtrace_accepted && HISTCMD != __devtrace_hc && ! __devtrace_bp && BASHPID == $$ )); then
    __devtrace_send_cmd "$BASH_COMMAND"
  elif (( (__devtrace_state == $__devtrace_accepted || __devtrace_state == $__devtrace_running) && HISTCMD == __devtrace_hc && ! __devtrace_bp && BASHPID == $$ )); then
    # Still accepted means a line that ran only in subshells, e.g.
    # `(cd /; make)`: it fired no DEBUG trap here.
    (( __devtrace_state == $__devtrace_running )) || __devtrace_send_cmd ''
    __devtrace_state=$__devtrace_ended __devtrace_st=$1 __devtrace_stps=("${@:2:$#-2}")
  elif (( __devtrace_state == $__devtrace_starting && ${#BASH_SOURCE[@]} < 2 )); then
    # At the prompt (in a sourced rc file, BASH_SOURCE has the file too).
    __devtrace_first
  fi
  # Never fail: with extdebug a failing DEBUG trap would skip the command.
  return 0
}

# Sends a record (printf's format and arguments; the command record goes
# to the spool file): to the FIFO in one non-blocking write while ingest is
# alive (/proc/PID/exe exists: a zombie, which a killed ingest can stay
# where nobody reaps it, has none) and the FIFO is still there (a new
# ingest could not find a deleted one), else appended to the spool file.
# Never blocks.
# shellcheck disable=SC2059,SC2261 # callers pass the format; fd, not a file
__devtrace_send() {
  [[ -e /proc/$__devtrace_ipid/exe ]] || __devtrace_revive
  [[ -z $__devtrace_fdp ]] || __devtrace_fd_ready
  if [[ -n $__devtrace_fd && -p $__devtrace_fifo && -e /proc/$__devtrace_ipid/exe ]]; then
    builtin printf "$@" 2>&"$__devtrace_null" >&"$__devtrace_fd" && return 0
  fi
  builtin printf "$@" 2>&"$__devtrace_null" >>"$__devtrace_spool"
  return 0
}

# The FIFO's descriptor is used once /proc shows it non-blocking (O_NONBLOCK
# is octal 4000 in its flags), and given up if that takes over 3 s.
__devtrace_fd_ready() {
  local __devtrace_k='' __devtrace_v=''
  {
    while IFS=$' \t' builtin read -r __devtrace_k __devtrace_v; do
      [[ $__devtrace_k == flags: ]] && break
    done <"/proc/$$/fdinfo/$__devtrace_fdp"
  } 2>&"$__devtrace_null"
  if [[ $__devtrace_k == flags: && -n $__devtrace_v && -z ${__devtrace_v//[0-7]/} ]] && (( 8#$__devtrace_v & 8#4000 )); then
    __devtrace_fd=$__devtrace_fdp __devtrace_fdp=''
  elif (( EPOCHSECONDS - __devtrace_since > 3 )); then
    { exec {__devtrace_fdp}>&-; } 2>&"$__devtrace_null"
    __devtrace_fdp=''
  fi
  return 0
}

# The exit record (E) of the line: status $1, per-stage statuses $2. Into a
# live FIFO at once (the common case: no further call), else through
# __devtrace_send. (The same fields twice: `set --` would cost more.)
# shellcheck disable=SC2261 # an fd, not a file
__devtrace_send_exit() {
  __devtrace_state=$__devtrace_idle
  if [[ -n $__devtrace_fd && -p $__devtrace_fifo && -e /proc/$__devtrace_ipid/exe ]]; then
    builtin printf '@DT1\0E\0%s\0%s\0%s\0%s\0\0@\0' "$__devtrace_n" "$EPOCHREALTIME" "$1" "$2" 2>&"$__devtrace_null" >&"$__devtrace_fd" && return 0
  fi
  __devtrace_send '@DT1\0E\0%s\0%s\0%s\0%s\0\0@\0' "$__devtrace_n" "$EPOCHREALTIME" "$1" "$2"
}

# The end of a line that was not seen to end: its command record if it has
# none yet, then its exit record (status $1, per-stage statuses $2).
__devtrace_finish() {
  (( __devtrace_state != $__devtrace_accepted )) || __devtrace_send_cmd ''
  __devtrace_send_exit "$1" "$2"
}

# The end record (X): the shell exits.
__devtrace_send_end() {
  __devtrace_send '@DT1\0X\0%s\0%s\0exit\0@\0' "$__devtrace_n" "$EPOCHREALTIME"
}

# The history base record (H), at the first prompt: the newest history
# entry, before any command ran, goes to ingest, so that a first line bash
# keeps out of its history is not mistaken for that entry.
__devtrace_send_base() {
  __devtrace_state=$__devtrace_idle
  {
    builtin printf '@DT1\0H\0%s\0M%s\0' 0 "${EPOCHREALTIME/[.,]/}"
    HISTTIMEFORMAT='' builtin history 1
    builtin printf '\0@\0'
  } 2>&"$__devtrace_null" >>"$__devtrace_spool"
  __devtrace_note_path
}

# The first line was accepted with no prompt seen before it (a later rc
# line emptied PROMPT_COMMAND): the history base is the entry before it.
__devtrace_late_base() {
  __devtrace_late=0
  builtin printf '@DT1\0H\0%s\0M%s\0%5d  \n\0@\0' 0 "$__devtrace_t0" "$(( __devtrace_hc - 1 ))" 2>&"$__devtrace_null" >>"$__devtrace_spool"
  __devtrace_install_pc
  __devtrace_note_path
}

# Notes which hooks record this shell, for `devtrace doctor`: at the first
# prompt, and when bash-preexec takes over.
__devtrace_note_path() {
  local __devtrace_p=debug
  (( ! __devtrace_bp )) || __devtrace_p=bash-preexec
  { builtin printf '%s\n' "$__devtrace_p" >|"$__devtrace_rt/$__devtrace_sid.hooks"; } 2>&"$__devtrace_null"
  return 0
}

# A DEBUG trap at the first prompt that finds our PROMPT_COMMAND entry gone
# (a later rc line replaced PROMPT_COMMAND, bash-preexec's install string
# with it): the first prompt is taken here, and our entry put back.
__devtrace_first() {
  [[ ${PROMPT_COMMAND[*]-} == *__devtrace_precmd* ]] && return 0
  __devtrace_send_base
  __devtrace_ph=$HISTCMD
  __devtrace_install_pc
}

# bash-preexec is installed, or will install itself at this prompt (its
# install string is still in PROMPT_COMMAND).
__devtrace_bp_on() {
  [[ -n ${bash_preexec_imported-}${__bp_imported-} ]] || return 1
  [[ ${PROMPT_COMMAND[*]-} == *__bp_precmd_invoke_cmd* || ${PROMPT_COMMAND[*]-} == *__bp_install* ]]
}

# A line the shell rejected (a syntax error, status $1): bash put it in its
# history, but ran nothing, so no PS0 and no DEBUG trap saw it.
__devtrace_rejected() {
  (( __devtrace_n += 1 ))
  __devtrace_t0=${EPOCHREALTIME/[.,]/}
  __devtrace_send_cmd ''
  __devtrace_send_exit "$1" "$1"
}

# Before the prompt, not idle and not ended: the first prompt, or the end
# of a line that our DEBUG trap did not see end.
__devtrace_end() {
  local IFS=' '
  if (( __devtrace_state == $__devtrace_starting )); then
    __devtrace_send_base
  else
    # Our DEBUG trap was replaced: the status is what reached PROMPT_COMMAND.
    __devtrace_finish "$1" "${*:2}"
  fi
}

# PS0 lost our part (someone set it after us), bash-preexec arrived, or it
# never installed itself (a later rc line emptied PROMPT_COMMAND).
__devtrace_fix_ps0() {
  [[ ${PS0-} == *"$__devtrace_ps0"* ]] || PS0=$__devtrace_ps0${PS0-}
  if (( __devtrace_bp )); then
    __devtrace_bp_on || __devtrace_use_own
  else
    ! __devtrace_bp_on || __devtrace_use_bp
  fi
}

# The last entry of PROMPT_COMMAND: the exit record of a line that ended
# (the common case), else the rare ends in __devtrace_end.
__devtrace_precmd() {
  local __devtrace_s=$? __devtrace_ps=("${PIPESTATUS[@]}") __devtrace_l=$_ IFS=' '
  if (( __devtrace_state == $__devtrace_ended )); then
    __devtrace_send_exit "$__devtrace_st" "${__devtrace_stps[*]}"
  elif (( __devtrace_state != $__devtrace_idle )); then
    __devtrace_end "$__devtrace_s" "${__devtrace_ps[@]}"
  elif (( HISTCMD != __devtrace_ph && __devtrace_s == 2 )); then
    __devtrace_rejected "$__devtrace_s"
  fi
  __devtrace_ph=$HISTCMD
  [[ ${PS0-} == "$__devtrace_ps0"* && -z ${bash_preexec_imported-}${__bp_imported-} ]] || __devtrace_fix_ps0
  __devtrace_ret "$__devtrace_s" "$__devtrace_l"
}

# Starts ingest again when it has died (at most every 2 s).
__devtrace_revive() {
  local __devtrace_p=0 __devtrace_x
  { builtin read -r __devtrace_p __devtrace_x <"$__devtrace_rt/ingest.pid"; } 2>&"$__devtrace_null"
  if [[ -n $__devtrace_p && -z ${__devtrace_p//[0-9]/} && -e /proc/$__devtrace_p/exe ]] && ! __devtrace_dying "$__devtrace_p"; then
    __devtrace_ipid=$__devtrace_p
  elif (( EPOCHSECONDS - __devtrace_retry >= 2 )); then
    __devtrace_retry=$EPOCHSECONDS
    command "$__devtrace_bin" ingest --spawn </dev/null >&"$__devtrace_null" 2>&1
    { builtin read -r __devtrace_p __devtrace_x <"$__devtrace_rt/ingest.pid"; } 2>&"$__devtrace_null"
    [[ -n $__devtrace_p && -z ${__devtrace_p//[0-9]/} ]] && __devtrace_ipid=$__devtrace_p
  fi
  return 0
}

# Whether ingest $1 is on its way out: a zombie, or a SIGKILL pending (bit
# 9 of SigPnd or ShdPnd) that it has not acted on yet (waiting for a CPU, it
# can look alive, and hold its lock, for a while). It reads nothing more.
__devtrace_dying() {
  local __devtrace_k='' __devtrace_v=''
  {
    while IFS=$' \t' builtin read -r __devtrace_k __devtrace_v; do
      case $__devtrace_k in
        State:) [[ $__devtrace_v == [ZX]* ]] && return 0 ;;
        SigPnd: | ShdPnd:) [[ $__devtrace_v == *[0-9a-f][0-9a-f][0-9a-f] ]] && (( 16#${__devtrace_v: -3} & 16#100 )) && return 0 ;;
      esac
    done <"/proc/$1/status"
  } 2>&"$__devtrace_null"
  return 1
}

# With bash-preexec loaded, its arrays are used instead of our own trap.
__devtrace_bp_preexec() {
  (( __devtrace_state != $__devtrace_accepted )) || __devtrace_send_cmd "$BASH_COMMAND"
  return 0
}

__devtrace_bp_precmd() {
  local __devtrace_s=$? __devtrace_ps IFS=' '
  __devtrace_ps=$__devtrace_s
  [[ -n ${BP_PIPESTATUS[*]-} ]] && __devtrace_ps="${BP_PIPESTATUS[*]}"
  if (( __devtrace_state == $__devtrace_starting )); then
    __devtrace_send_base
  elif (( __devtrace_state != $__devtrace_idle )); then
    __devtrace_finish "$__devtrace_s" "$__devtrace_ps"
  elif (( HISTCMD != __devtrace_ph && __devtrace_s == 2 )); then
    __devtrace_rejected "$__devtrace_s"
  fi
  __devtrace_ph=$HISTCMD
  __devtrace_ret "$__devtrace_s"
}

# Back from bash-preexec's arrays to our own DEBUG trap and PROMPT_COMMAND
# entry: bash-preexec was loaded but will never install itself.
__devtrace_use_own() {
  __devtrace_bp=0
  __devtrace_drop __devtrace_bp_preexec preexec_functions
  __devtrace_drop __devtrace_bp_precmd precmd_functions
  __devtrace_own_trap
  __devtrace_install_pc
  __devtrace_note_path
}

# Our DEBUG trap, chained before the trap that was there.
__devtrace_own_trap() {
  local __devtrace_prev_trap_cmd=''
  __devtrace_trap_of DEBUG
  __devtrace_prev_debug=$__devtrace_prev_trap_cmd
  if [[ -n $__devtrace_prev_debug ]]; then
    trap '__devtrace_preexec "$?" ${PIPESTATUS[@]} "$_"; eval "$__devtrace_prev_debug"' DEBUG
  else
    trap '__devtrace_preexec "$?" ${PIPESTATUS[@]} "$_"' DEBUG
  fi
}

# Removes every element equal to $1 from the array named $2.
__devtrace_drop() {
  local -n __devtrace_arr=$2
  local __devtrace_i __devtrace_keep=()
  for __devtrace_i in "${__devtrace_arr[@]}"; do
    [[ $__devtrace_i == "$1" ]] || __devtrace_keep+=("$__devtrace_i")
  done
  __devtrace_arr=("${__devtrace_keep[@]}")
}

# Takes our entry out of PROMPT_COMMAND, string or array form.
__devtrace_drop_pc() {
  local -; set +u
  if [[ ${PROMPT_COMMAND@a} == *a* ]]; then
    __devtrace_drop __devtrace_precmd PROMPT_COMMAND
  else
    # shellcheck disable=SC2178 # the string form, on purpose
    PROMPT_COMMAND=${PROMPT_COMMAND//$'\n'__devtrace_precmd/}
    # shellcheck disable=SC2178
    PROMPT_COMMAND=${PROMPT_COMMAND//__devtrace_precmd/}
  fi
}

# Hands the hooks over to bash-preexec's arrays (it owns the DEBUG trap and
# PROMPT_COMMAND then; ours would fight it for the first place).
__devtrace_use_bp() {
  __devtrace_bp=1
  __devtrace_drop __devtrace_bp_preexec preexec_functions
  preexec_functions+=(__devtrace_bp_preexec)
  __devtrace_drop __devtrace_bp_precmd precmd_functions
  precmd_functions=(__devtrace_bp_precmd "${precmd_functions[@]}")
  __devtrace_drop_pc
  (( __devtrace_state == $__devtrace_starting )) || __devtrace_note_path
  return 0
}

__devtrace_exit() {
  local __devtrace_s=$?
  (( BASHPID == $$ )) || return "$__devtrace_s"
  # `exit` itself (or the line that ended the shell) gets its status too.
  # No ingest now would leave this session open until the next shell
  # starts: a dead one is started again at once, whatever the last try. One
  # that is dying is replaced too, and the records go to the spool file
  # (once the shell is gone, nothing could read them from the FIFO).
  __devtrace_retry=0
  if __devtrace_dying "$__devtrace_ipid"; then
    __devtrace_fd=''
    __devtrace_revive
  fi
  (( __devtrace_state != $__devtrace_idle && __devtrace_state != $__devtrace_starting )) && __devtrace_finish "$__devtrace_s" "$__devtrace_s"
  __devtrace_send_end
  return "$__devtrace_s"
}

# Appends __devtrace_precmd to PROMPT_COMMAND (string or array form), once.
__devtrace_install_pc() {
  local -; set +u
  __devtrace_drop_pc
  if [[ ${PROMPT_COMMAND@a} == *a* ]]; then
    PROMPT_COMMAND+=(__devtrace_precmd)
  else
    # shellcheck disable=SC2178,SC2128 # the string form, on purpose
    PROMPT_COMMAND=${PROMPT_COMMAND:+$PROMPT_COMMAND$'\n'}__devtrace_precmd
  fi
  return 0
}

# Keeps what was in a trap before us and runs it after our part.
__devtrace_prev_trap() { __devtrace_prev_trap_cmd=${3-}; }

# Sets __devtrace_prev_trap_cmd to the command of the trap on $1, read
# through a file in the runtime directory ($(trap -p) forks a subshell).
__devtrace_trap_of() {
  local __devtrace_t='' __devtrace_f=$__devtrace_rt/$__devtrace_sid.traps
  if { builtin trap -p "$1" >|"$__devtrace_f"; } 2>&"$__devtrace_null"; then
    IFS= builtin read -r -d '' __devtrace_t <"$__devtrace_f" 2>&"$__devtrace_null" || :
  else
    __devtrace_t=$(builtin trap -p "$1")
  fi
  eval "__devtrace_prev_trap $__devtrace_t"
}

# Takes the session `devtrace hook` registered for this shell ($1-$3, if $4
# is our pid), else registers one. The FIFO is made non-blocking by a
# devtrace started in the background (no process is waited for here); until
# /proc shows it done, records go to the spool file.
__devtrace_init() {
  local __devtrace_out
  if [[ ${4-} == "$$" && -n ${1-} ]]; then
    __devtrace_sid=$1 __devtrace_rt=$2 __devtrace_ipid=$3
  else
    __devtrace_out=$(command "$__devtrace_bin" session-start --shell bash --pid "$$" 2>|/dev/null) || return 0
    IFS=$'\t' builtin read -r __devtrace_sid __devtrace_rt __devtrace_ipid <<<"$__devtrace_out"
  fi
  [[ -n $__devtrace_sid && -d $__devtrace_rt ]] || return 0
  __devtrace_spool=$__devtrace_rt/$__devtrace_sid.spool
  __devtrace_fifo=$__devtrace_rt/$__devtrace_sid.fifo
  # Opened once: the hook's errors go here (opening /dev/null per command costs).
  { exec {__devtrace_null}>|/dev/null; } 2>|/dev/null || return 0
  export DEVTRACE_SESSION=$__devtrace_sid
  if { exec {__devtrace_fdp}<>"$__devtrace_fifo"; } 2>|/dev/null; then
    __devtrace_since=$EPOCHSECONDS
    ( command "$__devtrace_bin" nonblock <&"$__devtrace_fdp" >&"$__devtrace_null" 2>&1 & )
  fi
  __devtrace_state=$__devtrace_starting

  # bash-preexec installs itself at the first prompt, if a later rc line
  # does not take its install string out of PROMPT_COMMAND: till then, our
  # own hooks (our PROMPT_COMMAND entry hands over to it then).
  if [[ -n ${bash_preexec_imported-}${__bp_imported-} && ${PROMPT_COMMAND[*]-} == *__bp_precmd_invoke_cmd* ]]; then
    __devtrace_use_bp
  else
    __devtrace_own_trap
    __devtrace_install_pc
  fi
  local __devtrace_prev_trap_cmd=''
  __devtrace_trap_of EXIT
  __devtrace_prev_exit=$__devtrace_prev_trap_cmd
  if [[ -n $__devtrace_prev_exit ]]; then
    trap '__devtrace_exit; eval "$__devtrace_prev_exit"' EXIT
  else
    trap '__devtrace_exit' EXIT
  fi
  if shopt -q promptvars; then
    PS0="$__devtrace_ps0${PS0-}"
  fi
  return 0
}
__devtrace_init @DEVTRACE_SESSION@
fi
