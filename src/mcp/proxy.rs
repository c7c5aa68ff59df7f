//! `devtrace mcp proxy [--name NAME] -- SERVER_CMD…`: a stdio relay between
//! an MCP client (our stdin/stdout) and the server it starts. The bytes each
//! side writes reach the other unchanged, as soon as they are read; a copy
//! goes to a recorder thread, which frames and parses it (`framing.rs`),
//! pairs each `tools/call` with its answer (`record.rs`) and sends an
//! `mcp_call` event into the caller's session (`channel.rs`). Recording
//! never holds the relay up, and nothing it meets (garbage, a crash, a huge
//! message) stops the relay. The exit status is the server's.

use super::framing::Framer;
use super::record::{Calls, Dir};
use crate::event::{Data, McpCall};
use crate::runtime::Channel;
use crate::timestamp::Timestamp;
use anyhow::{Context, Result};
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

/// What the relay threads hand the recorder.
enum Copy {
    Bytes(Dir, Vec<u8>, Instant),
    Closed(Dir),
}

pub fn run(name: Option<String>, argv: &[String]) -> Result<i32> {
    let server = name.unwrap_or_else(|| default_name(argv));
    let mut child = match Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            let code = if e.kind() == std::io::ErrorKind::NotFound {
                127
            } else {
                126
            };
            eprintln!("devtrace: {}: {e}", argv[0]);
            return Ok(code);
        }
    };
    let (tx, rx) = mpsc::channel();
    let recorder = std::thread::spawn(move || record(&server, rx));
    let to_server = child.stdin.take().context("no pipe to the server")?;
    let from_server = child.stdout.take().context("no pipe from the server")?;
    let stdin = std::fs::File::from(std::io::stdin().as_fd().try_clone_to_owned()?);
    let stdout = std::fs::File::from(std::io::stdout().as_fd().try_clone_to_owned()?);
    let up = tx.clone();
    // Not joined: it may sit in a read of a client that never closes.
    std::thread::spawn(move || relay(stdin, to_server, Dir::ClientToServer, &up));
    let down = std::thread::spawn(move || relay(from_server, stdout, Dir::ServerToClient, &tx));
    let status = child.wait().context("could not wait for the server")?;
    let _ = down.join();
    let _ = recorder.join();
    if let Some(sig) = status.signal() {
        return Ok(128 + sig);
    }
    Ok(status.code().unwrap_or(1))
}

/// The server's name when none is given: its program's file name, or what
/// an interpreter or `npx`/`uvx`-style runner starts (a script's package
/// folder when the script is an `index.js`, `main.py` or the like).
fn default_name(argv: &[String]) -> String {
    let base = |s: &str| s.rsplit('/').next().unwrap_or(s).to_owned();
    let prog = base(&argv[0]);
    let runners = [
        "npx", "uvx", "pnpx", "bunx", "node", "bun", "deno", "python", "python3",
    ];
    if !runners.contains(&prog.as_str()) {
        return prog;
    }
    let Some(arg) = argv[1..].iter().find(|a| !a.starts_with('-')) else {
        return prog;
    };
    let generic = |p: &str| {
        ["dist", "build", "src", "lib", "bin", "out"].contains(&p)
            || p.starts_with("index.")
            || p.starts_with("main.")
            || p.starts_with("server.")
            || p == "__main__.py"
    };
    arg.rsplit('/')
        .find(|p| !p.is_empty() && !generic(p))
        .map_or_else(|| base(arg), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::default_name;

    #[test]
    fn names_from_the_command() {
        let n = |a: &[&str]| default_name(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(n(&["/usr/bin/mcp-server-git"]), "mcp-server-git");
        assert_eq!(
            n(&["npx", "-y", "@modelcontextprotocol/server-everything"]),
            "server-everything"
        );
        assert_eq!(
            n(&["node", "/x/server-everything/dist/index.js", "stdio"]),
            "server-everything"
        );
        assert_eq!(n(&["python3", "-m", "weather"]), "weather");
    }
}

/// Copies bytes from `from` to `to` as they come, and a copy to the
/// recorder. When `to` is gone the copy goes on, so that the other side
/// still sees what it needs (and `from` is drained, never blocked).
fn relay(mut from: impl Read, mut to: impl Write + 'static, dir: Dir, tx: &mpsc::Sender<Copy>) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut open = true;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        // The copy is queued before the bytes go on: whatever the other side
        // sends in reply is read after they arrive, so the recorder always
        // meets a request before its answer.
        let _ = tx.send(Copy::Bytes(dir, buf[..n].to_vec(), Instant::now()));
        if open && (to.write_all(&buf[..n]).is_err() || to.flush().is_err()) {
            open = false;
        }
    }
    // Closing our end tells the other side this one is done.
    drop(to);
    let _ = tx.send(Copy::Closed(dir));
}

/// Frames, parses and pairs the copies; sends each finished call. Ends when
/// both directions are closed (or the relay threads are gone).
fn record(server: &str, rx: mpsc::Receiver<Copy>) {
    let mut calls = Calls::new(server);
    let mut framers = [Framer::default(), Framer::default()];
    let mut sink = Sink::default();
    let mut closed = 0;
    while let Ok(copy) = rx.recv() {
        match copy {
            Copy::Bytes(dir, bytes, at) => {
                let f = &mut framers[dir as usize];
                for msg in f.push(&bytes) {
                    for call in calls.message(dir, &msg, at) {
                        sink.send(call);
                    }
                }
            }
            Copy::Closed(Dir::ServerToClient) => break,
            Copy::Closed(_) => {
                closed += 1;
                if closed == 2 {
                    break;
                }
            }
        }
    }
    for call in calls.unanswered() {
        sink.send(call);
    }
}

/// Where calls go: the caller's session, opened on the first call.
#[derive(Default)]
struct Sink {
    chan: Option<Channel>,
    cwd: Option<String>,
}

impl Sink {
    fn send(&mut self, call: McpCall) {
        if self.chan.is_none() {
            self.chan = crate::channel::caller(crate::agent::detect(), "mcp").ok();
            self.cwd = crate::resolve::cwd().ok();
        }
        let (Some(chan), Some(cwd)) = (&self.chan, &self.cwd) else {
            return; // recording is best effort; the relay goes on
        };
        let _ = crate::channel::send_to(chan, Timestamp::now(), cwd, Data::McpCall(call));
    }
}
