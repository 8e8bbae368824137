//! The gazetteer: administrative divisions loaded from a CSV (`code,name,level,parent_code`),
//! with every name form people use indexed for lookup.
//!
//! Three indexes keep national data (665k rows) small and fast to load:
//! - suffixed forms of townships and villages (翟家桥村, 兴隆山社区, 虎踞镇) in a sorted hash
//!   table, probed only where the text has a character that ends such a form;
//! - provinces, cities, counties and aliases (including old names) in one Aho-Corasick
//!   automaton, with their bare forms (茶陵, 渌口);
//! - the bare forms of townships and villages (银湖, 龙头铺), built lazily per city, since
//!   those are only trusted near the posting group.
//!
//! Former names (襄樊市, 辽中县, 长沙县跳马镇) come from `data/former-names.tsv`, derived from
//! the national table of division changes by `scripts/gen_former_names.py`; each points at the
//! unit that holds the place now and, through an anchor, at where its old parent is now, so
//! that an old address chain (长沙县跳马乡) still links up.

use crate::bounded::excerpt;
use crate::error::{Error, ErrorKind, Result};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use rustc_hash::{FxHashMap, FxHashSet, FxHasher};
use std::hash::Hasher;
use std::path::Path;
use std::sync::OnceLock;

/// Administrative level of a division.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// 省 (level 1).
    Province = 1,
    /// 地级市 (level 2).
    City = 2,
    /// 县、区、县级市 (level 3).
    County = 3,
    /// 乡、镇、街道 (level 4).
    Township = 4,
    /// 村、社区 (level 5).
    Village = 5,
}

impl Level {
    /// From the CSV's numeric level.
    pub fn from_number(n: u8) -> Option<Level> {
        Some(match n {
            1 => Level::Province,
            2 => Level::City,
            3 => Level::County,
            4 => Level::Township,
            5 => Level::Village,
            _ => return None,
        })
    }

    /// The lower-case English name used in results (`village`, `township`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Township => "township",
            Level::Village => "village",
        }
    }

    /// Parses `as_str`'s output.
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "province" => Level::Province,
            "city" => Level::City,
            "county" => Level::County,
            "township" => Level::Township,
            "village" => Level::Village,
            _ => return None,
        })
    }
}

/// Index of a division in its [`Gazetteer`].
pub type DivisionId = u32;
const NONE: u32 = u32::MAX;

#[derive(Debug, Clone)]
struct Record {
    code: u64,
    code_len: u8,
    level: Level,
    parent: u32,
    name_start: u32,
    name_len: u16,
    /// Byte length of the display form's stem within `name` (display = stem + suffix).
    display_stem: u16,
    display_suffix: DisplaySuffix,
}

/// How the display form (银湖村) is built from the published name (银湖村村民委员会).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DisplaySuffix {
    None,
    Cun,
    Shequ,
}

impl DisplaySuffix {
    fn as_str(self) -> &'static str {
        match self {
            DisplaySuffix::None => "",
            DisplaySuffix::Cun => "村",
            DisplaySuffix::Shequ => "社区",
        }
    }
}

/// Which form of a name matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FormKind {
    /// The name as published (银湖村村民委员会).
    Full,
    /// The everyday form with its suffix (银湖村, 兴隆山社区).
    Display,
    /// The bare form (银湖, 茶陵): trusted only near the group, or for counties and above.
    Bare,
    /// An alias or old name from the profile (株洲县 → 渌口区).
    Alias,
    /// A township's name with 乡 and 镇 swapped (跳马乡 for 跳马镇): the type changed, people
    /// still write the old one.
    Variant,
    /// A former name from the table of division changes (襄樊市 → 襄阳市).
    Former,
}

impl FormKind {
    /// True for forms that carry an administrative suffix as written (a deliberate mention),
    /// false for bare forms (茶陵, 湖南), which often sit inside other names.
    pub fn is_explicit(self) -> bool {
        self != FormKind::Bare
    }
}

/// Index of a former name in its [`Gazetteer`].
pub type FormerId = u32;

/// A name a unit had before a change, and where that unit is now.
#[derive(Debug, Clone)]
struct Former {
    name: Box<str>,
    /// The current unit that holds it.
    target: u32,
    /// The current unit that holds its old parent (`NONE` when unknown).
    anchor: u32,
}

/// One reading of a mention: a division it may name, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// The division.
    pub id: DivisionId,
    /// The form that matched.
    pub kind: FormKind,
    /// Set when the mention is a former name (or profile alias) of `id`.
    pub former: Option<FormerId>,
}

#[derive(Debug, Clone, Copy)]
struct FormEntry {
    hash: u64,
    id: u32,
    kind: FormKind,
}

