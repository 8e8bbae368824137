//! The second join path: reports **near in place and time** that share enough **salient
//! content words**. Village groups report one event in their own words (恢复原样 / 恢复原貌,
//! 电线杆 / 杆子, 坑 / 坑洼), so their character bigrams barely overlap; what they share is a
//! place, a few days and a handful of content words.
//!
//! - Place: the township of the report's division (a county-level division stands for itself),
//!   and, for reports without a division, the estates, companies and schools their title or
//!   opening names ([`super::names`]). Two reports are near when they share a place key.
//! - Time: the report comes at most [`super::AggregatorConfig::near_gap_seconds`] after the
//!   issue's latest report (or before its first).
//! - Content: jieba words of the title and the first [`CONTENT_CHARS`] characters of the body,
//!   two characters or more (single characters only when the equivalence table names them),
//!   minus a short stop list, each folded through the profile's equivalence table
//!   (`profiles/zhuzhou/equivalents.tsv`) and weighted by its inverse document frequency in
//!   background messages (`profiles/zhuzhou/word_df.tsv`, see [`word_weight`]). The score is
//!   the weighted Jaccard of the two word sets.

use crate::hashing::mix;
use crate::segment::Token;
use crate::Engine;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The embedded equivalence table (first word of a line is the canonical form).
const EMBEDDED_EQUIVALENTS: &str = include_str!("../../profiles/zhuzhou/equivalents.tsv");
/// The embedded word document frequencies over the background messages
/// (`cargo run --release -p suqiu --example mine_word_df`).
const EMBEDDED_WORD_DF: &str = include_str!("../../profiles/zhuzhou/word_df.tsv");
/// Frequent single characters of jieba's dictionary and their frequencies
/// (`scripts/mine_single_chars.py`): what stands alone when words are matched.
const EMBEDDED_SINGLE_CHARS: &str = include_str!("../../profiles/zhuzhou/single_chars.tsv");

/// Characters of an untitled report's text whose words take part.
pub const CONTENT_CHARS: usize = 120;
/// Characters of a titled report's body whose words take part, besides the title's.
pub const TITLED_BODY_CHARS: usize = 120;

/// Words that carry no content in a citizen's report.
const STOP: &[&str] = &[
    "我们",
    "你们",
    "他们",
    "这个",
    "那个",
    "什么",
    "怎么",
    "为什么",
    "没有",
    "已经",
    "现在",
    "问题",
    "反映",
    "反应",
    "投诉",
    "领导",
    "您好",
    "你好",
    "尊敬",
    "希望",
    "请求",
    "解决",
    "严重",
    "影响",
    "情况",
    "相关",
    "部门",
    "政府",
    "小区",
    "居民",
    "业主",
    "附近",
    "周边",
    "一个",
    "一直",
    "可以",
    "不能",
    "还是",
    "但是",
    "因为",
    "所以",
    "如果",
    "以及",
    "进行",
    "要求",
    "关于",
    "请问",
    "是否",
    "时候",
    "目前",
    "今年",
    "去年",
    "多次",
    "长期",
    "不断",
    "举报",
    "咨询",
    "建议",
    "谢谢",
    "本人",
    "一名",
    "社区",
    "街道",
    "生活",
    "处理",
    "管理",
    "存在",
    "出现",
    "得到",
    "这些",
    "那些",
    "自己",
    "大家",
    "作为",
    "由于",
    "之前",
    "以后",
    // An address's filler (位于…大厦一楼, 解放西路): shared by every report of one building
    // whatever it is about; two problems of one food court joined on these alone.
    "事情",
    "位于",
    "一楼",
    "大厦",
    "东路",
    "西路",
    "南路",
    "北路",
    "中路",
];

/// Last characters of place names.
const PLACE_ENDINGS: &[char] = &['省', '市', '区', '县', '镇', '乡', '村', '街', '组'];

/// Fold table: word → canonical word.
fn equivalents() -> &'static FxHashMap<String, String> {
    static TABLE: OnceLock<FxHashMap<String, String>> = OnceLock::new();
    TABLE.get_or_init(|| parse_equivalents(EMBEDDED_EQUIVALENTS))
}

/// The CJK characters content words are made of.
const CJK_FIRST: u32 = 0x4E00;
const CJK_LAST: u32 = 0x9FFF;

fn is_cjk(c: char) -> bool {
    (CJK_FIRST..=CJK_LAST).contains(&(c as u32))
}

