//! Spans as OTLP/HTTP protobuf: an `ExportTraceServiceRequest` of
//! `opentelemetry-proto`'s prost messages, with DevTrace's resource.

use super::span::{Attrs, Span, SpanKind, Val};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{span, status, ResourceSpans, ScopeSpans, Status};
use prost::Message;

/// The resource every span comes from: the service, then the user's
/// `OTEL_RESOURCE_ATTRIBUTES` (k=v,k2=v2), which win.
pub fn resource() -> Vec<(String, String)> {
    let service = std::env::var("OTEL_SERVICE_NAME")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "devtrace".into());
    let mut out: Vec<(String, String)> = vec![
        ("service.name".into(), service),
        ("service.version".into(), env!("CARGO_PKG_VERSION").into()),
        ("telemetry.sdk.name".into(), "devtrace".into()),
        ("telemetry.sdk.language".into(), "rust".into()),
        (
            "telemetry.sdk.version".into(),
            env!("CARGO_PKG_VERSION").into(),
        ),
        // Phoenix files spans under this project (else under "default").
        ("openinference.project.name".into(), "devtrace".into()),
    ];
    let extra = std::env::var("OTEL_RESOURCE_ATTRIBUTES").unwrap_or_default();
    for (k, v) in super::endpoint::pairs(&extra) {
        out.retain(|(key, _)| *key != k);
        out.push((k, v));
    }
    out
}

fn kv(key: &str, v: &Val) -> KeyValue {
    let value = match v {
        Val::Str(s) => any_value::Value::StringValue(s.clone()),
        Val::Int(i) => any_value::Value::IntValue(*i),
    };
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

fn attributes(a: &Attrs) -> Vec<KeyValue> {
    a.iter().map(|(k, v)| kv(k, v)).collect()
}

fn nanos(t: crate::timestamp::Timestamp) -> u64 {
    u64::try_from(t.as_micros()).unwrap_or(0) * 1000
}

fn proto_span(s: &Span) -> opentelemetry_proto::tonic::trace::v1::Span {
    let kind = match s.kind {
        SpanKind::Internal => span::SpanKind::Internal,
        SpanKind::Client => span::SpanKind::Client,
    };
    let status = match &s.error {
        Some(m) => Status {
            message: m.clone(),
            code: status::StatusCode::Error as i32,
        },
        None => Status {
            message: String::new(),
            code: status::StatusCode::Ok as i32,
        },
    };
    opentelemetry_proto::tonic::trace::v1::Span {
        trace_id: s.trace_id.to_vec(),
        span_id: s.span_id.to_vec(),
        parent_span_id: s.parent.map(|p| p.to_vec()).unwrap_or_default(),
        name: s.name.clone(),
        kind: kind as i32,
        start_time_unix_nano: nanos(s.start),
        end_time_unix_nano: nanos(s.end),
        attributes: attributes(&s.attrs),
        events: s
            .events
            .iter()
            .map(|e| span::Event {
                time_unix_nano: nanos(e.time),
                name: e.name.to_owned(),
                attributes: attributes(&e.attrs),
                dropped_attributes_count: 0,
            })
            .collect(),
        status: Some(status),
        ..Default::default()
    }
}

/// The request body for these spans.
pub fn encode(spans: &[Span], resource: &[(String, String)]) -> Vec<u8> {
    let resource = Resource {
        attributes: resource
            .iter()
            .map(|(k, v)| kv(k, &Val::Str(v.clone())))
            .collect(),
        ..Default::default()
    };
    let req = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(resource),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "devtrace".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    ..Default::default()
                }),
                spans: spans.iter().map(proto_span).collect(),
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    };
    req.encode_to_vec()
}

/// What a receiver says it rejected, from its response body (none when the
/// body is empty or not a response).
pub fn rejected(body: &[u8]) -> Option<(i64, String)> {
    let r = ExportTraceServiceResponse::decode(body).ok()?;
    let p = r.partial_success?;
    (p.rejected_spans > 0 || !p.error_message.is_empty())
        .then_some((p.rejected_spans, p.error_message))
}
