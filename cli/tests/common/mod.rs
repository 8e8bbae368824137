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

/// `n` report lines, each naming its own estate (so the state grows with `n`), a minute apart
/// from 2026-01-01 on; `tag` makes the ids of one batch distinct.
pub fn distinct_reports(n: usize, tag: &str) -> String {
    const PLACES: [&str; 4] = [
        "荷塘区月塘街道",
        "芦淞区建宁街道",
        "天元区嵩山路街道",
        "石峰区响石岭街道",
    ];
    const PROBLEMS: [&str; 4] = [
        "路灯坏了一个多月没人修，晚上出门很不安全，老人小孩摔倒好几次了",
        "下水道堵塞污水横流，臭气熏天，物业推来推去一直不处理",
        "噪音扰民，工地每天晚上施工到凌晨两三点，居民根本没法休息",
        "电梯经常故障困人，维修公司来了几次都没修好，住高层的老人下不了楼",
    ];
    const SYLLABLES: [char; 16] = [
        '锦', '绣', '华', '府', '翠', '湖', '金', '桂', '龙', '泉', '星', '月', '枫', '林', '碧',
        '水',
    ];
    let mut out = String::new();
    for i in 0..n {
        let estate: String = (0..4).map(|k| SYLLABLES[(i >> (4 * k)) & 15]).collect();
        let text = format!(
            "{}{estate}小区{}栋{}，请相关部门尽快处理",
            PLACES[i % 4],
            i % 30 + 1,
            PROBLEMS[(i / 4) % 4]
        );
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
