//! Stage 6, aggregate: triaged reports (id, time, group, likes, text) in; [`Issue`]s out —
//! near-duplicate reports from many groups folded into one issue, routed once at the level
//! that covers every place it was reported from, and ranked by hotness.
//!
//! Similarity works on character bigrams of a report's *key text* (its title when it has one,
//! else its text) and of its body (the first 200 characters), each weighted by an inverse
//! document frequency learned online from the reports seen so far, so that the rare words that
//! name a place or an estate (丽发新城, 伊景园滨河苑) count and 小区/问题/投诉 do not.
//! Candidates come from an inverted index over the rarer key bigrams; a report joins the open
//! issue with the best match over its members (any-member linkage, so rewordings chain) when:
//! weighted Jaccard of the key texts ≥ 0.3, or the key text of one is mostly contained in the
//! other's (weighted containment ≥ 0.7 with Jaccard ≥ 0.18), or the bodies are near-duplicates
//! (weighted Jaccard ≥ 0.3); and the categories agree (waived when the key texts are clearly
//! alike, key ≥ 0.35, or the bodies near-duplicate, body ≥ 0.5), and one of the shared bigrams
//! is about as rare as the report's rarest (a distinctive name), and the places are compatible
//! (one contains the other, or both lie in one county), and the key texts do not name
//! different things of one kind (see [`names`]). A report is compared with up to 32 members of
//! each candidate issue. The state is plain serde data, so a service can save it and restore it.

pub mod names;
pub mod near;
pub mod state;

pub use state::{write_file_atomically, RestoreOptions, StateHeader};

use crate::classify::Kind;
use crate::jurisdiction::{DivisionId, Gazetteer, Level};
use crate::route::Route;
use crate::Engine;
use rustc_hash::{FxHashMap, FxHasher};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, VecDeque};
use std::hash::Hasher;

/// Tuning of the aggregator.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AggregatorConfig {
    /// Issues not reported for this many seconds are closed (default 90 days).
    pub window_seconds: i64,
    /// Minimum weighted Jaccard of key texts (default 0.3).
    pub min_key_jaccard: f32,
    /// Minimum weighted containment of key texts (default 0.7), with Jaccard ≥ 0.6 × the above.
    pub min_key_containment: f32,
    /// Minimum weighted Jaccard of bodies (default 0.3).
    pub min_body_jaccard: f32,
    /// Key similarity at which differing categories no longer keep two reports apart
    /// (default 0.35): one problem is often triaged into two neighbouring categories.
    pub category_waiver_key_jaccard: f32,
    /// Second join path: largest gap, in seconds, between a report and an issue of the same
    /// township (or named place) for their content words to be compared (default 3 days).
    #[serde(default = "default_near_gap")]
    pub near_gap_seconds: i64,
    /// Second join path: largest gap, in seconds, for reports without a division that name
    /// the same estate, company, school … (default 30 days): a named place is narrower than
    /// a township, and the message board's events last weeks.
    #[serde(default = "default_near_named_gap")]
    pub near_named_gap_seconds: i64,
    /// Second join path: minimum weighted Jaccard of the folded content words when the
    /// categories agree (default 0.1).
    #[serde(default = "default_near_min")]
    pub near_min_jaccard: f32,
    /// Second join path: minimum weighted Jaccard when the categories differ (default 0.2):
    /// content that agrees this strongly overrides the triage's category.
    #[serde(default = "default_near_strong")]
    pub near_strong_jaccard: f32,
    /// Second join path, reports placed by a named place: largest gap, in seconds, at which
    /// content that agrees strongly (weighted Jaccard ≥ [`Self::near_long_jaccard`]) still
    /// joins (default 90 days, the window): the message board's events last months, and a
    /// report that words one so closely is rarely another problem of the same place.
    #[serde(default = "default_near_long_gap")]
    pub near_long_gap_seconds: i64,
    /// Weighted Jaccard of content words needed past [`Self::near_named_gap_seconds`]
    /// (default 0.2, as when the categories differ).
    #[serde(default = "default_near_long_jaccard")]
    pub near_long_jaccard: f32,
    /// A report that matches several open issues merges them only when some member of one
    /// and some member of the other share content words at this weighted Jaccard (default
    /// 0.14; 0 merges always, as before): one report can touch two problems of one place.
    #[serde(default = "default_bridge_min_jaccard")]
    pub bridge_min_jaccard: f32,
    /// Time given to a report whose time is [`UNKNOWN_TIME`]; `None` (the default) gives it
    /// the latest time seen (the time of the batch it arrives in).
    #[serde(default)]
    pub default_time: Option<i64>,
    /// Closed issues kept for the output (default 100,000): past it the earliest closed are
    /// dropped (counted in [`Aggregator::closed_dropped`]), so that a service running for
    /// years holds the open issues plus this many closed ones, not every report ever seen.
    #[serde(default = "default_max_closed")]
    pub max_closed_issues: usize,
}

fn default_near_gap() -> i64 {
    AggregatorConfig::default().near_gap_seconds
}
fn default_near_named_gap() -> i64 {
    AggregatorConfig::default().near_named_gap_seconds
}
fn default_near_min() -> f32 {
    AggregatorConfig::default().near_min_jaccard
}
fn default_near_strong() -> f32 {
    AggregatorConfig::default().near_strong_jaccard
}
fn default_near_long_gap() -> i64 {
    AggregatorConfig::default().near_long_gap_seconds
}
fn default_near_long_jaccard() -> f32 {
    AggregatorConfig::default().near_long_jaccard
}
fn default_bridge_min_jaccard() -> f32 {
    AggregatorConfig::default().bridge_min_jaccard
}
fn default_max_closed() -> usize {
    AggregatorConfig::default().max_closed_issues
}

/// A report's time when its source gave none: [`Aggregator::add`] replaces it with
/// [`AggregatorConfig::default_time`] or, without one, the latest report time seen (0 for the
/// very first report). `jsonl` gives it to lines without a `time`.
pub const UNKNOWN_TIME: i64 = i64::MIN;

impl Default for AggregatorConfig {
    fn default() -> Self {
        AggregatorConfig {
            window_seconds: 90 * 86_400,
            min_key_jaccard: 0.3,
            min_key_containment: 0.7,
            min_body_jaccard: 0.3,
            category_waiver_key_jaccard: 0.35,
            near_gap_seconds: 3 * 86_400,
            near_named_gap_seconds: 30 * 86_400,
            near_min_jaccard: 0.1,
            near_strong_jaccard: 0.2,
            near_long_gap_seconds: 90 * 86_400,
            near_long_jaccard: 0.2,
            bridge_min_jaccard: 0.14,
            default_time: None,
            max_closed_issues: 100_000,
        }
    }
}

/// One report, after triage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Caller's id.
    pub id: String,
    /// Unix seconds; [`UNKNOWN_TIME`] when the source gave none.
    pub time: i64,
    /// Posting group's division code, if known.
    pub group: Option<String>,
    /// Likes, where the source has them.
    pub likes: u32,
    /// Title (subject line), where the source has one.
    pub title: Option<String>,
    /// The text.
    pub text: String,
    /// Triaged kind.
    pub kind: Kind,
    /// Triaged category.
    pub category: Option<String>,
    /// The runner-up category, when its score is at least half the winner's: reports of one
    /// problem often split between two neighbouring categories.
    pub also_category: Option<String>,
    /// Triaged division code.
    pub division: Option<String>,
}

/// Members compared per issue (the latest ones): bounds the cost of any-member linkage.
const MAX_COMPARED_MEMBERS: usize = 32;
/// Members whose bigrams an open issue keeps: the latest MAX_COMPARED_MEMBERS, plus one so
/// that the first kept is never at index 0 once the cap is reached (index 0 is taken for the
/// issue's first member, whose body is compared): matching is exactly as with all of them
/// kept, and an issue's memory stops growing with its members.
const KEPT_MEMBER_SHINGLES: usize = MAX_COMPARED_MEMBERS + 1;
/// Member ids an issue lists. Past this, a member is counted and its id kept only as a 64-bit
/// hash (enough to refuse a replayed report), so that an issue that never goes quiet costs
/// 8 bytes per further report instead of its id: memory follows open issues, not reports.
pub const MAX_LISTED_MEMBERS: usize = 1000;
/// Share of `min_key_jaccard` required between two untitled reports.
const UNTITLED_KEY_SHARE: f32 = 0.75;
/// Pseudo-reports added to the document count of the online IDF.
const IDF_PRIOR_REPORTS: f32 = 1000.0;
/// Candidate issues examined per report (those sharing the most rare bigrams with it).
const MAX_CANDIDATES: usize = 8;
/// Expiry is checked at most this often, in seconds of report time.
const EXPIRY_RESOLUTION_SECONDS: i64 = 3600;
/// Index entries shared by more open issues than this are skipped when finding candidates.
const MAX_POSTING: usize = 64;
/// A report's distinctive names: this many of its rarest key bigrams.
const DISTINCTIVE_BIGRAMS: usize = 3;
/// A shared bigram is distinctive when its weight reaches this share of the weight of the
/// report's `DISTINCTIVE_BIGRAMS`-th rarest bigram.
const DISTINCTIVE_SHARE: f32 = 0.8;
/// Body Jaccard at which two reports are near-duplicates: categories need not agree.
const NEAR_DUPLICATE_BODY_JACCARD: f32 = 0.5;
/// Second join path: content words two reports must share, besides the weighted Jaccard.
const NEAR_MIN_SHARED_WORDS: usize = 2;
/// Characters of an untitled-or-titled report's text searched for named places when it has no
/// division (second join path).
const NEAR_PLACE_CHARS: usize = 150;
/// Characters of the body that take part in body similarity.
const BODY_CHARS: usize = 200;
/// Document counts whose logarithm is tabled ([`ln_one_plus_count`]): bigrams held by more
/// reports than this are few.
const LN_COUNTS: usize = 1 << 12;