/// A set of administrative divisions and their name indexes. Immutable once built.
#[derive(Debug)]
pub struct Gazetteer {
    records: Vec<Record>,
    names: String,
    by_code: FxHashMap<(u64, u8), u32>,
    /// Suffixed forms of levels 4–5, sorted by hash.
    lower_forms: Vec<FormEntry>,
    /// Characters that end some suffixed form.
    anchors: CharSet,
    /// One bit per slot of `form_hash >> form_filter_shift`, set for every suffixed form: most
    /// probes of a candidate form miss, and the filter answers those without a binary search.
    form_filter: Vec<u64>,
    form_filter_shift: u32,
    /// Longest suffixed form, in characters.
    max_form_chars: usize,
    upper: Option<AhoCorasick>,
    /// For each pattern of `upper`: (division, kind).
    upper_targets: Vec<(u32, FormKind)>,
    /// Aliases by pattern text (for reporting).
    aliases: Vec<(String, u32)>,
    /// Indexes of the given aliases whose code is not in the divisions (skipped).
    skipped_aliases: Vec<usize>,
    /// Former names and profile aliases, indexed by [`FormerId`].
    formers: Vec<Former>,
    /// Lazily built bare-form index per city, by city id.
    near: FxHashMap<u32, OnceLock<NearIndex>>,
    source: String,
    /// Children of each division: `children[child_start[id]..child_start[id + 1]]`.
    child_start: Vec<u32>,
    children: Vec<u32>,
}

/// Bare forms of the townships and villages of one city.
#[derive(Debug)]
pub(crate) struct NearIndex {
    pub(crate) automaton: Option<AhoCorasick>,
    pub(crate) targets: Vec<Vec<u32>>,
}

/// A place mention found in normalized text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMention {
    /// Start byte in the normalized text.
    pub start: usize,
    /// End byte in the normalized text.
    pub end: usize,
    /// Every reading of the span.
    pub candidates: Vec<Reading>,
    /// The weakest form that matched (bare forms are weaker evidence).
    pub kind: FormKind,
}

/// A set of characters with a bitmap for the Basic Multilingual Plane, where every Chinese
/// character in use lives: membership is asked once per character of every message.
#[derive(Debug, Clone)]
struct CharSet {
    bmp: Vec<u64>,
    astral: FxHashSet<char>,
}

impl Default for CharSet {
    fn default() -> Self {
        CharSet {
            bmp: vec![0; 0x10000 / 64],
            astral: FxHashSet::default(),
        }
    }
}

impl CharSet {
    fn insert(&mut self, c: char) {
        let u = c as usize;
        if u < 0x10000 {
            self.bmp[u / 64] |= 1 << (u % 64);
        } else {
            self.astral.insert(c);
        }
    }

    #[inline]
    fn contains(&self, c: char) -> bool {
        let u = c as usize;
        if u < 0x10000 {
            self.bmp[u / 64] & (1 << (u % 64)) != 0
        } else {
            self.astral.contains(&c)
        }
    }
}

fn hash_str(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.write_u8(0xff);
    h.finish()
}

/// Published-name endings and the everyday suffix that replaces them.
const ADMIN_TRAILERS: &[(&str, DisplaySuffix)] = &[
    ("社区居民委员会", DisplaySuffix::Shequ),
    ("社区居委会", DisplaySuffix::Shequ),
    ("居民委员会", DisplaySuffix::Shequ),
    ("居委会", DisplaySuffix::Shequ),
    ("村民委员会", DisplaySuffix::Cun),
    ("村委会", DisplaySuffix::Cun),
];

/// Suffixes stripped to get a bare form, longest first.
const BARE_SUFFIXES: &[&str] = &["社区", "街道", "村", "镇", "乡", "县", "区", "市", "省"];

fn display_parts(name: &str) -> (usize, DisplaySuffix) {
    for (trailer, suffix) in ADMIN_TRAILERS {
        if let Some(stem) = name.strip_suffix(trailer) {
            let already = match suffix {
                DisplaySuffix::Cun => stem.ends_with('村'),
                DisplaySuffix::Shequ => stem.ends_with("社区"),
                DisplaySuffix::None => true,
            };
            if stem.chars().count() >= 1 {
                return (
                    stem.len(),
                    if already {
                        DisplaySuffix::None
                    } else {
                        *suffix
                    },
                );
            }
        }
    }
    (name.len(), DisplaySuffix::None)
}

/// The bare form of a display name, when at least two characters remain.
pub(crate) fn bare_form(display: &str) -> Option<&str> {
    for suffix in BARE_SUFFIXES {
        if let Some(stem) = display.strip_suffix(suffix) {
            return (stem.chars().count() >= 2).then_some(stem);
        }
    }
    None
}

fn parse_code(s: &str) -> Option<(u64, u8)> {
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u64>().ok().map(|v| (v, s.len() as u8))
}

/// Former names of divisions (`name<TAB>target_code<TAB>anchor_code`), derived from the national
/// table of changes by `scripts/gen_former_names.py` (see its docstring to regenerate).
pub const EMBEDDED_FORMER_NAMES: &str = include_str!("../../data/former-names.tsv");

/// The embedded default gazetteer: 湖南省 and the 株洲市 subtree (see `scripts/gen_gazetteer.sh`).
pub const EMBEDDED_DIVISIONS: &str = include_str!("../../data/zhuzhou-divisions.csv");

impl Gazetteer {
    /// Loads a divisions CSV file of at most 256 MiB (the default
    /// [`crate::Limits::max_file_bytes`]).
    pub fn from_path(path: &Path, aliases: &[(String, String)]) -> Result<Self> {
        Self::from_path_with_limit(path, aliases, crate::Limits::default().max_file_bytes)
    }

