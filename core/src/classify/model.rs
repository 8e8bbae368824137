//! A trainable linear text classifier: hashed character 1–3-grams (and optionally jieba words
//! and word bigrams), sublinear TF × IDF, L2-normalized; one-vs-rest linear SVMs trained by dual
//! coordinate descent (the LIBLINEAR L2-loss solver) with balanced class weights; softmax
//! probabilities with a temperature fitted on the dev set.
//!
//! Model file (little-endian): magic `SUQIUMDL`, format version `u32`, header length `u32`,
//! a JSON header ([`ModelHeader`]: labels, feature settings, sizes), then `idf[dim]`,
//! `weights[dim × labels]`, `bias[labels]` as `f32`, then an FNV-1a 64 checksum of everything
//! before it. Every field is validated on load.

use crate::error::{Error, ErrorKind, Result};
use crate::normalize::{Normalized, Normalizer};
use crate::segment::{Segmenter, Token};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::path::Path;

const MAGIC: &[u8; 8] = b"SUQIUMDL";
/// The model format version this build writes and the newest it reads.
pub const MODEL_FORMAT_VERSION: u32 = 1;
/// Largest model file accepted (bytes).
pub const MAX_MODEL_BYTES: u64 = 512 << 20;

/// Feature settings, stored in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureSettings {
    /// log2 of the number of hash buckets.
    pub hash_bits: u32,
    /// Longest character n-gram (1..=4).
    pub max_char_ngram: u32,
    /// Add jieba words and word bigrams.
    pub words: bool,
}

impl Default for FeatureSettings {
    fn default() -> Self {
        FeatureSettings {
            hash_bits: 18,
            max_char_ngram: 3,
            words: false,
        }
    }
}

/// Training settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainSettings {
    /// Features.
    pub features: FeatureSettings,
    /// SVM regularization constant C.
    pub c: f32,
    /// Maximum passes of coordinate descent.
    pub max_epochs: u32,
    /// Seed of the coordinate order.
    pub seed: u64,
    /// Weight each class by `n / (labels × n_class)` so that rare labels count as much.
    pub balanced_class_weights: bool,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            features: FeatureSettings::default(),
            c: 2.0,
            max_epochs: 60,
            seed: 0,
            balanced_class_weights: true,
        }
    }
}

/// The self-describing part of a model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelHeader {
    /// Labels, in weight order.
    pub labels: Vec<String>,
    /// Feature settings.
    pub features: FeatureSettings,
    /// Softmax temperature applied to decision values.
    pub temperature: f32,
    /// Number of training messages.
    pub trained_on: usize,
}

/// A trained model. Immutable; `Send + Sync`.
#[derive(Debug, Clone)]
pub struct TextModel {
    header: ModelHeader,
    idf: Vec<f32>,
    /// Row-major `[bucket][label]`.
    weights: Vec<f32>,
    /// The hot-path layout, built on first use (an engine that scores through
    /// [`FusedModels`] never needs it): per bucket `[idf, w_0 … w_k-1]` padded to a power of
    /// two, so that one feature costs one cache line.
    rows: std::sync::OnceLock<(Vec<f32>, usize)>,
    bias: Vec<f32>,
    normalizer: Normalizer,
    segmenter: Option<Segmenter>,
}

/// One prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Index of the winning label.
    pub label: usize,
    /// Probability per label.
    pub probabilities: Vec<f32>,
}

/// A feature that drove a prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// Byte span in the original text.
    pub start: usize,
    /// End of the span.
    pub end: usize,
    /// The original text of the span.
    pub text: String,
    /// Contribution to the winning label's decision value.
    pub weight: f32,
}

#[derive(Default)]
struct FeatScratch {
    norm: Normalized,
    tokens: Vec<Token>,
    counts: Vec<u16>,
    touched: Vec<u32>,
    chars: Vec<(usize, char)>,
    feats: Vec<(u32, f32)>,
    /// Feature occurrences (bucket, start, end), for explanations.
    occurrences: Vec<(u32, usize, usize)>,
    scores: Vec<f32>,
}

thread_local! {
    static FEAT: RefCell<FeatScratch> = RefCell::new(FeatScratch::default());
}

use crate::hashing::mix;

