//! Stage 3, classify: normalized text and its words in; a [`Classification`] out — the kind,
//! the category, a score per label, the misconduct flag, the implicated official's rank and
//! the lexicon hits that drove them.
//!
//! The lexicon works from zero data. A trained model plugs in through [`LabelScorer`]: its
//! probabilities are blended with the lexicon's (see [`blend`]), and the evidence records
//! which source decided.

pub mod lexicon;
pub mod model;

use crate::jurisdiction::Level;
use crate::segment::Token;
pub use lexicon::{Cue, Lexicon, WHOLE_TERM_MAX_STRADDLE_SHARE, WHOLE_TERM_MIN_SEEN};

/// What a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// 问题线索: misconduct of an official or cadre.
    Misconduct,
    /// 民生诉求: a livelihood problem someone must fix.
    Grievance,
    /// 政策咨询: a question about a policy or procedure.
    Inquiry,
    /// 其他: chatter, thanks, notices.
    Other,
}

impl Kind {
    /// All kinds, in a fixed order.
    pub const ALL: [Kind; 4] = [
        Kind::Misconduct,
        Kind::Grievance,
        Kind::Inquiry,
        Kind::Other,
    ];

    /// The stable id (`misconduct`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Misconduct => "misconduct",
            Kind::Grievance => "grievance",
            Kind::Inquiry => "inquiry",
            Kind::Other => "other",
        }
    }

    /// Parses a stable id.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

/// A lexicon hit that counted.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Byte span in the normalized text.
    pub start: usize,
    /// End of the span.
    pub end: usize,
    /// The label it supported.
    pub label: HitLabel,
    /// Its weight.
    pub weight: f32,
}

/// What a lexicon hit supported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitLabel {
    /// A kind.
    Kind(Kind),
    /// A category, by index in the profile's categories.
    Category(u16),
    /// The implicated official's post.
    Rank(Level),
}

impl HitLabel {
    /// The label as reported in evidence: a kind id, a category id, or `rank:<level>`.
    pub fn name<'a>(&self, categories: &'a [String]) -> &'a str {
        match self {
            HitLabel::Kind(k) => k.as_str(),
            HitLabel::Category(c) => categories.get(*c as usize).map_or("", String::as_str),
            HitLabel::Rank(Level::Village) => "rank:village",
            HitLabel::Rank(Level::Township) => "rank:township",
            HitLabel::Rank(Level::County) => "rank:county",
            HitLabel::Rank(_) => "rank:city",
        }
    }
}

/// A trained scorer for a label set (the seam for the classifier issue).
pub trait LabelScorer: Send + Sync + std::fmt::Debug {
    /// The labels, in the order of `scores`.
    fn labels(&self) -> &[String];
    /// Probabilities per label for the normalized `text` with its `tokens`, written to `out`
    /// (`out.len() == labels().len()`).
    fn scores(&self, text: &str, tokens: &[Token], out: &mut [f32]);
    /// The scorer as a [`model::TextModel`], when it is one (lets several models share one
    /// pass over a text's n-grams).
    fn as_text_model(&self) -> Option<&model::TextModel> {
        None
    }
    /// Whether [`scores`](Self::scores) reads `tokens` (a jieba cut of the whole text, which
    /// the engine otherwise skips).
    fn needs_tokens(&self) -> bool {
        true
    }
    /// Up to `k` byte spans of `text` that pushed most towards `label` (evidence for a
    /// decision the lexicon did not make). The default explains nothing.
    fn explain_spans(&self, text: &str, label: usize, k: usize) -> Vec<(usize, usize)> {
        let _ = (text, label, k);
        Vec::new()
    }
}

/// Which source decided a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The weighted lexicon.
    Lexicon,
    /// A trained model.
    Model,
    /// Both agreed.
    Both,
}

