//! Named things in a report's key text — organizations and estates by their generic suffix
//! (展星投资 + 有限公司, 大风车 + 幼儿园, 润芳园 + 小区) and districts written as codes (A3 + 区,
//! as the anonymized message data does) — so that two reports about different things of one
//! kind stay apart however alike the rest of their words are ("X公司涉嫌诈骗" vs "Y公司涉嫌诈骗").
//!
//! A name is the run of letters and digits before the suffix, after the last character that
//! usually ends a place or starts a clause (市, 区, 县, 省, 的, 在…). Names shorter than two
//! characters and pronouns (我们小区, 该公司) are not names.

use crate::normalize::Normalizer;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Characters of the longest word in [`NOT_NAMES`].
const MAX_NOT_NAME_CHARS: usize = 3;

/// Generic suffixes, longest first at each position, with the kind they name.
const SUFFIXES: &[&str] = &[
    "有限公司",
    "公司",
    "集团",
    "银行",
    "学院",
    "大学",
    "中学",
    "小学",
    "学校",
    "幼儿园",
    "医院",
    "小区",
    "花园",
    "酒店",
    "市场",
    // Places a message-board event is often named by alone (老地方美食广场, 洪山公园): without
    // them such reports had no place key for the second join path (issue 16, tune recall
    // 0.691 → 0.727; the 450-pair gold unchanged).
    "广场",
    "公园",
    "美食城",
];

/// Characters after which a name starts: administrative levels, prepositions, particles.
const NAME_STARTS_AFTER: &[char] = &[
    '市', '区', '县', '省', '镇', '乡', '村', '街', '路', '道', '在', '的', '和', '与', '及', '对',
    '给', '向', '为', '是', '了', '被', '把', '让', '由', '从', '内', '里', '旁', '边', '近', '诉',
    '报', '映', '于', '关', '问', '请',
];

/// Words that stand where a name would but are not one.
const NOT_NAMES: &[&str] = &[
    "我们",
    "你们",
    "他们",
    "本",
    "该",
    "这个",
    "这",
    "那个",
    "那",
    "此",
    "各",
    "某",
    "全",
    "整个",
    "附近",
    "周边",
    "有关",
    "相关",
    "一个",
    "一家",
    "这家",
    "那家",
    "我",
    "其",
    "新",
    "老",
    "民办",
    "公办",
    "私立",
    "公立",
    "普惠",
    "普惠性",
    "国有",
    "上市",
    "大型",
    "小型",
    "正规",
    "黑心",
    "无良",
];

/// The kind and length in characters of the suffix `text` starts with, if any. Called at
/// every character of every report: most characters start no suffix and are answered by the
/// first-character test alone.
fn suffix_at(text: &[char]) -> Option<(usize, usize)> {
    static SUFFIX_CHARS: OnceLock<Vec<Vec<char>>> = OnceLock::new();
    let first = *text.first()?;
    if !SUFFIX_STARTS.contains(first) {
        return None;
    }
    SUFFIX_CHARS
        .get_or_init(|| SUFFIXES.iter().map(|s| s.chars().collect()).collect())
        .iter()
        .enumerate()
        // Character by character, first character first: `starts_with` on slices called
        // `memcmp` for each suffix, most of the named-thing search's cost.
        .find(|(_, sfx)| text.len() >= sfx.len() && sfx.iter().zip(text).all(|(a, b)| a == b))
        .map(|(kind, sfx)| (kind, sfx.len()))
}

/// A set of characters of the BMP as bits: a test per character of a text is a load and
/// a mask instead of a scan of a list.
struct BmpSet([u64; 1024]);

impl BmpSet {
    const fn of(chars: &[char]) -> Self {
        let mut bits = [0u64; 1024];
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i] as usize;
            assert!(c < 1 << 16, "a character of the BMP");
            bits[c >> 6] |= 1 << (c & 63);
            i += 1;
        }
        BmpSet(bits)
    }

    #[inline]
    fn contains(&self, c: char) -> bool {
        let c = c as usize;
        c < 1 << 16 && self.0[c >> 6] & (1 << (c & 63)) != 0
    }
}

