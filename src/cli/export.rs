//! The arguments of `devtrace export`.

use super::{FilterArgs, StoreArgs};
use clap::{Args, Subcommand};

#[derive(Subcommand, Debug)]
pub enum ExportCmd {
    /// Print the events as JSON Lines (the event contract), oldest first
    Json(TableArgs),
    /// Print the events as CSV, one row per event, oldest first
    Csv(TableArgs),
    /// Send sessions and events as OpenTelemetry spans (OTLP/HTTP protobuf), each once per endpoint
    Otlp(OtlpArgs),
    /// Show each endpoint's cursor, backlog and last error
    Status(StatusArgs),
}

#[derive(Args, Debug)]
pub struct TableArgs {
    /// Only this session (id, unique prefix, or `latest`)
    #[arg(long, short = 's')]
    pub session: Option<String>,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args, Debug)]
#[command(
    after_help = "The endpoint is a base URL: spans go to URL/v1/traces. Without --endpoint: \
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is), else OTEL_EXPORTER_OTLP_ENDPOINT, else the \
endpoints of the [export] configuration. Headers also come from OTEL_EXPORTER_OTLP_HEADERS and \
OTEL_EXPORTER_OTLP_TRACES_HEADERS (k=v,k2=v2). OTEL_EXPORTER_OTLP_TIMEOUT bounds each request \
(milliseconds), OTEL_EXPORTER_OTLP_COMPRESSION=gzip gzips the bodies, and \
OTEL_EXPORTER_OTLP_PROTOCOL may only be http/protobuf (each also as its _TRACES_ variable).

Examples:
  devtrace export otlp --endpoint http://localhost:6006
  devtrace export otlp --follow"
)]
pub struct OtlpArgs {
    /// The receiver's base URL (http://host:4318, https://..., Langfuse's .../api/public/otel)
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// A header for every request (repeatable), e.g. Authorization=Basic ...
    #[arg(long = "header", value_name = "K=V")]
    pub headers: Vec<String>,
    /// Only this session (id, unique prefix, or `latest`); sends it whole
    /// and leaves the endpoint's cursor as it is
    #[arg(long, short = 's')]
    pub session: Option<String>,
    /// Only events at or after this time (2h, yesterday, 2026-11-01, RFC 3339)
    #[arg(long)]
    pub since: Option<String>,
    /// Keep running: send new events as they are recorded (Ctrl-C to stop)
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Give up after this many seconds of failed attempts (one-shot export)
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,
    /// At most this many events per request
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub batch: usize,
    /// Send each file change's unified diff (redacted, at most 8 KiB a
    /// file); without it (or `[export] diffs = true`) no diff text is sent
    #[arg(long)]
    pub diffs: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Print one JSON object per endpoint
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}
