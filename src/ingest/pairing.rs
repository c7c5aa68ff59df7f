//! Pairs a shell's command and exit records into `run_command` events, in
//! the shell's own order, whatever channel each record came through.

use crate::wire::{CmdRecord, EndRecord, ExitRecord, Record, TextSource};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A command line, complete or not.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Slot {
    #[serde(with = "wire_bytes")]
    pub cmd: Option<Vec<u8>>,
    #[serde(with = "wire_bytes")]
    pub exit: Option<Vec<u8>>,
}

/// Records travel in the state file in their wire form.
mod wire_bytes {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_some(&crate::event::base64_encode(b)),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let v: Option<String> = Option::deserialize(d)?;
        Ok(v.and_then(|s| crate::event::base64_decode(&s)))
    }
}

/// What pairing hands on.
#[derive(Debug)]
pub enum Done {
    Command {
        n: u64,
        cmd: CmdRecord,
        exit: Option<ExitRecord>,
    },
    End(EndRecord),
}

/// Pairing state; saved with the session's offsets, so it survives restarts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Pairing {
    pub pending: BTreeMap<u64, Slot>,
    /// Counter for records with sequence number 0 (fish: spool order).
    pub auto_n: u64,
    /// The highest command number already handed on.
    pub done_n: u64,
    #[serde(with = "wire_bytes", default)]
    pub end: Option<Vec<u8>>,
    /// Exit records whose command record never arrived.
    pub orphan_exits: u64,
}

fn decode_one(bytes: &[u8]) -> Option<Record> {
    let mut d = crate::wire::Decoder::new();
    d.push(bytes);
    match d.next_item()? {
        crate::wire::Item::Record(r) => Some(r),
        crate::wire::Item::Skipped(_) => None,
    }
}

impl Pairing {
    /// The number `add` will give a command record read after `ahead`
    /// other numberless ones (fish's records carry none).
    pub fn number_of(&self, cmd: &crate::wire::CmdRecord, ahead: u64) -> u64 {
        match cmd.seq {
            0 => self.auto_n + ahead + 1,
            n => n,
        }
    }

    pub fn add(&mut self, rec: Record) {
        let explicit = rec.seq();
        let n = match (&rec, explicit) {
            (Record::Cmd(_), 0) => {
                self.auto_n += 1;
                self.auto_n
            }
            (_, 0) => self.auto_n,
            (_, n) => n,
        };
        match rec {
            Record::End(_) => {
                self.end = Some(crate::wire::encode(&rec));
                return;
            }
            Record::HistoryBase(_) | Record::Event(_) => return,
            _ => {}
        }
        if n <= self.done_n && n != 0 && !self.pending.contains_key(&n) {
            return; // already handed on: a replayed record
        }
        let slot = self.pending.entry(n).or_default();
        match rec {
            Record::Cmd(_) => slot.cmd = Some(crate::wire::encode(&rec)),
            Record::Exit(_) => slot.exit = Some(crate::wire::encode(&rec)),
            Record::End(_) | Record::HistoryBase(_) | Record::Event(_) => {}
        }
    }

    /// Hands on every command line that is finished. A command whose exit
    /// record is missing while a later line already exists was cut short
    /// (its exit record was lost): it is handed on without a status. With
    /// `closing`, everything still pending is handed on and the end record
    /// last.
    #[cfg(test)]
    pub fn take_ready(&mut self, closing: bool) -> Vec<Done> {
        self.take_ready_holding(closing, false)
    }

    /// Like [`take_ready`](Self::take_ready); with `hold_gaps` (more of the
    /// shell's records are still to be read), nothing after a missing
    /// number is handed on: the missing line may be in the part of the
    /// other channel not read yet (a spool's backlog, while the FIFO's
    /// later lines are already here), and a line handed on after a later
    /// one would be dropped as a replay.
    pub fn take_ready_holding(&mut self, closing: bool, hold_gaps: bool) -> Vec<Done> {
        let mut out = Vec::new();
        // A later command record proves that every earlier line has finished.
        let last = self
            .pending
            .iter()
            .rev()
            .find(|(_, s)| s.cmd.is_some())
            .map(|(&n, _)| n);
        // The next number due: one past it is a gap (see above). An agent's
        // call still open may lie before it.
        let mut due = self.done_n + 1;
        let numbers: Vec<u64> = self.pending.keys().copied().collect();
        for n in numbers {
            if hold_gaps && !closing && n > due {
                break;
            }
            due = due.max(n + 1);
            let slot = &self.pending[&n];
            // An agent's calls may overlap (a Task while its subagent works,
            // calls made in parallel): a later one proves nothing of this
            // one, which is passed over until its outcome comes.
            let call = slot.cmd.as_deref().and_then(decode_one).is_some_and(
                |r| matches!(r, Record::Cmd(ref c) if c.source == TextSource::ToolCall),
            );
            // (While more is to be read, the exit record may be in it.)
            let has_later = !hold_gaps && !call && last.is_some_and(|l| l > n);
            let ready = slot.exit.is_some() && slot.cmd.is_some();
            if !(ready || has_later || closing) {
                if call {
                    continue;
                }
                break;
            }
            out.extend(self.hand_on(n));
        }
        if closing {
            if let Some(Record::End(e)) = self.end.take().as_deref().and_then(decode_one) {
                out.push(Done::End(e));
            }
        }
        out
    }

