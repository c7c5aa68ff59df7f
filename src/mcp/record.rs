//! From the messages a proxy relays to `mcp_call` events: each `tools/call`
//! request paired with its response by id, per direction (a server's own
//! requests have their own ids); a 2026-07-28 `input_required` result and
//! the client's retry are one logical call. Arguments and results are
//! bounded here; redaction happens on the way into the channel.

use crate::event::McpCall;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dir {
    ClientToServer,
    ServerToClient,
}

impl Dir {
    fn back(self) -> Dir {
        match self {
            Dir::ClientToServer => Dir::ServerToClient,
            Dir::ServerToClient => Dir::ClientToServer,
        }
    }
}

/// Longest string kept in recorded arguments and results.
/// Most bytes of a recorded result (its strings cut first).
const MAX_RESULT: usize = 64 * 1024;

/// A call waiting for its response.
struct Pending {
    /// The order calls were made in.
    n: u64,
    tool: String,
    arguments: Value,
    started: Instant,
    version: Option<String>,
}

/// A tools/call in flight: its calls by direction and id, and those
/// waiting for the client's retry after `input_required`.
pub struct Calls {
    server: String,
    pending: HashMap<(Dir, String), Pending>,
    retrying: Vec<Pending>,
    made: u64,
    /// The version the `initialize` handshake agreed on.
    version: Option<String>,
}

impl Calls {
    pub fn new(server: &str) -> Calls {
        Calls {
            server: server.to_owned(),
            pending: HashMap::new(),
            retrying: Vec::new(),
            made: 0,
            version: None,
        }
    }

    /// One relayed message; the calls it completes.
    pub fn message(&mut self, dir: Dir, bytes: &[u8], at: Instant) -> Vec<McpCall> {
        let Ok(v) = serde_json::from_slice::<Value>(bytes) else {
            return Vec::new();
        };
        let mut done = Vec::new();
        match v {
            Value::Array(batch) => batch.iter().for_each(|m| self.one(dir, m, at, &mut done)),
            m => self.one(dir, &m, at, &mut done),
        }
        done
    }

    fn one(&mut self, dir: Dir, m: &Value, at: Instant, done: &mut Vec<McpCall>) {
        let Some(id) = m.get("id").filter(|i| !i.is_null()).map(Value::to_string) else {
            return; // a notification
        };
        match m.get("method").and_then(Value::as_str) {
            Some("tools/call") => self.request(dir, id, &m["params"], at),
            Some(_) => {}
            None => {
                if let Some(v) = m["result"]["protocolVersion"].as_str() {
                    self.version = Some(v.to_owned());
                }
                if let Some(p) = self.pending.remove(&(dir.back(), id)) {
                    self.response(p, m, at, done);
                }
            }
        }
    }

    fn request(&mut self, dir: Dir, id: String, params: &Value, at: Instant) {
        let tool = params["name"].as_str().unwrap_or_default().to_owned();
        let arguments = params.get("arguments").cloned().unwrap_or(Value::Null);
        let retry = params.get("inputResponses").is_some() || params.get("requestState").is_some();
        let earlier = retry
            .then(|| {
                self.retrying
                    .iter()
                    .position(|p| p.tool == tool && p.arguments == arguments)
            })
            .flatten()
            .map(|i| self.retrying.remove(i));
        let version = params["_meta"]["io.modelcontextprotocol/protocolVersion"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| self.version.clone());
        self.made += 1;
        let p = earlier.unwrap_or(Pending {
            n: self.made,
            tool,
            arguments,
            started: at,
            version,
        });
        self.pending.insert((dir, id), p);
    }

