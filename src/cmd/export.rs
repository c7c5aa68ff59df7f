//! `devtrace export json|csv|otlp|status`: the record out of the machine,
//! for analysis or for a tracing backend (the work is in `crate::export`).

use crate::cli::{ExportCmd, TableArgs};
use crate::export::table;
use anyhow::Result;
use std::io::Write;

pub fn run(cmd: ExportCmd) -> Result<i32> {
    match cmd {
        ExportCmd::Json(a) => run_table(&a, false),
        ExportCmd::Csv(a) => run_table(&a, true),
        ExportCmd::Otlp(a) => crate::export::otlp_command(a),
        ExportCmd::Status(a) => crate::export::status_command(a),
    }
}

fn run_table(a: &TableArgs, csv: bool) -> Result<i32> {
    crate::resolve::check_types(&a.filter.types)?;
    let mut filter = crate::resolve::event_filter(&a.filter, None)?;
    let dir = crate::resolve::store_dir(&a.store)?;
    let store = crate::store::Store::open(&dir)?;
    if let Some(s) = &a.session {
        filter.session = Some(crate::resolve::session_id(&store, s)?);
    }
    let cfg = crate::config::load(Some(&dir)).map_err(|e| {
        crate::fail(
            format!("{e:#}"),
            "fix the file; the keys are listed in the README (Configuration)",
        )
    })?;
    let out = std::io::BufWriter::new(std::io::stdout().lock());
    if csv {
        let mut w = table::csv_writer(out)?;
        table::each_event(&store, &filter, &cfg.redact_patterns, |ev| {
            table::csv_row(&mut w, ev)
        })?;
        w.flush()?;
    } else {
        let mut out = out;
        table::each_event(&store, &filter, &cfg.redact_patterns, |ev| {
            table::json_line(&mut out, ev)
        })?;
        out.flush()?;
    }
    Ok(0)
}
