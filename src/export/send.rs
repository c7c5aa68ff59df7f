//! Posting one request to an endpoint: blocking HTTP (ureq; TLS only for
//! https URLs), retried with backoff on 429, 5xx and network errors,
//! honouring Retry-After, until a deadline (or, without one, until stopped).

use super::endpoint::Endpoint;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Why a request was not accepted.
#[derive(Debug)]
pub enum SendError {
    /// Retrying did not help before the deadline.
    GaveUp { last: String, attempts: u32 },
    /// An answer retrying cannot change (400, 401, 404, ...).
    Refused(String),
    /// Asked to stop while waiting.
    Stopped,
}

/// What one attempt came to.
enum Attempt {
    Accepted(Vec<u8>),
    Retry {
        why: String,
        after: Option<Duration>,
    },
    Refused(String),
}

/// The first wait after a failure; it doubles up to `MAX_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(8);

pub struct Sender {
    agent: ureq::Agent,
}

impl Sender {
    /// `timeout`: how long one request may take.
    pub fn new(timeout: Duration) -> Sender {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .user_agent(format!("devtrace/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Sender { agent }
    }

    fn attempt(&self, ep: &Endpoint, body: &[u8]) -> Attempt {
        let mut req = self
            .agent
            .post(&ep.url)
            .header("Content-Type", "application/x-protobuf");
        if ep.gzip {
            req = req.header("Content-Encoding", "gzip");
        }
        for (k, v) in &ep.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let mut resp = match req.send(body) {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Retry {
                    why: format!("{e}"),
                    after: None,
                }
            }
        };
        let status = resp.status();
        let after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(retry_after);
        let text = resp
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_vec()
            .unwrap_or_default();
        let why = format!("{status}{}", short_body(&text));
        match status.as_u16() {
            200..=299 => Attempt::Accepted(text),
            429 | 500..=599 => Attempt::Retry { why, after },
            _ => Attempt::Refused(why),
        }
    }

    /// Posts `body` until it is accepted; returns the response body.
    /// `on_fail` hears of each failed attempt.
    pub fn post(
        &self,
        ep: &Endpoint,
        body: &[u8],
        deadline: Option<Instant>,
        stop: &AtomicBool,
        on_fail: &mut dyn FnMut(&str),
    ) -> Result<Vec<u8>, SendError> {
        let gzipped;
        let body = if ep.gzip {
            gzipped = gzip(body);
            &gzipped[..]
        } else {
            body
        };
        let mut backoff = FIRST_BACKOFF;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let (why, after) = match self.attempt(ep, body) {
                Attempt::Accepted(b) => return Ok(b),
                Attempt::Refused(why) => return Err(SendError::Refused(why)),
                Attempt::Retry { why, after } => (why, after),
            };
            on_fail(&why);
            let wait = after.unwrap_or(backoff);
            backoff = (backoff * 2).min(MAX_BACKOFF);
            if deadline.is_some_and(|d| Instant::now() + wait > d) {
                return Err(SendError::GaveUp {
                    last: why,
                    attempts,
                });
            }
            if !sleep(wait, stop) {
                return Err(SendError::Stopped);
            }
        }
    }
}

fn gzip(body: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing to memory cannot fail.
    z.write_all(body).expect("gzip into memory");
    z.finish().expect("gzip into memory")
}

/// Sleeps, waking early when asked to stop; false when stopped.
pub fn sleep(d: Duration, stop: &AtomicBool) -> bool {
    let until = Instant::now() + d;
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        if now >= until {
            return true;
        }
        std::thread::sleep((until - now).min(Duration::from_millis(50)));
    }
    false
}

/// Retry-After: seconds, or an HTTP date.
fn retry_after(v: &str) -> Option<Duration> {
    if let Ok(secs) = v.trim().parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::from_secs_f64(secs.min(3600.0)));
    }
    let when =
        time::OffsetDateTime::parse(v.trim(), &time::format_description::well_known::Rfc2822)
            .ok()?;
    let secs = (when - time::OffsetDateTime::now_utc()).as_seconds_f64();
    Some(Duration::from_secs_f64(secs.clamp(0.0, 3600.0)))
}

/// A response body's first line, for an error message (protobuf bodies are
/// not text: then nothing).
fn short_body(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(t) if !t.trim().is_empty() => {
            let line = t.trim().lines().next().unwrap_or("");
            format!(": {}", crate::output::ellipsize(line, 120))
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(
            retry_after("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon"), None);
    }
}
