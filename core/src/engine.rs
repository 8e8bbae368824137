//! The [`Engine`]: every stage wired together, and the [`Triage`] result it returns.

use crate::classify::{self, Classification, Kind, LabelScorer, Source};
use crate::error::{Error, ErrorKind, Result};
use crate::jurisdiction::{self, Gazetteer, Level, RawMention};
use crate::normalize::{Normalized, Normalizer};
use crate::profile::Profile;
use crate::route::Route;
use crate::segment::{self, Segmenter, Token};
use compact_str::CompactString;
use serde::Serialize;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Documented limits, enforced per call with [`ErrorKind::LimitExceeded`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest message, in bytes of UTF-8 (default 262,144 = 256 KiB).
    pub max_text_bytes: usize,
    /// Most messages in one `triage_batch` call (default 1,000,000).
    pub max_batch_items: usize,
    /// Largest divisions CSV or profile file read from disk (default 256 MiB; all of China is 30 MB).
    pub max_file_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_text_bytes: 256 * 1024,
            max_batch_items: 1_000_000,
            max_file_bytes: 256 << 20,
        }
    }
}

/// The triage engine: immutable, `Send + Sync`, built once and shared.
#[derive(Debug)]
pub struct Engine {
    normalizer: Normalizer,
    segmenter: Segmenter,
    profile: Profile,
    gazetteer: Gazetteer,
    /// Category model and, for each of its labels, the index in the profile's categories.
    category_model: Option<(Arc<dyn LabelScorer>, Vec<usize>)>,
    /// Kind model and, for each of its labels, the index in `Kind::ALL`.
    kind_model: Option<(Arc<dyn LabelScorer>, Vec<usize>)>,
    /// Misconduct-flag model and the index of its `yes` label.
    misconduct_model: Option<(Arc<dyn LabelScorer>, usize)>,
    /// The three models fused into one quantized table, when all are the project's text models
    /// with shared features (the embedded ones are); `None` scores each model on its own.
    fused_models: Option<crate::classify::model::FusedModels>,
    /// Score with the full-precision models even when a fused table exists (for measuring the
    /// quantization, `evaluate-triage --exact-models`).
    exact_models: bool,
    /// Blended misconduct probability that raises the flag.
    misconduct_threshold: f32,
    /// Share of the models' probabilities in the blend with the lexicon's (1 = model only).
    model_weight: f32,
    limits: Limits,
    /// What the build skipped and why (see [`Engine::load_warnings`]).
    load_warnings: Vec<String>,
}

/// Configures an [`Engine`]: profile directory, divisions CSV, limits.
#[derive(Debug, Default)]
pub struct EngineBuilder {
    profile_dir: Option<PathBuf>,
    divisions_csv: Option<PathBuf>,
    limits: Limits,
    category_model: Option<Arc<dyn LabelScorer>>,
    kind_model: Option<Arc<dyn LabelScorer>>,
    misconduct_model: Option<Arc<dyn LabelScorer>>,
    model_weight: Option<f32>,
    lexicon_only: bool,
    exact_models: bool,
    misconduct_threshold: Option<f32>,
}

