//! The weighted lexicon: a profile's `lexicon.tsv`, parsed and compiled into one
//! Aho-Corasick automaton.
//!
//! File format, one rule per line (`#` starts a comment):
//! `label<TAB>weight<TAB>term term term…` where `label` is `cat:<category id>`,
//! `kind:<kind id>`, `rank:<village|township|county>` (the implicated official's post) or
//! `neg` (a negator). The same term may appear under several labels.

use crate::error::{Error, ErrorKind, Result};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use rustc_hash::FxHashMap;

/// What a lexicon entry is evidence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cue {
    /// A category, by index in the profile's category list.
    Category(u16),
    /// A kind, by index in [`crate::Kind::ALL`].
    Kind(u8),
    /// The rank of the implicated official.
    Rank(crate::jurisdiction::Level),
    /// A negator (没有, 不, 未…).
    Negation,
}

/// One weighted cue of a term.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    /// What it is evidence of.
    pub cue: Cue,
    /// How strongly.
    pub weight: f32,
}

/// A compiled lexicon.
#[derive(Debug)]
pub struct Lexicon {
    pub(crate) automaton: AhoCorasick,
    pub(crate) terms: Vec<String>,
    /// Entries per pattern.
    pub(crate) entries: Vec<Vec<Entry>>,
}

impl Lexicon {
    /// Parses `text` (the contents of `source`), resolving category ids against `categories`.
    pub fn parse(text: &str, source: &str, categories: &[String]) -> Result<Self> {
        let err =
            |line: usize, msg: String| Error::file(ErrorKind::Profile, source, Some(line), msg);
        let mut index: FxHashMap<String, usize> = FxHashMap::default();
        let mut terms: Vec<String> = Vec::new();
        let mut entries: Vec<Vec<Entry>> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let lineno = i + 1;
            let line = raw.split('#').next().unwrap_or("").trim_end();
            if line.trim().is_empty() {
                continue;
            }
            let mut parts = line.splitn(3, '\t');
            let (Some(label), Some(weight), Some(words)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err(err(lineno, "expected label<TAB>weight<TAB>terms".into()));
            };
            let weight: f32 = weight
                .trim()
                .parse()
                .ok()
                .filter(|w: &f32| w.is_finite() && (0.0..=100.0).contains(w))
                .ok_or_else(|| {
                    err(
                        lineno,
                        format!("weight {weight:?} is not a number in 0..100"),
                    )
                })?;
            let cue = parse_label(label.trim(), categories)
                .ok_or_else(|| err(lineno, format!("unknown label {label:?}")))?;
            for term in words.split_whitespace() {
                let slot = *index.entry(term.to_string()).or_insert_with(|| {
                    terms.push(term.to_string());
                    entries.push(Vec::new());
                    terms.len() - 1
                });
                let list = &mut entries[slot];
                if let Some(e) = list.iter_mut().find(|e| e.cue == cue) {
                    e.weight = weight;
                } else {
                    list.push(Entry { cue, weight });
                }
            }
        }
        if terms.is_empty() {
            return Err(Error::file(
                ErrorKind::Profile,
                source,
                None,
                "lexicon has no terms",
            ));
        }
        // A full DFA: a lexicon is a few thousand terms, small enough to trade memory for speed.
        let automaton = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::DFA))
            .prefilter(false)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&terms)
            .map_err(|e| {
                Error::file(
                    ErrorKind::Profile,
                    source,
                    None,
                    format!("cannot compile lexicon: {e}"),
                )
            })?;
        Ok(Lexicon {
            automaton,
            terms,
            entries,
        })
    }

    /// Every term, for the segmenter's dictionary.
    pub fn terms(&self) -> impl Iterator<Item = &str> {
        self.terms.iter().map(String::as_str)
    }

    /// Number of distinct terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// True when empty (never, for a parsed lexicon).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Number of terms carrying a cue for category index `c`.
    pub fn category_term_count(&self, c: u16) -> usize {
        self.entries
            .iter()
            .filter(|es| es.iter().any(|e| e.cue == Cue::Category(c)))
            .count()
    }
}

fn parse_label(label: &str, categories: &[String]) -> Option<Cue> {
    if label == "neg" {
        return Some(Cue::Negation);
    }
    let (ns, id) = label.split_once(':')?;
    match ns {
        "cat" => categories
            .iter()
            .position(|c| c == id)
            .map(|i| Cue::Category(i as u16)),
        "kind" => crate::Kind::ALL
            .iter()
            .position(|k| k.as_str() == id)
            .map(|i| Cue::Kind(i as u8)),
        "rank" => crate::jurisdiction::Level::parse(id).map(Cue::Rank),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_reports_bad_lines() {
        let cats = vec!["roads_transport".to_string()];
        let lx = Lexicon::parse(
            "cat:roads_transport\t2\t坑洼 路灯\nkind:grievance\t1\t坑洼\n",
            "l.tsv",
            &cats,
        )
        .unwrap();
        assert_eq!(lx.len(), 2);
        assert_eq!(lx.entries[0].len(), 2);
        let e = Lexicon::parse("cat:nope\t2\t坑洼\n", "l.tsv", &cats).unwrap_err();
        assert!(e.to_string().contains("l.tsv:1"), "{e}");
        let e = Lexicon::parse("# c\ncat:roads_transport\tx\t坑洼\n", "l.tsv", &cats).unwrap_err();
        assert!(e.to_string().contains("l.tsv:2"), "{e}");
    }
}
