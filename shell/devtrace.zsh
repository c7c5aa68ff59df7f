# DevTrace hook for zsh (5.3 or newer). Load it with:
#   eval "$(devtrace hook zsh)"
# It records each interactive command line into a per-shell channel that
# `devtrace ingest` drains. The per-command path uses builtins only: no fork.
# It prints nothing, never fails, and leaves $?, $pipestatus and $_ as they were.

if [[ -o interactive && -z ${__devtrace_loaded-} ]] && zmodload zsh/datetime zsh/system 2>|/dev/null; then
typeset -g __devtrace_loaded=1
typeset -g __devtrace_bin=@DEVTRACE_BIN@
[[ -x $__devtrace_bin ]] || __devtrace_bin=devtrace
typeset -g __devtrace_sid='' __devtrace_rt='' __devtrace_spool='' __devtrace_fifo='' __devtrace_fd=''
typeset -gi __devtrace_ipid=0 __devtrace_live=0 __devtrace_armed=0 __devtrace_n=0
typeset -gi __devtrace_retry=0 __devtrace_pid=$sysparams[pid]
typeset -g __devtrace_line=''

# The hot path is two functions, preexec and precmd, with everything
# inlined: zsh function calls are not free. A record goes to the FIFO in one
# non-blocking syswrite while ingest is alive and it fits in an atomic pipe
# write (4096 bytes), else it is appended to the spool file. Never blocks.
# Ingest is alive while /proc/PID/exe exists (a zombie has none; checked
# at each prompt into __devtrace_live); the FIFO is used only while its path
# is there, checked at each write (a record in a deleted FIFO may never be
# read: a new ingest could not find it).
#
# Each record kind is written in one place: the command record (C) by
# __devtrace_preexec, the exit record (E) by __devtrace_precmd (also for the
# line under way when the shell exits), the end record (X) by
# __devtrace_exit, the history base (H) by __devtrace_init; a line zsh
# rejects gets both from __devtrace_rejected.
#
# A line zsh cannot parse (`echo )`) runs no preexec, but zshaddhistory saw
# it: __devtrace_addhist keeps it until preexec takes it, and a line still
# kept at the next prompt was rejected, with the status zsh gave it (1).

# zshaddhistory: the line as read, with its newline. Returns 0, so it never
# keeps a line out of history (any other hook still can).
__devtrace_addhist() {
  __devtrace_line=$1
  return 0
}

