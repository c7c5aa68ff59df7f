//! Keeping the full-text indexes (command text, and agents' tool output) up
//! to date, off the path that stores events: `meta.fts_upto` is the last
//! index position indexed.

use super::Store;
use anyhow::Result;
use rusqlite::{params, OptionalExtension, TransactionBehavior};

impl Store {
    /// How many stored rows the search index has not seen yet.
    pub fn search_behind(&self) -> Result<i64> {
        Ok(self.conn().query_row(
            "SELECT count(*) FROM events
             WHERE n > coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'fts_upto'), 0)",
            [],
            |r| r.get(0),
        )?)
    }

    /// Indexes up to `rows` rows not indexed yet. Returns whether rows are
    /// left after that.
    pub fn index_search(&mut self, rows: usize) -> Result<bool> {
        let tx = self
            .db
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let upto: i64 = tx
            .query_row(
                "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'fts_upto'",
                [],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        let last: Option<i64> = tx.query_row(
            "SELECT max(n) FROM (SELECT n FROM events WHERE n > ?1 ORDER BY n LIMIT ?2)",
            params![upto, rows as i64],
            |r| r.get(0),
        )?;
        let Some(last) = last else {
            return Ok(false);
        };
        tx.execute(
            "INSERT INTO commands_fts (rowid, command)
             SELECT n, command FROM events WHERE n > ?1 AND n <= ?2 AND command IS NOT NULL",
            params![upto, last],
        )?;
        // What agents' tool calls returned.
        tx.execute(
            "INSERT INTO outputs_fts (rowid, output)
             SELECT n, output FROM tool_outputs WHERE n > ?1 AND n <= ?2 AND output IS NOT NULL",
            params![upto, last],
        )?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('fts_upto', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![last.to_string()],
        )?;
        tx.commit()?;
        let more: bool = self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM events WHERE n > ?1)",
            params![last],
            |r| r.get(0),
        )?;
        Ok(more)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::command;
    use super::*;

    fn hits(s: &Store, word: &str) -> Vec<String> {
        let mut q = s
            .conn()
            .prepare("SELECT e.id FROM commands_fts JOIN events e ON e.n = commands_fts.rowid WHERE commands_fts MATCH ?1 ORDER BY e.n")
            .unwrap();
        q.query_map([word], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn the_index_follows_appends_removals_and_rebuilds() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        s.append(&[
            command(1, "cargo test"),
            command(2, "cargo build"),
            command(3, "git status"),
        ])
        .unwrap();
        assert!(hits(&s, "cargo").is_empty(), "indexed while storing");
        assert_eq!(s.search_behind().unwrap(), 3);
        assert!(s.index_search(2).unwrap());
        assert!(!s.index_search(2).unwrap());
        assert_eq!(hits(&s, "cargo"), ["E0001", "E0002"]);
        // Removing the newest rows frees their positions for new rows,
        // which must still be indexed.
        let gone: std::collections::HashSet<String> = ["E0002".into(), "E0003".into()].into();
        s.remove(&gone, crate::store::Removal::Forget).unwrap();
        assert_eq!(hits(&s, "cargo"), ["E0001"]);
        s.append(&[command(4, "cargo run")]).unwrap();
        while s.index_search(10).unwrap() {}
        assert_eq!(hits(&s, "cargo"), ["E0001", "E0004"]);
        // A forgotten id is not stored again.
        assert_eq!(s.append(&[command(2, "cargo build")]).unwrap(), 0);
        s.reindex().unwrap();
        assert!(hits(&s, "cargo").is_empty());
        while s.index_search(10).unwrap() {}
        assert_eq!(hits(&s, "cargo"), ["E0001", "E0004"]);
    }
}