    /// Loads a divisions CSV file, reading at most `max_file_bytes` (through a byte budget,
    /// whatever the file claims to be: `/dev/zero` fails at the limit, see [`crate::bounded`]).
    pub fn from_path_with_limit(
        path: &Path,
        aliases: &[(String, String)],
        max_file_bytes: u64,
    ) -> Result<Self> {
        let text = crate::bounded::read_text(path, max_file_bytes, ErrorKind::Divisions)?;
        Self::from_csv(&text, &path.display().to_string(), aliases)
    }

    /// Loads divisions from CSV text; `source` names it in errors.
    ///
    /// `aliases` are `(alias, code)` pairs (old names, nicknames), validated against the data.
    /// An alias whose code the divisions do not hold is skipped (see
    /// [`Gazetteer::skipped_aliases`]): a profile's aliases name its own region, and another
    /// region's divisions must still load with it. A leading byte-order mark is skipped.
    pub fn from_csv(text: &str, source: &str, aliases: &[(String, String)]) -> Result<Self> {
        let text = crate::bounded::strip_bom(text);
        let err =
            |line: usize, msg: String| Error::file(ErrorKind::Divisions, source, Some(line), msg);
        let mut records = Vec::with_capacity(text.len() / 40);
        let mut parents_raw: Vec<Option<(u64, u8)>> = Vec::with_capacity(text.len() / 40);
        // The CSV line of each record, for errors found once every line is read.
        let mut record_lines: Vec<usize> = Vec::with_capacity(text.len() / 40);
        let mut names = String::with_capacity(text.len() / 2);
        let mut by_code: FxHashMap<(u64, u8), u32> = FxHashMap::default();
        by_code.reserve(text.len() / 40);
        for (i, line) in text.lines().enumerate() {
            let lineno = i + 1;
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            if i == 0 && line.starts_with("code") {
                continue;
            }
            let mut fields = line.split(',');
            let (Some(code), Some(name), Some(level), Some(parent)) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(err(
                    lineno,
                    format!(
                        "expected 4 fields code,name,level,parent_code, got {}",
                        excerpt(line)
                    ),
                ));
            };
            if fields.next().is_some() {
                return Err(err(lineno, "more than 4 fields".into()));
            }
            let code_key = parse_code(code.trim())
                .ok_or_else(|| err(lineno, format!("code {} is not a number", excerpt(code))))?;
            let name = name.trim().trim_matches('"');
            if name.is_empty() || name.len() > 200 {
                return Err(err(lineno, "name is empty or longer than 200 bytes".into()));
            }
            let level = level
                .trim()
                .parse::<u8>()
                .ok()
                .and_then(Level::from_number)
                .ok_or_else(|| err(lineno, format!("level {} is not 1..5", excerpt(level))))?;
            let parent = parent.trim();
            let parent_key = if parent.is_empty() {
                None
            } else {
                Some(parse_code(parent).ok_or_else(|| {
                    err(
                        lineno,
                        format!("parent_code {} is not a number", excerpt(parent)),
                    )
                })?)
            };
            if records.len() >= u32::MAX as usize - 1 {
                return Err(err(lineno, "too many rows".into()));
            }
            let id = records.len() as u32;
            if by_code.insert(code_key, id).is_some() {
                return Err(err(lineno, format!("duplicate code {code}")));
            }
            let (stem, suffix) = display_parts(name);
            records.push(Record {
                code: code_key.0,
                code_len: code_key.1,
                level,
                parent: NONE,
                name_start: names.len() as u32,
                name_len: name.len() as u16,
                display_stem: stem as u16,
                display_suffix: suffix,
            });
            names.push_str(name);
            parents_raw.push(parent_key);
            record_lines.push(lineno);
        }
        if records.is_empty() {
            return Err(Error::file(
                ErrorKind::Divisions,
                source,
                None,
                "no divisions",
            ));
        }
        // Resolve parents; report the first line whose parent is missing or not above it.
        for (id, parent) in parents_raw.iter().enumerate() {
            if let Some(key) = parent {
                let Some(&pid) = by_code.get(key) else {
                    return Err(Error::file(
                        ErrorKind::Divisions,
                        source,
                        Some(record_lines[id]),
                        format!(
                            "division {} names parent {} which is not in the file",
                            fmt_code(records[id].code, records[id].code_len),
                            fmt_code(key.0, key.1)
                        ),
                    ));
                };
                if records[pid as usize].level >= records[id].level {
                    // A parent at the same level or below is also how a cycle shows (a → b → a).
                    return Err(Error::file(
                        ErrorKind::Divisions,
                        source,
                        Some(record_lines[id]),
                        format!(
                            "division {} ({}) is not below its parent {} ({}, line {}): parents must be of a higher level, so there can be no cycle",
                            fmt_code(records[id].code, records[id].code_len),
                            records[id].level.as_str(),
                            fmt_code(key.0, key.1),
                            records[pid as usize].level.as_str(),
                            record_lines[pid as usize]
                        ),
                    ));
                }
                records[id].parent = pid;
            }
        }
        // Children lists in one array (counting sort by parent).
        let mut child_start = vec![0u32; records.len() + 1];
        for r in &records {
            if r.parent != NONE {
                child_start[r.parent as usize + 1] += 1;
            }
        }
        for i in 1..child_start.len() {
            child_start[i] += child_start[i - 1];
        }
        let mut children = vec![0u32; *child_start.last().unwrap_or(&0) as usize];
        let mut fill = child_start.clone();
        for (id, r) in records.iter().enumerate() {
            if r.parent != NONE {
                children[fill[r.parent as usize] as usize] = id as u32;
                fill[r.parent as usize] += 1;
            }
        }
        let mut g = Gazetteer {
            child_start,
            children,
            records,
            names,
            by_code,
            lower_forms: Vec::new(),
            anchors: CharSet::default(),
            form_filter: vec![0],
            form_filter_shift: 63,
            max_form_chars: 0,
            upper: None,
            upper_targets: Vec::new(),
            aliases: Vec::new(),
            skipped_aliases: Vec::new(),
            formers: Vec::new(),
            near: FxHashMap::default(),
            source: source.to_string(),
        };
        g.build_indexes(aliases)?;
        Ok(g)
    }

    fn build_indexes(&mut self, aliases: &[(String, String)]) -> Result<()> {
        let mut lower = Vec::with_capacity(self.records.len() * 2);
        let mut upper_patterns: Vec<String> = Vec::new();
        let mut upper_targets = Vec::new();
        let mut cities = FxHashSet::default();
        let mut display = String::new();
        let mut max_form_chars = 0;
        let mut anchors = CharSet::default();
        for id in 0..self.records.len() as u32 {
            let r = &self.records[id as usize];
            let full = self.name(id);
            display.clear();
            display.push_str(&full[..r.display_stem as usize]);
            display.push_str(r.display_suffix.as_str());
            if r.level >= Level::Township {
                let min_chars = 3;
                for (form, kind) in [
                    (full, FormKind::Full),
                    (display.as_str(), FormKind::Display),
                ] {
                    if kind == FormKind::Display && form == full {
                        continue;
                    }
                    let n = form.chars().count();
                    if n < min_chars {
                        continue;
                    }
                    max_form_chars = max_form_chars.max(n);
                    if let Some(last) = form.chars().last() {
                        anchors.insert(last);
                    }
                    lower.push(FormEntry {
                        hash: hash_str(form),
                        id,
                        kind,
                    });
                }
                // 跳马乡 for 跳马镇, 两路镇 for 两路街道: the same place after a change of type.
                if r.level == Level::Township {
                    for variant in township_variants(&display) {
                        if variant.chars().count() >= 3 {
                            max_form_chars = max_form_chars.max(variant.chars().count());
                            if let Some(last) = variant.chars().last() {
                                anchors.insert(last);
                            }
                            lower.push(FormEntry {
                                hash: hash_str(&variant),
                                id,
                                kind: FormKind::Variant,
                            });
                        }
                    }
                }
                if let Some(city) = self.ancestor_at(id, Level::City) {
                    cities.insert(city);
                }
            } else if !is_placeholder(full) {
                upper_patterns.push(full.to_string());
                upper_targets.push((id, FormKind::Full));
                if display != full {
                    upper_patterns.push(display.clone());
                    upper_targets.push((id, FormKind::Display));
                }
                for short in short_forms(&display) {
                    upper_patterns.push(short);
                    upper_targets.push((id, FormKind::Bare));
                }
            }
        }
        // Former names: every row whose current unit is in this gazetteer (a regional one
        // holds few of them).
        for line in EMBEDDED_FORMER_NAMES.lines().skip(1) {
            let mut f = line.split('\t');
            let (Some(name), Some(target), Some(anchor)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            let Some(target) = self.find_code(target) else {
                continue;
            };
            let anchor = self.find_code(anchor).unwrap_or(NONE);
            let mut names = vec![name.to_string()];
            names.extend(township_variants(name));
            for n in names {
                upper_patterns.push(n.clone());
                upper_targets.push((self.formers.len() as u32, FormKind::Former));
                self.formers.push(Former {
                    name: n.into(),
                    target,
                    anchor,
                });
            }
        }
        for (i, (alias, code)) in aliases.iter().enumerate() {
            let Some(id) = self.find_code(code) else {
                self.skipped_aliases.push(i);
                continue;
            };
            upper_patterns.push(alias.clone());
            upper_targets.push((self.formers.len() as u32, FormKind::Alias));
            self.formers.push(Former {
                name: alias.as_str().into(),
                target: id,
                anchor: NONE,
            });
            self.aliases.push((alias.clone(), id));
        }
        lower.sort_unstable_by_key(|f| f.hash);
        // About 16 bits per form: a probe of an absent form passes the filter ~6% of the time.
        let bits = (lower.len() * 16).next_power_of_two().max(64);
        self.form_filter = vec![0u64; bits / 64];
        self.form_filter_shift = 64 - bits.trailing_zeros();
        for f in &lower {
            let slot = (f.hash >> self.form_filter_shift) as usize;
            self.form_filter[slot / 64] |= 1 << (slot % 64);
        }
        self.max_form_chars = max_form_chars;
        self.anchors = anchors;
        self.lower_forms = lower;
        if !upper_patterns.is_empty() {
            // Regional data (a few thousand names) gets a full DFA; national data (~7k upper
            // names) stays an NFA to keep load time and memory down.
            let kind = if upper_patterns.len() <= 40_000 {
                AhoCorasickKind::DFA
            } else {
                AhoCorasickKind::ContiguousNFA
            };
            let ac = AhoCorasick::builder()
                .kind(Some(kind))
                .match_kind(MatchKind::Standard)
                .build(&upper_patterns)
                .map_err(|e| {
                    Error::file(
                        ErrorKind::Divisions,
                        &self.source,
                        None,
                        format!("name index: {e}"),
                    )
                })?;
            self.upper = Some(ac);
        }
        self.upper_targets = upper_targets;
        self.near = cities.into_iter().map(|c| (c, OnceLock::new())).collect();
        Ok(())
    }

    /// Number of divisions.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when there are no divisions (never, for a loaded gazetteer).
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Finds a division by its code (e.g. `"430224109203"`). A code padded with zeros to
    /// the 12-digit NBS form (`430200000000`, `430224000000`) finds the division of the
    /// shorter code (`4302`, `430224`) when the file holds it in that form.
    pub fn find_code(&self, code: &str) -> Option<DivisionId> {
        let (value, len) = parse_code(code.trim())?;
        if let Some(&id) = self.by_code.get(&(value, len)) {
            return Some(id);
        }
        // The NBS levels' code lengths: province 2, city 4, county 6, township 9, village 12.
        const LEVEL_LENGTHS: [u8; 4] = [9, 6, 4, 2];
        if len != 12 {
            return None;
        }
        LEVEL_LENGTHS.iter().find_map(|&short| {
            let scale = 10u64.pow(u32::from(12 - short));
            (value % scale == 0)
                .then(|| self.by_code.get(&(value / scale, short)).copied())
                .flatten()
        })
    }

    /// Indexes, in the `aliases` given to [`Gazetteer::from_csv`], of the aliases skipped
    /// because their code is not in the divisions.
    pub fn skipped_aliases(&self) -> &[usize] {
        &self.skipped_aliases
    }

    /// The division's code as text.
    pub fn code(&self, id: DivisionId) -> String {
        let r = &self.records[id as usize];
        fmt_code(r.code, r.code_len)
    }

    /// The published name (银湖村村民委员会).
    pub fn name(&self, id: DivisionId) -> &str {
        let r = &self.records[id as usize];
        &self.names[r.name_start as usize..r.name_start as usize + r.name_len as usize]
    }

    /// The everyday name (银湖村, 兴隆山社区).
    pub fn display_name(&self, id: DivisionId) -> String {
        let r = &self.records[id as usize];
        let mut s = self.name(id)[..r.display_stem as usize].to_string();
        s.push_str(r.display_suffix.as_str());
        s
    }

    /// The division's level.
    pub fn level(&self, id: DivisionId) -> Level {
        self.records[id as usize].level
    }

    /// The parent division, if any.
    pub fn parent(&self, id: DivisionId) -> Option<DivisionId> {
        let p = self.records[id as usize].parent;
        (p != NONE).then_some(p)
    }

    /// The ancestor (or self) at `level`, if the chain has one.
    pub fn ancestor_at(&self, id: DivisionId, level: Level) -> Option<DivisionId> {
        let mut cur = Some(id);
        while let Some(c) = cur {
            let l = self.level(c);
            if l == level {
                return Some(c);
            }
            if l < level {
                return None;
            }
            cur = self.parent(c);
        }
        None
    }

    /// True when `a` is `b` or one of its ancestors.
    pub fn is_ancestor_or_self(&self, a: DivisionId, b: DivisionId) -> bool {
        let mut cur = Some(b);
        while let Some(c) = cur {
            if c == a {
                return true;
            }
            cur = self.parent(c);
        }
        false
    }

    /// The lowest common ancestor of two divisions.
    pub fn common_ancestor(&self, a: DivisionId, b: DivisionId) -> Option<DivisionId> {
        let mut cur = Some(a);
        while let Some(c) = cur {
            if self.is_ancestor_or_self(c, b) {
                return Some(c);
            }
            cur = self.parent(c);
        }
        None
    }

    /// Path from the top to `id`, as ids.
    pub fn path(&self, id: DivisionId) -> Vec<DivisionId> {
        let mut p = Vec::with_capacity(5);
        let mut cur = Some(id);
        while let Some(c) = cur {
            p.push(c);
            cur = self.parent(c);
        }
        p.reverse();
        p
    }

    /// The divisions directly below `id`.
    pub fn children(&self, id: DivisionId) -> &[DivisionId] {
        let i = id as usize;
        &self.children[self.child_start[i] as usize..self.child_start[i + 1] as usize]
    }

    /// True when the reading rests on a generic district name that is also an ordinary word
    /// in addresses (东区, 城区, 郊区, 矿区, 新区, 老城区, 新城区; current or former): alone it
    /// names nothing.
    pub fn is_generic(&self, r: &Reading) -> bool {
        let name = match r.former {
            Some(f) => self.former_name(f),
            None => self.name(r.id),
        };
        GENERIC_NAMES.contains(&name)
    }

    /// A former name (or profile alias) as written.
    pub fn former_name(&self, f: FormerId) -> &str {
        &self.formers[f as usize].name
    }

    /// The current unit that holds a former name's old parent, if known (长沙县 for the
    /// former 长沙县跳马镇, now under 雨花区).
    pub fn former_anchor(&self, f: FormerId) -> Option<DivisionId> {
        let a = self.formers[f as usize].anchor;
        (a != NONE).then_some(a)
    }

    /// The former names (and profile aliases) that now point at `id`.
    pub fn former_names_of(&self, id: DivisionId) -> impl Iterator<Item = &str> + '_ {
        self.formers
            .iter()
            .filter(move |f| f.target == id)
            .map(|f| &*f.name)
    }

    /// Display forms of every township and village plus upper-level names, for the segmenter.
    pub fn dictionary_words(&self) -> Vec<String> {
        let mut words = Vec::with_capacity(self.records.len());
        for id in 0..self.records.len() as u32 {
            words.push(self.display_name(id));
        }
        for (a, _) in &self.aliases {
            words.push(a.clone());
        }
        words
    }

    /// Finds every place mention in `text` (normalized). `near_city` enables bare forms of
    /// that city's townships and villages; `is_word_edge` says whether a byte offset is a
    /// word boundary (bare forms must be whole words); `is_common_word` rejects bare forms
    /// that are everyday words (太阳, 红旗).
    pub fn find_mentions(
        &self,
        text: &str,
        near_city: Option<DivisionId>,
        is_word_edge: &dyn Fn(usize) -> bool,
        is_common_word: &dyn Fn(&str) -> bool,
        out: &mut Vec<RawMention>,
    ) {
        out.clear();
        // 1. Suffixed forms of townships and villages, probed backwards from anchor characters.
        if !self.lower_forms.is_empty() {
            let mut starts: Vec<usize> = Vec::with_capacity(self.max_form_chars + 1);
            for (pos, c) in text.char_indices() {
                if !self.anchors.contains(c) {
                    continue;
                }
                let end = pos + c.len_utf8();
                starts.clear();
                let mut s = pos;
                starts.push(s);
                let mut back = text[..pos].char_indices().rev();
                while starts.len() < self.max_form_chars {
                    match back.next() {
                        Some((i, ch)) if !ch.is_ascii_punctuation() && ch != ' ' => {
                            s = i;
                            starts.push(s);
                        }
                        _ => break,
                    }
                }
                // Longest first, so one mention per end position.
                for &s in starts.iter().rev() {
                    let form = &text[s..end];
                    let h = hash_str(form);
                    let slot = (h >> self.form_filter_shift) as usize;
                    if self.form_filter[slot / 64] & (1 << (slot % 64)) == 0 {
                        continue;
                    }
                    let lo = self.lower_forms.partition_point(|f| f.hash < h);
                    let mut cands: Vec<Reading> = Vec::new();
                    let mut kind = FormKind::Full;
                    for f in self.lower_forms[lo..].iter().take_while(|f| f.hash == h) {
                        if self.form_text_eq(f, form) && !cands.iter().any(|c| c.id == f.id) {
                            cands.push(Reading {
                                id: f.id,
                                kind: f.kind,
                                former: None,
                            });
                            kind = kind.max(f.kind);
                        }
                    }
                    if !cands.is_empty() {
                        out.push(RawMention {
                            start: s,
                            end,
                            candidates: cands,
                            kind,
                        });
                        break;
                    }
                }
            }
        }
        // 2. Provinces, cities, counties, their bare forms and aliases.
        // Bare forms inside a longer word (上海浦东 is one word to jieba) are kept only when
        // they touch another mention.
        let mut inside: Vec<(usize, usize, Reading)> = Vec::new();
        if let Some(ac) = &self.upper {
            for m in ac.find_overlapping_iter(text) {
                let (target, kind) = self.upper_targets[m.pattern().as_usize()];
                if kind == FormKind::Bare && !(is_word_edge(m.start()) && is_word_edge(m.end())) {
                    let reading = Reading {
                        id: target,
                        kind,
                        former: None,
                    };
                    inside.push((m.start(), m.end(), reading));
                    continue;
                }
                let reading = match kind {
                    FormKind::Alias | FormKind::Former => Reading {
                        id: self.formers[target as usize].target,
                        kind,
                        former: Some(target),
                    },
                    _ => Reading {
                        id: target,
                        kind,
                        former: None,
                    },
                };
                push_candidate(out, m.start(), m.end(), reading);
            }
        }
        // 3. Bare forms of townships and villages in the group's city.
        if let Some(city) = near_city {
            if let Some(near) = self.near_index(city, is_common_word) {
                if let Some(ac) = &near.automaton {
                    for m in ac.find_overlapping_iter(text) {
                        if !(is_word_edge(m.start()) && is_word_edge(m.end())) {
                            continue;
                        }
                        for &id in &near.targets[m.pattern().as_usize()] {
                            let reading = Reading {
                                id,
                                kind: FormKind::Bare,
                                former: None,
                            };
                            push_candidate(out, m.start(), m.end(), reading);
                        }
                    }
                }
            }
        }
        // Long texts hold many such hits: sorted edges and binary search, not pairwise scans.
        if !inside.is_empty() {
            let mut starts: Vec<usize> = out.iter().map(|m| m.start).collect();
            let mut ends: Vec<usize> = out.iter().map(|m| m.end).collect();
            starts.extend(inside.iter().map(|m| m.0));
            ends.extend(inside.iter().map(|m| m.1));
            starts.sort_unstable();
            ends.sort_unstable();
            inside.retain(|&(s, e, _)| {
                ends.binary_search(&s).is_ok() || starts.binary_search(&e).is_ok()
            });
            for (s, e, r) in inside {
                push_candidate(out, s, e, r);
            }
        }
        // A place name inside a road, estate, company or school name (凤凰路, 中山花园) is not a
        // mention of that place; a bare name is dropped when such a word follows it.
        let mut starts: Vec<usize> = out.iter().map(|m| m.start).collect();
        starts.sort_unstable();
        out.retain(|m| {
            !(m.kind == FormKind::Bare || m.kind == FormKind::Former)
                || !names_something_else(text, m.end, &starts)
        });
        // Keep the longest of overlapping mentions.
        out.sort_by(|a, b| {
            (b.end - b.start)
                .cmp(&(a.end - a.start))
                .then(a.start.cmp(&b.start))
        });
        let mut kept: Vec<RawMention> = Vec::with_capacity(out.len());
        for m in out.drain(..) {
            if kept.iter().all(|k| m.end <= k.start || m.start >= k.end) {
                kept.push(m);
            }
        }
        kept.sort_by_key(|m| m.start);
        *out = kept;
    }

    fn form_text_eq(&self, f: &FormEntry, form: &str) -> bool {
        let full = self.name(f.id);
        match f.kind {
            FormKind::Full => full == form,
            FormKind::Variant => {
                let r = &self.records[f.id as usize];
                let display = &full[..r.display_stem as usize];
                township_variants(display).iter().any(|v| v == form)
            }
            _ => {
                let r = &self.records[f.id as usize];
                let stem = &full[..r.display_stem as usize];
                form.strip_prefix(stem) == Some(r.display_suffix.as_str())
            }
        }
    }

    fn near_index(
        &self,
        city: DivisionId,
        is_common_word: &dyn Fn(&str) -> bool,
    ) -> Option<&NearIndex> {
        let cell = self.near.get(&city)?;
        Some(cell.get_or_init(|| {
            let mut by_form: FxHashMap<String, Vec<u32>> = FxHashMap::default();
            for id in 0..self.records.len() as u32 {
                if self.level(id) < Level::Township
                    || self.ancestor_at(id, Level::City) != Some(city)
                {
                    continue;
                }
                let display = self.display_name(id);
                if let Some(bare) = bare_form(&display) {
                    if !is_common_word(bare) {
                        by_form.entry(bare.to_string()).or_default().push(id);
                    }
                }
            }
            let mut patterns = Vec::with_capacity(by_form.len());
            let mut targets = Vec::with_capacity(by_form.len());
            for (form, ids) in by_form {
                patterns.push(form);
                targets.push(ids);
            }
            let automaton = if patterns.is_empty() {
                None
            } else {
                AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&patterns)
                    .ok()
            };
            NearIndex { automaton, targets }
        }))
    }
}