impl EngineBuilder {
    /// Use the profile in `dir` instead of the embedded `zhuzhou` profile.
    pub fn profile_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.profile_dir = Some(dir.into());
        self
    }

    /// Use this divisions CSV (`code,name,level,parent_code`) instead of the embedded one.
    pub fn divisions_csv(mut self, path: impl Into<PathBuf>) -> Self {
        self.divisions_csv = Some(path.into());
        self
    }

    /// Override the limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Add a trained category scorer; its label set must equal the profile's categories.
    pub fn category_model(mut self, model: Arc<dyn LabelScorer>) -> Self {
        self.category_model = Some(model);
        self
    }

    /// Add a trained kind scorer; its labels must be the four kind ids, in any order.
    pub fn kind_model(mut self, model: Arc<dyn LabelScorer>) -> Self {
        self.kind_model = Some(model);
        self
    }

    /// Add a trained misconduct-flag scorer with the labels `no` and `yes`.
    pub fn misconduct_model(mut self, model: Arc<dyn LabelScorer>) -> Self {
        self.misconduct_model = Some(model);
        self
    }

    /// The models' share in the blend with the lexicon, in `0..=1` (default
    /// [`classify::MODEL_BLEND_WEIGHT`]; `1.0` lets the models alone decide kind, category and
    /// the misconduct flag). Values outside `0..=1` are clamped; NaN keeps the default.
    pub fn model_weight(mut self, weight: f32) -> Self {
        self.model_weight = (!weight.is_nan()).then(|| weight.clamp(0.0, 1.0));
        self
    }

    /// Use no trained model, neither the embedded ones nor a profile's: the lexicon alone
    /// decides (for comparisons, and for profiles whose models do not fit a new region).
    pub fn lexicon_only(mut self) -> Self {
        self.lexicon_only = true;
        self
    }

    /// The blended misconduct probability at which the flag is raised, in `0..=1` (default
    /// [`classify::MISCONDUCT_FLAG_THRESHOLD`]): lower finds more clues and raises more false
    /// alarms (`suqiu evaluate-triage --misconduct-threshold` shows the trade). Values outside
    /// `0..=1` are clamped; NaN keeps the default.
    ///
    /// ```
    /// let eager = suqiu::Engine::builder().misconduct_threshold(0.2).build()?;
    /// let t = eager.triage("村支书把低保名额都给了自己亲戚", None)?;
    /// assert!(t.misconduct.flag);
    /// # Ok::<(), suqiu::Error>(())
    /// ```
    pub fn misconduct_threshold(mut self, threshold: f32) -> Self {
        self.misconduct_threshold = (!threshold.is_nan()).then(|| threshold.clamp(0.0, 1.0));
        self
    }

    /// Score the trained models at full precision instead of through their fused, quantized
    /// table (slower; for measuring what the quantization changes).
    ///
    /// ```
    /// let exact = suqiu::Engine::builder().exact_models().build()?;
    /// let fast = suqiu::Engine::default();
    /// let text = "村支书把低保名额都给了自己亲戚";
    /// assert_eq!(exact.triage(text, None)?.kind, fast.triage(text, None)?.kind);
    /// # Ok::<(), suqiu::Error>(())
    /// ```
    pub fn exact_models(mut self) -> Self {
        self.exact_models = true;
        self
    }

    /// Builds the engine, validating every file.
    pub fn build(self) -> Result<Engine> {
        let profile = match &self.profile_dir {
            Some(d) => Profile::from_dir_with_limit(d, self.limits.max_file_bytes)?,
            None => Profile::embedded()?,
        };
        let gazetteer = match &self.divisions_csv {
            Some(p) => {
                Gazetteer::from_path_with_limit(p, &profile.aliases, self.limits.max_file_bytes)?
            }
            None => Gazetteer::from_csv(
                jurisdiction::gazetteer::EMBEDDED_DIVISIONS,
                "<embedded:zhuzhou-divisions.csv>",
                &profile.aliases,
            )?,
        };
        let load_warnings: Vec<String> = gazetteer
            .skipped_aliases()
            .iter()
            .map(|&i| {
                let (alias, code) = &profile.aliases[i];
                format!(
                    "{}:{}: alias {alias} names code {code}, which the divisions do not hold; skipped",
                    profile.aliases_source, profile.alias_lines[i]
                )
            })
            .collect();
        let routing_src = match &self.profile_dir {
            Some(d) => d.join("routing.toml").display().to_string(),
            None => "<embedded:zhuzhou>/routing.toml".into(),
        };
        let mut load_warnings = load_warnings;
        load_warnings.extend(
            profile
                .router
                .unknown_zone_codes(&gazetteer)
                .map(|(zone, code)| {
                    format!("{routing_src}: zone {zone}: township code {code} is not in the divisions; skipped")
                }),
        );
        // A profile directory may carry trained models (category.model, kind.model,
        // misconduct.model); the embedded profile carries the models trained on the corpus.
        let load_from_profile = |given: Option<Arc<dyn LabelScorer>>,
                                 file: &str|
         -> Result<Option<Arc<dyn LabelScorer>>> {
            if self.lexicon_only {
                return Ok(None);
            }
            if given.is_some() {
                return Ok(given);
            }
            match &self.profile_dir {
                Some(d) if d.join(file).exists() => Ok(Some(Arc::new(
                    crate::classify::model::TextModel::load(&d.join(file))?,
                ))),
                Some(_) => Ok(None),
                None => crate::profile::embedded_model(file),
            }
        };
        let category_model = load_from_profile(self.category_model.clone(), "category.model")?;
        let misconduct_model =
            match load_from_profile(self.misconduct_model.clone(), "misconduct.model")? {
                None => None,
                Some(m) => {
                    let labels = m.labels();
                    let yes = labels.iter().position(|l| l == "yes");
                    match yes {
                        Some(i) if labels.len() == 2 && labels.iter().any(|l| l == "no") => {
                            Some((m, i))
                        }
                        _ => {
                            return Err(Error::file(
                                ErrorKind::Model,
                                "<misconduct model>",
                                None,
                                "a misconduct model has exactly the labels \"no\" and \"yes\"",
                            ))
                        }
                    }
                }
            };
        let kind_model = match load_from_profile(self.kind_model.clone(), "kind.model")? {
            None => None,
            Some(m) => {
                let mut map = Vec::new();
                for l in m.labels() {
                    let i = Kind::ALL
                        .iter()
                        .position(|k| k.as_str() == l)
                        .ok_or_else(|| {
                            Error::file(
                                ErrorKind::Model,
                                "<kind model>",
                                None,
                                format!("label {l:?} is not a kind id"),
                            )
                        })?;
                    map.push(i);
                }
                Some((m, map))
            }
        };
        let category_model = match category_model {
            None => None,
            Some(m) => {
                let mut map = Vec::new();
                for l in m.labels() {
                    let i = profile
                        .category_ids
                        .iter()
                        .position(|c| c == l)
                        .ok_or_else(|| {
                            Error::file(
                                ErrorKind::Model,
                                "<category model>",
                                None,
                                format!("label {l:?} is not a category of the profile"),
                            )
                        })?;
                    map.push(i);
                }
                if map.len() != profile.category_ids.len() {
                    return Err(Error::file(
                        ErrorKind::Model,
                        "<category model>",
                        None,
                        "the model does not cover every category of the profile",
                    ));
                }
                Some((m, map))
            }
        };
        // Place names join jieba's dictionary only for regional gazetteers: adding 665k
        // national names would cost most of the load budget for little gain.
        let mut words: Vec<String> = profile.lexicon.terms().map(str::to_string).collect();
        if gazetteer.len() <= 50_000 {
            words.extend(gazetteer.dictionary_words());
        }
        let segmenter = Segmenter::new(words.iter().map(String::as_str));
        let fused_models = fuse_models([
            kind_model.as_ref().map(|m| &m.0),
            category_model.as_ref().map(|m| &m.0),
            misconduct_model.as_ref().map(|m| &m.0),
        ]);
        Ok(Engine {
            normalizer: Normalizer::new(),
            segmenter,
            profile,
            gazetteer,
            category_model,
            kind_model,
            misconduct_model,
            fused_models,
            exact_models: self.exact_models,
            misconduct_threshold: self
                .misconduct_threshold
                .unwrap_or(classify::MISCONDUCT_FLAG_THRESHOLD),
            model_weight: self.model_weight.unwrap_or(classify::MODEL_BLEND_WEIGHT),
            limits: self.limits,
            load_warnings,
        })
    }
}

