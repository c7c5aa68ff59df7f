//! Where spans go and with which headers: `--endpoint`/`--header`, the
//! standard `OTEL_EXPORTER_OTLP_*` variables, the `[export]` configuration.

use anyhow::Result;
use std::time::Duration;

/// One receiver: the URL spans are posted to, and the headers to send.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The full URL (…/v1/traces); also the key of its cursor.
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// How long one request may take (`OTEL_EXPORTER_OTLP_TIMEOUT`).
    pub timeout: Duration,
    /// Bodies gzipped (`OTEL_EXPORTER_OTLP_COMPRESSION=gzip`).
    pub gzip: bool,
}

/// One request's time limit when no variable sets it (the spec's 10 s).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// `k=v,k2=v2` (the form of OTEL_EXPORTER_OTLP_HEADERS and
/// OTEL_RESOURCE_ATTRIBUTES), values percent-decoded.
pub fn pairs(s: &str) -> Vec<(String, String)> {
    s.split(',')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), percent_decode(v.trim())))
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).and_then(|&c| hex(c)),
            b.get(i + 2).and_then(|&c| hex(c)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn check_url(url: &str, from: &str) -> Result<()> {
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url
            .split_once("://")
            .is_some_and(|(_, rest)| !rest.is_empty());
    if ok {
        Ok(())
    } else {
        Err(crate::usage(
            format!("the endpoint {url:?} ({from}) is not an http:// or https:// URL"),
            "give a base URL such as http://localhost:4318",
        ))
    }
}

/// A base URL's traces path.
fn traces(base: &str) -> String {
    format!("{}/v1/traces", base.trim_end_matches('/'))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The traces variable of a setting, else the general one (per the spec),
/// with the name it came from.
fn env_pair(setting: &str) -> Option<(String, String)> {
    [
        format!("OTEL_EXPORTER_OTLP_TRACES_{setting}"),
        format!("OTEL_EXPORTER_OTLP_{setting}"),
    ]
    .into_iter()
    .find_map(|name| env(&name).map(|v| (name, v.trim().to_owned())))
}

/// `OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL`: DevTrace speaks http/protobuf.
fn check_protocol() -> Result<()> {
    match env_pair("PROTOCOL") {
        None => Ok(()),
        Some((_, v)) if v == "http/protobuf" => Ok(()),
        Some((name, v)) => Err(crate::usage(
            format!("{name}={v} is not supported: devtrace exports OTLP over http/protobuf only"),
            format!("unset {name} or set it to http/protobuf (a Collector takes http/protobuf on port 4318)"),
        )),
    }
}

/// `OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT`, in milliseconds.
fn request_timeout() -> Result<Duration> {
    let Some((name, v)) = env_pair("TIMEOUT") else {
        return Ok(REQUEST_TIMEOUT);
    };
    match v.parse::<u64>() {
        Ok(ms) if ms > 0 => Ok(Duration::from_millis(ms)),
        _ => Err(crate::usage(
            format!("{name}={v} is not a positive number of milliseconds"),
            format!("for example {name}=10000"),
        )),
    }
}

/// `OTEL_EXPORTER_OTLP_[TRACES_]COMPRESSION`: gzip or none.
fn gzip() -> Result<bool> {
    match env_pair("COMPRESSION") {
        None => Ok(false),
        Some((_, v)) if v == "gzip" => Ok(true),
        Some((_, v)) if v == "none" => Ok(false),
        Some((name, v)) => Err(crate::usage(
            format!("{name}={v} is not supported"),
            format!("set {name} to gzip or none"),
        )),
    }
}

/// The endpoints to export to: `--endpoint`, else the OTLP variables, else
/// the configured ones.
pub fn resolve(
    flag: Option<&str>,
    configured: &[String],
    cli_headers: &[String],
) -> Result<Vec<Endpoint>> {
    let urls: Vec<String> = if let Some(u) = flag {
        check_url(u, "--endpoint")?;
        vec![traces(u)]
    } else if let Some(u) = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
        check_url(&u, "$OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")?;
        vec![u]
    } else if let Some(u) = env("OTEL_EXPORTER_OTLP_ENDPOINT") {
        check_url(&u, "$OTEL_EXPORTER_OTLP_ENDPOINT")?;
        vec![traces(&u)]
    } else {
        for u in configured {
            check_url(u, "[export] endpoints")?;
        }
        configured.iter().map(|u| traces(u)).collect()
    };
    if urls.is_empty() {
        return Err(crate::usage(
            "no endpoint to export to",
            "give --endpoint URL, set OTEL_EXPORTER_OTLP_ENDPOINT, or list endpoints under [export] in config.toml",
        ));
    }
    check_protocol()?;
    let headers = headers(cli_headers)?;
    let (timeout, gzip) = (request_timeout()?, gzip()?);
    Ok(urls
        .into_iter()
        .map(|url| Endpoint {
            url,
            headers: headers.clone(),
            timeout,
            gzip,
        })
        .collect())
}

/// The headers: the general variable, the traces one, then `--header`;
/// a later value of a name replaces an earlier one.
fn headers(cli: &[String]) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |k: String, v: String| {
        out.retain(|(key, _)| !key.eq_ignore_ascii_case(&k));
        out.push((k, v));
    };
    for var in [
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    ] {
        for (k, v) in pairs(&env(var).unwrap_or_default()) {
            add(k, v);
        }
    }
    for h in cli {
        let Some((k, v)) = h.split_once('=').filter(|(k, _)| !k.trim().is_empty()) else {
            return Err(crate::usage(
                format!("--header {h:?} is not NAME=VALUE"),
                "for example --header Authorization='Basic ...'",
            ));
        };
        add(k.trim().to_owned(), v.to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_split_and_percent_decoded() {
        assert_eq!(
            pairs("a=1, Authorization=Basic%20eHk=,bad,=x"),
            vec![
                ("a".into(), "1".into()),
                ("Authorization".into(), "Basic eHk=".into())
            ]
        );
    }

    #[test]
    fn a_base_url_gets_the_traces_path() {
        assert_eq!(traces("http://h:4318/"), "http://h:4318/v1/traces");
        assert!(check_url("localhost:4318", "x").is_err());
    }
}
