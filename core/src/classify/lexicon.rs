//! The weighted lexicon: a profile's `lexicon.tsv`, parsed and compiled into one
//! Aho-Corasick automaton.
//!
//! File format, one rule per line (`#` starts a comment):
//! `label<TAB>weight<TAB>term term term…` where `label` is `cat:<category id>`,
//! `kind:<kind id>`, `rank:<village|township|county>` (the implicated official's post),
//! `actor` (a word naming an official or public body, or a deed only an official can do: 政府,
//! 公务员, 受贿; misconduct needs one) or `neg` (a negator). The same term may appear under
//! several labels. A one-character term counts only as a word of its own (沟 in 沟通 does
//! not) and never decides alone (see `classify`).
//!
//! A profile may also list, in `whole_terms.txt` (one term per line), two-character terms
//! that are counted without asking the segmenter whether they straddle a word edge: asking
//! costs a jieba cut of the surrounding text, and for these terms the answer, on the training
//! messages, was "no" at least 99 times in 100 (see [`Lexicon::mark_whole`]).

use crate::bounded::excerpt;
use crate::error::{Error, ErrorKind, Result};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use rustc_hash::FxHashMap;

/// How often a term must have been seen in the training messages for `mine_whole_terms` to
/// list it in `whole_terms.txt`.
pub const WHOLE_TERM_MIN_SEEN: usize = 5;

/// The largest share of its occurrences in which a listed term may straddle a word edge
/// (没有 in 出没|有…: 4 of 4,124). Above it (好的 straddles 87 of 493 times) the check stays.
pub const WHOLE_TERM_MAX_STRADDLE_SHARE: f64 = 0.01;

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
    /// An official or public body is the actor (misconduct needs one).
    Actor,
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
    /// Per pattern: a hit counts only if it does not straddle a word edge. True for the
    /// two-character terms not listed in `whole_terms.txt`; decided once here rather than by
    /// counting characters at every hit.
    pub(crate) edge_checked: Vec<bool>,
    /// Per pattern: a one-character term (counts only as a whole word, never alone).
    pub(crate) single_char: Vec<bool>,
    /// The profile's `patterns.tsv`: phrasings a term list cannot hold (an official who
    /// 收了两千块钱, property 拉到自己家), as regular expressions over the normalized text.
    pub(crate) patterns: Option<Patterns>,
}

/// Weighted regular expressions with lexicon labels.
#[derive(Debug)]
pub(crate) struct Patterns {
    /// The distinct expressions: a phrasing with several labels is written once per label in
    /// `patterns.tsv` and searched once per text. The regex crate's own engine (configured
    /// as `regex::Regex` is), used directly for its anchored searches.
    expressions: Vec<regex_automata::meta::Regex>,
    /// Per rule, in file order: its expression (index in `expressions`) and its cue.
    rules: Vec<(usize, Entry)>,
    /// Which expressions can match a text at all, decided by one scan for their literals.
    gate: LiteralGate,
}

/// A cheap test run before the expressions: every match of an expression begins with one of
/// its prefix literals and ends with one of its suffix literals (被 … 了|掉|走), so one
/// Aho-Corasick scan for all those literals rules out most expressions on most texts before
/// any of them runs its own search (callgrind, 1,000 board messages: 141k instructions per
/// message searched one by one, 43k behind the gate, of which the scan is half).
///
/// The same scan also records where the prefix literals occur: a match can only start there,
/// so an expression is searched anchored at those places instead of over the whole text.
/// An unanchored search of `被.{0,8}(吞|贪…)` runs a lazy DFA whose states track every
/// place a match might have begun, and building those states was most of the patterns' cost.
#[derive(Debug)]
struct LiteralGate {
    /// Every prefix and suffix literal of every expression.
    literals: Vec<Vec<u8>>,
    /// Their automaton (`None` when there are none), built on first use: a DFA's build costs
    /// more than the rest of the patterns together, and an engine that never classifies (an
    /// address lookup) needs none.
    automaton: std::sync::OnceLock<Option<aho_corasick::dfa::DFA>>,
    /// Per literal of the automaton: the literal sets (indexes into the sets) it belongs to.
    sets_of_literal: Vec<Vec<u32>>,
    /// Per literal set: whether it is the prefix set of its expression (where its literals
    /// occur is then recorded).
    is_prefix_set: Vec<bool>,
    /// Per expression: the literal sets of which one literal must occur for a match (none when
    /// no finite set could be extracted: that expression always runs).
    required: Vec<Vec<u32>>,
    /// Per expression: its prefix set, when one could be extracted.
    prefix_set: Vec<Option<u32>>,
    /// Number of literal sets.
    sets: usize,
}

