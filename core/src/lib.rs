//! # suqiu — triage for citizens' appeals
//!
//! suqiu reads what citizens post in village supervision groups, hotlines and message boards
//! and decides what it is ([`Kind`]), what it is about (a category), where it happened (a
//! division of the 5-level hierarchy) and who must handle it ([`route::Route`]).
//!
//! The pipeline, one module per stage: [`normalize`] → [`segment`] → [`classify`] →
//! [`jurisdiction`] → [`route`]. An [`Engine`] holds them all; build it once and share it
//! across threads.
//!
//! ```
//! let engine = suqiu::Engine::default();
//! let t = engine.triage("路面坑窪不平，晚上連個路燈都沒有", Some("430202001012")).unwrap();
//! assert_eq!(t.kind, suqiu::Kind::Grievance);
//! assert_eq!(t.category.as_deref(), Some("roads_transport"));
//! let route = t.route.as_ref().unwrap();
//! assert_eq!(route.handler, "荷塘区城管局");
//! ```
#![deny(missing_docs)]

pub mod aggregate;
pub mod audit;
pub mod bounded;
pub mod classify;
pub mod error;
pub mod fuzzing;
pub mod jsonl;
pub mod jurisdiction;
pub mod normalize;
pub mod profile;
pub mod route;
pub mod segment;

mod engine;
pub mod hashing;
pub mod input;
pub use engine::engine_from_paths;

pub use classify::Kind;
pub use engine::{
    Candidate, DivisionInfo, Engine, EngineBuilder, Evidence, Limits, Location, Misconduct,
    PlaceMention, Triage,
};
pub use error::{Error, ErrorKind, Result};
pub use jurisdiction::Level;

/// The Rust examples of the README and of `docs/`, run as doc tests so that they cannot drift
/// from the code (the other languages' examples run in `scripts/test-docs.sh`).
#[cfg(doctest)]
pub mod doc_examples {
    #[doc = include_str!("../../README.md")]
    pub struct Readme;
    #[doc = include_str!("../../docs/cli.md")]
    pub struct Cli;
    #[doc = include_str!("../../docs/how-it-decides.md")]
    pub struct HowItDecides;
    #[doc = include_str!("../../docs/annotation.md")]
    pub struct Annotation;
    #[doc = include_str!("../../docs/classifier.md")]
    pub struct Classifier;
    #[doc = include_str!("../../docs/aggregation.md")]
    pub struct Aggregation;
    #[doc = include_str!("../../docs/places.md")]
    pub struct Places;
    #[doc = include_str!("../../docs/performance.md")]
    pub struct Performance;
    #[doc = include_str!("../../docs/limits-and-errors.md")]
    pub struct LimitsAndErrors;
    #[doc = include_str!("../../docs/audit.md")]
    pub struct Audit;
    #[doc = include_str!("../../docs/arrow-spark.md")]
    pub struct ArrowSpark;
}