/// `ln(1 + count)` for every count below [`LN_COUNTS`].
fn ln_one_plus_count() -> &'static [f32] {
    static TABLE: std::sync::OnceLock<Box<[f32]>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| (0..LN_COUNTS).map(|c| (1.0 + c as f32).ln()).collect())
}

/// Bigram sets of one member, with their total weights at the time it arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Shingles {
    key: Vec<u32>,
    body: Vec<u32>,
    key_weight: f32,
    body_weight: f32,
    categories: Vec<String>,
    /// Whether its key is a title.
    titled: bool,
    /// Organizations and places its key names (see [`names::named_things`]).
    #[serde(default)]
    names: Vec<names::NamedThing>,
    /// Folded content words (see [`near`]), sorted, and their total weight; empty until
    /// cut (while `uncut` holds their source).
    #[serde(default)]
    words: Vec<u32>,
    #[serde(default)]
    words_weight: f32,
    /// What the content words are cut from, until a report of the same place within the gap
    /// needs them: most reports never do, and cutting is most of the second path's cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    uncut: Option<near::WordSource>,
    /// Which bits its key and body bigrams set ([`BigramBits`]): derived, not saved.
    #[serde(skip)]
    key_bits: BigramBits,
    #[serde(skip)]
    body_bits: BigramBits,
}

/// Words of a [`BigramBits`]: 1,024 bits, a bigram's bit being the top ten bits of its hash.
const BIT_WORDS: usize = 16;
const BIT_SHIFT: u32 = 32 - 10;

/// The bits a member's bigrams set, by which a comparison that cannot reach its threshold is
/// skipped without merging the lists (see [`WeightsByBit::bound`]). Rebuilt from the bigrams
/// on restore; never part of equality.
#[derive(Debug, Clone, Default)]
struct BigramBits(Option<Box<[u64; BIT_WORDS]>>);

impl BigramBits {
    fn of(hashes: &[u32]) -> Self {
        // Set on the stack, then boxed: a zeroed box was a `calloc`, several times a `malloc`.
        let mut bits = [0u64; BIT_WORDS];
        for &h in hashes {
            let bit = (h >> BIT_SHIFT) as usize;
            bits[bit >> 6] |= 1 << (bit & 63);
        }
        BigramBits(Some(Box::new(bits)))
    }
}

impl PartialEq for BigramBits {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// The report's bigram weights added up by bit: what the bigrams behind the bits a member
/// shares with it weigh bounds from above what the member's list can share with its list.
#[derive(Debug, Clone, Default)]
struct WeightsByBit {
    bits: [u64; BIT_WORDS],
    /// By bit (empty until the first fill: a `Scratch` is made anew for every report).
    weights: Vec<f32>,
}

impl WeightsByBit {
    fn fill(&mut self, hashes: &[u32], weights: &[f32]) {
        self.weights.resize(BIT_WORDS * 64, 0.0);
        let by_bit: &mut [f32; BIT_WORDS * 64] = (&mut self.weights[..])
            .try_into()
            .expect("one weight per bit");
        // Only the entries the previous report set are cleared.
        for (w, word) in self.bits.iter_mut().enumerate() {
            while *word != 0 {
                by_bit[(w * 64 + word.trailing_zeros() as usize) & (BIT_WORDS * 64 - 1)] = 0.0;
                *word &= *word - 1;
            }
        }
        debug_assert_eq!(hashes.len(), weights.len());
        for (i, &h) in hashes.iter().enumerate() {
            let weight = weights[i];
            let bit = (h >> BIT_SHIFT) as usize;
            self.bits[bit >> 6] |= 1 << (bit & 63);
            by_bit[bit] += weight;
        }
    }

    /// At least the weighted intersection of the report's list with that of a member whose
    /// bits are `other` (exactly, not counting float rounding; [`BOUND_SLACK`] covers it).
    fn bound(&self, other: &[u64; BIT_WORDS]) -> f32 {
        let by_bit: &[f32; BIT_WORDS * 64] =
            (&self.weights[..]).try_into().expect("filled before use");
        let mut sum = 0f32;
        for (w, (&mine, &theirs)) in self.bits.iter().zip(other.iter()).enumerate() {
            let mut shared = mine & theirs;
            while shared != 0 {
                sum += by_bit[(w * 64 + shared.trailing_zeros() as usize) & (BIT_WORDS * 64 - 1)];
                shared &= shared - 1;
            }
        }
        sum
    }
}

/// A bound is trusted to exclude a comparison only when this much above it still falls short:
/// sums of the same weights in another order differ by far less.
const BOUND_SLACK: f32 = 1.0001;

impl Shingles {
    /// Cuts the content words if they are not cut yet.
    fn cut_words(&mut self) {
        if let Some(source) = self.uncut.take() {
            let (words, weights) = source.words();
            self.words = words;
            self.words_weight = weights.iter().sum();
        }
    }
}

/// An issue: one problem and every report of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    /// Stable id (derived from the first report's id).
    pub issue_id: String,
    /// The first report's text (its title and text).
    pub representative: String,
    /// Member report ids, in arrival order, at most [`MAX_LISTED_MEMBERS`] ([`Issue::count`]
    /// counts them all). (A deque: an issue absorbed into a smaller one is not copied member
    /// by member.)
    pub members: VecDeque<String>,
    /// Hashes ([`member_hash`]) of the members beyond the listed ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unlisted: Vec<u64>,
    /// Distinct posting groups, in arrival order.
    pub groups: Vec<String>,
    /// Earliest report time (unix seconds).
    pub first_seen: i64,
    /// Latest report time (unix seconds).
    pub last_seen: i64,
    /// Sum of likes.
    pub likes: u64,
    /// Kind of the first report (misconduct wins if any member is misconduct).
    pub kind: Kind,
    /// Category of the first report.
    pub category: Option<String>,
    /// Code of the division covering every member (their lowest common ancestor).
    pub division: Option<String>,
    /// Bigrams of the latest KEPT_MEMBER_SHINGLES members while the issue is open; emptied
    /// when it closes.
    shingles: Vec<Shingles>,
    /// Every key bigram of its members, sorted: the index postings that name this issue
    /// (repointed when it is absorbed). Emptied when it closes.
    #[serde(default)]
    keys: Vec<u32>,
    /// Place keys of its members (townships, or named places), sorted: the place index
    /// postings that name this issue. Emptied when it closes.
    #[serde(default)]
    places: Vec<u32>,
    /// Members per triaged category: the issue's category is the most voted.
    #[serde(default)]
    category_votes: Vec<(String, u32)>,
}

impl Issue {
    /// Takes in every report of `other` (the earlier-opened issue keeps its id).
    fn merge(&mut self, g: &Gazetteer, other: Issue) {
        // The smaller list goes to the other's end: absorbing a large issue into a small one
        // costs the small one's members, not the large one's.
        if other.members.len() > self.members.len() {
            let mine = std::mem::replace(&mut self.members, other.members);
            for m in mine.into_iter().rev() {
                self.members.push_front(m);
            }
        } else {
            self.members.extend(other.members);
        }
        // Like the members: the shorter list is the one copied.
        let mut other_unlisted = other.unlisted;
        if other_unlisted.len() > self.unlisted.len() {
            std::mem::swap(&mut self.unlisted, &mut other_unlisted);
        }
        self.unlisted.extend(other_unlisted);
        if self.members.len() > MAX_LISTED_MEMBERS {
            let extra = self.members.split_off(MAX_LISTED_MEMBERS);
            self.unlisted.extend(extra.iter().map(|m| member_hash(m)));
        }
        for grp in other.groups {
            if !self.groups.contains(&grp) {
                self.groups.push(grp);
            }
        }
        self.first_seen = self.first_seen.min(other.first_seen);
        self.last_seen = self.last_seen.max(other.last_seen);
        self.likes = self.likes.saturating_add(other.likes);
        if other.kind == Kind::Misconduct {
            self.kind = Kind::Misconduct;
        }
        let a = self.division.as_deref().and_then(|c| g.find_code(c));
        let b = other.division.as_deref().and_then(|c| g.find_code(c));
        self.division = match (a, b) {
            (Some(a), Some(b)) => g.common_ancestor(a, b).map(|x| g.code(x)),
            (Some(a), None) | (None, Some(a)) => Some(g.code(a)),
            (None, None) => None,
        };
        self.shingles.extend(other.shingles);
        if self.shingles.len() > KEPT_MEMBER_SHINGLES {
            let extra = self.shingles.len() - KEPT_MEMBER_SHINGLES;
            self.shingles.drain(..extra);
        }
        union_into(&mut self.keys, &other.keys);
        union_into(&mut self.places, &other.places);
        for (c, n) in other.category_votes {
            match self.category_votes.iter_mut().find(|(x, _)| *x == c) {
                Some((_, m)) => *m += n,
                None => self.category_votes.push((c, n)),
            }
        }
        // The category most members were triaged into (ties keep the earlier one).
        let mut best: Option<&(String, u32)> = None;
        for v in &self.category_votes {
            if best.is_none_or(|b| v.1 > b.1) {
                best = Some(v);
            }
        }
        if let Some((c, _)) = best {
            self.category = Some(c.clone());
        }
    }

    /// Number of reports (listed or not).
    pub fn count(&self) -> usize {
        self.members.len() + self.unlisted.len()
    }