/// What one literal scan found in a text.
struct GateScan {
    /// Per literal set: whether one of its literals occurs.
    satisfied: Vec<bool>,
    /// `(prefix set, byte offset)` of every occurrence of a prefix literal, sorted, no
    /// duplicates.
    starts: Vec<(u32, usize)>,
}

impl GateScan {
    /// The offsets, in increasing order, at which a literal of prefix set `set` occurs.
    fn starts_of(&self, set: u32) -> impl Iterator<Item = usize> + '_ {
        let from = self.starts.partition_point(|&(s, _)| s < set);
        self.starts[from..]
            .iter()
            .take_while(move |&&(s, _)| s == set)
            .map(|&(_, at)| at)
    }
}

impl LiteralGate {
    fn new(expressions: &[&str]) -> Self {
        use regex_syntax::hir::literal::{ExtractKind, Extractor};
        let mut literal_index: FxHashMap<Vec<u8>, usize> = FxHashMap::default();
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut sets_of_literal: Vec<Vec<u32>> = Vec::new();
        let mut required = Vec::with_capacity(expressions.len());
        let mut prefix_set = Vec::with_capacity(expressions.len());
        let mut is_prefix_set = Vec::new();
        let mut sets = 0u32;
        for expr in expressions {
            let mut needs = Vec::new();
            let mut prefixes = None;
            // The expression compiled with the regex crate's defaults (Unicode, case-sensitive),
            // so the literals are those its matches begin and end with.
            if let Ok(hir) = regex_syntax::Parser::new().parse(expr) {
                for is_prefix in [true, false] {
                    let mut extractor = Extractor::new();
                    extractor.kind(if is_prefix {
                        ExtractKind::Prefix
                    } else {
                        ExtractKind::Suffix
                    });
                    let seq = extractor.extract(&hir);
                    // An infinite set, or one holding the empty literal, requires nothing.
                    let Some(lits) = seq.literals() else { continue };
                    if lits.is_empty() || lits.iter().any(|l| l.as_bytes().is_empty()) {
                        continue;
                    }
                    for lit in lits {
                        let id =
                            *literal_index
                                .entry(lit.as_bytes().to_vec())
                                .or_insert_with(|| {
                                    literals.push(lit.as_bytes().to_vec());
                                    sets_of_literal.push(Vec::new());
                                    literals.len() - 1
                                });
                        if sets_of_literal[id].last() != Some(&sets) {
                            sets_of_literal[id].push(sets);
                        }
                    }
                    needs.push(sets);
                    if is_prefix {
                        prefixes = Some(sets);
                    }
                    is_prefix_set.push(is_prefix);
                    sets += 1;
                }
            }
            required.push(needs);
            prefix_set.push(prefixes);
        }
        LiteralGate {
            literals,
            automaton: std::sync::OnceLock::new(),
            sets_of_literal,
            is_prefix_set,
            required,
            prefix_set,
            sets: sets as usize,
        }
    }

    /// Which literal sets occur in `text`, and where the prefix literals do.
    fn scan(&self, text: &str) -> GateScan {
        use aho_corasick::automaton::Automaton;
        let automaton = self.automaton.get_or_init(|| {
            // Standard (overlapping) semantics: every occurrence of every literal is reported.
            aho_corasick::dfa::DFA::builder()
                .match_kind(MatchKind::Standard)
                .start_kind(aho_corasick::StartKind::Unanchored)
                .build(&self.literals)
                .ok()
        });
        let Some(dfa) = automaton else {
            // No literal, or none could be compiled: every set counts as satisfied, and no
            // expression is searched anchored (see `Patterns::first_match`).
            return GateScan {
                satisfied: vec![true; self.sets],
                starts: Vec::new(),
            };
        };
        let mut satisfied = vec![false; self.sets];
        let mut starts = Vec::new();
        // The DFA walked byte by byte rather than through `find_overlapping_iter`, whose
        // per-match bookkeeping cost more than the walk: single characters (被, 不, 要) are
        // literals, and they occur every few bytes. An unanchored standard automaton never
        // dies, and a match state lists every literal ending at that byte.
        let Ok(mut state) = dfa.start_state(aho_corasick::Anchored::No) else {
            return GateScan {
                satisfied: vec![true; self.sets],
                starts: Vec::new(),
            };
        };
        for (at, &byte) in text.as_bytes().iter().enumerate() {
            state = dfa.next_state(aho_corasick::Anchored::No, state, byte);
            if !dfa.is_special(state) || !dfa.is_match(state) {
                continue;
            }
            for i in 0..dfa.match_len(state) {
                let literal = dfa.match_pattern(state, i);
                let start = at + 1 - dfa.pattern_len(literal);
                for &set in &self.sets_of_literal[literal.as_usize()] {
                    satisfied[set as usize] = true;
                    if self.is_prefix_set[set as usize] {
                        starts.push((set, start));
                    }
                }
            }
        }
        // Matches come in order of their ends, not their starts.
        starts.sort_unstable();
        starts.dedup();
        GateScan { satisfied, starts }
    }
}