fn push_candidate(out: &mut Vec<RawMention>, start: usize, end: usize, r: Reading) {
    if let Some(m) = out.iter_mut().find(|m| m.start == start && m.end == end) {
        if !m.candidates.contains(&r) {
            m.candidates.push(r);
        }
        m.kind = m.kind.min(r.kind);
    } else {
        out.push(RawMention {
            start,
            end,
            candidates: vec![r],
            kind: r.kind,
        });
    }
}

/// Words that end a road, street, estate, building, company or school name: a place name
/// right before one (or one character before: 东方东路) names that thing, not the place.
const NAME_ENDINGS: &[&str] = &[
    "路", "大道", "大街", "街", "巷", "弄", "胡同", "小区", "花园", "大厦", "广场", "公司", "集团",
    "中学", "小学", "大学", "学院", "学校", "医院", "酒店", "宾馆", "银行", "公寓", "新村",
];

/// True when the text after byte `end` makes the preceding name part of another name.
pub(crate) fn names_something_else(text: &str, end: usize, mention_starts: &[usize]) -> bool {
    let rest = &text[end..];
    let ends_name = |t: &str| {
        NAME_ENDINGS
            .iter()
            .any(|e| t.starts_with(e) && !t.starts_with("街道"))
    };
    if ends_name(rest) {
        return true;
    }
    // One character in between (东方东路), unless a mention starts there or it is a
    // function word (江东区的小区 names 江东区). `mention_starts` is sorted.
    let mut chars = rest.char_indices();
    match (chars.next(), chars.next()) {
        (Some((_, c)), Some((i, _)))
            if is_cjk(c)
                && !"的之在和与及或至到里内外边".contains(c)
                && mention_starts.binary_search(&(end + i)).is_err() =>
        {
            mention_starts.binary_search(&end).is_err() && ends_name(&rest[i..])
        }
        _ => false,
    }
}

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// District names that are also ordinary words of addresses (东区 of an estate, the 老城区 of
/// any town).
const GENERIC_NAMES: &[&str] = &[
    "东区",
    "西区",
    "南区",
    "北区",
    "中区",
    "城区",
    "郊区",
    "矿区",
    "新区",
    "老城区",
    "新城区",
    "开发区",
    "高新区",
];

