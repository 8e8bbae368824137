//! Scoring resolved places against expected divisions, level by level (the CLI's
//! `evaluate-places`).
//!
//! Expected names come from other projects' test cases and are written loosely (杭州 for
//! 杭州市, 内蒙古 for 内蒙古自治区, 市辖区 or 北京市 for a municipality's city level, an old
//! name such as 下城区), so names are compared leniently; see [`names_match`].

use super::gazetteer::{strip_ethnic, DivisionId, Gazetteer, Level};

/// What the resolver answered at one expected level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The division at that level matches the expected name.
    Right,
    /// A division was given, but above that level (nothing at it).
    TooHigh,
    /// Another name at that level.
    Wrong,
    /// No division at all.
    None,
}

impl Outcome {
    /// All outcomes, in report order.
    pub const ALL: [Outcome; 4] = [
        Outcome::Right,
        Outcome::TooHigh,
        Outcome::Wrong,
        Outcome::None,
    ];

    /// The report name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Right => "right",
            Outcome::TooHigh => "too_high",
            Outcome::Wrong => "wrong",
            Outcome::None => "none",
        }
    }
}

/// Suffixes stripped one at a time for lenient comparison, longest first.
const SUFFIXES: &[&str] = &[
    "特别行政区",
    "村民委员会",
    "居民委员会",
    "街道办事处",
    "自治区",
    "村委会",
    "居委会",
    "街道",
    "社区",
    "省",
    "市",
    "区",
    "县",
    "旗",
    "镇",
    "乡",
    "村",
    "州",
];

/// A name and the forms it shortens to: one suffix at a time while two or more characters
/// remain, and for 自治州/自治县 also without the ethnic names before the suffix.
pub fn name_forms(name: &str) -> Vec<String> {
    let mut out = vec![name.to_string()];
    let mut cur = name.to_string();
    loop {
        let mut next = None;
        for auto in ["自治州", "自治县", "自治旗"] {
            if let Some(stem) = cur.strip_suffix(auto) {
                let short = strip_ethnic(stem);
                if short.chars().count() >= 2 {
                    next = Some(short.to_string());
                }
                break;
            }
        }
        if next.is_none() {
            for s in SUFFIXES {
                if let Some(stem) = cur.strip_suffix(s) {
                    if stem.chars().count() >= 2 {
                        next = Some(stem.to_string());
                    }
                    break;
                }
            }
        }
        match next {
            Some(n) if !out.contains(&n) => {
                out.push(n.clone());
                cur = n;
            }
            _ => return out,
        }
    }
}

/// Lenient name match: equal, or equal once suffixes are stripped (see [`name_forms`]); at
/// county level and below the answer may also end with the expected name's short form
/// (秦皇岛市经济技术开发区 for 经济技术开发区).
pub fn names_match(expected: &str, answer: &str, level: Level) -> bool {
    let e = name_forms(expected);
    let a = name_forms(answer);
    if e.iter().any(|x| a.contains(x)) {
        return true;
    }
    level >= Level::County
        && e.iter()
            .any(|x| x.chars().count() >= 2 && a.iter().any(|y| y.ends_with(x.as_str())))
}

const MUNICIPALITIES: &[&str] = &["北京市", "天津市", "上海市", "重庆市"];

/// Scores one answer against the expected names per level (index 0 = province … 4 = village;
/// `None` where the case expects nothing). An expected name also matches a division that
/// one of its former names now points at (下城区 → 拱墅区), and an expected city of a
/// municipality (北京市, 市辖区, 县) is met by that municipality as province.
pub fn score(
    g: &Gazetteer,
    expected: &[Option<String>; 5],
    answer: Option<DivisionId>,
) -> [Option<Outcome>; 5] {
    let mut out = [None; 5];
    let Some(answer) = answer else {
        for (o, e) in out.iter_mut().zip(expected) {
            *o = e.as_ref().map(|_| Outcome::None);
        }
        return out;
    };
    let path = g.path(answer);
    let at = |level: Level| path.iter().copied().find(|&p| g.level(p) == level);
    let province = at(Level::Province).map(|p| g.display_name(p));
    for (i, e) in expected.iter().enumerate() {
        let Some(e) = e else { continue };
        let level = Level::from_number(i as u8 + 1).expect("five levels");
        let municipal = level == Level::City
            && province
                .as_deref()
                .is_some_and(|p| MUNICIPALITIES.contains(&p))
            && (e == "市辖区"
                || e == "县"
                || province
                    .as_deref()
                    .is_some_and(|p| names_match(e, p, Level::Province)));
        out[i] = Some(if municipal {
            Outcome::Right
        } else {
            match at(level) {
                None => Outcome::TooHigh,
                Some(d) => {
                    let name = g.display_name(d);
                    if names_match(e, &name, level)
                        || names_match(e, g.name(d), level)
                        || g.former_names_of(d).any(|f| names_match(e, f, level))
                    {
                        Outcome::Right
                    } else {
                        Outcome::Wrong
                    }
                }
            }
        });
    }
    out
}