/// The first characters of [`SUFFIXES`] (a test checks that they are all here: a suffix added
/// to the list without its first character would never be found).
const SUFFIX_FIRST_CHARS: [char; 15] = [
    '有', '公', '集', '银', '学', '大', '中', '小', '幼', '医', '花', '酒', '市', '广', '美',
];

/// [`SUFFIX_FIRST_CHARS`] as bits, tested in [`suffix_at`] at every character.
static SUFFIX_STARTS: BmpSet = BmpSet::of(&SUFFIX_FIRST_CHARS);

/// The characters [`named_things_in`] stops at: 区 and 县 (after a district code) and the
/// first characters of the suffixes.
static STOPS_AT: BmpSet = BmpSet::of(&{
    let mut all = ['区'; 17];
    all[1] = '县';
    let mut i = 0;
    while i < SUFFIX_FIRST_CHARS.len() {
        all[i + 2] = SUFFIX_FIRST_CHARS[i];
        i += 1;
    }
    all
});

/// [`NAME_STARTS_AFTER`]: tested for every character of a name.
static STARTS_AFTER: BmpSet = BmpSet::of(NAME_STARTS_AFTER);

#[inline]
fn starts_after(c: char) -> bool {
    STARTS_AFTER.contains(c)
}

#[inline]
fn may_start_or_end(c: char) -> bool {
    STOPS_AT.contains(c)
}

/// Longest name kept, in characters (from its end).
const MAX_NAME_CHARS: usize = 10;

/// One named thing: the index of its kind in the suffix list (or `DISTRICT_CODE`) and its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedThing {
    kind: u8,
    name: String,
}

impl NamedThing {
    /// A key naming this thing (its kind and name), for the near-in-place join path.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind, self.name)
    }

    /// The name (without its kind's suffix).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether it names a residential estate (…小区, …花园): the places whose name ends
    /// are distinctive (丽发新城, 魅力之城) where a company's (…餐饮管理, …投资) are not.
    pub fn is_estate(&self) -> bool {
        matches!(SUFFIXES.get(self.kind as usize), Some(&"小区" | &"花园"))
    }

    /// Whether it is a district written as a code (A3区): too wide to stand for a place.
    pub fn is_district_code(&self) -> bool {
        self.kind == DISTRICT_CODE
    }
}

/// Kind of a district written as a code (A3区, K9县).
const DISTRICT_CODE: u8 = u8::MAX;

/// The named things of `text` (folded like the rest of the aggregator's input).
pub fn named_things(normalizer: &Normalizer, text: &str) -> Vec<NamedThing> {
    let chars: Vec<char> = text
        .chars()
        .filter_map(|c| normalizer.fold_char(c))
        .collect();
    let mut out = Vec::new();
    named_things_in(&chars, &mut out);
    out
}

/// [`named_things`] of text already folded, pushed to `out` (the aggregator folds a report
/// once for its bigrams, its names and its content words). Names already in `out` are not
/// pushed again.
pub fn named_things_in(chars: &[char], out: &mut Vec<NamedThing>) {
    let mut i = 0;
    while i < chars.len() {
        // Most characters neither end a district code nor start a suffix: one bit answers.
        if !may_start_or_end(chars[i]) {
            i += 1;
            continue;
        }
        // A district code: ASCII letters then digits, then 区 or 县 (A3区, K9县).
        if matches!(chars[i], '区' | '县') {
            let mut s = i;
            while s > 0 && chars[s - 1].is_ascii_alphanumeric() {
                s -= 1;
            }
            // ASCII: its length in bytes is its length in characters.
            if i - s >= 2 && chars[s].is_ascii_alphabetic() && chars[i - 1].is_ascii_digit() {
                push(out, DISTRICT_CODE, chars[s..i].iter().collect());
            }
        }
        let Some((kind, suffix_len)) = suffix_at(&chars[i..]) else {
            i += 1;
            continue;
        };
        let mut s = i;
        while s > 0
            && i - s < MAX_NAME_CHARS
            && chars[s - 1].is_alphanumeric()
            && !starts_after(chars[s - 1])
        {
            s -= 1;
        }
        if i - s >= 2 {
            let name: String = chars[s..i].iter().collect();
            // No word of the list is longer than MAX_NOT_NAME_CHARS: a longer name is looked
            // up in nothing (comparing it with each word was most of this search's cost).
            if i - s > MAX_NOT_NAME_CHARS || !NOT_NAMES.contains(&name.as_str()) {
                push(out, kind as u8, name);
            }
        }
        i += suffix_len;
    }
}