/// The fused table of the kind, category and misconduct models when all three are present
/// and are the project's text models sharing feature settings.
fn fuse_models(
    models: [Option<&Arc<dyn LabelScorer>>; 3],
) -> Option<crate::classify::model::FusedModels> {
    let mut text_models = Vec::with_capacity(3);
    for m in models {
        text_models.push(m?.as_text_model()?);
    }
    crate::classify::model::FusedModels::new(&text_models)
}

impl Default for Engine {
    /// The embedded default: profile `zhuzhou` and the Zhuzhou gazetteer.
    fn default() -> Self {
        // The embedded data is validated by the test suite; failing here is a build defect.
        Engine::builder()
            .build()
            .expect("embedded default profile is valid")
    }
}

/// A division as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DivisionInfo {
    /// NBS code.
    pub code: String,
    /// Everyday name (银湖村).
    pub name: String,
    /// Its level.
    pub level: Level,
    /// Names from the province down to it.
    pub path: Vec<String>,
}

/// Another division a place mention may name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// NBS code.
    pub code: String,
    /// Everyday name.
    pub name: String,
    /// Its level.
    pub level: Level,
    /// Names from the province down.
    pub path: Vec<String>,
    /// The words of the text that named it.
    pub mention: String,
}

/// A place mention of the text that the resolved division rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaceMention {
    /// Start byte in the original text.
    pub start: usize,
    /// End byte in the original text.
    pub end: usize,
    /// The original text of the mention.
    pub text: String,
    /// The division it was read as (NBS code).
    pub code: String,
    /// That division's everyday name.
    pub name: String,
    /// That division's level.
    pub level: Level,
    /// When the mention was a former name (襄樊市 for 襄阳市; a township's old name also with
    /// 乡/镇 swapped, 跳马乡) or a profile alias: that name; `None` for a current name.
    pub former_name: Option<String>,
}

