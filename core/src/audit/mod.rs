//! Auditing the replies: did the department deal with what the citizen raised?
//!
//! [`crate::Engine::audit`] and [`crate::Engine::audit_batch`] read a citizen's message with
//! the government's reply and both times, and return an [`Audit`]: a [`Verdict`]
//! (`substantive`, `perfunctory`, `evasive`), [`Flag`]s, the elements found in the reply with
//! evidence spans (facts checked, action, date, unit, person, contact, rule cited), the days
//! to reply, the replying unit and whether it is the unit the message routes to.
//!
//! Everything that differs by region — the deadline, the phrase lists, the thresholds — is the
//! profile's `audit.toml` ([`AuditConfig`]); a profile without one uses the embedded zhuzhou
//! default. How each flag is decided (all on the normalized reply):
//!
//! - `acknowledgement_only`: no content left after removing greetings, thanks and receipt
//!   formulas (fewer than `min_content_chars` CJK characters), no facts, action or date.
//! - `referred_without_result`: a referral (已转, 转交…), a promise to answer later (耐心等待)
//!   or a pending phrase (正在处理, 核实、办复), no facts checked and no action, and at most
//!   `referral_max_chars` of content. Facts and actions in the clause of a referral (已转交…
//!   调查核实) are the recipient's task, not a result, and do not count anywhere; so are
//!   facts and actions promised (a future marker 将/拟/会 shortly before them in the same
//!   clause: 将派遣工作人员现场勘察), which count as a promise instead.
//! - `deferred_without_date`: a deferral phrase — a plan, queue, study or condition (纳入,
//!   排队, 待条件成熟, 论证研究, 逐步, 短期内) — no date or period (the sign-off date does not
//!   count), no facts or action, not a referral (敬请关注后续回复 is the recipient's), at most
//!   `deferral_max_chars` of content. A promise (`future`: 我们将, 下一步, 争取, 适时) does not
//!   postpone by itself: replies end with one after answering. A promise with nothing else
//!   (no facts, action or date, at most `promise_max_chars`) is perfunctory. A fact or action
//!   still waiting on a condition (待工程竣工验收后, 等线路完工后会…, 批文下达后…将) is a
//!   deferral, not a result. A house or document number (145号, 〔2015〕2号) is no date, and
//!   neither is a date of a year before the reply's (2011年12月县委常委会议专题研究): past
//!   facts do not date a plan. A reply that only promises (no facts, action, date, rule
//!   or reason) and is longer than `promise_max_chars` postpones the request itself: a
//!   deferral too.
//!   When the message asks when (`when_question`: 何时, 什么时候, 多久 in its first 1,500
//!   characters) and the reply gives no date or period and no action done, only promises,
//!   deferrals or patience (争取在最短时间内发布), the request itself is deferred, however
//!   long the reply and whatever facts it reports.
//! - `denied_without_facts`: a denial (不属实, 不存在, 从未…), no facts checked, no action, no
//!   reason given (由于, 因此: 由于乡镇并未配备洒水车 explains), at most `denial_max_chars`.
//! - `not_our_duty`: a disowning phrase (不属于, 不归…) with no redirect (建议您向…) and no
//!   contact, at most `duty_max_chars` of content.
//! - `template`: in a batch, the reply's content (CJK characters after the frame is removed)
//!   is near-identical — estimated Jaccard of character 3-grams ≥ `jaccard` by a 32-value
//!   MinHash over its first 240 3-grams, candidates from 8 LSH bands of 4 rows — to at least
//!   `min_similar` other replies of the same batch (replies with almost no content share one
//!   sketch); or, batch or not, it is generic: no facts or action, at most
//!   `generic_max_chars` of content, and only acknowledging, forwarding, promising, postponing
//!   or too thin.
//! - `off_topic`: at least `off_topic_min_chars` of content sharing at most
//!   `off_topic_max_shared` salient character bigrams (not in `generic_bigrams`) with the
//!   message, no referral, no disowning and no body named to go to.
//! - A question (the message's opening holds a `consultation` phrase: 咨询, 请问, 如何办理)
//!   answered with the body or number to ask (a unit or phone number right after a redirect:
//!   建议你到D12市组织部咨询, 请致电…0731-…) is answered: not acknowledgement only, not
//!   referred, not thin, not generic.
//! - `overdue`: the reply came more than `deadline.days` calendar (or working) days after the
//!   message.
//!
//! - People sent to look into the case (`dispatch`: 已派, 已安排, with an `inquiry` word in
//!   the rest of the clause: 已派执法人员到现场调查取证) have begun it, no more: what they are
//!   to find is their task, and with no other fact or action and at most twice
//!   `referral_max_chars` of content the reply is perfunctory.
//!
//! Verdict: `evasive` when a dodge flag is set (denied, not our duty, deferred, off topic);
//! else `perfunctory` when the reply does nothing (acknowledgement only, referred without
//! result, asks for details without acting (未说明, 无法核实) in a short reply, a template
//! without facts or action, or at most `thin_max_chars` of content without facts or
//! action); else `substantive`.
//!
//! The route is that of the message's opening (its first 300 bytes: title and first
//! sentence), found with the engine's own `locate` and `triage`; the replying unit is the one
//! named after 承办, else in the sign-off (last third), else the first unit named that is not
//! a referral's recipient (已转X). The summary counts a reply under that unit, qualified by
//! the message's place when the name holds none (市政府 → A市政府, 行政执法局 →
//! A7县行政执法局: [`Audit::place`]). Thresholds were tuned on the training 80% of the labelled
//! replies only (`suqiu evaluate-audit --split train`).

use crate::engine::Evidence;
use crate::error::{Error, ErrorKind, Result};
use crate::normalize::Normalizer;
use crate::route::Route;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use compact_str::CompactString;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

const EMBEDDED_AUDIT: &str = include_str!("../../profiles/zhuzhou/audit.toml");

/// The audit's verdict on one reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Deals with the substance: facts checked, action, a concrete answer.
    Substantive,
    /// Does nothing with the case: acknowledges, forwards, asks for patience, boilerplate.
    Perfunctory,
    /// Answers but dodges: denies without facts, disowns, postpones without a date, off topic.
    Evasive,
}

impl Verdict {
    /// `substantive`, `perfunctory` or `evasive`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Substantive => "substantive",
            Verdict::Perfunctory => "perfunctory",
            Verdict::Evasive => "evasive",
        }
    }

    /// Parses [`Verdict::as_str`].
    pub fn parse(s: &str) -> Option<Verdict> {
        [Verdict::Substantive, Verdict::Perfunctory, Verdict::Evasive]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// A problem with a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Nothing beyond receipt and thanks.
    AcknowledgementOnly,
    /// Passed on (or "wait"), with no outcome.
    ReferredWithoutResult,
    /// Put in a plan, queue or study with no date.
    DeferredWithoutDate,
    /// Denied without the facts checked.
    DeniedWithoutFacts,
    /// Not our job, without naming who.
    NotOurDuty,
    /// Near-identical to many other replies.
    Template,
    /// Does not address what the message raised.
    OffTopic,
    /// Later than the profile's deadline.
    Overdue,
}

