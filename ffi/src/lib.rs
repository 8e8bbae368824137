//! C ABI of suqiu. The bindings only convert: every body runs inside a panic guard, checks its
//! pointers, and maps [`suqiu::ErrorKind`] to a [`Status`] through one exhaustive `match`.
//! The header `include/suqiu.h` is generated from this file by cbindgen.
#![allow(non_camel_case_types, clippy::missing_safety_doc)]

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

// An explicit path: the c_abi fuzz target compiles this file as a module of its own crate.
#[path = "fuzzing.rs"]
pub mod fuzzing;

/// Status of a call. `SUQIU_STATUS_OK` is 0; each error kind has its own code.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Success.
    Ok = 0,
    /// A required pointer was NULL.
    NullArgument = 1,
    /// Text or argument not acceptable (invalid UTF-8, empty text, bad JSON).
    InvalidInput = 2,
    /// A division code unknown to the gazetteer.
    UnknownDivision = 3,
    /// A divisions CSV is missing or malformed.
    Divisions = 4,
    /// A profile file is missing or malformed.
    Profile = 5,
    /// A model file is missing, malformed or of an unsupported version.
    Model = 6,
    /// A documented limit was exceeded (e.g. a message over 256 KiB).
    LimitExceeded = 7,
    /// Reading a file failed.
    Io = 8,
    /// A Rust panic was caught; the library is still usable.
    Panic = 99,
}

/// Opaque triage engine. Thread-safe: share one across threads. Free with `suqiu_engine_free`.
pub struct Engine(suqiu::Engine);

/// Opaque result of one triage, with getters. Free with `suqiu_result_free`; strings it
/// returns live as long as it does.
pub struct SuqiuResult {
    kind: CString,
    category: Option<CString>,
    division_code: Option<CString>,
    division_name: Option<CString>,
    level: Option<CString>,
    handler: Option<CString>,
    supervisor: Option<CString>,
    confidence: f64,
    needs_review: bool,
    evidence: Vec<(usize, usize, CString)>,
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

fn set_error(msg: String) {
    LAST_ERROR.with(|e| *e.borrow_mut() = msg);
}

fn status_of(e: &suqiu::Error) -> Status {
    use suqiu::ErrorKind as K;
    match e.kind() {
        K::InvalidInput => Status::InvalidInput,
        K::UnknownDivision => Status::UnknownDivision,
        K::Divisions => Status::Divisions,
        K::Profile => Status::Profile,
        K::Model => Status::Model,
        K::LimitExceeded => Status::LimitExceeded,
        K::Io => Status::Io,
        _ => Status::InvalidInput,
    }
}

fn fail(status: Status, msg: impl Into<String>) -> Status {
    set_error(msg.into());
    status
}

/// Records a library error and gives its status.
fn fail_with(e: suqiu::Error) -> Status {
    fail(status_of(&e), e.to_string())
}

/// Runs `f` inside a panic guard. `f` returns the status of a failure (already recorded with
/// [`fail`]) as its error, so that every check can use `?`; success clears the last error.
fn guard(f: impl FnOnce() -> Result<(), Status>) -> Status {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => {
            set_error(String::new());
            Status::Ok
        }
        Ok(Err(s)) => s,
        Err(_) => fail(
            Status::Panic,
            "internal error: a panic was caught at the C boundary",
        ),
    }
}

unsafe fn opt_cstr<'a>(p: *const c_char, what: &str) -> Result<Option<&'a str>, Status> {
    if p.is_null() {
        return Ok(None);
    }
    CStr::from_ptr(p)
        .to_str()
        .map(Some)
        .map_err(|_| fail(Status::InvalidInput, format!("{what} is not UTF-8")))
}

unsafe fn bytes<'a>(p: *const u8, len: usize, what: &str) -> Result<&'a [u8], Status> {
    if p.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(fail(
            Status::NullArgument,
            format!("{what} is NULL with length {len}"),
        ));
    }
    Ok(std::slice::from_raw_parts(p, len))
}

fn utf8<'a>(b: &'a [u8], what: &str) -> Result<&'a str, Status> {
    std::str::from_utf8(b)
        .map_err(|_| fail(Status::InvalidInput, format!("{what} is not valid UTF-8")))
}

