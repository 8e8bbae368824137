//! Profiles: the data that makes the engine fit a place — taxonomy, lexicon, routing rules
//! and place aliases — loaded from a directory or from the embedded `zhuzhou` default.
//!
//! A profile directory holds `taxonomy.toml`, `lexicon.tsv`, `routing.toml` and optionally
//! `aliases.tsv` (`alias<TAB>code`, e.g. 株洲县 → 430212), `whole_terms.txt` (two-character
//! lexicon terms counted without a word-edge check; see [`Lexicon::mark_whole`]),
//! `patterns.tsv` (weighted regular expressions for phrasings a term list cannot hold; see
//! [`Lexicon::add_patterns`]), `audit.toml` (reply-audit deadline, phrases and thresholds; see
//! [`crate::audit`]) and trained models (`kind.model`, `category.model`, `misconduct.model`).

use crate::classify::model::TextModel;
use crate::classify::{LabelScorer, Lexicon};
use crate::error::{Error, ErrorKind, Result};
use crate::route::Router;
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;

/// One category of the taxonomy.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Stable ASCII id (`roads_transport`).
    pub id: String,
    /// What a clerk sees (市政交通).
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxonomyFile {
    format: String,
    version: u32,
    name: String,
    category: Vec<Category>,
}

/// A loaded profile (not yet bound to a gazetteer).
#[derive(Debug)]
pub struct Profile {
    /// Profile name (`zhuzhou`).
    pub name: String,
    /// Categories, in score order.
    pub categories: Vec<Category>,
    /// Category ids, in the same order.
    pub category_ids: Vec<String>,
    /// The weighted lexicon.
    pub lexicon: Lexicon,
    /// Routing rules.
    pub router: Router,
    /// `(alias, code)` pairs.
    pub aliases: Vec<(String, String)>,
    /// The `aliases.tsv` line of each of `aliases` (1-based, counting every line).
    pub alias_lines: Vec<usize>,
    /// Where `aliases` came from (`DIR/aliases.tsv`, or the embedded profile's).
    pub aliases_source: String,
    /// The reply-audit rules (`audit.toml`; the embedded zhuzhou default when absent).
    pub auditor: crate::audit::Auditor,
}

const EMBEDDED_TAXONOMY: &str = include_str!("../../profiles/zhuzhou/taxonomy.toml");
const EMBEDDED_LEXICON: &str = include_str!("../../profiles/zhuzhou/lexicon.tsv");
const EMBEDDED_ROUTING: &str = include_str!("../../profiles/zhuzhou/routing.toml");
const EMBEDDED_ALIASES: &str = include_str!("../../profiles/zhuzhou/aliases.tsv");
const EMBEDDED_WHOLE_TERMS: &str = include_str!("../../profiles/zhuzhou/whole_terms.txt");
const EMBEDDED_PATTERNS: &str = include_str!("../../profiles/zhuzhou/patterns.tsv");

/// The embedded profile's trained models (see `scripts/corpus/train.sh`), decoded once.
static EMBEDDED_MODELS: std::sync::OnceLock<
    std::result::Result<Vec<(&'static str, Arc<TextModel>)>, String>,
> = std::sync::OnceLock::new();

const EMBEDDED_MODEL_FILES: [(&str, &[u8]); 3] = [
    (
        "kind.model",
        include_bytes!("../../profiles/zhuzhou/kind.model"),
    ),
    (
        "category.model",
        include_bytes!("../../profiles/zhuzhou/category.model"),
    ),
    (
        "misconduct.model",
        include_bytes!("../../profiles/zhuzhou/misconduct.model"),
    ),
];

/// The embedded profile's model stored as `file` (`kind.model`, `category.model`,
/// `misconduct.model`), shared by every engine built from the embedded profile.
pub(crate) fn embedded_model(file: &str) -> Result<Option<Arc<dyn LabelScorer>>> {
    let models = EMBEDDED_MODELS.get_or_init(|| {
        EMBEDDED_MODEL_FILES
            .iter()
            .map(|(name, bytes)| {
                TextModel::from_bytes(bytes, &format!("<embedded:zhuzhou>/{name}"))
                    .map(|m| (*name, Arc::new(m)))
                    .map_err(|e| e.to_string())
            })
            .collect()
    });
    match models {
        Ok(list) => Ok(list
            .iter()
            .find(|(n, _)| *n == file)
            .map(|(_, m)| m.clone() as Arc<dyn LabelScorer>)),
        Err(e) => Err(Error::file(
            ErrorKind::Model,
            "<embedded:zhuzhou>",
            None,
            e.clone(),
        )),
    }
}

/// The optional files of a profile.
struct OptionalFiles<'a> {
    aliases: Option<&'a str>,
    whole_terms: Option<&'a str>,
    patterns: Option<&'a str>,
    audit: Option<&'a str>,
}

impl Profile {
    /// The embedded default profile, `zhuzhou`.
    pub fn embedded() -> Result<Self> {
        Self::from_texts(
            EMBEDDED_TAXONOMY,
            EMBEDDED_LEXICON,
            EMBEDDED_ROUTING,
            OptionalFiles {
                aliases: Some(EMBEDDED_ALIASES),
                whole_terms: Some(EMBEDDED_WHOLE_TERMS),
                patterns: Some(EMBEDDED_PATTERNS),
                audit: None,
            },
            "<embedded:zhuzhou>",
        )
    }

