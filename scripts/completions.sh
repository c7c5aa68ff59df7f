#!/usr/bin/env bash
# Regenerates completions/ and man/ from the command-line definition.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --features testing  # as the tests build it
bin=target/debug/devtrace
"$bin" completions bash >completions/devtrace.bash
"$bin" completions zsh >completions/_devtrace
"$bin" completions fish >completions/devtrace.fish
rm -rf man && mkdir man
"$bin" man --out-dir man
echo "completions/ and man/ regenerated"