/// NBS placeholders that are not names anyone writes: one-character names (重庆's city-level
/// `县`) and the 市辖区/直辖县级行政区划 groupings.
fn is_placeholder(name: &str) -> bool {
    name.chars().count() < 2 || name == "市辖区" || name.ends_with("直辖县级行政区划")
}

/// The same township name with another type suffix: 乡 ↔ 镇, 镇 ↔ 街道 (the usual upgrades,
/// whose old form people keep writing).
fn township_variants(name: &str) -> Vec<String> {
    if let Some(stem) = name.strip_suffix('乡') {
        vec![format!("{stem}镇")]
    } else if let Some(stem) = name.strip_suffix('镇') {
        vec![format!("{stem}乡"), format!("{stem}街道")]
    } else if let Some(stem) = name.strip_suffix("街道") {
        vec![format!("{stem}镇")]
    } else {
        Vec::new()
    }
}

/// Ethnic names that autonomous units carry before 自治区/州/县/旗, longest first where one
/// is the end of another.
const ETHNIC: &[&str] = &[
    "柯尔克孜",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "达斡尔",
    "鄂伦春",
    "哈萨克",
    "塔吉克",
    "塔塔尔",
    "维吾尔",
    "土家",
    "布依",
    "朝鲜",
    "哈尼",
    "傈僳",
    "拉祜",
    "纳西",
    "景颇",
    "仫佬",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "德昂",
    "保安",
    "裕固",
    "独龙",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
    "东乡",
    "高山",
    "蒙古",
    "回",
    "藏",
    "苗",
    "彝",
    "壮",
    "侗",
    "瑶",
    "白",
    "傣",
    "黎",
    "佤",
    "畲",
    "水",
    "土",
    "羌",
    "怒",
    "京",
    "满",
    "各",
];