fn push(out: &mut Vec<NamedThing>, kind: u8, name: String) {
    let thing = NamedThing { kind, name };
    if !out.contains(&thing) {
        out.push(thing);
    }
}

/// Whether `a` and `b` name different things of one kind: each names one of that kind, and no
/// name of `a` matches one of `b` (equal, one inside the other, or sharing half their
/// characters: 聚利人普惠投资 / 惠普利聚人投资 are one company misspelt).
pub fn conflict(a: &[NamedThing], b: &[NamedThing]) -> bool {
    fn of_kind(list: &[NamedThing], kind: u8) -> impl Iterator<Item = &str> {
        list.iter()
            .filter(move |n| n.kind == kind)
            .map(|n| n.name.as_str())
    }
    a.iter().any(|x| {
        of_kind(b, x.kind).next().is_some()
            && !of_kind(a, x.kind).any(|na| of_kind(b, x.kind).any(|nb| names_match(na, nb)))
    })
}

fn names_match(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    // Names are short: as characters on the stack, the tests below are a few comparisons
    // each instead of a substring search and a `contains` scan per character (this was most
    // of the cost of comparing a report with a member).
    const SHORT: usize = 16;
    let (mut ca, mut cb) = (['\0'; SHORT], ['\0'; SHORT]);
    let (mut na, mut nb) = (0, 0);
    for c in a.chars() {
        if na == SHORT {
            return names_match_str(a, b);
        }
        ca[na] = c;
        na += 1;
    }
    for c in b.chars() {
        if nb == SHORT {
            return names_match_str(a, b);
        }
        cb[nb] = c;
        nb += 1;
    }
    let (ca, cb) = (&ca[..na], &cb[..nb]);
    // Substrings of UTF-8 text are substrings of its characters, and the reverse.
    let contains = |hay: &[char], needle: &[char]| {
        needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
    };
    if contains(ca, cb) || contains(cb, ca) {
        return true;
    }
    let first = |s: &[char], i: usize| !s[..i].contains(&s[i]);
    let distinct = |s: &[char]| (0..s.len()).filter(|&i| first(s, i)).count();
    let shared = (0..ca.len())
        .filter(|&i| first(ca, i) && cb.contains(&ca[i]))
        .count();
    let union = distinct(ca) + distinct(cb) - shared;
    union > 0 && 2 * shared >= union
}

