//! Python bindings of suqiu: `suqiu._suqiu`. The bindings only convert; every call releases
//! the GIL while Rust works, batches run in parallel on a rayon pool, and no Rust panic
//! reaches Python as a bare `PanicException` (it becomes `suqiu.Error`).

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use suqiu::classify::model::{TextModel, TrainSettings};

mod arrow;

/// Raises the `suqiu.errors` class named `class` with `msg`.
/// A message text argument: a str of valid Unicode, else `InvalidInputError`.
fn text_arg(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<String> {
    text.extract().map_err(|e| {
        py_error(
            py,
            "InvalidInputError",
            format!("text must be a str of valid Unicode: {e}"),
        )
    })
}

fn py_error(py: Python<'_>, class: &str, msg: String) -> PyErr {
    match py
        .import("suqiu.errors")
        .and_then(|m| m.getattr(class))
        .and_then(|c| c.call1((msg.clone(),)))
    {
        Ok(inst) => PyErr::from_value(inst),
        Err(_) => PyRuntimeError::new_err(msg),
    }
}

/// Maps a core error through one exhaustive match to its Python class.
fn to_py_err(py: Python<'_>, e: &suqiu::Error) -> PyErr {
    use suqiu::ErrorKind as K;
    let class = match e.kind() {
        K::InvalidInput => "InvalidInputError",
        K::UnknownDivision => "UnknownDivisionError",
        K::Divisions => "DivisionsError",
        K::Profile => "ProfileError",
        K::Model => "ModelLoadError",
        K::LimitExceeded => "LimitExceededError",
        K::Io => "SuqiuIOError",
        _ => "Error",
    };
    py_error(py, class, e.to_string())
}

/// Runs `f` without the GIL and inside a panic guard.
fn run<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    let out = py.detach(|| catch_unwind(AssertUnwindSafe(f)));
    out.map_err(|_| {
        py_error(
            py,
            "Error",
            "internal error: a panic was caught in suqiu".into(),
        )
    })
}