fn hash_bytes(seed: u64, b: &[u8]) -> u64 {
    let mut h = 0xcbf29ce484222325u64 ^ seed;
    for &x in b {
        h ^= x as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    mix(h)
}

/// Calls `f(bucket, start, end)` for every feature occurrence of the normalized text.
fn for_each_feature(
    fs: &FeatureSettings,
    text: &str,
    chars: &mut Vec<(usize, char)>,
    tokens: Option<&[Token]>,
    mut f: impl FnMut(u32, usize, usize),
) {
    let mask = (1u64 << fs.hash_bits) - 1;
    chars.clear();
    chars.extend(text.char_indices());
    let n = chars.len();
    for i in 0..n {
        let mut h = 0x9e3779b97f4a7c15u64;
        for len in 1..=fs.max_char_ngram as usize {
            if i + len > n {
                break;
            }
            let c = chars[i + len - 1].1;
            h = mix(h ^ (c as u64) ^ ((len as u64) << 40));
            let end = if i + len < n {
                chars[i + len].0
            } else {
                text.len()
            };
            f((h & mask) as u32, chars[i].0, end);
        }
    }
    if let Some(tokens) = tokens {
        let mut prev: Option<&Token> = None;
        for t in tokens {
            let w = &text[t.start..t.end];
            let hw = hash_bytes(1, w.as_bytes());
            f((hw & mask) as u32, t.start, t.end);
            if let Some(p) = prev {
                let hb = mix(hash_bytes(2, &text.as_bytes()[p.start..p.end]) ^ hw);
                f((hb & mask) as u32, p.start, t.end);
            }
            prev = Some(t);
        }
    }
}

impl FeatScratch {
    /// Fills `feats` with (bucket, tf-idf value), L2-normalized.
    fn vectorize(
        &mut self,
        fs: &FeatureSettings,
        normalizer: &Normalizer,
        seg: Option<&Segmenter>,
        idf: Option<&[f32]>,
        text: &str,
    ) {
        self.count_features(fs, normalizer, seg, text, false);
        self.feats.clear();
        let mut norm2 = 0f32;
        for &b in self.touched.iter() {
            let v = tf_idf(self.counts[b as usize], idf, b);
            self.counts[b as usize] = 0;
            norm2 += v * v;
            self.feats.push((b, v));
        }
        self.touched.clear();
        if norm2 > 0.0 {
            let inv = 1.0 / norm2.sqrt();
            self.feats.iter_mut().for_each(|f| f.1 *= inv);
        }
    }

    /// Normalizes `text` into `norm` and counts its features into `counts` / `touched`
    /// (buckets in order of first occurrence); with `record`, also lists every occurrence
    /// (bucket, start, end in `norm.text`) in `occurrences`, in `for_each_feature` order.
    fn count_features(
        &mut self,
        fs: &FeatureSettings,
        normalizer: &Normalizer,
        seg: Option<&Segmenter>,
        text: &str,
        record: bool,
    ) {
        normalizer.normalize_into(text, &mut self.norm);
        let dim = 1usize << fs.hash_bits;
        if self.counts.len() != dim {
            self.counts = vec![0; dim];
        }
        let tokens = if let Some(s) = seg {
            s.cut_into(&self.norm.text, &mut self.tokens);
            Some(self.tokens.as_slice())
        } else {
            None
        };
        let counts = &mut self.counts;
        let touched = &mut self.touched;
        let occurrences = &mut self.occurrences;
        touched.clear();
        occurrences.clear();
        for_each_feature(
            fs,
            &self.norm.text,
            &mut self.chars,
            tokens,
            |b, start, end| {
                let c = &mut counts[b as usize];
                if *c == 0 {
                    touched.push(b);
                }
                *c = c.saturating_add(1);
                if record {
                    occurrences.push((b, start, end));
                }
            },
        );
    }
}

/// The unnormalized tf-idf value of a feature seen `count` times: sublinear tf × idf.
fn tf_idf(count: u16, idf: Option<&[f32]>, bucket: u32) -> f32 {
    sublinear_tf(count) * idf.map_or(1.0, |i| i[bucket as usize])
}

/// `1 + ln(count)`, the term frequency of a feature seen `count` times.
fn sublinear_tf(count: u16) -> f32 {
    SublinearTf::get().of(count)
}

/// [`sublinear_tf`] for counts below 256 (all but a few), as a table of the same values
/// computed once: a logarithm per repeated n-gram cost a tenth of scoring a long message.
struct SublinearTf([f32; 256]);

impl SublinearTf {
    fn get() -> &'static SublinearTf {
        static TABLE: std::sync::OnceLock<SublinearTf> = std::sync::OnceLock::new();
        TABLE.get_or_init(|| SublinearTf(std::array::from_fn(|c| 1.0 + (c as f32).ln())))
    }

    fn of(&self, count: u16) -> f32 {
        match self.0.get(count as usize) {
            Some(&tf) => tf,
            None => 1.0 + (count as f32).ln(),
        }
    }
}

/// Counts the hashed character n-grams of `text` into `s.counts` / `s.touched` (the fast
/// path: no word features).
/// With `normalized`, `text` is already the output of a [`Normalizer`] (whose output folds
/// to itself, tested in `normalize`) and is not folded again.
fn count_ngrams(
    fs: &FeatureSettings,
    normalizer: &Normalizer,
    s: &mut FeatScratch,
    text: &str,
    normalized: bool,
) {
    let fold = (!normalized).then_some(normalizer);
    // The longest n-gram as a constant: the per-character loops unroll.
    match fs.max_char_ngram {
        1 => count_ngrams_upto::<1>(fs, fold, s, text),
        2 => count_ngrams_upto::<2>(fs, fold, s, text),
        3 => count_ngrams_upto::<3>(fs, fold, s, text),
        _ => count_ngrams_upto::<4>(fs, fold, s, text),
    }
}

/// [`count_ngrams`] for n-grams of 1 to `N` characters, folding each character with `fold`
/// when given.
fn count_ngrams_upto<const N: usize>(
    fs: &FeatureSettings,
    fold: Option<&Normalizer>,
    s: &mut FeatScratch,
    text: &str,
) {
    let dim = 1usize << fs.hash_bits;
    if s.counts.len() != dim {
        s.counts = vec![0; dim];
    }
    let counts = &mut s.counts[..dim];
    let touched = &mut s.touched;
    touched.clear();
    let mask = (dim - 1) as u64;
    // hashes[len - 1] = hash of the n-gram of `len` characters ending at the last character
    // folded; identical to `for_each_feature`'s hashes, computed in one streaming pass that
    // folds each character as it goes (no normalized copy, no offset map). Longest first, in
    // place: each n-gram extends the one a character shorter that ended one character before.
    let mut hashes = [0u64; N];
    let mut have = 0usize;
    let mut emit = |c: char| {
        for len in (2..=N).rev() {
            if len <= have + 1 {
                hashes[len - 1] = mix(hashes[len - 2] ^ (c as u64) ^ ((len as u64) << 40));
            }
        }
        hashes[0] = mix(0x9e3779b97f4a7c15u64 ^ (c as u64) ^ (1u64 << 40));
        have = (have + 1).min(N);
        for &h in &hashes[..have] {
            let b = (h & mask) as usize;
            let slot = &mut counts[b];
            if *slot == 0 {
                touched.push(b as u32);
            }
            *slot = slot.saturating_add(1);
        }
    };
    let mut started = false;
    let mut pending_space = false;
    for c in text.chars() {
        let Some(f) = fold.map_or(Some(c), |n| n.fold_char(c)) else {
            continue;
        };
        if f == ' ' {
            pending_space = started;
            continue;
        }
        if pending_space {
            emit(' ');
            pending_space = false;
        }
        emit(f);
        started = true;
    }
}

impl FeatScratch {
    /// Zeroes the counts that `count_ngrams` set, ready for the next text.
    fn clear_counts(&mut self) {
        for &b in &self.touched {
            self.counts[b as usize] = 0;
        }
        self.touched.clear();
    }
}

fn model_err(src: &str, msg: impl Into<String>) -> Error {
    Error::file(ErrorKind::Model, src, None, msg)
}

/// Deterministic generator for the coordinate order.
struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e3779b97f4a7c15);
        mix(self.0)
    }
}

