#!/usr/bin/env bash
# Builds DevTrace, installs it with its shell completions, and starts
# recording: adds the hook line to your bash, zsh and fish rc files and sets
# up the global store (~/.devtrace). Run `devtrace init` in a repository to
# record its commands into that repository's own .devtrace/.
#
#   ./install.sh              # into ~/.local/bin (or /usr/local/bin as root)
#   PREFIX=/opt/dt ./install.sh
set -euo pipefail
cd "$(dirname "$0")"

say() { printf 'install.sh: %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" = 0 ]; then SUDO=''; prefix_default=/usr/local; else SUDO=sudo; prefix_default=$HOME/.local; fi
PREFIX=${PREFIX:-$prefix_default}

if ! command -v cc >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  say "installing a C compiler (SQLite and libgit2 are built from source)"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq build-essential pkg-config >/dev/null
fi
command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust 1.88 or newer (https://rustup.rs), then run ./install.sh again"

say "building (release)"
cargo build --release --locked --quiet

install -d "$PREFIX/bin"
# devtrace answers what a shell runs at start-up and hands every other
# command to devtrace-core; ingest, which stays up while shells record, runs
# from devtrace-ingest. Each is found next to devtrace.
install -m 0755 target/release/devtrace-core "$PREFIX/bin/devtrace-core"
install -m 0755 target/release/devtrace-ingest "$PREFIX/bin/devtrace-ingest"
install -m 0755 target/release/devtrace "$PREFIX/bin/devtrace"
say "installed $PREFIX/bin/devtrace (and devtrace-core, devtrace-ingest beside it)"

data=${XDG_DATA_HOME:-$HOME/.local/share}
config=${XDG_CONFIG_HOME:-$HOME/.config}
install -D -m 0644 completions/devtrace.bash "$data/bash-completion/completions/devtrace"
install -D -m 0644 completions/_devtrace "$data/zsh/site-functions/_devtrace"
install -D -m 0644 completions/devtrace.fish "$config/fish/completions/devtrace.fish"
say "installed completions (zsh: add $data/zsh/site-functions to your fpath)"
install -d "$data/man/man1"
install -m 0644 man/*.1 "$data/man/man1/"
say "installed man pages in $data/man/man1 (man devtrace)"

case ":$PATH:" in
  *":$PREFIX/bin:"*) ;;
  *) say "note: $PREFIX/bin is not on your PATH; add it, or the hook line does nothing" ;;
esac

"$PREFIX/bin/devtrace" init --global
say "done: open a new terminal, then run \`devtrace init\` in each repository you want recorded there"
