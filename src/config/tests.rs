//! The configuration files' tests: sources, errors with their line, the
//! sections each file may hold.

use super::*;

fn parse(text: &str) -> Result<Config> {
    let mut cfg = Config::default();
    apply(
        &mut cfg,
        Path::new("/r/.devtrace/config.toml"),
        text,
        Some(Path::new("/r")),
    )?;
    Ok(cfg)
}

#[test]
fn reads_every_key() {
    let cfg = parse(
        "[redact]\npatterns = ['corp-[0-9]+']\n[ignore]\ncommands = ['^ls']\ndirs = ['secret', '/tmp/x/../y', '~/private']\n\
         [retention]\nkeep_days = 30\nmax_events = 1000\n[display]\npager = 'more'\ncolor = 'never'\n",
    )
    .unwrap();
    assert_eq!(cfg.redact_patterns[0].text, "corp-[0-9]+");
    assert_eq!(cfg.ignore_dirs[0].path, Path::new("/r/secret"));
    assert_eq!(cfg.ignore_dirs[1].path, Path::new("/tmp/y"));
    assert_eq!(cfg.keep_days.value, 30);
    assert_eq!(
        cfg.keep_days.source,
        Source::File("/r/.devtrace/config.toml".into(), 7)
    );
    assert_eq!(cfg.max_events.value, 1000);
    assert_eq!(cfg.pager.value, "more");
    assert_eq!(cfg.color.value, Color::Never);
    assert_eq!(
        cfg.ignores("/r/secret/sub", Some("make")),
        Some("in an ignored directory")
    );
    assert_eq!(cfg.ignores("/r/secrets", Some("make")), None);
    assert_eq!(
        cfg.ignores("/r", Some("ls -la")),
        Some("matches an ignore pattern")
    );
}

#[test]
fn errors_name_the_file_and_line() {
    let e = parse("[retention]\nkeep_days = 3\nkeep_dayz = 4\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("/r/.devtrace/config.toml:3: unknown field `keep_dayz`"),
        "{e}"
    );
    let e = parse("[retention]\n\nkeep_days = -1\n")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("/r/.devtrace/config.toml:3: "), "{e}");
    let e = parse("[ignore]\ncommands = [\n  'ok',\n  '(unclosed',\n]\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("/r/.devtrace/config.toml:4: ignore pattern \"(unclosed\""),
        "{e}"
    );
    assert!(!e.contains('\n'), "{e}");
    let e = parse("[display]\ncolor = 'sometimes'\n")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("/r/.devtrace/config.toml:2: "), "{e}");
    let e = parse("color = 'never'\n").unwrap_err().to_string();
    assert!(e.contains("unknown field `color`"), "{e}");
    let e = parse("[display\n").unwrap_err().to_string();
    assert!(e.starts_with("/r/.devtrace/config.toml:1: "), "{e}");
}