fn json_to_py<'py>(py: Python<'py>, v: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        serde_json::Value::Null => py.None().into_bound(py),
        serde_json::Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        serde_json::Value::String(s) => s.into_pyobject(py)?.into_any(),
        serde_json::Value::Array(a) => {
            let list = PyList::empty(py);
            for x in a {
                list.append(json_to_py(py, x)?)?;
            }
            list.into_any()
        }
        serde_json::Value::Object(o) => {
            let d = PyDict::new(py);
            for (k, x) in o {
                d.set_item(k, json_to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}

/// The chunks of an Arrow array-like (array, chunked array, stream) of strings.
fn arrow_chunks(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
    what: &str,
) -> PyResult<Vec<arrow_array::ArrayRef>> {
    let any: pyo3_arrow::input::AnyArray = obj.extract().map_err(|e| {
        py_error(
            py,
            "InvalidInputError",
            format!("{what} must be an Arrow string array (pyarrow, or __arrow_c_array__/__arrow_c_stream__): {e}"),
        )
    })?;
    let chunked = any.into_chunked_array().map_err(PyErr::from)?;
    let (chunks, field) = chunked.into_inner();
    if !arrow::is_string(field.data_type()) {
        return Err(py_error(
            py,
            "InvalidInputError",
            format!(
                "{what} must be Arrow strings (utf8, large_utf8 or utf8_view), not {}",
                field.data_type()
            ),
        ));
    }
    Ok(chunks)
}

/// Where a problem is: an administrative division.
#[pyclass(frozen, module = "suqiu._suqiu", from_py_object)]
#[derive(Clone)]
struct Division {
    #[pyo3(get)]
    code: String,
    #[pyo3(get)]
    name: String,
    #[pyo3(get)]
    level: String,
    #[pyo3(get)]
    path: Vec<String>,
}

#[pymethods]
impl Division {
    fn __repr__(&self) -> String {
        format!(
            "Division(code={:?}, name={:?}, level={:?})",
            self.code, self.name, self.level
        )
    }
}

/// Who handles a message.
#[pyclass(frozen, module = "suqiu._suqiu", from_py_object)]
#[derive(Clone)]
struct Route {
    #[pyo3(get)]
    level: String,
    #[pyo3(get)]
    division_code: String,
    #[pyo3(get)]
    division_name: String,
    #[pyo3(get)]
    handler: String,
    #[pyo3(get)]
    supervisor: String,
    #[pyo3(get)]
    rules: Vec<String>,
}

#[pymethods]
impl Route {
    fn __repr__(&self) -> String {
        format!(
            "Route(level={:?}, handler={:?}, supervisor={:?})",
            self.level, self.handler, self.supervisor
        )
    }
}

/// The triage of one message.
#[pyclass(frozen, module = "suqiu._suqiu")]
struct Triage {
    inner: suqiu::Triage,
}

#[pymethods]
impl Triage {
    /// `misconduct`, `grievance`, `inquiry` or `other`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind.as_str()
    }
    /// Category id, or None for `other`.
    #[getter]
    fn category(&self) -> Option<String> {
        self.inner.category.clone()
    }
    /// Score per kind and category id.
    #[getter]
    fn scores(&self) -> std::collections::BTreeMap<String, f32> {
        self.inner.scores.clone()
    }
    /// Misconduct evidence was found.
    #[getter]
    fn misconduct(&self) -> bool {
        self.inner.misconduct.flag
    }
    /// The resolved division, or None.
    #[getter]
    fn division(&self) -> Option<Division> {
        self.inner.division.as_ref().map(|d| Division {
            code: d.code.clone(),
            name: d.name.clone(),
            level: d.level.as_str().to_string(),
            path: d.path.clone(),
        })
    }
    /// The route, or None.
    #[getter]
    fn route(&self) -> Option<Route> {
        self.inner.route.as_ref().map(|r| Route {
            level: r.level.as_str().to_string(),
            division_code: r.division.code.clone(),
            division_name: r.division.name.clone(),
            handler: r.handler.clone(),
            supervisor: r.supervisor.clone(),
            rules: r.rules.clone(),
        })
    }
    /// 0..1.
    #[getter]
    fn confidence(&self) -> f32 {
        self.inner.confidence
    }
    /// A person should check this result.
    #[getter]
    fn needs_review(&self) -> bool {
        self.inner.needs_review
    }
    /// Evidence spans: list of dicts with start, end (byte offsets into the UTF-8 text), text, label.
    #[getter]
    fn evidence<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(
            py,
            &serde_json::to_value(&self.inner.evidence).unwrap_or_default(),
        )
    }
    /// Other divisions the text may name.
    #[getter]
    fn candidates<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(
            py,
            &serde_json::to_value(&self.inner.candidates).unwrap_or_default(),
        )
    }
    /// The same fields as the JSON `suqiu triage` prints (with `id` None).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let json = suqiu::jsonl::triage_json(&serde_json::Value::Null, &self.inner);
        json_to_py(py, &serde_json::from_str(&json).unwrap_or_default())
    }
    fn __repr__(&self) -> String {
        format!(
            "Triage(kind={:?}, category={:?}, division={:?}, needs_review={})",
            self.inner.kind.as_str(),
            self.inner.category,
            self.inner.division.as_ref().map(|d| d.code.clone()),
            self.inner.needs_review
        )
    }
}

/// The triage engine (immutable, thread-safe).
#[pyclass(frozen, subclass, module = "suqiu._suqiu", name = "Engine")]
struct NativeEngine {
    inner: Arc<suqiu::Engine>,
    #[pyo3(get)]
    profile: Option<String>,
    #[pyo3(get)]
    divisions: Option<String>,
}

fn pool(threads: Option<usize>) -> Option<rayon::ThreadPool> {
    threads.and_then(|n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .ok()
    })
}