impl Patterns {
    /// Calls `on_match(start, end, entry)` for each rule whose expression matches `text`, in
    /// file order, with the span of the expression's leftmost-first match.
    pub(crate) fn for_each_match(&self, text: &str, mut on_match: impl FnMut(usize, usize, Entry)) {
        let scan = self.gate.scan(text);
        // Per expression: not searched yet, or its first match (if any).
        let mut found: Vec<Option<Option<(usize, usize)>>> = vec![None; self.expressions.len()];
        for &(e, entry) in &self.rules {
            let span = *found[e].get_or_insert_with(|| {
                let possible = self.gate.required[e]
                    .iter()
                    .all(|&set| scan.satisfied[set as usize]);
                if !possible {
                    return None;
                }
                self.first_match(e, text, &scan)
            });
            if let Some((start, end)) = span {
                on_match(start, end, entry);
            }
        }
    }

    /// The span of expression `e`'s leftmost-first match in `text`, as an unanchored search
    /// finds it. When its matches must begin with a prefix literal, the leftmost match begins
    /// at the first occurrence of one where an anchored search succeeds, and an anchored
    /// search there ends where the unanchored one would (same start, same preference order).
    fn first_match(&self, e: usize, text: &str, scan: &GateScan) -> Option<(usize, usize)> {
        use regex_automata::{Anchored, Input};
        let expression = &self.expressions[e];
        let Some(set) = self.gate.prefix_set[e] else {
            return expression.find(text).map(|m| (m.start(), m.end()));
        };
        scan.starts_of(set).find_map(|start| {
            let input = Input::new(text)
                .span(start..text.len())
                .anchored(Anchored::Yes);
            expression.find(input).map(|m| (m.start(), m.end()))
        })
    }
}

/// Longest `patterns.tsv` expression accepted, in bytes (keeps the compiled set small).
pub const MAX_PATTERN_BYTES: usize = 512;