/// The classifier's output.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// The primary kind.
    pub kind: Kind,
    /// The category id (None for `other`).
    pub category: Option<String>,
    /// Probability-like score per kind (in `Kind::ALL` order).
    pub kind_scores: [f32; 4],
    /// Probability-like score per category (in the profile's order).
    pub category_scores: Vec<f32>,
    /// Misconduct evidence was found (whatever the kind).
    pub misconduct: bool,
    /// Summed weight of the misconduct cues (0 when no official is named as the actor).
    pub misconduct_weight: f32,
    /// Summed weight of the cues of the lexicon's best category (0 when none).
    pub category_weight: f32,
    /// Whether the best category rests on one cue of at least [`DECISIVE_CATEGORY_CUE`].
    pub category_decided: bool,
    /// Summed weight of the cues of the lexicon's kind (0 when it decided on no cue).
    pub kind_weight: f32,
    /// The highest post of an implicated official, if named.
    pub rank: Option<Level>,
    /// Whether an official or a public body is named (a rank or actor word, a …局/…委): a
    /// misconduct flag needs one, whoever raises it.
    pub official_named: bool,
    /// The hits that counted.
    pub hits: Vec<Hit>,
    /// 0..1: how sure the classifier is.
    pub confidence: f32,
    /// Which source decided the category.
    pub category_source: Source,
    /// Which source decided the kind.
    pub kind_source: Source,
}

/// Thresholds of the lexicon decision, in summed term weight.
const MISCONDUCT_MIN: f32 = 2.0;
const OTHER_MIN: f32 = 2.0;
const INQUIRY_MIN: f32 = 1.5;
/// Without any topic term, a grievance or an inquiry needs an explicit word of this weight
/// (投诉, 举报, 多次反映, 请问, 咨询): most topic-less lines in a group are chatter.
const EXPLICIT_MIN: f32 = 3.0;
/// The share of a nothing-raised line's kind scores moved to `other` (chosen on a training
/// fold: 1.0 lost 2 points of kind accuracy on short message-board titles, 0.5 kept chatter).
const NOTHING_RAISED_OTHER_SHARE: f32 = 0.5;
/// The category id that means "the conduct of officials"; with no official named in a
/// message it is never its topic. A profile without it is unaffected.
pub const CADRE_CONDUCT: &str = "cadre_conduct";
/// How far back (in characters) a negator cancels a kind cue: 没有人管 vs 没有问题.
const NEGATION_WINDOW_CHARS: usize = 3;

/// Weight given to a trained model's probabilities when blending with the lexicon's.
pub const MODEL_BLEND_WEIGHT: f32 = 0.8;

/// A category's lexicon cues summing to this weight (five to ten specific terms) halve a
/// model's say over the category: 卖过期食品 is food safety however a shop dispute around it
/// reads to a model trained on city letters. See [`category_model_weight`].
pub const STRONG_CATEGORY_WEIGHT: f32 = 25.0;

/// A single cue of at least this weight decides the category whatever a model says. Only the
/// profile's behaviour patterns carry it: a field left full of poles and pits after works is
/// land (the seed story), a leaking canal farming water, a bridge the flood took a road —
/// however much the words around them (电线杆, 田, 洪水) read like another topic to a model.
pub const DECISIVE_CATEGORY_CUE: f32 = 8.0;

/// The model weight for the category, given the model weight `w` for the message and the
/// summed weight of the lexicon's best category: `w · (1 − ½·min(1, weight / STRONG))`.
///
/// ```
/// use suqiu::classify::category_model_weight;
/// assert_eq!(category_model_weight(0.8, 0.0), 0.8);
/// assert_eq!(category_model_weight(0.8, 50.0), 0.4);
/// ```
pub fn category_model_weight(w: f32, lexicon_weight: f32) -> f32 {
    evidence_model_weight(w, lexicon_weight, STRONG_CATEGORY_WEIGHT)
}

/// The same for the kind, with [`STRONG_KIND_WEIGHT`]: 路修好了，还装了路灯，谢谢区城管局 is
/// thanks, however much road it mentions.
pub fn kind_model_weight(w: f32, lexicon_weight: f32) -> f32 {
    evidence_model_weight(w, lexicon_weight, STRONG_KIND_WEIGHT)
}

fn evidence_model_weight(w: f32, lexicon_weight: f32, strong: f32) -> f32 {
    if w >= 1.0 {
        return w;
    }
    w * (1.0 - 0.5 * (lexicon_weight / strong).min(1.0))
}

/// Kind cues summing to this weight halve a model's say over the kind (see
/// [`kind_model_weight`]).
pub const STRONG_KIND_WEIGHT: f32 = 12.0;

