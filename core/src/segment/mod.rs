//! Stage 2, segment: normalized text in, word tokens (byte spans) out.
//!
//! A thin layer over jieba-rs whose dictionary is extended with the gazetteer's place names
//! and the lexicon's terms, so that 翟家桥村 and 偷工减料 come out whole. The classifier uses
//! the token boundaries to reject lexicon hits that straddle two words, and the trained
//! model uses the words as features.

use jieba_rs::Jieba;
use std::sync::{Arc, OnceLock};

/// One word: a byte span of the normalized text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Start byte in the normalized text.
    pub start: usize,
    /// End byte in the normalized text.
    pub end: usize,
}

/// jieba's default dictionary loads once per process and is cloned per engine.
fn base_jieba() -> &'static Jieba {
    static BASE: OnceLock<Jieba> = OnceLock::new();
    BASE.get_or_init(Jieba::new)
}

/// Word segmenter with the profile's words added; immutable and shareable.
#[derive(Clone)]
pub struct Segmenter {
    jieba: Arc<Jieba>,
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segmenter").finish_non_exhaustive()
    }
}

/// Frequency given to added words: high enough that jieba keeps them whole.
const ADDED_WORD_FREQ: usize = 20_000;

impl Segmenter {
    /// A segmenter over jieba's default dictionary plus `extra_words`.
    pub fn new<'a>(extra_words: impl IntoIterator<Item = &'a str>) -> Self {
        let mut jieba = base_jieba().clone();
        for w in extra_words {
            if w.chars().count() >= 2 {
                jieba.add_word(w, Some(ADDED_WORD_FREQ), None);
            }
        }
        Segmenter {
            jieba: Arc::new(jieba),
        }
    }

    /// How common `word` is in the (extended) dictionary; 0 when it is not a word.
    pub fn word_frequency(&self, word: &str) -> usize {
        if self.jieba.has_word(word) {
            self.jieba.suggest_freq(word)
        } else {
            0
        }
    }

    /// Cuts `text` (normalized) into tokens, appending to `out` (cleared first).
    ///
    /// ```
    /// let seg = suqiu::segment::Segmenter::new(["翟家桥村", "偷工减料"]);
    /// let text = "翟家桥村水渠偷工减料";
    /// let mut tokens = Vec::new();
    /// seg.cut_into(text, &mut tokens);
    /// let words: Vec<&str> = tokens.iter().map(|t| &text[t.start..t.end]).collect();
    /// assert!(words.contains(&"翟家桥村") && words.contains(&"偷工减料"));
    /// ```
    pub fn cut_into(&self, text: &str, out: &mut Vec<Token>) {
        out.clear();
        for t in self.jieba.cut(text, false) {
            if t.word.trim().is_empty() {
                continue;
            }
            out.push(Token {
                start: t.byte_start,
                end: t.byte_end,
            });
        }
    }
}

/// jieba's block character class (`RE_HAN_DEFAULT`: CJK, ASCII alphanumerics and `+#&._%-`).
/// jieba cuts each maximal run of these independently, so a run can be cut on its own and
/// give exactly the tokens a cut of the whole text gives there.
fn is_block_char(c: char) -> bool {
    matches!(c,
        '\u{4E00}'..='\u{9FFF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2A6DF}'
        | '\u{2A700}'..='\u{2B73F}'
        | '\u{2B740}'..='\u{2B81F}'
        | '\u{2B820}'..='\u{2CEAF}'
        | '\u{2CEB0}'..='\u{2EBEF}'
        | '\u{2F800}'..='\u{2FA1F}')
        || (c.is_ascii()
            && (c.is_ascii_alphanumeric() || matches!(c, '+' | '#' | '&' | '.' | '_' | '%' | '-')))
}

/// Word edges computed on demand: only the blocks (runs of CJK, ASCII letters, digits and
/// `+#&._%-`) that a question
/// falls into are cut. Triage asks about the edges of short lexicon hits and bare place names
/// only, so most of a long message is never segmented. The answers equal [`boundary_map`]'s.
#[derive(Debug, Default)]
pub struct LazyEdges {
    /// Per byte (+1): 0 unknown, 1 edge, 2 not an edge.
    state: std::cell::RefCell<Vec<u8>>,
    tokens: std::cell::RefCell<Vec<Token>>,
}