/// [`names_match`] on the strings themselves, for names too long to copy.
fn names_match_str(a: &str, b: &str) -> bool {
    if a == b || a.contains(b) || b.contains(a) {
        return true;
    }
    // Misspellings here swap or replace characters (聚利人普惠 / 惠普利聚人, 捷聚飞迈 / 聚捷飞迈):
    // compare the sets of characters, not their order. Names are at most MAX_NAME_CHARS long,
    // so quadratic scans beat building sets.
    let distinct = |s: &str| {
        s.char_indices()
            .filter(|&(i, c)| !s[..i].contains(c))
            .count()
    };
    let shared = a
        .char_indices()
        .filter(|&(i, c)| !a[..i].contains(c) && b.contains(c))
        .count();
    let union = distinct(a) + distinct(b) - shared;
    union > 0 && 2 * shared >= union
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_suffix_starts_with_a_character_the_search_stops_at() {
        for sfx in SUFFIXES {
            let first = sfx.chars().next().unwrap();
            assert!(SUFFIX_STARTS.contains(first), "{sfx}");
            assert!(STOPS_AT.contains(first), "{sfx}");
        }
        assert!(STOPS_AT.contains('区') && STOPS_AT.contains('县'));
    }

    #[test]
    fn a_food_court_and_a_park_are_named_places() {
        let found = names("老地方美食广场无证经营，洪山公园一直没有动工");
        assert!(found.iter().any(|(_, n)| n.contains("老地方")), "{found:?}");
        assert!(found.iter().any(|(_, n)| n.contains("洪山")), "{found:?}");
    }

    fn names(text: &str) -> Vec<(u8, String)> {
        named_things(&Normalizer::new(), text)
            .into_iter()
            .map(|n| (n.kind, n.name))
            .collect()
    }

    fn conflicting(a: &str, b: &str) -> bool {
        let n = Normalizer::new();
        conflict(&named_things(&n, a), &named_things(&n, b))
    }

    #[test]
    fn finds_organizations_estates_and_district_codes() {
        let found = names("A3区江山帝景小区内的大风车幼儿园为什么没改为普惠性幼儿园");
        let found: Vec<&str> = found.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(found, ["a3", "江山帝景", "大风车"]); // folded to lower case
        let found = names("西地省展星投资有限公司涉嫌诈骗");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1, "展星投资");
        // Pronouns and one-character words are not names.
        assert!(names("我们小区的路灯坏了，该公司不管").is_empty());
    }

    #[test]
    fn every_suffix_is_found_after_the_first_character_test() {
        for (kind, sfx) in SUFFIXES.iter().enumerate() {
            let chars: Vec<char> = sfx.chars().collect();
            assert!(may_start_or_end(chars[0]), "{sfx}");
            assert_eq!(suffix_at(&chars), Some((kind, chars.len())), "{sfx}");
        }
    }

    #[test]
    fn different_names_of_one_kind_conflict() {
        assert!(conflicting(
            "西地省展星投资有限公司涉嫌诈骗",
            "西地省中南大宗商品电子商务有限公司涉嫌诈骗"
        ));
        assert!(conflicting(
            "A市涉外经济学院强制学生实习",
            "A市商贸旅游职业技术学院强制学生实习"
        ));
        assert!(conflicting(
            "A3区梅溪湖看云路润芳园小区油烟扰民",
            "A5区劳动东路魅力之城小区油烟扰民"
        ));
    }

    #[test]
    fn the_bit_tables_hold_their_lists() {
        assert!(NOT_NAMES
            .iter()
            .all(|n| n.chars().count() <= MAX_NOT_NAME_CHARS));
        for c in NAME_STARTS_AFTER {
            assert!(starts_after(*c), "{c}");
        }
        assert!(!starts_after('丽') && !starts_after('a'));
    }

    #[test]
    fn names_match_as_characters_as_on_strings() {
        let names = [
            "",
            "a",
            "a3",
            "a35",
            "丽发",
            "丽发新城",
            "影响丽发新城",
            "聚利人普惠",
            "惠普利聚人",
            "捷聚飞迈网络",
            "聚捷飞迈网络",
            "涉外经济",
            "经济",
            "江山帝景",
            "帝景江山",
            "aab",
            "aba",
            "新城新城",
            "城新",
        ];
        for a in names {
            for b in names {
                assert_eq!(names_match(a, b), names_match_str(a, b), "{a} / {b}");
            }
        }
    }

    #[test]
    fn one_thing_written_differently_does_not_conflict() {
        // Contained, misspelt, or named on one side only.
        assert!(!conflicting(
            "A市丽发小区建搅拌站",
            "A2区丽发新城小区附近修建搅拌厂"
        ));
        assert!(!conflicting(
            "西地省聚利人普惠投资有限公司涉嫌诈骗巨额资金",
            "西地省惠普利聚人投资有限公司涉嫌诈骗巨额资金"
        ));
        assert!(!conflicting(
            "A市捷聚飞迈网络有限公司流窜作案",
            "请不要让A市聚捷飞迈网络有限公司毁了A市的形象"
        ));
        assert!(!conflicting(
            "A市涉外经济学院强制学生实习",
            "A市经济学院强制学生实习"
        ));
        assert!(!conflicting("丽发新城小区噪音大", "投诉小区附近建设搅拌站"));
    }
}
