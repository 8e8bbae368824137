//! `Engine.triage_arrow`: Arrow string columns in, an Arrow record batch out. Runs without the
//! GIL: it reads the input buffers in place and appends to column builders, one block of rows
//! at a time (so the per-row `Triage` values of only one block are alive at once).

use arrow_array::builder::{BooleanBuilder, Float32Builder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use std::sync::Arc;

/// Rows triaged (in parallel) before their results are appended to the builders.
const BLOCK: usize = 4096;

/// Whether `t` is one of Arrow's string types.
pub(crate) fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// Appends every value of `chunks` (string arrays, checked by the caller) to `out`.
fn strings<'a>(chunks: &'a [ArrayRef], out: &mut Vec<Option<&'a str>>) -> Result<(), String> {
    for a in chunks {
        if let Some(s) = a.as_string_opt::<i32>() {
            out.extend(s.iter());
        } else if let Some(s) = a.as_string_opt::<i64>() {
            out.extend(s.iter());
        } else if let Some(s) = a.as_string_view_opt() {
            out.extend(s.iter());
        } else {
            return Err(format!("expected Arrow strings, found {}", a.data_type()));
        }
    }
    Ok(())
}

/// The output schema, in column order.
pub(crate) fn schema() -> Schema {
    let s = |n: &str| Field::new(n, DataType::Utf8, true);
    Schema::new(vec![
        s("kind"),
        s("category"),
        Field::new("confidence", DataType::Float32, true),
        Field::new("needs_review", DataType::Boolean, true),
        Field::new("misconduct", DataType::Boolean, true),
        s("division_code"),
        s("division_name"),
        s("division_level"),
        s("route_level"),
        s("handler"),
        s("supervisor"),
        s("error"),
    ])
}

#[derive(Default)]
struct Columns {
    kind: StringBuilder,
    category: StringBuilder,
    confidence: Float32Builder,
    needs_review: BooleanBuilder,
    misconduct: BooleanBuilder,
    division_code: StringBuilder,
    division_name: StringBuilder,
    division_level: StringBuilder,
    route_level: StringBuilder,
    handler: StringBuilder,
    supervisor: StringBuilder,
    error: StringBuilder,
}

impl Columns {
    fn push(&mut self, r: &Result<suqiu::Triage, String>) {
        match r {
            Ok(t) => {
                self.kind.append_value(t.kind.as_str());
                self.category.append_option(t.category.as_deref());
                self.confidence.append_value(t.confidence);
                self.needs_review.append_value(t.needs_review);
                self.misconduct.append_value(t.misconduct.flag);
                let d = t.division.as_ref();
                self.division_code.append_option(d.map(|d| d.code.as_str()));
                self.division_name.append_option(d.map(|d| d.name.as_str()));
                self.division_level
                    .append_option(d.map(|d| d.level.as_str()));
                let r = t.route.as_ref();
                self.route_level.append_option(r.map(|r| r.level.as_str()));
                self.handler.append_option(r.map(|r| r.handler.as_str()));
                self.supervisor
                    .append_option(r.map(|r| r.supervisor.as_str()));
                self.error.append_null();
            }
            Err(e) => {
                self.kind.append_null();
                self.category.append_null();
                self.confidence.append_null();
                self.needs_review.append_null();
                self.misconduct.append_null();
                self.division_code.append_null();
                self.division_name.append_null();
                self.division_level.append_null();
                self.route_level.append_null();
                self.handler.append_null();
                self.supervisor.append_null();
                self.error.append_value(e);
            }
        }
    }

    fn finish(mut self) -> Result<RecordBatch, String> {
        let cols: Vec<ArrayRef> = vec![
            Arc::new(self.kind.finish()),
            Arc::new(self.category.finish()),
            Arc::new(self.confidence.finish()),
            Arc::new(self.needs_review.finish()),
            Arc::new(self.misconduct.finish()),
            Arc::new(self.division_code.finish()),
            Arc::new(self.division_name.finish()),
            Arc::new(self.division_level.finish()),
            Arc::new(self.route_level.finish()),
            Arc::new(self.handler.finish()),
            Arc::new(self.supervisor.finish()),
            Arc::new(self.error.finish()),
        ];
        RecordBatch::try_new(Arc::new(schema()), cols).map_err(|e| e.to_string())
    }
}

fn one(
    engine: &suqiu::Engine,
    text: Option<&str>,
    group: Option<&str>,
) -> Result<suqiu::Triage, String> {
    match text {
        None => Err("text is null".to_string()),
        Some(t) => engine.triage(t, group).map_err(|e| e.to_string()),
    }
}

/// Triages `texts` (with `groups`, as many, when given) into a record batch of [`schema`].
/// `threads`: None uses rayon's global pool, 1 runs on the calling thread.
pub(crate) fn triage_columns(
    engine: &suqiu::Engine,
    texts: &[ArrayRef],
    groups: Option<&[ArrayRef]>,
    threads: Option<usize>,
) -> Result<RecordBatch, String> {
    let mut t: Vec<Option<&str>> = Vec::new();
    strings(texts, &mut t)?;
    let mut g: Vec<Option<&str>> = Vec::new();
    match groups {
        Some(chunks) => strings(chunks, &mut g)?,
        None => g.resize(t.len(), None),
    }
    if g.len() != t.len() {
        return Err(format!("{} texts but {} groups", t.len(), g.len()));
    }
    let mut cols = Columns::default();
    if threads == Some(1) {
        for (text, group) in t.iter().zip(&g) {
            cols.push(&one(engine, *text, *group));
        }
        return cols.finish();
    }
    let work = |cols: &mut Columns| {
        use rayon::prelude::*;
        let mut block = Vec::with_capacity(BLOCK);
        for (tc, gc) in t.chunks(BLOCK).zip(g.chunks(BLOCK)) {
            tc.par_iter()
                .zip(gc.par_iter())
                .map(|(text, group)| one(engine, *text, *group))
                .collect_into_vec(&mut block);
            for r in &block {
                cols.push(r);
            }
        }
    };
    match crate::pool(threads) {
        Some(p) => p.install(|| work(&mut cols)),
        None => work(&mut cols),
    }
    cols.finish()
}
