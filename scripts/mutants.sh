#!/usr/bin/env bash
# Breaks DevTrace on purpose, one way at a time, and runs the tests: every
# break must make a test fail. Run it before a release to see what the
# suite would miss. Each mutation is a hand-written patch (a literal text
# replaced in one file) applied to a temporary copy of the committed tree,
# built with its own target directory (target/mutants, kept between runs).
#
#   scripts/mutants.sh            each mutation against the tests named with it
#   scripts/mutants.sh --full     each mutation against the whole suite (slow)
#   scripts/mutants.sh NAME...    only these mutations
#
# Prints one line per mutation, "caught" or "MISSED", and exits 1 if any
# was missed. Needs what scripts/test.sh needs (it sets
# DEVTRACE_TEST_BASH_PREEXEC the same way, or takes yours).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
full=0
only=()
for a in "$@"; do
  case $a in
    --full) full=1 ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) only+=("$a") ;;
  esac
done
: "${DEVTRACE_TEST_BASH_PREEXEC:=$root/target/test-deps/bash-preexec.sh}"
export DEVTRACE_TEST_BASH_PREEXEC
[[ -s $DEVTRACE_TEST_BASH_PREEXEC ]] || { echo "mutants.sh: no bash-preexec: run scripts/test.sh once" >&2; exit 1; }

