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
];

/// Last characters of place names.
const PLACE_ENDINGS: &[char] = &['省', '市', '区', '县', '镇', '乡', '村', '街', '组'];

/// Fold table: word → canonical word.
fn equivalents() -> &'static FxHashMap<String, String> {
    static TABLE: OnceLock<FxHashMap<String, String>> = OnceLock::new();
    TABLE.get_or_init(|| parse_equivalents(EMBEDDED_EQUIVALENTS))
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

/// What a report's content words are cut from: its folded title and opening, and the place
/// names whose parts are not content. Kept with a member until a report of the same place
/// comes within the gap; most never need cutting (see [`super::Aggregator::add`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WordSource {
    /// Folded title, `。`, folded opening of the body.
    text: String,
    /// The place names, separated by `|` (never part of a content word).
    places: String,
}

impl WordSource {
    /// The source of `title` and the start of `body`; `places` are the report's division and
    /// its ancestors and the estates, companies … it names.
    pub fn new(engine: &Engine, title: Option<&str>, body: &str, places: &[&str]) -> Self {
        let normalizer = engine.normalizer();
        let mut text: String = title
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
            text,
            places: places.join("|"),
        }
    }

    /// [`WordSource::new`] of a title and body already folded (`body` at least as far as
    /// the opening taken, or whole).
    pub fn from_folded(title: Option<&[char]>, body: &[char], places: &[&str]) -> Self {
        let body = &body[..body.len().min(body_chars_taken(title.is_some()))];
        let title = title.unwrap_or(&[]);
        let mut text = String::with_capacity(3 * (title.len() + 1 + body.len()));
        text.extend(title);
        text.push('。');
        text.extend(body);
        WordSource {
            text,
            places: places.join("|"),
        }
    }

    /// Calls `f` with each content word in text order (folded through the equivalence
    /// table; repeats included).
    ///
    /// Words that are part of a place name (the report's division and its ancestors, the
    /// estates it names) or end like one (…区, …村) are not content: every report from there
    /// would share them.
    pub fn for_each_word(&self, engine: &Engine, tokens: &mut Vec<Token>, mut f: impl FnMut(&str)) {
        engine.segmenter().cut_into(&self.text, tokens);
        let table = equivalents();
        let stop = stop_words();
        for t in tokens.iter() {
            let w = &self.text[t.start..t.end];
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
    pub fn words(&self, engine: &Engine, tokens: &mut Vec<Token>) -> (Vec<u32>, Vec<f32>) {
        let mut out: Vec<u32> = Vec::with_capacity(tokens.len());
        self.for_each_word(engine, tokens, |w| out.push(hash_word(w)));
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
    tokens: &mut Vec<Token>,
) -> Vec<u32> {
    WordSource::new(engine, title, body, places)
        .words(engine, tokens)
        .0
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
    let (mut n, mut weights) = (1.0f32, FxHashMap::default());
    for line in text.lines() {
        let mut f = line.split('\t');
        let (Some(a), Some(b)) = (f.next(), f.next()) else {
            continue;
        };
        let Ok(v) = b.trim().parse::<f32>() else {
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
        let chars: Vec<char> = source.text.chars().collect();
        self.find_in(&chars, out);
    }

    /// [`KnownPlaces::find`] in the characters of a word source (folded title, `。`, folded
    /// opening), without making one: most reports' sources are never cut, and a scan of
    /// characters needs no UTF-8 decoding.
    pub(crate) fn find_in_folded(
        &self,
        title: Option<&[char]>,
        body: &[char],
        chars: &mut Vec<char>,
        out: &mut Vec<u32>,
    ) {
        if self.ends.is_empty() {
            return;
        }
        chars.clear();
        chars.extend_from_slice(title.unwrap_or(&[]));
        chars.push('。');
        chars.extend_from_slice(&body[..body.len().min(body_chars_taken(title.is_some()))]);
        self.find_in(chars, out);
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
            for n in MIN_FOUND_PLACE_CHARS..=NAMED_PLACE_CHARS {
                let Some(w) = chars.get(i..i + n) else {
                    break;
                };
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
    fn two_wordings_of_one_event_share_content_words() {
        let e = Engine::default();
        let mut t = Vec::new();
        let a = content_words(
            &e,
            None,
            "工程搞完了土地没有恢复原样，菜地里全是电线杆和坑",
            &[],
            &mut t,
        );
        let b = content_words(
            &e,
            None,
            "施工结束这么久，地还没复原，菜园里杆子坑洼到处都是",
            &[],
            &mut t,
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
        let mut t = Vec::new();
        let text = "A市A2区丽发新城小区近期百米范围内修建搅拌厂，严重环境污染，对周围居民生活产生了极大的影响，个别居民因此还得了疾病住院，该地区作为长株潭绿心地带，还是人口众多的小区，竟然堂而皇之修建搅拌厂，请问环保部门";
        let s = std::time::Instant::now();
        for _ in 0..1000 {
            std::hint::black_box(content_words(
                &e,
                Some("A2区丽发新城附近修建搅拌厂噪音"),
                text,
                &["丽发新城"],
                &mut t,
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
