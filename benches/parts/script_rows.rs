//! The hook scripts as every shell start reads them: their size as
//! printed, and the time bash takes to parse its script, printed (code
//! only) and as in the source (with its comments).

use super::*;

/// Milliseconds bash takes per `eval` of `script`, read from a file each time
/// as the rc line reads the printed script. The load guard is set, so the
/// script is parsed whole and none of it runs.
fn bash_parse_ms(dir: &std::path::Path, name: &str, script: &[u8], n: usize) -> f64 {
    let path = dir.join(name);
    std::fs::write(&path, script).unwrap();
    let program = format!(
        "__devtrace_loaded=1; s=$EPOCHREALTIME; for ((i=0;i<{n};i++)); do eval \"$(<'{}')\"; done; \
         e=$EPOCHREALTIME; echo $(( ${{e/[.,]/}} - ${{s/[.,]/}} ))",
        path.display()
    );
    let out = Command::new("bash")
        .args(["-c", &program])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let us: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    us / n as f64 / 1000.0
}

pub fn script_rows(t: &mut Table, z: &Sizes) {
    let w = World::new();
    let printed: Vec<Vec<u8>> = ["bash", "zsh", "fish"]
        .iter()
        .map(|shell| {
            let out = w
                .cmd_in(BIN, &w.repo)
                .args(["hook", shell])
                .output()
                .unwrap();
            assert!(out.status.success(), "{out:?}");
            out.stdout
        })
        .collect();
    t.row(
        "hook script as printed: bash / zsh / fish",
        format!(
            "{} / {} / {} bytes",
            printed[0].len(),
            printed[1].len(),
            printed[2].len()
        ),
        "",
        "",
    );
    let source =
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shell/devtrace.bash"))
            .unwrap();
    let n = if z.smoke { 20 } else { 500 };
    // Alternately, so that both see the same machine.
    let (mut code, mut commented) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        code.push(bash_parse_ms(w.tmp.path(), "printed.bash", &printed[0], n));
        commented.push(bash_parse_ms(w.tmp.path(), "source.bash", &source, n));
    }
    let (code, commented) = (stats(code).0, stats(commented).0);
    t.row(
        "bash: parse of the hook script, printed / with its comments (the source)",
        format!(
            "{code:.2} / {commented:.2} ms ({} / {} bytes)",
            printed[0].len(),
            source.len()
        ),
        "",
        "",
    );
}
