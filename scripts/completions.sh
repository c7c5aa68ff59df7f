#!/usr/bin/env bash
# Regenerates completions/ from the command-line definition.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
bin=target/debug/devtrace
"$bin" completions bash >completions/devtrace.bash
"$bin" completions zsh >completions/_devtrace
"$bin" completions fish >completions/devtrace.fish
echo "completions/ regenerated"