impl Flag {
    /// Every flag, in output order.
    pub const ALL: [Flag; 8] = [
        Flag::AcknowledgementOnly,
        Flag::ReferredWithoutResult,
        Flag::DeferredWithoutDate,
        Flag::DeniedWithoutFacts,
        Flag::NotOurDuty,
        Flag::Template,
        Flag::OffTopic,
        Flag::Overdue,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::AcknowledgementOnly => "acknowledgement_only",
            Flag::ReferredWithoutResult => "referred_without_result",
            Flag::DeferredWithoutDate => "deferred_without_date",
            Flag::DeniedWithoutFacts => "denied_without_facts",
            Flag::NotOurDuty => "not_our_duty",
            Flag::Template => "template",
            Flag::OffTopic => "off_topic",
            Flag::Overdue => "overdue",
        }
    }

    /// Parses [`Flag::as_str`].
    pub fn parse(s: &str) -> Option<Flag> {
        Flag::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// How the deadline counts days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineUnit {
    /// Calendar days (24 h each) between the two times.
    #[default]
    Calendar,
    /// Monday–Friday dates after the message date up to the reply date (no holiday calendar).
    Working,
}

/// The deadline (`[deadline]` of `audit.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    /// A reply later than this many days is overdue.
    pub days: u32,
    /// Calendar or working days.
    #[serde(default)]
    pub unit: DeadlineUnit,
}

/// Template detection (`[template]`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateSettings {
    /// Near-identical to at least this many other replies of the batch.
    pub min_similar: u32,
    /// Estimated Jaccard of character 3-grams that counts as near-identical.
    pub jaccard: f32,
    /// A reply with no facts checked and no action, at most this many content characters,
    /// that only acknowledges, forwards, promises or postpones is also `template`: generic
    /// wording that fits any message, even when the batch holds no copy of it.
    pub generic_max_chars: u32,
}

/// Thresholds of the flags and the verdict (`[verdict]`); see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerdictSettings {
    /// Fewer content characters than this is no content.
    pub min_content_chars: u32,
    /// At most this many content characters and no facts checked or action: too thin to be
    /// an answer (perfunctory).
    pub thin_max_chars: u32,
    /// Most content characters of a reply that only forwards.
    pub referral_max_chars: u32,
    /// Most content characters of a bare denial.
    pub denial_max_chars: u32,
    /// Most content characters of a reply flagged `not_our_duty` (a long reply that says
    /// one point is not its job has usually answered the rest).
    pub duty_max_chars: u32,
    /// Most content characters of a bare deferral.
    pub deferral_max_chars: u32,
    /// Most content characters of a reply that only promises (我们将…, 争取…) without facts,
    /// action or date: perfunctory.
    #[serde(default = "default_promise_max_chars")]
    pub promise_max_chars: u32,
    /// Least content characters for `off_topic`.
    pub off_topic_min_chars: u32,
    /// Most salient bigrams shared with the message for `off_topic`.
    pub off_topic_max_shared: u32,
}

fn default_promise_max_chars() -> u32 {
    70
}

/// Every number of `audit.toml`, adjustable after loading ([`Auditor::settings_mut`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AuditSettings {
    /// Deadline.
    pub deadline: Deadline,
    /// Template detection.
    pub template: TemplateSettings,
    /// Flag and verdict thresholds.
    pub verdict: VerdictSettings,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Phrases {
    acknowledgement: Vec<String>,
    details: Vec<String>,
    patience: Vec<String>,
    referral: Vec<String>,
    pending: Vec<String>,
    deferral: Vec<String>,
    #[serde(default)]
    future: Vec<String>,
    #[serde(default)]
    reason: Vec<String>,
    #[serde(default)]
    consultation: Vec<String>,
    #[serde(default)]
    when_question: Vec<String>,
    #[serde(default)]
    dispatch: Vec<String>,
    #[serde(default)]
    inquiry: Vec<String>,
    denial: Vec<String>,
    not_our_duty: Vec<String>,
    redirect: Vec<String>,
    facts: Vec<String>,
    action: Vec<String>,
    rule: Vec<String>,
    period: Vec<String>,
    contact: Vec<String>,
    person: Vec<String>,
    self_reference: Vec<String>,
    frame: Vec<String>,
    unit_suffixes: Vec<String>,
    unit_stop: String,
    generic_bigrams: Vec<String>,
}

/// The parsed `audit.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    format: String,
    version: u32,
    deadline: Deadline,
    template: TemplateSettings,
    verdict: VerdictSettings,
    phrases: Phrases,
}

/// What a phrase of the reply signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    Ack,
    Details,
    Patience,
    Referral,
    Pending,
    Deferral,
    Future,
    Reason,
    Denial,
    Duty,
    Redirect,
    Facts,
    Action,
    Rule,
    Period,
    Contact,
    Person,
    SelfRef,
    Dispatch,
}

impl Cue {
    fn label(self) -> &'static str {
        match self {
            Cue::Ack => "acknowledgement",
            Cue::Details => "needs_details",
            Cue::Patience => "patience",
            Cue::Referral => "referral",
            Cue::Pending => "pending",
            Cue::Deferral => "deferral",
            Cue::Future => "promise",
            Cue::Reason => "reason",
            Cue::Denial => "denial",
            Cue::Duty => "not_our_duty",
            Cue::Redirect => "redirect",
            Cue::Facts => "facts",
            Cue::Action => "action",
            Cue::Rule => "rule",
            Cue::Period => "date",
            Cue::Contact => "contact",
            Cue::Person => "person",
            Cue::SelfRef => "self",
            Cue::Dispatch => "dispatch",
        }
    }

    fn is_element(self) -> bool {
        matches!(
            self,
            Cue::Facts | Cue::Action | Cue::Rule | Cue::Period | Cue::Contact | Cue::Person
        )
    }
}

/// The compiled audit rules of a profile.
#[derive(Debug, Clone)]
pub struct Auditor {
    settings: AuditSettings,
    cues: LazyPhrases,
    cue_of: Vec<Cue>,
    frame: LazyPhrases,
    units: LazyPhrases,
    consultation: Vec<String>,
    when_question: Vec<String>,
    inquiry: Vec<String>,
    unit_single: Vec<bool>,
    unit_stop: FxHashSet<char>,
    generic: FxHashSet<u64>,
}

/// A phrase automaton built on first use: an engine that never audits (triage, address
/// lookup) does not pay for three DFAs when it is built (4 % of the default engine's build).
#[derive(Debug, Clone)]
struct LazyPhrases {
    phrases: Vec<String>,
    automaton: std::sync::OnceLock<AhoCorasick>,
}

impl LazyPhrases {
    fn new(phrases: Vec<String>) -> Self {
        LazyPhrases {
            phrases,
            automaton: std::sync::OnceLock::new(),
        }
    }

    fn get(&self) -> &AhoCorasick {
        self.automaton.get_or_init(|| {
            let build = |kind| {
                AhoCorasickBuilder::new()
                    .kind(Some(kind))
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&self.phrases)
            };
            // A full DFA: a few hundred kilobytes per automaton, and the fastest search. Should
            // a profile's phrases make one too large, the NFA finds the same matches; it runs
            // out of state ids only far beyond the profile file size limit.
            build(aho_corasick::AhoCorasickKind::DFA)
                .or_else(|_| build(aho_corasick::AhoCorasickKind::NoncontiguousNFA))
                .expect("audit phrases within the profile file size limit fit an NFA")
        })
    }
}

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

fn bigram_key(a: char, b: char) -> u64 {
    ((a as u64) << 32) | b as u64
}

fn toml_error(text: &str, source: &str, e: toml::de::Error) -> Error {
    let line = e
        .span()
        .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
    Error::file(ErrorKind::Profile, source, line, e.message().to_string())
}

impl AuditConfig {
    /// Parses an `audit.toml` text (`source` names it in errors).
    pub fn parse(text: &str, source: &str) -> Result<Self> {
        let c: AuditConfig = toml::from_str(text).map_err(|e| toml_error(text, source, e))?;
        if c.format != "suqiu-audit" || c.version != 1 {
            return Err(Error::file(
                ErrorKind::Profile,
                source,
                None,
                "expected format \"suqiu-audit\" version 1",
            ));
        }
        if !(0.0..=1.0).contains(&c.template.jaccard) {
            return Err(Error::file(
                ErrorKind::Profile,
                source,
                None,
                "template.jaccard must be in 0..1",
            ));
        }
        if c.phrases.unit_suffixes.iter().any(|s| s.trim().is_empty()) {
            return Err(Error::file(
                ErrorKind::Profile,
                source,
                None,
                "unit_suffixes may not hold an empty string",
            ));
        }
        Ok(c)
    }