/// Misconduct cues of at least this summed weight, with an official as the actor, decide the
/// flag (and a misconduct kind) whatever a model says: 要我们买 + 和气生财 + 村主任 is not a
/// phrasing the models saw often enough to trust them over it.
pub const STRONG_MISCONDUCT_WEIGHT: f32 = 5.0;

/// The misconduct flag is set when `(1-w)·lexicon flag + w·P(yes)` reaches this. Chosen on the
/// dev fold (models trained without it): 0.5 found 53.5% of the flagged reports at precision
/// 0.80, 0.4 finds 60.5% at 0.74 (best F1; 0.3: 67.8% at 0.64). A missed clue costs the
/// commission more than a clerk's second look.
pub const MISCONDUCT_FLAG_THRESHOLD: f32 = 0.4;

/// Blends lexicon and model probabilities: `(1-w)·lexicon + w·model`, renormalized.
pub fn blend(lexicon: &[f32], model: &[f32], w: f32) -> Vec<f32> {
    let mut out: Vec<f32> = lexicon
        .iter()
        .zip(model)
        .map(|(l, m)| (1.0 - w) * l + w * m)
        .collect();
    let s: f32 = out.iter().sum();
    if s > 0.0 {
        out.iter_mut().for_each(|x| *x /= s);
    }
    out
}

