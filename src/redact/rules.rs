//! The built-in rules: what a secret looks like in a command line, a
//! prompt, a tool's input or output. Reviewed against gitleaks' default
//! rules; the patterns are our own, tuned for command lines (a `-p` is a
//! password only after the commands where it is one).
//!
//! Conventions of the patterns:
//! - the group `s` (or `s2`, `s3` in other branches) is the secret, the
//!   whole match when there is no such group: the rest stays readable;
//! - a match whose group `flag` starts with a word of [`NOT_A_VALUE`] is
//!   left alone (`--ask-vault-pass site.yml`: the flag takes no value);
//! - `\b` is an ASCII word boundary (compiled as `(?-u:\b)`), which the
//!   fast engines run on any text;
//! - the more specific rules come first: a later rule leaves alone a value
//!   an earlier one redacted (`--token [REDACTED:github-token]`).

use aho_corasick::AhoCorasick;
use regex::Regex;
use std::sync::OnceLock;

/// A shell word as a flag's or variable's value: one quoted string, or an
/// unquoted run (backslash escapes included) up to a space or an operator.
/// `$VAR`, `"$VAR"` and `$(...)` are not values: the text holds no secret.
macro_rules! word {
    ($group:literal) => {
        concat!(
            "(?P<",
            $group,
            r#">'[^']*'|"[^"$][^"]*"|(?:\\.|[^\s'"\\;&|<>()$])(?:\\.|[^\s'"\\;&|<>()])*)"#
        )
    };
}

/// The same, when the value may not start with `-` (the flag's value is
/// optional and the next word may be another flag: `docker login -p
/// --password-stdin`, `--no-password --verbose`).
macro_rules! word_nodash {
    ($group:literal) => {
        concat!(
            "(?P<",
            $group,
            r#">'[^']*'|"[^"$][^"]*"|(?:\\.|[^\s'"\\;&|<>()$-])(?:\\.|[^\s'"\\;&|<>()])*)"#
        )
    };
}

/// Up to the rest of one simple command: not across `|`, `;`, `&`, a line.
macro_rules! same_command {
    () => {
        r"[^|;&\n]*?"
    };
}

/// Flags that name a secret but take no value: the next word is no secret.
pub(super) const NOT_A_VALUE: &[&str] = &[
    "ask-",
    "with-",
    "no-",
    "show-",
    "print-",
    "prompt-",
    "use-",
    "save-",
    "remember-",
    "require-",
    "skip-",
    "allow-",
    "reset-",
    "generate-",
    "rotate-",
];

