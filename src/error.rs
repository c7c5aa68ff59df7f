//! The error a command returns when it has something to tell the user: a
//! one-line cause, a hint, and whether it was a usage error (exit 2).

/// A failure with a hint for the user, printed as two lines.
#[derive(Debug)]
pub struct Failure {
    pub msg: String,
    pub hint: Option<String>,
    /// A usage error: exit status 2.
    pub usage: bool,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for Failure {}

pub fn fail(msg: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Failure {
        msg: msg.into(),
        hint: Some(hint.into()),
        usage: false,
    })
}

/// Like [`fail`], for a command line that makes no sense (exit status 2).
pub fn usage(msg: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Failure {
        msg: msg.into(),
        hint: Some(hint.into()),
        usage: true,
    })
}

/// Prints an error as the user sees it (`devtrace: cause`, then `hint: …`)
/// and returns the exit status it calls for: 0 for a closed pipe
/// (`devtrace log | head`), 2 for usage errors, else 1.
pub fn report(e: &anyhow::Error) -> i32 {
    if is_broken_pipe(e) {
        return 0;
    }
    match e.downcast_ref::<Failure>() {
        Some(f) => {
            eprintln!("devtrace: {}", f.msg);
            if let Some(h) = &f.hint {
                eprintln!("hint: {h}");
            }
            if f.usage {
                2
            } else {
                1
            }
        }
        None => {
            eprintln!("devtrace: {e:#}");
            1
        }
    }
}

/// Whether the reader went away (`devtrace log | head`).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