/// Scores `text` with the lexicon.
///
/// `is_edge(i)` says whether normalized byte `i` is a word edge; short (two-character)
/// terms that straddle a word edge are ignored (要烟 in 需要烟花).
pub fn classify(
    lexicon: &Lexicon,
    categories: &[String],
    text: &str,
    is_edge: &dyn Fn(usize) -> bool,
) -> Classification {
    let mut kind_raw = [0f32; 4];
    let mut cat_raw = vec![0f32; categories.len()];
    // One-character terms (沟, 坑, 路) add to a label only when a longer term supports it
    // too, and only as a word of their own; both are checked after the scan, so that the word
    // edges (a jieba cut) are asked for only where a hit could count.
    let mut pending_single: Vec<(usize, usize, usize, bool)> = Vec::new();
    let mut rank: Option<Level> = None;
    let mut actor = false;
    let mut hits = Vec::new();
    let mut last_negator_end: Option<usize> = None;
    // An official greeted in the salutation (钟局长:您好, 尊敬的市委书记:) is the addressee, not
    // the actor: officials named there do not make the message name one.
    let greeted = salutation_end(text);
    for m in lexicon.automaton.find_iter(text) {
        let (s, e) = (m.start(), m.end());
        let pattern = m.pattern().as_usize();
        let single = lexicon.single_char[pattern];
        if lexicon.edge_checked[pattern] && straddles_word(is_edge, text, s, e) {
            continue;
        }
        // Only the nearest negator before the hit matters, and only within a few characters.
        let negated = last_negator_end.is_some_and(|ne| {
            ne <= s
                && s - ne <= 4 * NEGATION_WINDOW_CHARS
                && text[ne..s].chars().count() <= NEGATION_WINDOW_CHARS
        });
        if single {
            // Negators (不, 没) act at once, as they always did; the rest waits.
            if lexicon.entries[pattern]
                .iter()
                .any(|en| en.cue == Cue::Negation)
            {
                last_negator_end = Some(e);
            }
            pending_single.push((s, e, pattern, negated));
            continue;
        }
        for entry in &lexicon.entries[pattern] {
            match entry.cue {
                Cue::Negation => last_negator_end = Some(e),
                Cue::Kind(k) => {
                    let kind = Kind::ALL[k as usize];
                    if negated && matches!(kind, Kind::Misconduct | Kind::Grievance) {
                        continue;
                    }
                    kind_raw[k as usize] += entry.weight;
                    hits.push(Hit {
                        start: s,
                        end: e,
                        label: HitLabel::Kind(kind),
                        weight: entry.weight,
                    });
                }
                Cue::Category(c) => {
                    cat_raw[c as usize] += entry.weight;
                    hits.push(Hit {
                        start: s,
                        end: e,
                        label: HitLabel::Category(c),
                        weight: entry.weight,
                    });
                }
                Cue::Actor if e <= greeted => {}
                Cue::Actor => actor = true,
                Cue::Rank(level) => {
                    if negated || e <= greeted {
                        continue;
                    }
                    actor = true;
                    rank = Some(match rank {
                        Some(r) if r < level => r,
                        _ => level,
                    });
                    hits.push(Hit {
                        start: s,
                        end: e,
                        label: HitLabel::Rank(level),
                        weight: entry.weight,
                    });
                }
            }
        }
    }
    // The profile's patterns: phrasings a term list cannot hold.
    if let Some(p) = &lexicon.patterns {
        // Each expression on its own rather than one RegexSet: a single regex searches with a
        // literal prefilter (被, 收|拿|要…), so most texts are rejected without a DFA
        // (callgrind, 1,000 board messages: 154k → 66k instructions per message); and only
        // the expressions whose first and last literals both occur search at all.
        p.for_each_match(text, |start, end, entry| {
            let label = match entry.cue {
                Cue::Kind(k) => {
                    kind_raw[k as usize] += entry.weight;
                    HitLabel::Kind(Kind::ALL[k as usize])
                }
                Cue::Category(c) => {
                    cat_raw[c as usize] += entry.weight;
                    HitLabel::Category(c)
                }
                Cue::Actor => {
                    actor |= end > greeted;
                    return;
                }
                Cue::Rank(_) if end <= greeted => return,
                Cue::Rank(level) => {
                    actor = true;
                    rank = Some(match rank {
                        Some(r) if r < level => r,
                        _ => level,
                    });
                    HitLabel::Rank(level)
                }
                Cue::Negation => return,
            };
            hits.push(Hit {
                start,
                end,
                label,
                weight: entry.weight,
            });
        });
    }
    // Single-character support joins only labels a longer term already supports, and only
    // as a word of its own (沟 in 沟通, 塘 in a place name do not count).
    let (kind_multi, cat_multi) = (kind_raw, cat_raw.clone());
    for (s, e, pattern, negated) in pending_single {
        let mut whole_word = None;
        for entry in &lexicon.entries[pattern] {
            let label = match entry.cue {
                Cue::Kind(k) if kind_multi[k as usize] > 0.0 => {
                    let kind = Kind::ALL[k as usize];
                    if negated && matches!(kind, Kind::Misconduct | Kind::Grievance) {
                        continue;
                    }
                    HitLabel::Kind(kind)
                }
                Cue::Category(c) if cat_multi[c as usize] > 0.0 => HitLabel::Category(c),
                _ => continue,
            };
            if !*whole_word.get_or_insert_with(|| is_edge(s) && is_edge(e)) {
                break;
            }
            match label {
                HitLabel::Kind(k) => kind_raw[k as usize] += entry.weight,
                HitLabel::Category(c) => cat_raw[c as usize] += entry.weight,
                HitLabel::Rank(_) => {}
            }
            hits.push(Hit {
                start: s,
                end: e,
                label,
                weight: entry.weight,
            });
        }
    }
    // Misconduct needs an official as the actor: a company's 克扣工资 or a property firm's
    // 不作为 is a grievance.
    if !actor {
        actor = names_public_body(&text[greeted..]);
    }
    // Nor is an accusation misconduct when its clause is about a company or a private party:
    // 物业公司视而不见, 开发商侵占, 业主私自封闭 accuse nobody the commission supervises.
    drop_private_accusations(text, categories, &mut kind_raw, &mut cat_raw, &mut hits);
    if !actor {
        let mis = std::mem::take(&mut kind_raw[0]);
        kind_raw[1] += mis;
        hits.retain(|h| h.label != HitLabel::Kind(Kind::Misconduct));
        // Nor is the topic the conduct of officials.
        if let Some(c) = categories.iter().position(|c| c == CADRE_CONDUCT) {
            cat_raw[c] = 0.0;
            hits.retain(|h| h.label != HitLabel::Category(c as u16));
        }
    }
    decide(categories, kind_raw, cat_raw, rank, actor, hits)
}

