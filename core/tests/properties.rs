//! Invariants over generated input (proptest): evidence offsets are UTF-8 boundaries of the
//! original text and slice to the reported text; a batch gives one result per input, in
//! order; normalization is idempotent; a saved and loaded model predicts the same.

use proptest::prelude::*;
use std::sync::OnceLock;
use suqiu::classify::model::{TextModel, TrainSettings};
use suqiu::Engine;

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(Engine::default)
}

/// Text built from pieces citizens write: place names, lexicon terms, traditional characters,
/// full-width forms, emoji, combining marks, controls and plain ASCII.
fn message() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "路灯",
        "坏了",
        "没有人管",
        "没有问题",
        "村主任",
        "要烟",
        "红包",
        "翟家桥村",
        "银湖",
        "茶陵县虎踞镇",
        "株洲县",
        "上洞村",
        "請問",
        "補貼",
        "什麼時候",
        "，",
        "。",
        "！",
        "？",
        "ＡＢＣ１２３",
        "　",
        " ",
        "\n",
        "\t",
        "👍",
        "👨‍👩‍👧",
        "e\u{301}",
        "\u{0}",
        "\u{200b}",
        "abc",
        "2500米",
        "谢谢",
        "偷工减料",
        "低保没批",
        "𠀋",
    ]);
    prop::collection::vec(pieces, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn evidence_offsets_slice_the_original(text in message(), group in prop::option::of(prop::sample::select(vec!["430202001012", "430224109203", "430212106206"]))) {
        match engine().triage(&text, group) {
            Ok(t) => {
                for ev in t.evidence.iter().chain(t.misconduct.evidence.iter()) {
                    prop_assert!(text.is_char_boundary(ev.start) && text.is_char_boundary(ev.end));
                    prop_assert!(ev.start < ev.end);
                    prop_assert_eq!(&text[ev.start..ev.end], ev.text.as_str());
                }
                prop_assert!((0.0..=1.0).contains(&t.confidence));
            }
            Err(e) => prop_assert!(text.trim().is_empty(), "only blank text is rejected, got {e}"),
        }
    }

    #[test]
    fn batch_gives_one_result_per_input_in_order(texts in prop::collection::vec(message(), 0..12)) {
        let items: Vec<(&str, Option<&str>)> = texts.iter().map(|t| (t.as_str(), None)).collect();
        let batch = engine().triage_batch(&items, Some(2)).unwrap();
        prop_assert_eq!(batch.len(), texts.len());
        for (t, r) in texts.iter().zip(&batch) {
            let single = engine().triage(t, None);
            prop_assert_eq!(r.as_ref().ok(), single.as_ref().ok());
            prop_assert_eq!(r.is_err(), single.is_err());
        }
    }

    #[test]
    fn normalization_is_idempotent(text in message()) {
        let n = engine().normalizer();
        let once = n.normalize(&text);
        prop_assert_eq!(&n.normalize(&once.text).text, &once.text);
    }

    #[test]
    fn a_saved_model_predicts_the_same(texts in prop::collection::vec(message(), 1..8)) {
        let model = toy_model();
        let back = TextModel::from_bytes(&model.to_bytes(), "mem").unwrap();
        for t in &texts {
            prop_assert_eq!(model.predict(t), back.predict(t));
        }
    }
}

fn toy_model() -> &'static TextModel {
    static M: OnceLock<TextModel> = OnceLock::new();
    M.get_or_init(|| {
        let data: Vec<(String, String)> = [
            ("路灯坏了", "road"),
            ("路面坑洼", "road"),
            ("低保没批", "aid"),
            ("养老金没发", "aid"),
            ("村主任要烟", "cadre"),
        ]
        .iter()
        .map(|(t, l)| (t.to_string(), l.to_string()))
        .collect();
        let st = TrainSettings {
            features: suqiu::classify::model::FeatureSettings {
                hash_bits: 12,
                ..Default::default()
            },
            ..Default::default()
        };
        TextModel::train(&data, &[], &st).unwrap()
    })
}