/// One character's step of the hash of a word's characters, for [`Vocabulary`] (not
/// [`hash_word`]: no UTF-8 needed, and the hash of each longer prefix follows in one step).
fn hash_step(h: u64, c: char) -> u64 {
    (h ^ c as u64)
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .rotate_left(29)
}

/// The words content words are matched from ([`WordSource::for_each_word`]).
struct Vocabulary {
    /// [`hash_step`]s of each start (two characters or more) of a known word → the log of
    /// the word's probability, or −∞ for a start that is no word.
    prefixes: FxHashMap<u64, f32>,
    /// Which pairs of characters ([`pair_bit`]) start a known word: 2^16 bits.
    pairs: Vec<u64>,
    /// The log-probability of a character outside the known words.
    single: f32,
    /// The log-probability of each CJK character standing alone ([`CJK_FIRST`] first):
    /// [`Vocabulary::single`], or for frequent characters (了, 的, 也 …) their probability in
    /// jieba's dictionary: without it a function character pairs with its neighbour as an
    /// unknown word (挖的, 坑也) where jieba cuts it alone.
    alone: Vec<f32>,
    /// The log-probability of a pair of characters outside the known words.
    unknown_pair: f32,
    /// Characters of the longest word.
    longest: usize,
    /// The equivalence table's words of one character.
    singles: Vec<char>,
    /// The equivalence table's words and the stop words by the [`hash_step`]s of their
    /// characters: what [`WordSource::for_each_word`] looks up by string.
    fates: FxHashMap<u64, Fate>,
}

/// What becomes of a word of the equivalence table or the stop list.
struct Fate {
    chars: Box<[char]>,
    /// The [`hash_word`] of its canonical word, or `None` for a stop word (not content).
    canon: Option<u32>,
}

/// The first two tab-separated fields of each line of `text` that has a tab, found byte by
/// byte (`lines()` and `split('\t')` searched each short line twice, most of the one-time
/// parsing of the word tables). A tab or a newline is one byte in UTF-8, so the fields are
/// whole characters.
fn first_two_fields(text: &str) -> impl Iterator<Item = (&str, &str)> {
    let bytes = text.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || loop {
        if start >= bytes.len() {
            return None;
        }
        let (mut end, mut tabs) = (start, [usize::MAX; 2]);
        while end < bytes.len() && bytes[end] != b'\n' {
            if bytes[end] == b'\t' {
                if tabs[0] == usize::MAX {
                    tabs[0] = end;
                } else if tabs[1] == usize::MAX {
                    tabs[1] = end;
                }
            }
            end += 1;
        }
        let line_start = start;
        start = end + 1;
        if tabs[0] == usize::MAX {
            continue;
        }
        return Some((
            &text[line_start..tabs[0]],
            &text[tabs[0] + 1..tabs[1].min(end)],
        ));
    })
}

/// Lines of `text`, by its newlines (for sizing tables).
fn line_count(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count() + 1
}