/// The result of [`Engine::locate`]: where a text (an address, a message) is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Location {
    /// The deepest division the engine is confident of.
    pub division: Option<DivisionInfo>,
    /// The codes from the province down to `division` (empty without one).
    pub chain: Vec<String>,
    /// 0..1.
    pub confidence: f32,
    /// A person should check this result (no division, or a low confidence).
    pub needs_review: bool,
    /// How the division was decided.
    pub basis: jurisdiction::Basis,
    /// The mentions the division rests on.
    pub mentions: Vec<PlaceMention>,
    /// Other divisions the text's place names may mean.
    pub candidates: Vec<Candidate>,
}

/// A span of the caller's original text that drove a decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// Start byte in the original text.
    pub start: usize,
    /// End byte in the original text.
    pub end: usize,
    /// The original text of the span (a few characters: stored inline, without allocating).
    pub text: CompactString,
    /// What it is evidence of: a kind, a category id, `place`, or `rank:<level>`.
    pub label: CompactString,
}

/// The misconduct flag and its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Misconduct {
    /// Misconduct evidence was found.
    pub flag: bool,
    /// The spans.
    pub evidence: Vec<Evidence>,
}

/// The result of triaging one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Triage {
    /// What the message is.
    pub kind: Kind,
    /// Its category id; `None` for `other`.
    pub category: Option<String>,
    /// Score per kind and per category id.
    pub scores: BTreeMap<String, f32>,
    /// Misconduct flag and evidence.
    pub misconduct: Misconduct,
    /// Where the problem is.
    pub division: Option<DivisionInfo>,
    /// Other divisions the text's place names may mean.
    pub candidates: Vec<Candidate>,
    /// Who handles it.
    pub route: Option<Route>,
    /// 0..1.
    pub confidence: f32,
    /// A person should check this result.
    pub needs_review: bool,
    /// Every span that drove the decision, in the original text's byte offsets.
    pub evidence: Vec<Evidence>,
    /// Which source decided the kind and the category (`lexicon`, `model`, `both`).
    pub decided_by: DecidedBy,
    /// What the caller should know about the input, such as a group code that was not used
    /// (JSON Lines only; [`Engine::triage`] rejects an unknown code instead). Omitted from the
    /// JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Which source decided each label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DecidedBy {
    /// For the kind.
    pub kind: Source,
    /// For the category.
    pub category: Source,
}

#[derive(Default)]
struct Scratch {
    normalized: Normalized,
    tokens: Vec<Token>,
    edges: segment::LazyEdges,
    mentions: Vec<RawMention>,
    /// Probabilities of the kind, category and misconduct models, in their label order.
    model_probs: [Vec<f32>; 3],
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// At most this many candidates are reported (a common name matches hundreds nationally).
const MAX_CANDIDATES: usize = 20;

/// Words at least this frequent in jieba's dictionary are never taken as bare place names.
const COMMON_WORD_FREQ: usize = 500;

/// Below this many characters a flagged grievance is a misconduct report (see `triage`).
const SHORT_ACCUSATION_CHARS: usize = 60;

fn round4(x: f32) -> f32 {
    (x * 10_000.0).round() / 10_000.0
}

/// The reported form of a division.
fn division_info(g: &Gazetteer, id: u32) -> DivisionInfo {
    DivisionInfo {
        code: g.code(id),
        name: g.display_name(id),
        level: g.level(id),
        path: g.path(id).into_iter().map(|p| g.display_name(p)).collect(),
    }
}

/// The other divisions the mentions may name (the chosen one left out), at most
/// [`MAX_CANDIDATES`]; `mention` gives the original text of a normalized span.
fn candidate_list(
    g: &Gazetteer,
    j: &jurisdiction::Jurisdiction,
    mention: impl Fn(usize, usize) -> String,
) -> Vec<Candidate> {
    let mut candidates = Vec::new();
    for c in &j.candidates {
        if Some(c.id) == j.division || candidates.len() >= MAX_CANDIDATES {
            continue;
        }
        let d = division_info(g, c.id);
        candidates.push(Candidate {
            code: d.code,
            name: d.name,
            level: d.level,
            path: d.path,
            mention: mention(c.span.0, c.span.1),
        });
    }
    candidates
}

impl Engine {
    /// A builder for a non-default engine.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The profile in use.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// What the build skipped, one sentence each, naming the file and line: the profile's
    /// aliases whose code the divisions do not hold (a profile for one region used with
    /// another region's divisions). Empty when nothing was skipped.
    pub fn load_warnings(&self) -> &[String] {
        &self.load_warnings
    }

