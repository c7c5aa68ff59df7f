//! Test support: a private home for each test, real interactive shells on a
//! pseudo-terminal, and the store read back through `--json`.

#![allow(dead_code)]

pub mod burst;

use serde_json::Value;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_devtrace");

/// The prompt every test shell shows: tests wait for it between commands.
pub const PROMPT: &str = "DTREADY>";

/// Fails the test, loudly, when a tool it needs is missing.
pub fn require(tool: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "{tool} is not installed; run `sudo apt-get install -y {tool}` (or ./scripts/test.sh, which installs it)"
    );
}

/// A private world for one test: HOME, runtime and config directories, and
/// a git repository with `devtrace init` done.
pub struct World {
    pub tmp: tempfile::TempDir,
    pub home: PathBuf,
    pub run: PathBuf,
    pub repo: PathBuf,
}

impl World {
    pub fn new() -> World {
        let tmp = tempfile::Builder::new()
            .prefix("dt-test")
            .tempdir()
            .unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let home = root.join("home");
        let run = root.join("run");
        let repo = home.join("repo");
        std::fs::create_dir_all(&repo).unwrap();
        std::fs::create_dir_all(&run).unwrap();
        std::fs::create_dir_all(home.join(".config/fish")).unwrap();
        // Without this directory, every interactive fish starts a background
        // python job that parses every man page (fish_update_completions)
        // and eats a core for a minute, long after the test is over.
        std::fs::create_dir_all(home.join(".local/share/fish/generated_completions")).unwrap();
        // And without this, fish sets up its first-run defaults.
        std::fs::write(
            home.join(".config/fish/fish_variables"),
            "# This file contains fish universal variable definitions.\n# VERSION: 3.0\nSETUVAR __fish_initialized:3800\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
        let w = World {
            tmp,
            home,
            run,
            repo,
        };
        let git = w
            .cmd_in("git", &w.repo)
            .args(["init", "-q", "."])
            .output()
            .unwrap();
        assert!(git.status.success());
        w
    }

    /// A world whose rc files set our test prompt and then carry the line
    /// `devtrace init` adds, exactly as a user would have them.
    pub fn initialised() -> World {
        let w = World::new();
        w.write_rc("", "", "");
        let out = w.devtrace(&["init"], &w.repo);
        assert!(
            out.status.success(),
            "init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        w
    }

    /// Writes rc files: the test prompt, then `extra` for each shell. A
    /// later `devtrace init` appends its hook line after these.
    pub fn write_rc(&self, bash_extra: &str, zsh_extra: &str, fish_extra: &str) {
        std::fs::write(
            self.home.join(".bashrc"),
            format!("PS1='{PROMPT} '\nHISTFILE=$HOME/.bash_history\n{bash_extra}\n"),
        )
        .unwrap();
        std::fs::write(
            self.home.join(".zshrc"),
            format!("PS1='{PROMPT} '\nunsetopt PROMPT_SP\n{zsh_extra}\n"),
        )
        .unwrap();
        std::fs::write(
            self.home.join(".config/fish/config.fish"),
            format!(
                "set -g fish_greeting ''\nfunction fish_prompt; printf '{PROMPT} '; end\nfunction fish_right_prompt; end\n{fish_extra}\n"
            ),
        )
        .unwrap();
    }

    pub fn append_rc(&self, shell: &str, text: &str) {
        let path = match shell {
            "bash" => self.home.join(".bashrc"),
            "zsh" => self.home.join(".zshrc"),
            _ => self.home.join(".config/fish/config.fish"),
        };
        let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
        writeln!(f, "{text}").unwrap();
    }

    pub fn env(&self, c: &mut Command) {
        let bin_dir = Path::new(BIN).parent().unwrap();
        c.env_clear()
            .env("HOME", &self.home)
            .env("XDG_RUNTIME_DIR", &self.run)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env(
                "PATH",
                format!("{}:/usr/local/bin:/usr/bin:/bin", bin_dir.display()),
            )
            .env("TERM", "xterm")
            .env("LANG", "C.UTF-8")
            .env("USER", "tester")
            .env("DEVTRACE_INGEST_LINGER_MS", "300");
    }

    pub fn cmd_in(&self, program: &str, dir: &Path) -> Command {
        let mut c = Command::new(program);
        self.env(&mut c);
        c.current_dir(dir);
        c
    }

    pub fn devtrace(&self, args: &[&str], dir: &Path) -> Output {
        self.cmd_in(BIN, dir)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// `devtrace show --session ID --json` in `dir`, parsed.
    pub fn events(&self, dir: &Path, session: &str) -> Vec<Value> {
        let out = self.devtrace(&["show", "--session", session, "--json"], dir);
        assert!(
            out.status.success(),
            "show failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        parse_lines(&out.stdout)
    }

    /// Waits until the latest session in `dir`'s store has ended; returns its events.
    pub fn ended_session(&self, dir: &Path) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let out = self.devtrace(&["show", "--session", "latest", "--json"], dir);
            if out.status.success() {
                let evs = parse_lines(&out.stdout);
                if evs.iter().any(|e| e["type"] == "session_end") {
                    return evs;
                }
            }
            assert!(
                Instant::now() < deadline,
                "session in {} never ended; last show: {} {}; ingest log: {}",
                dir.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(self.run.join("devtrace/ingest.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The events of the session of the shell with `pid`, once it ended
    /// (a session that started later than another's end is not mistaken
    /// for it: ingest may store it late, after a large tree's first scan).
    pub fn ended_session_of(&self, dir: &Path, pid: i32) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let starts = parse_lines(
                &self
                    .devtrace(
                        &["log", "--json", "-n", "100000", "--type", "session_start"],
                        dir,
                    )
                    .stdout,
            );
            let id = starts
                .iter()
                .find(|e| e["data"]["shell_pid"] == pid)
                .and_then(|e| e["session"].as_str().map(str::to_owned));
            if let Some(id) = id {
                let out = self.devtrace(&["show", "--session", &id, "--json"], dir);
                let evs = parse_lines(&out.stdout);
                if evs.iter().any(|e| e["type"] == "session_end") {
                    return evs;
                }
            }
            assert!(
                Instant::now() < deadline,
                "the session of shell {pid} in {} never ended; ingest log: {}",
                dir.display(),
                std::fs::read_to_string(self.run.join("devtrace/ingest.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits (up to 15 s) until the store in `dir` holds `n` or more events
    /// of the `log` arguments `args` (ingest stores asynchronously).
    pub fn wait_events(&self, dir: &Path, args: &[&str], n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut a = vec!["log", "--json", "-n", "100000"];
        a.extend_from_slice(args);
        loop {
            let evs = parse_lines(&self.devtrace(&a, dir).stdout);
            if evs.len() >= n {
                return evs;
            }
            assert!(
                Instant::now() < deadline,
                "only {} of {n} events for {args:?}: {evs:#?}",
                evs.len()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// DevTrace's runtime directory in this world (channels, ingest's pid).
    pub fn runtime(&self) -> PathBuf {
        self.run.join("devtrace")
    }

    /// The pid of the running ingest, if any.
    pub fn ingest_pid(&self) -> Option<i32> {
        let text = std::fs::read_to_string(self.runtime().join("ingest.pid")).ok()?;
        let pid: i32 = text.split_whitespace().next()?.parse().ok()?;
        Path::new(&format!("/proc/{pid}")).exists().then_some(pid)
    }

    /// Waits until no ingest of this world runs (it leaves once shells are gone).
    pub fn wait_ingest_gone(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while let Some(pid) = self.ingest_pid() {
            assert!(
                Instant::now() < deadline,
                "ingest {pid} did not exit after the shells ended"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for World {
    fn drop(&mut self) {
        // Never leave an ingest behind, even when a test failed.
        if let Some(pid) = self.ingest_pid() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

/// `devtrace log --follow --json --type run_command` in `w`'s repository:
/// the process, and each line it prints with the moment it arrived.
pub fn follow(w: &World) -> (Child, std::sync::mpsc::Receiver<(Instant, String)>) {
    follow_types(w, &w.repo, "run_command")
}

/// `devtrace log --follow --json --type TYPES` in `dir`, line by line.
pub fn follow_types(
    w: &World,
    dir: &Path,
    types: &str,
) -> (Child, std::sync::mpsc::Receiver<(Instant, String)>) {
    let mut child = w
        .cmd_in(BIN, dir)
        .args(["log", "--follow", "--json", "--type", types])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send((Instant::now(), line));
        }
    });
    // Let it print the backlog and start watching.
    std::thread::sleep(Duration::from_millis(300));
    (child, rx)
}

/// Runs `c` with `input` on its standard input; returns its status and
/// what it printed.
pub fn output_with_stdin(c: &mut Command, input: &[u8]) -> Output {
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

pub fn parse_lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

pub fn commands(events: &[Value]) -> Vec<&Value> {
    events
        .iter()
        .filter(|e| e["type"] == "run_command")
        .collect()
}

pub fn texts(events: &[Value]) -> Vec<String> {
    commands(events)
        .iter()
        .map(|e| {
            e["data"]["command"]
                .as_str()
                .unwrap_or("<bytes>")
                .to_owned()
        })
        .collect()
}

/// An interactive shell on a pseudo-terminal.
pub struct Pty {
    pub child: Child,
    master: std::fs::File,
    out: Arc<(Mutex<Vec<u8>>, std::sync::Condvar)>,
    prompts_seen: usize,
    /// When the reader first saw a prompt (for start-up timing).
    first_prompt: Arc<Mutex<Option<Instant>>>,
}

impl Pty {
    pub fn spawn(world: &World, shell: &str, dir: &Path) -> Pty {
        Self::spawn_with(world, shell, dir, &[])
    }

    pub fn spawn_with(world: &World, shell: &str, dir: &Path, env: &[(&str, &str)]) -> Pty {
        Self::spawn_args(world, shell, &["-i"], dir, env)
    }

    /// A shell started with `args` (which should make it interactive).
    pub fn spawn_args(
        world: &World,
        shell: &str,
        args: &[&str],
        dir: &Path,
        env: &[(&str, &str)],
    ) -> Pty {
        require(shell);
        let pty = nix::pty::openpty(
            Some(&nix::pty::Winsize {
                ws_row: 40,
                ws_col: 200,
                ws_xpixel: 0,
                ws_ypixel: 0,
            }),
            None,
        )
        .unwrap();
        let slave: OwnedFd = pty.slave;
        let mut c = world.cmd_in(shell, dir);
        c.args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // SAFETY: setsid and ioctl are async-signal-safe.
        unsafe {
            c.pre_exec(|| {
                nix::unistd::setsid().map_err(std::io::Error::from)?;
                if nix::libc::ioctl(0, nix::libc::TIOCSCTTY as _, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = c.spawn().unwrap();
        let master = std::fs::File::from(pty.master);
        let out = Arc::new((Mutex::new(Vec::new()), std::sync::Condvar::new()));
        let mut reader = master.try_clone().unwrap();
        let sink = out.clone();
        let first_prompt = Arc::new(Mutex::new(None));
        let first = first_prompt.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut out = sink.0.lock().unwrap();
                out.extend_from_slice(&buf[..n]);
                let mut f = first.lock().unwrap();
                if f.is_none() && out.windows(PROMPT.len()).any(|w| w == PROMPT.as_bytes()) {
                    *f = Some(Instant::now());
                }
                drop(f);
                drop(out);
                sink.1.notify_all();
            }
        });
        let mut p = Pty {
            child,
            master,
            out,
            prompts_seen: 0,
            first_prompt,
        };
        p.wait_prompt(Duration::from_secs(20));
        p
    }

    /// When the first prompt arrived.
    pub fn first_prompt_at(&self) -> Option<Instant> {
        *self.first_prompt.lock().unwrap()
    }

    pub fn output(&self) -> String {
        String::from_utf8_lossy(&self.out.0.lock().unwrap()).into_owned()
    }

    fn prompts(&self) -> usize {
        let out = self.out.0.lock().unwrap();
        out.windows(PROMPT.len())
            .filter(|w| *w == PROMPT.as_bytes())
            .count()
    }

    /// Waits for a prompt not seen before.
    pub fn wait_prompt(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let n = self.prompts();
            if n > self.prompts_seen {
                self.prompts_seen = n;
                // Let the shell finish drawing and settle at the prompt.
                std::thread::sleep(Duration::from_millis(30));
                self.prompts_seen = self.prompts();
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no prompt within {timeout:?}; the terminal shows:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn send(&mut self, bytes: &str) {
        self.master.write_all(bytes.as_bytes()).unwrap();
        self.master.flush().unwrap();
    }

    /// Types many lines, `batch` at a time (the terminal's input buffer is
    /// small), waiting for each batch's prompts.
    pub fn run_many(&mut self, lines: &[String], batch: usize) {
        for chunk in lines.chunks(batch) {
            let want = self.prompts_seen + chunk.len();
            let mut text = String::new();
            for l in chunk {
                text.push_str(l);
                text.push('\r');
            }
            self.send(&text);
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let n = self.prompts();
                if n >= want {
                    self.prompts_seen = n;
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "only {n} of {want} prompts came; the terminal ends with:\n{}",
                    self.tail(2000)
                );
                std::thread::sleep(Duration::from_millis(2));
            }
        }
    }

    /// Waits for `n` prompts more than seen (lines sent with `send`).
    pub fn wait_prompts(&mut self, n: usize) {
        let want = self.prompts_seen + n;
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.prompts() < want {
            assert!(
                Instant::now() < deadline,
                "only {} of {want} prompts came; the terminal ends with:\n{}",
                self.prompts(),
                self.tail(2000)
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        self.prompts_seen = self.prompts();
    }

    /// The last `n` bytes the terminal showed.
    pub fn tail(&self, n: usize) -> String {
        let out = self.out.0.lock().unwrap();
        String::from_utf8_lossy(&out[out.len().saturating_sub(n)..]).into_owned()
    }

    /// Types a command line, waits for the next prompt, and says how long
    /// the round trip took (woken by the reader thread: microsecond precision).
    pub fn run_timed(&mut self, line: &str) -> Duration {
        let (lock, cvar) = &*self.out;
        let count = |b: &[u8]| {
            b.windows(PROMPT.len())
                .filter(|w| *w == PROMPT.as_bytes())
                .count()
        };
        let mut guard = lock.lock().unwrap();
        let before = count(&guard);
        let mut scanned = guard.len();
        self.master
            .write_all(format!("{line}\r").as_bytes())
            .unwrap();
        let start = Instant::now();
        loop {
            // Only the new bytes can hold the new prompt.
            let from = scanned.saturating_sub(PROMPT.len());
            if count(&guard[from..]) > 0 && count(&guard) > before {
                let took = start.elapsed();
                self.prompts_seen = count(&guard);
                return took;
            }
            scanned = guard.len();
            let (g, timeout) = cvar.wait_timeout(guard, Duration::from_secs(20)).unwrap();
            guard = g;
            assert!(!timeout.timed_out(), "no prompt after {line:?}");
        }
    }

    /// Types a command line and waits for the next prompt.
    pub fn run(&mut self, line: &str) {
        self.send(line);
        self.send("\r");
        self.wait_prompt(Duration::from_secs(20));
    }

    /// Starts a long command, interrupts it with Ctrl-C, waits for the prompt.
    pub fn run_interrupted(&mut self, line: &str) {
        self.send(line);
        self.send("\r");
        std::thread::sleep(Duration::from_millis(400));
        self.send("\x03");
        self.wait_prompt(Duration::from_secs(20));
    }

    /// Types `exit` and waits for the shell to end.
    pub fn exit(mut self) {
        self.send("exit\r");
        self.wait_exit();
    }

    pub fn wait_exit(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if self.child.try_wait().unwrap().is_some() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the shell did not exit:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    pub fn raw_fd(&self) -> i32 {
        self.master.as_raw_fd()
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `devtrace agent hook claude-code` with one payload of Claude Code session
/// `sid` (`extra`: the event's own fields); the hook must say nothing.
pub fn claude_hook(w: &World, sid: &str, event: &str, extra: serde_json::Value) {
    let v = serde_json::json!({
        "session_id": sid,
        "transcript_path": w.home.join("t.jsonl"),
        "cwd": w.repo.to_string_lossy(),
        "hook_event_name": event,
    });
    let out = claude_hook_output(w, with_fields(v, &extra));
    assert!(out.status.success() && out.stderr.is_empty(), "{out:?}");
}

/// `devtrace agent hook claude-code` given `payload`, in the repository.
pub fn claude_hook_output(w: &World, payload: serde_json::Value) -> Output {
    output_with_stdin(
        w.cmd_in(BIN, &w.repo)
            .args(["agent", "hook", "claude-code"]),
        payload.to_string().as_bytes(),
    )
}

/// The object `v` with the fields of the object `extra` set in it.
pub fn with_fields(mut v: serde_json::Value, extra: &serde_json::Value) -> serde_json::Value {
    for (k, x) in extra.as_object().into_iter().flatten() {
        v[k] = x.clone();
    }
    v
}

/// Every regular file under `dirs`, recursively (FIFOs are not read: they
/// would block).
pub fn files_under(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = dirs.to_vec();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(e.path()),
                Ok(t) if t.is_file() => files.push(e.path()),
                _ => {}
            }
        }
    }
    files
}

/// Whether `hay` holds the bytes of `needle`.
pub fn holds(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// The files under `dir` whose bytes hold `needle`.
pub fn files_holding(dir: &Path, needle: &str) -> Vec<PathBuf> {
    files_under(&[dir.to_path_buf()])
        .into_iter()
        .filter(|f| holds(&std::fs::read(f).unwrap_or_default(), needle))
        .collect()
}