impl TextModel {
    /// Trains on `(text, label)` pairs. `dev`, when given, fits the probability temperature.
    pub fn train(
        examples: &[(String, String)],
        dev: &[(String, String)],
        settings: &TrainSettings,
    ) -> Result<Self> {
        if examples.is_empty() {
            return Err(Error::InvalidInput("no training examples".into()));
        }
        if !(10..=24).contains(&settings.features.hash_bits)
            || !(1..=4).contains(&settings.features.max_char_ngram)
        {
            return Err(Error::InvalidInput(
                "hash_bits must be 10..=24 and max_char_ngram 1..=4".into(),
            ));
        }
        if !(settings.c.is_finite() && settings.c > 0.0) {
            return Err(Error::InvalidInput(format!(
                "the SVM constant C must be a finite number above 0, not {}",
                settings.c
            )));
        }
        // The same examples in any order train the same model: coordinate descent visits them
        // in an order drawn from the seed, so they are put in a canonical order first.
        let mut sorted = examples.to_vec();
        sorted.sort_unstable();
        let examples = &sorted[..];
        let mut labels: Vec<String> = examples.iter().map(|e| e.1.clone()).collect();
        labels.sort();
        labels.dedup();
        if labels.len() < 2 {
            return Err(Error::InvalidInput(
                "training needs at least two labels".into(),
            ));
        }
        let fs = settings.features;
        let normalizer = Normalizer::new();
        let segmenter = fs.words.then(|| Segmenter::new([]));
        let dim = 1usize << fs.hash_bits;
        // Pass 1: raw tf vectors (unnormalized, idf = 1) and document frequencies.
        let mut scratch = FeatScratch::default();
        let mut docs: Vec<Vec<(u32, f32)>> = Vec::with_capacity(examples.len());
        let mut df = vec![0u32; dim];
        for (text, _) in examples {
            scratch.vectorize(&fs, &normalizer, segmenter.as_ref(), None, text);
            for &(b, _) in &scratch.feats {
                df[b as usize] += 1;
            }
            docs.push(scratch.feats.clone());
        }
        let n = examples.len() as f32;
        let idf: Vec<f32> = df
            .iter()
            .map(|&d| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0)
            .collect();
        // Re-weight: the stored values are tf/||tf||; multiply by idf and renormalize.
        for d in docs.iter_mut() {
            let mut norm2 = 0.0;
            for f in d.iter_mut() {
                f.1 *= idf[f.0 as usize];
                norm2 += f.1 * f.1;
            }
            if norm2 > 0.0 {
                let inv = 1.0 / f32::sqrt(norm2);
                d.iter_mut().for_each(|f| f.1 *= inv);
            }
        }
        let y: Vec<usize> = examples
            .iter()
            .map(|e| labels.binary_search(&e.1).unwrap_or(0))
            .collect();
        let k = labels.len();
        let mut per_label = vec![0usize; k];
        y.iter().for_each(|&l| per_label[l] += 1);
        let balanced = settings.balanced_class_weights;
        let class_weight: Vec<f32> = per_label
            .iter()
            .map(|&c| {
                if balanced {
                    n / (k as f32 * c.max(1) as f32)
                } else {
                    1.0
                }
            })
            .collect();
        use rayon::prelude::*;
        let solved: Vec<(Vec<f32>, f32)> = (0..k)
            .into_par_iter()
            .map(|label| train_binary(&docs, &y, label, &class_weight, settings, dim))
            .collect();
        let mut weights = vec![0f32; dim * k];
        let mut bias = vec![0f32; k];
        for (label, (w, b)) in solved.into_iter().enumerate() {
            for (i, v) in w.into_iter().enumerate() {
                weights[i * k + label] = v;
            }
            bias[label] = b;
        }
        let mut model = TextModel {
            rows: std::sync::OnceLock::new(),
            header: ModelHeader {
                labels,
                features: fs,
                temperature: 1.0,
                trained_on: examples.len(),
            },
            idf,
            weights,
            bias,
            normalizer,
            segmenter,
        };
        model.header.temperature = if dev.is_empty() {
            4.0
        } else {
            model.fit_temperature(dev)
        };
        Ok(model)
    }

    /// Sets the softmax temperature (e.g. one fitted on a held-out fold by an earlier model
    /// of the same settings, when the final model trains on every example).
    ///
    /// ```
    /// use suqiu::classify::model::{TextModel, TrainSettings};
    /// let data = vec![("路灯坏了".to_string(), "a".to_string()), ("你好呀".to_string(), "b".to_string())];
    /// let mut m = TextModel::train(&data, &[], &TrainSettings::default()).unwrap();
    /// m.set_temperature(2.5);
    /// assert_eq!(m.header().temperature, 2.5);
    /// ```
    pub fn set_temperature(&mut self, temperature: f32) {
        if temperature.is_finite() && temperature > 0.0 {
            self.header.temperature = temperature;
        }
    }

    fn fit_temperature(&self, dev: &[(String, String)]) -> f32 {
        let rows: Vec<(Vec<f32>, Option<usize>)> = dev
            .iter()
            .map(|(t, l)| {
                (
                    self.decision_values(t),
                    self.header.labels.iter().position(|x| x == l),
                )
            })
            .collect();
        let mut best = (f32::INFINITY, 1.0);
        for step in 1..=60 {
            let t = step as f32 * 0.5;
            let mut nll = 0.0;
            for (s, l) in &rows {
                let Some(l) = l else { continue };
                let p = softmax(s, t);
                nll -= p[*l].max(1e-9).ln();
            }
            if nll < best.0 {
                best = (nll, t);
            }
        }
        best.1
    }

    /// Labels, in probability order.
    pub fn labels(&self) -> &[String] {
        &self.header.labels
    }

    /// The self-describing header.
    pub fn header(&self) -> &ModelHeader {
        &self.header
    }

    fn decision_values(&self, text: &str) -> Vec<f32> {
        FEAT.with(|cell| {
            let mut s = cell.borrow_mut();
            self.scores_into(&mut s, text);
            s.scores.clone()
        })
    }

