//! Entry point of the `c_abi` fuzz target (`fuzz/`, which compiles this crate's source as a
//! module), replayed over its corpus by the unit test below. It calls the exported functions
//! the way C does: through raw pointers, with lengths shorter than the buffer (cutting a
//! character in half), NUL bytes inside, NULL with a length, NULL out pointers, non-UTF-8 C
//! strings, and any `window_days`.
//! The invariants: no call returns `SUQIU_STATUS_PANIC`; success writes a non-NULL output and
//! clears the last error; failure leaves the output untouched and sets a message.
#![doc(hidden)]

use super::*;
use std::sync::OnceLock;

struct Handles {
    engine: *mut Engine,
    model: *mut Model,
}
// SAFETY: both handles are immutable and documented as thread-safe.
unsafe impl Send for Handles {}
unsafe impl Sync for Handles {}

fn handles() -> &'static Handles {
    static HANDLES: OnceLock<Handles> = OnceLock::new();
    HANDLES.get_or_init(|| unsafe {
        let mut engine = ptr::null_mut();
        assert_eq!(suqiu_engine_new_default(&mut engine), Status::Ok);
        let examples: Vec<(String, String)> = [
            ("路灯坏了晚上看不见", "roads"),
            ("道路坑洼需要修补", "roads"),
            ("村干部索要香烟", "discipline"),
            ("村支书优亲厚友", "discipline"),
        ]
        .iter()
        .map(|(t, l)| (t.to_string(), l.to_string()))
        .collect();
        let mut settings = suqiu::classify::model::TrainSettings::default();
        settings.features.hash_bits = 10;
        let model = suqiu::classify::model::TextModel::train(&examples, &[], &settings)
            .expect("a four-example model trains");
        let path = std::env::temp_dir().join(format!("suqiu-fuzz-{}.model", std::process::id()));
        model.save(&path).expect("the temp dir is writable");
        let cpath = CString::new(path.to_string_lossy().as_bytes()).unwrap();
        let mut loaded = ptr::null_mut();
        assert_eq!(suqiu_model_load(cpath.as_ptr(), &mut loaded), Status::Ok);
        let _ = std::fs::remove_file(&path);
        Handles {
            engine,
            model: loaded,
        }
    })
}

/// A byte cursor over the fuzz input: a few control bytes, then the payload.
struct Input<'a>(&'a [u8]);
impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
}

fn last_error() -> String {
    let mut buf = vec![0 as c_char; 512];
    let n = unsafe { suqiu_last_error_message(buf.as_mut_ptr(), buf.len()) };
    let end = buf.iter().position(|&c| c == 0).expect("NUL-terminated");
    assert!(end <= n, "copied {end} bytes of a {n}-byte message");
    let bytes: Vec<u8> = buf[..end].iter().map(|&c| c as u8).collect();
    String::from_utf8(bytes).expect("truncated on a character boundary")
}

/// Checks the status contract and returns whether the call succeeded.
fn check(status: Status, out_written: bool) -> bool {
    assert_ne!(status, Status::Panic, "a panic reached the C boundary");
    let message = last_error();
    if status == Status::Ok {
        assert!(out_written, "success without an output");
        assert!(message.is_empty(), "success left an error: {message}");
    } else {
        assert!(!out_written, "failure ({status:?}) wrote an output");
        assert!(
            !message.is_empty(),
            "failure ({status:?}) without a message"
        );
    }
    status == Status::Ok
}

/// Reads a C string out of `s`: NULL, or the bytes up to a NUL (UTF-8 or not).
fn c_string(flag: u8, s: &[u8]) -> Option<CString> {
    (flag & 1 == 1).then(|| CString::new(s.split(|&b| b == 0).next().unwrap_or(&[])).unwrap())
}

/// Sentinel the library must not overwrite on failure.
const UNTOUCHED: usize = 0x5157;