impl LazyEdges {
    /// Resets for a new text.
    pub fn reset(&mut self, text_len: usize) {
        let state = self.state.get_mut();
        state.clear();
        state.resize(text_len + 1, 0);
    }

    /// Whether byte offset `i` of `text` is a word edge (`text` must be the one `reset` was for).
    pub fn is_edge(&self, seg: &Segmenter, text: &str, i: usize) -> bool {
        if i == 0 || i >= text.len() {
            return true;
        }
        if !text.is_char_boundary(i) {
            return false;
        }
        {
            let state = self.state.borrow();
            match state.get(i) {
                Some(1) => return true,
                Some(2) => return false,
                _ => {}
            }
        }
        let before = text[..i].chars().next_back();
        let after = text[i..].chars().next();
        let (Some(b), Some(a)) = (before, after) else {
            return true;
        };
        if b.is_whitespace() && a.is_whitespace() {
            // jieba drops white space: no token starts or ends inside a run of it.
            return false;
        }
        if !is_block_char(b) || !is_block_char(a) {
            // Outside a block every character is its own token.
            return true;
        }
        // Find the block around i and cut it.
        let start = text[..i]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_block_char(c))
            .last()
            .map_or(i, |(p, _)| p);
        let end = text[i..]
            .char_indices()
            .find(|&(_, c)| !is_block_char(c))
            .map_or(text.len(), |(p, _)| i + p);
        let mut tokens = self.tokens.borrow_mut();
        seg.cut_into(&text[start..end], &mut tokens);
        let mut state = self.state.borrow_mut();
        for p in (start + 1)..end {
            if text.is_char_boundary(p) {
                state[p] = 2;
            }
        }
        state[start] = 1;
        state[end] = 1;
        for t in tokens.iter() {
            state[start + t.start] = 1;
            state[start + t.end] = 1;
        }
        state[i] == 1
    }
}

/// Byte positions where a word starts or ends, as a bitmap over the text's bytes (+1).
pub fn boundary_map(text_len: usize, tokens: &[Token], out: &mut Vec<bool>) {
    out.clear();
    out.resize(text_len + 1, false);
    out[0] = true;
    out[text_len] = true;
    for t in tokens {
        out[t.start] = true;
        out[t.end] = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_words_come_out_whole() {
        let seg = Segmenter::new(["兴隆山社区", "优亲厚友"]);
        let text = "兴隆山社区的干部优亲厚友";
        let mut toks = Vec::new();
        seg.cut_into(text, &mut toks);
        let words: Vec<&str> = toks.iter().map(|t| &text[t.start..t.end]).collect();
        assert!(words.contains(&"兴隆山社区"), "{words:?}");
        assert!(words.contains(&"优亲厚友"), "{words:?}");
    }

    #[test]
    fn lazy_edges_equal_a_full_cut() {
        let seg = Segmenter::new(["翟家桥村", "偷工减料"]);
        let texts = [
            "渌口区古岳峰镇翟家桥村那条新修的灌溉水渠已经开裂了,施工方偷工减料,希望纪委管一管.",
            "abc123 路灯坏了!!请问c30水泥标号4.25够不够?需要烟花 要烟",
            "一",
            "",
            "  村主任 要烟 x-y_z#1 %&. 低保没批",
        ];
        let mut lazy = LazyEdges::default();
        let mut toks = Vec::new();
        let mut full = Vec::new();
        for text in texts {
            seg.cut_into(text, &mut toks);
            boundary_map(text.len(), &toks, &mut full);
            lazy.reset(text.len());
            // Ask in a scrambled order so that blocks are cut on demand in any sequence.
            let mut order: Vec<usize> = (0..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .collect();
            order.reverse();
            let third = order.len() / 3;
            order.rotate_left(third);
            for i in order {
                assert_eq!(lazy.is_edge(&seg, text, i), full[i], "{text:?} at {i}");
            }
        }
    }

    #[test]
    fn boundaries_cover_every_token_edge() {
        let seg = Segmenter::new([]);
        let text = "路灯不亮了";
        let mut toks = Vec::new();
        seg.cut_into(text, &mut toks);
        let mut b = Vec::new();
        boundary_map(text.len(), &toks, &mut b);
        assert!(b[0] && b[text.len()]);
        for t in &toks {
            assert!(b[t.start] && b[t.end]);
        }
    }
}