/// Strips the ethnic names (with or without 族) from the end of `stem` while two or more
/// characters remain: 巴音郭楞蒙古 → 巴音郭楞, 湘西土家族苗族 → 湘西.
pub(crate) fn strip_ethnic(mut stem: &str) -> &str {
    'outer: loop {
        let without_zu = stem.strip_suffix('族').unwrap_or(stem);
        for e in ETHNIC {
            if let Some(rest) = without_zu.strip_suffix(e) {
                if rest.chars().count() >= 2 {
                    stem = rest;
                    continue 'outer;
                }
            }
        }
        return stem;
    }
}

/// The short forms of a province, city or county name that people write alone: 湖南 for
/// 湖南省, 宁夏 for 宁夏回族自治区, 巴音郭楞 for 巴音郭楞蒙古自治州, 浦东 for 浦东新区,
/// 内蒙 for 内蒙古自治区. Only forms of two or more characters.
pub(crate) fn short_forms(display: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: &str| {
        if s.chars().count() >= 2 && s != display && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    };
    for suffix in ["自治区", "自治州", "自治县", "自治旗"] {
        if let Some(stem) = display.strip_suffix(suffix) {
            let short = strip_ethnic(stem);
            add(short);
            if short == "内蒙古" {
                add("内蒙");
            }
        }
    }
    for suffix in ["特别行政区", "新区", "地区", "盟"] {
        if let Some(stem) = display.strip_suffix(suffix) {
            add(stem);
        }
    }
    if let Some(bare) = bare_form(display) {
        add(bare);
    }
    out
}