    /// Takes line `n` out, as a finished command (or an orphan exit).
    fn hand_on(&mut self, n: u64) -> Option<Done> {
        let slot = self.pending.remove(&n).unwrap_or_default();
        self.done_n = self.done_n.max(n);
        let cmd = slot.cmd.as_deref().and_then(decode_one);
        let exit = slot.exit.as_deref().and_then(decode_one);
        match (cmd, exit) {
            (Some(Record::Cmd(cmd)), exit) => Some(Done::Command {
                n,
                cmd,
                exit: match exit {
                    Some(Record::Exit(e)) => Some(e),
                    _ => None,
                },
            }),
            _ => {
                self.orphan_exits += 1;
                None
            }
        }
    }

    /// The agent's calls still open, taken out: a new prompt proves the
    /// turn before it is over, so calls that never ended (interrupted) end
    /// here, without an outcome.
    pub fn take_open_calls(&mut self) -> Vec<(u64, CmdRecord)> {
        let open: Vec<(u64, CmdRecord)> = self
            .held_commands()
            .into_iter()
            .filter(|(_, c)| c.source == TextSource::ToolCall)
            .collect();
        for (n, _) in &open {
            self.pending.remove(n);
            self.done_n = self.done_n.max(*n);
        }
        open
    }

    /// The command records held (read, and not handed on yet).
    pub fn held_commands(&self) -> Vec<(u64, CmdRecord)> {
        self.pending
            .iter()
            .filter_map(
                |(&n, slot)| match slot.cmd.as_deref().and_then(decode_one) {
                    Some(Record::Cmd(c)) => Some((n, c)),
                    _ => None,
                },
            )
            .collect()
    }

    pub fn has_end(&self) -> bool {
        self.end.is_some()
    }
}

/// bash hands its history entry (`history 1` output); this finds the number
/// and the text of the entry.
pub fn split_history(raw: &[u8]) -> Option<(u64, Vec<u8>)> {
    let s = raw.strip_suffix(b"\n").unwrap_or(raw);
    let start = s.iter().position(|&b| b != b' ')?;
    let digits = s[start..].iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let num: u64 = std::str::from_utf8(&s[start..start + digits])
        .ok()?
        .parse()
        .ok()?;
    let mut rest = &s[start + digits..];
    // "%5d%c " : a modified-entry marker or a space, then a space.
    if let Some(r) = rest
        .strip_prefix(b"* ")
        .or_else(|| rest.strip_prefix(b"  "))
    {
        rest = r;
    } else {
        return None;
    }
    Some((num, rest.to_vec()))
}

fn squash(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    for w in b
        .split(|c| c.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(b' ');
        }
        out.extend_from_slice(w);
    }
    out
}