# name @@ file @@ text to replace @@ replacement @@ the tests that must catch
# it (a nextest filter). Texts are literal; \n stands for a newline.
# shellcheck disable=SC2016 # the texts are code, not expanded here
mutations=(
  'bash-precmd-starts-a-process@@shell/devtrace.bash@@  __devtrace_ph=$HISTCMD\n  [[ ${PS0-}@@  __devtrace_ph=$HISTCMD\n  /bin/true\n  [[ ${PS0-}@@test(no_shell_starts_a_process_per_command)'
  'bash-finish-substitutes@@shell/devtrace.bash@@__devtrace_finish() {\n@@__devtrace_finish() {\n  local __x=$(:)\n@@test(no_shell_starts_a_process_per_command)'
  'zsh-precmd-substitutes@@shell/devtrace.zsh@@  return $__devtrace_s\n}@@  : $(true)\n  return $__devtrace_s\n}@@test(no_shell_starts_a_process_per_command)'
  'fish-postexec-forks-after-a-nested-end@@shell/devtrace.fish@@            test -e /proc/$__devtrace_ipid/exe; or __devtrace_revive\n            return $s@@            if true\n                set -l x 1\n            end\n            set -l y (command true)\n            test -e /proc/$__devtrace_ipid/exe; or __devtrace_revive\n            return $s@@test(no_shell_starts_a_process_per_command)'
  'exec-skips-redaction-before-the-channel@@src/channel.rs@@Ok(t) => crate::redact::text(t).into_owned().into_bytes(),@@Ok(t) => t.as_bytes().to_vec(),@@test(devtrace_exec_redacts_before_the_runtime_directory)'
  'forget-keeps-no-ids@@src/store/rewrite.rs@@                if remember {@@                if remember && false {@@test(a_forgotten_command_is_not_brought_back_by_a_replay)'
  'doctor-looks-without-the-lock@@src/store/mod.rs@@        self.with_lock(|s| s.behind()).or_else(|_| self.behind())@@        self.behind()@@test(a_look_beside_a_busy_writer_finds_the_index_in_step)'
  'ingest-never-from-its-binary@@src/ingest/lifecycle.rs@@    let mut cmd = if ingest.exists() {@@    let mut cmd = if ingest.exists() && false {@@test(ingest_runs_from_its_own_binary_or_else_from_the_core)'
  'foreign-ingest-runs-itself@@src/bin/devtrace-ingest.rs@@.is_some_and(|id| id != build::ID)@@.is_some_and(|id| id != build::ID && false)@@test(a_devtrace_ingest_of_another_build_hands_over_to_the_core)'
  'fish-records-private-lines@@shell/devtrace.fish@@            string match -qr '\''^\s'\'' -- $argv[1]; and return 0\n            set -g __devtrace_armed 1@@            set -g __devtrace_armed 1@@test(a_private_fish_line_never_reaches_the_runtime_directory)'
  'ingest-runs-gc-from-itself@@src/ingest/policy.rs@@        let exe = crate::runtime::core_exe().ok()?;@@        let exe = std::env::current_exe().ok()?;@@test(retention_removes_old_events_on_demand_and_once_a_day)'
  'store-skips-no-known-id@@src/store/mod.rs@@ || seen.exists(params![ev.id])?@@ || (false && seen.exists(params![ev.id])?)@@test(ingest_crash_between_store_and_progress_duplicates_nothing)'
  'doctor-silent-on-a-lost-session@@src/cmd/doctor/mod.rs@@is not known to ingest (ended or cleaned up)@@is unknown@@test(a_removed_runtime_dir_keeps_the_shell_quiet_and_doctor_says_so)'
  'tool-call-without-duration@@src/ingest/events.rs@@                d.duration = times.duration;@@                d.duration = None;@@test(a_tool_calls_duration_lies_between_its_hooks)'
  'command-ends-when-it-starts@@src/ingest/events.rs@@                ended_at: times.end,@@                ended_at: times.start,@@test(/records_every_command_line_exactly/)'
  'read-only-store-drops-uncounted@@src/ingest/mod.rs@@.entry("store not writable".into())@@.entry("store not writable!".into())@@test(a_read_only_store_drops_with_a_count_and_recovers)'
  'exec-in-a-shell-records-again@@src/cmd/exec.rs@@if channel::in_recorded_shell() {@@if channel::in_recorded_shell() && false {@@test(devtrace_exec_typed_in_a_recorded_shell_is_recorded_once)'
  'dropped-command-keeps-its-changes-cause@@src/ingest/policy.rs@@                    e.cause = None;@@                    let _ = &e.cause;@@test(a_dropped_commands_file_changes_point_at_no_command)'
  'closed-pipe-is-an-error@@src/error.rs@@io.kind() == std::io::ErrorKind::BrokenPipe)@@io.kind() == std::io::ErrorKind::BrokenPipe && false)@@test(/review_commands_read_back_a_session|terminal_output_pages/)'
  'no-color-ignored@@src/config/mod.rs@@tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())@@tty@@test(terminal_output_pages_and_colours_pipes_stay_plain)'
  'zsh-rejected-lines-unseen@@shell/devtrace.zsh@@  add-zsh-hook zshaddhistory __devtrace_addhist\n@@\n@@test(zsh_records_lines_it_rejects_with_status_1)'
  'fish-rejected-lines-unseen@@shell/devtrace.fish@@function __devtrace_rejected --on-event fish_posterror@@function __devtrace_rejected@@test(fish_records_lines_it_rejects_with_status_123)'
  'bash-empty-prompt-command-not-refilled@@shell/devtrace.bash@@${__devtrace_x#[x"${PROMPT_COMMAND:=__devtrace_precmd}"]}@@@@test(bash_records_when_a_later_rc_line_empties_or_unsets_prompt_command)'
  'bash-ps0-substitutes@@shell/devtrace.bash@@[x"${PROMPT_COMMAND:=__devtrace_precmd}"]@@[x"$(:)${PROMPT_COMMAND:=__devtrace_precmd}"]@@test(no_shell_starts_a_process_per_command)'
  'deleted-fifo-not-read-through-the-shell@@src/ingest/reader.rs@@format!("{} (deleted)", path.display())@@format!("{} (gone)", path.display())@@test(records_left_in_a_deleted_fifo_are_read_through_the_shell)'
  'torn-line-not-kept@@src/store/mod.rs@@let _ = t.write_all(torn);@@let _ = torn;@@test(a_torn_last_line_is_cut_off_and_never_merged)'
  'damaged-index-rebuilt-silently@@src/store/mod.rs@@                eprintln!(\n                    "devtrace: the index {} was unreadable@@                let _ = (\n                    "devtrace: the index {} was unreadable@@test(a_damaged_index_is_rebuilt_from_the_log)'
  'runtime-dir-never-wiped@@src/ingest/wipe.rs@@    if to <= from {@@    if true {@@test(stored_commands_leave_no_raw_text_in_the_runtime_directory)'
  'leading-space-recorded@@src/ingest/pairing.rs@@        return Text::Skip("starts with a space");@@@@test(/records_every_command_line_exactly/)'
  'bash-exit-trusts-a-dying-ingest@@shell/devtrace.bash@@  if __devtrace_dying "$__devtrace_ipid"; then@@  if false; then@@test(a_shell_exiting_while_a_killed_ingest_is_still_exiting_loses_nothing)'
  'ensure-trusts-a-dying-ingest@@src/ingest/lifecycle.rs@@        Some((pid, _)) if dying(pid) => {}@@        Some((pid, _)) if !Path::new(&format!("/proc/{pid}/exe")).exists() => {}@@test(a_shell_exiting_while_a_killed_ingest_is_still_exiting_loses_nothing)'
  'exec-key-gone-while-numbered@@src/channel.rs@@    f.seek(SeekFrom::Start(0))?;\n    f.write_all(text.as_bytes())?;\n    f.set_len(text.len() as u64)?;@@    f.set_len(0)?;\n    f.seek(SeekFrom::Start(0))?;\n    f.write_all(text.as_bytes())?;@@test(the_key_is_always_there_while_commands_are_numbered)'
  'made-file-not-open@@src/worktree/watch.rs@@        if mask.contains(AddWatchFlags::IN_MODIFY) || (made && !is_dir) {@@        if mask.contains(AddWatchFlags::IN_MODIFY) {@@test(a_file_made_and_not_yet_closed_is_open)'
  'spool-error-drops-the-journal@@src/ingest/session.rs@@            Err(e) => Ok((items, Some(e))),@@            Err(e) => Err(e),@@test(a_spool_that_cannot_be_read_costs_none_of_the_fifo_records)'
  'take-kept-though-overwritten@@src/worktree/reader.rs@@|| touched(ev, queue.iter()) {@@|| false {@@test(a_write_followed_by_another_before_it_was_read_has_no_contents)'
  'steps-without-an-anchor@@src/worktree/steps.rs@@.iter().rposition(|t| t.oid == Some(old))?;@@.iter().rposition(|t| t.oid == Some(old)).or(Some(0))?;@@test(no_steps_without_a_take_of_the_old_contents)'
  'steps-not-used@@src/ingest/attribute.rs@@(!ch.steps.is_empty())@@(false && !ch.steps.is_empty())@@test(lines_typed_while_looks_come_late_are_exact_from_what_each_write_left)'
  'open-write-told-at-once@@src/worktree/deferred.rs@@            let defer = unsettled@@            let defer = false && unsettled@@test(a_file_read_while_its_write_is_open_is_looked_at_again_and_keeps_its_time)'
  'late-write-told-at-once@@src/worktree/watch.rs@@            o.late |= late.open || late.whole > 0;@@            o.late |= false;@@test(a_write_made_while_a_look_reads_the_tree_is_marked_late)'
  'new-file-steps-from-an-untrusted-birth@@src/worktree/steps.rs@@            (v[i].seen > c.after).then_some((i, c.after))@@            Some((i, c.after))@@test(no_steps_for_a_new_file_whose_birth_came_before_the_look_before)'
  'put-off-file-pruned@@src/worktree/steps.rs@@anchor.filter(|_| !put_off(path))@@anchor.filter(|_| !put_off(path) || true)@@test(a_file_put_off_keeps_its_takes_from_its_birth)'
  'put-off-change-keeps-a-count-of-writes@@src/worktree/deferred.rs@@                c.writes = 0;@@                c.writes += 0;@@test(a_file_read_while_its_write_is_open_is_looked_at_again_and_keeps_its_time)'
  'progress-saved-before-the-store@@src/ingest/session.rs@@                .get_or_insert_with(|| Timestamp::now().floor_millis());@@                .get_or_insert_with(|| Timestamp::now().floor_millis());\n            self.save_state()?;@@test(ingest_crash_before_storing_a_killed_shells_last_commands_loses_nothing)'
  'gemini-reasons-from-any-answer@@src/cmd/agent_hook/gemini_chat.rs@@    let m = messages.last().filter(|m| m["type"] == "gemini")?;@@    let m = messages.iter().rev().find(|m| m["type"] == "gemini")?;@@test(reasons_come_only_from_the_answer_that_made_the_call)'
  'gemini-context-is-a-prompt@@src/cmd/agent_hook/gemini_chat.rs@@    (!t.is_empty() && !added).then_some(text)@@    (!t.is_empty() && (added || !added)).then_some(text)@@test(gemini_chats_of_this_repository_are_imported_once)'
  'import-again-what-hooks-recorded@@src/cmd/agent_import/mod.rs@@            self.hooked += 1;\n            return Ok(());@@            self.hooked += 1;@@test(gemini_cli_run_for_real_is_recorded_by_its_hooks)'
  'codex-shell-exit-code-lost@@src/cmd/agent_hook/mod.rs@@        outcome.exit_code = codex_exit_code(c);@@        let _ = codex_exit_code(c);@@test(codex_run_for_real_is_recorded_by_its_hooks)'
  'codex-import-unified-exec-code-lost@@src/cmd/agent_import/codex.rs@@            .find_map(|l| code_after(l, "Process exited with code "))@@            .find_map(|l| code_after(l, "Process exited with code: "))@@test(/codex_run_for_real_is_recorded_by_its_hooks|results_in_each_wording/)'
  'opencode-subagent-not-read@@src/cmd/agent_import/opencode/events.rs@@        self.messages(&mine, &mut inner);@@        let _ = (&mine, &mut inner);@@test(opencode_subagents)'
  'opencode-resumed-child-not-split@@src/cmd/agent_import/opencode/events.rs@@        to: end.filter(|_| st["metadata"]["background"] != true),@@        to: end.filter(|_| false),@@test(opencode_subagents)'
  'opencode-child-named-by-metadata-only@@src/cmd/agent_import/opencode/events.rs@@    let out = st["output"].as_str()?;@@    let out = st["output"].as_str().filter(|_| false)?;@@test(a_task_call_names_its_child_session)'
  'import-model-of-a-subagent@@src/cmd/agent_import/sink.rs@@            Data::TurnEnd(t) if t.subagent.is_none() => t.model.clone(),@@            Data::TurnEnd(t) => t.model.clone(),@@test(opencode_subagents)'
  'gemini-subagent-chat-not-read@@src/cmd/agent_import/gemini.rs@@        read_turn(&messages, chat, sink, inner);@@        let _ = (&messages, inner);@@test(gemini_subagents)'
  'gemini-subagent-prompt-is-a-prompt@@src/cmd/agent_import/gemini.rs@@            if level.sub.is_none() {@@            if level.sub.is_none() || true {@@test(gemini_subagents)'
  'gemini-subagent-turn-unmarked@@src/cmd/agent_import/gemini.rs@@            e.subagent = level.sub.cloned();@@            let _ = e;@@test(gemini_subagents)'
  'codex-spawn-names-no-subagent@@src/cmd/agent_hook/mod.rs@@        outcome.started_subagent = codex_threads::started(&c.v, &c.session);@@        let _ = codex_threads::started(&c.v, &c.session);@@test(codex_subagent_calls_say_whose_and_hang_under_their_spawn)'
  'codex-subagent-words-from-claude-codes-file@@src/cmd/agent_hook/mod.rs@@        Some(s) if c.agent != "codex" => transcript@@        Some(s) => transcript@@test(codex_subagent_calls_say_whose_and_hang_under_their_spawn)'
  'codex-wait-for-subagents-a-candidate@@src/ingest/events.rs@@            || c.tool.ends_with("wait_agent")\n@@@@test(codex_subagent_run_for_real_is_recorded_by_its_hooks)'
  'redaction-off@@src/redact/mod.rs@@    let mut out = Cow::Borrowed(text);\n    // One pass@@    let mut out = Cow::Borrowed(text);\n    return out;\n    // One pass@@test(/secrets_are_redacted|command_line_passwords/)'
)