    /// The embedded zhuzhou default.
    pub fn embedded() -> Self {
        // Validated by the test suite; failing here is a build defect.
        Self::parse(EMBEDDED_AUDIT, "<embedded:zhuzhou>/audit.toml")
            .expect("embedded audit.toml is valid")
    }
}

impl Auditor {
    /// Compiles a configuration; phrases are folded with `normalizer` like the replies.
    pub fn new(config: &AuditConfig, normalizer: &Normalizer) -> Result<Self> {
        let p = &config.phrases;
        let fold = |s: &str| {
            let mut out = String::new();
            normalizer.fold_into(s.trim(), &mut out);
            out
        };
        let folded = |list: &[String]| -> Vec<String> {
            list.iter()
                .map(|s| fold(s))
                .filter(|s| !s.is_empty())
                .collect()
        };
        let lists: [(&Vec<String>, Cue); 19] = [
            (&p.acknowledgement, Cue::Ack),
            (&p.details, Cue::Details),
            (&p.patience, Cue::Patience),
            (&p.referral, Cue::Referral),
            (&p.pending, Cue::Pending),
            (&p.not_our_duty, Cue::Duty),
            (&p.redirect, Cue::Redirect),
            (&p.denial, Cue::Denial),
            (&p.deferral, Cue::Deferral),
            (&p.future, Cue::Future),
            (&p.reason, Cue::Reason),
            (&p.facts, Cue::Facts),
            (&p.action, Cue::Action),
            (&p.rule, Cue::Rule),
            (&p.period, Cue::Period),
            (&p.contact, Cue::Contact),
            (&p.person, Cue::Person),
            (&p.self_reference, Cue::SelfRef),
            (&p.dispatch, Cue::Dispatch),
        ];
        let mut pats: Vec<String> = Vec::new();
        let mut cue_of = Vec::new();
        let mut seen = FxHashSet::default();
        for (list, cue) in lists {
            for s in list {
                let f = fold(s);
                if !f.is_empty() && seen.insert(f.clone()) {
                    pats.push(f);
                    cue_of.push(cue);
                }
            }
        }
        let cues = LazyPhrases::new(pats);
        let frame_pats: Vec<String> = p
            .frame
            .iter()
            .map(|s| fold(s).chars().filter(|&c| is_cjk(c)).collect::<String>())
            .filter(|s: &String| !s.is_empty())
            .collect();
        let frame = LazyPhrases::new(frame_pats);
        let unit_pats: Vec<String> = p.unit_suffixes.iter().map(|s| fold(s)).collect();
        let unit_single = unit_pats.iter().map(|s| s.chars().count() == 1).collect();
        let units = LazyPhrases::new(unit_pats);
        let generic = p
            .generic_bigrams
            .iter()
            .filter_map(|s| {
                let f: Vec<char> = fold(s).chars().collect();
                (f.len() == 2).then(|| bigram_key(f[0], f[1]))
            })
            .collect();
        Ok(Auditor {
            settings: AuditSettings {
                deadline: config.deadline,
                template: config.template,
                verdict: config.verdict,
            },
            cues,
            cue_of,
            frame,
            units,
            consultation: folded(&p.consultation),
            when_question: folded(&p.when_question),
            inquiry: folded(&p.inquiry),
            unit_single,
            unit_stop: p.unit_stop.chars().collect(),
            generic,
        })
    }

    /// The numbers in force.
    pub fn settings(&self) -> &AuditSettings {
        &self.settings
    }

    /// Changes the numbers (for tuning).
    pub fn settings_mut(&mut self) -> &mut AuditSettings {
        &mut self.settings
    }
}

/// One reply to audit.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditInput<'a> {
    /// The citizen's message (title and text).
    pub text: &'a str,
    /// The government's reply.
    pub reply: &'a str,
    /// When the message was posted (ISO 8601 or `YYYY/MM/DD HH:MM:SS`).
    pub time: Option<&'a str>,
    /// When the reply was posted.
    pub reply_time: Option<&'a str>,
    /// NBS code of the posting group's division, for the route.
    pub group_division: Option<&'a str>,
}

/// The audit of one reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Audit {
    /// The verdict.
    pub verdict: Verdict,
    /// The flags, in [`Flag::ALL`] order.
    pub flags: Vec<Flag>,
    /// Elements found in the reply (labels `facts`, `action`, `date`, `unit`, `person`,
    /// `contact`, `rule`), byte offsets into the original reply.
    pub elements: Vec<Evidence>,
    /// The phrases behind the flags (labels `acknowledgement`, `referral`, `patience`,
    /// `pending`, `needs_details`, `deferral`, `denial`, `not_our_duty`, `redirect`), byte
    /// offsets into the reply.
    pub cues: Vec<Evidence>,
    /// Days from the message to the reply (two decimals); `None` without both times.
    pub days_to_reply: Option<f64>,
    /// The replying unit named in the reply (sign-off, 承办单位, or the first unit that is not
    /// a referral's recipient).
    pub unit: Option<String>,
    /// Where the message routes (the engine's triage); `None` when it has no route.
    pub route: Option<Route>,
    /// Whether the named unit is the routed handler (same name once the place prefix is
    /// dropped, or one contains the other); `None` when either is missing.
    pub unit_matches_route: Option<bool>,
    /// CJK characters of the reply after greetings, thanks and receipt formulas are removed.
    pub content_chars: u32,
    /// The message's place (county, else city): the routed division's, else the first coded
    /// place of the message's opening (`A7县`, `K市` in the anonymized corpus). The summary
    /// qualifies a unit named without its place (市政府, 行政执法局) by it.
    pub place: Option<String>,
    #[serde(skip)]
    pub(crate) features: Features,
}

/// The city and county of a message (see [`Audit::place`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Place {
    city: Option<String>,
    county: Option<String>,
}

/// The first coded place of a text — an ASCII capital, optional digits, then 市, 县 or 区
/// (`A7县`, `K市`), as the anonymized corpus writes them: the county is the whole code when it
/// has digits, the city is the letter with 市.
fn coded_place(text: &str) -> Place {
    let b = text.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if !c.is_ascii_uppercase() || (i > 0 && b[i - 1].is_ascii_alphanumeric()) {
            continue;
        }
        let digits = b[i + 1..].iter().take_while(|d| d.is_ascii_digit()).count();
        let rest = &text[i + 1 + digits..];
        let Some(level) = ['市', '县', '区']
            .into_iter()
            .find(|l| rest.starts_with(*l))
        else {
            continue;
        };
        let letter = &text[i..i + 1];
        let code = &text[i..i + 1 + digits + level.len_utf8()];
        return Place {
            city: Some(format!("{letter}市")),
            county: (digits > 0 || level != '市').then(|| code.to_string()),
        };
    }
    Place::default()
}

/// Whether a unit name carries its place (荷塘区城管局, A7县教育局, 安沙镇政府) rather than only
/// a level (市政府, 市委市政府, 县城乡规划局) or nothing (行政执法局, 泉塘街道办): a level
/// character after some other character, once words that hold a level character without
/// naming a place (城乡, 乡镇, 市委…) are set aside.
fn names_place(name: &str) -> bool {
    const NOT_PLACES: [&str; 11] = [
        "城乡", "乡镇", "社区", "市场", "市民", "区域", "县域", "市委", "县委", "区委", "人民",
    ];
    let mut rest = name.to_string();
    for w in NOT_PLACES {
        rest = rest.replace(w, "");
    }
    let mut prev: Option<char> = None;
    for c in rest.chars() {
        if "省市县区镇乡".contains(c) && prev.is_some_and(|p| !"省市县区镇乡".contains(p))
        {
            return true;
        }
        prev = Some(c);
    }
    false
}

