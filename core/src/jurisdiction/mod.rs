//! Stage 4, resolve jurisdiction: normalized text, its word boundaries and the posting
//! group's division in; a [`Jurisdiction`] out (the deepest division the engine is confident
//! of, the other candidates, a confidence).
//!
//! Resolution by chains. Every reading of every mention (湖南 → 湖南省; 西湖区 → 杭州's or
//! 南昌's) is scored by the mentions that lie on its own chain province › city › county ›
//! township › village: each such mention adds its weight (an explicit form with its suffix
//! counts twice a bare one, a former name a little less than a current one, and a mention
//! with k readings splits its weight k ways). The answer is the deepest division of the
//! strongest chain. A mention off that chain (a 梅市村 in another province, 桂林 in a
//! 东安县 address) stays a candidate and does not cancel it. When the strongest readings
//! disagree:
//! - readings of one ambiguous mention (西湖区 alone): the group's nearness decides, else no
//!   guess (`Unresolved`, for review) unless a chain above them supports their common ancestor;
//! - readings of different mentions: those at the highest level win (修水县 over an unknown
//!   三都镇 elsewhere), then their common ancestor (two villages of one county → the county).
//!
//! Bare township and village names are only found near the group and only trusted with a
//! chain or near it. A text that only names the group's own surroundings resolves to the
//! group's division.

pub mod eval;
pub mod gazetteer;

pub use gazetteer::{DivisionId, FormKind, FormerId, Gazetteer, Level, RawMention, Reading};
use rustc_hash::FxHashMap;

/// A candidate division for one mention, as reported.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The division.
    pub id: DivisionId,
    /// Byte span of the mention in the normalized text.
    pub span: (usize, usize),
}

/// A mention the decision rests on, read as one division.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Used {
    /// The division it was read as.
    pub id: DivisionId,
    /// Byte span of the mention in the normalized text.
    pub span: (usize, usize),
    /// Set when the mention was a former name or an alias.
    pub former: Option<FormerId>,
}

/// How the division was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// No place in the text: the posting group's own division.
    Group,
    /// A place in the text, confirmed by an address chain.
    AddressChain,
    /// A place in the text, chosen for its nearness to the group.
    NearGroup,
    /// A place in the text that is unique in the gazetteer.
    Unique,
    /// Several places: their lowest common ancestor.
    CommonAncestor,
    /// Nothing could be decided.
    Unresolved,
}

/// The outcome of jurisdiction resolution.
#[derive(Debug, Clone, PartialEq)]
pub struct Jurisdiction {
    /// The deepest division the engine is confident of.
    pub division: Option<DivisionId>,
    /// Mentions in the text and the divisions they may name (the chosen one included).
    pub candidates: Vec<Candidate>,
    /// 0..1.
    pub confidence: f32,
    /// How it was decided.
    pub basis: Basis,
    /// Spans (normalized bytes) of the mentions that decided it.
    pub evidence: Vec<(usize, usize)>,
    /// The mentions that decided it, each with the division it was read as.
    pub used: Vec<Used>,
}

/// Evidence a reading carries: explicit forms twice a bare one, former names a little less
/// than current ones (old names are reused elsewhere), split among the mention's readings.
fn weight(m: &RawMention, r: &Reading) -> f32 {
    let base = match r.kind {
        FormKind::Bare => 1.0,
        FormKind::Former => 1.5,
        _ => 2.0,
    };
    base / m.candidates.len() as f32
}

/// Scores of equal strength differ by float rounding only.
const EPS: f32 = 1e-4;

/// Levels of nearness to the group below the city (province only) do not disambiguate.
fn nearness(g: &Gazetteer, id: DivisionId, group: Option<DivisionId>) -> u8 {
    let near = group
        .and_then(|grp| g.common_ancestor(id, grp))
        .map(|lca| g.level(lca) as u8)
        .unwrap_or(0);
    if near >= Level::City as u8 {
        near
    } else {
        0
    }
}

/// The divisions on a reading's chain: its own ancestors and, for a former name, those of
/// the unit that holds its old parent now.
fn chain_of(g: &Gazetteer, r: &Reading, out: &mut Vec<DivisionId>) {
    out.clear();
    let mut cur = Some(r.id);
    while let Some(c) = cur {
        out.push(c);
        cur = g.parent(c);
    }
    let mut cur = r.former.and_then(|f| g.former_anchor(f));
    while let Some(c) = cur {
        if !out.contains(&c) {
            out.push(c);
        }
        cur = g.parent(c);
    }
}