    fn scores_into(&self, s: &mut FeatScratch, text: &str) {
        let k = self.header.labels.len();
        let fs = &self.header.features;
        if self.segmenter.is_some() {
            // Word features need the segmenter's tokens: take the general path.
            s.vectorize(
                fs,
                &self.normalizer,
                self.segmenter.as_ref(),
                Some(&self.idf),
                text,
            );
            s.scores.clear();
            s.scores.extend_from_slice(&self.bias);
            for &(b, v) in &s.feats {
                let row = &self.weights[b as usize * k..b as usize * k + k];
                for (acc, w) in s.scores.iter_mut().zip(row) {
                    *acc += w * v;
                }
            }
            return;
        }
        // Fast path: fold without offsets, count hashed n-grams, then one pass over the
        // touched buckets that both accumulates the norm and the (unnormalized) dot products.
        self.count_ngrams(s, text);
        self.dot_counts(s);
        s.clear_counts();
    }

    fn count_ngrams(&self, s: &mut FeatScratch, text: &str) {
        count_ngrams(&self.header.features, &self.normalizer, s, text, false);
    }

    /// Decision values from the counts in `s` (left in place) into `s.scores`.
    fn dot_counts(&self, s: &mut FeatScratch) {
        let k = self.header.labels.len();
        s.scores.clear();
        s.scores.resize(k, 0.0);
        let (rows, stride) = self
            .rows
            .get_or_init(|| Self::build_rows(&self.idf, &self.weights, k));
        let mut norm2 = 0f32;
        for &b in s.touched.iter() {
            let tf = sublinear_tf(s.counts[b as usize]);
            let row = &rows[b as usize * stride..b as usize * stride + k + 1];
            let v = tf * row[0];
            norm2 += v * v;
            for (acc, w) in s.scores.iter_mut().zip(&row[1..]) {
                *acc += w * v;
            }
        }
        let inv = if norm2 > 0.0 { 1.0 / norm2.sqrt() } else { 0.0 };
        for (acc, b) in s.scores.iter_mut().zip(&self.bias) {
            *acc = *acc * inv + b;
        }
    }

    /// Probabilities of several models for one text, hashing its n-grams once when they share
    /// feature settings without word features (the embedded kind, category and misconduct
    /// models do); otherwise each model scores on its own. `out[i]` is refilled with model
    /// `i`'s probabilities, or emptied where `models[i]` is `None`; no allocation once the
    /// vectors have grown.
    ///
    /// ```
    /// use suqiu::classify::model::{TextModel, TrainSettings};
    /// let data: Vec<(String, String)> = [("路灯坏了", "road"), ("低保没批", "aid")]
    ///     .iter().map(|(t, l)| (t.to_string(), l.to_string())).collect();
    /// let a = TextModel::train(&data, &[], &TrainSettings::default()).unwrap();
    /// let mut out = vec![Vec::new(), Vec::new(), vec![1.0]];
    /// TextModel::predict_together(&[Some(&a), Some(&a), None], "路灯不亮", &mut out);
    /// assert_eq!(out[0], a.predict("路灯不亮").probabilities);
    /// assert_eq!(out[0], out[1]);
    /// assert!(out[2].is_empty());
    /// ```
    pub fn predict_together(models: &[Option<&TextModel>], text: &str, out: &mut [Vec<f32>]) {
        let mut present = models.iter().flatten();
        let shared = present.next().is_some_and(|m0| {
            present.all(|m| m.segmenter.is_none() && m.header.features == m0.header.features)
                && m0.segmenter.is_none()
        });
        FEAT.with(|cell| {
            let mut s = cell.borrow_mut();
            if let (true, Some(m0)) = (shared, models.iter().flatten().next()) {
                m0.count_ngrams(&mut s, text);
            }
            for (m, o) in models.iter().zip(out.iter_mut()) {
                o.clear();
                let Some(m) = m else { continue };
                if shared {
                    m.dot_counts(&mut s);
                } else {
                    m.scores_into(&mut s, text);
                }
                softmax_into(&s.scores, m.header.temperature, o);
            }
            if shared {
                s.clear_counts();
            }
        })
    }

    fn build_rows(idf: &[f32], weights: &[f32], k: usize) -> (Vec<f32>, usize) {
        let stride = (k + 1).next_power_of_two().max(4);
        let mut rows = vec![0f32; idf.len() * stride];
        for (b, &i) in idf.iter().enumerate() {
            rows[b * stride] = i;
            rows[b * stride + 1..b * stride + 1 + k].copy_from_slice(&weights[b * k..b * k + k]);
        }
        (rows, stride)
    }

    /// Predicts one text.
    ///
    /// ```
    /// use suqiu::classify::model::{TextModel, TrainSettings};
    /// let data: Vec<(String, String)> = [("路灯坏了", "road"), ("路面坑洼", "road"), ("低保没批", "aid"), ("养老金没发", "aid")]
    ///     .iter().map(|(t, l)| (t.to_string(), l.to_string())).collect();
    /// let model = TextModel::train(&data, &[], &TrainSettings::default()).unwrap();
    /// let p = model.predict("路灯不亮");
    /// assert_eq!(model.labels()[p.label], "road");
    /// ```
    pub fn predict(&self, text: &str) -> Prediction {
        FEAT.with(|cell| {
            let mut s = cell.borrow_mut();
            self.scores_into(&mut s, text);
            let probabilities = softmax(&s.scores, self.header.temperature);
            let label = argmax(&probabilities);
            Prediction {
                label,
                probabilities,
            }
        })
    }

    /// Predicts only the label index (no allocation on the hot path).
    pub fn predict_label(&self, text: &str) -> usize {
        FEAT.with(|cell| {
            let mut s = cell.borrow_mut();
            self.scores_into(&mut s, text);
            argmax(&s.scores)
        })
    }

    /// The `k` feature occurrences that contributed most to `label`, with original spans.
    pub fn explain(&self, text: &str, label: usize, k: usize) -> Vec<Contribution> {
        // The thread's scratch when it is free (it is, except inside another model call on
        // this thread): a fresh one would zero a 2^hash_bits count array every time.
        FEAT.with(|cell| match cell.try_borrow_mut() {
            Ok(mut s) => self.explain_with(&mut s, text, label, k),
            Err(_) => self.explain_with(&mut FeatScratch::default(), text, label, k),
        })
    }