    /// Hashes of every member id, listed or not.
    fn member_hashes(&self) -> impl Iterator<Item = u64> + '_ {
        self.members
            .iter()
            .map(|m| member_hash(m))
            .chain(self.unlisted.iter().copied())
    }

    /// Hotness: `(reports + 2·(distinct groups − 1) + 2·ln(1 + likes)) · 0.5^(age / 7 days)`,
    /// age measured from the issue's last report to `now`. More reports from more groups, more
    /// likes and recent activity rank higher; a week of silence halves it.
    pub fn hotness(&self, now: i64) -> f64 {
        let base = self.count() as f64
            + 2.0 * (self.groups.len().max(1) - 1) as f64
            + 2.0 * (1.0 + self.likes as f64).ln();
        let age_days = (now - self.last_seen).max(0) as f64 / 86_400.0;
        base * 0.5f64.powf(age_days / 7.0)
    }
}

/// The streaming aggregator: open issues in a time window, an inverted index over them, and
/// the document frequencies that weight similarity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aggregator {
    config: AggregatorConfig,
    open: Vec<Option<Issue>>,
    /// The latest `config.max_closed_issues` closed issues, earliest closed first.
    closed: VecDeque<Issue>,
    /// Closed issues dropped to keep `closed` within `config.max_closed_issues`.
    #[serde(default)]
    closed_dropped: u64,
    /// Key bigram → open issue slots holding it.
    #[serde(with = "sorted_map")]
    index: FxHashMap<u32, Vec<u32>>,
    key_df: DocumentCounts,
    body_df: DocumentCounts,
    /// Place key → open issue slots reported from there (second join path).
    #[serde(default, with = "sorted_map")]
    place_index: FxHashMap<u32, Vec<u32>>,
    /// Keys of the places reports have named with a generic suffix (second join path): found
    /// in later reports without one.
    #[serde(default)]
    known_places: near::KnownPlaces,
    reports: u32,
    now: i64,
    last_expiry: i64,
    /// Closed issues whose index entries have not been swept yet.
    stale: usize,
    /// `(last_seen, slot)` of every open issue, oldest first: expiry pops from the front
    /// instead of scanning every slot. Derived from `open`, so not saved (rebuilt on restore).
    #[serde(skip)]
    by_last_seen: BTreeSet<(i64, u32)>,
    /// Member report id → open issue slot: a report already in an open issue is not added
    /// again (replaying reports after a restore must not count them twice). Derived from
    /// `open`, so not saved.
    #[serde(skip)]
    open_ids: OpenIds,
    #[serde(skip)]
    scratch: Scratch,
}

/// Member report id → open issue slot. An absorbed issue's members keep the slot they were
/// given, and `moved` leads from it to the issue that absorbed them (until slots are
/// compacted), so that absorbing a large issue costs nothing per member.
#[derive(Debug, Clone, Default)]
struct OpenIds {
    /// By [`member_hash`] of the id: 12 bytes an entry, whatever the id's length.
    ids: FxHashMap<u64, u32>,
    moved: FxHashMap<u32, u32>,
}

/// The stable 64-bit hash by which open members are known (saved for unlisted members, so it
/// must not change between builds: FNV-1a, see [`crate::hashing`]).
fn member_hash(id: &str) -> u64 {
    crate::hashing::stable_hash([id])
}

impl OpenIds {
    /// Where the issue first put at `slot` is now.
    fn follow(moved: &FxHashMap<u32, u32>, mut slot: u32) -> u32 {
        while let Some(&to) = moved.get(&slot) {
            slot = to;
        }
        slot
    }

    /// The open issue slot of member `id`.
    fn get(&self, id: &str) -> Option<u32> {
        self.get_hash(member_hash(id))
    }

    /// The open issue slot of the member whose id hashes to `h`.
    fn get_hash(&self, h: u64) -> Option<u32> {
        let slot = *self.ids.get(&h)?;
        Some(Self::follow(&self.moved, slot))
    }
}

impl PartialEq for OpenIds {
    /// Equal when every id leads to the same slot, however it got there.
    fn eq(&self, other: &Self) -> bool {
        self.ids.len() == other.ids.len()
            && self
                .ids
                .keys()
                .all(|&h| self.get_hash(h) == other.get_hash(h))
    }
}

/// Working vectors of [`Aggregator::add`], kept between reports so that adding one allocates
/// little. Not state: two aggregators are equal whatever their scratch holds.
#[derive(Debug, Clone, Default)]
struct Scratch {
    key_w: Vec<f32>,
    body_w: Vec<f32>,
    body_rest: Vec<f32>,
    candidates: Vec<u32>,
    counted: Vec<(u32, u32)>,
    matches: Vec<(f32, usize)>,
    near: Vec<u32>,
    /// Hits per open issue slot while candidates are counted (all zero between reports).
    slot_counts: Vec<u32>,
    key_rest: Vec<f32>,
    /// The report's title and text, folded, and the hashes of their bigrams (unsorted).
    title: Vec<char>,
    text: Vec<char>,
    title_bigrams: Vec<u32>,
    text_bigrams: Vec<u32>,
    sorter: HashSorter,
    key_by_bit: WeightsByBit,
    body_by_bit: WeightsByBit,
}

impl PartialEq for Scratch {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Document counts of bigrams: an open-addressing table indexed by the low bits of the
/// bigram hashes themselves (already mixed, so nothing is hashed again), at most three quarters
/// full (and at least three eighths) so that a probe is short. Counting every bigram of every report was a tenth of the time with a
/// general hash map. Saved as the sorted `[hash, count]` list the hash map was saved as.
#[derive(Debug, Clone, Default)]
struct DocumentCounts {
    /// `[hash, count]`; a count of 0 marks an empty slot. Empty, or a power of two long.
    slots: Vec<[u32; 2]>,
    len: usize,
}

impl DocumentCounts {
    /// Room for `more` new hashes without growing while they are counted.
    fn reserve(&mut self, more: usize) {
        let needed = 4 * (self.len + more) / 3;
        if needed <= self.slots.len() {
            return;
        }
        let old = std::mem::take(&mut self.slots);
        self.slots = vec![[0, 0]; (2 * needed).next_power_of_two().max(64)];
        for [h, c] in old {
            if c != 0 {
                *self.slot_mut(h) = [h, c];
            }
        }
    }

    /// The slot of `h`: where it is, or the empty slot where it goes.
    #[inline]
    fn slot_mut(&mut self, h: u32) -> &mut [u32; 2] {
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        while self.slots[i][1] != 0 && self.slots[i][0] != h {
            i = (i + 1) & mask;
        }
        &mut self.slots[i]
    }

    /// Counts one more document holding `h` (room reserved first); returns its new count.
    #[inline]
    fn count(&mut self, h: u32) -> u32 {
        let slot = self.slot_mut(h);
        if slot[1] == 0 {
            *slot = [h, 1];
            self.len += 1;
            1
        } else {
            slot[1] = slot[1].saturating_add(1);
            slot[1]
        }
    }

    /// Every `(hash, count)`, in no order.
    fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.slots
            .iter()
            .filter(|[_, c]| *c != 0)
            .map(|&[h, c]| (h, c))
    }

    fn get(&self, h: u32) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        while self.slots[i][1] != 0 {
            if self.slots[i][0] == h {
                return Some(self.slots[i][1]);
            }
            i = (i + 1) & mask;
        }
        None
    }
}

impl PartialEq for DocumentCounts {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().all(|(h, c)| other.get(h) == Some(c))
    }
}

impl Serialize for DocumentCounts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut pairs: Vec<(u32, u32)> = self.iter().collect();
        pairs.sort_unstable();
        pairs.serialize(s)
    }
}

impl<'de> Deserialize<'de> for DocumentCounts {
    /// A hash listed twice keeps its last count, as the hash map did; a count of 0 (never
    /// saved by this build) is as if the hash were not listed, which weighs it the same.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs: Vec<(u32, u32)> = Vec::deserialize(d)?;
        let mut counts = DocumentCounts::default();
        counts.reserve(pairs.len());
        for (h, c) in pairs.into_iter().filter(|&(_, c)| c != 0) {
            let slot = counts.slot_mut(h);
            let new = slot[1] == 0;
            *slot = [h, c];
            counts.len += new as usize;
        }
        Ok(counts)
    }
}

/// Hash maps serialize as sorted lists, so that a saved state is byte-for-byte reproducible.
mod sorted_map {
    use rustc_hash::FxHashMap;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    pub fn serialize<V: Serialize + Ord, S: Serializer>(
        m: &FxHashMap<u32, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut v: Vec<(&u32, &V)> = m.iter().collect();
        v.sort();
        v.serialize(s)
    }
    pub fn deserialize<'de, V: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<FxHashMap<u32, V>, D::Error> {
        let v: Vec<(u32, V)> = Vec::deserialize(d)?;
        Ok(v.into_iter().collect())
    }
}

use crate::hashing::mix;

/// Sorted, deduplicated hashes of the character bigrams of the letters and digits of `text`
/// (normalized; at most `max_chars` characters).
pub fn shingles(engine: &Engine, text: &str, max_chars: usize) -> Vec<u32> {
    // Fold character by character and stop at `max_chars`: a long body is never folded whole.
    let normalizer = engine.normalizer();
    let chars: Vec<char> = text
        .chars()
        .filter_map(|c| normalizer.fold_char(c))
        .filter(|&c| is_letter_or_digit(c))
        .take(max_chars)
        .collect();
    shingles_of_folded(&chars, max_chars, &mut HashSorter::default())
}