fn fmt_code(code: u64, len: u8) -> String {
    format!("{:0width$}", code, width = len as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "code,name,level,parent_code\n43,湖南省,1,\n4302,株洲市,2,43\n430224,茶陵县,3,4302\n430224109,虎踞镇,4,430224\n430224109203,银湖村村民委员会,5,430224109\n430224109204,兴隆山社区居委会,5,430224109\n";

    #[test]
    fn display_and_bare_forms() {
        let g = Gazetteer::from_csv(CSV, "test", &[]).unwrap();
        let id = g.find_code("430224109203").unwrap();
        assert_eq!(g.display_name(id), "银湖村");
        assert_eq!(
            g.display_name(g.find_code("430224109204").unwrap()),
            "兴隆山社区"
        );
        assert_eq!(bare_form("银湖村"), Some("银湖"));
        assert_eq!(bare_form("攸县"), None);
        assert_eq!(g.path(id).len(), 5);
        assert_eq!(g.level(id), Level::Village);
    }

    #[test]
    fn finds_an_address_chain() {
        let g = Gazetteer::from_csv(CSV, "test", &[]).unwrap();
        let mut out = Vec::new();
        g.find_mentions(
            "茶陵县虎踞镇银湖村场下组",
            None,
            &|_| true,
            &|_| false,
            &mut out,
        );
        let names: Vec<String> = out
            .iter()
            .map(|m| g.display_name(m.candidates[0].id))
            .collect();
        assert_eq!(names, ["茶陵县", "虎踞镇", "银湖村"]);
    }

    #[test]
    fn malformed_csv_names_line() {
        let bad = "code,name,level,parent_code\n43,湖南省,1,\n4302,株洲市,x,43\n";
        let e = Gazetteer::from_csv(bad, "bad.csv", &[]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Divisions);
        assert!(e.to_string().contains("bad.csv:3"), "{e}");
        let orphan = "43,湖南省,1,\n430224,茶陵县,3,4302\n";
        assert!(Gazetteer::from_csv(orphan, "o.csv", &[])
            .unwrap_err()
            .to_string()
            .contains("4302"));
    }
}
