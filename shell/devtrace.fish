# DevTrace hook for fish (3.1 or newer). Load it with:
#   devtrace hook fish | source
# fish cannot hold a file descriptor, so each record is appended to this
# shell's spool file, which `devtrace ingest` drains. fish reports a failed
# redirection on the terminal whatever stderr says, so each append first
# checks that it can write (a read-only or removed runtime directory). The per-command path
# uses builtins only: no fork, no command substitution. Its records carry
# sequence number 0: one writer, one file, so their order is the spool's. It prints nothing and leaves $status and
# $pipestatus as they were.
#
# Each record kind is written in one place: the command record (C) by
# __devtrace_preexec, the exit record (E) by __devtrace_postexec (also for
# the line under way when the shell exits), the end record (X) by
# __devtrace_exit, the history base (H) at start-up; a line fish rejects
# gets both from __devtrace_rejected.

if status is-interactive; and not set -q __devtrace_loaded; and not set -q fish_private_mode
    set -g __devtrace_loaded 1
    set -g __devtrace_bin @DEVTRACE_BIN@
    test -x "$__devtrace_bin"; or set __devtrace_bin devtrace
    set -g __devtrace_armed 0
    set -g __devtrace_retry 0
    # The session `devtrace hook` registered for this shell (if the pid is
    # ours), else one registered now.
    set -g __devtrace_out @DEVTRACE_SESSION@
    if test "$__devtrace_out[4]" != "$fish_pid"
        set -g __devtrace_out (command $__devtrace_bin session-start --shell fish --pid $fish_pid 2>/dev/null | string split \t)
    end
    if test (count $__devtrace_out) -ge 3; and test -d "$__devtrace_out[2]"
        set -g __devtrace_sid $__devtrace_out[1]
        set -g __devtrace_rt $__devtrace_out[2]
        set -g __devtrace_ipid $__devtrace_out[3]
        set -g __devtrace_spool $__devtrace_rt/$__devtrace_sid.spool
        set -gx DEVTRACE_SESSION $__devtrace_sid
        # The session's first record: ingest records the session from here on.
        if test -w $__devtrace_spool
            set -l up 0
            read -l up x </proc/uptime 2>/dev/null
            string join0 -- @DT1 H 0 U$up '' @ >>$__devtrace_spool
        end

        function __devtrace_preexec --on-event fish_preexec
            # A line that starts with a space stays private (as in fish's
            # history), and so does everything in private mode (fish --private).
            set -q fish_private_mode; and return 0
            string match -qr '^\s' -- $argv[1]; and return 0
            set -g __devtrace_armed 1
            set -l up 0
            read -l up x </proc/uptime 2>/dev/null
            if test -w $__devtrace_spool; or test ! -e $__devtrace_spool -a -w $__devtrace_rt
                string join0 -- @DT1 C 0 U$up $PWD t '' $argv[1] @ >>$__devtrace_spool
            end
            return 0
        end

        function __devtrace_postexec --on-event fish_postexec
            set -l s $status
            set -l ps $pipestatus
            test $__devtrace_armed = 1; or return $s
            set -g __devtrace_armed 0
            set -l up 0
            read -l up x </proc/uptime 2>/dev/null
            # Called by __devtrace_exit (no command line): no duration.
            set -q argv[1]; or set -l CMD_DURATION ''
            if test -w $__devtrace_spool; or test ! -e $__devtrace_spool -a -w $__devtrace_rt
                string join0 -- @DT1 E 0 U$up $s "$ps" $CMD_DURATION @ >>$__devtrace_spool
            end
            test -e /proc/$__devtrace_ipid/exe; or __devtrace_revive
            return $s
        end

        # A line fish cannot parse (`echo )`) runs nothing and leaves
        # $status as it was; fish_posterror hands it over. Recorded with
        # 123, the status fish's own `eval` gives such a line.
        function __devtrace_rejected --on-event fish_posterror
            set -q fish_private_mode; and return 0
            string match -qr '^\s' -- $argv[1]; and return 0
            set -l up 0
            read -l up x </proc/uptime 2>/dev/null
            if test -w $__devtrace_spool; or test ! -e $__devtrace_spool -a -w $__devtrace_rt
                string join0 -- @DT1 C 0 U$up $PWD t '' $argv[1] @ >>$__devtrace_spool
                string join0 -- @DT1 E 0 U$up 123 123 0 @ >>$__devtrace_spool
            end
            return 0
        end

        function __devtrace_exit --on-event fish_exit
            set -l s $status
            # No ingest now (or one that is dying) would leave this session
            # open until the next shell starts.
            if not __devtrace_alive $__devtrace_ipid
                set -g __devtrace_retry -10
                __devtrace_revive
            end
            # `exit` itself gets its status too: its exit record, as after a
            # command.
            if test $__devtrace_armed = 1
                __devtrace_ret $s
                __devtrace_postexec
            end
            set -l up 0
            read -l up x </proc/uptime 2>/dev/null
            if test -w $__devtrace_spool; or test ! -e $__devtrace_spool -a -w $__devtrace_rt
                string join0 -- @DT1 X 0 U$up exit @ >>$__devtrace_spool
            end
            return 0
        end

        # Sets $status (and $pipestatus) for whatever runs next.
        function __devtrace_ret
            return $argv[1]
        end

        # Whether ingest $argv[1] runs: a zombie (a killed ingest can stay
        # one where nobody reaps it) has no /proc/PID/exe; one with a SIGKILL
        # pending (bit 9 of SigPnd or ShdPnd) that it has not acted on yet
        # (waiting for a CPU, it can look alive for a while) reads nothing
        # more. Builtins only.
        function __devtrace_alive
            test -e /proc/$argv[1]/exe; or return 1
            while read -l k v
                switch $k
                    case State:
                        string match -qr '^[ZX]' -- $v; and return 1
                    case SigPnd: ShdPnd:
                        set -l low (string sub -s -3 -- $v)
                        test (math "bitand(0x$low, 256)") -ne 0 2>/dev/null; and return 1
                end
            end </proc/$argv[1]/status 2>/dev/null
            return 0
        end

        function __devtrace_revive
            set -l p ''
            test -r $__devtrace_rt/ingest.pid; and read -l p x <$__devtrace_rt/ingest.pid
            if string match -qr '^[1-9][0-9]*$' -- "$p"; and __devtrace_alive $p
                set -g __devtrace_ipid $p
            else
                read -l now _ </proc/uptime 2>/dev/null
                set -l now (string split -f1 . -- "$now")
                if test (math "$now - $__devtrace_retry") -ge 2 2>/dev/null
                    set -g __devtrace_retry $now
                    command $__devtrace_bin ingest --spawn </dev/null >/dev/null 2>&1
                    test -r $__devtrace_rt/ingest.pid; and read -l p x <$__devtrace_rt/ingest.pid
                    string match -qr '^[1-9][0-9]*$' -- "$p"; and set -g __devtrace_ipid $p
                end
            end
            return 0
        end
    end
    set -e __devtrace_out
end
