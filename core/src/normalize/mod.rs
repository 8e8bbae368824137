//! Stage 1, normalize: the caller's text in, a [`Normalized`] text out.
//!
//! Traditional characters become simplified (OpenCC's character table, Apache-2.0),
//! full-width ASCII becomes half-width, CJK punctuation is folded to ASCII, emoji and
//! control characters are dropped, ASCII letters are lower-cased and runs of white space
//! become one space. Every character of the output is mapped back to the byte range of the
//! character it came from, so any span found later can be reported in the caller's offsets.

use rustc_hash::FxHashMap;

/// The embedded traditional → simplified table (see `scripts/gen_t2s.py`).
const T2S_TABLE: &str = include_str!("../../data/t2s.tsv");

/// Folds text; built once and shared.
#[derive(Debug, Clone)]
pub struct Normalizer {
    /// Dense table for the BMP CJK block U+3400..U+A000 (0 = no change).
    cjk: Box<[u32]>,
    /// Characters outside that block.
    other: FxHashMap<char, char>,
}

const CJK_START: u32 = 0x3400;
const CJK_END: u32 = 0xA000;

/// A normalized text with a map back to the original.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Normalized {
    /// The folded text.
    pub text: String,
    /// For each byte of `text`, the start and end bytes in the original of the character it
    /// came from (one vector of pairs: one push per byte where two vectors took two).
    orig: Vec<[u32; 2]>,
}

impl Normalized {
    /// Maps a byte span `[start, end)` of the normalized text to the original text.
    ///
    /// Both ends must fall on character boundaries of the normalized text; the result falls
    /// on character boundaries of the original.
    pub fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        if start >= end || end > self.text.len() {
            let at = self
                .orig
                .get(start)
                .map(|o| o[0])
                .unwrap_or_else(|| self.orig.last().map_or(0, |o| o[1]));
            return (at as usize, at as usize);
        }
        (self.orig[start][0] as usize, self.orig[end - 1][1] as usize)
    }
}

impl Default for Normalizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Normalizer {
    /// Builds the normalizer from the embedded table.
    pub fn new() -> Self {
        // An engine holds several (its own, each model's): the table is parsed once per
        // process and copied.
        static PARSED: std::sync::OnceLock<Normalizer> = std::sync::OnceLock::new();
        PARSED.get_or_init(Self::from_embedded_table).clone()
    }

    fn from_embedded_table() -> Self {
        let mut pairs: FxHashMap<char, char> = FxHashMap::default();
        for line in T2S_TABLE.lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let mut it = line.split('\t');
            let (Some(t), Some(s)) = (it.next(), it.next()) else {
                continue;
            };
            let (Some(t), Some(s)) = (t.chars().next(), s.chars().next()) else {
                continue;
            };
            pairs.insert(t, s);
        }
        // Resolve chains (a → b → c) so that normalizing twice changes nothing.
        let keys: Vec<char> = pairs.keys().copied().collect();
        for k in keys {
            let mut target = pairs[&k];
            let mut hops = 0;
            while let Some(&next) = pairs.get(&target) {
                if next == target || hops > 8 {
                    break;
                }
                target = next;
                hops += 1;
            }
            pairs.insert(k, target);
        }
        let mut cjk = vec![0u32; (CJK_END - CJK_START) as usize].into_boxed_slice();
        let mut other = FxHashMap::default();
        for (t, s) in pairs {
            let code = t as u32;
            if (CJK_START..CJK_END).contains(&code) {
                cjk[(code - CJK_START) as usize] = s as u32;
            } else {
                other.insert(t, s);
            }
        }
        Normalizer { cjk, other }
    }

    /// Folds one character; `None` drops it. Always inlined: callers fold text character by
    /// character in their hot loops, and a call per character cost the aggregator's folding a
    /// third of its time when the compiler chose not to inline it.
    #[inline(always)]
    pub fn fold_char(&self, c: char) -> Option<char> {
        let code = c as u32;
        if code < 0x80 {
            return Some(if c.is_control() && !c.is_whitespace() {
                return None;
            } else if c.is_whitespace() {
                ' '
            } else {
                c.to_ascii_lowercase()
            });
        }
        if (CJK_START..CJK_END).contains(&code) {
            let mapped = self.cjk[(code - CJK_START) as usize];
            return Some(if mapped == 0 {
                c
            } else {
                char::from_u32(mapped).unwrap_or(c)
            });
        }
        self.fold_rare(c)
    }

    /// [`fold_char`](Self::fold_char) for the characters outside ASCII and the CJK block:
    /// kept out of line so that the common cases inline into the per-character loops
    /// (normalization called `fold_char` for every character, a tenth of its cost).
    #[inline(never)]
    fn fold_rare(&self, c: char) -> Option<char> {
        let code = c as u32;
        if (0xFF01..=0xFF5E).contains(&code) {
            let ascii = char::from_u32(code - 0xFEE0).unwrap_or(c);
            return Some(ascii.to_ascii_lowercase());
        }
        let folded = match c {
            '\u{3000}' => ' ',
            '，' | '、' => ',',
            '。' | '｡' | '…' => '.',
            '；' => ';',
            '：' => ':',
            '？' => '?',
            '！' => '!',
            '“' | '”' | '„' | '「' | '」' => '"',
            '‘' | '’' | '『' | '』' => '\'',
            '（' => '(',
            '）' => ')',
            '【' | '〔' => '[',
            '】' | '〕' => ']',
            '—' | '–' | '―' | '－' => '-',
            '～' => '~',
            _ => {
                if is_dropped(code) {
                    return None;
                }
                if c.is_whitespace() {
                    ' '
                } else if let Some(&s) = self.other.get(&c) {
                    s
                } else {
                    c
                }
            }
        };
        Some(folded)
    }

    /// Normalizes `text` into a fresh [`Normalized`].
    ///
    /// ```
    /// let n = suqiu::normalize::Normalizer::new().normalize("路燈壞了！！ 👍");
    /// assert_eq!(n.text, "路灯坏了!!");
    /// ```
    pub fn normalize(&self, text: &str) -> Normalized {
        let mut out = Normalized::default();
        self.normalize_into(text, &mut out);
        out
    }

    /// Folds `text` into `out` without the offset map (the classifier's hot path).
    pub fn fold_into(&self, text: &str, out: &mut String) {
        out.clear();
        out.reserve(text.len());
        let mut pending_space = false;
        for c in text.chars() {
            let Some(f) = self.fold_char(c) else { continue };
            if f == ' ' {
                pending_space = !out.is_empty();
                continue;
            }
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(f);
        }
    }

    /// Normalizes `text` into `out`, reusing its buffers.
    pub fn normalize_into(&self, text: &str, out: &mut Normalized) {
        out.text.clear();
        out.orig.clear();
        out.text.reserve(text.len());
        out.orig.reserve(text.len());
        let mut pending_space = false;
        for (start, c) in text.char_indices() {
            let Some(f) = self.fold_char(c) else { continue };
            let end = (start + c.len_utf8()) as u32;
            if f == ' ' {
                pending_space = !out.text.is_empty();
                continue;
            }
            if pending_space {
                // The space stands for the white space just before this character.
                out.text.push(' ');
                out.orig.push([start as u32, start as u32]);
                pending_space = false;
            }
            out.text.push(f);
            // One copy of the span per byte of the folded character, reserved at once.
            out.orig
                .extend(std::iter::repeat_n([start as u32, end], f.len_utf8()));
        }
    }
}