    fn explain_with(
        &self,
        s: &mut FeatScratch,
        text: &str,
        label: usize,
        k: usize,
    ) -> Vec<Contribution> {
        let nl = self.header.labels.len();
        let idf = Some(self.idf.as_slice());
        // One hashing pass that both counts the features and lists their occurrences; the
        // counts stay in place so that each occurrence's value is computed from its bucket
        // (the same arithmetic as `vectorize`, without sorting the vector for lookups).
        s.count_features(
            &self.header.features,
            &self.normalizer,
            self.segmenter.as_ref(),
            text,
            true,
        );
        let mut norm2 = 0f32;
        for &b in &s.touched {
            let v = tf_idf(s.counts[b as usize], idf, b);
            norm2 += v * v;
        }
        let inv = (norm2 > 0.0).then(|| 1.0 / norm2.sqrt());
        let mut contribs: Vec<(f32, usize, usize)> = Vec::new();
        for &(b, st, en) in &s.occurrences {
            // Values are never negative: only a positive weight can contribute, and the value
            // (a logarithm for a repeated n-gram) is computed only then.
            let weight = self.weights[b as usize * nl + label];
            if weight <= 0.0 {
                continue;
            }
            let v = tf_idf(s.counts[b as usize], idf, b);
            let value = inv.map_or(v, |inv| v * inv);
            let w = weight * value;
            if w > 0.0 {
                contribs.push((w, st, en));
            }
        }
        s.clear_counts();
        // Only the best few are wanted: select them before sorting (duplicates of one span
        // may take a few places, hence the margin).
        let keep = (4 * k).max(8);
        if contribs.len() > keep {
            contribs.select_nth_unstable_by(keep - 1, |a, b| b.0.total_cmp(&a.0));
            contribs.truncate(keep);
        }
        contribs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut out: Vec<Contribution> = Vec::new();
        for (w, st, en) in contribs {
            if out.len() >= k {
                break;
            }
            let (os, oe) = s.norm.original_span(st, en);
            if out.iter().any(|c| c.start == os && c.end == oe) {
                continue;
            }
            out.push(Contribution {
                start: os,
                end: oe,
                text: text[os..oe].to_string(),
                weight: w,
            });
        }
        out
    }

    /// Serializes the model.
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = serde_json::to_vec(&self.header).unwrap_or_default();
        let mut out = Vec::with_capacity(
            24 + header.len() + 4 * (self.idf.len() + self.weights.len() + self.bias.len()),
        );
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&MODEL_FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        for v in self.idf.iter().chain(&self.weights).chain(&self.bias) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        let sum = crate::hashing::fnv1a64(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// Writes the model file.
    pub fn save(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.to_bytes()).map_err(|e| Error::io(ErrorKind::Model, path, e))
    }

    /// Reads and validates a model file (at most [`MAX_MODEL_BYTES`]).
    pub fn load(path: &Path) -> Result<Self> {
        Self::load_with_limit(path, MAX_MODEL_BYTES)
    }

    /// Reads and validates a model file of at most `max_bytes`.
    pub fn load_with_limit(path: &Path, max_bytes: u64) -> Result<Self> {
        let bytes = crate::bounded::read_file(path, max_bytes, None, ErrorKind::Model)?;
        Self::from_bytes(&bytes, &path.display().to_string())
    }

    /// Parses and validates model bytes; `src` names them in errors.
    pub fn from_bytes(bytes: &[u8], src: &str) -> Result<Self> {
        if bytes.len() < 24 || &bytes[..8] != MAGIC {
            return Err(model_err(
                src,
                "not a suqiu model file (bad magic or too short)",
            ));
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().unwrap_or_default());
        if version > MODEL_FORMAT_VERSION || version == 0 {
            return Err(model_err(src, format!("model format version {version} is not supported (this build reads up to {MODEL_FORMAT_VERSION})")));
        }
        let (body, sum) = bytes.split_at(bytes.len() - 8);
        if crate::hashing::fnv1a64(body) != u64::from_le_bytes(sum.try_into().unwrap_or_default()) {
            return Err(model_err(
                src,
                "checksum mismatch: the file is truncated or corrupted",
            ));
        }
        let hlen = u32::from_le_bytes(body[12..16].try_into().unwrap_or_default()) as usize;
        let header_bytes = body
            .get(16..16 + hlen)
            .ok_or_else(|| model_err(src, "header length exceeds file"))?;
        let header: ModelHeader = serde_json::from_slice(header_bytes)
            .map_err(|e| model_err(src, format!("bad header: {e}")))?;
        let fs = header.features;
        if !(10..=24).contains(&fs.hash_bits) || !(1..=4).contains(&fs.max_char_ngram) {
            return Err(model_err(src, "feature settings out of range"));
        }
        let k = header.labels.len();
        if !(2..=10_000).contains(&k)
            || !header.temperature.is_finite()
            || header.temperature <= 0.0
        {
            return Err(model_err(src, "label count or temperature out of range"));
        }
        let dim = 1usize << fs.hash_bits;
        let expected = dim + dim * k + k;
        let data = &body[16 + hlen..];
        if data.len() != expected * 4 {
            return Err(model_err(
                src,
                format!(
                    "expected {} bytes of weights, found {}",
                    expected * 4,
                    data.len()
                ),
            ));
        }
        let mut floats = Vec::with_capacity(expected);
        for ch in data.chunks_exact(4) {
            let v = f32::from_le_bytes([ch[0], ch[1], ch[2], ch[3]]);
            if !v.is_finite() {
                return Err(model_err(src, "non-finite weight"));
            }
            floats.push(v);
        }
        let bias = floats.split_off(dim + dim * k);
        let weights = floats.split_off(dim);
        let idf = floats;
        Ok(TextModel {
            rows: std::sync::OnceLock::new(),
            segmenter: fs.words.then(|| Segmenter::new([])),
            header,
            idf,
            weights,
            bias,
            normalizer: Normalizer::new(),
        })
    }
}