fn vocabulary() -> &'static Vocabulary {
    static VOCABULARY: OnceLock<Vocabulary> = OnceLock::new();
    VOCABULARY.get_or_init(|| {
        let total = EMBEDDED_WORD_DF
            .lines()
            .find_map(|l| l.strip_prefix("# messages\t")?.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let mut v = Vocabulary {
            // About one and a half starts per word: sized once, not rehashed as it grows.
            prefixes: FxHashMap::with_capacity_and_hasher(
                line_count(EMBEDDED_WORD_DF) * 3 / 2,
                Default::default(),
            ),
            pairs: vec![0; 1 << 10],
            single: (1.0 / total).ln(),
            alone: vec![(1.0 / total).ln(); (CJK_LAST - CJK_FIRST + 1) as usize],
            unknown_pair: 2.0 * (1.0 / total).ln() + 0.01,
            longest: 1,
            singles: Vec::new(),
            fates: FxHashMap::default(),
        };
        // The table first: a word in both is folded, not dropped.
        let fated = equivalents()
            .iter()
            .map(|(w, canon)| (w.as_str(), Some(hash_word(canon))))
            .chain(STOP.iter().map(|&w| (w, None)));
        for (w, canon) in fated {
            let chars: Box<[char]> = w.chars().collect();
            let h = chars.iter().fold(0, |h, &c| hash_step(h, c));
            v.fates.entry(h).or_insert(Fate { chars, canon });
        }
        let jieba_total = EMBEDDED_SINGLE_CHARS
            .lines()
            .find_map(|l| l.strip_prefix("# total\t")?.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        for (w, n) in first_two_fields(EMBEDDED_SINGLE_CHARS).filter(|(w, _)| !w.starts_with('#')) {
            let (Some(c), Ok(freq)) = (w.chars().next(), n.trim().parse::<f32>()) else {
                continue;
            };
            if is_cjk(c) {
                v.alone[(c as u32 - CJK_FIRST) as usize] = (freq / jieba_total).ln().max(v.single);
            }
        }
        let mined = first_two_fields(EMBEDDED_WORD_DF)
            .filter(|(w, _)| !w.starts_with('#'))
            .filter_map(|(w, n)| Some((w, n.trim().parse::<u32>().ok()? as f32)));
        let table = equivalents().keys().map(|w| (w.as_str(), 3.0));
        let stop = STOP.iter().map(|&w| (w, 1000.0));
        let mut chars = Vec::new();
        for (w, df) in mined.chain(table).chain(stop) {
            chars.clear();
            chars.extend(w.chars());
            if chars.len() == 1 {
                v.singles.push(chars[0]);
            }
            if chars.len() < 2 || !chars.iter().all(|&c| is_cjk(c)) {
                continue;
            }
            v.longest = v.longest.max(chars.len());
            let bit = pair_bit(chars[0], chars[1]);
            v.pairs[bit >> 6] |= 1 << (bit & 63);
            let mut h = hash_step(0, chars[0]);
            for (i, &c) in chars.iter().enumerate().skip(1) {
                h = hash_step(h, c);
                let start = v.prefixes.entry(h).or_insert(f32::NEG_INFINITY);
                if i + 1 == chars.len() {
                    *start = start.max((df / total).ln());
                }
            }
        }
        v
    })
}

/// Stop words as a set: a token is looked up once instead of compared with each.
fn stop_words() -> &'static FxHashSet<&'static str> {
    static SET: OnceLock<FxHashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| STOP.iter().copied().collect())
}

/// Parses an equivalence table: one group per line, tab-separated, canonical word first;
/// `#` starts a comment line.
pub fn parse_equivalents(text: &str) -> FxHashMap<String, String> {
    let mut m = FxHashMap::default();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut words = line.split('\t').map(str::trim).filter(|w| !w.is_empty());
        if let Some(canon) = words.next() {
            m.insert(canon.to_string(), canon.to_string());
            for w in words {
                m.entry(w.to_string()).or_insert_with(|| canon.to_string());
            }
        }
    }
    m
}

/// The canonical form of `word` (itself when the table does not name it).
pub fn canonical(word: &str) -> &str {
    equivalents().get(word).map(String::as_str).unwrap_or(word)
}

/// Characters of the body whose words take part, with or without a title.
pub(crate) fn body_chars_taken(titled: bool) -> usize {
    if titled {
        TITLED_BODY_CHARS
    } else {
        CONTENT_CHARS
    }
}

fn hash_word(w: &str) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in w.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    (mix(h) & 0xffff_ffff) as u32
}

/// [`hash_word`] of the string of `chars`, without making it.
fn hash_chars(chars: &[char]) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut buf = [0u8; 4];
    for &c in chars {
        for &b in c.encode_utf8(&mut buf).as_bytes() {
            h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
    }
    (mix(h) & 0xffff_ffff) as u32
}

/// What a report's content words are cut from: its folded title and opening, and the place
/// names whose parts are not content. Kept with a member until a report of the same place
/// comes within the gap; most never need cutting (see [`super::Aggregator::add`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WordSource {
    /// Folded title, `。`, folded opening of the body. Characters, not a `String`: most
    /// sources are never cut, and encoding UTF-8 cost more than copying the folded characters
    /// (a state still saves the text as a string).
    #[serde(with = "chars_as_string")]
    text: Box<[char]>,
    /// The place names, separated by `|` (never part of a content word).
    places: String,
}

impl WordSource {
    /// The source of `title` and the start of `body`; `places` are the report's division and
    /// its ancestors and the estates, companies … it names.
    pub fn new(engine: &Engine, title: Option<&str>, body: &str, places: &[&str]) -> Self {
        let normalizer = engine.normalizer();
        let mut text: Vec<char> = title
            .unwrap_or("")
            .chars()
            .filter_map(|c| normalizer.fold_char(c))
            .collect();
        text.push('。');
        text.extend(body.chars().filter_map(|c| normalizer.fold_char(c)).take(
            if title.is_some() {
                TITLED_BODY_CHARS
            } else {
                CONTENT_CHARS
            },
        ));
        WordSource {
            text: text.into(),
            places: places.join("|"),
        }
    }