#[pymethods]
impl NativeEngine {
    #[new]
    #[pyo3(signature = (profile=None, divisions=None))]
    fn new(py: Python<'_>, profile: Option<String>, divisions: Option<String>) -> PyResult<Self> {
        let (p, d) = (profile.clone(), divisions.clone());
        let built = run(py, move || {
            suqiu::engine_from_paths(
                p.as_deref().map(std::path::Path::new),
                d.as_deref().map(std::path::Path::new),
            )
        })?;
        match built {
            Ok(e) => Ok(NativeEngine {
                inner: Arc::new(e),
                profile,
                divisions,
            }),
            Err(e) => Err(to_py_err(py, &e)),
        }
    }

    /// Triages one message posted in the group of `group_division` (an NBS code).
    #[pyo3(signature = (text, group_division=None))]
    fn triage(
        &self,
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        group_division: Option<String>,
    ) -> PyResult<Triage> {
        let text = text_arg(py, text)?;
        let engine = self.inner.clone();
        match run(py, move || engine.triage(&text, group_division.as_deref()))? {
            Ok(t) => Ok(Triage { inner: t }),
            Err(e) => Err(to_py_err(py, &e)),
        }
    }

    /// Locates one address or text (GIL released): a dict with `division` (code, name, level,
    /// path, or None), `chain` (codes from the province down), `confidence`, `needs_review`,
    /// `basis`, `mentions` (the words the division rests on; `former_name` set for an old
    /// name such as 襄樊市) and `candidates` — the object `suqiu locate` prints, without `id`.
    #[pyo3(signature = (text, group_division=None))]
    fn locate<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyAny>,
        group_division: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let text = text_arg(py, text)?;
        let engine = self.inner.clone();
        match run(py, move || engine.locate(&text, group_division.as_deref()))? {
            Ok(l) => {
                // Through the JSON text, not `to_value`: f32 fields then read 0.95, not 0.949….
                let json = serde_json::to_string(&l).unwrap_or_else(|_| "{}".into());
                json_to_py(py, &serde_json::from_str(&json).unwrap_or_default())
            }
            Err(e) => Err(to_py_err(py, &e)),
        }
    }

    /// Triages many messages in parallel (GIL released), one result per input, in order. With
    /// `on_error="raise"` the first bad input raises (its index in the message); with
    /// `"return"` the exception object takes its place in the list.
    #[pyo3(signature = (texts, group_divisions=None, threads=None, on_error="raise"))]
    fn triage_batch<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<Bound<'py, PyAny>>,
        group_divisions: Option<Vec<Option<String>>>,
        threads: Option<usize>,
        on_error: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        if on_error != "raise" && on_error != "return" {
            return Err(py_error(
                py,
                "InvalidInputError",
                format!("on_error must be 'raise' or 'return', not {on_error:?}"),
            ));
        }
        let limit = self.inner.limits().max_batch_items;
        if texts.len() > limit {
            return Err(py_error(
                py,
                "LimitExceededError",
                format!(
                    "limit exceeded: {} messages in one batch, the limit is {limit}",
                    texts.len()
                ),
            ));
        }
        if let Some(g) = &group_divisions {
            if g.len() != texts.len() {
                return Err(py_error(
                    py,
                    "InvalidInputError",
                    format!("{} texts but {} group_divisions", texts.len(), g.len()),
                ));
            }
        }
        let texts: Vec<Option<String>> = texts.iter().map(|t| t.extract::<String>().ok()).collect();
        let engine = self.inner.clone();
        let groups = group_divisions.unwrap_or_else(|| vec![None; texts.len()]);
        let results: Vec<Option<suqiu::Result<suqiu::Triage>>> = run(py, move || {
            use rayon::prelude::*;
            let work = || {
                texts
                    .par_iter()
                    .zip(groups.par_iter())
                    .map(|(t, g)| t.as_ref().map(|t| engine.triage(t, g.as_deref())))
                    .collect::<Vec<_>>()
            };
            match pool(threads) {
                Some(p) => p.install(work),
                None => work(),
            }
        })?;
        let out = PyList::empty(py);
        for (i, r) in results.into_iter().enumerate() {
            let err = match r {
                Some(Ok(t)) => {
                    out.append(Bound::new(py, Triage { inner: t })?)?;
                    continue;
                }
                Some(Err(e)) => {
                    let e = to_py_err(py, &e);
                    py_error(
                        py,
                        &e.get_type(py).name()?.to_string(),
                        format!("item {i}: {}", e.value(py)),
                    )
                }
                None => py_error(
                    py,
                    "InvalidInputError",
                    format!("item {i}: text must be a str of valid Unicode"),
                ),
            };
            if on_error == "raise" {
                return Err(err);
            }
            out.append(err.value(py))?;
        }
        Ok(out)
    }

    /// Triages an Arrow string column (pyarrow `string`/`large_string`/`string_view` array,
    /// chunked array, or any object with `__arrow_c_array__`/`__arrow_c_stream__`) and returns
    /// a `pyarrow.RecordBatch`, one row per input in order. Rejected rows (null or empty text,
    /// over-long text, unknown group) have every result column null and the reason in `error`.
    /// The GIL is released while Rust reads the input buffers and builds the output columns.
    #[pyo3(signature = (texts, groups=None, threads=None))]
    fn triage_arrow<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        groups: Option<&Bound<'py, PyAny>>,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let texts = arrow_chunks(py, texts, "texts")?;
        let groups = match groups {
            Some(g) if !g.is_none() => Some(arrow_chunks(py, g, "groups")?),
            _ => None,
        };
        let n: usize = texts.iter().map(|a| a.len()).sum();
        let limit = self.inner.limits().max_batch_items;
        if n > limit {
            return Err(py_error(
                py,
                "LimitExceededError",
                format!("limit exceeded: {n} messages in one batch, the limit is {limit}"),
            ));
        }
        if let Some(g) = &groups {
            let m: usize = g.iter().map(|a| a.len()).sum();
            if m != n {
                return Err(py_error(
                    py,
                    "InvalidInputError",
                    format!("{n} texts but {m} groups"),
                ));
            }
        }
        let engine = self.inner.clone();
        let batch = run(py, move || {
            arrow::triage_columns(&engine, &texts, groups.as_deref(), threads)
        })?;
        match batch {
            Ok(b) => pyo3_arrow::PyRecordBatch::new(b).into_pyarrow(py),
            Err(msg) => Err(py_error(py, "InvalidInputError", msg)),
        }
    }

    /// Aggregates reports (JSON Lines text, as for `suqiu aggregate`) into issues; returns the
    /// JSON Lines the C ABI returns (rejected lines first, then issues hottest first).
    #[pyo3(signature = (jsonl, window_days=None))]
    fn _aggregate_jsonl(
        &self,
        py: Python<'_>,
        jsonl: String,
        window_days: Option<f64>,
    ) -> PyResult<String> {
        let mut config = suqiu::aggregate::AggregatorConfig::default();
        if let Some(d) = window_days {
            if !(d.is_finite() && d > 0.0) {
                return Err(py_error(
                    py,
                    "InvalidInputError",
                    format!("window_days must be a positive number, not {d}"),
                ));
            }
            config.window_seconds = (d.min(36_500.0) * 86_400.0) as i64;
        }
        let engine = self.inner.clone();
        run(py, move || {
            suqiu::jsonl::aggregate_jsonl(&engine, jsonl.as_bytes(), config, None)
        })
    }

    /// Audits replies (JSON Lines text, as for `suqiu audit`) as one run; returns the JSON
    /// Lines the C ABI returns (one line per input line, or with `summary` the rejected lines
    /// then one line per replying unit).
    #[pyo3(signature = (jsonl, summary=false))]
    fn _audit_jsonl(&self, py: Python<'_>, jsonl: String, summary: bool) -> PyResult<String> {
        let engine = self.inner.clone();
        run(py, move || {
            suqiu::jsonl::audit_jsonl(&engine, jsonl.as_bytes(), summary, None)
        })
    }

    /// Name of the profile in use.
    #[getter]
    fn profile_name(&self) -> String {
        self.inner.profile().name.clone()
    }

    /// Category ids of the profile.
    #[getter]
    fn categories(&self) -> Vec<String> {
        self.inner.profile().category_ids.clone()
    }

    /// Number of divisions in the gazetteer.
    #[getter]
    fn division_count(&self) -> usize {
        self.inner.gazetteer().len()
    }
}