/// Several models that share feature settings, scored together from one table: per hash
/// bucket one 32-byte row holding every model's weights (up to [`FusedModels::LANES`] labels in
/// all, `i8`, one scale per label) and every model's IDF (`u8`, one scale per model).
///
/// Why: scored one by one, the embedded kind, category and misconduct models cost three cache
/// misses per n-gram in 7 MB of `f32` rows, and that was most of a triage. Fused, an n-gram
/// costs one miss in 2 MB. The quantization error is measured by
/// `suqiu evaluate-triage --exact-models` (docs/classifier.md): the fused and the full-precision
/// models agree on the label of nearly every message.
///
/// ```
/// use suqiu::classify::model::{FusedModels, TextModel, TrainSettings};
/// let data: Vec<(String, String)> = [("路灯坏了", "road"), ("路面坑洼", "road"), ("低保没批", "aid"), ("养老金没发", "aid")]
///     .iter().map(|(t, l)| (t.to_string(), l.to_string())).collect();
/// let a = TextModel::train(&data, &[], &TrainSettings::default()).unwrap();
/// let fused = FusedModels::new(&[&a, &a]).unwrap();
/// let mut out = vec![Vec::new(), Vec::new()];
/// fused.predict("路灯不亮", &mut out);
/// assert_eq!(out[0].len(), 2);
/// let exact = a.predict("路灯不亮");
/// assert_eq!(out[0][exact.label] > 0.5, exact.probabilities[exact.label] > 0.5);
/// ```
#[derive(Debug, Clone)]
pub struct FusedModels {
    features: FeatureSettings,
    normalizer: Normalizer,
    /// `[bucket][ROW_BYTES]`: `LANES` weight bytes (`i8`), then `LANES` IDF bytes: per lane its
    /// model's IDF (unused lanes 0). The IDF is repeated per lane so that a bucket's 16 lanes
    /// are scored as two straight 16-byte rows, which the compiler turns into SIMD; a lane →
    /// model lookup per lane kept that loop scalar.
    rows: Vec<u8>,
    /// Per lane: the weight scale (a lane is one label of one model; unused lanes 0).
    weight_scale: [f32; FusedModels::LANES],
    /// Per model: IDF scale, first lane, number of labels, bias, temperature.
    parts: Vec<FusedPart>,
}

#[derive(Debug, Clone)]
struct FusedPart {
    idf_scale: f32,
    first_lane: usize,
    bias: Vec<f32>,
    temperature: f32,
}

impl FusedModels {
    /// Labels of all the fused models together, at most.
    pub const LANES: usize = 16;
    /// Models fused together, at most.
    pub const MAX_MODELS: usize = 4;
    const ROW_BYTES: usize = 32;

    /// Fuses `models`, or `None` when they cannot share one pass (word features, different
    /// feature settings, more than `LANES` labels in all, or more than `MAX_MODELS` models).
    pub fn new(models: &[&TextModel]) -> Option<Self> {
        let first = models.first()?;
        let total: usize = models.iter().map(|m| m.header.labels.len()).sum();
        if total > Self::LANES
            || models.len() > Self::MAX_MODELS
            || models
                .iter()
                .any(|m| m.segmenter.is_some() || m.header.features != first.header.features)
        {
            return None;
        }
        let dim = first.idf.len();
        let mut weight_scale = [0f32; Self::LANES];
        let mut parts = Vec::with_capacity(models.len());
        let mut lane = 0;
        for m in models {
            let k = m.header.labels.len();
            let mut max = vec![0f32; k];
            for row in m.weights.chunks_exact(k) {
                for (x, w) in max.iter_mut().zip(row) {
                    *x = x.max(w.abs());
                }
            }
            for (j, &x) in max.iter().enumerate() {
                weight_scale[lane + j] = if x > 0.0 { x / 127.0 } else { 1.0 };
            }
            let idf_max = m.idf.iter().copied().fold(0f32, f32::max);
            parts.push(FusedPart {
                idf_scale: if idf_max > 0.0 { idf_max / 255.0 } else { 1.0 },
                first_lane: lane,
                bias: m.bias.clone(),
                temperature: m.header.temperature,
            });
            lane += k;
        }
        let mut rows = vec![0u8; dim * Self::ROW_BYTES];
        for (m, part) in models.iter().zip(&parts) {
            let k = m.header.labels.len();
            for b in 0..dim {
                let row = &mut rows[b * Self::ROW_BYTES..(b + 1) * Self::ROW_BYTES];
                let idf = round_clamped(m.idf[b] / part.idf_scale, 0, 255) as u8;
                for j in 0..k {
                    let q = m.weights[b * k + j] / weight_scale[part.first_lane + j];
                    row[part.first_lane + j] = round_clamped(q, -127, 127) as i8 as u8;
                    row[Self::LANES + part.first_lane + j] = idf;
                }
            }
        }
        Some(FusedModels {
            features: first.header.features,
            normalizer: first.normalizer.clone(),
            rows,
            weight_scale,
            parts,
        })
    }

    /// Probabilities of each fused model (in the order given to [`FusedModels::new`]) into
    /// `out[i]`.
    pub fn predict(&self, text: &str, out: &mut [Vec<f32>]) {
        self.predict_folded(text, false, out);
    }

    /// [`predict`](Self::predict) for a text that is already the output of
    /// [`Normalizer::normalize`] (the engine's normalized text): the same probabilities,
    /// without folding each character again.
    pub fn predict_normalized(&self, text: &str, out: &mut [Vec<f32>]) {
        self.predict_folded(text, true, out);
    }

    /// Per lane, over the buckets `touched` (seen `counts[b]` times): the dot product of its
    /// label's weights with the tf-idf vector, and the squared norm of its model's tf-idf
    /// vector (every lane of a model sums the same values, and so holds that model's norm).
    ///
    /// On a processor with AVX2 the same loop is compiled for it as well: a lane's 8-bit
    /// weight and IDF widen to `f32` eight at a time instead of four through SSE2's unpacking,
    /// which made this loop a quarter of a triage. Each lane still multiplies and adds the
    /// same values in the same order (Rust never fuses a multiply and an add on its own), so
    /// both paths give the same bits.
    fn accumulate(
        &self,
        touched: &[u32],
        counts: &[u16],
    ) -> ([f32; Self::LANES], [f32; Self::LANES]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, checked just above.
            return unsafe { self.accumulate_avx2(touched, counts) };
        }
        self.accumulate_portable(touched, counts)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn accumulate_avx2(
        &self,
        touched: &[u32],
        counts: &[u16],
    ) -> ([f32; Self::LANES], [f32; Self::LANES]) {
        self.accumulate_portable(touched, counts)
    }