    /// [`WordSource::new`] of a title and body already folded (`body` at least as far as
    /// the opening taken, or whole).
    pub fn from_folded(title: Option<&[char]>, body: &[char], places: &[&str]) -> Self {
        let body = &body[..body.len().min(body_chars_taken(title.is_some()))];
        let title = title.unwrap_or(&[]);
        let mut text = Vec::with_capacity(title.len() + 1 + body.len());
        text.extend_from_slice(title);
        text.push('。');
        text.extend_from_slice(body);
        WordSource {
            text: text.into(),
            places: places.join("|"),
        }
    }

    /// Calls `f` with each content word in text order (folded through the equivalence
    /// table; repeats included): a forward longest match of the known words (the rarity
    /// table's, the equivalence table's and the stop list) in each run of CJK characters,
    /// single characters only when the equivalence table names them. (A jieba cut of the
    /// opening was two thirds of this path's cost; the words it finds beyond the known ones
    /// are rarer than three in fifteen thousand background messages.)
    ///
    /// Words that are part of a place name (the report's division and its ancestors, the
    /// estates it names) or end like one (…区, …村) are not content: every report from there
    /// would share them.
    pub fn for_each_word(&self, mut f: impl FnMut(&str)) {
        let table = equivalents();
        let stop = stop_words();
        let mut word = String::new();
        let in_places = self.in_places();
        self.for_each_cut(|chars, known| {
            // Pushed one by one: `extend` from chars cost several times as much.
            word.clear();
            for &c in chars {
                word.push(c);
            }
            // An unknown pair is in neither the equivalence table nor the stop list
            // (both are known words, and a known word outweighs an unknown pair).
            if chars.len() == 2 && !known {
                if !word.ends_with(PLACE_ENDINGS) && !in_places(&word) {
                    f(&word);
                }
                return;
            }
            match table.get(word.as_str()) {
                Some(canon) => f(canon),
                None => {
                    if chars.len() < 2
                        || word.ends_with(PLACE_ENDINGS)
                        || stop.contains(word.as_str())
                        || in_places(&word)
                    {
                        return;
                    }
                    f(&word)
                }
            }
        });
    }

    /// [`WordSource::for_each_word`] as the words' hashes ([`hash_word`]), without making
    /// a string of each word: the equivalence table and the stop list are looked up by the
    /// characters' hash, and a string is made only for the place-name test, when every
    /// character of the word is in the place names.
    fn for_each_word_hash(&self, mut f: impl FnMut(u32)) {
        let fates = &vocabulary().fates;
        let mut word = String::new();
        let in_places = self.in_places();
        let mut in_places = |chars: &[char]| {
            word.clear();
            for &c in chars {
                word.push(c);
            }
            in_places(&word)
        };
        self.for_each_cut(|chars, known| {
            let place_ending = PLACE_ENDINGS.contains(&chars[chars.len() - 1]);
            if chars.len() == 2 && !known {
                if !place_ending && !in_places(chars) {
                    f(hash_chars(chars));
                }
                return;
            }
            let h = chars.iter().fold(0, |h, &c| hash_step(h, c));
            match fates.get(&h).filter(|fate| *fate.chars == *chars) {
                Some(Fate {
                    canon: Some(canon), ..
                }) => f(*canon),
                Some(_) => {}
                None => {
                    if chars.len() < 2 || place_ending || in_places(chars) {
                        return;
                    }
                    f(hash_chars(chars))
                }
            }
        });
    }