/// A unit name qualified by the message's place when it names none: 市政府 → 株洲市政府 (the
/// city), 县教育局 → A7县教育局 (the county), 行政执法局 → A7县行政执法局 (the deepest place);
/// a level the place does not match keeps it in brackets (县政府（K市）).
fn qualify(name: &str, place: &Place) -> String {
    // 人民政府 and 政府 are one body.
    let name = &name.replace("人民政府", "政府");
    if names_place(name) {
        return name.to_string();
    }
    let level = name.chars().next().filter(|c| "省市县区镇乡".contains(*c));
    let pick = match level {
        Some('市') => place.city.as_ref().or(place.county.as_ref()),
        _ => place.county.as_ref().or(place.city.as_ref()),
    };
    let Some(p) = pick else {
        return name.to_string();
    };
    match level {
        Some(l) if p.ends_with(l) => format!("{p}{}", &name[l.len_utf8()..]),
        // 县政府 under a message that names only a city (or a district): the place in brackets.
        Some(_) => format!("{name}（{p}）"),
        None => format!("{p}{name}"),
    }
}

/// What the verdict is decided from (kept so that a batch can add `template` afterwards).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Features {
    ack: bool,
    pending: bool,
    details: bool,
    referral: bool,
    patience: bool,
    deferral: bool,
    future: bool,
    reason: bool,
    consultation: bool,
    /// The message asks when (何时, 什么时候, 多久): the answer it asks for is a date.
    asks_when: bool,
    /// People sent to look into the case (已派执法人员到现场调查取证): begun, no result yet.
    begun: bool,
    redirect_named: bool,
    place: Place,
    denial: bool,
    duty: bool,
    redirect: bool,
    facts: bool,
    action: bool,
    date: bool,
    /// A date without a year (5月底) or a period (年底, 今年): not known to be past.
    date_no_year: bool,
    /// The latest year of a dated element (2017年9月: 2017), 0 when none.
    max_year: u16,
    rule: bool,
    contact: bool,
    person: bool,
    shared_salient: u32,
    overdue: bool,
    pub(crate) sketch: Sketch,
}

/// A MinHash sketch of the reply's content.
pub(crate) type Sketch = [u32; SKETCH];
const SKETCH: usize = 32;
const BANDS: usize = 8;
const ROWS: usize = SKETCH / BANDS;

impl Audit {
    /// True when the verdict is perfunctory or evasive.
    pub fn is_poor(&self) -> bool {
        self.verdict != Verdict::Substantive
    }

    /// The unit the summary counts this reply under: the named unit, else the routed
    /// handler, else `(unnamed)`.
    ///
    /// A named unit without its place (市政府, 县教育局, 行政执法局) is qualified by the
    /// message's place (株洲市政府, A7县教育局), so that the same generic name in different
    /// cities is not one row.
    pub fn summary_unit(&self) -> String {
        match (&self.unit, &self.route) {
            (Some(u), _) => qualify(u, &self.features.place),
            (None, Some(r)) => r.handler.clone(),
            (None, None) => "(unnamed)".to_string(),
        }
    }
}

fn days_since_epoch_date(t: i64) -> i64 {
    t.div_euclid(86_400)
}

/// Monday–Friday dates after the date of `from` up to the date of `to` (unix seconds).
fn working_days(from: i64, to: i64) -> i64 {
    let (a, b) = (days_since_epoch_date(from), days_since_epoch_date(to));
    (a + 1..=b)
        .filter(|d| {
            let dow = (d + 4).rem_euclid(7); // 1970-01-01 was a Thursday; 0 = Sunday
            (1..=5).contains(&dow)
        })
        .count() as i64
}

/// Seeds of the MinHash permutations: slot i maps a 32-bit hash x to (x ^ XOR[i]) · MUL[i]
/// (odd), a permutation of the 32-bit values; 32-bit products cost a quarter of 64-bit ones
/// where the compiler has only SSE2.
const MH_SEEDS: ([u32; SKETCH], [u32; SKETCH]) = {
    let mut mul = [0u32; SKETCH];
    let mut xor = [0u32; SKETCH];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut i = 0;
    while i < SKETCH {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        mul[i] = (x as u32) | 1;
        xor[i] = (x >> 32) as u32;
        i += 1;
    }
    (mul, xor)
};

fn sketch_of(content: &[char]) -> Sketch {
    let mut s = [u32::MAX; SKETCH];
    if content.len() < 3 {
        // No content: every such reply shares this sketch.
        return [0; SKETCH];
    }
    let (mul, xor) = &MH_SEEDS;
    for w in content.windows(3).take(240) {
        let h = crate::hashing::mix(((w[0] as u64) << 42) ^ ((w[1] as u64) << 21) ^ w[2] as u64);
        let x = (h >> 32) as u32 ^ h as u32;
        for i in 0..SKETCH {
            let v = (x ^ xor[i]).wrapping_mul(mul[i]);
            s[i] = s[i].min(v);
        }
    }
    s
}

impl crate::Engine {
    /// Audits one reply. Without a batch there is no run to compare with, so `template` is
    /// never set; use [`crate::Engine::audit_batch`] for that.
    ///
    /// Errors: empty message or reply, either over [`crate::Limits::max_text_bytes`], an
    /// unparsable time, an unknown group code.
    ///
    /// ```
    /// use suqiu::audit::{AuditInput, Flag, Verdict};
    /// let engine = suqiu::Engine::default();
    /// let a = engine.audit(&AuditInput {
    ///     text: "小区门口路灯坏了一个月没人修",
    ///     reply: "网友:您好!您的留言已收悉。",
    ///     time: Some("2024/3/1 9:00:00"),
    ///     reply_time: Some("2024/4/10 9:00:00"),
    ///     group_division: None,
    /// }).unwrap();
    /// assert_eq!(a.verdict, Verdict::Perfunctory);
    /// assert!(a.flags.contains(&Flag::AcknowledgementOnly) && a.flags.contains(&Flag::Overdue));
    /// ```
    pub fn audit(&self, input: &AuditInput<'_>) -> Result<Audit> {
        let mut a = self.audit_features(input)?;
        decide(&self.profile().auditor, &mut a, false);
        Ok(a)
    }