/// A trained linear text classifier (see `suqiu train`).
#[pyclass(frozen, module = "suqiu._suqiu")]
struct Model {
    inner: Arc<TextModel>,
}

#[pymethods]
impl Model {
    /// Trains on texts and labels.
    #[staticmethod]
    #[pyo3(signature = (texts, labels, seed=0, c=2.0, words=false, hash_bits=18, balanced=true))]
    fn train(
        py: Python<'_>,
        texts: Vec<String>,
        labels: Vec<String>,
        seed: u64,
        c: f32,
        words: bool,
        hash_bits: u32,
        balanced: bool,
    ) -> PyResult<Model> {
        if texts.len() != labels.len() {
            return Err(py_error(
                py,
                "InvalidInputError",
                format!("{} texts but {} labels", texts.len(), labels.len()),
            ));
        }
        if !(c.is_finite() && c > 0.0) {
            return Err(py_error(
                py,
                "InvalidInputError",
                format!("c must be a positive number, not {c}"),
            ));
        }
        let mut st = TrainSettings {
            seed,
            c,
            balanced_class_weights: balanced,
            ..Default::default()
        };
        st.features.words = words;
        st.features.hash_bits = hash_bits;
        let data: Vec<(String, String)> = texts.into_iter().zip(labels).collect();
        match run(py, move || TextModel::train(&data, &[], &st))? {
            Ok(m) => Ok(Model { inner: Arc::new(m) }),
            Err(e) => Err(to_py_err(py, &e)),
        }
    }

