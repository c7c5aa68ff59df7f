//! The standard `OTEL_EXPORTER_OTLP_*` variables, against the real
//! receiver: endpoints, headers, timeout, protocol, compression, and the
//! order flag > variable > configuration.

use super::*;

const VARS: [&str; 10] = [
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_HEADERS",
    "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    "OTEL_EXPORTER_OTLP_TIMEOUT",
    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "OTEL_EXPORTER_OTLP_COMPRESSION",
    "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
];

/// `devtrace export otlp ARGS` with exactly these OTLP variables set.
fn export_with(w: &World, args: &[&str], vars: &[(&str, &str)]) -> std::process::Output {
    let mut c = w.cmd_in(BIN, &w.repo);
    c.args(["export", "otlp"]).args(args).stdin(Stdio::null());
    for v in VARS {
        c.env_remove(v);
    }
    for (k, v) in vars {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn a_note(w: &World) {
    w.devtrace(&["note", "something to send"], &w.repo);
    w.wait_events(&w.repo, &["--type", "note"], 1);
}

fn one_line_usage(out: &std::process::Output, says: &str) {
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    let first = err.lines().next().unwrap_or("");
    assert!(
        first.starts_with("devtrace: ") && first.contains(says),
        "{err}"
    );
}

#[test]
fn endpoints_headers_and_gzip_from_the_standard_variables() {
    let w = World::initialised();
    a_note(&w);
    // The traces endpoint is used as is; it wins over the base one.
    let rx = Receiver::start(w.tmp.path(), &[]);
    let base = Receiver::start(w.tmp.path(), &[]);
    let traces = format!("{}/custom/traces", rx.url());
    let out = export_with(
        &w,
        &[],
        &[
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", &traces),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &base.url()),
            ("OTEL_EXPORTER_OTLP_HEADERS", "a=1,b=x%2Cy,c=k%3Dv%25"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "b=two%20words"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(base.requests().is_empty());
    let reqs = rx.requests();
    assert_eq!(reqs[0]["path"], "/custom/traces");
    assert_eq!(reqs[0]["headers"]["a"], "1");
    assert_eq!(
        reqs[0]["headers"]["b"], "two words",
        "the traces variable wins"
    );
    assert_eq!(reqs[0]["headers"]["c"], "k=v%", "percent-decoded");
    assert_eq!(reqs[0]["content_encoding"], "gzip");
    assert!(!rx.acknowledged().is_empty(), "the gzipped body decoded");

    // The general base URL gets /v1/traces; `none` (the traces variable
    // wins over a general gzip) sends the body as it is.
    let out = export_with(
        &w,
        &[],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &format!("{}/", base.url())),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
            ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "none"),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let reqs = base.requests();
    assert_eq!(reqs[0]["path"], "/v1/traces");
    assert!(reqs[0]["content_encoding"].is_null(), "{}", reqs[0]);
    assert!(!base.acknowledged().is_empty());
}

#[test]
fn a_flag_wins_over_a_variable_which_wins_over_the_configuration() {
    let w = World::initialised();
    a_note(&w);
    let (flag, var, cfg) = (
        Receiver::start(w.tmp.path(), &[]),
        Receiver::start(w.tmp.path(), &[]),
        Receiver::start(w.tmp.path(), &[]),
    );
    std::fs::write(
        w.repo.join(".devtrace/config.toml"),
        format!("[export]\nendpoints = [\"{}\"]\n", cfg.url()),
    )
    .unwrap();
    let env = [("OTEL_EXPORTER_OTLP_ENDPOINT", var.url())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = export_with(&w, &["--endpoint", &flag.url()], &env);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(flag.requests().len(), 1);
    assert!(var.requests().is_empty() && cfg.requests().is_empty());
    let out = export_with(&w, &[], &env);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(var.requests().len(), 1);
    assert!(cfg.requests().is_empty());
    let out = export_with(&w, &[], &[]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(cfg.requests().len(), 1);
}

#[test]
fn the_timeout_variable_bounds_each_request() {
    let w = World::initialised();
    a_note(&w);
    let rx = Receiver::start(w.tmp.path(), &[]);
    rx.set_mode("hang");
    // The traces variable (300 ms) wins over the general one (60 s): three
    // requests time out before the export gives up after 2 s.
    let started = Instant::now();
    let out = export_with(
        &w,
        &["--endpoint", &rx.url(), "--timeout", "2"],
        &[
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "60000"),
            ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "300"),
        ],
    );
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("devtrace: could not export to "), "{err}");
    assert!(err.contains("attempts in 2 s)"), "{err}");
    assert!(rx.requests().len() >= 3, "{} requests", rx.requests().len());
    assert!(took < Duration::from_secs(6), "took {took:?}");

    let out = export_with(
        &w,
        &["--endpoint", &rx.url()],
        &[("OTEL_EXPORTER_OTLP_TIMEOUT", "soon")],
    );
    one_line_usage(
        &out,
        "OTEL_EXPORTER_OTLP_TIMEOUT=soon is not a positive number of milliseconds",
    );
}

#[test]
fn only_http_protobuf_and_gzip_or_none_are_accepted() {
    let w = World::initialised();
    a_note(&w);
    let rx = Receiver::start(w.tmp.path(), &[]);
    let url = rx.url();
    for (var, value) in [
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"),
    ] {
        let out = export_with(&w, &["--endpoint", &url], &[(var, value)]);
        one_line_usage(&out, &format!("{var}={value} is not supported"));
    }
    let out = export_with(
        &w,
        &["--endpoint", &url],
        &[("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd")],
    );
    one_line_usage(&out, "OTEL_EXPORTER_OTLP_COMPRESSION=zstd is not supported");
    assert!(rx.requests().is_empty());
    // http/protobuf, named by the traces variable over a general grpc.
    let out = export_with(
        &w,
        &["--endpoint", &url],
        &[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(rx.requests().len(), 1);
}