    /// Audits many replies on `threads` threads (all cores when `None`), one result per input
    /// in order, and flags `template` across the batch (see the module documentation).
    pub fn audit_batch(
        &self,
        items: &[AuditInput<'_>],
        threads: Option<usize>,
    ) -> Result<Vec<Result<Audit>>> {
        use rayon::prelude::*;
        if items.len() > self.limits().max_batch_items {
            return Err(Error::LimitExceeded {
                what: "messages in one batch",
                limit: self.limits().max_batch_items,
                actual: items.len(),
            });
        }
        let run =
            || -> Vec<Result<Audit>> { items.par_iter().map(|i| self.audit_features(i)).collect() };
        let mut out: Vec<Result<Audit>> = match threads {
            Some(1) => items.iter().map(|i| self.audit_features(i)).collect(),
            Some(n) if n != rayon::current_num_threads() => {
                match rayon::ThreadPoolBuilder::new().num_threads(n).build() {
                    Ok(pool) => pool.install(run),
                    Err(_) => run(),
                }
            }
            _ => run(),
        };
        let auditor = &self.profile().auditor;
        let sketches: Vec<Option<&Sketch>> = out
            .iter()
            .map(|r| r.as_ref().ok().map(|a| &a.features.sketch))
            .collect();
        let template = near_duplicates(&sketches, &auditor.settings.template);
        for (r, t) in out.iter_mut().zip(template) {
            if let Ok(a) = r {
                decide(auditor, a, t);
            }
        }
        Ok(out)
    }

    fn audit_features(&self, input: &AuditInput<'_>) -> Result<Audit> {
        let limit = self.limits().max_text_bytes;
        if input.reply.trim().is_empty() {
            return Err(Error::InvalidInput("reply is empty".into()));
        }
        for (what, s) in [("message", input.text), ("reply", input.reply)] {
            if s.len() > limit {
                return Err(Error::LimitExceeded {
                    what: if what == "message" {
                        "message length in bytes"
                    } else {
                        "reply length in bytes"
                    },
                    limit,
                    actual: s.len(),
                });
            }
        }
        let time = |s: Option<&str>, name: &str| -> Result<Option<i64>> {
            match s.map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => crate::aggregate::parse_time(s).map(Some).ok_or_else(|| {
                    Error::InvalidInput(format!(
                        "{name} {s:?} is not ISO 8601 or YYYY/MM/DD HH:MM:SS"
                    ))
                }),
            }
        };
        let t0 = time(input.time, "time")?;
        let t1 = time(input.reply_time, "reply_time")?;
        // A route needs a division: find it in the message's opening first (place names
        // only, cheap) and triage the opening only when there is one — the same division as
        // triage's own, so the same route as `triage` of the opening.
        let place;
        let route = if input.text.trim().is_empty() {
            return Err(Error::InvalidInput("text is empty".into()));
        } else {
            let head = opening(input.text, ROUTE_BYTES);
            match self.locate(head, input.group_division)?.division {
                Some(d) => {
                    // Path: province, city, county, … (names down to the division).
                    place = Place {
                        city: d.path.get(1).cloned(),
                        county: d.path.get(2).cloned(),
                    };
                    self.triage(head, input.group_division)?.route
                }
                None => {
                    place = coded_place(head);
                    None
                }
            }
        };
        let auditor = &self.profile().auditor;
        let mut a = auditor.examine(self.normalizer(), input.text, input.reply);
        let settings = &auditor.settings;
        if let (Some(a0), Some(a1)) = (t0, t1) {
            let days = (a1 - a0) as f64 / 86_400.0;
            a.days_to_reply = Some((days * 100.0).round() / 100.0);
            let late = match settings.deadline.unit {
                DeadlineUnit::Calendar => a1 - a0 > i64::from(settings.deadline.days) * 86_400,
                DeadlineUnit::Working => working_days(a0, a1) > i64::from(settings.deadline.days),
            };
            a.features.overdue = late;
        }
        // A date before the reply's year is a fact of the past (2011年12月县委常委会议专题研究),
        // not the date of a plan: it does not keep a postponement from being bare.
        if let Some(a1) = t1 {
            let f = &mut a.features;
            if f.date && !f.date_no_year && f.max_year < year_of(a1) {
                f.date = false;
            }
        }
        a.route = route;
        a.place = place.county.clone().or_else(|| place.city.clone());
        a.features.place = place;
        a.unit_matches_route = match (&a.unit, &a.route) {
            (Some(u), Some(r)) => Some(same_unit(u, &r.handler)),
            _ => None,
        };
        Ok(a)
    }
}

/// The route is that of the message's opening (the title and first sentence, where the place
/// and the problem are usually named): at most this many bytes (about 100 CJK characters),
/// cut at a character boundary. The trained models' lookups cost about a microsecond per
/// character, so triaging whole long messages would cost the audit most of its speed.
const ROUTE_BYTES: usize = 300;

/// A unit named at most this many bytes (8 CJK characters) after a redirect phrase is where
/// the reply sends the citizen (建议您到D12市组织部咨询).
const REDIRECT_REACH: usize = 24;

fn opening(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The part of a unit name after its place prefix (荷塘区城管局 → 城管局).
fn unit_stem(name: &str) -> &str {
    let name = name.trim();
    let mut cut = 0;
    for (i, c) in name.char_indices() {
        let rest = &name[i + c.len_utf8()..];
        if "省市县区镇乡".contains(c) && rest.chars().count() >= 2 {
            cut = i + c.len_utf8();
        }
    }
    let stem = &name[cut..];
    stem.strip_prefix("人民").unwrap_or(stem)
}

/// Whether a unit named in a reply is the routed handler (see [`Audit::unit_matches_route`]).
pub fn same_unit(reply_unit: &str, handler: &str) -> bool {
    let (a, b) = (unit_stem(reply_unit), unit_stem(handler));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    a == b || (a.chars().count() >= 2 && b.contains(a)) || (b.chars().count() >= 2 && a.contains(b))
}

/// For each sketch, whether at least `min_similar` others are near-identical.
fn near_duplicates(sketches: &[Option<&Sketch>], t: &TemplateSettings) -> Vec<bool> {
    let mut buckets: FxHashMap<(u8, u64), Vec<u32>> = FxHashMap::default();
    for (i, s) in sketches.iter().enumerate() {
        let Some(s) = s else { continue };
        for b in 0..BANDS {
            let mut h = b as u64;
            for v in &s[b * ROWS..(b + 1) * ROWS] {
                h = crate::hashing::mix(h ^ u64::from(*v));
            }
            buckets.entry((b as u8, h)).or_default().push(i as u32);
        }
    }
    let need = t.min_similar as usize;
    let min_equal = (t.jaccard * SKETCH as f32).ceil() as usize;
    let mut out = vec![false; sketches.len()];
    let mut seen: FxHashSet<u32> = FxHashSet::default();
    for (i, s) in sketches.iter().enumerate() {
        let Some(s) = s else { continue };
        if need == 0 {
            out[i] = true;
            continue;
        }
        seen.clear();
        let mut similar = 0;
        'bands: for b in 0..BANDS {
            let mut h = b as u64;
            for v in &s[b * ROWS..(b + 1) * ROWS] {
                h = crate::hashing::mix(h ^ u64::from(*v));
            }
            let Some(list) = buckets.get(&(b as u8, h)) else {
                continue;
            };
            for &j in list {
                if j as usize == i || !seen.insert(j) {
                    continue;
                }
                let o = sketches[j as usize].expect("bucketed");
                let equal = s.iter().zip(o.iter()).filter(|(x, y)| x == y).count();
                if equal >= min_equal {
                    similar += 1;
                    if similar >= need {
                        out[i] = true;
                        break 'bands;
                    }
                }
                if seen.len() > 256 {
                    break 'bands;
                }
            }
        }
    }
    out
}