/// Compiles a `patterns.tsv` expression as `regex::RegexBuilder::new(expr).size_limit(1 << 20)`
/// would (the same engine, syntax and match semantics), as the engine itself so that it can
/// be searched anchored.
fn compile_pattern(expr: &str) -> std::result::Result<regex_automata::meta::Regex, String> {
    use regex_automata::{meta, util::syntax, MatchKind};
    // The regex crate's defaults: 2 MiB of lazy DFA cache, leftmost-first, UTF-8.
    let config = meta::Config::new()
        .nfa_size_limit(Some(1 << 20))
        .hybrid_cache_capacity(2 * (1 << 20))
        .match_kind(MatchKind::LeftmostFirst)
        .utf8_empty(true);
    meta::Builder::new()
        .configure(config)
        .syntax(syntax::Config::new().utf8(true))
        .build(expr)
        .map_err(|meta_error| {
            // The regex crate's wording of the error, as profiles have always been told it.
            match regex::RegexBuilder::new(expr).size_limit(1 << 20).build() {
                Err(e) => e.to_string(),
                Ok(_) => meta_error.to_string(),
            }
        })
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
            let weight: f32 = parse_weight(weight).ok_or_else(|| {
                err(
                    lineno,
                    format!("weight {} is not a number in 0..100", excerpt(weight)),
                )
            })?;
            let cue = parse_label(label.trim(), categories)
                .ok_or_else(|| err(lineno, format!("unknown label {}", excerpt(label))))?;
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
        let edge_checked = terms.iter().map(|t| t.chars().count() == 2).collect();
        let single_char = terms.iter().map(|t| t.chars().count() == 1).collect();
        Ok(Lexicon {
            automaton,
            terms,
            entries,
            edge_checked,
            single_char,
            patterns: None,
        })
    }

    /// Marks the terms listed in `text` (the contents of `source`: one term per line, `#`
    /// comments) as whole: two-character terms counted without a word-edge check. Each must be
    /// a two-character term of this lexicon, so that a stale list fails loudly. Returns how
    /// many were marked.
    ///
    /// Regenerate the embedded list with `cargo run --release -p suqiu --example
    /// mine_whole_terms -- TRAIN.jsonl…`: it keeps the terms seen at least
    /// [`WHOLE_TERM_MIN_SEEN`] times and straddling a word edge of a full cut in at most
    /// [`WHOLE_TERM_MAX_STRADDLE_SHARE`] of them.
    pub fn mark_whole(&mut self, text: &str, source: &str) -> Result<usize> {
        let index: FxHashMap<&str, usize> = self
            .terms
            .iter()
            .enumerate()
            .map(|(i, t)| (t.as_str(), i))
            .collect();
        let mut marked = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let term = raw.split('#').next().unwrap_or("").trim();
            if term.is_empty() {
                continue;
            }
            let slot = index
                .get(term)
                .copied()
                .filter(|_| term.chars().count() == 2)
                .ok_or_else(|| {
                    Error::file(
                        ErrorKind::Profile,
                        source,
                        Some(i + 1),
                        format!(
                            "{} is not a two-character term of the lexicon",
                            excerpt(term)
                        ),
                    )
                })?;
            marked.push(slot);
        }
        for &slot in &marked {
            self.edge_checked[slot] = false;
        }
        Ok(marked.len())
    }

    /// Adds the weighted regular expressions of a profile's `patterns.tsv`:
    /// `label<TAB>weight<TAB>regex` per line (`#` starts a comment line), labels as in
    /// `lexicon.tsv` except `neg`. A match counts like a lexicon hit of its label; misconduct
    /// still needs an official as the actor. Returns the number of patterns.
    ///
    /// ```
    /// use suqiu::classify::Lexicon;
    /// let cats = vec!["cadre_conduct".to_string()];
    /// let mut lx = Lexicon::parse("actor\t1\t村主任\n", "l.tsv", &cats).unwrap();
    /// let n = lx.add_patterns("kind:misconduct\t3\t收了.{0,6}(钱|块)\n", "p.tsv", &cats).unwrap();
    /// assert_eq!(n, 1);
    /// let c = suqiu::classify::classify(&lx, &cats, "村主任收了两千块钱", &|_| true);
    /// assert!(c.misconduct);
    /// ```
    pub fn add_patterns(
        &mut self,
        text: &str,
        source: &str,
        categories: &[String],
    ) -> Result<usize> {
        let err =
            |line: usize, msg: String| Error::file(ErrorKind::Profile, source, Some(line), msg);
        let mut expressions: Vec<regex_automata::meta::Regex> = Vec::new();
        let mut sources: Vec<&str> = Vec::new();
        let mut rules = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let mut parts = line.splitn(3, '\t');
            let (Some(label), Some(weight), Some(expr)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err(err(i + 1, "expected label<TAB>weight<TAB>regex".into()));
            };
            let cue = parse_label(label.trim(), categories)
                .filter(|c| *c != Cue::Negation)
                .ok_or_else(|| err(i + 1, format!("unknown label {}", excerpt(label))))?;
            let weight: f32 = parse_weight(weight).ok_or_else(|| {
                err(
                    i + 1,
                    format!("weight {} is not a number in 0..100", excerpt(weight)),
                )
            })?;
            if expr.len() > MAX_PATTERN_BYTES {
                return Err(err(
                    i + 1,
                    format!("pattern longer than {MAX_PATTERN_BYTES} bytes"),
                ));
            }
            let index = match sources.iter().position(|s| *s == expr) {
                Some(index) => index,
                None => {
                    let re =
                        compile_pattern(expr).map_err(|e| err(i + 1, format!("bad regex: {e}")))?;
                    expressions.push(re);
                    sources.push(expr);
                    expressions.len() - 1
                }
            };
            rules.push((index, Entry { cue, weight }));
        }
        let n = rules.len();
        self.patterns = (n > 0).then(|| Patterns {
            gate: LiteralGate::new(&sources),
            expressions,
            rules,
        });
        Ok(n)
    }

    /// The two-character hits in `text` (normalized), as the classifier finds them before any
    /// edge check: `(start, end, term)`, leftmost-longest. For mining `whole_terms.txt`.
    pub fn two_char_hits<'a>(
        &'a self,
        text: &'a str,
    ) -> impl Iterator<Item = (usize, usize, &'a str)> + 'a {
        self.automaton.find_iter(text).filter_map(|m| {
            let term = self.terms[m.pattern().as_usize()].as_str();
            (term.chars().count() == 2).then_some((m.start(), m.end(), term))
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

/// A rule's weight, as `lexicon.tsv` and `patterns.tsv` write it: a number in 0..=100.
fn parse_weight(text: &str) -> Option<f32> {
    text.trim()
        .parse()
        .ok()
        .filter(|w: &f32| w.is_finite() && (0.0..=100.0).contains(w))
}

fn parse_label(label: &str, categories: &[String]) -> Option<Cue> {
    if label == "neg" {
        return Some(Cue::Negation);
    }
    if label == "actor" {
        return Some(Cue::Actor);
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

    #[test]
    fn whole_terms_are_counted_without_an_edge_check() {
        let cats = vec!["shops".to_string()];
        let mut lx = Lexicon::parse("cat:shops\t3\t要烟\n", "l.tsv", &cats).unwrap();
        // 需要|烟花: 要烟 straddles the word edge after 要, so by default it does not count.
        let text = "需要烟花";
        let is_edge = |i: usize| [0, 6, 12].contains(&i);
        let classify = |lx: &Lexicon| crate::classify::classify(lx, &cats, text, &is_edge).hits;
        assert!(classify(&lx).is_empty());
        assert_eq!(lx.mark_whole("# mined\n要烟\n", "w.txt").unwrap(), 1);
        let hits = classify(&lx);
        assert_eq!((hits.len(), hits[0].start, hits[0].end), (1, 3, 9));
    }

    #[test]
    fn the_literal_gate_finds_every_match_a_plain_search_finds() {
        let profile = crate::profile::Profile::embedded().unwrap();
        let patterns = profile.lexicon.patterns.as_ref().unwrap();
        let fixtures = ["messages.jsonl", "behaviour.jsonl", "seed_cases.jsonl"]
            .map(|f| std::fs::read_to_string(format!("../tests/fixtures/{f}")).unwrap());
        let mut texts: Vec<String> = fixtures
            .iter()
            .flat_map(|f| f.lines())
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v["text"].as_str().map(str::to_string))
            .collect();
        texts.extend(
            [
                "村主任收了人家两千块钱",
                "补贴被干部吞了",
                "水泥拉到自己家",
                "小舅子一家都报成了低保户",
                "被",
                "",
            ]
            .map(String::from),
        );
        let mut matched = 0;
        for text in &texts {
            let mut gated = Vec::new();
            patterns.for_each_match(text, |s, e, entry| gated.push((s, e, entry)));
            let plain: Vec<_> = patterns
                .rules
                .iter()
                .filter_map(|&(i, entry)| {
                    let m = patterns.expressions[i].find(text)?;
                    Some((m.start(), m.end(), entry))
                })
                .collect();
            assert_eq!(gated, plain, "{text}");
            matched += plain.len();
        }
        assert!(
            matched >= 8,
            "the texts exercise the patterns ({matched} matches)"
        );
        // Most expressions have literals to be gated on.
        let gated = patterns.gate.required.iter().filter(|r| !r.is_empty());
        assert!(gated.count() * 2 > patterns.expressions.len());
    }

    #[test]
    fn whole_terms_must_be_two_character_terms_of_the_lexicon() {
        let cats = vec!["cadre_conduct".to_string()];
        let src = "kind:misconduct\t3\t要烟 索要香烟\n";
        let mut lx = Lexicon::parse(src, "l.tsv", &cats).unwrap();
        let e = lx.mark_whole("要烟\n索要香烟\n", "w.txt").unwrap_err();
        assert!(e.to_string().contains("w.txt:2"), "{e}");
        let e = lx.mark_whole("香烟\n", "w.txt").unwrap_err();
        assert!(e.to_string().contains("w.txt:1"), "{e}");
        // A failed list marks nothing: the one two-character term is still checked.
        assert_eq!(lx.edge_checked.iter().filter(|&&c| c).count(), 1);
    }
}