/// Checks what every entry point reading a buffer shares: `handle` and the out pointer are
/// not NULL (`null_message` names them), and `data`/`len` is a buffer.
unsafe fn handle_and_input<'a, H>(
    handle: *const H,
    out_is_null: bool,
    null_message: &str,
    data: *const u8,
    len: usize,
    what: &str,
) -> Result<(&'a H, &'a [u8]), Status> {
    if handle.is_null() || out_is_null {
        return Err(fail(Status::NullArgument, null_message));
    }
    Ok((&*handle, bytes(data, len, what)?))
}

/// Writes a built handle to `*out` (success) or records the error (failure).
unsafe fn write_handle<T, H>(
    out: *mut *mut H,
    built: suqiu::Result<T>,
    wrap: impl FnOnce(T) -> H,
) -> Result<(), Status> {
    *out = Box::into_raw(Box::new(wrap(built.map_err(fail_with)?)));
    Ok(())
}

/// Frees a handle made by `write_handle`; NULL is a no-op and a panic in a destructor is caught.
unsafe fn free_handle<H>(handle: *mut H) {
    if !handle.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| drop(Box::from_raw(handle))));
    }
}

fn to_c_string(s: String) -> *mut c_char {
    // Interior NULs cannot occur in serde_json output; replace defensively.
    CString::new(s)
        .unwrap_or_else(|e| {
            CString::new(
                e.into_vec()
                    .into_iter()
                    .filter(|&b| b != 0)
                    .collect::<Vec<u8>>(),
            )
            .unwrap_or_default()
        })
        .into_raw()
}

/// What the per-message entry points share: check and convert the arguments, run `call` on
/// the engine (triage or locate), and hand its result to `write` (which stores it behind the
/// caller's out pointer).
unsafe fn message_then<T>(
    engine: *const Engine,
    text: *const u8,
    text_len: usize,
    group_division: *const c_char,
    out_is_null: bool,
    call: impl FnOnce(&suqiu::Engine, &str, Option<&str>) -> suqiu::Result<T>,
    write: impl FnOnce(T),
) -> Result<(), Status> {
    let (engine, text) = handle_and_input(
        engine,
        out_is_null,
        "engine or the out pointer is NULL",
        text,
        text_len,
        "text",
    )?;
    let group = opt_cstr(group_division, "group_division")?;
    write(call(&engine.0, utf8(text, "text")?, group).map_err(fail_with)?);
    Ok(())
}

/// [`message_then`] for triage.
unsafe fn triage_then(
    engine: *const Engine,
    text: *const u8,
    text_len: usize,
    group_division: *const c_char,
    out_is_null: bool,
    write: impl FnOnce(suqiu::Triage),
) -> Result<(), Status> {
    message_then(
        engine,
        text,
        text_len,
        group_division,
        out_is_null,
        |e, t, g| e.triage(t, g),
        write,
    )
}

/// Builds the embedded default engine (profile `zhuzhou`). On success writes `*out`.
#[no_mangle]
pub unsafe extern "C" fn suqiu_engine_new_default(out: *mut *mut Engine) -> Status {
    suqiu_engine_new(ptr::null(), ptr::null(), out)
}

/// Builds an engine from a profile directory and a divisions CSV (NULL: embedded).
#[no_mangle]
pub unsafe extern "C" fn suqiu_engine_new(
    profile_dir: *const c_char,
    divisions_csv: *const c_char,
    out: *mut *mut Engine,
) -> Status {
    guard(|| {
        if out.is_null() {
            return Err(fail(Status::NullArgument, "out is NULL"));
        }
        let profile = opt_cstr(profile_dir, "profile_dir")?;
        let divisions = opt_cstr(divisions_csv, "divisions_csv")?;
        let built = suqiu::engine_from_paths(
            profile.map(std::path::Path::new),
            divisions.map(std::path::Path::new),
        );
        write_handle(out, built, Engine)
    })
}

/// Frees an engine. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn suqiu_engine_free(engine: *mut Engine) {
    free_handle(engine)
}