/// How many characters after the chain `deepen` looks at for a township name.
const DEEPEN_WINDOW: usize = 12;

/// Goes one level further down a resolved city or county when the text names one of its
/// townships in the bare form (佛山市顺德区乐从 → 乐从镇): bare township names are not looked
/// up nationally, but below a division the chain has fixed they are few and telling. The name
/// must come within a few characters after the chain's mentions, be at least two characters, not be an everyday word
/// (`is_common_word`) nor part of a road or building name, and be the only such township.
pub fn deepen(
    g: &Gazetteer,
    text: &str,
    j: &mut Jurisdiction,
    is_common_word: &dyn Fn(&str) -> bool,
) {
    let Some(d) = j.division else { return };
    if !matches!(j.basis, Basis::AddressChain | Basis::Unique) {
        return;
    }
    // Addresses go downward: the township follows the chain's last mention closely.
    let from = j.used.iter().map(|u| u.span.1).max().unwrap_or(0);
    let rest: &str = {
        let r = &text[from..];
        let cut = r
            .char_indices()
            .nth(DEEPEN_WINDOW)
            .map_or(r.len(), |(i, _)| i);
        &r[..cut]
    };
    let mut townships: Vec<DivisionId> = Vec::new();
    match g.level(d) {
        Level::County => townships.extend_from_slice(g.children(d)),
        Level::City => {
            for &c in g.children(d) {
                townships.extend_from_slice(g.children(c));
            }
        }
        _ => return,
    }
    let mut hit: Option<(DivisionId, usize, usize)> = None;
    for t in townships {
        if g.level(t) != Level::Township {
            continue;
        }
        // A township's published name is its everyday name (no 委员会 trailer to replace).
        let Some(bare) = gazetteer::bare_form(g.name(t)) else {
            continue;
        };
        if is_common_word(bare) {
            continue;
        }
        let Some(pos) = rest.find(bare) else { continue };
        let (start, end) = (from + pos, from + pos + bare.len());
        if gazetteer::names_something_else(text, end, &[]) {
            continue;
        }
        if hit.is_some_and(|(h, _, _)| h != t) {
            return; // two townships: no guess
        }
        hit = Some((t, start, end));
    }
    if let Some((t, start, end)) = hit {
        j.division = Some(t);
        j.used.push(Used {
            id: t,
            span: (start, end),
            former: None,
        });
        j.evidence.push((start, end));
        j.candidates.push(Candidate {
            id: t,
            span: (start, end),
        });
    }
}

/// One scored reading.
struct Scored {
    mention: usize,
    reading: Reading,
    score: f32,
    own: f32,
}

/// No usable mention: the group's own division (or nothing), with `candidates` kept.
fn from_group(group: Option<DivisionId>, candidates: Vec<Candidate>) -> Jurisdiction {
    let (division, confidence, basis) = match group {
        Some(grp) => (Some(grp), 0.9, Basis::Group),
        None => (None, 0.5, Basis::Unresolved),
    };
    Jurisdiction {
        division,
        candidates,
        confidence,
        basis,
        evidence: Vec::new(),
        used: Vec::new(),
    }
}