/// Folds `text` into `out` (cleared) and returns how many folded characters its first
/// `NEAR_PLACE_CHARS` characters give (the opening searched for named places). With
/// `Some(letters)` it stops once the opening is passed and `out` holds that many letters and
/// digits (and so at least as many characters as a content-word opening takes): the rest of
/// a titled report's body takes part in nothing.
///
/// In the same pass `bigrams` (cleared) gets the unsorted hashes of the bigrams of the letters
/// and digits folded (every one of them: what [`shingles_of_folded`] of `out` hashes with
/// `max_chars` = `letters`, or all of them), so that the folded text is not read again for
/// its bigrams.
fn fold_into(
    normalizer: &crate::normalize::Normalizer,
    text: &str,
    letters: Option<usize>,
    out: &mut Vec<char>,
    bigrams: &mut Vec<u32>,
) -> usize {
    // The letters taken stop past the opening: none is cut short inside it.
    const _: () = assert!(NEAR_PLACE_CHARS <= BODY_CHARS);
    out.clear();
    bigrams.clear();
    // At most one character per byte: pushing never reallocates.
    out.reserve(text.len());
    bigrams.reserve(text.len());
    // The letter before, as a `u32` (NO_LETTER before the first).
    const NO_LETTER: u32 = u32::MAX;
    let mut previous = NO_LETTER;
    let mut found = 0usize;
    // (A macro rather than a closure: the loops read `found` and `out` between steps.)
    macro_rules! step {
        ($f:expr) => {{
            let f: char = $f;
            out.push(f);
            if is_letter_or_digit(f) {
                if previous != NO_LETTER {
                    bigrams.push(bigram_hash(previous, f));
                }
                previous = f as u32;
                found += 1;
            }
        }};
    }
    // The opening, then the rest without counting characters seen.
    let mut chars = text.chars();
    for c in chars.by_ref().take(NEAR_PLACE_CHARS) {
        if let Some(f) = normalizer.fold_char(c) {
            step!(f);
        }
    }
    let opening = out.len();
    match letters {
        None => {
            for c in chars {
                if let Some(f) = normalizer.fold_char(c) {
                    step!(f);
                }
            }
        }
        Some(n) => {
            for c in chars {
                if found >= n {
                    break;
                }
                if let Some(f) = normalizer.fold_char(c) {
                    step!(f);
                }
            }
        }
    }
    // No more letters than the body takes (the bigrams above are all of them).
    debug_assert!(letters.is_none_or(|n| found <= n));
    // A single letter is its own shingle (as in `shingles_of_folded`).
    if bigrams.is_empty() && previous != NO_LETTER {
        bigrams.push((mix(previous as u64) & 0xffff_ffff) as u32);
    }
    opening
}

/// The hash of the bigram of letters `p` then `c`.
#[inline]
fn bigram_hash(p: u32, c: char) -> u32 {
    (mix(((p as u64) << 32) | c as u64) & 0xffff_ffff) as u32
}

/// The sorted, distinct `hashes` (sorted in place), as a vector of their own size.
fn sorted_distinct(hashes: &mut Vec<u32>, sorter: &mut HashSorter) -> Vec<u32> {
    sorter.sort(hashes);
    hashes.dedup();
    hashes.to_vec()
}

/// [`shingles`] of text already folded (its first `max_chars` letters and digits).
fn shingles_of_folded(chars: &[char], max_chars: usize, sorter: &mut HashSorter) -> Vec<u32> {
    // One pass: each letter or digit makes a bigram with the one before it.
    let mut out: Vec<u32> = Vec::with_capacity(chars.len().min(max_chars));
    let mut previous: Option<char> = None;
    let mut taken = 0usize;
    for &c in chars {
        if !is_letter_or_digit(c) {
            continue;
        }
        if taken == max_chars {
            break;
        }
        taken += 1;
        if let Some(p) = previous {
            out.push(bigram_hash(p as u32, c));
        }
        previous = Some(c);
    }
    if let (true, Some(c)) = (out.is_empty(), previous) {
        out.push((mix(c as u64) & 0xffff_ffff) as u32);
    }
    sorter.sort(&mut out);
    out.dedup();
    out
}

/// Sorts hashes (uniformly spread `u32`s) in place: the same order as `sort_unstable`, in
/// about a third of its time for a body's 200. Each goes to the bucket of its top bits (about
/// one per bucket), and an insertion sort then has only the few within a bucket to order.
/// Its arrays are kept between sorts.
#[derive(Debug, Clone, Default)]
struct HashSorter {
    bucketed: Option<Box<[u32; 4 << HashSorter::MAX_BUCKET_BITS]>>,
    starts: Option<Box<[u16; (1 << HashSorter::MAX_BUCKET_BITS) + 1]>>,
}

impl HashSorter {
    const MAX_BUCKET_BITS: u32 = 10;

    fn sort(&mut self, v: &mut [u32]) {
        const BUCKETS: usize = 1 << HashSorter::MAX_BUCKET_BITS;
        const MOST: usize = 4 << HashSorter::MAX_BUCKET_BITS;
        let n = v.len();
        if !(33..=MOST).contains(&n) {
            v.sort_unstable();
            return;
        }
        let bits = (usize::BITS - (n - 1).leading_zeros()).min(Self::MAX_BUCKET_BITS);
        let shift = 32 - bits;
        // Fixed-size arrays indexed through masks that cannot change the index (a bucket is
        // below 2^bits ≤ BUCKETS, a position below n ≤ MOST): no bounds check per element.
        let starts: &mut [u16; BUCKETS + 1] = self
            .starts
            .get_or_insert_with(|| Box::new([0; BUCKETS + 1]));
        let buckets = 1usize << bits;
        starts[..=buckets].fill(0);
        for &h in v.iter() {
            starts[((h >> shift) as usize & (BUCKETS - 1)) + 1] += 1;
        }
        let mut sum = 0u16;
        for s in starts[..=buckets].iter_mut() {
            sum += *s;
            *s = sum;
        }
        let out: &mut [u32; MOST] = self.bucketed.get_or_insert_with(|| Box::new([0; MOST]));
        for &h in v.iter() {
            let at = &mut starts[(h >> shift) as usize & (BUCKETS - 1)];
            out[*at as usize & (MOST - 1)] = h;
            *at += 1;
        }
        let out = &mut out[..n];
        for i in 1..n {
            let x = out[i];
            let mut j = i;
            while j > 0 && out[j - 1] > x {
                out[j] = out[j - 1];
                j -= 1;
            }
            out[j] = x;
        }
        v.copy_from_slice(out);
    }
}

/// `char::is_alphanumeric` with the common CJK block answered without its table search.
#[inline]
fn is_letter_or_digit(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
        || c.is_ascii_alphanumeric()
        || (!c.is_ascii() && c.is_alphanumeric())
}

/// Weighted intersection of sorted `a` (with weights `wa`, aligned) and sorted `b`, and the
/// largest weight among the shared elements. With `stop = Some((rest, needed))`, `rest[i]`
/// being the total weight of `a[i..]`, it gives up with `(0, 0)` as soon as the intersection
/// cannot reach `needed`: most body comparisons fail, and fail early.
fn weighted_intersection(
    a: &[u32],
    wa: &[f32],
    b: &[u32],
    stop: Option<(&[f32], f32)>,
) -> (f32, f32) {
    debug_assert_eq!(a.len(), wa.len());
    const CHECK_EVERY: usize = 16;
    let (mut i, mut j, mut inter, mut max) = (0, 0, 0f32, 0f32);
    while i < a.len() && j < b.len() {
        // Branch-free steps: which list advances is data-dependent and unpredictable, and this
        // merge is most of the aggregator's time (bodies are up to 200 bigrams). Each step
        // advances i or j or both, so when both have CHECK_EVERY elements left the block
        // needs no end test.
        if i + CHECK_EVERY <= a.len() && j + CHECK_EVERY <= b.len() {
            let (a16, wa16) = (&a[i..i + CHECK_EVERY], &wa[i..i + CHECK_EVERY]);
            let b16 = &b[j..j + CHECK_EVERY];
            let (mut di, mut dj) = (0usize, 0usize);
            for _ in 0..CHECK_EVERY {
                let (x, y) = (a16[di & (CHECK_EVERY - 1)], b16[dj & (CHECK_EVERY - 1)]);
                let w = if x == y {
                    wa16[di & (CHECK_EVERY - 1)]
                } else {
                    0.0
                };
                inter += w;
                // Not f32::max: weights are never NaN, and this compiles to one instruction.
                max = if w > max { w } else { max };
                di += (x <= y) as usize;
                dj += (y <= x) as usize;
            }
            i += di;
            j += dj;
        } else {
            for _ in 0..CHECK_EVERY {
                if i >= a.len() || j >= b.len() {
                    break;
                }
                let (x, y) = (a[i], b[j]);
                let w = if x == y { wa[i] } else { 0.0 };
                inter += w;
                max = if w > max { w } else { max };
                i += (x <= y) as usize;
                j += (y <= x) as usize;
            }
        }
        if let Some((rest, needed)) = stop {
            if inter + rest[i] < needed {
                return (0.0, 0.0);
            }
        }
    }
    (inter, max)
}

/// [`weighted_intersection`] of `a` with `b` (no stop), and the intersection of the same
/// lists under a second weighting `wa2` of `a`: the sums are added in the same order, so each
/// is the value the single merge gives.
fn weighted_intersection_twice(a: &[u32], wa: &[f32], wa2: &[f32], b: &[u32]) -> (f32, f32, f32) {
    debug_assert!(a.len() == wa.len() && a.len() == wa2.len());
    let (mut i, mut j, mut inter, mut max, mut inter2) = (0, 0, 0f32, 0f32, 0f32);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        let (w, w2) = if x == y { (wa[i], wa2[i]) } else { (0.0, 0.0) };
        inter += w;
        inter2 += w2;
        max = if w > max { w } else { max };
        i += (x <= y) as usize;
        j += (y <= x) as usize;
    }
    (inter, max, inter2)
}

/// Weighted Jaccard of two content-word lists (sorted `a` with its weights `wa` and their
/// total, sorted `b` with its total) and how many words they share: the second join path's
/// measure, for a report against a member and for a member of one issue against another's.
fn content_jaccard(a: &[u32], wa: &[f32], a_total: f32, b: &[u32], b_total: f32) -> (f32, usize) {
    let (wi, shared) = weighted_intersection_count(a, wa, b);
    let wu = a_total + b_total - wi;
    (if wu > 0.0 { wi / wu } else { 0.0 }, shared)
}

