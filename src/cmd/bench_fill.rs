//! `devtrace bench-fill` (hidden): fills a store with synthetic sessions, fast,
//! for the query benchmarks. Not for real stores.

use crate::event::{Data, Event, RunCommand, SessionEnd, SessionStart, SCHEMA_VERSION};
use crate::store::{self, Store};
use crate::timestamp::Timestamp;
use anyhow::Result;
use std::path::Path;
use std::time::Duration;

pub fn run(dir: &Path, events: u64, sessions: u64) -> Result<i32> {
    let dir = dir.canonicalize()?.join(store::DIR);
    store::create_dir(&dir)?;
    let mut store = Store::open(&dir)?;
    let per = (events / sessions.max(1)).max(3);
    let now = crate::timestamp::Timestamp::now().as_millis();
    let start = now - (events as i64) * 1000;
    let commands = [
        "cargo test",
        "git status",
        "ls -la",
        "make build",
        "npm run lint",
    ];
    let mut batch: Vec<Event> = Vec::with_capacity(20_000);
    let mut written = 0u64;
    let mut t = start;
    for s in 0..sessions {
        let sid = crate::ids::event_id(Timestamp::from_millis(t), "bench", &format!("s{s}"));
        let cwd = format!("{}/src", dir.parent().unwrap_or(&dir).display());
        for i in 0..per {
            t += 1000;
            let data = match i {
                0 => Data::SessionStart(SessionStart {
                    shell: Some("bash".into()),
                    shell_pid: Some(1),
                    host: "bench".into(),
                    user: "bench".into(),
                    devtrace_version: env!("CARGO_PKG_VERSION").into(),
                    ..SessionStart::default()
                }),
                _ if i == per - 1 => Data::SessionEnd(SessionEnd {
                    reason: "exit".into(),
                    ..SessionEnd::default()
                }),
                _ => {
                    let c = commands[(i as usize + s as usize) % commands.len()];
                    let code = if i % 7 == 0 { 1 } else { 0 };
                    let took = Duration::from_millis(12);
                    Data::RunCommand(RunCommand {
                        command: format!("{c} {i}").as_str().into(),
                        exit_code: Some(code),
                        pipestatus: Some(vec![code]),
                        duration: Some(took),
                        started_at: Some(Timestamp::from_millis(t)),
                        ended_at: Some(Timestamp::from_millis(t).saturating_add(took)),
                        shell: "bash".into(),
                        ..RunCommand::default()
                    })
                }
            };
            batch.push(Event {
                v: SCHEMA_VERSION,
                id: crate::ids::event_id(Timestamp::from_millis(t), &sid, &format!("e{i}")),
                session: sid.clone(),
                seq: i + 1,
                ts: Timestamp::from_millis(t),
                agent: None,
                cwd: cwd.clone(),
                repo: None,
                data,
            });
            if batch.len() == batch.capacity() {
                written += store.append(&batch)? as u64;
                batch.clear();
            }
        }
    }
    written += store.append(&batch)? as u64;
    // As ingest would have by the time anyone searches.
    while store.index_search(50_000)? {}
    println!("{written}");
    Ok(0)
}
