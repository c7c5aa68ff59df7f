//! Who may read: the request must name this server (its Host header, so a
//! DNS-rebinding page gets nothing), only read (GET or HEAD), and carry the
//! secret token (in the URL's `token`, or the cookie the first visit sets).

use axum::http::{header, HeaderMap, Method, StatusCode, Uri};

/// The server's secret and the names it answers to.
pub struct Access {
    pub token: String,
    pub port: u16,
}

/// What to do with a request.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Serve it; `set_cookie` when the token came in the URL.
    Allow {
        set_cookie: bool,
    },
    Deny(StatusCode, &'static str),
}

impl Access {
    /// A new random 128-bit token, as hex.
    pub fn new(port: u16) -> std::io::Result<Access> {
        let mut bytes = [0u8; 16];
        let mut filled = 0;
        while filled < bytes.len() {
            filled += rustix::rand::getrandom(
                &mut bytes[filled..],
                rustix::rand::GetRandomFlags::empty(),
            )?;
        }
        let token = crate::ids::hex(&bytes);
        Ok(Access { token, port })
    }

    /// The cookie's name: one per port (browsers share cookies across
    /// a host's ports).
    pub fn cookie_name(&self) -> String {
        format!("devtrace_ui_{}", self.port)
    }

    /// The `Set-Cookie` value that lets later requests in without the URL's
    /// token: script cannot read it, other sites cannot send it.
    pub fn cookie(&self) -> String {
        format!(
            "{}={}; HttpOnly; SameSite=Strict; Path=/",
            self.cookie_name(),
            self.token
        )
    }

    pub fn check(&self, method: &Method, uri: &Uri, headers: &HeaderMap) -> Verdict {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        if !host.is_some_and(|h| self.is_own_host(h))
            || uri
                .authority()
                .is_some_and(|a| !self.is_own_host(a.as_str()))
        {
            return Verdict::Deny(
                StatusCode::MISDIRECTED_REQUEST,
                "this server answers only to 127.0.0.1 and localhost on its port\n",
            );
        }
        if method != Method::GET && method != Method::HEAD {
            return Verdict::Deny(
                StatusCode::METHOD_NOT_ALLOWED,
                "read-only: only GET and HEAD\n",
            );
        }
        let in_url = uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter_map(|kv| kv.strip_prefix("token="))
            .any(|t| same(t, &self.token));
        if in_url {
            return Verdict::Allow { set_cookie: true };
        }
        let name = self.cookie_name();
        let in_cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .any(|(k, v)| k == name && same(v, &self.token));
        if in_cookie {
            Verdict::Allow { set_cookie: false }
        } else {
            Verdict::Deny(
                StatusCode::FORBIDDEN,
                "forbidden: open the URL `devtrace ui` printed, with its token\n",
            )
        }
    }

    fn is_own_host(&self, host: &str) -> bool {
        let port = self.port.to_string();
        ["127.0.0.1", "localhost"].iter().any(|name| {
            host.strip_prefix(name).and_then(|r| r.strip_prefix(':')) == Some(port.as_str())
        })
    }
}

/// Compares in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn access() -> Access {
        Access {
            token: "ab".repeat(16),
            port: 4321,
        }
    }

    fn headers(host: &str, cookie: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        if let Some(c) = cookie {
            h.insert(header::COOKIE, HeaderValue::from_str(c).unwrap());
        }
        h
    }

    fn check(method: Method, uri: &str, h: &HeaderMap) -> Verdict {
        access().check(&method, &uri.parse().unwrap(), h)
    }

    #[test]
    fn the_token_in_the_url_or_the_cookie_lets_in() {
        let t = "ab".repeat(16);
        let own = headers("127.0.0.1:4321", None);
        assert_eq!(
            check(Method::GET, &format!("/?token={t}"), &own),
            Verdict::Allow { set_cookie: true }
        );
        let c = headers(
            "localhost:4321",
            Some(&format!("x=1; devtrace_ui_4321={t}")),
        );
        assert_eq!(
            check(Method::GET, "/api/sessions", &c),
            Verdict::Allow { set_cookie: false }
        );
        let other_port = headers("localhost:4321", Some(&format!("devtrace_ui_9999={t}")));
        assert!(matches!(
            check(Method::GET, "/", &other_port),
            Verdict::Deny(StatusCode::FORBIDDEN, _)
        ));
        assert!(matches!(
            check(Method::GET, "/?token=abab", &own),
            Verdict::Deny(StatusCode::FORBIDDEN, _)
        ));
    }

    #[test]
    fn a_foreign_host_or_a_write_is_refused_even_with_the_token() {
        let t = "ab".repeat(16);
        for host in [
            "evil.example:4321",
            "127.0.0.1:80",
            "127.0.0.1",
            "localhost:43210",
            "127.0.0.1:4321.evil",
        ] {
            let v = check(Method::GET, &format!("/?token={t}"), &headers(host, None));
            assert_eq!(
                v,
                Verdict::Deny(
                    StatusCode::MISDIRECTED_REQUEST,
                    "this server answers only to 127.0.0.1 and localhost on its port\n"
                ),
                "{host}"
            );
        }
        let abs = format!("http://evil.example/?token={t}");
        assert!(matches!(
            check(Method::GET, &abs, &headers("127.0.0.1:4321", None)),
            Verdict::Deny(StatusCode::MISDIRECTED_REQUEST, _)
        ));
        for m in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
            let v = check(m, &format!("/?token={t}"), &headers("127.0.0.1:4321", None));
            assert!(matches!(
                v,
                Verdict::Deny(StatusCode::METHOD_NOT_ALLOWED, _)
            ));
        }
    }

    #[test]
    fn tokens_are_random_and_128_bits() {
        let (a, b) = (Access::new(1).unwrap(), Access::new(1).unwrap());
        assert_eq!(a.token.len(), 32);
        assert_ne!(a.token, b.token);
    }
}