/// The text to record for a command record, or why there is none.
pub enum Text {
    Known(Vec<u8>),
    /// Not recorded: the line is private or its text cannot be known.
    Skip(&'static str),
}

/// Decides the command text. For bash the history entry is the text when
/// the line was added to history; when it was not (history number did not
/// advance), the line is either a repeat that `ignoredups` kept out (the
/// entry still matches the first simple command) or private (`ignorespace`,
/// HISTIGNORE, history off), and a private line is never recorded.
pub fn command_text(cmd: &CmdRecord, last_hist: &mut Option<u64>) -> Text {
    let text = match &cmd.source {
        TextSource::Literal => cmd.text.clone(),
        TextSource::ToolCall => return Text::Known(cmd.text.clone()),
        TextSource::BashHistory { first } => match split_history(&cmd.text) {
            None if first.is_empty() => return Text::Skip("not in bash history"),
            None => first.clone(),
            Some((num, text)) => {
                let advanced = last_hist.is_none_or(|last| num > last);
                *last_hist = Some(num);
                if advanced {
                    text
                } else {
                    let f = squash(first);
                    let t = squash(&text);
                    let repeat = !f.is_empty() && t.windows(f.len()).any(|w| w == f.as_slice());
                    if !repeat {
                        return Text::Skip("not in bash history (private or ignored line)");
                    }
                    text
                }
            }
        },
    };
    if text.first().is_some_and(|b| b.is_ascii_whitespace()) {
        return Text::Skip("starts with a space");
    }
    Text::Known(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Stamp;

    fn cmd(n: u64) -> Record {
        Record::Cmd(CmdRecord {
            seq: n,
            at: Stamp::EpochMicros(1),
            cwd: b"/".to_vec(),
            source: TextSource::Literal,
            text: format!("c{n}").into_bytes(),
        })
    }
    fn exit(n: u64) -> Record {
        Record::Exit(ExitRecord {
            seq: n,
            at: Stamp::EpochMicros(2),
            status: Some(0),
            pipestatus: None,
            duration: None,
            outcome: None,
        })
    }

    #[test]
    fn pairs_in_shell_order_whatever_the_arrival_order() {
        let mut p = Pairing::default();
        p.add(exit(2));
        p.add(cmd(1));
        assert!(p.take_ready(false).is_empty());
        p.add(cmd(2));
        p.add(exit(1));
        let done = p.take_ready(false);
        let ns: Vec<u64> = done
            .iter()
            .map(|d| match d {
                Done::Command { n, .. } => *n,
                Done::End(_) => 0,
            })
            .collect();
        assert_eq!(ns, vec![1, 2]);
        p.add(cmd(2)); // replayed after a restart
        assert!(p.pending.is_empty());
    }

    #[test]
    fn running_command_waits_lost_exit_does_not_block() {
        let mut p = Pairing::default();
        p.add(cmd(1));
        assert!(p.take_ready(false).is_empty());
        p.add(cmd(2));
        let done = p.take_ready(false);
        assert!(matches!(
            &done[..],
            [Done::Command {
                n: 1,
                exit: None,
                ..
            }]
        ));
    }

    #[test]
    fn fish_records_pair_in_spool_order() {
        let mut p = Pairing::default();
        for _ in 0..3 {
            p.add(cmd(0));
            p.add(exit(0));
        }
        assert_eq!(p.take_ready(false).len(), 3);
    }
    #[test]
    fn a_gap_is_held_while_more_records_are_to_be_read() {
        use crate::wire::{CmdRecord, ExitRecord, Stamp};
        let cmd = |seq| {
            Record::Cmd(CmdRecord {
                seq,
                at: Stamp::EpochMicros(seq as i64),
                cwd: b"/".to_vec(),
                source: TextSource::Literal,
                text: format!("c{seq}").into_bytes(),
            })
        };
        let exit = |seq| {
            Record::Exit(ExitRecord {
                seq,
                at: Stamp::EpochMicros(seq as i64 + 1),
                status: Some(0),
                pipestatus: None,
                duration: None,
                outcome: None,
            })
        };
        let mut p = Pairing::default();
        for n in [1, 2, 5, 6] {
            p.add(cmd(n));
            p.add(exit(n));
        }
        let n = |d: &[Done]| {
            d.iter()
                .map(|d| match d {
                    Done::Command { n, .. } => *n,
                    Done::End(_) => 0,
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(n(&p.take_ready_holding(false, true)), [1, 2]);
        for k in [3, 4] {
            p.add(cmd(k));
            p.add(exit(k));
        }
        assert_eq!(n(&p.take_ready_holding(false, true)), [3, 4, 5, 6]);
        // Without more to read, a gap is a line that never comes.
        p.add(cmd(9));
        p.add(exit(9));
        assert_eq!(n(&p.take_ready_holding(false, true)), Vec::<u64>::new());
        assert_eq!(n(&p.take_ready_holding(false, false)), [9]);
    }

    #[test]
    fn history_entries_split() {
        assert_eq!(
            split_history(b"  123  ls -la\n"),
            Some((123, b"ls -la".to_vec()))
        );
        assert_eq!(
            split_history(b"12345* echo  a\nb\n"),
            Some((12345, b"echo  a\nb".to_vec()))
        );
        assert_eq!(split_history(b""), None);
    }

    fn bash(first: &str, hist: &str) -> CmdRecord {
        CmdRecord {
            seq: 1,
            at: Stamp::Unknown,
            cwd: b"/".to_vec(),
            source: TextSource::BashHistory {
                first: first.into(),
            },
            text: hist.into(),
        }
    }

    #[test]
    fn bash_repeats_are_kept_private_lines_are_not() {
        let mut last = None;
        assert!(
            matches!(command_text(&bash("make", "    7  make\n"), &mut last), Text::Known(t) if t == b"make")
        );
        // ignoredups: same entry, and the first simple command matches it.
        assert!(
            matches!(command_text(&bash("make", "    7  make\n"), &mut last), Text::Known(t) if t == b"make")
        );
        // ignorespace: same entry, but another command ran.
        assert!(matches!(
            command_text(&bash("export TOKEN=x", "    7  make\n"), &mut last),
            Text::Skip(_)
        ));
        assert!(matches!(
            command_text(&bash("ls", "    8  ls\n"), &mut last),
            Text::Known(_)
        ));
    }
}