/// Flags and verdict from the features (and `template` from the batch).
fn decide(auditor: &Auditor, a: &mut Audit, template: bool) {
    let v = &auditor.settings.verdict;
    let f = &a.features;
    let content = a.content_chars;
    let mut flags = Vec::new();
    let result = f.facts || f.action;
    // A question (咨询…, 请问…) answered with the body to ask, named (建议您到D12市组织部咨询):
    // that is the answer, however short.
    let where_to_go = f.consultation && f.redirect_named;
    let ack_only = content < v.min_content_chars
        && !result
        && !f.date
        && !f.referral
        && !f.pending
        && !f.duty
        && !where_to_go;
    let referred = (f.referral || f.patience || f.pending)
        && !result
        && !ack_only
        && !where_to_go
        && content <= v.referral_max_chars;
    // Only a plan, queue, study or condition postpones (纳入, 排队, 待条件成熟, 研究论证); a
    // promise (我们将, 下一步, 争取) after an answer does not, and in a referral the promise is
    // the recipient's (敬请关注后续回复).
    // A reply that only says what will happen (我们将…, 争取…, 会积极向上级反馈, 下一步…会将
    // 处理结果公开) — no facts checked, no action done, no date, no rule cited, no reason —
    // postpones the request itself, however long (A6): short ones are perfunctory below.
    let promised_only =
        f.future && !result && !f.date && !f.rule && !f.reason && content > v.promise_max_chars;
    // The message asks when (何时…, 什么时候…): a reply with no date or period and nothing
    // done that only promises, defers or asks for patience (争取在最短时间内发布, 我们将…逐步
    // 开通) leaves the request itself undated, however much it reports (A6). Asking for
    // details (便于沟通, 未说明) is perfunctory instead (A3); a reason why there is no date yet
    // (由于…) explains.
    let when_undated = f.asks_when
        && !f.date
        && !f.action
        && (f.future || f.deferral || f.patience)
        && !f.details
        && !f.reason
        && !ack_only
        && !referred
        && !where_to_go;
    let deferred = ((f.deferral || promised_only)
        && !f.date
        && !result
        && !referred
        && content <= v.deferral_max_chars)
        || when_undated;
    // A denial inside an explanation (由于乡镇并未配备洒水车) is a reason, not a bare denial.
    let denied = f.denial && !f.facts && !f.action && !f.reason && content <= v.denial_max_chars;
    let duty = f.duty && !f.redirect && !f.contact && content <= v.duty_max_chars;
    let generic = !result
        && !where_to_go
        && content <= auditor.settings.template.generic_max_chars
        && (ack_only
            || referred
            || f.deferral
            || f.future
            || f.pending
            || content <= v.thin_max_chars);
    let off_topic = content >= v.off_topic_min_chars
        && f.shared_salient <= v.off_topic_max_shared
        && !f.referral
        && !f.redirect_named
        && !f.duty;
    for (on, flag) in [
        (ack_only, Flag::AcknowledgementOnly),
        (referred, Flag::ReferredWithoutResult),
        (deferred, Flag::DeferredWithoutDate),
        (denied, Flag::DeniedWithoutFacts),
        (duty, Flag::NotOurDuty),
        (template || generic, Flag::Template),
        (off_topic, Flag::OffTopic),
        (f.overdue, Flag::Overdue),
    ] {
        if on {
            flags.push(flag);
        }
    }
    a.verdict = if denied || duty || deferred || off_topic {
        Verdict::Evasive
    } else if ack_only
        || referred
        || (f.details && !f.action && content <= v.referral_max_chars * 2)
        // People sent to look into the case and nothing found or done yet (A6).
        || (f.begun && !result && content <= v.referral_max_chars * 2)
        || (f.future && !result && !f.date && content <= v.promise_max_chars)
        || (template && !result && !where_to_go)
        || (content <= v.thin_max_chars && !result && !where_to_go)
        || (content < v.min_content_chars && !where_to_go)
    {
        Verdict::Perfunctory
    } else {
        Verdict::Substantive
    };
    a.flags = flags;
}