/// Scores an answer given as names per level (index 0 = province … 4 = village), as other
/// parsers report it, with the same rules as [`score`] except former names (names are
/// compared as written).
pub fn score_names(
    expected: &[Option<String>; 5],
    answer: &[Option<String>; 5],
) -> [Option<Outcome>; 5] {
    let mut out = [None; 5];
    let deepest = answer.iter().rposition(Option::is_some);
    let province = answer[0].as_deref();
    for (i, e) in expected.iter().enumerate() {
        let Some(e) = e else { continue };
        let level = Level::from_number(i as u8 + 1).expect("five levels");
        let municipal = level == Level::City
            && province.is_some_and(|p| {
                MUNICIPALITIES
                    .iter()
                    .any(|m| names_match(m, p, Level::Province))
                    && (e == "市辖区" || e == "县" || names_match(e, p, Level::Province))
            });
        out[i] = Some(match (&answer[i], deepest) {
            _ if municipal => Outcome::Right,
            (Some(a), _) if names_match(e, a, level) => Outcome::Right,
            (Some(_), _) => Outcome::Wrong,
            (None, None) => Outcome::None,
            (None, Some(d)) if d < i => Outcome::TooHigh,
            // A level skipped above a deeper answer: nothing said there.
            (None, Some(_)) => Outcome::None,
        });
    }
    out
}

/// Per-level outcome counts over many cases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// `[level][outcome]` counts, levels province … village, outcomes in [`Outcome::ALL`] order.
    pub counts: [[usize; 4]; 5],
    /// Cases scored (negatives included).
    pub cases: usize,
    /// Cases with a wrong answer at some level.
    pub cases_wrong: usize,
    /// Cases that name no place.
    pub negatives: usize,
    /// Of those, the ones given no division.
    pub negatives_right: usize,
}

impl Tally {
    /// Adds one case: its per-level outcomes, or for a negative case (no expected level)
    /// whether a division was given anyway.
    pub fn add(&mut self, outcomes: &[Option<Outcome>; 5], negative: bool, answered: bool) {
        self.cases += 1;
        if negative {
            self.negatives += 1;
            if answered {
                self.cases_wrong += 1;
            } else {
                self.negatives_right += 1;
            }
            return;
        }
        for (l, o) in outcomes.iter().enumerate() {
            if let Some(o) = o {
                let k = Outcome::ALL.iter().position(|x| x == o).expect("listed");
                self.counts[l][k] += 1;
            }
        }
        if outcomes.contains(&Some(Outcome::Wrong)) {
            self.cases_wrong += 1;
        }
    }

    /// Right answers over cases expecting `level` (`None` when no case does).
    pub fn accuracy(&self, level: Level) -> Option<f64> {
        let c = &self.counts[level as usize - 1];
        let n: usize = c.iter().sum();
        (n > 0).then(|| c[0] as f64 / n as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_names() {
        assert!(names_match("杭州", "杭州市", Level::City));
        assert!(names_match("内蒙古", "内蒙古自治区", Level::Province));
        assert!(names_match("巴音郭楞", "巴音郭楞蒙古自治州", Level::City));
        assert!(names_match("湘西州", "湘西土家族苗族自治州", Level::City));
        assert!(names_match(
            "经济技术开发区",
            "秦皇岛市经济技术开发区",
            Level::County
        ));
        assert!(!names_match(
            "经济技术开发区",
            "秦皇岛市经济技术开发区",
            Level::City
        ));
        assert!(!names_match("南京市", "南昌市", Level::City));
        // One character never matches alone.
        assert!(!names_match("攸县", "茶陵县", Level::County));
    }

    #[test]
    fn outcomes_per_level() {
        let csv =
            "code,name,level,parent_code\n11,北京市,1,\n1101,市辖区,2,11\n110105,朝阳区,3,1101\n\
                   43,湖南省,1,\n4302,株洲市,2,43\n430224,茶陵县,3,4302\n";
        let g = Gazetteer::from_csv(csv, "t", &[]).unwrap();
        let e = |p: &str, c: &str, k: &str| {
            [Some(p.into()), Some(c.into()), Some(k.into()), None, None]
        };
        let chaoyang = g.find_code("110105");
        let o = score(&g, &e("北京", "北京市", "朝阳区"), chaoyang);
        assert_eq!(o[..3], [Some(Outcome::Right); 3]);
        let o = score(&g, &e("湖南省", "株洲市", "攸县"), g.find_code("4302"));
        assert_eq!(o[2], Some(Outcome::TooHigh));
        let o = score(&g, &e("湖南省", "株洲市", "攸县"), g.find_code("430224"));
        assert_eq!(o[2], Some(Outcome::Wrong));
        let o = score(&g, &e("湖南省", "株洲市", "攸县"), None);
        assert_eq!(o[0], Some(Outcome::None));
        let mut t = Tally::default();
        t.add(&o, false, false);
        t.add(&[None; 5], true, true);
        assert_eq!((t.cases, t.cases_wrong, t.negatives_right), (2, 1, 0));
        assert_eq!(t.accuracy(Level::Province), Some(0.0));
        assert_eq!(t.accuracy(Level::Village), None);
    }

    #[test]
    fn outcomes_of_named_answers() {
        let e = [
            Some("上海".into()),
            Some("市辖区".into()),
            Some("徐汇区".into()),
            None,
            None,
        ];
        let a = [
            Some("上海市".into()),
            Some("上海市".into()),
            Some("徐汇区".into()),
            None,
            None,
        ];
        assert_eq!(score_names(&e, &a)[..3], [Some(Outcome::Right); 3]);
        let a = [Some("上海市".into()), None, None, None, None];
        assert_eq!(score_names(&e, &a)[2], Some(Outcome::TooHigh));
        let a = [
            Some("上海市".into()),
            None,
            Some("黄浦区".into()),
            None,
            None,
        ];
        assert_eq!(score_names(&e, &a)[2], Some(Outcome::Wrong));
        assert_eq!(score_names(&e, &Default::default())[0], Some(Outcome::None));
    }
}