    /// The gazetteer in use.
    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    /// The segmenter in use (for feature extraction).
    pub fn segmenter(&self) -> &Segmenter {
        &self.segmenter
    }

    /// The normalizer in use.
    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Triages one message posted in the group of `group_division` (an NBS code), if known.
    ///
    /// Errors: empty text, text over [`Limits::max_text_bytes`], an unknown group code.
    pub fn triage(&self, text: &str, group_division: Option<&str>) -> Result<Triage> {
        if text.trim().is_empty() {
            return Err(Error::InvalidInput("text is empty".into()));
        }
        let group = self.check_input(text, group_division)?;
        SCRATCH.with(|cell| {
            let mut guard = cell.borrow_mut();
            let s = &mut *guard;
            Ok(self.triage_with(text, group, s))
        })
    }

    fn triage_with(&self, text: &str, group: Option<u32>, s: &mut Scratch) -> Triage {
        let g = &self.gazetteer;
        self.normalizer.normalize_into(text, &mut s.normalized);
        let norm = &s.normalized;
        // Word edges are cut on demand, block by block (see `segment::LazyEdges`); a trained
        // model gets the full token list it may use as features.
        s.edges.reset(norm.text.len());
        s.tokens.clear();
        let needs_tokens = self.kind_model.as_ref().is_some_and(|m| m.0.needs_tokens())
            || self
                .category_model
                .as_ref()
                .is_some_and(|m| m.0.needs_tokens())
            || self
                .misconduct_model
                .as_ref()
                .is_some_and(|m| m.0.needs_tokens());
        if needs_tokens {
            self.segmenter.cut_into(&norm.text, &mut s.tokens);
        }
        let seg = &self.segmenter;
        let edges = &s.edges;
        let is_edge = |i: usize| edges.is_edge(seg, &norm.text, i);
        let mut cls = classify::classify(
            &self.profile.lexicon,
            &self.profile.category_ids,
            &norm.text,
            &is_edge,
        );
        let strong_misconduct = cls.kind == Kind::Misconduct
            && cls.misconduct_weight >= classify::STRONG_MISCONDUCT_WEIGHT;
        self.model_probabilities(&norm.text, &s.tokens, &mut s.model_probs);
        let [kind_p, category_p, misconduct_p] = &s.model_probs;
        // The models weigh the same at every length: trained on village-group posts too, they
        // read short posts better than the lexicon (docs/how-it-decides.md, "The blend").
        if let Some((_, map)) = &self.kind_model {
            let mut by_kind = [0f32; 4];
            for (p, &i) in kind_p.iter().zip(map) {
                by_kind[i] = *p;
            }
            let w = classify::kind_model_weight(self.model_weight, cls.kind_weight);
            self.blend_kind_model(&mut cls, &by_kind, w);
        }
        if let Some((_, map)) = &self.category_model {
            let mut by_category = vec![0f32; self.profile.category_ids.len()];
            for (p, &i) in category_p.iter().zip(map) {
                by_category[i] = *p;
            }
            let w = classify::category_model_weight(self.model_weight, cls.category_weight);
            self.blend_model(&mut cls, &by_category, w);
        }
        if let Some((model, yes)) = &self.misconduct_model {
            let lexicon = if cls.misconduct { 1.0 } else { 0.0 };
            let w = self.model_weight;
            let p = (1.0 - w) * lexicon + w * misconduct_p[*yes];
            // A misconduct report always carries the flag; the models alone raise it only when
            // an official or a public body is named (物业不作为 and 厂里老板扣工资 accuse nobody
            // the commission supervises, however much they read like a clue).
            cls.misconduct = (p >= self.misconduct_threshold && cls.official_named)
                || cls.kind == Kind::Misconduct;
            let lexicon_evidence = cls
                .hits
                .iter()
                .any(|h| h.label == classify::HitLabel::Kind(Kind::Misconduct));
            if cls.misconduct && !lexicon_evidence {
                // The models raised the flag alone: the flag model's strongest n-grams are the
                // evidence.
                for (a, b) in model.explain_spans(&norm.text, *yes, 3) {
                    cls.hits.push(classify::Hit {
                        start: a,
                        end: b,
                        label: classify::HitLabel::Kind(Kind::Misconduct),
                        weight: 0.0,
                    });
                }
            }
        }
        if strong_misconduct {
            cls.kind = Kind::Misconduct;
            cls.misconduct = true;
        }
        // An accusation is the point of a message that is otherwise nothing, or short:
        // 开会从来不通知我们，什么事都是书记一个人说了算 holds notice words but raises a cadre's
        // conduct; 鸡苗只发给了跟村长关系好的几户 is a clue for the commission, not a farming
        // grievance (annotation guide: the kind is misconduct when the accusation is the main
        // point). Longer letters that also accuse keep their grievance (dev fold: below 60
        // characters, 14 of the 24 grievances this turns were labelled misconduct; at 150, 21
        // of 40).
        if cls.misconduct
            && (cls.kind == Kind::Other
                || (cls.kind == Kind::Grievance
                    && norm.text.chars().count() < SHORT_ACCUSATION_CHARS))
        {
            cls.kind = Kind::Misconduct;
        }
        // When misconduct is the point, the topic is the conduct of officials (annotation
        // guide; 315 of the corpus's 337 misconduct reports).
        if cls.kind == Kind::Misconduct {
            if let Some(c) = self
                .profile
                .category_ids
                .iter()
                .find(|c| c.as_str() == classify::CADRE_CONDUCT)
            {
                cls.category = Some(c.clone());
            }
        }
        let near_city = group.and_then(|grp| g.ancestor_at(grp, Level::City));
        g.find_mentions(
            &norm.text,
            near_city,
            &is_edge,
            &|w| seg.word_frequency(w) >= COMMON_WORD_FREQ,
            &mut s.mentions,
        );
        let mut juris = jurisdiction::resolve(g, &s.mentions, group);
        jurisdiction::deepen(g, &norm.text, &mut juris, &|w| {
            seg.word_frequency(w) >= COMMON_WORD_FREQ
        });
        let route = if cls.kind == Kind::Other {
            None
        } else {
            self.profile.router.route(
                g,
                cls.kind,
                cls.category.as_deref(),
                juris.division,
                cls.rank,
            )
        };

        let span = |a: usize, b: usize, label: &str| {
            let (os, oe) = norm.original_span(a, b);
            Evidence {
                start: os,
                end: oe,
                text: CompactString::from(&text[os..oe]),
                label: CompactString::from(label),
            }
        };
        let mut evidence: Vec<Evidence> = cls
            .hits
            .iter()
            .map(|h| span(h.start, h.end, h.label.name(&self.profile.category_ids)))
            .collect();
        evidence.extend(juris.evidence.iter().map(|&(a, b)| span(a, b, "place")));
        evidence.sort_by_key(|e| (e.start, e.end));
        let misconduct_evidence = if cls.misconduct {
            evidence
                .iter()
                .filter(|e| e.label == "misconduct" || e.label.starts_with("rank:"))
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        let info = |id: u32| division_info(g, id);
        let candidates = candidate_list(g, &juris, |a, b| {
            let (os, oe) = norm.original_span(a, b);
            text[os..oe].to_string()
        });
        let mut scores = BTreeMap::new();
        for (k, v) in Kind::ALL.iter().zip(cls.kind_scores) {
            scores.insert(k.as_str().to_string(), round4(v));
        }
        for (c, v) in self.profile.category_ids.iter().zip(&cls.category_scores) {
            scores.insert(c.clone(), round4(*v));
        }
        let confidence = round4(cls.confidence.min(juris.confidence));
        let needs_review = confidence < 0.5
            || juris.division.is_none()
            || (cls.kind != Kind::Other && cls.category.is_none());
        Triage {
            kind: cls.kind,
            category: cls.category,
            scores,
            misconduct: Misconduct {
                flag: cls.misconduct,
                evidence: misconduct_evidence,
            },
            division: juris.division.map(info),
            candidates,
            route,
            confidence,
            needs_review,
            evidence,
            decided_by: DecidedBy {
                kind: cls.kind_source,
                category: cls.category_source,
            },
            warnings: Vec::new(),
        }
    }

    /// Each present model's probabilities for `text` into `out` (kind, category, misconduct);
    /// the embedded models share one pass over the text's n-grams.
    fn model_probabilities(&self, text: &str, tokens: &[Token], out: &mut [Vec<f32>; 3]) {
        let models = [
            self.kind_model.as_ref().map(|m| &m.0),
            self.category_model.as_ref().map(|m| &m.0),
            self.misconduct_model.as_ref().map(|m| &m.0),
        ];
        if let (Some(fused), false) = (&self.fused_models, self.exact_models) {
            fused.predict_normalized(text, out);
            return;
        }
        let text_models = models.map(|m| m.and_then(|m| m.as_text_model()));
        if models
            .iter()
            .zip(&text_models)
            .all(|(m, t)| m.is_some() == t.is_some())
        {
            crate::classify::model::TextModel::predict_together(&text_models, text, out);
            return;
        }
        for (m, o) in models.iter().zip(out.iter_mut()) {
            o.clear();
            if let Some(m) = m {
                o.resize(m.labels().len(), 0.0);
                m.scores(text, tokens, o);
            }
        }
    }

    fn blend_kind_model(&self, cls: &mut Classification, model: &[f32; 4], w: f32) {
        let blended = classify::blend(&cls.kind_scores, model, w);
        // No official named, no misconduct report, whatever the model reads into 不作为.
        let eligible = |k: usize| cls.official_named || Kind::ALL[k] != Kind::Misconduct;
        let best = blended
            .iter()
            .enumerate()
            .filter(|(k, _)| eligible(*k))
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(3, |(i, _)| i);
        let kind = Kind::ALL[best];
        cls.kind_source = if kind == cls.kind {
            Source::Both
        } else {
            Source::Model
        };
        if kind != cls.kind {
            cls.category = match kind {
                Kind::Other => None,
                _ => cls
                    .category_scores
                    .iter()
                    .enumerate()
                    .filter(|(_, &x)| x > 0.0)
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .map(|(i, _)| self.profile.category_ids[i].clone()),
            };
            cls.kind = kind;
        }
        cls.kind_scores = [blended[0], blended[1], blended[2], blended[3]];
        cls.confidence = cls.confidence.max(blended[best]).min(1.0);
    }

    fn blend_model(&self, cls: &mut Classification, model: &[f32], w: f32) {
        let lex_best = cls.category.clone();
        let blended = classify::blend(&cls.category_scores, model, w);
        // Nor is the topic the conduct of officials when none is named (厂里老板收押金).
        let eligible = |c: usize| {
            cls.official_named || self.profile.category_ids[c] != classify::CADRE_CONDUCT
        };
        let best = blended
            .iter()
            .enumerate()
            .filter(|(c, _)| eligible(*c))
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i);
        if cls.category_decided && cls.category.is_some() {
            cls.category_source = Source::Lexicon;
        } else if let (Some(i), true) = (best, cls.kind != Kind::Other) {
            let id = self.profile.category_ids[i].clone();
            cls.category_source = if lex_best.as_deref() == Some(id.as_str()) {
                Source::Both
            } else {
                Source::Model
            };
            cls.category = Some(id);
            cls.confidence = cls.confidence.max(blended[i]);
        }
        cls.category_scores = blended;
    }