/// Triages one message; `*out_json` receives the JSON object `suqiu triage` prints for it
/// (with `"id": null`). Free it with `suqiu_string_free`.
#[no_mangle]
pub unsafe extern "C" fn suqiu_triage_json(
    engine: *const Engine,
    text: *const u8,
    text_len: usize,
    group_division: *const c_char,
    out_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        triage_then(
            engine,
            text,
            text_len,
            group_division,
            out_json.is_null(),
            |t| *out_json = to_c_string(suqiu::jsonl::triage_json(&serde_json::Value::Null, &t)),
        )
    })
}

/// Locates one address or text (no classification or routing); `*out_json` receives the JSON
/// object `suqiu locate` prints for it (with `"id": null`): division, chain, confidence,
/// needs_review, basis, mentions (with former_name for old names), candidates. Empty text
/// names no place. Free it with `suqiu_string_free`.
#[no_mangle]
pub unsafe extern "C" fn suqiu_locate_json(
    engine: *const Engine,
    text: *const u8,
    text_len: usize,
    group_division: *const c_char,
    out_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        message_then(
            engine,
            text,
            text_len,
            group_division,
            out_json.is_null(),
            |e, t, g| e.locate(t, g),
            |l| *out_json = to_c_string(suqiu::jsonl::locate_json(&serde_json::Value::Null, &l)),
        )
    })
}

/// Triages JSON Lines; `*out_jsonl` receives exactly the lines `suqiu triage` prints (one per
/// non-blank input line, rejected lines as error objects). Free it with `suqiu_string_free`.
#[no_mangle]
pub unsafe extern "C" fn suqiu_triage_batch_json(
    engine: *const Engine,
    jsonl: *const u8,
    jsonl_len: usize,
    out_jsonl: *mut *mut c_char,
) -> Status {
    guard(|| {
        let (engine, input) = handle_and_input(
            engine,
            out_jsonl.is_null(),
            "engine or out_jsonl is NULL",
            jsonl,
            jsonl_len,
            "jsonl",
        )?;
        let mut out = String::new();
        for o in suqiu::jsonl::process_lines(&engine.0, input, 1, None) {
            out.push_str(&o.to_json());
            out.push('\n');
        }
        *out_jsonl = to_c_string(out);
        Ok(())
    })
}

/// Triages one message into a result handle (no JSON on the hot path).
#[no_mangle]
pub unsafe extern "C" fn suqiu_triage(
    engine: *const Engine,
    text: *const u8,
    text_len: usize,
    group_division: *const c_char,
    out: *mut *mut SuqiuResult,
) -> Status {
    guard(|| {
        triage_then(engine, text, text_len, group_division, out.is_null(), |t| {
            let c = |s: &str| CString::new(s).unwrap_or_default();
            let r = SuqiuResult {
                kind: c(t.kind.as_str()),
                category: t.category.as_deref().map(c),
                division_code: t.division.as_ref().map(|d| c(&d.code)),
                division_name: t.division.as_ref().map(|d| c(&d.name)),
                level: t.route.as_ref().map(|r| c(r.level.as_str())),
                handler: t.route.as_ref().map(|r| c(&r.handler)),
                supervisor: t.route.as_ref().map(|r| c(&r.supervisor)),
                confidence: t.confidence as f64,
                needs_review: t.needs_review,
                evidence: t
                    .evidence
                    .iter()
                    .map(|e| (e.start, e.end, c(&e.label)))
                    .collect(),
            };
            *out = Box::into_raw(Box::new(r));
        })
    })
}

/// Frees a result. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn suqiu_result_free(result: *mut SuqiuResult) {
    free_handle(result)
}

fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(ptr::null(), |c| c.as_ptr())
}

/// Kind id (`misconduct`, `grievance`, `inquiry`, `other`); NULL if `result` is NULL.
#[no_mangle]
pub unsafe extern "C" fn suqiu_result_kind(result: *const SuqiuResult) -> *const c_char {
    result.as_ref().map_or(ptr::null(), |r| r.kind.as_ptr())
}

/// Category id, or NULL (for `other`).
#[no_mangle]
pub unsafe extern "C" fn suqiu_result_category(result: *const SuqiuResult) -> *const c_char {
    result
        .as_ref()
        .map_or(ptr::null(), |r| opt_ptr(&r.category))
}

/// NBS code of the resolved division, or NULL.
#[no_mangle]
pub unsafe extern "C" fn suqiu_result_division_code(result: *const SuqiuResult) -> *const c_char {
    result
        .as_ref()
        .map_or(ptr::null(), |r| opt_ptr(&r.division_code))
}