    /// Whether a word is part of one of the place names.
    fn in_places(&self) -> impl Fn(&str) -> bool + '_ {
        // Bits of the characters of the place names (by their low six bits): a word with a
        // character outside them is in no place name, and needs no substring search.
        let place_chars = self
            .places
            .chars()
            .fold(0u64, |m, c| m | 1 << (c as u32 & 63));
        move |w: &str| {
            w.chars().all(|c| place_chars & 1 << (c as u32 & 63) != 0) && self.places.contains(w)
        }
    }

    /// Calls `f` with the characters of each word of the cut that may be a content word, in
    /// text order, and whether it is a known word: a forward longest match … (see
    /// [`WordSource::for_each_word`]); characters alone only when the equivalence table
    /// names them.
    fn for_each_cut(&self, mut f: impl FnMut(&[char], bool)) {
        let vocabulary = vocabulary();
        let text = &self.text;
        // Each run of CJK characters is cut by the most probable route through the known
        // words (as jieba does with its dictionary), a word's probability being its
        // background document frequency; characters outside known words stand alone.
        // (log-probability of the best route from here, length of its first word, whether
        // that word is known).
        let mut best: Vec<(f32, usize, bool)> = Vec::new();
        let mut start = 0;
        while start < text.len() {
            if !is_cjk(text[start]) {
                start += 1;
                continue;
            }
            let mut end = start + 1;
            while end < text.len() && is_cjk(text[end]) {
                end += 1;
            }
            let run = &text[start..end];
            best.clear();
            best.resize(run.len() + 1, (0.0, 0, false));
            for i in (0..run.len()).rev() {
                let single = vocabulary.alone[(run[i] as u32 - CJK_FIRST) as usize];
                let mut b = (best[i + 1].0 + single, 1, false);
                if i + 1 < run.len() {
                    if best[i + 2].0 + vocabulary.unknown_pair > b.0 {
                        b = (best[i + 2].0 + vocabulary.unknown_pair, 2, false);
                    }
                    // Known words are looked up only where one starts, and extended only
                    // while their characters are the start of one (about one lookup a place).
                    let bit = pair_bit(run[i], run[i + 1]);
                    if vocabulary.pairs[bit >> 6] & (1 << (bit & 63)) != 0 {
                        let mut h = hash_step(0, run[i]);
                        for n in 2..=vocabulary.longest.min(run.len() - i) {
                            h = hash_step(h, run[i + n - 1]);
                            let Some(&lp) = vocabulary.prefixes.get(&h) else {
                                break;
                            };
                            if best[i + n].0 + lp > b.0 {
                                b = (best[i + n].0 + lp, n, true);
                            }
                        }
                    }
                }
                best[i] = b;
            }
            // The route, word by word from the start of the run.
            let mut i = 0;
            while i < run.len() {
                let (_, n, known) = best[i];
                // A character alone counts only when the equivalence table names it (坑).
                if n > 1 || vocabulary.singles.contains(&run[i]) {
                    f(&run[i..i + n], known);
                }
                i += n;
            }
            start = end;
        }
    }

    /// Calls `f` with each content word of a jieba cut in text order (folded through the
    /// equivalence table; repeats included). The rarity table is mined with this cut
    /// (`examples/mine_word_df.rs`); the aggregator matches the mined words instead
    /// ([`WordSource::for_each_word`]).
    ///
    /// Words that are part of a place name (the report's division and its ancestors, the
    /// estates it names) or end like one (…区, …村) are not content: every report from there
    /// would share them.
    pub fn for_each_jieba_word(
        &self,
        engine: &Engine,
        tokens: &mut Vec<Token>,
        mut f: impl FnMut(&str),
    ) {
        let text: String = self.text.iter().collect();
        engine.segmenter().cut_into(&text, tokens);
        let table = equivalents();
        let stop = stop_words();
        for t in tokens.iter() {
            let w = &text[t.start..t.end];
            match table.get(w) {
                Some(canon) => f(canon),
                None => {
                    // Checked cheapest first; a content word is two or more CJK characters.
                    let mut chars = w.chars();
                    let two = chars.next().is_some() && chars.next().is_some();
                    if !two
                        || !w.chars().all(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
                        || w.ends_with(PLACE_ENDINGS)
                        || stop.contains(w)
                        || self.places.contains(w)
                    {
                        continue;
                    }
                    f(w)
                }
            }
        }
    }

    /// Sorted, distinct hashes of the content words and their rarity weights (aligned).
    pub fn words(&self) -> (Vec<u32>, Vec<f32>) {
        let mut out: Vec<u32> = Vec::with_capacity(self.text.len() / 2);
        self.for_each_word_hash(|h| out.push(h));
        out.sort_unstable();
        out.dedup();
        let weights = out.iter().map(|&h| word_weight(h)).collect();
        (out, weights)
    }
}

/// Sorted, distinct hashes of the folded content words of `title` and the start of `body`
/// (see [`WordSource::for_each_word`]).
pub fn content_words(
    engine: &Engine,
    title: Option<&str>,
    body: &str,
    places: &[&str],
) -> Vec<u32> {
    WordSource::new(engine, title, body, places).words().0
}

