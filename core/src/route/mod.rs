//! Stage 5, route: the kind, category, resolved division and implicated rank in; a [`Route`]
//! out — the handling level and division, the handler, the supervising discipline body and
//! the ids of the rules that fired.
//!
//! Rules are data (`routing.toml` in the profile): handling levels per kind and category,
//! escalation of misconduct one level above the implicated official's post, departments per
//! category and level (with urban overrides such as municipal roads → 城管局), discipline
//! bodies per level, and management zones (株洲经开区) that handle townships they do not
//! formally contain.

use crate::bounded::excerpt;
use crate::classify::Kind;
use crate::error::{Error, ErrorKind, Result};
use crate::jurisdiction::{DivisionId, Gazetteer, Level};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The routing rules of a profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingRules {
    /// Must be `"suqiu-routing"`.
    pub format: String,
    /// Must be 1.
    pub version: u32,
    /// Handling-level rules; the first that matches decides.
    #[serde(default)]
    pub handling: Vec<HandlingRule>,
    /// Department rules; the first that matches decides the department.
    #[serde(default)]
    pub department: Vec<DepartmentRule>,
    /// Discipline body suffix per level (`township = "纪委"`).
    pub discipline: BTreeMap<String, String>,
    /// Management zones.
    #[serde(default)]
    pub zone: Vec<Zone>,
}

/// Sets the handling level for messages of a kind (and optionally a category).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandlingRule {
    /// Rule id, reported when it fires.
    pub id: String,
    /// Kind it applies to.
    pub kind: String,
    /// Categories it applies to (all when absent).
    #[serde(default)]
    pub categories: Vec<String>,
    /// `village`, `township`, `county`, `city`, or `none` (not routed).
    #[serde(default)]
    pub level: Option<String>,
    /// Escalate one level above the implicated official's post instead of a fixed level.
    #[serde(default)]
    pub escalate: bool,
}

/// Names the department that handles a category at a level.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentRule {
    /// Rule id.
    pub id: String,
    /// Categories it applies to (all when absent).
    #[serde(default)]
    pub categories: Vec<String>,
    /// Handling level it applies to.
    pub level: String,
    /// Only in urban places (streets, communities) when true; only rural when false.
    #[serde(default)]
    pub urban: Option<bool>,
    /// Department name, appended to the handling division's name (城管局 → 荷塘区城管局).
    pub name: String,
}

/// A functional zone that manages townships (株洲经开区 manages 龙头铺街道…).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    /// Stable id, reported as the handling division's code.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The level it acts at (usually `county`).
    pub level: String,
    /// Township codes it manages.
    pub manages: Vec<String>,
}

/// The handling division: a gazetteer division or a zone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HandlingDivision {
    /// NBS code, or the zone id.
    pub code: String,
    /// Display name.
    pub name: String,
}

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Route {
    /// Handling level.
    pub level: Level,
    /// Handling division.
    pub division: HandlingDivision,
    /// The body that handles it (荷塘区城管局, 虎踞镇纪委).
    pub handler: String,
    /// The supervising discipline body.
    pub supervisor: String,
    /// Ids of the rules that fired, in order.
    pub rules: Vec<String>,
}

/// Compiled rules, validated against the gazetteer.
#[derive(Debug, Clone)]
pub struct Router {
    rules: RoutingRules,
    handling_levels: Vec<Option<Level>>,
    department_levels: Vec<Level>,
    zone_levels: Vec<Level>,
    /// Township code → zone index.
    zone_of: BTreeMap<String, usize>,
}

fn level_err(source: &str, what: &str, v: &str) -> Error {
    Error::file(
        ErrorKind::Profile,
        source,
        None,
        format!(
            "{what}: unknown level {} (village, township, county, city)",
            excerpt(v)
        ),
    )
}

