//! Helpers shared by the command's end-to-end tests: run `suqiu`, parse its output lines, and
//! make report files.

#![allow(dead_code)] // each test crate uses its own subset

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `suqiu ARGS` with `stdin` as its standard input.
pub fn suqiu(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_suqiu"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// Standard output's lines, as JSON.
pub fn lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `n` report lines, each its own issue (a place, then 60 pseudo-random CJK characters: no
/// two share enough bigrams to merge, so the state and the output grow with `n`), a minute
/// apart from 2026-01-01 on; `tag` makes the ids of one batch distinct. The texts depend on
/// `n`'s index only, so two batches of the same size have the same texts.
pub fn distinct_reports(n: usize, tag: &str) -> String {
    const PLACES: [&str; 4] = [
        "荷塘区月塘街道",
        "芦淞区建宁街道",
        "天元区嵩山路街道",
        "石峰区响石岭街道",
    ];
    let mut out = String::new();
    for i in 0..n {
        let mut x = (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let noise: String = (0..60)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from_u32(0x4e00 + (x % 0x5000) as u32).unwrap()
            })
            .collect();
        let text = format!("{}{noise}", PLACES[i % 4]);
        let (day, minute) = (1 + i / 1440, i % 1440);
        out.push_str(&format!(
            "{{\"id\": \"{tag}-{i}\", \"text\": \"{text}\", \"time\": \"2026-01-{:02}T{:02}:{:02}:00Z\"}}\n",
            day.min(28),
            minute / 60,
            minute % 60
        ));
    }
    out
}