/// Words that open a salutation (尊敬的…, 致…) or end one (…局长, …书记, …领导), before its
/// colon or its 您好.
const SALUTATION_OPENERS: [&str; 4] = ["尊敬的", "致", "亲爱的", "各位"];
const SALUTATION_TITLES: [&str; 22] = [
    "领导", "书记", "局长", "市长", "县长", "区长", "主任", "厅长", "部长", "镇长", "乡长", "同志",
    "委", "组", "局", "政府", "处", "办", "主席", "省长", "队长", "所长",
];
/// How far into a message (in characters) a salutation can end.
const SALUTATION_MAX_CHARS: usize = 24;

/// The byte offset where the message's salutation ends (0 when it has none): `钟局长:您好!`,
/// `尊敬的市委、市纪委驻市公安局纪检组:`, `县长:您好!`, `宋书记,你好!`. A salutation is the text
/// before the first colon or 您好/你好 within the first [`SALUTATION_MAX_CHARS`] characters,
/// when it opens with 尊敬的/致 or ends with a title or body (局长, 书记, 领导, …局, …委).
///
/// ```
/// use suqiu::classify::salutation_end;
/// assert_eq!(salutation_end("钟局长:您好!开发商侵占了出入口"), "钟局长:您好!".len());
/// assert_eq!(salutation_end("村支书贪污低保款"), 0);
/// ```
pub fn salutation_end(text: &str) -> usize {
    let mut end = None;
    for (n, (i, c)) in text.char_indices().enumerate() {
        if n > SALUTATION_MAX_CHARS {
            break;
        }
        if c == ':' {
            end = Some((i, i + 1));
            break;
        }
        if text[i..].starts_with("您好") || text[i..].starts_with("你好") {
            end = Some((i, i + "您好".len()));
            break;
        }
        if matches!(c, '.' | '!' | '?' | ';') {
            break;
        }
    }
    let Some((head_end, mut after)) = end else {
        return 0;
    };
    let head = text[..head_end].trim_end_matches([',', ' ', ':']);
    let head = head.trim_start();
    if head.is_empty()
        || !(SALUTATION_OPENERS.iter().any(|o| head.starts_with(o))
            || SALUTATION_TITLES.iter().any(|t| head.ends_with(t)))
    {
        return 0;
    }
    // A greeting that follows the colon (钟局长:您好!) belongs to the salutation too.
    let rest = &text[after..];
    let skipped = rest.trim_start_matches([' ', ',', '!', ':']);
    for g in ["您好", "你好"] {
        if let Some(r) = skipped.strip_prefix(g) {
            after = text.len() - r.trim_start_matches([' ', ',', '!', '.', ':']).len();
            return after;
        }
    }
    after
}

/// Parties that are not public bodies: a clause that names one of them before its accusation
/// (物业公司视而不见, 开发商侵占, 业主私自封闭, 公司克扣) accuses no official.
const PRIVATE_PARTIES: [&str; 16] = [
    "物业",
    "开发商",
    "公司",
    "业主",
    "业委会",
    "老板",
    "厂家",
    "商家",
    "房东",
    "邻居",
    "承包商",
    "包工头",
    "施工方",
    "施工队",
    "培训机构",
    "沙场",
];
/// Words that name an official or a public body inside such a clause (then it stays).
const PUBLIC_IN_CLAUSE: [&str; 16] = [
    "政府",
    "局",
    "委",
    "部门",
    "干部",
    "书记",
    "主任",
    "村",
    "镇",
    "乡",
    "街道",
    "社区",
    "城管",
    "派出所",
    "领导",
    "所长",
];
/// How far back (in characters) the clause of an accusation is read for its subject.
const CLAUSE_BACK_CHARS: usize = 16;