/// Serializes a [`WordSource`]'s characters as one string (the state's format).
mod chars_as_string {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(chars: &[char], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&chars.iter().collect::<String>())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Box<[char]>, D::Error> {
        Ok(String::deserialize(d)?.chars().collect())
    }
}

/// The rarity table: word hash → inverse document frequency in the background messages.
struct WordRarity {
    weights: FxHashMap<u32, f32>,
    /// The weight of a word the background does not list (seen fewer than its minimum).
    unlisted: f32,
}

fn word_rarity() -> &'static WordRarity {
    static TABLE: OnceLock<WordRarity> = OnceLock::new();
    TABLE.get_or_init(|| parse_word_rarity(EMBEDDED_WORD_DF))
}

/// Parses a word document-frequency table (`word_df.tsv`): a `# messages\tN` line, a
/// `# min_df\tM` line, then `word\tdf` lines. A word's weight is `ln((1 + N) / (1 + df))`;
/// an unlisted word counts as seen once.
fn parse_word_rarity(text: &str) -> WordRarity {
    // Sized once: growing the map rehashed it several times.
    let mut weights = FxHashMap::with_capacity_and_hasher(line_count(text), Default::default());
    let mut n = 1.0f32;
    for (a, b) in first_two_fields(text) {
        // Counts are whole numbers (parsing them as integers is several times cheaper).
        let Ok(v) = b.trim().parse::<u32>().map(|v| v as f32) else {
            continue;
        };
        if a == "# messages" {
            n = v;
        } else if !a.starts_with('#') {
            weights.insert(hash_word(a), v);
        }
    }
    let idf = |df: f32| ((1.0 + n) / (1.0 + df)).ln();
    for v in weights.values_mut() {
        *v = idf(*v);
    }
    WordRarity {
        weights,
        unlisted: idf(1.0),
    }
}

/// The rarity weight of a content word (by its hash): its IDF over the background messages.
/// A fixed table rather than counts of the stream, so that a word's weight does not depend on
/// which reports were cut before it (reports are cut only when needed).
pub fn word_weight(hash: u32) -> f32 {
    let r = word_rarity();
    r.weights.get(&hash).copied().unwrap_or(r.unlisted)
}

/// Characters of an estate's name that key it as a place: its end (see [`KnownPlaces`]).
const NAMED_PLACE_CHARS: usize = 4;
/// Shortest name end looked for in text without a suffix: two characters match too much.
const MIN_FOUND_PLACE_CHARS: usize = 3;

/// The end of an estate's name that keys it as a place (丽发新城小区 → 丽发新城): its last
/// [`NAMED_PLACE_CHARS`] characters (the name finder may take in words before the name,
/// 影响丽发新城, never one after it). `None` for what is not an estate, a name of one
/// character, or one with digits (2017年小区, 9号楼小区: a time or a building, not an estate).
fn estate_name_end(thing: &super::names::NamedThing) -> Option<&str> {
    let name = thing.name();
    let n = name.chars().count();
    if !thing.is_estate() || n < 2 || name.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let start = name
        .char_indices()
        .nth(n.saturating_sub(NAMED_PLACE_CHARS))
        .map_or(0, |(i, _)| i);
    Some(&name[start..])
}

/// The estates reports have named with their suffix so far (the ends of their names), so
/// that later reports naming them without one (丽发新城附近, 凯乐国际城周边) are placed too.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "Vec<String>", into = "Vec<String>")]
pub struct KnownPlaces {
    ends: FxHashSet<String>,
    /// Bit `c mod 2^16` is set when some name end starts with `c`: most characters of a text
    /// start none, and are passed over without hashing a window.
    starts: Vec<u64>,
    /// Bit `pair_bit(a, b)` is set when some name end starts with `a` then `b`: once many
    /// estates are known most characters start one, but few pairs do.
    pairs: Vec<u64>,
    /// [`hash_step`]s of each name end's characters: a window is looked up by its characters'
    /// hash, and made a string only when that is known (building every window was most of
    /// the scan).
    hashes: FxHashSet<u64>,
}

/// The bit of a pair of characters in [`KnownPlaces::pairs`] (2^16 bits).
#[inline]
fn pair_bit(a: char, b: char) -> usize {
    ((((a as u64) << 32 | b as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)) >> 48) as usize
}

impl From<Vec<String>> for KnownPlaces {
    fn from(ends: Vec<String>) -> Self {
        let mut known = KnownPlaces::default();
        for end in ends {
            known.insert(end);
        }
        known
    }
}