/// Every built-in rule, in the order they apply: (name, keywords, pattern).
/// Every text the pattern matches holds one of the keywords (ASCII letters
/// in any case): a text with none of them is not given to the pattern.
pub(super) const RULES: &[(&str, &[&str], &str)] = &[
    // Key blocks (PEM, OpenSSH, PGP), also unterminated.
    (
        "private-key",
        &["-----begin "],
        r"(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\z)",
    ),
    (
        "age-secret-key",
        &["age-secret-key-1"],
        r"\bAGE-SECRET-KEY-1[0-9A-Z]{58}\b",
    ),
    // Tokens recognised by their prefix, anywhere.
    (
        "aws-access-key",
        &["akia", "asia", "abia", "acca"],
        r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
    ),
    (
        "github-token",
        &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b",
    ),
    (
        "gitlab-token",
        &[
            "glpat-",
            "gldt-",
            "glrt-",
            "glptt-",
            "glft-",
            "glimt-",
            "glagent-",
            "gloas-",
            "glsoat-",
            "glcbt-",
            "glffct-",
            "gr1348941",
        ],
        r"\b(?:(?:glpat|gldt|glrt|glptt|glft|glimt|glagent|gloas|glsoat|glcbt|glffct)-|GR1348941)[A-Za-z0-9_-]{20,}(?:\.[a-z0-9]{9}\b)?",
    ),
    (
        "slack-token",
        &["xox", "xapp-"],
        r"\b(?:xox[abposre]|xoxe\.xox[bp]|xapp)-[A-Za-z0-9-]{10,}",
    ),
    (
        "slack-webhook",
        &["hooks.slack.com/"],
        r"\bhooks\.slack\.com/(?:services|workflows|triggers)/(?P<s>[A-Za-z0-9/_-]{16,})",
    ),
    (
        "stripe-key",
        &["sk_", "rk_", "whsec_"],
        r"\b(?:(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9]{24,})\b",
    ),
    ("npm-token", &["npm_"], r"\bnpm_[A-Za-z0-9]{36}\b"),
    ("pypi-token", &["pypi-age"], r"\bpypi-AgE[A-Za-z0-9_-]{50,}"),
    (
        "anthropic-key",
        &["sk-ant-"],
        r"\bsk-ant-[a-z]{2,8}[0-9]{2}-[A-Za-z0-9_-]{20,}",
    ),
    (
        "openai-key",
        &["sk-"],
        r"\bsk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|[A-Za-z0-9]{32,}\b)",
    ),
    ("google-api-key", &["aiza"], r"\bAIza[0-9A-Za-z_-]{35}"),
    ("huggingface-token", &["hf_"], r"\bhf_[A-Za-z0-9]{34}\b"),
    ("twilio-key", &["sk"], r"\bSK[0-9a-fA-F]{32}\b"),
    (
        "sendgrid-key",
        &["sg."],
        r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}",
    ),
    (
        "digitalocean-token",
        &["doo_v1_", "dop_v1_", "dor_v1_"],
        r"\bdo[opr]_v1_[a-f0-9]{64}\b",
    ),
    (
        "vault-token",
        &["hvs.", "hvb.", "hvr."],
        r"\bhv[sbr]\.[A-Za-z0-9_-]{24,}",
    ),
    (
        "jwt",
        &["eyj"],
        r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
    ),
    // Secrets known by what stands before them.
    (
        "azure-key",
        &["accountkey=", "sharedaccesskey="],
        r"\b(?i:AccountKey|SharedAccessKey)=(?P<s>[A-Za-z0-9+/]{20,}={0,2})",
    ),
    (
        "url-signature",
        &["sig=", "signature="],
        r##"[?&](?i:sig|signature|x-amz-signature|x-goog-signature)=(?P<s>[^&\s'"#]+)"##,
    ),
    (
        "authorization",
        &["authorization"],
        r#"\b(?i:authorization)\s*:\s*(?:(?i:bearer|basic|token)\s+)?(?P<s>[^\s'"]+)"#,
    ),
    (
        "api-key-header",
        &["api-key", "apikey", "-token"],
        r#"\b(?i:x-api-key|api-key|apikey|[a-z]+-token)\s*:\s*(?P<s>[^\s'"]+)"#,
    ),
    (
        "bearer",
        &["bearer"],
        r"\b(?i:bearer)\s+(?P<s>[A-Za-z0-9._~+/=-]{8,})",
    ),
    (
        "url-password",
        &["://"],
        r"\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@\[\]]*:(?P<s>[^@\s/\[\]]+)@",
    ),
    // curl -u user:pass, httpie -a user:pass (quoted, or not).
    (
        "curl-user",
        &["curl", "http", "xh"],
        concat!(
            r"(?:^|[\s;&|(])(?:curl|http|https|xh)\b",
            same_command!(),
            r"\s(?:-u\s*|--user(?:=|\s+)|-a\s*|--auth(?:=|\s+))",
            r#"(?:'[^':]*:(?P<s>[^'$][^']*)'|"[^":]*:(?P<s2>[^"$][^"]*)"|[^\s:'"]*:(?P<s3>'[^']*'|"[^"$][^"]*"|[^\s'"$][^\s'"]*))"#,
        ),
    ),
    // --password X, --db-password=X, --passphrase X, --api-key X ...
    (
        "password-flag",
        &["pass", "token", "secret", "apikey", "api-key", "access-key"],
        concat!(
            r"(?:^|\s)--(?P<flag>(?:[A-Za-z0-9]+-)*)",
            r"(?i:pass|passwd|password|passphrase|token|secret|api-?key|client-secret|secret-key|secret-access-key|access-key)",
            r"(?:=",
            word!("s"),
            r"|\s+",
            word_nodash!("s2"),
            r")",
        ),
    ),
    // -password X (Go-style flags), keytool -storepass X, openssl -pass pass:X
    (
        "password-flag",
        &["pass", "token", "secret", "apikey", "api-key"],
        concat!(
            r"(?:^|\s)-(?i:password|passwd|passphrase|token|secret|api-?key|client-secret|(?:src|dest)?(?:store|key)pass)(?:=|\s+)",
            word_nodash!("s"),
        ),
    ),
    (
        "password-flag",
        &["pass:"],
        concat!(r"(?:^|\s)-pass(?:in|out)?\s+pass:", word!("s")),
    ),
    // sshpass [-v] [-f file|-d fd|-e|-P prompt] -p PASSWORD
    (
        "sshpass",
        &["sshpass"],
        concat!(
            r"\bsshpass(?:\s+-[vhe]\b|\s+-[fdP]\s*\S+)*\s+-p\s*",
            word!("s")
        ),
    ),
    // docker/podman/helm/oras ... login -p X
    (
        "login-password",
        &["login"],
        concat!(
            r"\b(?:docker|podman|nerdctl|buildah|skopeo|oras|crane|helm(?:\s+registry)?)\s+login\b",
            same_command!(),
            r"\s-p(?:=|\s*)",
            word_nodash!("s"),
        ),
    ),
    // mysql -pSECRET (attached only: a bare -p prompts for it)
    (
        "mysql-password",
        &["mysql", "mariadb"],
        concat!(
            r"\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlcheck|mysqlshow|mysqlpump|mysqlslap|mariadb(?:-dump|-admin)?)\b",
            same_command!(),
            r"\s-p",
            word!("s"),
        ),
    ),
    // redis-cli -a X, sqlcmd -P X
    (
        "cli-password",
        &["redis-cli", "sqlcmd"],
        concat!(
            r"\b(?:redis-cli\b",
            same_command!(),
            r"\s-a|sqlcmd\b",
            same_command!(),
            r"\s-P)\s+",
            word_nodash!("s"),
        ),
    ),
    // FOO_TOKEN=..., DB_PASSWORD=..., api_key=... (shell, .env, query strings)
    (
        "secret-variable",
        &[
            "token=",
            "secret=",
            "password=",
            "passwd=",
            "passphrase=",
            "apikey=",
            "_key=",
            "_pass=",
            "_auth=",
        ],
        concat!(
            r"\b[A-Za-z0-9_]*(?i:token|secret|password|passwd|passphrase|api_?key|_key|_pass|_auth)=",
            word!("s"),
        ),
    ),
    // aws_secret_access_key = X (credentials file, `aws configure set`),
    // "SecretAccessKey": "X" and "SessionToken": "X" (`aws sts` output)
    (
        "aws-secret-key",
        &["secret"],
        r#"\b(?i:(?:aws_?)?secret_?access_?key)['"]?(?:\s*[:=]\s*|\s+)['"]?(?P<s>[A-Za-z0-9/+=]{40,})"#,
    ),
    (
        "aws-session-token",
        &["session"],
        r#"\b(?i:(?:aws_?)?session_?token)['"]?(?:\s*[:=]\s*|\s+)['"]?(?P<s>[A-Za-z0-9/+=]{40,})"#,
    ),
    // "password": "...", token = '...', api_key: "..." (JSON, YAML, code)
    (
        "secret-field",
        &[
            "token",
            "secret",
            "pass",
            "apikey",
            "api_key",
            "accesskey",
            "access_key",
        ],
        r#"\b[A-Za-z0-9_.-]*(?i:token|secret|password|passwd|passphrase|api_?key|access_?key|client_?secret)['"]?\s*(?::=|[:=])\s*(?:'(?P<s>[^'$\n][^'\n]*)'|"(?P<s2>[^"$\n][^"\n]*)")"#,
    ),
];