/// Drops misconduct cues (and the conduct-of-officials topic at the same spans) whose clause
/// names a private party before them and no official: see [`PRIVATE_PARTIES`]. Their weight
/// goes to `grievance`, as for a message that names no official at all.
fn drop_private_accusations(
    text: &str,
    categories: &[String],
    kind_raw: &mut [f32; 4],
    cat_raw: &mut [f32],
    hits: &mut Vec<Hit>,
) {
    let cadre = categories
        .iter()
        .position(|c| c == CADRE_CONDUCT)
        .map(|c| c as u16);
    let mut dropped: Vec<(usize, usize)> = Vec::new();
    for h in hits.iter() {
        if h.label != HitLabel::Kind(Kind::Misconduct) {
            continue;
        }
        let before = &text[..h.start];
        let clause_start = before
            .char_indices()
            .rev()
            .take(CLAUSE_BACK_CHARS)
            .take_while(|(_, c)| !matches!(c, ',' | '.' | '!' | '?' | ';' | ':'))
            .last()
            .map_or(h.start, |(i, _)| i);
        let clause = &text[clause_start..h.start];
        if PRIVATE_PARTIES.iter().any(|p| clause.contains(p))
            && !PUBLIC_IN_CLAUSE.iter().any(|p| clause.contains(p))
        {
            dropped.push((h.start, h.end));
        }
    }
    if dropped.is_empty() {
        return;
    }
    hits.retain(|h| {
        let private = dropped.contains(&(h.start, h.end));
        match h.label {
            HitLabel::Kind(Kind::Misconduct) if private => {
                kind_raw[0] -= h.weight;
                kind_raw[1] += h.weight;
                false
            }
            HitLabel::Category(c) if private && Some(c) == cadre => {
                cat_raw[c as usize] -= h.weight;
                false
            }
            _ => true,
        }
    });
    kind_raw[0] = kind_raw[0].max(0.0);
    for c in cat_raw.iter_mut() {
        *c = c.max(0.0);
    }
}

/// Whether `text` names a government body by its suffix: …局 (园林局, 城管执法局) and …委
/// (卫计委, 县委), which no lexicon can list one by one. 局 in 格局, 结局, 饭局, 局面, 局部 and
/// 委 in 委屈, 委托 do not count.
pub fn names_public_body(text: &str) -> bool {
    const NOT_BEFORE_JU: &str = "格结布饭大全骗赌棋牌僵终开出残当";
    const NOT_AFTER_JU: &str = "面部势限促";
    const BEFORE_WEI: &str = "市县区省纪卫计教建改信农村党员宣组法经财商管";
    const NOT_AFTER_WEI: &str = "屈托婉曲身";
    // Most texts hold neither character: a byte search settles them without decoding.
    if !text.contains('局') && !text.contains('委') {
        return false;
    }
    let mut before: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let after = chars.peek().copied();
        let names_body = match c {
            '局' => {
                before.is_some_and(|b| !NOT_BEFORE_JU.contains(b) && !b.is_ascii_punctuation())
                    && !after.is_some_and(|a| NOT_AFTER_JU.contains(a))
            }
            '委' => {
                before.is_some_and(|b| BEFORE_WEI.contains(b))
                    && !after.is_some_and(|a| NOT_AFTER_WEI.contains(a))
            }
            _ => false,
        };
        if names_body {
            return true;
        }
        before = Some(c);
    }
    false
}

/// A two-character hit `s..e` straddles words when its ends are not both word edges and its
/// middle is one (要烟 in 需要|烟花).
pub fn straddles_word(is_edge: &dyn Fn(usize) -> bool, text: &str, s: usize, e: usize) -> bool {
    let mid = text[s..e].chars().next().map_or(e, |c| s + c.len_utf8());
    if mid >= e {
        return false;
    }
    is_edge(mid) && !(is_edge(s) && is_edge(e))
}