/// One fuzz case.
pub fn c_abi(data: &[u8]) {
    let h = handles();
    let mut input = Input(data);
    let op = input.byte();
    let flags = input.byte();
    let cut = input.byte();
    let payload = input.0;
    // The declared length may be shorter than the buffer (a lying, not overflowing, length).
    let len = if flags & 2 == 2 {
        payload.len().saturating_sub(cut as usize)
    } else {
        payload.len()
    };
    // NULL text with a non-zero length must be rejected, never read.
    let text_ptr = if flags & 4 == 4 {
        ptr::null()
    } else {
        payload.as_ptr()
    };
    let group = c_string(
        flags >> 3,
        payload.get(..cut as usize % 16).unwrap_or(payload),
    );
    let group_ptr = group.as_ref().map_or(ptr::null(), |g| g.as_ptr());
    let engine: *const Engine = if flags & 0x80 == 0x80 {
        ptr::null()
    } else {
        h.engine
    };
    unsafe {
        match op % 7 {
            0 => {
                let mut out = UNTOUCHED as *mut c_char;
                let s = suqiu_triage_json(engine, text_ptr, len, group_ptr, &mut out);
                if check(s, out as usize != UNTOUCHED) {
                    let json = CStr::from_ptr(out).to_str().expect("UTF-8 JSON");
                    serde_json::from_str::<serde_json::Value>(json).expect("valid JSON");
                    suqiu_string_free(out);
                }
            }
            1 => {
                let mut out = UNTOUCHED as *mut SuqiuResult;
                let s = suqiu_triage(engine, text_ptr, len, group_ptr, &mut out);
                if check(s, out as usize != UNTOUCHED) {
                    assert!(!suqiu_result_kind(out).is_null());
                    let _ = suqiu_result_category(out);
                    let _ = suqiu_result_division_code(out);
                    let _ = suqiu_result_handler(out);
                    let c = suqiu_result_confidence(out);
                    assert!((0.0..=1.0).contains(&c), "confidence {c}");
                    let n = suqiu_result_evidence_count(out);
                    let text = std::str::from_utf8(&payload[..len]).expect("triaged text");
                    for i in 0..=n {
                        let (mut a, mut b, mut l) = (0usize, 0usize, ptr::null());
                        let s = suqiu_result_evidence(out, i, &mut a, &mut b, &mut l);
                        if i < n {
                            assert_eq!(s, Status::Ok);
                            assert!(a <= b && b <= len);
                            assert!(text.is_char_boundary(a) && text.is_char_boundary(b));
                        } else {
                            assert_eq!(s, Status::InvalidInput, "index past the end");
                        }
                    }
                    suqiu_result_free(out);
                }
            }
            2 => {
                let mut out = UNTOUCHED as *mut c_char;
                let s = suqiu_triage_batch_json(engine, text_ptr, len, &mut out);
                if check(s, out as usize != UNTOUCHED) {
                    let lines = payload[..len]
                        .split(|&b| b == b'\n')
                        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
                        .count();
                    let got = CStr::from_ptr(out).to_bytes().split(|&b| b == b'\n');
                    assert_eq!(got.filter(|l| !l.is_empty()).count(), lines);
                    suqiu_string_free(out);
                }
            }
            3 => {
                let window = match cut % 5 {
                    0 => f64::NAN,
                    1 => f64::INFINITY,
                    2 => -1.0,
                    3 => 1e300,
                    _ => cut as f64,
                };
                let mut out = UNTOUCHED as *mut c_char;
                let s = suqiu_aggregate_jsonl(engine, text_ptr, len, window, &mut out);
                if check(s, out as usize != UNTOUCHED) {
                    suqiu_string_free(out);
                }
            }
            4 => {
                let model: *const Model = if flags & 0x80 == 0x80 {
                    ptr::null()
                } else {
                    h.model
                };
                let mut out = UNTOUCHED as *mut c_char;
                let s = suqiu_model_predict_json(model, text_ptr, len, &mut out);
                if check(s, out as usize != UNTOUCHED) {
                    suqiu_string_free(out);
                }
            }
            5 => {
                // Paths under a directory that does not exist: the loaders must fail cleanly
                // without the fuzzer reading arbitrary files.
                let name: Vec<u8> = payload[..len]
                    .iter()
                    .copied()
                    .filter(|&b| b != 0 && b != b'/')
                    .take(64)
                    .collect();
                let mut path = b"/nonexistent-suqiu-fuzz/".to_vec();
                path.extend(name);
                let path = CString::new(path).unwrap();
                let (profile, divisions) = match flags % 3 {
                    0 => (path.as_ptr(), ptr::null()),
                    1 => (ptr::null(), path.as_ptr()),
                    _ => (path.as_ptr(), path.as_ptr()),
                };
                let mut out = UNTOUCHED as *mut Engine;
                let s = suqiu_engine_new(profile, divisions, &mut out);
                assert!(
                    !check(s, out as usize != UNTOUCHED),
                    "a missing path loaded"
                );
                let mut model = UNTOUCHED as *mut Model;
                let s = suqiu_model_load(path.as_ptr(), &mut model);
                assert!(
                    !check(s, model as usize != UNTOUCHED),
                    "a missing model loaded"
                );
            }
            _ => {
                // The last-error buffer, at any size, is NUL-terminated on a char boundary.
                let _ =
                    suqiu_triage_json(h.engine, payload.as_ptr(), len, group_ptr, ptr::null_mut());
                let mut buf = vec![1 as c_char; cut as usize];
                let n = suqiu_last_error_message(buf.as_mut_ptr(), buf.len());
                if let Some(end) = buf.iter().position(|&c| c == 0) {
                    assert!(end < buf.len() && end <= n);
                    let bytes: Vec<u8> = buf[..end].iter().map(|&c| c as u8).collect();
                    assert!(std::str::from_utf8(&bytes).is_ok());
                } else {
                    assert!(buf.is_empty(), "no NUL written into {} bytes", buf.len());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Replays the `c_abi` corpus and its saved crashes (`fuzz/corpus/c_abi/`,
    //! `fuzz/regressions/c_abi/`). A unit test, not an integration test: this package's
    //! library and the core library it wraps are both named `suqiu`.
    use std::path::Path;

    #[test]
    fn c_abi_corpus_replays_without_panics() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
        let mut n = 0;
        for dir in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir).join("c_abi")) else {
                continue;
            };
            for e in entries.flatten() {
                // A file can vanish while a fuzzer is minimizing the same corpus.
                let Ok(data) = std::fs::read(e.path()) else {
                    continue;
                };
                super::c_abi(&data);
                n += 1;
            }
        }
        assert!(n > 0, "the c_abi corpus is committed");
    }
}