impl Auditor {
    /// Everything about a reply that needs no batch and no triage.
    fn examine(&self, normalizer: &Normalizer, message: &str, reply: &str) -> Audit {
        let norm = normalizer.normalize(reply);
        let t = norm.text.as_str();
        let span = |s: usize, e: usize, label: &str| {
            let (os, oe) = norm.original_span(s, e);
            Evidence {
                start: os,
                end: oe,
                text: CompactString::from(&reply[os..oe]),
                label: CompactString::from(label),
            }
        };
        let mut f = Features::default();
        let mut elements = Vec::new();
        let mut cues = Vec::new();
        // Facts and actions in the clause of a referral or a promise (已转交…核实、办复; 将尽快
        //调查处理) are the recipient's task, not a result: they do not count.
        let mut task_until = 0usize;
        // Where each redirect (建议您向…, 请咨询…) ends: a unit named right after it tells the
        // citizen where to go.
        let mut redirect_ends: Vec<usize> = Vec::new();
        for m in self.cues.get().find_iter(t) {
            let mut cue = self.cue_of[m.pattern().as_usize()];
            if cue == Cue::Dispatch {
                // 已派执法人员到现场调查取证, 已安排工作人员调查核实: people sent to look into
                // the case — begun, not a result; what they are to find is their task. A
                // dispatch for anything else (已安排施工队) is an action, and 派出所 a station.
                let rest = &t[m.end()..];
                let clause_end = rest
                    .find(['.', ';', '!', '?', '。', ',', '，', '；', ':', '：'])
                    .map_or(t.len(), |k| m.end() + k);
                let clause = &t[m.end()..clause_end];
                if !rest.starts_with('所')
                    && self.inquiry.iter().any(|w| clause.contains(w.as_str()))
                {
                    f.begun = true;
                    task_until = task_until.max(clause_end);
                    cues.push(span(m.start(), m.end(), "dispatch"));
                    continue;
                }
                cue = Cue::Action;
            }
            if cue == Cue::Redirect {
                redirect_ends.push(m.end());
            }
            if matches!(cue, Cue::Referral | Cue::Patience | Cue::Pending) {
                let clause_end = t[m.end()..]
                    .find(['.', ';', '!', '?', '。'])
                    .map_or(t.len(), |k| m.end() + k);
                task_until = task_until.max(clause_end);
            } else if matches!(cue, Cue::Facts | Cue::Action) && m.start() < task_until {
                cues.push(span(m.start(), m.end(), "task"));
                continue;
            } else if matches!(cue, Cue::Facts | Cue::Action)
                && conditioned(&t[..m.start()], &t[m.end()..])
            {
                // 待各部门工作交接到位后, 等工程完工后会尽快通电, 线路批文下达后…会: a condition
                // still to be met, so the thing waits on it — a deferral, not a result.
                f.future = true;
                f.deferral = true;
                cues.push(span(m.start(), m.end(), "condition"));
                continue;
            } else if matches!(cue, Cue::Facts | Cue::Action) && promised(&t[..m.start()]) {
                // 将派遣工作人员现场勘察, 他们将尽快予以调查核实: a promise, not a result.
                f.future = true;
                cues.push(span(m.start(), m.end(), "promise"));
                continue;
            }
            match cue {
                Cue::Ack => f.ack = true,
                Cue::Details => f.details = true,
                Cue::Patience => f.patience = true,
                Cue::Referral => f.referral = true,
                Cue::Pending => f.pending = true,
                Cue::Deferral => f.deferral = true,
                Cue::Future => f.future = true,
                Cue::Reason => f.reason = true,
                Cue::Denial => f.denial = true,
                Cue::Duty => f.duty = true,
                Cue::Redirect => f.redirect = true,
                Cue::Facts => f.facts = true,
                Cue::Action => f.action = true,
                Cue::Rule => f.rule = true,
                Cue::Period => {
                    f.date = true;
                    f.date_no_year = true;
                }
                Cue::Contact => f.contact = true,
                Cue::Person => f.person = true,
                Cue::SelfRef | Cue::Dispatch => {}
            }
            if cue == Cue::SelfRef {
                continue;
            }
            let ev = span(m.start(), m.end(), cue.label());
            if cue.is_element() {
                elements.push(ev);
            } else {
                cues.push(ev);
            }
        }
        // Dates and phone numbers: digit runs.
        let signoff = signoff_start(t);
        let bytes = t.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let start = i;
            let mut digits = 0;
            while i < bytes.len()
                && (bytes[i].is_ascii_digit() || matches!(bytes[i], b'-' | b'.' | b'/' | b' '))
            {
                if bytes[i].is_ascii_digit() {
                    digits += 1;
                }
                i += 1;
            }
            let mut end = i;
            while end > start && !bytes[end - 1].is_ascii_digit() {
                end -= 1;
            }
            if start > 0 && bytes[start - 1].is_ascii_alphabetic() {
                // A user name such as UU0081194, not a number.
                continue;
            }
            let rest = &t[end..];
            let unit_after = [
                "年",
                "月",
                "日",
                "号",
                "天",
                "个月",
                "个工作日",
                "周",
                "小时",
            ]
            .iter()
            .find(|u| rest.starts_with(**u));
            if unit_after == Some(&"号") && !t[..start].ends_with('月') {
                // 1-4号, 〔2015〕2号, 145号: a house or document number, not a date.
                i = end + "号".len();
                continue;
            }
            if digits >= 7 && unit_after.is_none() && !t[start..end].contains('.') {
                f.contact = true;
                // A number right after a redirect (请致电…0731-…) names where to go.
                if redirect_ends
                    .iter()
                    .any(|&r| r <= start && start - r <= REDIRECT_REACH * 3)
                {
                    f.redirect_named = true;
                }
                elements.push(span(start, end, "contact"));
            } else if let Some(u) = unit_after {
                // A run of date parts (2019年5月9日) is one element.
                let mut e = end + u.len();
                loop {
                    let r = &t[e..];
                    let d = r.bytes().take_while(u8::is_ascii_digit).count();
                    if d == 0 {
                        break;
                    }
                    match ["年", "月", "日", "号"]
                        .iter()
                        .find(|u| r[d..].starts_with(**u))
                    {
                        Some(u2) => e += d + u2.len(),
                        None => break,
                    }
                }
                if signoff.is_none_or(|s| start < s) {
                    f.date = true;
                    note_year(&mut f, &t[start..e]);
                    elements.push(span(start, e, "date"));
                }
                i = e;
            } else if digits >= 6 && t[start..end].contains(['.', '-', '/']) {
                // 2013.11.25 or 2018-12-05: a date, unless it is the sign-off.
                if signoff.is_none_or(|s| start < s) {
                    f.date = true;
                    note_year(&mut f, &t[start..end]);
                    elements.push(span(start, end, "date"));
                }
            }
        }
        // Units named in the reply.
        let mut unit: Option<String> = None;
        let mut tail_unit: Option<String> = None;
        let mut first_unit: Option<String> = None;
        let tail_from = t.len().saturating_sub(90).max(t.len() * 2 / 3);
        let mut last_end = 0;
        for m in self.units.get().find_iter(t) {
            if m.start() < last_end {
                continue;
            }
            if self.unit_single[m.pattern().as_usize()] {
                if let Some(next) = t[m.end()..].chars().next() {
                    if "长面势部限员属内外里级托屈婉".contains(next) {
                        continue;
                    }
                }
            }
            let mut s = m.start();
            let mut n = 0;
            for (i, c) in t[..m.start()].char_indices().rev() {
                if n >= 14
                    || !(is_cjk(c) || c.is_ascii_alphanumeric())
                    || self.unit_stop.contains(&c)
                {
                    break;
                }
                s = i;
                n += 1;
            }
            if n == 0 || t[s..m.end()].chars().count() < 3 {
                continue;
            }
            last_end = m.end();
            let ev = span(s, m.end(), "unit");
            let name = ev.text.to_string();
            elements.push(ev);
            let before: String = t[..s].chars().rev().take(2).collect();
            let receiver = before.contains(['转', '向', '至', '给', '到', '交']);
            let sponsor = t[..s]
                .chars()
                .rev()
                .take(8)
                .collect::<String>()
                .contains("办承");
            if redirect_ends
                .iter()
                .any(|&r| r <= s && s - r <= REDIRECT_REACH)
            {
                f.redirect_named = true;
            }
            if sponsor {
                unit = Some(name.clone());
            }
            if receiver {
                continue;
            }
            if first_unit.is_none() {
                first_unit = Some(name.clone());
            }
            if s >= tail_from {
                tail_unit = Some(name);
            }
        }
        let unit = unit.or(tail_unit).or(first_unit);
        // Content: CJK characters without the frame.
        let cjk: String = norm.text.chars().filter(|&c| is_cjk(c)).collect();
        let mut content: Vec<char> = Vec::with_capacity(cjk.len() / 3);
        let mut at = 0;
        for m in self.frame.get().find_iter(&cjk) {
            content.extend(cjk[at..m.start()].chars());
            at = m.end();
        }
        content.extend(cjk[at..].chars());
        // Salient bigrams shared with the message: the reply's content bigrams as a sorted
        // list with a 4096-bit filter in front, probed with each bigram of the message's first
        // 1,500 characters (most miss the filter, so the message is neither sorted nor stored).
        let mut reply_keys: Vec<u64> = content.windows(2).map(|w| bigram_key(w[0], w[1])).collect();
        reply_keys.sort_unstable();
        reply_keys.dedup();
        let mut filter = [0u64; 64];
        let slot = |k: u64| (crate::hashing::mix(k) >> 52) as usize; // 12 bits
        for &k in &reply_keys {
            let b = slot(k);
            filter[b >> 6] |= 1 << (b & 63);
        }
        let mut counted = vec![false; reply_keys.len()];
        let mut shared = 0u32;
        let mut prev: Option<char> = None;
        // The message's CJK characters, folded (a 何時 is a 何时), for the request's kind.
        let mut folded = String::with_capacity(message.len().min(4500));
        for c in message.chars().take(1500) {
            let c = normalizer.fold_char(c).unwrap_or(c);
            if !is_cjk(c) {
                prev = None;
                continue;
            }
            folded.push(c);
            if let Some(p) = prev {
                let k = bigram_key(p, c);
                let b = slot(k);
                if filter[b >> 6] & (1 << (b & 63)) != 0 {
                    if let Ok(at) = reply_keys.binary_search(&k) {
                        if !counted[at] {
                            counted[at] = true;
                            shared += u32::from(!self.generic.contains(&k));
                        }
                    }
                }
            }
            prev = Some(c);
        }
        f.consultation = {
            let head = opening(message, ROUTE_BYTES);
            self.consultation.iter().any(|c| head.contains(c.as_str()))
        };
        f.asks_when = self
            .when_question
            .iter()
            .any(|w| folded.contains(w.as_str()));
        f.shared_salient = shared;
        f.sketch = sketch_of(&content);
        elements.sort_by_key(|e| (e.start, e.end));
        Audit {
            verdict: Verdict::Substantive,
            flags: Vec::new(),
            elements,
            cues,
            days_to_reply: None,
            unit,
            route: None,
            unit_matches_route: None,
            content_chars: content.len() as u32,
            place: None,
            features: f,
        }
    }
}

/// Whether the clause before a fact or action phrase promises it: a future marker (将, 拟,
/// 会) at most `PROMISE_REACH` characters back in the same clause, not the object marker of
/// a done deed (已将, 并将…已).
fn promised(before: &str) -> bool {
    let mut prev_was_marker = false;
    for (n, c) in before.chars().rev().enumerate() {
        if prev_was_marker {
            return !matches!(c, '已' | '均' | '并');
        }
        if n >= PROMISE_REACH || "。.;!?,，；！？:：".contains(c) || c == '已' {
            return false;
        }
        prev_was_marker = matches!(c, '将' | '拟' | '会');
    }
    prev_was_marker
}