impl From<KnownPlaces> for Vec<String> {
    /// Sorted, so that saving twice gives the same bytes.
    fn from(known: KnownPlaces) -> Self {
        let mut ends: Vec<String> = known.ends.into_iter().collect();
        ends.sort_unstable();
        ends
    }
}

impl KnownPlaces {
    fn insert(&mut self, end: String) {
        let mut chars = end.chars();
        if let Some(c) = chars.next() {
            if self.starts.is_empty() {
                self.starts = vec![0; 1 << 10];
                self.pairs = vec![0; 1 << 10];
            }
            let bit = c as usize & 0xffff;
            self.starts[bit >> 6] |= 1 << (bit & 63);
            if let Some(d) = chars.next() {
                let bit = pair_bit(c, d);
                self.pairs[bit >> 6] |= 1 << (bit & 63);
            }
            self.hashes
                .insert(end.chars().fold(0, |h, c| hash_step(h, c)));
            self.ends.insert(end);
        }
    }

    /// The place key of `thing` when it is an estate, which is known from then on; `None`
    /// otherwise.
    pub fn learn(&mut self, thing: &super::names::NamedThing) -> Option<u32> {
        let end = estate_name_end(thing)?;
        if !self.ends.contains(end) {
            self.insert(end.to_string());
        }
        Some(place_key(1, end))
    }

    /// Pushes the key of every known estate that `source`'s title or opening names, with or
    /// without a suffix: windows of three and four characters.
    pub fn find(&self, source: &WordSource, out: &mut Vec<u32>) {
        self.find_in(&source.text, out);
    }

    fn find_in(&self, chars: &[char], out: &mut Vec<u32>) {
        if self.ends.is_empty() {
            return;
        }
        let mut window = String::new();
        for (i, pair) in chars.windows(2).enumerate() {
            let (c, d) = (pair[0], pair[1]);
            let bit = c as usize & 0xffff;
            if self.starts[bit >> 6] & (1 << (bit & 63)) == 0 {
                continue;
            }
            // Windows of three and four characters start with a known pair (ends of two
            // characters are never looked for).
            let bit = pair_bit(c, d);
            if self.pairs[bit >> 6] & (1 << (bit & 63)) == 0 {
                continue;
            }
            // The hash of the pair; each window's adds its last character.
            const _: () = assert!(MIN_FOUND_PLACE_CHARS == 3);
            let mut h = hash_step(hash_step(0, c), d);
            for n in MIN_FOUND_PLACE_CHARS..=NAMED_PLACE_CHARS {
                let Some(w) = chars.get(i..i + n) else {
                    break;
                };
                h = hash_step(h, w[n - 1]);
                if !self.hashes.contains(&h) {
                    continue;
                }
                window.clear();
                window.extend(w);
                if self.ends.contains(window.as_str()) {
                    out.push(place_key(1, &window));
                }
            }
        }
    }
}