    #[inline(always)]
    fn accumulate_portable(
        &self,
        touched: &[u32],
        counts: &[u16],
    ) -> ([f32; Self::LANES], [f32; Self::LANES]) {
        let mut acc = [0f32; Self::LANES];
        let tf_table = SublinearTf::get();
        let mut norm2 = [0f32; Self::LANES];
        for &b in touched {
            let tf = tf_table.of(counts[b as usize]);
            let row: &[u8; Self::ROW_BYTES] = self.rows[b as usize * Self::ROW_BYTES..]
                [..Self::ROW_BYTES]
                .try_into()
                .expect("a row is ROW_BYTES long");
            let (weights, idfs) = row.split_at(Self::LANES);
            // Each lane times its model's tf × idf: the same products and sums, lane by
            // lane, as a loop over each model's labels, in straight lines the compiler
            // turns into SIMD.
            for lane in 0..Self::LANES {
                let v = tf * idfs[lane] as f32;
                acc[lane] += (weights[lane] as i8) as f32 * v;
                norm2[lane] += v * v;
            }
        }
        (acc, norm2)
    }

    fn predict_folded(&self, text: &str, normalized: bool, out: &mut [Vec<f32>]) {
        FEAT.with(|cell| {
            let mut s = cell.borrow_mut();
            count_ngrams(&self.features, &self.normalizer, &mut s, text, normalized);
            let (acc, norm2) = self.accumulate(&s.touched, &s.counts);
            s.clear_counts();
            for (mi, part) in self.parts.iter().enumerate() {
                let o = &mut out[mi];
                o.clear();
                let norm2 = norm2.get(part.first_lane).copied().unwrap_or(0.0);
                // The IDF scale cancels between the dot product and the norm.
                let inv = if norm2 > 0.0 { 1.0 / norm2.sqrt() } else { 0.0 };
                s.scores.clear();
                for (j, b) in part.bias.iter().enumerate() {
                    let lane = part.first_lane + j;
                    s.scores.push(acc[lane] * self.weight_scale[lane] * inv + b);
                }
                softmax_into(&s.scores, part.temperature, o);
            }
        })
    }
}

/// `x.round().clamp(lo, hi) as i32` (halves away from zero; NaN gives 0 clamped), without
/// the library call that `f32::round` is on baseline x86-64: fusing rounds millions of
/// weights per engine build. The fraction `x - trunc(x)` is exact for any `|x| < 2^23`;
/// beyond that `x` is an integer already, and the clamp decides.
fn round_clamped(x: f32, lo: i32, hi: i32) -> i32 {
    if x.is_nan() {
        return 0.clamp(lo, hi);
    }
    if x.abs() >= 8_388_608.0 {
        return if x > 0.0 { hi } else { lo };
    }
    let whole = x as i32;
    let fraction = x - whole as f32;
    let rounded = if fraction >= 0.5 {
        whole + 1
    } else if fraction <= -0.5 {
        whole - 1
    } else {
        whole
    };
    rounded.clamp(lo, hi)
}

impl crate::classify::LabelScorer for TextModel {
    fn labels(&self) -> &[String] {
        &self.header.labels
    }

    fn scores(&self, text: &str, _tokens: &[Token], out: &mut [f32]) {
        let p = self.predict(text);
        out.copy_from_slice(&p.probabilities);
    }

    fn as_text_model(&self) -> Option<&TextModel> {
        Some(self)
    }

    fn needs_tokens(&self) -> bool {
        // The model cuts words itself when it uses them; it never reads the engine's tokens.
        false
    }

    fn explain_spans(&self, text: &str, label: usize, k: usize) -> Vec<(usize, usize)> {
        self.explain(text, label, k)
            .into_iter()
            .filter(|c| c.weight > 0.0)
            .map(|c| (c.start, c.end))
            .collect()
    }
}

fn softmax(s: &[f32], t: f32) -> Vec<f32> {
    let mut out = Vec::with_capacity(s.len());
    softmax_into(s, t, &mut out);
    out
}

/// `softmax(s · t)` appended to `out`.
fn softmax_into(s: &[f32], t: f32, out: &mut Vec<f32>) {
    let m = s.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let start = out.len();
    out.extend(s.iter().map(|x| ((x - m) * t).exp()));
    let z: f32 = out[start..].iter().sum();
    out[start..].iter_mut().for_each(|x| *x /= z);
}

fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[best] {
            best = i;
        }
    }
    best
}

