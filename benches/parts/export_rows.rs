//! `devtrace export otlp` from a large store: spans per second, and the
//! exporter's peak memory. The receiver is a minimal HTTP sink in this
//! process (it answers 200 to each request), so the figure is DevTrace's.

use super::*;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;

/// Answers 200 to every POST; counts the bytes it was sent.
fn sink() -> (u16, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let bytes = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counted = bytes.clone();
    std::thread::spawn(move || {
        for conn in l.incoming().flatten() {
            let counted = counted.clone();
            std::thread::spawn(move || {
                let mut w = conn.try_clone().unwrap();
                let mut r = BufReader::new(conn);
                loop {
                    let mut len = 0usize;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if r.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let l = line.trim_end().to_ascii_lowercase();
                        if let Some(v) = l.strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                        if l.is_empty() {
                            break;
                        }
                    }
                    let mut body = vec![0; len];
                    if r.read_exact(&mut body).is_err() {
                        return;
                    }
                    counted.fetch_add(len as u64, std::sync::atomic::Ordering::Relaxed);
                    let _ = w.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
                }
            });
        }
    });
    (port, bytes)
}

pub fn export_rows(t: &mut Table, z: &Sizes) {
    let w = filled_store(z);
    let (port, bytes) = sink();
    let t0 = Instant::now();
    let child = w
        .cmd_in(BIN, &w.repo)
        .args([
            "export",
            "otlp",
            "--endpoint",
            &format!("http://127.0.0.1:{port}"),
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as i32;
    let mut peak = 0;
    let waiter = std::thread::spawn(move || child.wait_with_output().unwrap());
    while !waiter.is_finished() {
        peak = peak.max(proc_field(pid, "status", "VmHWM:").unwrap_or(0));
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = waiter.join().unwrap();
    let secs = t0.elapsed().as_secs_f64();
    assert!(out.status.success());
    // "URL: N events as M spans"
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let spans: f64 = text
        .split(" as ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.replace(',', "").parse().ok())
        .unwrap_or_else(|| panic!("no span count in {text:?}"));
    t.row(
        &format!("export otlp from a store of {} events", z.fill_events),
        format!(
            "{:.0} spans/s ({spans:.0} spans, {:.1} MB sent, {secs:.1} s)",
            spans / secs,
            bytes.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e6
        ),
        "",
        "",
    );
    t.row(
        "export otlp: peak memory (VmHWM)",
        format!("{:.1} MB", peak as f64 / 1024.0),
        "",
        "",
    );
}