/// Emoji, pictographs, variation selectors, joiners, private-use and control characters.
fn is_dropped(code: u32) -> bool {
    matches!(code,
        0x80..=0x9F
        | 0x200B..=0x200F
        | 0x2028..=0x202E
        | 0x2060..=0x206F
        | 0x2190..=0x21FF
        | 0x2300..=0x23FF
        | 0x25A0..=0x27BF
        | 0x2B00..=0x2BFF
        | 0xE000..=0xF8FF
        | 0xFE00..=0xFE0F
        | 0xFEFF
        | 0xFFF0..=0xFFFF
        | 0x1F000..=0x1FAFF
        | 0xE0000..=0xE007F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_traditional_fullwidth_punctuation_and_emoji() {
        let n = Normalizer::new();
        let r = n.normalize("路面坑窪不平，晚上連個路燈都沒有！👍👍");
        assert_eq!(r.text, "路面坑洼不平,晚上连个路灯都没有!");
        let r = n.normalize("ＡＢＣ１２３　村裡\t\n 幹部");
        assert_eq!(r.text, "abc123 村里 干部");
    }

    #[test]
    fn spans_map_back_to_original_bytes() {
        let n = Normalizer::new();
        let original = "👍 本來我還不清楚家鄉的幹部";
        let r = n.normalize(original);
        let at = r.text.find("干部").unwrap();
        let (s, e) = r.original_span(at, at + "干部".len());
        assert_eq!(&original[s..e], "幹部");
    }

    #[test]
    fn is_idempotent_on_mixed_text() {
        let n = Normalizer::new();
        let once = n.normalize("臺灣 乾淨 髮型 發展，ＯＫ？  謝謝！！");
        let twice = n.normalize(&once.text);
        assert_eq!(once.text, twice.text);
    }

    #[test]
    fn a_folded_character_folds_to_itself() {
        // The models count n-grams of the engine's normalized text without folding it again
        // (`FusedModels::predict_normalized`): every character normalization can output must
        // fold to itself.
        let n = Normalizer::new();
        for code in 0..=0x10FFFFu32 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            if let Some(f) = n.fold_char(c) {
                assert_eq!(n.fold_char(f), Some(f), "U+{code:04X} folds to {f:?}");
            }
        }
    }

    #[test]
    fn fold_into_agrees_with_normalize() {
        let n = Normalizer::new();
        let mut folded = String::new();
        for t in ["  路燈壞了！！ 👍 ＡＢＣ", "", "臺灣\t\n乾淨"] {
            n.fold_into(t, &mut folded);
            assert_eq!(folded, n.normalize(t).text);
        }
    }

    #[test]
    fn empty_and_blank_inputs() {
        let n = Normalizer::new();
        assert_eq!(n.normalize("").text, "");
        assert_eq!(n.normalize(" \u{3000}\n👍").text, "");
    }
}