    /// Checks the message length and resolves the group's code (blank means none).
    fn check_input(&self, text: &str, group_division: Option<&str>) -> Result<Option<u32>> {
        if text.len() > self.limits.max_text_bytes {
            return Err(Error::LimitExceeded {
                what: "message length in bytes",
                limit: self.limits.max_text_bytes,
                actual: text.len(),
            });
        }
        match group_division {
            None => Ok(None),
            Some(c) if c.trim().is_empty() => Ok(None),
            Some(c) => {
                self.gazetteer
                    .find_code(c)
                    .map(Some)
                    .ok_or_else(|| Error::UnknownDivision {
                        code: c.to_string(),
                    })
            }
        }
    }

    /// Resolves only the jurisdiction of a message (normalize, find places, resolve): the
    /// division, its chain, the mentions that decided it and the other candidates, without
    /// classification or routing. This is the address-cleaning entry point.
    ///
    /// Errors: text over [`Limits::max_text_bytes`], an unknown group code. Empty text is
    /// not an error here: it names no place.
    pub fn locate(&self, text: &str, group_division: Option<&str>) -> Result<Location> {
        let group = self.check_input(text, group_division)?;
        SCRATCH.with(|cell| {
            let mut guard = cell.borrow_mut();
            let s = &mut *guard;
            let g = &self.gazetteer;
            self.normalizer.normalize_into(text, &mut s.normalized);
            s.edges.reset(s.normalized.text.len());
            let near_city = group.and_then(|grp| g.ancestor_at(grp, Level::City));
            let seg = &self.segmenter;
            let (edges, norm) = (&s.edges, &s.normalized.text);
            g.find_mentions(
                &s.normalized.text,
                near_city,
                &|i| edges.is_edge(seg, norm, i),
                &|w| seg.word_frequency(w) >= COMMON_WORD_FREQ,
                &mut s.mentions,
            );
            let mut j = jurisdiction::resolve(g, &s.mentions, group);
            jurisdiction::deepen(g, norm, &mut j, &|w| {
                seg.word_frequency(w) >= COMMON_WORD_FREQ
            });
            let norm = &s.normalized;
            let original = |a: usize, b: usize| {
                let (os, oe) = norm.original_span(a, b);
                (os, oe, text[os..oe].to_string())
            };
            let mentions = j
                .used
                .iter()
                .map(|u| {
                    let (start, end, t) = original(u.span.0, u.span.1);
                    PlaceMention {
                        start,
                        end,
                        text: t,
                        code: g.code(u.id),
                        name: g.display_name(u.id),
                        level: g.level(u.id),
                        former_name: u.former.map(|f| g.former_name(f).to_string()),
                    }
                })
                .collect();
            let candidates = candidate_list(g, &j, |a, b| original(a, b).2);
            let confidence = round4(j.confidence);
            Ok(Location {
                division: j.division.map(|id| division_info(g, id)),
                chain: j
                    .division
                    .map(|id| g.path(id).into_iter().map(|p| g.code(p)).collect())
                    .unwrap_or_default(),
                confidence,
                needs_review: j.division.is_none() || confidence < 0.5,
                basis: j.basis,
                mentions,
                candidates,
            })
        })
    }