/// Resolves `mentions` against the group's division.
pub fn resolve(g: &Gazetteer, mentions: &[RawMention], group: Option<DivisionId>) -> Jurisdiction {
    let mut candidates = Vec::new();
    if mentions.is_empty() {
        return from_group(group, candidates);
    }
    // Which mentions read as each division, and with what weight: a list scanned linearly
    // when short (the usual case), a map when a common name brings many readings.
    let readings: usize = mentions.iter().map(|m| m.candidates.len()).sum();
    let mut by_id: FxHashMap<DivisionId, Vec<(usize, f32)>> = FxHashMap::default();
    let mut flat: Vec<(DivisionId, usize, f32)> = Vec::with_capacity(readings.min(64));
    for (i, m) in mentions.iter().enumerate() {
        for r in &m.candidates {
            if !candidates
                .iter()
                .any(|c: &Candidate| c.id == r.id && c.span == (m.start, m.end))
            {
                candidates.push(Candidate {
                    id: r.id,
                    span: (m.start, m.end),
                });
            }
            if readings <= 64 {
                flat.push((r.id, i, weight(m, r)));
            } else {
                by_id.entry(r.id).or_default().push((i, weight(m, r)));
            }
        }
    }
    let mut chain = Vec::with_capacity(10);
    let mut best_of = vec![0f32; mentions.len()];
    let mut scored: Vec<Scored> = Vec::new();
    for (i, m) in mentions.iter().enumerate() {
        for r in &m.candidates {
            chain_of(g, r, &mut chain);
            best_of.iter_mut().for_each(|b| *b = 0.0);
            if readings <= 64 {
                for &(id, j, w) in &flat {
                    if chain.contains(&id) {
                        best_of[j] = best_of[j].max(w);
                    }
                }
            } else {
                for id in &chain {
                    for &(j, w) in by_id.get(id).map(Vec::as_slice).unwrap_or(&[]) {
                        best_of[j] = best_of[j].max(w);
                    }
                }
            }
            // The mention itself counts with this reading only (its other readings, say the
            // current 淮安市 beside the former 淮安市 of 淮安区, are not support).
            let own = weight(m, r);
            best_of[i] = own;
            let score: f32 = best_of.iter().sum();
            // A bare township or village name needs a chain or the group's nearness; so does
            // a generic district name (东区 in 城园东区).
            let weak =
                (r.kind == FormKind::Bare && g.level(r.id) >= Level::Township) || g.is_generic(r);
            if weak && score <= own + EPS && nearness(g, r.id, group) == 0 {
                continue;
            }
            scored.push(Scored {
                mention: i,
                reading: *r,
                score,
                own,
            });
        }
    }
    let unresolved = |candidates, used: Vec<Used>| Jurisdiction {
        division: None,
        candidates,
        confidence: 0.3,
        basis: Basis::Unresolved,
        evidence: used.iter().map(|u| u.span).collect(),
        used,
    };
    let top = scored.iter().map(|s| s.score).fold(0f32, f32::max);
    let mut best: Vec<&Scored> = scored.iter().filter(|s| s.score >= top - EPS).collect();
    if best.is_empty() {
        return from_group(group, candidates);
    }
    // Several readings of one division (a current and a former name): one will do.
    best.sort_by_key(|s| (s.reading.id, s.reading.former.is_some()));
    best.dedup_by_key(|s| s.reading.id);
    // The deepest of a chain: drop readings that are ancestors of other top readings.
    let ids: Vec<DivisionId> = best.iter().map(|s| s.reading.id).collect();
    best.retain(|s| {
        !ids.iter()
            .any(|&o| o != s.reading.id && g.is_ancestor_or_self(s.reading.id, o))
    });
    let chained = best.iter().any(|s| s.score > s.own + EPS);
    let mut basis = if chained {
        Basis::AddressChain
    } else {
        Basis::Unique
    };
    // The group's nearness breaks ties between readings of one mention (not between
    // mentions: two villages named together stand for their common ancestor).
    if best.len() > 1 && group.is_some() {
        let near = |s: &Scored| nearness(g, s.reading.id, group);
        let max_near: Vec<(usize, u8)> = best
            .iter()
            .map(|s| {
                let m = best
                    .iter()
                    .filter(|o| o.mention == s.mention)
                    .map(|o| near(o))
                    .max()
                    .unwrap_or(0);
                (s.mention, m)
            })
            .collect();
        let before = best.len();
        best.retain(|s| {
            let m = max_near
                .iter()
                .find(|x| x.0 == s.mention)
                .map_or(0, |x| x.1);
            m == 0 || near(s) == m
        });
        if best.len() < before && best.len() == 1 && !chained {
            basis = Basis::NearGroup;
        }
    }
    let mut ambiguous = false;
    if best.len() > 1 {
        let one_mention = best
            .iter()
            .any(|s| best.iter().filter(|o| o.mention == s.mention).count() > 1);
        if one_mention {
            // One mention, several equally supported readings: no guess without a chain.
            ambiguous = true;
            if !chained {
                let used = Vec::new();
                return unresolved(candidates, used);
            }
        } else {
            // Different mentions disagree: the higher level wins (a named county with an
            // unknown township keeps the county), then their common ancestor.
            let top_level = best.iter().map(|s| g.level(s.reading.id)).min();
            best.retain(|s| Some(g.level(s.reading.id)) == top_level);
        }
    }
    let mut division = best[0].reading.id;
    for s in &best[1..] {
        match g.common_ancestor(division, s.reading.id) {
            Some(a) => division = a,
            None => return unresolved(candidates, Vec::new()),
        }
    }
    if best.len() > 1 {
        basis = Basis::CommonAncestor;
    }
    // The mentions on the answer's chain, each with its reading on it.
    let mut used: Vec<Used> = Vec::new();
    for b in &best {
        chain_of(g, &b.reading, &mut chain);
        for (i, m) in mentions.iter().enumerate() {
            if used.iter().any(|u| u.span == (m.start, m.end)) {
                continue;
            }
            let fits = if i == b.mention {
                Some(b.reading)
            } else {
                m.candidates.iter().copied().find(|r| chain.contains(&r.id))
            };
            if let Some(r) = fits {
                used.push(Used {
                    id: r.id,
                    span: (m.start, m.end),
                    former: r.former,
                });
            }
        }
    }
    used.sort_by_key(|u| u.span);
    let evidence: Vec<(usize, usize)> = used.iter().map(|u| u.span).collect();
    // Mentions off the chain: strays, reported as candidates; an explicit one lowers trust.
    let stray = mentions
        .iter()
        .any(|m| !used.iter().any(|u| u.span == (m.start, m.end)) && m.kind.is_explicit());
    // The text only names the group's own surroundings (its village, township, county):
    // the group's division is the deepest place we know.
    if let Some(grp) = group {
        if best
            .iter()
            .all(|s| g.is_ancestor_or_self(s.reading.id, grp))
        {
            let conf = if ambiguous || stray { 0.6 } else { 0.95 };
            return Jurisdiction {
                division: Some(grp),
                candidates,
                confidence: conf,
                basis: Basis::Group,
                evidence,
                used,
            };
        }
    }
    let bare = used.iter().all(|u| {
        mentions
            .iter()
            .find(|m| (m.start, m.end) == u.span)
            .is_some_and(|m| !m.kind.is_explicit())
    });
    let mut conf: f32 = match basis {
        Basis::AddressChain => 0.95,
        Basis::NearGroup if bare => 0.7,
        Basis::NearGroup => 0.85,
        Basis::CommonAncestor => 0.75,
        _ if bare => 0.6,
        _ => 0.8,
    };
    if ambiguous || stray {
        conf -= 0.2;
    }
    Jurisdiction {
        division: Some(division),
        candidates,
        confidence: conf,
        basis,
        evidence,
        used,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "code,name,level,parent_code\n\
43,湖南省,1,\n4302,株洲市,2,43\n430224,茶陵县,3,4302\n430212,渌口区,3,4302\n\
430224109,虎踞镇,4,430224\n430224109203,银湖村,5,430224109\n430224109204,上洞村,5,430224109\n\
430212106,古岳峰镇,4,430212\n430212106206,翟家桥村,5,430212106\n\
44,广东省,1,\n4401,广州市,2,44\n440101,某区,3,4401\n440101001,某镇,4,440101\n440101001201,上洞村,5,440101001\n440101001202,下洞村,5,440101001\n\
45,广西壮族自治区,1,\n4501,南宁市,2,45\n450101,某县,3,4501\n450101001,甲镇,4,450101\n450101001201,下洞村,5,450101001\n";

    fn run(text: &str, group: Option<&str>) -> (Jurisdiction, Gazetteer) {
        let g = Gazetteer::from_csv(CSV, "t", &[]).unwrap();
        let grp = group.map(|c| g.find_code(c).unwrap());
        let mut m = Vec::new();
        let city = grp.and_then(|x| g.ancestor_at(x, Level::City));
        g.find_mentions(text, city, &|_| true, &|_| false, &mut m);
        (resolve(&g, &m, grp), g)
    }

    #[test]
    fn no_mention_falls_back_to_group() {
        let (j, g) = run("路灯不亮", Some("430224109203"));
        assert_eq!(g.code(j.division.unwrap()), "430224109203");
        assert_eq!(j.basis, Basis::Group);
    }

    #[test]
    fn text_place_beats_group() {
        let (j, g) = run("古岳峰镇翟家桥村的水渠开裂", Some("430224109203"));
        assert_eq!(g.code(j.division.unwrap()), "430212106206");
    }

    #[test]
    fn same_name_resolved_by_nearness_or_left_for_review() {
        let (j, g) = run("上洞村的路坏了", Some("430224109203"));
        assert_eq!(g.code(j.division.unwrap()), "430224109204");
        let (j, _) = run("下洞村的路坏了", Some("430224109203"));
        assert_eq!(j.division, None);
        assert_eq!(j.basis, Basis::Unresolved);
        assert_eq!(j.candidates.len(), 2);
    }

    #[test]
    fn several_places_give_their_common_ancestor() {
        let (j, g) = run("翟家桥村和银湖村都停水了", None);
        assert_eq!(g.code(j.division.unwrap()), "4302");
        assert_eq!(j.basis, Basis::CommonAncestor);
    }
}
