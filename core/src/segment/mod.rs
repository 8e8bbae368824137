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