/// Weighted intersection of sorted `a` (weights `wa`) and sorted `b`, and how many they share.
fn weighted_intersection_count(a: &[u32], wa: &[f32], b: &[u32]) -> (f32, usize) {
    let (mut i, mut j, mut inter, mut n) = (0, 0, 0f32, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += wa[i];
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    (inter, n)
}

/// The sorted, distinct union of two sorted, distinct lists, in one linear pass (an issue's
/// keys grow by a report's few new bigrams; sorting them all again per report cost 25 %).
fn sorted_union(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        out.push(x.min(y));
        i += (x <= y) as usize;
        j += (y <= x) as usize;
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// `a` ∪ `b` into `a` (both sorted, distinct): a report joining a large issue usually
/// brings no bigram it lacks, and then nothing is copied.
fn union_into(a: &mut Vec<u32>, b: &[u32]) {
    if b.iter().all(|x| a.binary_search(x).is_ok()) {
        return;
    }
    *a = sorted_union(a, b);
}

/// Places are compatible when either is unknown, one contains the other, or they share a county.
fn places_compatible(g: &Gazetteer, a: Option<DivisionId>, b: Option<DivisionId>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            g.is_ancestor_or_self(a, b)
                || g.is_ancestor_or_self(b, a)
                || g.common_ancestor(a, b)
                    .is_some_and(|lca| g.level(lca) >= Level::County)
        }
        _ => true,
    }
}

/// The report being added, as it is compared with the members of candidate issues.
struct Probe<'a> {
    key: &'a [u32],
    key_w: &'a [f32],
    /// `key_rest[i]`: the weight of key bigrams `i..`.
    key_rest: &'a [f32],
    key_total: f32,
    body: &'a [u32],
    body_w: &'a [f32],
    /// `body_rest[i]`: the weight of body bigrams `i..` (bounds what a merge can still gain).
    body_rest: &'a [f32],
    body_total: f32,
    categories: &'a [String],
    titled: bool,
    names: &'a [names::NamedThing],
    /// The weight of its `DISTINCTIVE_BIGRAMS`-th rarest key bigram.
    distinctive_floor: f32,
    key_by_bit: &'a WeightsByBit,
    body_by_bit: &'a WeightsByBit,
}

impl Probe<'_> {
    /// How well the report matches member `m`: its key or body Jaccard, or 0 when they are not
    /// one problem. Bodies are compared only when `compare_bodies`.
    fn score(&self, m: &Shingles, cfg: &AggregatorConfig, compare_bodies: bool) -> f32 {
        // Two reports naming different things of one kind (展星投资有限公司 vs 中南大宗商品电子
        // 商务有限公司, A3区 vs A5区) are two problems, however alike the rest.
        if names::conflict(self.names, &m.names) {
            return 0.0;
        }
        // Without a title the key is the whole message, filler words and all: its bar is lower
        // (the distinctive-name check below guards precision).
        let key_bar = if m.titled || self.titled {
            cfg.min_key_jaccard
        } else {
            UNTITLED_KEY_SHARE * cfg.min_key_jaccard
        };
        // Without bodies to compare, only similar keys can match: key Jaccard at least
        // min(1, 0.6) × the bar, so the merge may stop once that is out of reach (as for bodies
        // below, with a little slack against float rounding).
        let key_floor = key_bar.min(0.6 * key_bar);
        let key_stop = (!compare_bodies && key_floor > 0.0).then(|| {
            (
                self.key_rest,
                key_floor * (self.key_total + m.key_weight) / (1.0 + key_floor) * 0.999,
            )
        });
        // Two untitled reports: each body is its key (weighed by the body frequencies), so
        // both intersections come from one merge. The body's is then exact where the stopping
        // merge below would give up, which changes nothing: below `needed` a pair never
        // matches.
        // Without bodies, a key whose intersection is bound to fall short decides at once.
        if let (Some((_, needed)), Some(bits)) = (key_stop, &m.key_bits.0) {
            if self.key_by_bit.bound(bits) * BOUND_SLACK < needed {
                return 0.0;
            }
        }
        let both_untitled = compare_bodies && !self.titled && !m.titled;
        let (ki, shared_max, body_inter) = if both_untitled {
            let (ki, max, bi) =
                weighted_intersection_twice(self.key, self.key_w, self.body_w, &m.key);
            (ki, max, Some(bi))
        } else {
            let (ki, max) = weighted_intersection(self.key, self.key_w, &m.key, key_stop);
            (ki, max, None)
        };
        let ku = self.key_total + m.key_weight - ki;
        let kj = if ku > 0.0 { ki / ku } else { 0.0 };
        let smaller = self.key_total.min(m.key_weight);
        let kc = if smaller > 0.0 {
            (ki / smaller).min(1.0)
        } else {
            0.0
        };
        // Two reports about one thing share a distinctive name: one of the shared bigrams is
        // about as rare as the report's rarest (聚利人普惠 vs 展星 are two companies that only
        // share 投资有限公司涉嫌诈骗).
        let distinctive = shared_max >= DISTINCTIVE_SHARE * self.distinctive_floor;
        let categories_agree = self.categories.is_empty() && m.categories.is_empty()
            || self.categories.iter().any(|c| m.categories.contains(c));
        let similar_keys = kj >= key_bar || (kc >= cfg.min_key_containment && kj >= 0.6 * key_bar);
        // Alike enough, or about the same named thing in one category, to need no near-duplicate.
        let passes_without_near_duplicate =
            kj >= cfg.category_waiver_key_jaccard || (categories_agree && distinctive);
        if similar_keys && passes_without_near_duplicate {
            // Decided by the keys: the (long) bodies need not be compared.
            return kj;
        }
        if !compare_bodies {
            return 0.0;
        }
        // The body Jaccard without which this pair cannot match (below it the exact value is
        // never used, so the merge may stop once it is out of reach): similar bodies when the
        // rest passes, near-duplicate ones otherwise.
        let needed = if passes_without_near_duplicate {
            cfg.min_body_jaccard
        } else if similar_keys {
            NEAR_DUPLICATE_BODY_JACCARD
        } else {
            NEAR_DUPLICATE_BODY_JACCARD.max(cfg.min_body_jaccard)
        };
        // bi / (Wa + Wb - bi) >= t  <=>  bi >= t (Wa + Wb) / (1 + t); a little slack keeps
        // float rounding from stopping a merge that would just pass.
        let needed_bi = needed * (self.body_total + m.body_weight) / (1.0 + needed) * 0.999;
        let bi = match body_inter {
            Some(bi) => bi,
            // Bound to fall short of `needed_bi`: no match, as the merge would find.
            None if m
                .body_bits
                .0
                .as_ref()
                .is_some_and(|bits| self.body_by_bit.bound(bits) * BOUND_SLACK < needed_bi) =>
            {
                return 0.0
            }
            None => {
                weighted_intersection(
                    self.body,
                    self.body_w,
                    &m.body,
                    Some((self.body_rest, needed_bi)),
                )
                .0
            }
        };
        let bu = self.body_total + m.body_weight - bi;
        let bj = if bu > 0.0 { bi / bu } else { 0.0 };
        let similar = similar_keys || bj >= cfg.min_body_jaccard;
        let near_duplicate =
            kj >= cfg.category_waiver_key_jaccard || bj >= NEAR_DUPLICATE_BODY_JACCARD;
        if similar && (near_duplicate || (categories_agree && distinctive)) {
            kj.max(bj)
        } else {
            0.0
        }
    }
}

impl Aggregator {
    /// An empty aggregator.
    pub fn new(config: AggregatorConfig) -> Self {
        Aggregator {
            config,
            open: Vec::new(),
            closed: VecDeque::new(),
            closed_dropped: 0,
            index: FxHashMap::default(),
            key_df: DocumentCounts::default(),
            body_df: DocumentCounts::default(),
            place_index: FxHashMap::default(),
            known_places: near::KnownPlaces::default(),
            reports: 0,
            now: i64::MIN,
            last_expiry: i64::MIN,
            stale: 0,
            by_last_seen: BTreeSet::new(),
            open_ids: OpenIds::default(),
            scratch: Scratch::default(),
        }
    }