/// Everyday name of the resolved division, or NULL.
#[no_mangle]
pub unsafe extern "C" fn suqiu_result_division_name(result: *const SuqiuResult) -> *const c_char {
    result
        .as_ref()
        .map_or(ptr::null(), |r| opt_ptr(&r.division_name))
}

/// Handling level (`village` … `city`), or NULL when not routed.
#[no_mangle]
pub unsafe extern "C" fn suqiu_result_level(result: *const SuqiuResult) -> *const c_char {
    result.as_ref().map_or(ptr::null(), |r| opt_ptr(&r.level))
}

/// Handler (e.g. 荷塘区城管局), or NULL when not routed.
#[no_mangle]
pub unsafe extern "C" fn suqiu_result_handler(result: *const SuqiuResult) -> *const c_char {
    result.as_ref().map_or(ptr::null(), |r| opt_ptr(&r.handler))
}

/// Supervising discipline body, or NULL when not routed.
#[no_mangle]
pub unsafe extern "C" fn suqiu_result_supervisor(result: *const SuqiuResult) -> *const c_char {
    result
        .as_ref()
        .map_or(ptr::null(), |r| opt_ptr(&r.supervisor))
}

/// Confidence in 0..1; -1 if `result` is NULL.
#[no_mangle]
pub unsafe extern "C" fn suqiu_result_confidence(result: *const SuqiuResult) -> f64 {
    result.as_ref().map_or(-1.0, |r| r.confidence)
}

/// 1 when a person should review the result, 0 otherwise (and for NULL).
#[no_mangle]
pub unsafe extern "C" fn suqiu_result_needs_review(result: *const SuqiuResult) -> i32 {
    result.as_ref().map_or(0, |r| r.needs_review as i32)
}

/// Number of evidence spans (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn suqiu_result_evidence_count(result: *const SuqiuResult) -> usize {
    result.as_ref().map_or(0, |r| r.evidence.len())
}

/// Evidence span `index`: byte offsets into the caller's text and its label.
#[no_mangle]
pub unsafe extern "C" fn suqiu_result_evidence(
    result: *const SuqiuResult,
    index: usize,
    out_start: *mut usize,
    out_end: *mut usize,
    out_label: *mut *const c_char,
) -> Status {
    guard(|| {
        let Some(r) = result.as_ref() else {
            return Err(fail(Status::NullArgument, "result is NULL"));
        };
        if out_start.is_null() || out_end.is_null() || out_label.is_null() {
            return Err(fail(Status::NullArgument, "an out pointer is NULL"));
        }
        let Some((s, e, l)) = r.evidence.get(index) else {
            return Err(fail(
                Status::InvalidInput,
                format!("evidence index {index} out of range ({})", r.evidence.len()),
            ));
        };
        *out_start = *s;
        *out_end = *e;
        *out_label = l.as_ptr();
        Ok(())
    })
}

/// Aggregates report lines (JSON Lines as for `suqiu aggregate`: `id`, `text`, optional
/// `title`, `group_division`, `time`, `likes`) into issues; `*out_jsonl` receives rejected
/// lines first (`{"line","error","error_kind"}`), then one line per issue, hottest first.
/// `window_days` <= 0 uses the default (90); NaN or infinity is `INVALID_INPUT`. Free the
/// output with `suqiu_string_free`.
#[no_mangle]
pub unsafe extern "C" fn suqiu_aggregate_jsonl(
    engine: *const Engine,
    jsonl: *const u8,
    jsonl_len: usize,
    window_days: f64,
    out_jsonl: *mut *mut c_char,
) -> Status {
    guard(|| {
        let (engine, input) = handle_and_input(
            engine,
            out_jsonl.is_null(),
            "engine or out_jsonl is NULL",
            jsonl,
            jsonl_len,
            "jsonl",
        )?;
        let mut config = suqiu::aggregate::AggregatorConfig::default();
        if !window_days.is_finite() {
            return Err(fail(
                Status::InvalidInput,
                "window_days is not a finite number of days",
            ));
        }
        if window_days > 0.0 {
            config.window_seconds = (window_days.min(36_500.0) * 86_400.0) as i64;
        }
        *out_jsonl = to_c_string(suqiu::jsonl::aggregate_jsonl(
            &engine.0, input, config, None,
        ));
        Ok(())
    })
}