fn decide(
    categories: &[String],
    kind_raw: [f32; 4],
    cat_raw: Vec<f32>,
    rank: Option<Level>,
    official_named: bool,
    hits: Vec<Hit>,
) -> Classification {
    let [mis, griev, inq, other] = kind_raw;
    let topic: f32 = cat_raw.iter().sum();
    let misconduct = mis >= MISCONDUCT_MIN;
    // A topic alone (路灯, 水渠) is weak evidence that something is being raised.
    let misconduct_primary = misconduct && mis >= griev;
    let grievance = if misconduct_primary {
        griev
    } else {
        griev + 0.4 * topic
    };
    // No topic at all (还没, 天天, 为什么 in a chat line) and no explicit complaint or question
    // word: nothing is being raised.
    // Explicit means one cue of that weight: several weak ones (吗, 呢, ?, 哪里 in 你在哪里啊？
    // 在天津啊？) are how friends talk, not a complaint or a question to a government.
    let strongest = |kind: Kind| {
        hits.iter()
            .filter(|h| h.label == HitLabel::Kind(kind))
            .map(|h| h.weight)
            .fold(0f32, f32::max)
    };
    let nothing_raised = topic <= 0.0
        && !misconduct
        && strongest(Kind::Grievance) < EXPLICIT_MIN
        && strongest(Kind::Inquiry) < EXPLICIT_MIN;
    let kind = if misconduct_primary {
        Kind::Misconduct
    } else if nothing_raised {
        Kind::Other
    } else if other >= OTHER_MIN && other > griev + 0.4 * topic && !misconduct {
        Kind::Other
    } else if inq >= INQUIRY_MIN && inq > 1.2 * griev {
        Kind::Inquiry
    } else if grievance >= 1.0 || misconduct {
        if misconduct && mis >= griev {
            Kind::Misconduct
        } else {
            Kind::Grievance
        }
    } else if inq > 0.0 && topic > 0.0 {
        Kind::Inquiry
    } else {
        Kind::Other
    };
    // The scores lean the way the decision goes: a line where nothing is raised scores half
    // as other (the blend with a model reads these scores, not the decision; a model sure of
    // a grievance in a board title the lexicon has no topic word for can still win).
    let ks = if nothing_raised {
        let mix = NOTHING_RAISED_OTHER_SHARE;
        let n = normalize_scores(&[mis, grievance, inq, other.max(0.3)]);
        vec![
            (1.0 - mix) * n[0],
            (1.0 - mix) * n[1],
            (1.0 - mix) * n[2],
            mix + (1.0 - mix) * n[3],
        ]
    } else {
        normalize_scores(&[mis, grievance, inq, other.max(0.3)])
    };
    let kind_scores = [ks[0], ks[1], ks[2], ks[3]];
    let category_scores = normalize_scores(&cat_raw);
    // When misconduct is the point, its topic is the conduct of officials (annotation guide).
    let best_cat = match categories.iter().position(|c| c == CADRE_CONDUCT) {
        Some(c) if kind == Kind::Misconduct && cat_raw[c] > 0.0 => Some(c),
        _ => argmax(&cat_raw),
    };
    let kind_index = Kind::ALL.iter().position(|k| *k == kind).unwrap_or(3);
    let kind_conf = margin_confidence(&kind_scores, kind_index);
    let confidence = match (kind, best_cat) {
        (Kind::Other, _) => kind_conf,
        (_, Some(c)) => kind_conf.min(margin_confidence(&category_scores, c)),
        (_, None) => kind_conf.min(0.3),
    };
    Classification {
        kind,
        category: if kind == Kind::Other {
            None
        } else {
            best_cat.map(|i| categories[i].clone())
        },
        kind_scores,
        category_scores,
        misconduct,
        misconduct_weight: mis,
        category_weight: best_cat.map_or(0.0, |c| cat_raw[c]),
        category_decided: best_cat.is_some_and(|c| {
            hits.iter().any(|h| {
                h.label == HitLabel::Category(c as u16) && h.weight >= DECISIVE_CATEGORY_CUE
            })
        }),
        kind_weight: match kind {
            Kind::Misconduct => mis,
            Kind::Grievance => griev,
            Kind::Inquiry => inq,
            Kind::Other => other,
        },
        rank,
        official_named,
        hits,
        confidence,
        category_source: Source::Lexicon,
        kind_source: Source::Lexicon,
    }
}

/// Turns raw weights into shares that sum to 1 (all zero stays all zero).
pub(crate) fn normalize_scores(raw: &[f32]) -> Vec<f32> {
    let s: f32 = raw.iter().sum();
    if s <= 0.0 {
        return vec![0.0; raw.len()];
    }
    raw.iter().map(|x| x / s).collect()
}

/// `top / (top + runner-up)` for the chosen index: 1 when nothing competes, 0.5 on a tie.
fn margin_confidence(scores: &[f32], chosen: usize) -> f32 {
    let top = scores[chosen];
    let second = scores
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != chosen)
        .map(|(_, &x)| x)
        .fold(0.0f32, f32::max);
    if top + second <= 0.0 {
        0.0
    } else {
        top / (top + second)
    }
}

fn argmax(v: &[f32]) -> Option<usize> {
    let mut best = None;
    for (i, &x) in v.iter().enumerate() {
        if x > 0.0 && best.is_none_or(|b: usize| x > v[b]) {
            best = Some(i);
        }
    }
    best
}