    /// Adds a report; returns the id of the issue it joined or opened. Reports should arrive in
    /// time order; an earlier time than the latest seen does not move the clock back. A report
    /// whose id is already a member of an open issue is not added again (nothing changes; that
    /// issue's id is returned): replaying reports after a restore counts each once.
    pub fn add(&mut self, engine: &Engine, mut report: Report) -> String {
        if report.time == UNKNOWN_TIME {
            report.time =
                self.config
                    .default_time
                    .unwrap_or(if self.now == i64::MIN { 0 } else { self.now });
        }
        if let Some(slot) = self.open_ids.get(&report.id) {
            if let Some(issue) = &self.open[slot as usize] {
                return issue.issue_id.clone();
            }
        }
        let g = engine.gazetteer();
        if report.time > self.now {
            self.now = report.time;
            // Expiry runs at most once per hour of report time: windows are days long.
            if self.now >= self.last_expiry.saturating_add(EXPIRY_RESOLUTION_SECONDS) {
                self.last_expiry = self.now;
                self.expire();
            }
        }
        // The title and text folded once, for the bigrams, the names and the content words:
        // the text whole when it is the key, else as far as the body and the opening reach.
        let mut scratch = std::mem::take(&mut self.scratch);
        let normalizer = engine.normalizer();
        let titled = report.title.is_some();
        if let Some(t) = &report.title {
            fold_into(
                normalizer,
                t,
                None,
                &mut scratch.title,
                &mut scratch.title_bigrams,
            );
        }
        let opening_len = fold_into(
            normalizer,
            &report.text,
            titled.then_some(BODY_CHARS),
            &mut scratch.text,
            &mut scratch.text_bigrams,
        );
        let key_chars: &[char] = if titled {
            &scratch.title
        } else {
            &scratch.text
        };
        let key = sorted_distinct(
            if titled {
                &mut scratch.title_bigrams
            } else {
                &mut scratch.text_bigrams
            },
            &mut scratch.sorter,
        );
        let mut key_names = Vec::new();
        names::named_things_in(key_chars, &mut key_names);
        let body = if titled {
            sorted_distinct(&mut scratch.text_bigrams, &mut scratch.sorter)
        } else {
            key.clone()
        };
        // Saturating: four billion reports in one state would skew weights, not wrap them.
        self.reports = self.reports.saturating_add(1);
        let n = self.reports as f32;
        // Count the report in the document frequencies and weight its bigrams in one lookup
        // each. A prior of IDF_PRIOR_REPORTS unseen reports keeps the first few reports from
        // giving their shared words zero weight (every bigram is "common" among three reports).
        // Working vectors are reused from report to report (taken here, put back at the end).
        // Most bigrams are rare: their few small counts are weighed once per report.
        // The weight ln((1 + prior + n) / (1 + count)) as a difference of logarithms: the
        // first once per report, the second from a table (a `ln` per distinct count of every
        // report was 2 % of the time).
        let ln_documents = (1.0 + IDF_PRIOR_REPORTS + n).ln();
        let ln_counts = ln_one_plus_count();
        let count_and_weigh = |df: &mut DocumentCounts, bigrams: &[u32], weights: &mut Vec<f32>| {
            weights.clear();
            df.reserve(bigrams.len());
            weights.extend(bigrams.iter().map(|&h| {
                let count = df.count(h);
                ln_documents
                    - match ln_counts.get(count as usize) {
                        Some(&l) => l,
                        None => (1.0 + count as f32).ln(),
                    }
            }));
        };
        count_and_weigh(&mut self.key_df, &key, &mut scratch.key_w);
        count_and_weigh(&mut self.body_df, &body, &mut scratch.body_w);
        // Place names are not content (every report from there shares them): the division's
        // names up to the province, and the named things of the key and the opening.
        // (The opening is searched for named places only when there is no division: with one,
        // the township is the place.)
        let mut at = report.division.as_deref().and_then(|c| g.find_code(c));
        let mut opening_named = Vec::new();
        if at.is_none() {
            names::named_things_in(&scratch.text[..opening_len], &mut opening_named);
        }
        let mut place_names: Vec<&str> = Vec::new();
        while let Some(d) = at {
            place_names.push(g.name(d));
            at = g.parent(d);
        }
        place_names.extend(key_names.iter().chain(&opening_named).map(|n| n.name()));
        let word_source = near::WordSource::from_folded(
            titled.then_some(&scratch.title[..]),
            &scratch.text,
            &place_names,
        );
        let (key_w, body_w) = (&scratch.key_w, &scratch.body_w);
        let (key_total, body_total): (f32, f32) = (key_w.iter().sum(), body_w.iter().sum());
        let body_rest = &mut scratch.body_rest;
        body_rest.clear();
        body_rest.resize(body_w.len() + 1, 0.0);
        for i in (0..body_w.len()).rev() {
            body_rest[i] = body_rest[i + 1] + body_w[i];
        }
        let key_rest = &mut scratch.key_rest;
        key_rest.clear();
        key_rest.resize(key_w.len() + 1, 0.0);
        for i in (0..key_w.len()).rev() {
            key_rest[i] = key_rest[i + 1] + key_w[i];
        }
        let (body_rest, key_rest) = (&scratch.body_rest, &scratch.key_rest);
        let mut categories: Vec<String> = report
            .category
            .iter()
            .chain(report.also_category.iter())
            .cloned()
            .collect();
        categories.dedup();
        let div = report.division.as_deref().and_then(|c| g.find_code(c));
        // Where it is, for the second join path: its township (a county-level division stands
        // for itself); without a division, the estates, companies and schools it names.
        let mut places: Vec<u32> = Vec::new();
        if let Some(d) = div {
            let mut t = d;
            while g.level(t) > Level::Township {
                match g.parent(t) {
                    Some(p) => t = p,
                    None => break,
                }
            }
            places.push(near::place_key(0, &g.code(t)));
        } else {
            // A place named with its generic suffix (丽发新城小区) is learnt; a place learnt from
            // earlier reports is then also found where no suffix follows it (丽发新城附近, 凯乐
            // 国际城周边). Keyed by the end of the name, which the name finder gets right more
            // often than its start (影响丽发新城小区 and 丽发新城小区 are one estate).
            for n in key_names.iter().chain(opening_named.iter()) {
                if n.is_district_code() {
                    continue;
                }
                match self.known_places.learn(n) {
                    Some(k) => places.push(k),
                    None => places.push(near::place_key(1, &n.key())),
                }
            }
            self.known_places.find(&word_source, &mut places);
        }
        places.sort_unstable();
        places.dedup();
        // Candidates: open issues sharing key bigrams with the report (bigrams held by many
        // open issues are skipped: they find everything and distinguish nothing).
        // Counted in a vector indexed by slot (zeroed again after): no sort of every hit.
        let counts = &mut scratch.slot_counts;
        if counts.len() < self.open.len() {
            counts.resize(self.open.len(), 0);
        }
        let counted = &mut scratch.counted;
        counted.clear();
        for h in &key {
            if let Some(slots) = self.index.get(h) {
                if slots.len() <= MAX_POSTING {
                    for &slot in slots {
                        let n = &mut counts[slot as usize];
                        if *n == 0 {
                            counted.push((slot, 0));
                        }
                        *n += 1;
                    }
                }
            }
        }
        for (slot, n) in counted.iter_mut() {
            *n = std::mem::take(&mut counts[*slot as usize]);
        }
        // Keep the issues that share the most bigrams: a bounded amount of work per report.
        // (Slots are distinct, so the order is total: the best MAX_CANDIDATES, in order, are
        // kept in one pass, most hits failing the first comparison.)
        let order = |a: &(u32, u32), b: &(u32, u32)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
        let (mut best, mut kept) = ([(0u32, 0u32); MAX_CANDIDATES], 0usize);
        for &c in counted.iter() {
            if kept == MAX_CANDIDATES && order(&c, &best[kept - 1]).is_ge() {
                continue;
            }
            // A new place at the end, or the last one (worse than this) given up.
            let mut at = kept.min(MAX_CANDIDATES - 1);
            kept = (kept + 1).min(MAX_CANDIDATES);
            while at > 0 && order(&c, &best[at - 1]).is_lt() {
                best[at] = best[at - 1];
                at -= 1;
            }
            best[at] = c;
        }
        let candidates = &mut scratch.candidates;
        candidates.clear();
        candidates.extend(best[..kept].iter().map(|&(slot, _)| slot));
        // The weight of the report's DISTINCTIVE_BIGRAMS-th rarest key bigram (its rarest
        // when it has fewer).
        let mut rarest = [f32::NEG_INFINITY; DISTINCTIVE_BIGRAMS];
        for &w in key_w {
            if w > rarest[DISTINCTIVE_BIGRAMS - 1] {
                rarest[DISTINCTIVE_BIGRAMS - 1] = w;
                rarest.sort_by(|a, b| b.total_cmp(a));
            }
        }
        let distinctive_floor = rarest
            .iter()
            .rev()
            .copied()
            .find(|w| w.is_finite())
            .unwrap_or(0.0);
        // (Only bounds on comparisons need these, and most reports have no candidate.)
        if !scratch.candidates.is_empty() {
            scratch.key_by_bit.fill(&key, key_w);
            scratch.body_by_bit.fill(&body, body_w);
        }
        let probe = Probe {
            key: &key,
            key_w,
            key_rest,
            key_total,
            body: &body,
            body_w,
            body_rest,
            body_total,
            categories: &categories,
            titled,
            names: &key_names,
            distinctive_floor,
            key_by_bit: &scratch.key_by_bit,
            body_by_bit: &scratch.body_by_bit,
        };
        let candidates = &scratch.candidates;
        let cfg = self.config;
        // Every open issue the report matches; the best absorbs the others (they were one
        // problem all along, reported in words that only this report bridges).
        let matches = &mut scratch.matches;
        matches.clear();
        for &slot in candidates {
            let Some(issue) = &self.open[slot as usize] else {
                continue;
            };
            let idiv = issue.division.as_deref().and_then(|c| g.find_code(c));
            if !places_compatible(g, idiv, div) {
                continue;
            }
            // Bodies are long: they are compared with the first and the latest member only.
            let members = issue.shingles.len();
            let score = issue
                .shingles
                .iter()
                .enumerate()
                .rev()
                .take(MAX_COMPARED_MEMBERS)
                .map(|(mi, m)| probe.score(m, &cfg, mi == 0 || mi + 1 == members))
                .fold(0f32, f32::max);
            if score > 0.0 {
                matches.push((score, slot as usize));
            }
        }
        // Second path: open issues of the same place within the gap, by content words. The
        // words of the report and of the members compared are cut only now, when there is
        // such an issue: most reports have none, and cutting is the path's main cost. Word
        // weights come from a fixed table, so cutting late gives the words cutting at once
        // would have given.
        let near_c = &mut scratch.near;
        near_c.clear();
        for p in &places {
            if let Some(slots) = self.place_index.get(p) {
                near_c.extend(slots.iter().rev().take(MAX_POSTING));
            }
        }
        near_c.sort_unstable();
        near_c.dedup();
        // A named place is narrower than a township, and the message board's events last weeks.
        let gap = if div.is_some() {
            cfg.near_gap_seconds
        } else {
            cfg.near_named_gap_seconds
        };
        // Past that gap, up to the long one, only content that agrees strongly joins.
        let long_gap = if div.is_some() {
            gap
        } else {
            gap.max(cfg.near_long_gap_seconds)
        };
        near_c.retain(|&slot| {
            self.open[slot as usize].as_ref().is_some_and(|issue| {
                report.time <= issue.last_seen.saturating_add(long_gap)
                    && report.time >= issue.first_seen.saturating_sub(long_gap)
                    && places_compatible(
                        g,
                        issue.division.as_deref().and_then(|c| g.find_code(c)),
                        div,
                    )
            })
        });
        let (mut words, mut words_total, mut uncut) = (Vec::new(), 0f32, Some(word_source));
        // The report's own words are cut at the first member that is cut too (not when every
        // member near names another thing of one kind): left uncut, they are cut later if
        // needed, to the same words.
        let mut word_w = Vec::new();
        if !near_c.is_empty() {
            'near: for &slot in near_c.iter() {
                let Some(issue) = &mut self.open[slot as usize] else {
                    continue;
                };
                let mut best = 0f32;
                let near_in_time = report.time <= issue.last_seen.saturating_add(gap)
                    && report.time >= issue.first_seen.saturating_sub(gap);
                for m in issue.shingles.iter_mut().rev().take(MAX_COMPARED_MEMBERS) {
                    // A member naming another thing of one kind is not cut for nothing.
                    if names::conflict(&key_names, &m.names) {
                        continue;
                    }
                    if let Some(source) = uncut.take() {
                        (words, word_w) = source.words();
                        words_total = word_w.iter().sum();
                    }
                    if words.is_empty() {
                        break 'near;
                    }
                    m.cut_words();
                    if m.words.is_empty() {
                        continue;
                    }
                    let (wj, shared) =
                        content_jaccard(&words, &word_w, words_total, &m.words, m.words_weight);
                    let agree = categories.is_empty() && m.categories.is_empty()
                        || categories.iter().any(|c| m.categories.contains(c));
                    let bar = if agree {
                        cfg.near_min_jaccard
                    } else {
                        cfg.near_strong_jaccard
                    };
                    let bar = if near_in_time {
                        bar
                    } else {
                        bar.max(cfg.near_long_jaccard)
                    };
                    if wj >= bar && shared >= NEAR_MIN_SHARED_WORDS {
                        best = best.max(wj);
                    }
                }
                if best > 0.0 {
                    match matches.iter_mut().find(|(_, s)| *s == slot as usize) {
                        Some(m) => m.0 = m.0.max(best),
                        None => matches.push((best, slot as usize)),
                    }
                }
            }
        }
        matches.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let best = matches.first().copied();
        if let Some(((_, target), others)) = matches.split_first() {
            for &(_, other) in others {
                // A report matching two issues merges them only when the issues themselves
                // agree: one report can touch two problems of one place (a food court's
                // misleading leases and its missing fire approval).
                if self.issues_agree(*target, other, cfg.bridge_min_jaccard) {
                    self.absorb(g, *target, other);
                }
            }
        }
        let body_bits = BigramBits::of(&body);
        let shingle = Shingles {
            key: key.clone(),
            body,
            key_weight: key_total,
            body_weight: body_total,
            categories,
            titled,
            names: key_names,
            words,
            words_weight: words_total,
            uncut,
            key_bits: BigramBits::of(&key),
            body_bits,
        };
        let category_votes: Vec<(String, u32)> =
            report.category.iter().map(|c| (c.clone(), 1)).collect();
        // The report as an issue of its own: merged into the best match, or opened.
        let mut single = Issue {
            issue_id: String::new(),
            representative: String::new(),
            members: VecDeque::from([report.id]),
            unlisted: Vec::new(),
            groups: report.group.into_iter().collect(),
            first_seen: report.time,
            last_seen: report.time,
            likes: report.likes as u64,
            kind: report.kind,
            category: report.category,
            division: div.map(|d| g.code(d)),
            shingles: vec![shingle],
            keys: key.clone(),
            places: places.clone(),
            category_votes,
        };
        let id = single.members[0].clone();
        // The index postings to add: an issue's postings name it for every one of its keys and
        // places (absorbed ones included), so only those it lacks are new, and a new issue's
        // slot is in no posting yet. (Postings of common bigrams list every open issue: they
        // are not searched.)
        let (mut new_keys, mut new_places) = (key, places);
        let slot = match best {
            Some((_, slot)) => {
                if let Some(issue) = &self.open[slot] {
                    new_keys.retain(|k| issue.keys.binary_search(k).is_err());
                    new_places.retain(|p| issue.places.binary_search(p).is_err());
                }
                self.merge_into(g, slot, single);
                slot
            }
            None => {
                single.issue_id = issue_id(mix(fx(&single.members[0])));
                // Concatenated rather than `format!`ted: one of these per new issue.
                single.representative = match &report.title {
                    Some(t) => {
                        let mut r = String::with_capacity(t.len() + 1 + report.text.len());
                        r.push_str(t);
                        r.push('\n');
                        r.push_str(&report.text);
                        r
                    }
                    None => report.text,
                };
                self.open.push(Some(single));
                let slot = self.open.len() - 1;
                self.by_last_seen.insert((report.time, slot as u32));
                slot
            }
        };
        self.open_ids.ids.insert(member_hash(&id), slot as u32);
        for k in new_keys {
            self.index.entry(k).or_default().push(slot as u32);
        }
        for p in new_places {
            self.place_index.entry(p).or_default().push(slot as u32);
        }
        self.scratch = scratch;
        self.open[slot]
            .as_ref()
            .map(|i| i.issue_id.clone())
            .unwrap_or_default()
    }

    /// Whether any of the latest members of the open issue at `a` and any of `b`'s share
    /// content words at weighted Jaccard `bar` or more (and at least
    /// [`NEAR_MIN_SHARED_WORDS`]). Only called when a report matches several issues.
    fn issues_agree(&mut self, a: usize, b: usize, bar: f32) -> bool {
        if bar <= 0.0 || a == b {
            return true;
        }
        let (x, y) = if a < b {
            let (l, r) = self.open.split_at_mut(b);
            (l[a].as_mut(), r[0].as_mut())
        } else {
            let (l, r) = self.open.split_at_mut(a);
            (r[0].as_mut(), l[b].as_mut())
        };
        let (Some(x), Some(y)) = (x, y) else {
            return false;
        };
        for m in x.shingles.iter_mut().rev().take(MAX_COMPARED_MEMBERS) {
            m.cut_words();
        }
        for n in y.shingles.iter_mut().rev().take(MAX_COMPARED_MEMBERS) {
            n.cut_words();
        }
        let mut weights = Vec::new();
        for m in x.shingles.iter().rev().take(MAX_COMPARED_MEMBERS) {
            if m.words.is_empty() {
                continue;
            }
            weights.clear();
            weights.extend(m.words.iter().map(|&h| near::word_weight(h)));
            let agrees = y.shingles.iter().rev().take(MAX_COMPARED_MEMBERS).any(|n| {
                let (wj, shared) =
                    content_jaccard(&m.words, &weights, m.words_weight, &n.words, n.words_weight);
                wj >= bar && shared >= NEAR_MIN_SHARED_WORDS
            });
            if agrees {
                return true;
            }
        }
        false
    }

    /// Merges the open issue at slot `other` into the one at `target`, pointing its index
    /// entries at `target`.
    fn absorb(&mut self, g: &Gazetteer, target: usize, other: usize) {
        let Some(absorbed) = self.open[other].take() else {
            return;
        };
        self.by_last_seen
            .remove(&(absorbed.last_seen, other as u32));
        // Its members' ids keep their slot, which now leads to `target` (an issue of a
        // million reports is not renumbered one id at a time).
        self.open_ids.moved.insert(other as u32, target as u32);
        for key in &absorbed.keys {
            if let Some(slots) = self.index.get_mut(key) {
                for s in slots.iter_mut() {
                    if *s as usize == other {
                        *s = target as u32;
                    }
                }
                slots.sort_unstable();
                slots.dedup();
            }
        }
        for p in &absorbed.places {
            if let Some(slots) = self.place_index.get_mut(p) {
                for s in slots.iter_mut() {
                    if *s as usize == other {
                        *s = target as u32;
                    }
                }
                slots.sort_unstable();
                slots.dedup();
            }
        }
        self.merge_into(g, target, absorbed);
    }

    /// Merges `other` into the open issue at `target`, keeping the expiry queue in step.
    fn merge_into(&mut self, g: &Gazetteer, target: usize, other: Issue) {
        let into = self.open[target].as_mut().expect("target is open");
        let before = into.last_seen;
        into.merge(g, other);
        if into.last_seen != before {
            self.by_last_seen.remove(&(before, target as u32));
            self.by_last_seen.insert((into.last_seen, target as u32));
        }
    }

    /// Closes the open issues whose last report is older than the window.
    fn expire(&mut self) {
        let cutoff = self.now.saturating_sub(self.config.window_seconds);
        while let Some(&(last_seen, slot)) = self.by_last_seen.first() {
            if last_seen >= cutoff {
                break;
            }
            self.by_last_seen.pop_first();
            if let Some(mut issue) = self.open[slot as usize].take() {
                for h in issue.member_hashes() {
                    self.open_ids.ids.remove(&h);
                }
                // A closed issue is never compared again: its members' bigrams (most of an
                // issue's memory) go, so that memory follows the open issues, not every
                // report ever seen.
                issue.shingles = Vec::new();
                issue.keys = Vec::new();
                issue.places = Vec::new();
                self.closed.push_back(issue);
                self.stale += 1;
                while self.closed.len() > self.config.max_closed_issues {
                    self.closed.pop_front();
                    self.closed_dropped += 1;
                }
            }
        }
        // Index entries of closed issues are skipped when read; sweep them once they pile up.
        if self.stale > 1024 && self.stale * 4 > self.open.len() {
            self.stale = 0;
            self.compact_slots();
        }
    }

    /// Removes the empty slots of closed and absorbed issues from `open` and renumbers every
    /// slot held elsewhere (index postings, expiry queue, member ids). Numbering keeps its
    /// order, so postings stay in arrival order and matching is unchanged; without this,
    /// `open` would keep one empty slot for every issue ever opened.
    fn compact_slots(&mut self) {
        const GONE: u32 = u32::MAX;
        let mut next = 0u32;
        let renumber: Vec<u32> = self
            .open
            .iter()
            .map(|slot| match slot {
                Some(_) => {
                    next += 1;
                    next - 1
                }
                None => GONE,
            })
            .collect();
        self.open.retain(Option::is_some);
        for postings in [&mut self.index, &mut self.place_index] {
            postings.retain(|_, slots| {
                slots.retain_mut(|s| {
                    *s = renumber[*s as usize];
                    *s != GONE
                });
                !slots.is_empty()
            });
        }
        self.by_last_seen = std::mem::take(&mut self.by_last_seen)
            .into_iter()
            .map(|(t, s)| (t, renumber[s as usize]))
            .collect();
        let OpenIds { ids, moved } = &mut self.open_ids;
        for slot in ids.values_mut() {
            *slot = renumber[OpenIds::follow(moved, *slot) as usize];
        }
        moved.clear();
    }

    /// The configuration in force.
    pub fn config(&self) -> &AggregatorConfig {
        &self.config
    }

    /// Closed issues dropped so far to keep [`AggregatorConfig::max_closed_issues`].
    pub fn closed_dropped(&self) -> u64 {
        self.closed_dropped
    }

    /// Open issues.
    pub fn open_issues(&self) -> impl Iterator<Item = &Issue> {
        self.open.iter().flatten()
    }

    /// Every issue, open and closed, hottest first (ties by first report time, then id).
    pub fn ranked(&self) -> Vec<&Issue> {
        let mut all: Vec<&Issue> = self
            .open
            .iter()
            .flatten()
            .chain(self.closed.iter())
            .collect();
        let now = self.now;
        all.sort_by(|a, b| {
            b.hotness(now)
                .total_cmp(&a.hotness(now))
                .then(a.first_seen.cmp(&b.first_seen))
                .then(a.issue_id.cmp(&b.issue_id))
        });
        all
    }

    /// The issue id of every listed member of every issue kept, open or closed (an issue lists
    /// its first [`MAX_LISTED_MEMBERS`] members).
    pub fn assignments(&self) -> FxHashMap<&str, &str> {
        let mut out = FxHashMap::default();
        for issue in self.open.iter().flatten().chain(self.closed.iter()) {
            for m in &issue.members {
                out.insert(m.as_str(), issue.issue_id.as_str());
            }
        }
        out
    }

    /// The latest report time seen.
    pub fn now(&self) -> i64 {
        self.now
    }

    /// The route of an issue, recomputed at the division covering all its members.
    pub fn route(&self, engine: &Engine, issue: &Issue) -> Option<Route> {
        let g = engine.gazetteer();
        let div = issue.division.as_deref().and_then(|c| g.find_code(c));
        if issue.kind == Kind::Other {
            return None;
        }
        engine
            .profile()
            .router
            .route(g, issue.kind, issue.category.as_deref(), div, None)
    }

    /// Whether report `id` is a member of an open issue (and so would not be added again).
    pub fn is_open_member(&self, id: &str) -> bool {
        self.open_ids.ids.contains_key(&member_hash(id))
    }

    /// Rebuilds what is derived from `open` and not saved: the expiry queue and the member
    /// ids. A report id in two open issues is refused (this build never saves one).
    fn rebuild_derived(&mut self) -> Result<(), String> {
        self.by_last_seen = self
            .open
            .iter()
            .enumerate()
            .filter_map(|(slot, i)| i.as_ref().map(|i| (i.last_seen, slot as u32)))
            .collect();
        for issue in self.open.iter_mut().flatten() {
            for m in &mut issue.shingles {
                m.key_bits = BigramBits::of(&m.key);
                m.body_bits = BigramBits::of(&m.body);
            }
        }
        self.open_ids = OpenIds::default();
        for (slot, issue) in self.open.iter().enumerate() {
            let Some(issue) = issue else { continue };
            for (n, h) in issue.member_hashes().enumerate() {
                if let Some(first) = self.open_ids.ids.insert(h, slot as u32) {
                    let which = match issue.members.get(n) {
                        Some(m) => format!("report id {m:?}"),
                        None => format!("an unlisted report id (hash {h:016x})"),
                    };
                    return Err(format!(
                        "{which} is a member of open issues `state.open[{first}]` and `state.open[{slot}]`"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// `issue-` and the hash as 16 lowercase hex digits (`format!("issue-{h:016x}")`, without
/// the formatting machinery: one per new issue).
fn issue_id(h: u64) -> String {
    let mut id = String::with_capacity(22);
    id.push_str("issue-");
    for shift in (0..16).rev() {
        id.push(char::from_digit(((h >> (4 * shift)) & 0xf) as u32, 16).expect("a hex digit"));
    }
    id
}

pub(crate) fn fx(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.finish()
}

/// Formats unix seconds as ISO 8601 UTC.
pub fn iso8601(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Days in month `m` (1..=12) of year `y`, Gregorian.
fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses `YYYY/MM/DD HH:MM:SS` (as in the message data) or ISO 8601 (`YYYY-MM-DD`,
/// `YYYY-MM-DDTHH:MM:SS`, with an optional `Z` or `±HH:MM` offset) to unix seconds; `None`
/// for a date that is not on the calendar (`2020-02-30`) or a year that is not four digits.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, rest) = match s.find([' ', 'T']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => (s, ""),
    };
    let mut d = date.split(['/', '-']);
    let year = d.next()?;
    // Four-digit years only: a longer one is a typo or an overflow, not a date.
    if year.len() != 4 {
        return None;
    }
    let y: i64 = year.parse().ok()?;
    let m: i64 = d.next()?.parse().ok()?;
    let day: i64 = d.next()?.parse().ok()?;
    if d.next().is_some() || !(1..=12).contains(&m) || day < 1 || day > days_in_month(y, m) {
        return None;
    }
    let (clock, offset) = match rest.find(['Z', '+']).or_else(|| rest.rfind('-')) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let mut secs = 0i64;
    if !clock.is_empty() {
        let mut t = clock.split(':');
        let h: i64 = t.next()?.parse().ok()?;
        let mi: i64 = t.next().unwrap_or("0").parse().ok()?;
        let se: f64 = t.next().unwrap_or("0").parse().ok()?;
        if h > 23 || mi > 59 || !(0.0..61.0).contains(&se) {
            return None;
        }
        secs = h * 3600 + mi * 60 + se as i64;
    }
    let off = match offset {
        "" | "Z" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let mut p = o[1..].split(':');
            let oh: i64 = p.next()?.parse().ok()?;
            let om: i64 = p.next().unwrap_or("0").parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = if y2 >= 0 { y2 } else { y2 - 399 } / 400;
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + secs - off)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_ids_are_sixteen_hex_digits() {
        for h in [0, 1, 0xabc, u64::MAX, 0x0123_4567_89ab_cdef] {
            assert_eq!(issue_id(h), format!("issue-{h:016x}"));
        }
    }

    #[test]
    fn bigrams_hashed_while_folding_are_those_of_the_folded_text() {
        let engine = Engine::default();
        let long = "A市A2区丽发新城小区近期百米范围内修建搅拌厂，严重环境污染！".repeat(12);
        for text in [
            "",
            "，",
            "坑",
            "a",
            "丽发",
            "A3区 K9县",
            "Ｆｕｌｌ１２ 繁體字",
            long.as_str(),
        ] {
            for letters in [None, Some(BODY_CHARS)] {
                let (mut chars, mut bigrams) = (Vec::new(), Vec::new());
                fold_into(engine.normalizer(), text, letters, &mut chars, &mut bigrams);
                let mut sorter = HashSorter::default();
                let max = letters.unwrap_or(usize::MAX);
                assert_eq!(
                    sorted_distinct(&mut bigrams, &mut sorter),
                    shingles_of_folded(&chars, max, &mut sorter),
                    "{text} {letters:?}"
                );
            }
        }
    }

    #[test]
    fn hashes_sort_as_sort_unstable_does() {
        let mut sorter = HashSorter::default();
        let mut h = 0x1234_5678_9abc_def0u64;
        for n in [0, 1, 2, 31, 33, 64, 199, 200, 1000, 4096, 5000] {
            let mut v: Vec<u32> = (0..n)
                .map(|i| {
                    h = mix(h.wrapping_add(i as u64));
                    // Some repeats, and some values sharing their top bits.
                    match i % 7 {
                        0 => 42,
                        1 => (h as u32) & 0xff00_00ff,
                        _ => h as u32,
                    }
                })
                .collect();
            let mut expected = v.clone();
            expected.sort_unstable();
            sorter.sort(&mut v);
            assert_eq!(v, expected, "{n}");
        }
    }

    #[test]
    fn parses_both_time_formats() {
        assert_eq!(parse_time("1970-01-01"), Some(0));
        assert_eq!(parse_time("2019/2/28 11:25:05"), Some(1_551_353_105));
        assert_eq!(parse_time("2019-02-28T11:25:05Z"), Some(1_551_353_105));
        assert_eq!(parse_time("2019-02-28T19:25:05+08:00"), Some(1_551_353_105));
        assert_eq!(parse_time("2019/13/01"), None);
        assert_eq!(parse_time("yesterday"), None);
    }
}