/// Hash of a place key: a division code, or a name a report gives.
pub fn place_key(prefix: u8, s: &str) -> u32 {
    let mut h: u64 = prefix as u64;
    for b in s.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    (mix(h ^ 0x9e37_79b9) & 0xffff_ffff) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalent_phrasings_fold_to_one_word() {
        assert_eq!(canonical("恢复原貌"), "恢复");
        assert_eq!(canonical("复原"), "恢复");
        assert_eq!(canonical("杆子"), "电线杆");
        assert_eq!(canonical("坑洼"), "坑");
        assert_eq!(canonical("路面"), "路面");
    }

    #[test]
    fn an_estate_named_with_its_suffix_is_found_later_without_it() {
        let e = Engine::default();
        let n = e.normalizer();
        let mut known = KnownPlaces::default();
        let named = crate::aggregate::names::named_things(n, "投诉影响丽发新城小区的搅拌站");
        let key = named
            .iter()
            .find_map(|t| known.learn(t))
            .expect("an estate");
        let mut found = Vec::new();
        known.find(
            &WordSource::new(&e, None, "丽发新城附近太吵了", &[]),
            &mut found,
        );
        assert_eq!(found, [key]);
        // Neither a company nor a year before 小区 is an estate.
        for text in ["老地方餐饮管理有限公司", "2017年小区"] {
            for t in crate::aggregate::names::named_things(n, text) {
                assert_eq!(known.learn(&t), None, "{text}");
            }
        }
        // Saved as a sorted list and read back whole.
        let saved = serde_json::to_string(&known).unwrap();
        assert_eq!(saved, r#"["丽发新城"]"#);
        assert_eq!(serde_json::from_str::<KnownPlaces>(&saved).unwrap(), known);
    }

    #[test]
    fn a_word_source_is_saved_as_a_string_as_before() {
        // State v5 saved the source's text as a string; it is read back as characters.
        let e = Engine::default();
        let source = WordSource::new(&e, Some("菜地里的坑"), "土地没有恢复原样", &["龙头铺街道"]);
        let saved = serde_json::to_value(&source).unwrap();
        assert_eq!(saved["text"], "菜地里的坑。土地没有恢复原样");
        assert_eq!(saved["places"], "龙头铺街道");
        let read: WordSource = serde_json::from_value(saved).unwrap();
        assert_eq!(read, source);
        assert_eq!(read.words(), source.words());
    }

    #[test]
    fn words_hashed_without_strings_are_the_words_by_string() {
        let e = Engine::default();
        let texts = [
            (
                "施工结束这么久，地还没复原",
                "菜园里杆子坑洼到处都是，芙蓉区东湖街道丽发新城小区门口",
            ),
            (
                "",
                "工程搞完了土地没有恢复原样，菜地里全是电线杆和坑。的了也是",
            ),
            (
                "噪音扰民",
                "凌晨两点还在施工，天元区栗雨街道，投诉多次无人处理",
            ),
        ];
        for (title, body) in texts {
            let title = (!title.is_empty()).then_some(title);
            let source = WordSource::new(&e, title, body, &["芙蓉区", "东湖街道", "丽发新城"]);
            let mut by_string = Vec::new();
            source.for_each_word(|w| by_string.push(hash_word(w)));
            let mut by_hash = Vec::new();
            source.for_each_word_hash(|h| by_hash.push(h));
            assert!(!by_string.is_empty());
            assert_eq!(by_string, by_hash, "{body}");
        }
        for w in ["坑", "电线杆", "abc中文"] {
            assert_eq!(hash_chars(&w.chars().collect::<Vec<_>>()), hash_word(w));
        }
    }

    #[test]
    fn first_two_fields_are_those_of_lines_split_at_tabs() {
        let text = "# messages\t14587\n词\t3\textra\nno tab\n\n末尾\t5\r\n尾\t7";
        let by_split: Vec<(&str, &str)> = text
            .lines()
            .filter_map(|l| {
                let mut f = l.split('\t');
                Some((f.next()?, f.next()?))
            })
            .collect();
        let fields: Vec<(&str, &str)> = first_two_fields(text).collect();
        assert_eq!(fields.len(), by_split.len());
        for ((a, b), (c, d)) in fields.iter().zip(&by_split) {
            assert_eq!((a, b.trim()), (c, d.trim()));
        }
    }

    #[test]
    fn two_wordings_of_one_event_share_content_words() {
        let e = Engine::default();
        let a = content_words(
            &e,
            None,
            "工程搞完了土地没有恢复原样，菜地里全是电线杆和坑",
            &[],
        );
        let b = content_words(
            &e,
            None,
            "施工结束这么久，地还没复原，菜园里杆子坑洼到处都是",
            &[],
        );
        let shared = a.iter().filter(|w| b.contains(w)).count();
        assert!(shared >= 3, "{shared}");
    }
}

#[cfg(test)]
mod timing {
    use super::*;
    #[test]
    #[ignore]
    fn time_content_words() {
        let e = Engine::default();
        let text = "A市A2区丽发新城小区近期百米范围内修建搅拌厂，严重环境污染，对周围居民生活产生了极大的影响，个别居民因此还得了疾病住院，该地区作为长株潭绿心地带，还是人口众多的小区，竟然堂而皇之修建搅拌厂，请问环保部门";
        let s = std::time::Instant::now();
        for _ in 0..1000 {
            std::hint::black_box(content_words(
                &e,
                Some("A2区丽发新城附近修建搅拌厂噪音"),
                text,
                &["丽发新城"],
            ));
        }
        eprintln!("content_words {:?} per call", s.elapsed() / 1000);
        let s = std::time::Instant::now();
        for _ in 0..1000 {
            std::hint::black_box(crate::aggregate::names::named_things(e.normalizer(), text));
        }
        eprintln!("named_things {:?} per call", s.elapsed() / 1000);
    }
}