    /// Triages many messages on `threads` threads (all cores when `None`); one result per
    /// input, in order. More than [`Limits::max_batch_items`] messages is an error.
    pub fn triage_batch<'a>(
        &self,
        items: &[(&'a str, Option<&'a str>)],
        threads: Option<usize>,
    ) -> Result<Vec<Result<Triage>>> {
        use rayon::prelude::*;
        if items.len() > self.limits.max_batch_items {
            return Err(Error::LimitExceeded {
                what: "messages in one batch",
                limit: self.limits.max_batch_items,
                actual: items.len(),
            });
        }
        let run = || {
            items
                .par_iter()
                .map(|(t, g)| self.triage(t, *g))
                .collect::<Vec<_>>()
        };
        Ok(match threads {
            Some(1) => items.iter().map(|(t, g)| self.triage(t, *g)).collect(),
            // The global pool already has that many threads: no pool (and no cold thread-local
            // scratch) to build per call.
            Some(n) if n == rayon::current_num_threads() => run(),
            Some(n) => match rayon::ThreadPoolBuilder::new().num_threads(n).build() {
                Ok(pool) => pool.install(run),
                Err(_) => run(),
            },
            None => run(),
        })
    }
}

/// Loads an engine from optional paths (used by the CLI and the bindings).
pub fn engine_from_paths(profile: Option<&Path>, divisions: Option<&Path>) -> Result<Engine> {
    let mut b = Engine::builder();
    if let Some(p) = profile {
        b = b.profile_dir(p);
    }
    if let Some(d) = divisions {
        b = b.divisions_csv(d);
    }
    b.build()
}
