//! The keyword prefilter changes no result: `text` redacts exactly as one
//! `RegexSet` of every rule over the text did before it.

use super::redacted::REDACTED;
use super::unchanged::UNCHANGED;
use super::*;
use proptest::prelude::*;
use regex::RegexSet;
use std::sync::OnceLock;

/// Redaction as it was before the prefilter: one set of every rule says
/// which rules match the text; each of those, in order, replaces.
fn reference(text: &str) -> String {
    static SET: OnceLock<RegexSet> = OnceLock::new();
    let set = SET.get_or_init(|| {
        RegexSet::new(
            rules::RULES
                .iter()
                .map(|(_, _, p)| rules::ascii_boundaries(p)),
        )
        .unwrap()
    });
    let mut out = Cow::Borrowed(text);
    for i in set.matches(text).iter() {
        let (name, re) = rules::compiled().rule(i);
        replace(&mut out, name, re);
    }
    out.into_owned()
}

/// Pieces texts are made of: the examples, whole and cut, every keyword in
/// odd cases, the characters `(?i)` folds to ASCII, separators, noise.
fn piece() -> impl Strategy<Value = String> {
    let examples: Vec<&str> = REDACTED
        .iter()
        .map(|(i, _)| *i)
        .chain(UNCHANGED.iter().copied())
        .collect();
    let keywords: Vec<&str> = rules::RULES
        .iter()
        .flat_map(|(_, k, _)| k.iter().copied())
        .collect();
    let n = examples.len();
    prop_oneof![
        proptest::sample::select(examples.clone()).prop_map(str::to_owned),
        (
            0..n,
            any::<prop::sample::Index>(),
            any::<prop::sample::Index>()
        )
            .prop_map(move |(e, a, b)| {
                let chars: Vec<char> = examples[e].chars().collect();
                let (a, b) = (a.index(chars.len() + 1), b.index(chars.len() + 1));
                chars[a.min(b)..a.max(b)].iter().collect()
            }),
        (proptest::sample::select(keywords), any::<u64>()).prop_map(|(k, bits)| {
            k.chars()
                .enumerate()
                .map(|(i, c)| {
                    if bits >> (i % 64) & 1 == 1 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect()
        }),
        proptest::sample::select(vec![
            "\u{212A}",
            "\u{17F}",
            "to\u{212A}en",
            "pa\u{17F}\u{17F}word",
            "=",
            ":",
            " ",
            "--",
            "-",
            "\"",
            "'",
            "\n",
            "@",
            "://",
            "?",
            "&",
            "é",
            "日本",
        ])
        .prop_map(str::to_owned),
        "[A-Za-z0-9_+/=.-]{1,48}",
        any::<String>(),
        rule_text(),
    ]
}

/// A text one of the rules matches, made from its pattern (anchors and word
/// boundaries left out: the generator knows none), so that what the keywords
/// must find is made without them.
fn rule_text() -> impl Strategy<Value = String> {
    prop::strategy::Union::new(rules::RULES.iter().map(|(_, _, p)| {
        let p = p.replace(r"\b", "").replace("^|", "").replace(r"|\z", "");
        prop::string::string_regex(&p)
            .expect("a rule generates")
            .boxed()
    }))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn the_prefilter_redacts_exactly_as_the_whole_set(pieces in prop::collection::vec(piece(), 1..8)) {
        let t = pieces.concat();
        prop_assert_eq!(text(&t).into_owned(), reference(&t), "{:?}", t);
    }
}

#[test]
fn the_prefilter_agrees_on_every_example() {
    for t in REDACTED
        .iter()
        .map(|(i, _)| *i)
        .chain(UNCHANGED.iter().copied())
    {
        assert_eq!(text(t), reference(t), "{t:?}");
        // The Kelvin sign and the long s read as k and s under `(?i)`.
        let folded = t.replace('k', "\u{212A}").replace('s', "\u{17F}");
        assert_eq!(text(&folded), reference(&folded), "{folded:?}");
    }
}

/// Every rule that matches a text is among its candidates: each example's
/// rules, and every rule against each example (the keywords are sound).
#[test]
fn every_matching_rule_is_a_candidate() {
    for t in REDACTED
        .iter()
        .map(|(i, _)| *i)
        .chain(UNCHANGED.iter().copied())
    {
        let c = rules::compiled().candidates(t);
        for (i, (name, _, _)) in rules::RULES.iter().enumerate() {
            let (_, re) = rules::compiled().rule(i);
            assert!(!re.is_match(t) || c & (1 << i) != 0, "{name} misses {t:?}");
        }
    }
}

/// `ASCII_FOLDS` holds every character outside ASCII that `(?i)` takes for
/// an ASCII letter.
#[test]
fn the_folds_to_ascii_are_all_known() {
    let ascii_letter = Regex::new("(?i)^[a-z]$").unwrap();
    let folds: Vec<char> = (0x80..=0x10FFFFu32)
        .filter_map(char::from_u32)
        .filter(|c| ascii_letter.is_match(c.encode_utf8(&mut [0; 4])))
        .collect();
    let mut known = rules::ASCII_FOLDS.to_vec();
    known.sort();
    assert_eq!(folds, known);
}