/// Object keys whose string values are secrets whatever they look like
/// (a tool's input `{"password": "..."}`).
pub(super) const SECRET_KEY: &str = r"(?i)(?:token|secret|password|passwd|passphrase|api[_-]?key|access[_-]?key|private[_-]?key|client[_-]?secret)$";

/// The rules, compiled once: a pass of their keywords over a text says
/// which rules may match it (most texts hold no keyword of most rules); a
/// rule's own regex is compiled the first time a text holds one of its
/// keywords (most never do: a hook call and ingest stay small).
pub(super) struct Compiled {
    keywords: AhoCorasick,
    /// Per keyword, the rules (bits of [`RULES`]) it may start.
    owners: Vec<u64>,
    each: Vec<OnceLock<Regex>>,
}

const _: () = assert!(RULES.len() <= 64, "the candidates are one u64");

/// Characters that `(?i)` matches as ASCII letters: the Kelvin sign (k) and
/// the long s (s). A text holding one is given to every rule, since the
/// ASCII-case-insensitive keywords would not see it.
pub(super) const ASCII_FOLDS: &[char] = &['\u{212A}', '\u{17F}'];

impl Compiled {
    /// The rules that may match `text`, as bits: every rule whose regex
    /// matches it is among them.
    pub fn candidates(&self, text: &str) -> u64 {
        self.keywords
            .find_overlapping_iter(text)
            .fold(0, |bits, m| bits | self.owners[m.pattern().as_usize()])
    }

    /// Rule `i`: its name and its regex.
    pub fn rule(&self, i: usize) -> (&'static str, &Regex) {
        let (name, _, pattern) = RULES[i];
        let re = self.each[i].get_or_init(|| {
            Regex::new(&ascii_boundaries(pattern)).expect("a built-in rule compiles")
        });
        (name, re)
    }
}

/// `\b` as an ASCII word boundary: the fast engines run it on any text (a
/// Unicode one sends non-ASCII text to an engine hundreds of times slower).
pub(super) fn ascii_boundaries(pattern: &str) -> String {
    pattern.replace(r"\b", r"(?-u:\b)")
}

pub(super) fn compiled() -> &'static Compiled {
    static C: OnceLock<Compiled> = OnceLock::new();
    C.get_or_init(|| {
        let mut words: Vec<String> = Vec::new();
        let mut owners = Vec::new();
        for (i, (_, keywords, _)) in RULES.iter().enumerate() {
            for k in *keywords {
                words.push((*k).to_owned());
                owners.push(1u64 << i);
            }
        }
        for c in ASCII_FOLDS {
            words.push(c.to_string());
            owners.push(u64::MAX);
        }
        let keywords = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&words)
            .expect("the keywords build");
        Compiled {
            keywords,
            owners,
            each: RULES.iter().map(|_| OnceLock::new()).collect(),
        }
    })
}

/// The rule for secret-named keys, compiled the first time it is needed.
pub(super) fn secret_key() -> &'static Regex {
    static K: OnceLock<Regex> = OnceLock::new();
    K.get_or_init(|| Regex::new(SECRET_KEY).expect("the key rule compiles"))
}