/// Whether a fact or action phrase is a condition still to be met: 待 at most
/// `PROMISE_REACH` characters back in the same clause (待各部门工作交接到位), or 等 right
/// before the clause's subject (等工程完工后), or the phrase followed by 后 and then, in the same
/// sentence, a future marker (线路批文下达后，…会及时做好; 收到交办函后，我院… is done, not
/// waiting).
fn conditioned(before: &str, after: &str) -> bool {
    for (n, c) in before.chars().rev().enumerate() {
        if n >= PROMISE_REACH || "。.;!?,，；！？:：".contains(c) || c == '已' {
            break;
        }
        if c == '待' {
            return true;
        }
    }
    let Some(rest) = after
        .strip_prefix("后")
        .or_else(|| after.strip_prefix("以后"))
        .or_else(|| after.strip_prefix("之后"))
    else {
        return false;
    };
    let sentence = rest.split(['。', '.', ';', '!', '?']).next().unwrap_or("");
    let waiting = before
        .chars()
        .rev()
        .take_while(|c| !"。.;!?,，；！？:：".contains(*c))
        .any(|c| c == '等');
    (waiting || sentence.contains('会') || sentence.contains('将')) && !sentence.contains('已')
}

/// Keeps the latest year of a date element (2017年9月, 2013.11.25), or notes a date without one.
fn note_year(f: &mut Features, date: &str) {
    let year = date.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &date[year..];
    match date[..year].parse::<u16>() {
        Ok(y) if year == 4 && (rest.starts_with("年") || rest.starts_with(['.', '-', '/'])) => {
            f.max_year = f.max_year.max(y)
        }
        _ => f.date_no_year = true,
    }
}

/// The calendar year of a Unix time (UTC; the message times carry no zone).
fn year_of(t: i64) -> u16 {
    // Howard Hinnant's civil_from_days.
    let z = days_since_epoch_date(t) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2)) as u16
}

/// How far back (characters) a future marker promises a fact or action phrase.
const PROMISE_REACH: usize = 12;

/// Where the sign-off date starts: a full date (2019年5月9日, 2013.11.25) that ends the reply.
fn signoff_start(t: &str) -> Option<usize> {
    let trimmed = t.trim_end_matches(|c: char| {
        c.is_ascii_punctuation() && c != '.' || c.is_whitespace() || c == '。'
    });
    let trimmed = trimmed.trim_end_matches('.');
    let mut start = trimmed.len();
    let mut digits = 0;
    for (i, c) in trimmed.char_indices().rev() {
        if c.is_ascii_digit() {
            digits += 1;
        } else if !"年月日号.-/ ".contains(c) {
            break;
        }
        start = i;
    }
    let run = &trimmed[start..];
    let run = run.trim_start_matches(|c: char| !c.is_ascii_digit());
    let start = trimmed.len() - run.len();
    let year = run.bytes().take_while(u8::is_ascii_digit).count();
    (digits >= 6 && year == 4).then_some(start)
}

/// One row of the summary table: a replying unit over a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitSummary {
    /// The unit (see [`Audit::summary_unit`]).
    pub unit: String,
    /// Replies counted.
    pub replies: usize,
    /// Share of them judged perfunctory or evasive.
    pub poor_share: f64,
    /// Median days to reply (of those with both times).
    pub median_days: Option<f64>,
    /// 90th percentile (nearest rank) of days to reply.
    pub p90_days: Option<f64>,
    /// Up to three most common flags with their counts.
    pub top_flags: Vec<(Flag, usize)>,
}

/// The summary table over a run, units with the most replies first.
pub fn summarize<'a>(audits: impl IntoIterator<Item = &'a Audit>) -> Vec<UnitSummary> {
    let mut by: FxHashMap<String, Vec<&Audit>> = FxHashMap::default();
    for a in audits {
        by.entry(a.summary_unit()).or_default().push(a);
    }
    let mut rows: Vec<UnitSummary> = by
        .into_iter()
        .map(|(unit, list)| {
            let mut days: Vec<f64> = list.iter().filter_map(|a| a.days_to_reply).collect();
            days.sort_by(f64::total_cmp);
            let rank = |q: f64| -> Option<f64> {
                if days.is_empty() {
                    return None;
                }
                let k = ((q * days.len() as f64).ceil() as usize).clamp(1, days.len());
                Some(days[k - 1])
            };
            let mut counts: FxHashMap<Flag, usize> = FxHashMap::default();
            for a in &list {
                for f in &a.flags {
                    *counts.entry(*f).or_default() += 1;
                }
            }
            let mut top: Vec<(Flag, usize)> = counts.into_iter().collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            top.truncate(3);
            let poor = list.iter().filter(|a| a.is_poor()).count();
            UnitSummary {
                replies: list.len(),
                poor_share: ((poor as f64 / list.len() as f64) * 1000.0).round() / 1000.0,
                median_days: rank(0.5),
                p90_days: rank(0.9),
                top_flags: top,
                unit,
            }
        })
        .collect();
    rows.sort_by(|a, b| b.replies.cmp(&a.replies).then(a.unit.cmp(&b.unit)));
    rows
}

impl UnitSummary {
    /// The JSON line of the CLI's `--summary`.
    pub fn to_json(&self) -> String {
        let flags: serde_json::Map<String, serde_json::Value> = self
            .top_flags
            .iter()
            .map(|(f, n)| (f.as_str().to_string(), serde_json::json!(n)))
            .collect();
        serde_json::json!({
            "unit": self.unit,
            "replies": self.replies,
            "poor_share": self.poor_share,
            "median_days": self.median_days,
            "p90_days": self.p90_days,
            "top_flags": flags,
        })
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_config_compiles() {
        let a = Auditor::new(&AuditConfig::embedded(), &Normalizer::new()).unwrap();
        assert_eq!(a.settings().deadline.days, 21);
    }

    #[test]
    fn working_days_skip_weekends() {
        // 2024-03-01 is a Friday; 2024-03-08 the next Friday: 5 working days after it.
        let fri = crate::aggregate::parse_time("2024-03-01T10:00:00").unwrap();
        let next = crate::aggregate::parse_time("2024-03-08T10:00:00").unwrap();
        assert_eq!(working_days(fri, next), 5);
    }

    #[test]
    fn stems_drop_the_place() {
        assert_eq!(unit_stem("荷塘区城管局"), "城管局");
        assert!(same_unit("区城管局", "荷塘区城管局"));
        assert!(!same_unit("市教育局", "荷塘区城管局"));
    }

    #[test]
    fn generic_units_take_the_message_place() {
        let p = coded_place("A7县黄花镇回龙居民出行难");
        assert_eq!(p.county.as_deref(), Some("A7县"));
        assert_eq!(p.city.as_deref(), Some("A市"));
        assert_eq!(qualify("市政府", &p), "A市政府");
        assert_eq!(qualify("县人民政府", &p), "A7县政府");
        assert_eq!(qualify("行政执法局", &p), "A7县行政执法局");
        assert_eq!(qualify("K2区教育局", &p), "K2区教育局");
        assert_eq!(qualify("荷塘区城管局", &p), "荷塘区城管局");
        assert_eq!(qualify("安沙镇政府", &p), "安沙镇政府");
        assert_eq!(qualify("K市人民政府", &p), "K市政府");
        assert_eq!(qualify("市委市政府", &p), "A市委市政府");
        assert_eq!(qualify("城乡建设局", &p), "A7县城乡建设局");
        assert_eq!(qualify("泉塘街道办", &p), "A7县泉塘街道办");
        let none = coded_place("小区门口路灯坏了");
        assert_eq!(qualify("市政府", &none), "市政府");
        let city = coded_place("K市公交车太挤");
        assert_eq!(city.county, None);
        assert_eq!(qualify("县政府", &city), "县政府（K市）");
    }

    #[test]
    fn signoff_date_is_found() {
        assert!(signoff_start("已修复。2019年5月9日").is_some());
        assert!(signoff_start("将于2019年5月9日前修复完毕,请您监督").is_none());
    }
}