/// L2-loss linear SVM by dual coordinate descent (Hsieh et al. 2008), bias as a constant feature.
fn train_binary(
    docs: &[Vec<(u32, f32)>],
    y: &[usize],
    label: usize,
    cw: &[f32],
    st: &TrainSettings,
    dim: usize,
) -> (Vec<f32>, f32) {
    let n = docs.len();
    let mut w = vec![0f32; dim];
    let mut b = 0f32;
    let mut alpha = vec![0f32; n];
    let sign: Vec<f32> = y
        .iter()
        .map(|&l| if l == label { 1.0 } else { -1.0 })
        .collect();
    let diag: Vec<f32> = y.iter().map(|&l| 0.5 / (st.c * cw[l])).collect();
    let qii: Vec<f32> = docs
        .iter()
        .zip(&diag)
        .map(|(d, dg)| d.iter().map(|f| f.1 * f.1).sum::<f32>() + 1.0 + dg)
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix(st.seed ^ (label as u64).wrapping_mul(0x9e37));
    for _ in 0..st.max_epochs {
        for i in (1..n).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        let mut max_pg = 0f32;
        for &i in &order {
            let d = &docs[i];
            let wx: f32 = d.iter().map(|f| w[f.0 as usize] * f.1).sum::<f32>() + b;
            let g = sign[i] * wx - 1.0 + diag[i] * alpha[i];
            let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
            max_pg = max_pg.max(pg.abs());
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (alpha[i] - g / qii[i]).max(0.0);
                let delta = (alpha[i] - old) * sign[i];
                for f in d {
                    w[f.0 as usize] += delta * f.1;
                }
                b += delta;
            }
        }
        if max_pg < 0.1 {
            break;
        }
    }
    (w, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Vec<(String, String)> {
        let roads = [
            "路灯坏了",
            "路面坑洼不平",
            "马路上有大坑",
            "桥的护栏断了",
            "公交车不准时",
            "路灯不亮",
            "道路塌陷",
        ];
        let aid = [
            "低保没批",
            "养老金没发",
            "残疾人补贴停了",
            "医保报销太少",
            "救助金没到账",
            "高龄补贴没发",
            "五保户没人管",
        ];
        roads
            .iter()
            .map(|t| (t.to_string(), "roads".into()))
            .chain(aid.iter().map(|t| (t.to_string(), "aid".into())))
            .collect()
    }

    #[test]
    fn learns_a_separable_toy_set_perfectly() {
        let data = toy();
        let m = TextModel::train(&data, &[], &TrainSettings::default()).unwrap();
        for (t, l) in &data {
            assert_eq!(&m.labels()[m.predict(t).label], l, "{t}");
        }
        let p = m.predict("路灯坏了");
        assert!((p.probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        let ex = m.explain("路灯坏了好几天", p.label, 3);
        assert!(
            !ex.is_empty()
                && ex
                    .iter()
                    .all(|c| "路灯坏了好几天".get(c.start..c.end) == Some(c.text.as_str()))
        );
    }

    #[test]
    fn fast_path_scores_equal_the_general_path() {
        let m = TextModel::train(&toy(), &[], &TrainSettings::default()).unwrap();
        let mut s = FeatScratch::default();
        for t in [
            "路灯坏了",
            "  低保  没批！！ 👍",
            "a",
            "",
            "路面坑洼 不平 ＡＢＣ",
        ] {
            m.scores_into(&mut s, t);
            let fast = s.scores.clone();
            s.vectorize(&m.header.features, &m.normalizer, None, Some(&m.idf), t);
            let k = m.labels().len();
            let mut slow = m.bias.clone();
            for &(b, v) in &s.feats {
                for j in 0..k {
                    slow[j] += m.weights[b as usize * k + j] * v;
                }
            }
            for (a, b) in fast.iter().zip(&slow) {
                assert!((a - b).abs() < 1e-4, "{t}: {fast:?} vs {slow:?}");
            }
        }
    }

    #[test]
    fn fused_scores_of_a_normalized_text_equal_those_of_the_raw_text() {
        let m = TextModel::train(&toy(), &[], &TrainSettings::default()).unwrap();
        let fused = FusedModels::new(&[&m, &m]).unwrap();
        let normalizer = Normalizer::new();
        for t in ["路燈壞了！！ 👍", "  低保  没批 ＡＢＣ\t\n", "a", ""] {
            let (mut raw, mut folded) = (vec![Vec::new(); 2], vec![Vec::new(); 2]);
            fused.predict(t, &mut raw);
            fused.predict_normalized(&normalizer.normalize(t).text, &mut folded);
            assert_eq!(raw, folded, "{t:?}");
        }
    }

    #[test]
    fn fused_scoring_gives_the_same_bits_with_and_without_avx2() {
        let m = TextModel::train(&toy(), &[], &TrainSettings::default()).unwrap();
        let fused = FusedModels::new(&[&m, &m, &m]).unwrap();
        let mut s = FeatScratch::default();
        for t in [
            "路灯坏了好几天, 低保也没批",
            "路面坑洼 不平 ＡＢＣ",
            "a",
            "",
        ] {
            count_ngrams(&fused.features, &fused.normalizer, &mut s, t, false);
            let portable = fused.accumulate_portable(&s.touched, &s.counts);
            assert_eq!(fused.accumulate(&s.touched, &s.counts), portable, "{t:?}");
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the processor has AVX2.
                let avx2 = unsafe { fused.accumulate_avx2(&s.touched, &s.counts) };
                let bits = |a: [f32; FusedModels::LANES]| a.map(f32::to_bits);
                assert_eq!(bits(avx2.0), bits(portable.0), "{t:?}");
                assert_eq!(bits(avx2.1), bits(portable.1), "{t:?}");
            }
            s.clear_counts();
        }
    }

    #[test]
    fn round_clamped_equals_round_then_clamp() {
        let mut x = -300.0f32;
        while x < 300.0 {
            let bits = x.to_bits();
            let (up, down) = (
                f32::from_bits(bits.wrapping_add(1)),
                f32::from_bits(bits.wrapping_sub(1)),
            );
            for v in [
                x,
                up,
                down,
                -0.0,
                0.5,
                -0.5,
                0.49999997,
                -0.49999997,
                126.5,
                -127.5,
            ] {
                let expect = v.round().clamp(-127.0, 127.0) as i32;
                assert_eq!(super::round_clamped(v, -127, 127), expect, "{v}");
            }
            x += 0.013;
        }
        assert_eq!(super::round_clamped(1e30, 0, 255), 255);
        assert_eq!(super::round_clamped(-1e30, -127, 127), -127);
    }

    #[test]
    fn round_trips_bit_for_bit_and_is_deterministic() {
        let data = toy();
        let st = TrainSettings {
            features: FeatureSettings {
                hash_bits: 12,
                ..Default::default()
            },
            ..Default::default()
        };
        let a = TextModel::train(&data, &[], &st).unwrap();
        let b = TextModel::train(&data, &[], &st).unwrap();
        assert_eq!(a.to_bytes(), b.to_bytes(), "same seed, same model");
        let back = TextModel::from_bytes(&a.to_bytes(), "mem").unwrap();
        for t in ["路灯坏了", "低保", "随便什么话"] {
            assert_eq!(a.predict(t), back.predict(t));
        }
    }

    #[test]
    fn rejects_truncated_corrupted_and_newer_files() {
        let st = TrainSettings {
            features: FeatureSettings {
                hash_bits: 10,
                ..Default::default()
            },
            ..Default::default()
        };
        let bytes = TextModel::train(&toy(), &[], &st).unwrap().to_bytes();
        let e = TextModel::from_bytes(&bytes[..bytes.len() - 100], "m.bin").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Model);
        assert!(e.to_string().contains("checksum"), "{e}");
        let mut bad = bytes.clone();
        bad[100] ^= 0x55;
        assert!(TextModel::from_bytes(&bad, "m.bin").is_err());
        let mut newer = bytes.clone();
        newer[8..12].copy_from_slice(&2u32.to_le_bytes());
        assert!(TextModel::from_bytes(&newer, "m.bin")
            .unwrap_err()
            .to_string()
            .contains("version 2"));
        assert!(TextModel::from_bytes(b"hello", "m.bin").is_err());
        assert!(TextModel::from_bytes(&[], "m.bin").is_err());
    }
}