impl Router {
    /// Parses and validates `routing.toml` text.
    pub fn parse(text: &str, source: &str, categories: &[String]) -> Result<Self> {
        let rules: RoutingRules = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            Error::file(ErrorKind::Profile, source, line, e.message().to_string())
        })?;
        if rules.format != "suqiu-routing" || rules.version != 1 {
            return Err(Error::file(
                ErrorKind::Profile,
                source,
                None,
                format!(
                    "expected format \"suqiu-routing\" version 1, got {:?} version {}",
                    rules.format, rules.version
                ),
            ));
        }
        let check_cats = |id: &str, cats: &[String]| -> Result<()> {
            for c in cats {
                if !categories.contains(c) {
                    return Err(Error::file(
                        ErrorKind::Profile,
                        source,
                        None,
                        format!("rule {id}: unknown category {}", excerpt(c)),
                    ));
                }
            }
            Ok(())
        };
        let mut handling_levels = Vec::new();
        for r in &rules.handling {
            if Kind::parse(&r.kind).is_none() {
                return Err(Error::file(
                    ErrorKind::Profile,
                    source,
                    None,
                    format!("rule {}: unknown kind {:?}", r.id, r.kind),
                ));
            }
            check_cats(&r.id, &r.categories)?;
            handling_levels.push(match r.level.as_deref() {
                None | Some("none") => None,
                Some(l) => Some(Level::parse(l).ok_or_else(|| level_err(source, &r.id, l))?),
            });
        }
        let mut department_levels = Vec::new();
        for r in &rules.department {
            check_cats(&r.id, &r.categories)?;
            department_levels
                .push(Level::parse(&r.level).ok_or_else(|| level_err(source, &r.id, &r.level))?);
        }
        for l in rules.discipline.keys() {
            Level::parse(l).ok_or_else(|| level_err(source, "discipline", l))?;
        }
        let mut zone_levels = Vec::new();
        let mut zone_of = BTreeMap::new();
        for (i, z) in rules.zone.iter().enumerate() {
            zone_levels
                .push(Level::parse(&z.level).ok_or_else(|| level_err(source, &z.id, &z.level))?);
            for t in &z.manages {
                zone_of.insert(t.clone(), i);
            }
        }
        Ok(Router {
            rules,
            handling_levels,
            department_levels,
            zone_levels,
            zone_of,
        })
    }

    /// Checks that every code the rules name exists in `g`.
    pub fn validate_against(&self, g: &Gazetteer, source: &str) -> Result<()> {
        if let Some((zone, code)) = self.unknown_zone_codes(g).next() {
            return Err(Error::file(
                ErrorKind::Profile,
                source,
                None,
                format!("zone {zone}: unknown township code {code}"),
            ));
        }
        Ok(())
    }

    /// `(zone id, township code)` of every zone township the divisions do not hold: such a
    /// township can never be routed to its zone (the engine skips them with a warning, so
    /// that a profile's rules load with another region's divisions).
    pub fn unknown_zone_codes<'a>(
        &'a self,
        g: &'a Gazetteer,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.rules.zone.iter().flat_map(move |z| {
            z.manages
                .iter()
                .filter(move |t| g.find_code(t).is_none())
                .map(move |t| (z.id.as_str(), t.as_str()))
        })
    }

    /// Routes a classified, located message. `None` when the kind is not routed or there is
    /// no division.
    pub fn route(
        &self,
        g: &Gazetteer,
        kind: Kind,
        category: Option<&str>,
        division: Option<DivisionId>,
        rank: Option<Level>,
    ) -> Option<Route> {
        let division = division?;
        let mut fired = Vec::new();
        let (idx, rule) = self.rules.handling.iter().enumerate().find(|(_, r)| {
            r.kind == kind.as_str()
                && (r.categories.is_empty()
                    || category.is_some_and(|c| r.categories.iter().any(|x| x == c)))
        })?;
        fired.push(rule.id.clone());
        let target_level = if rule.escalate {
            // One level above the post; a message naming no post is about village cadres.
            match rank.unwrap_or(Level::Village) {
                Level::Village => Level::Township,
                Level::Township => Level::County,
                _ => Level::City,
            }
        } else {
            self.handling_levels[idx]?
        };
        // The handling division: the ancestor at that level (or the division itself if higher).
        let div_level = g.level(division);
        let (mut level, handling_id) = if div_level <= target_level {
            (div_level, division)
        } else {
            (
                target_level,
                g.ancestor_at(division, target_level).unwrap_or(division),
            )
        };
        let urban = is_urban(g, division);
        let mut handling = HandlingDivision {
            code: g.code(handling_id),
            name: g.display_name(handling_id),
        };
        if let Some(township) = g.ancestor_at(division, Level::Township) {
            if let Some(&zi) = self.zone_of.get(&g.code(township)) {
                if self.zone_levels[zi] == level {
                    let z = &self.rules.zone[zi];
                    handling = HandlingDivision {
                        code: z.id.clone(),
                        name: z.name.clone(),
                    };
                    level = self.zone_levels[zi];
                    fired.push(format!("zone:{}", z.id));
                }
            }
        }
        let discipline = |l: Level| {
            self.rules
                .discipline
                .get(l.as_str())
                .cloned()
                .unwrap_or_else(|| "纪委监委".into())
        };
        let (handler, supervisor) = if kind == Kind::Misconduct {
            let above = match level {
                Level::Village => Some(Level::Township),
                Level::Township => Some(Level::County),
                Level::County => Some(Level::City),
                _ => Some(Level::Province),
            };
            let sup = above
                .and_then(|l| g.ancestor_at(handling_id, l))
                .map(|a| format!("{}{}", g.display_name(a), discipline(g.level(a))))
                .unwrap_or_else(|| format!("{}{}", handling.name, discipline(level)));
            (format!("{}{}", handling.name, discipline(level)), sup)
        } else {
            let dept = self.rules.department.iter().enumerate().find(|(i, r)| {
                self.department_levels[*i] == level
                    && (r.categories.is_empty()
                        || category.is_some_and(|c| r.categories.iter().any(|x| x == c)))
                    && r.urban.is_none_or(|u| u == urban)
            });
            let name = match dept {
                Some((_, r)) => {
                    fired.push(r.id.clone());
                    r.name.clone()
                }
                None => "人民政府".to_string(),
            };
            (
                format!("{}{}", handling.name, name),
                format!("{}{}", handling.name, discipline(level)),
            )
        };
        Some(Route {
            level,
            division: handling,
            handler,
            supervisor,
            rules: fired,
        })
    }
}

/// Streets (街道) and communities (社区, 居委会) are urban; towns and villages are not.
fn is_urban(g: &Gazetteer, division: DivisionId) -> bool {
    if g.level(division) == Level::Village {
        let n = g.display_name(division);
        if n.ends_with("社区") {
            return true;
        }
    }
    match g.ancestor_at(division, Level::Township) {
        Some(t) => g.name(t).ends_with("街道"),
        None => g.level(division) <= Level::County && g.name(division).ends_with('区'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_unknown_level_and_format() {
        let cats = vec!["roads_transport".to_string()];
        let bad = "format = \"suqiu-routing\"\nversion = 1\n[discipline]\ncounty = \"纪委监委\"\n[[handling]]\nid = \"x\"\nkind = \"grievance\"\nlevel = \"galaxy\"\n";
        let e = Router::parse(bad, "routing.toml", &cats).unwrap_err();
        assert!(e.to_string().contains("galaxy"), "{e}");
        let e = Router::parse("format = 3", "routing.toml", &cats).unwrap_err();
        assert!(e.to_string().contains("routing.toml:1"), "{e}");
    }
}