/// Audits replies (JSON Lines as for `suqiu audit`: `id`, `text`, optional `title`, `reply`,
/// `time`, `reply_time`, optional `group_division`), all lines as one run. With `summary` 0,
/// `*out_jsonl` receives one line per non-blank input line, in order (an audit, or
/// `{"line","id","error","error_kind"}`); with `summary` non-zero, the rejected lines first and
/// then one line per replying unit (`{"unit","replies","poor_share","median_days","p90_days",
/// "top_flags"}`), most replies first. Free the output with `suqiu_string_free`.
#[no_mangle]
pub unsafe extern "C" fn suqiu_audit_jsonl(
    engine: *const Engine,
    jsonl: *const u8,
    jsonl_len: usize,
    summary: i32,
    out_jsonl: *mut *mut c_char,
) -> Status {
    guard(|| {
        let (engine, input) = handle_and_input(
            engine,
            out_jsonl.is_null(),
            "engine or out_jsonl is NULL",
            jsonl,
            jsonl_len,
            "jsonl",
        )?;
        *out_jsonl = to_c_string(suqiu::jsonl::audit_jsonl(
            &engine.0,
            input,
            summary != 0,
            None,
        ));
        Ok(())
    })
}

/// Opaque trained classifier (see `suqiu train`). Immutable and thread-safe. Free with
/// `suqiu_model_free`.
pub struct Model(suqiu::classify::model::TextModel);

/// Loads and validates a model file written by `suqiu train`.
#[no_mangle]
pub unsafe extern "C" fn suqiu_model_load(path: *const c_char, out: *mut *mut Model) -> Status {
    guard(|| {
        if path.is_null() || out.is_null() {
            return Err(fail(Status::NullArgument, "path or out is NULL"));
        }
        // Not NULL (checked above), so `opt_cstr` gives `Some`.
        let path = opt_cstr(path, "path")?.unwrap_or_default();
        write_handle(
            out,
            suqiu::classify::model::TextModel::load(std::path::Path::new(path)),
            Model,
        )
    })
}

/// Frees a model. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn suqiu_model_free(model: *mut Model) {
    free_handle(model)
}

/// Classifies one text; `*out_json` receives `{"label": …, "probabilities": {label: p, …}}`.
/// Free it with `suqiu_string_free`.
#[no_mangle]
pub unsafe extern "C" fn suqiu_model_predict_json(
    model: *const Model,
    text: *const u8,
    text_len: usize,
    out_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        let (model, text) = handle_and_input(
            model,
            out_json.is_null(),
            "model or out_json is NULL",
            text,
            text_len,
            "text",
        )?;
        let text = utf8(text, "text")?;
        let m = &model.0;
        let p = m.predict(text);
        let probs: serde_json::Map<String, serde_json::Value> = m
            .labels()
            .iter()
            .zip(&p.probabilities)
            .map(|(l, x)| (l.clone(), serde_json::json!(x)))
            .collect();
        *out_json = to_c_string(
            serde_json::json!({"label": m.labels()[p.label], "probabilities": probs}).to_string(),
        );
        Ok(())
    })
}

/// Frees a string returned by this library. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn suqiu_string_free(s: *mut c_char) {
    if !s.is_null() {
        drop(CString::from_raw(s));
    }
}

/// Copies the calling thread's last error message into `buf` (at most `buf_len - 1` bytes and
/// a NUL when `buf_len > 0`); returns its full length in bytes.
#[no_mangle]
pub unsafe extern "C" fn suqiu_last_error_message(buf: *mut c_char, buf_len: usize) -> usize {
    LAST_ERROR.with(|e| {
        let e = e.borrow();
        let bytes = e.as_bytes();
        if !buf.is_null() && buf_len > 0 {
            let mut n = bytes.len().min(buf_len - 1);
            while n > 0 && !e.is_char_boundary(n) {
                n -= 1;
            }
            ptr::copy_nonoverlapping(bytes.as_ptr(), buf as *mut u8, n);
            *buf.add(n) = 0;
        }
        bytes.len()
    })
}

/// The library version, static; do not free.
#[no_mangle]
pub extern "C" fn suqiu_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr() as *const c_char
}