    fn response(&mut self, p: Pending, m: &Value, at: Instant, done: &mut Vec<McpCall>) {
        if m["result"]["resultType"] == "input_required" {
            self.retrying.push(p);
            return;
        }
        let error_code = m["error"]["code"].as_i64();
        let result = match m.get("error") {
            Some(e) => e.clone(),
            None => m.get("result").cloned().unwrap_or(Value::Null),
        };
        let is_error = error_code.is_some() || result["isError"] == true;
        done.push(self.call(p, Some(result), Some(is_error), error_code, Some(at)));
    }

    /// The calls never answered (the server or client went away).
    pub fn unanswered(&mut self) -> Vec<McpCall> {
        let mut left: Vec<Pending> = self.pending.drain().map(|(_, p)| p).collect();
        left.append(&mut self.retrying);
        left.sort_by_key(|p| p.n);
        left.into_iter()
            .map(|p| {
                let mut c = self.call(p, None, None, None, None);
                c.extra.insert("answered".into(), Value::Bool(false));
                c
            })
            .collect()
    }

    fn call(
        &self,
        p: Pending,
        result: Option<Value>,
        is_error: Option<bool>,
        error_code: Option<i64>,
        end: Option<Instant>,
    ) -> McpCall {
        McpCall {
            server: Some(self.server.clone()),
            tool: Some(p.tool),
            arguments: crate::event::bound_strings(p.arguments),
            result: result.map(bound_result).unwrap_or(Value::Null),
            is_error,
            error_code,
            duration: end.map(|e| ms(e.duration_since(p.started))),
            protocol_version: p.version,
            extra: Map::new(),
        }
    }
}

/// Whole milliseconds, as the contract keeps durations.
fn ms(d: Duration) -> Duration {
    Duration::from_millis(d.as_millis() as u64)
}

/// A result with its strings cut, and cut whole when still too big.
fn bound_result(v: Value) -> Value {
    let v = crate::event::bound_strings(v);
    let size = v.to_string().len();
    if size <= MAX_RESULT {
        return v;
    }
    serde_json::json!({ "cut": true, "bytes": size })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn send(c: &mut Calls, dir: Dir, v: Value) -> Vec<McpCall> {
        c.message(dir, v.to_string().as_bytes(), Instant::now())
    }

    #[test]
    fn pairs_by_id_and_direction() {
        let mut c = Calls::new("s");
        let call = json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"m":"hi"}}});
        assert!(send(&mut c, Dir::ClientToServer, call).is_empty());
        // A server's own request with the same id is not the answer.
        let reply = json!({"jsonrpc":"2.0","id":1,"result":{}});
        assert!(send(&mut c, Dir::ClientToServer, reply).is_empty());
        let answer = json!({"jsonrpc":"2.0","id":1,"result":{"content":[],"isError":true}});
        let done = send(&mut c, Dir::ServerToClient, answer);
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].tool.as_deref(), Some("echo"));
        assert_eq!(done[0].arguments, json!({"m":"hi"}));
        assert_eq!(done[0].is_error, Some(true));
        assert!(c.unanswered().is_empty());
    }

    #[test]
    fn input_required_and_its_retry_are_one_call() {
        let mut c = Calls::new("s");
        let params = json!({"name":"ask","arguments":{"q":1}});
        let call = json!({"jsonrpc":"2.0","id":"a","method":"tools/call","params":params});
        send(&mut c, Dir::ClientToServer, call);
        let more = json!({"jsonrpc":"2.0","id":"a","result":{"resultType":"input_required","requestState":"s1"}});
        assert!(send(&mut c, Dir::ServerToClient, more).is_empty());
        let retry = json!({"jsonrpc":"2.0","id":"b","method":"tools/call","params":{"name":"ask","arguments":{"q":1},"requestState":"s1","inputResponses":{}}});
        send(&mut c, Dir::ClientToServer, retry);
        let done = send(
            &mut c,
            Dir::ServerToClient,
            json!({"jsonrpc":"2.0","id":"b","error":{"code":-32602,"message":"no"}}),
        );
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].error_code, Some(-32602));
        assert!(c.unanswered().is_empty());
    }
}
