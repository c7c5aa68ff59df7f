//! A change cut into the steps that made it, from the contents each
//! closed write left (`reader.rs`'s takes). A look sees only a file's net
//! change since the look before; when three pasted lines each wrote the
//! file, the takes show the states between, and when each write was made:
//! after the state before it was taken whole (`Take::until`), and before
//! its close was in hand (`Take::seen`). Each step then has a time of its
//! own, narrow enough to name the one command that made it.
//!
//! Only what the kernel proves is cut, from the takes alone: the chain
//! begins at a take of the old contents (the anchor: the file held them,
//! closed, at that time), ends at a take of the very state the look saw
//! (same ctime and contents), and counts every closed write between (one
//! without contents joins the next step). A file's takes are kept as a
//! whole run from an anchor on, never with a write missing in the middle.

use super::change::{Change, Entry};
use super::objects::Objects;
use super::reader::Take;
use crate::timestamp::Ctime;
use git2::{ObjectType, Oid};
use std::collections::HashMap;

/// Takes held for a file past this many are all dropped (its next change
/// is then told whole).
const MAX_PER_FILE: usize = 64;

/// Sets the steps of each change the takes prove (`Change::steps`), then
/// drops the takes no later look can use (`prune`; `began`: when this look
/// began reading the tree).
pub fn cut(
    changes: &mut [Change],
    takes: &mut HashMap<Vec<u8>, Vec<Take>>,
    began: Ctime,
    objects: &Objects,
) {
    for c in changes.iter_mut() {
        let Some(v) = takes.get_mut(&c.path) else {
            continue;
        };
        let matched = last_take(c, v).and_then(|m| steps(c, &v[..=m], objects).map(|s| (m, s)));
        if let Some((m, steps)) = matched {
            // The state the look saw is the next change's anchor.
            v.drain(..m);
            c.steps = steps;
        }
    }
    prune(takes, began);
}

/// Drops the takes of each file up to its last state closed before the
/// look began (kept: the anchor of its next change), and all of a file's
/// takes past [`MAX_PER_FILE`].
fn prune(takes: &mut HashMap<Vec<u8>, Vec<Take>>, began: Ctime) {
    for v in takes.values_mut() {
        let anchor = v
            .iter()
            .rposition(|t| t.content.is_some() && t.seen <= began);
        if let Some(i) = anchor {
            v.drain(..i);
        }
        if v.len() > MAX_PER_FILE {
            v.clear();
        }
    }
    takes.retain(|_, v| !v.is_empty());
}

fn oid(bytes: &[u8]) -> Option<Oid> {
    Oid::hash_object(ObjectType::Blob, bytes).ok()
}

/// The one take of the state the look saw: its ctime and contents.
fn last_take(c: &Change, v: &[Take]) -> Option<usize> {
    let new = c.new.filter(|_| c.from.is_none())?;
    let mut same_time = v
        .iter()
        .enumerate()
        .filter(|(_, t)| t.content.is_some() && t.ctime == c.ctime);
    let (m, t) = same_time.next()?;
    if same_time.next().is_some() {
        return None; // a coarse clock: which one is not known
    }
    (oid(t.content.as_deref()?)? == new.oid).then_some(m)
}

/// The steps from `c.old` through the takes `v` (the last is `c.new`),
/// from the last take of the old contents on; None without one.
fn steps(c: &Change, v: &[Take], objects: &Objects) -> Option<Vec<Change>> {
    let new = c.new?;
    let old = c.old?.oid;
    let start = v[..v.len() - 1]
        .iter()
        .rposition(|t| t.content.as_deref().and_then(oid) == Some(old))?;
    let mut after = v[start].until;
    let mut cur = c.old;
    let mut writes = 0;
    let mut out = Vec::new();
    for (k, t) in v.iter().enumerate().skip(start + 1) {
        writes += 1;
        let Some(content) = &t.content else { continue };
        let entry = if k + 1 == v.len() {
            new
        } else {
            let oid = oid(content)?;
            if cur.map(|e| e.oid) != Some(oid) {
                objects.write(ObjectType::Blob, content).ok()?;
            }
            Entry {
                oid,
                mode: new.mode,
            }
        };
        if cur.map(|e| e.oid) != Some(entry.oid) {
            out.push(Change {
                path: c.path.clone(),
                from: None,
                old: cur,
                new: Some(entry),
                ctime: t.ctime,
                after,
                seen: t.seen,
                writes,
                steps: Vec::new(),
            });
            cur = Some(entry);
        }
        after = t.until;
        writes = 0;
    }
    Some(out).filter(|o| !o.is_empty())
}