    /// Labels, in probability-column order.
    #[getter]
    fn labels(&self) -> Vec<String> {
        self.inner.labels().to_vec()
    }

    /// Index of the predicted label per text (parallel, GIL released).
    fn predict_indices(&self, py: Python<'_>, texts: Vec<String>) -> PyResult<Vec<usize>> {
        let m = self.inner.clone();
        run(py, move || {
            use rayon::prelude::*;
            texts.par_iter().map(|t| m.predict_label(t)).collect()
        })
    }

    /// Probabilities per text and label (parallel, GIL released).
    fn predict_proba(&self, py: Python<'_>, texts: Vec<String>) -> PyResult<Vec<Vec<f32>>> {
        let m = self.inner.clone();
        run(py, move || {
            use rayon::prelude::*;
            texts
                .par_iter()
                .map(|t| m.predict(t).probabilities)
                .collect()
        })
    }

    /// The model file's bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_bytes())
    }

    /// Parses model bytes (validated).
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: Vec<u8>) -> PyResult<Model> {
        match run(py, move || TextModel::from_bytes(&data, "<bytes>"))? {
            Ok(m) => Ok(Model { inner: Arc::new(m) }),
            Err(e) => Err(to_py_err(py, &e)),
        }
    }

    /// Writes the model file.
    fn save(&self, py: Python<'_>, path: String) -> PyResult<()> {
        let m = self.inner.clone();
        match run(py, move || m.save(std::path::Path::new(&path)))? {
            Ok(()) => Ok(()),
            Err(e) => Err(to_py_err(py, &e)),
        }
    }

    /// Reads and validates a model file.
    #[staticmethod]
    fn load(py: Python<'_>, path: String) -> PyResult<Model> {
        match run(py, move || TextModel::load(std::path::Path::new(&path)))? {
            Ok(m) => Ok(Model { inner: Arc::new(m) }),
            Err(e) => Err(to_py_err(py, &e)),
        }
    }
}

/// The native module.
#[pymodule]
mod _suqiu {
    #[pymodule_export]
    use super::{Division, Model, NativeEngine, Route, Triage};

    #[pymodule_init]
    fn init(m: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
        use pyo3::types::PyModuleMethods;
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}