__devtrace_preexec() {
  emulate -L zsh
  setopt no_multibyte
  # $1 is the line as typed (empty when history is off: then $3, the full
  # text zsh runs). A line that starts with a space stays private.
  local line=${1:-$3}
  __devtrace_line=''
  [[ $line == [[:space:]]* ]] && return 0
  (( __devtrace_n++ ))
  __devtrace_armed=1
  local rec="@DT1"$'\0'"C"$'\0'"$__devtrace_n"$'\0'"$EPOCHREALTIME"$'\0'"$PWD"$'\0t\0\0'"$line"$'\0@\0'
  if [[ -n $__devtrace_fd && -p $__devtrace_fifo ]] && (( __devtrace_live && ${#rec} <= 4096 )); then
    syswrite -o $__devtrace_fd -- $rec && return 0
  fi
  builtin print -rn -- $rec 2>/dev/null >>|$__devtrace_spool
  return 0
}

__devtrace_precmd() {
  # One statement: $? and $pipestatus are both read before it runs.
  local __devtrace_s=$? __devtrace_ps=${(j: :)pipestatus}
  emulate -L zsh
  if (( __devtrace_armed )); then
    __devtrace_armed=0
    if [[ -e /proc/$__devtrace_ipid/exe ]]; then
      __devtrace_live=1
    else
      __devtrace_live=0
      __devtrace_revive
    fi
    local rec="@DT1"$'\0'"E"$'\0'"$__devtrace_n"$'\0'"$EPOCHREALTIME"$'\0'"$__devtrace_s"$'\0'"$__devtrace_ps"$'\0\0@\0'
    if [[ -z $__devtrace_fd || ! -p $__devtrace_fifo ]] || (( ! __devtrace_live )) || ! syswrite -o $__devtrace_fd -- $rec; then
      builtin print -rn -- $rec 2>/dev/null >>|$__devtrace_spool
    fi
  elif [[ -n $__devtrace_line ]]; then
    __devtrace_rejected $__devtrace_s
  fi
  return $__devtrace_s
}

# A line zsh read but did not run (status $1): a syntax error, unless it
# was blank, a comment, or private (it starts with a space). Its command
# and exit records, with no time between them.
__devtrace_rejected() {
  emulate -L zsh
  local line=${__devtrace_line%$'\n'}
  __devtrace_line=''
  (( $1 != 0 )) || return 0
  [[ -z $line || $line == [[:space:]]* || $line == \#* ]] && return 0
  (( __devtrace_n++ ))
  local t=$EPOCHREALTIME
  builtin print -rn -- "@DT1"$'\0'"C"$'\0'"$__devtrace_n"$'\0'"$t"$'\0'"$PWD"$'\0t\0\0'"$line"$'\0@\0' 2>/dev/null >>|$__devtrace_spool
  builtin print -rn -- "@DT1"$'\0'"E"$'\0'"$__devtrace_n"$'\0'"$t"$'\0'"$1"$'\0'"$1"$'\0\0@\0' 2>/dev/null >>|$__devtrace_spool
  return 0
}

# Starts ingest again when it has died (at most every 2 s).
__devtrace_revive() {
  emulate -L zsh
  local p='' x
  { read -r p x <$__devtrace_rt/ingest.pid } 2>/dev/null
  if [[ $p == <1-> && -e /proc/$p/exe ]] && ! __devtrace_dying $p; then
    __devtrace_ipid=$p
  elif (( EPOCHSECONDS - __devtrace_retry >= 2 )); then
    __devtrace_retry=$EPOCHSECONDS
    command $__devtrace_bin ingest --spawn </dev/null >/dev/null 2>&1
    { read -r p x <$__devtrace_rt/ingest.pid } 2>/dev/null
    [[ $p == <1-> ]] && __devtrace_ipid=$p
  fi
  [[ -e /proc/$__devtrace_ipid/exe ]] && __devtrace_live=1
  return 0
}

# Whether ingest $1 is on its way out: a zombie, or a SIGKILL pending (bit
# 9 of SigPnd or ShdPnd) that it has not acted on yet (waiting for a CPU, it
# can look alive, and hold its lock, for a while). It reads nothing more.
__devtrace_dying() {
  emulate -L zsh
  local k v
  {
    while IFS=$' \t' read -r k v; do
      case $k in
        (State:) [[ $v == [ZX]* ]] && return 0 ;;
        (SigPnd:|ShdPnd:) [[ $v == *[0-9a-f][0-9a-f][0-9a-f] ]] && (( 16#${v: -3} & 16#100 )) && return 0 ;;
      esac
    done <"/proc/$1/status"
  } 2>/dev/null
  return 1
}

# Sets $? (and $pipestatus) for whatever runs next.
__devtrace_ret() { return $1 }

__devtrace_exit() {
  local -i __devtrace_s=$?
  emulate -L zsh
  # zshexit also runs when a subshell exits: only the shell itself ends the session.
  (( sysparams[pid] == __devtrace_pid )) || return 0
  # No ingest now would leave this session open until the next shell starts.
  # One that is dying is replaced too, and the records go to the spool file
  # (once the shell is gone, nothing could read them from the FIFO).
  if [[ ! -e /proc/$__devtrace_ipid/exe ]] || __devtrace_dying $__devtrace_ipid; then
    __devtrace_fd=''
    __devtrace_retry=0
    __devtrace_revive
  fi
  # `exit` itself gets its status too: its exit record, as at a prompt.
  if (( __devtrace_armed )); then
    __devtrace_ret $__devtrace_s
    __devtrace_precmd
  fi
  local rec="@DT1"$'\0'"X"$'\0'"$__devtrace_n"$'\0'"$EPOCHREALTIME"$'\0'"exit"$'\0@\0'
  if [[ -z $__devtrace_fd || ! -p $__devtrace_fifo || ! -e /proc/$__devtrace_ipid/exe ]] || ! syswrite -o $__devtrace_fd -- $rec; then
    builtin print -rn -- $rec 2>/dev/null >>|$__devtrace_spool
  fi
  return 0
}

# Takes the session `devtrace hook` registered for this shell ($1-$3, if $4
# is our pid), else registers one.
__devtrace_init() {
  emulate -L zsh
  if [[ ${4-} == $$ && -n ${1-} ]]; then
    __devtrace_sid=$1 __devtrace_rt=$2 __devtrace_ipid=$3
  else
    local out
    out=$(command $__devtrace_bin session-start --shell zsh --pid $$ 2>/dev/null) || return 0
    local -a parts=("${(@ps:\t:)out}")
    __devtrace_sid=${parts[1]-} __devtrace_rt=${parts[2]-} __devtrace_ipid=${parts[3]:-0}
  fi
  [[ -n $__devtrace_sid && -d $__devtrace_rt ]] || return 0
  __devtrace_spool=$__devtrace_rt/$__devtrace_sid.spool
  __devtrace_fifo=$__devtrace_rt/$__devtrace_sid.fifo
  export DEVTRACE_SESSION=$__devtrace_sid
  # The session's first record: ingest records the session from here on.
  builtin print -rn -- "@DT1"$'\0'"H"$'\0'"0"$'\0'"$EPOCHREALTIME"$'\0\0@\0' 2>/dev/null >>|$__devtrace_spool
  local fd=''
  if sysopen -rw -o nonblock,cloexec -u fd $__devtrace_fifo 2>/dev/null; then
    __devtrace_fd=$fd
  fi
  [[ -e /proc/$__devtrace_ipid/exe ]] && __devtrace_live=1
  autoload -Uz add-zsh-hook
  add-zsh-hook preexec __devtrace_preexec
  add-zsh-hook zshexit __devtrace_exit
  add-zsh-hook zshaddhistory __devtrace_addhist
  # First among the precmd hooks, so it reads the command's own $pipestatus.
  precmd_functions=(__devtrace_precmd ${precmd_functions:#__devtrace_precmd})
  return 0
}
__devtrace_init @DEVTRACE_SESSION@
fi