copy=$(mktemp -d "${TMPDIR:-/tmp}/devtrace-mutants.XXXXXX")
trap 'rm -rf "$copy"' EXIT
git -C "$root" archive HEAD | tar -x -C "$copy"
# The tests' third-party parts (MCP SDKs, Gemini CLI, ...), as installed.
mkdir -p "$copy/target"
ln -s "$root/target/test-deps" "$copy/target/test-deps"
export CARGO_TARGET_DIR=$root/target/mutants
echo "mutants.sh: a copy of HEAD in $copy; target $CARGO_TARGET_DIR" >&2

missed=0
for m in "${mutations[@]}"; do
  name=${m%%@@*} m=${m#*@@}
  file=${m%%@@*} m=${m#*@@}
  old=${m%%@@*} m=${m#*@@}
  new=${m%%@@*} tests=${m#*@@}
  if [[ ${#only[@]} -gt 0 && " ${only[*]} " != *" $name "* ]]; then
    continue
  fi
  if ! git -C "$root" show "HEAD:$file" >"$copy/$file" 2>/dev/null; then
    echo "STALE   $name ($file is not in HEAD: update the list)"
    missed=1
    continue
  fi
  if ! python3 - "$copy/$file" "$old" "$new" <<'PY'
import sys
path, old, new = sys.argv[1], sys.argv[2].replace("\\n", "\n"), sys.argv[3].replace("\\n", "\n")
text = open(path).read()
if text.count(old) != 1:
    sys.exit(f"{path}: the text to replace is there {text.count(old)} times: {old!r}")
open(path, "w").write(text.replace(old, new))
PY
  then
    echo "STALE   $name (its text is no longer in $file: update the list)"
    missed=1
    continue
  fi
  filter=$tests
  ((full)) && filter=all
  log=$copy/$name.log
  if (cd "$copy" && cargo nextest run --no-fail-fast -E "$filter" >"$log" 2>&1); then
    echo "MISSED  $name (no test failed: $filter)"
    missed=1
  # A compile error starts its line (a test's output may quote one).
  elif grep -qE '^error\[E[0-9]+\]: |^error: could not compile' "$log"; then
    echo "BROKEN  $name (it does not compile: fix the patch)"
    missed=1
  else
    # nextest's summary counts each failing test once (retried ones too).
    failing=$(grep -E '^\s+Summary ' "$log" | grep -oE '[0-9]+ failed' | tail -n 1)
    echo "caught  $name (${failing:-? failed})"
  fi
  git -C "$root" show "HEAD:$file" >"$copy/$file"
done
exit "$missed"