    /// Loads a profile directory, each file at most 256 MiB (the default
    /// [`crate::Limits::max_file_bytes`]).
    pub fn from_dir(dir: &Path) -> Result<Self> {
        Self::from_dir_with_limit(dir, crate::Limits::default().max_file_bytes)
    }

    /// Loads a profile directory, reading at most `max_file_bytes` of each file (through a
    /// byte budget, whatever the file claims to be: see [`crate::bounded`]).
    pub fn from_dir_with_limit(dir: &Path, max_file_bytes: u64) -> Result<Self> {
        if !dir.is_dir() {
            return Err(Error::file(
                ErrorKind::Profile,
                dir,
                None,
                "profile directory does not exist",
            ));
        }
        let read = |name: &str| -> Result<String> {
            crate::bounded::read_text(&dir.join(name), max_file_bytes, ErrorKind::Profile)
        };
        let optional = |name: &str| -> Result<Option<String>> {
            if dir.join(name).exists() {
                read(name).map(Some)
            } else {
                Ok(None)
            }
        };
        let aliases = optional("aliases.tsv")?;
        let whole_terms = optional("whole_terms.txt")?;
        let patterns = optional("patterns.tsv")?;
        let audit = optional("audit.toml")?;
        Self::from_texts(
            &read("taxonomy.toml")?,
            &read("lexicon.tsv")?,
            &read("routing.toml")?,
            OptionalFiles {
                aliases: aliases.as_deref(),
                whole_terms: whole_terms.as_deref(),
                patterns: patterns.as_deref(),
                audit: audit.as_deref(),
            },
            &dir.display().to_string(),
        )
    }

    fn from_texts(
        taxonomy: &str,
        lexicon: &str,
        routing: &str,
        optional: OptionalFiles<'_>,
        base: &str,
    ) -> Result<Self> {
        let tax_src = format!("{base}/taxonomy.toml");
        let tax: TaxonomyFile = toml::from_str(taxonomy).map_err(|e| {
            let line = e.span().map(|s| {
                taxonomy[..s.start.min(taxonomy.len())]
                    .lines()
                    .count()
                    .max(1)
            });
            Error::file(ErrorKind::Profile, &tax_src, line, e.message().to_string())
        })?;
        if tax.format != "suqiu-taxonomy" || tax.version != 1 {
            return Err(Error::file(
                ErrorKind::Profile,
                &tax_src,
                None,
                "expected format \"suqiu-taxonomy\" version 1",
            ));
        }
        if tax.category.is_empty() || tax.category.len() > u16::MAX as usize {
            return Err(Error::file(
                ErrorKind::Profile,
                &tax_src,
                None,
                "a taxonomy needs 1..65535 categories",
            ));
        }
        let category_ids: Vec<String> = tax.category.iter().map(|c| c.id.clone()).collect();
        for (i, id) in category_ids.iter().enumerate() {
            if category_ids[..i].contains(id) || id.is_empty() || !id.is_ascii() {
                return Err(Error::file(
                    ErrorKind::Profile,
                    &tax_src,
                    None,
                    format!("category id {id:?} is empty, not ASCII or repeated"),
                ));
            }
        }
        let mut lexicon = Lexicon::parse(lexicon, &format!("{base}/lexicon.tsv"), &category_ids)?;
        if let Some(text) = optional.whole_terms {
            lexicon.mark_whole(text, &format!("{base}/whole_terms.txt"))?;
        }
        if let Some(text) = optional.patterns {
            lexicon.add_patterns(text, &format!("{base}/patterns.tsv"), &category_ids)?;
        }
        let router = Router::parse(routing, &format!("{base}/routing.toml"), &category_ids)?;
        let mut pairs = Vec::new();
        let mut alias_lines = Vec::new();
        let aliases_source = format!("{base}/aliases.tsv");
        if let Some(text) = optional.aliases {
            let src = &aliases_source;
            for (i, line) in text.lines().enumerate() {
                let line = line.split('#').next().unwrap_or("").trim();
                if line.is_empty() {
                    continue;
                }
                let (alias, code) = line.split_once('\t').ok_or_else(|| {
                    Error::file(
                        ErrorKind::Profile,
                        &src,
                        Some(i + 1),
                        "expected alias<TAB>code",
                    )
                })?;
                if alias.trim().chars().count() < 2 || code.trim().is_empty() {
                    return Err(Error::file(
                        ErrorKind::Profile,
                        &src,
                        Some(i + 1),
                        "alias must be 2+ characters and name a code",
                    ));
                }
                pairs.push((alias.trim().to_string(), code.trim().to_string()));
                alias_lines.push(i + 1);
            }
        }
        let audit_config = match optional.audit {
            Some(text) => crate::audit::AuditConfig::parse(text, &format!("{base}/audit.toml"))?,
            None => crate::audit::AuditConfig::embedded(),
        };
        let auditor =
            crate::audit::Auditor::new(&audit_config, &crate::normalize::Normalizer::new())?;
        Ok(Profile {
            name: tax.name,
            categories: tax.category,
            category_ids,
            lexicon,
            router,
            aliases: pairs,
            alias_lines,
            aliases_source,
            auditor,
        })
    }
}
