//! Stage 4, resolve jurisdiction: normalized text, its word boundaries and the posting
//! group's division in; a [`Jurisdiction`] out (the deepest division the engine is confident
//! of, the other candidates, a confidence).
//!
//! Each place mention's candidates are ranked, in order, by support from an address chain in
//! the text (茶陵县虎踞镇银湖村), nearness to the group (same township, county, then city) and
//! level. A name that matches nothing near the group and several places nationally is left
//! unresolved, with its candidates, for a person to review.

pub mod gazetteer;

pub use gazetteer::{DivisionId, FormKind, Gazetteer, Level, RawMention};

/// A candidate division for one mention, as reported.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The division.
    pub id: DivisionId,
    /// Byte span of the mention in the normalized text.
    pub span: (usize, usize),
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
}

/// Ranks a candidate: (chain support, nearness to group, level).
fn rank(g: &Gazetteer, id: DivisionId, chain: u32, group: Option<DivisionId>) -> (u32, u8, u8) {
    let near = group
        .and_then(|grp| g.common_ancestor(id, grp))
        .map(|lca| g.level(lca) as u8)
        .unwrap_or(0);
    (chain, near, g.level(id) as u8)
}

/// Resolves `mentions` against the group's division.
pub fn resolve(g: &Gazetteer, mentions: &[RawMention], group: Option<DivisionId>) -> Jurisdiction {
    let mut chosen: Vec<(DivisionId, usize, Basis)> = Vec::new();
    let mut candidates = Vec::new();
    let mut ambiguous = false;
    for (i, m) in mentions.iter().enumerate() {
        let mut best: Option<((u32, u8, u8), DivisionId)> = None;
        let mut tie = false;
        for &c in &m.candidates {
            candidates.push(Candidate {
                id: c,
                span: (m.start, m.end),
            });
            let chain = mentions
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .filter(|(_, o)| {
                    o.candidates.iter().any(|&oc| {
                        oc != c && (g.is_ancestor_or_self(oc, c) || g.is_ancestor_or_self(c, oc))
                    })
                })
                .count() as u32;
            let r = rank(g, c, chain, group);
            match &best {
                None => best = Some((r, c)),
                Some((br, _)) if r > *br => {
                    best = Some((r, c));
                    tie = false;
                }
                Some((br, _)) if r == *br => tie = true,
                _ => {}
            }
        }
        let Some(((chain, near, _), id)) = best else {
            continue;
        };
        // Nearness below the city (province only, or nothing) does not disambiguate.
        let near_enough = near >= Level::City as u8;
        if tie || (m.candidates.len() > 1 && chain == 0 && !near_enough) {
            ambiguous = true;
            continue;
        }
        // A bare village name far from the group is too weak to trust.
        if m.kind == FormKind::Bare && chain == 0 && !near_enough && g.level(id) >= Level::Township
        {
            continue;
        }
        let basis = if chain > 0 {
            Basis::AddressChain
        } else if m.candidates.len() > 1 || (near_enough && group.is_some()) {
            Basis::NearGroup
        } else {
            Basis::Unique
        };
        chosen.push((id, i, basis));
    }
    // Drop mentions that are ancestors of other chosen mentions (the chain's upper links).
    let ids: Vec<DivisionId> = chosen.iter().map(|c| c.0).collect();
    chosen.retain(|(id, _, _)| {
        !ids.iter()
            .any(|&o| o != *id && g.is_ancestor_or_self(*id, o))
    });
    chosen.dedup_by_key(|c| c.0);
    let evidence: Vec<(usize, usize)> = chosen
        .iter()
        .map(|(_, i, _)| (mentions[*i].start, mentions[*i].end))
        .collect();

    if chosen.is_empty() {
        return if ambiguous {
            Jurisdiction {
                division: None,
                candidates,
                confidence: 0.3,
                basis: Basis::Unresolved,
                evidence,
            }
        } else {
            match group {
                Some(grp) => Jurisdiction {
                    division: Some(grp),
                    candidates,
                    confidence: 0.9,
                    basis: Basis::Group,
                    evidence,
                },
                None => Jurisdiction {
                    division: None,
                    candidates,
                    confidence: 0.5,
                    basis: Basis::Unresolved,
                    evidence,
                },
            }
        };
    }
    let mut lca = chosen[0].0;
    for &(id, _, _) in &chosen[1..] {
        match g.common_ancestor(lca, id) {
            Some(a) => lca = a,
            None => {
                return Jurisdiction {
                    division: None,
                    candidates,
                    confidence: 0.3,
                    basis: Basis::Unresolved,
                    evidence,
                };
            }
        }
    }
    // The text only names the group's own surroundings (its village, township, county):
    // the group's division is the deepest place we know.
    if let Some(grp) = group {
        if chosen
            .iter()
            .all(|&(id, _, _)| g.is_ancestor_or_self(id, grp))
        {
            let conf = if ambiguous { 0.6 } else { 0.95 };
            return Jurisdiction {
                division: Some(grp),
                candidates,
                confidence: conf,
                basis: Basis::Group,
                evidence,
            };
        }
    }
    let (basis, mut conf) = if chosen.len() > 1 {
        (Basis::CommonAncestor, 0.75)
    } else {
        let b = chosen[0].2;
        let weak_bare = mentions[chosen[0].1].kind == FormKind::Bare;
        let conf = match b {
            Basis::AddressChain => 0.95,
            Basis::NearGroup => {
                if weak_bare {
                    0.7
                } else {
                    0.85
                }
            }
            _ => {
                if weak_bare {
                    0.6
                } else {
                    0.8
                }
            }
        };
        (b, conf)
    };
    if ambiguous {
        conf -= 0.2;
    }
    Jurisdiction {
        division: Some(lca),
        candidates,
        confidence: conf,
        basis,
        evidence,
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
