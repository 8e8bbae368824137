//! Reply audit: one test per flag and per verdict, on texts written for these tests.

mod common;

use suqiu::audit::{AuditInput, Flag, Verdict};
use suqiu::Engine;

fn engine() -> &'static Engine {
    static E: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    E.get_or_init(Engine::default)
}

fn input<'a>(text: &'a str, reply: &'a str) -> AuditInput<'a> {
    AuditInput {
        text,
        reply,
        time: Some("2024/3/1 9:00:00"),
        reply_time: Some("2024/3/8 9:00:00"),
        group_division: None,
    }
}

const ROAD: &str = "我们村到镇上的水泥路坑坑洼洼，下雨天积水很深，电动车经常摔倒，请求尽快修补";

#[test]
fn substantive_reply_has_facts_action_date_contact() {
    let a = engine()
        .audit(&input(
            ROAD,
            "您好！经现场核实，该村道路面破损属实。镇政府已安排施工队于2024年3月20日前完成修补，\
             届时请您监督。联系电话0731-22334455。",
        ))
        .unwrap();
    assert_eq!(a.verdict, Verdict::Substantive, "{a:?}");
    assert!(a.flags.is_empty(), "{:?}", a.flags);
    let labels: Vec<&str> = a.elements.iter().map(|e| e.label.as_str()).collect();
    for l in ["facts", "action", "date", "contact"] {
        assert!(labels.contains(&l), "{l} missing in {labels:?}");
    }
    assert_eq!(a.days_to_reply, Some(7.0));
}

#[test]
fn evidence_spans_index_the_original_reply() {
    let reply = "網友您好！經現場核實，路面已修復。";
    let a = engine().audit(&input(ROAD, reply)).unwrap();
    for e in a.elements.iter().chain(&a.cues) {
        assert_eq!(&reply[e.start..e.end], e.text.as_str());
    }
    assert!(a
        .elements
        .iter()
        .any(|e| e.label == "facts" && e.text.starts_with("經現場")));
}

#[test]
fn acknowledgement_only() {
    let a = engine()
        .audit(&input(ROAD, "网友：您好！您的留言已收悉，感谢您的支持。"))
        .unwrap();
    assert_eq!(a.verdict, Verdict::Perfunctory);
    assert!(
        a.flags.contains(&Flag::AcknowledgementOnly),
        "{:?}",
        a.flags
    );
}

#[test]
fn referred_without_result() {
    let a = engine()
        .audit(&input(
            ROAD,
            "您好，您反映的问题已转交相关部门调查处理，请耐心等待。",
        ))
        .unwrap();
    assert_eq!(a.verdict, Verdict::Perfunctory);
    assert!(
        a.flags.contains(&Flag::ReferredWithoutResult),
        "{:?}",
        a.flags
    );
    // Passed on, and the result is in the same reply: not flagged.
    let b = engine()
        .audit(&input(
            ROAD,
            "您反映的问题已转镇政府办理。经现场查看，镇政府已于3月5日组织人员完成了路面修补。",
        ))
        .unwrap();
    assert!(
        !b.flags.contains(&Flag::ReferredWithoutResult),
        "{:?}",
        b.flags
    );
    assert_eq!(b.verdict, Verdict::Substantive);
}

#[test]
fn deferred_without_date() {
    let a = engine()
        .audit(&input(
            ROAD,
            "您好，该路段的修补我们将纳入下一步的道路建设计划统筹考虑，待条件成熟时实施。",
        ))
        .unwrap();
    assert_eq!(a.verdict, Verdict::Evasive);
    assert!(
        a.flags.contains(&Flag::DeferredWithoutDate),
        "{:?}",
        a.flags
    );
    let b = engine()
        .audit(&input(
            ROAD,
            "您好，该路段已纳入2024年农村公路提质改造计划，预计今年6月底前完工。",
        ))
        .unwrap();
    assert!(
        !b.flags.contains(&Flag::DeferredWithoutDate),
        "{:?}",
        b.flags
    );
}

#[test]
fn denied_without_facts() {
    let a = engine()
        .audit(&input(
            "村支书把低保名额给了自己亲戚，请上级调查",
            "您好，您反映的问题不属实，村里低保评定一向公开公正。",
        ))
        .unwrap();
    assert_eq!(a.verdict, Verdict::Evasive);
    assert!(a.flags.contains(&Flag::DeniedWithoutFacts), "{:?}", a.flags);
    let b = engine()
        .audit(&input(
            "村支书把低保名额给了自己亲戚，请上级调查",
            "经调查核实，该村2023年低保户共12户，经入户核查均符合条件，其中无村干部亲属，反映情况不属实。",
        ))
        .unwrap();
    assert!(
        !b.flags.contains(&Flag::DeniedWithoutFacts),
        "{:?}",
        b.flags
    );
}

#[test]
fn not_our_duty() {
    let a = engine()
        .audit(&input(
            ROAD,
            "您反映的问题不属于我单位职责范围，感谢您的留言。",
        ))
        .unwrap();
    assert_eq!(a.verdict, Verdict::Evasive);
    assert!(a.flags.contains(&Flag::NotOurDuty), "{:?}", a.flags);
    // Naming who is responsible is an answer.
    let b = engine()
        .audit(&input(
            ROAD,
            "该道路不属于我局管养范围，建议您向县公路养护中心反映，电话0731-55667788。",
        ))
        .unwrap();
    assert!(!b.flags.contains(&Flag::NotOurDuty), "{:?}", b.flags);
}

#[test]
fn off_topic() {
    let a = engine()
        .audit(&input(
            "学校国庆假期违规组织学生补课，每人收费五百元，请教育部门查处",
            "经查，该工地已办理夜间施工许可证，渣土运输车辆按规定路线行驶，扬尘防治措施到位，\
             属于合法施工，请周边居民理解。",
        ))
        .unwrap();
    assert!(a.flags.contains(&Flag::OffTopic), "{:?}", a.flags);
    assert_eq!(a.verdict, Verdict::Evasive);
}

#[test]
fn overdue_by_calendar_days() {
    let mut i = input(ROAD, "经现场核实，路面已于上周修复完毕，感谢监督。");
    i.reply_time = Some("2024-03-25T09:00:00");
    let a = engine().audit(&i).unwrap();
    assert!(a.flags.contains(&Flag::Overdue));
    assert_eq!(a.verdict, Verdict::Substantive);
    i.reply_time = Some("2024-03-20T09:00:00");
    assert!(!engine().audit(&i).unwrap().flags.contains(&Flag::Overdue));
}

#[test]
fn template_needs_a_batch() {
    let same =
        "您好，关于您提出的建议，我们将会同相关职能部门结合全市整体发展规划和年度财政预算情况，\
                对群众关心的公共设施布局进行统筹研究，感谢您对城市建设的关心。";
    let texts = [
        "建议在小区门口增设公交站台",
        "希望延长图书馆开放时间",
        "建议在河边步道安装路灯",
        "请求在学校门口设置减速带",
    ];
    let mut items: Vec<AuditInput> = texts.iter().map(|t| input(t, same)).collect();
    items.push(input(
        ROAD,
        "经现场核实，路面已于3月5日修复，联系电话0731-22334455。",
    ));
    let out = engine().audit_batch(&items, Some(1)).unwrap();
    for a in &out[..4] {
        let a = a.as_ref().unwrap();
        assert!(a.flags.contains(&Flag::Template), "{:?}", a.flags);
        assert_ne!(a.verdict, Verdict::Substantive);
    }
    assert!(!out[4].as_ref().unwrap().flags.contains(&Flag::Template));
    // A single call has no run to compare with.
    assert!(!engine()
        .audit(&items[0])
        .unwrap()
        .flags
        .contains(&Flag::Template));
}

#[test]
fn unit_named_and_route_compared() {
    let mut i = input(
        "荷塘区月塘街道野鸭冲社区路面坑洼不平，晚上连个路灯都没有",
        "经现场核实，路灯已修复。荷塘区城管局 2024年3月6日",
    );
    i.group_division = Some("430202001012");
    let a = engine().audit(&i).unwrap();
    assert_eq!(a.unit.as_deref(), Some("荷塘区城管局"));
    assert_eq!(
        a.route.as_ref().map(|r| r.handler.as_str()),
        Some("荷塘区城管局")
    );
    assert_eq!(a.unit_matches_route, Some(true));
    // The sign-off date is not a date element of the answer.
    assert!(!a.elements.iter().any(|e| e.label == "date"));
}

#[test]
fn working_day_deadline_from_a_profile() {
    let dir = std::env::temp_dir().join(format!("suqiu-audit-profile-{}", std::process::id()));
    common::copy_embedded_profile(&dir);
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/zhuzhou");
    let toml = std::fs::read_to_string(format!("{src}/audit.toml"))
        .unwrap()
        .replace("days = 21 ", "days = 5 ")
        .replace("unit = \"calendar\"", "unit = \"working\"");
    std::fs::write(dir.join("audit.toml"), toml).unwrap();
    let e = Engine::builder()
        .profile_dir(&dir)
        .lexicon_only()
        .build()
        .unwrap();
    // Friday 1 March → Friday 8 March: 5 working days, on time; Monday 11 March: 6, overdue.
    let mut i = input(ROAD, "经现场核实，路面已修复。");
    i.reply_time = Some("2024-03-08T18:00:00");
    assert!(!e.audit(&i).unwrap().flags.contains(&Flag::Overdue));
    i.reply_time = Some("2024-03-11T09:00:00");
    assert!(e.audit(&i).unwrap().flags.contains(&Flag::Overdue));
    std::fs::write(
        dir.join("audit.toml"),
        "format = \"suqiu-audit\"\nversion = 2\n",
    )
    .unwrap();
    let err = Engine::builder().profile_dir(&dir).build().unwrap_err();
    assert_eq!(err.kind(), suqiu::ErrorKind::Profile);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_inputs_are_errors() {
    assert!(engine().audit(&input(ROAD, "  ")).is_err());
    let mut i = input(ROAD, "已修复");
    i.time = Some("yesterday");
    assert_eq!(
        engine().audit(&i).unwrap_err().kind(),
        suqiu::ErrorKind::InvalidInput
    );
}

#[test]
fn jsonl_keeps_order_and_reports_bad_lines() {
    let input = "{\"id\":1,\"text\":\"路灯坏了\",\"reply\":\"留言已收悉\"}\nnot json\n\n{\"id\":3,\"text\":\"路灯坏了\"}\n";
    let out = suqiu::jsonl::audit_jsonl(&Engine::default(), input.as_bytes(), false, Some(1));
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["id"], 1);
    assert_eq!(lines[0]["verdict"], "perfunctory");
    assert_eq!(lines[1]["line"], 2);
    assert_eq!(lines[2]["line"], 4);
    assert_eq!(lines[2]["id"], 3);
}

/// Audits one reply to `text` (no batch).
fn audit(text: &str, reply: &str) -> suqiu::audit::Audit {
    engine().audit(&input(text, reply)).unwrap()
}

/// The verdict, and flags that must and must not be set.
fn check(a: &suqiu::audit::Audit, verdict: Verdict, has: &[Flag], lacks: &[Flag]) {
    assert_eq!(a.verdict, verdict, "{a:?}");
    for f in has {
        assert!(a.flags.contains(f), "{f:?} missing in {:?}", a.flags);
    }
    for f in lacks {
        assert!(!a.flags.contains(f), "{f:?} set in {:?}", a.flags);
    }
}

#[test]
fn a_promise_after_an_answer_is_not_a_deferral() {
    use Flag::DeferredWithoutDate as Deferred;
    // 下一步 / 我们将 after the reasons: the reply answered, then says what comes next.
    let a = audit(
        "建议在特立路中央加装隔离护栏，加强路边停车管理",
        "该路段只有双向四车道，高峰时段车辆已饱和，小区开口多，如加装中心护栏，路口调头车辆势必\
         大幅增加，反而降低通行能力。下一步交警会加大该路段违停抄牌力度，增加高峰执勤点。",
    );
    check(&a, Verdict::Substantive, &[], &[Deferred]);
    // A promise and nothing else is still nothing done.
    let b = audit(ROAD, "您好，感谢您的建议，我们将认真梳理，努力改进工作。");
    check(&b, Verdict::Perfunctory, &[], &[]);
    // A promised check (将派遣…现场勘察) is not a check done: with a study and no date it is a
    // deferral.
    let c = audit(
        "希望调整917路公交站点位置，现在离小区太远",
        "对于您的建议，市交通运输局将派遣工作人员现场勘察，进一步调研客流，逐步调整公交站位置。",
    );
    check(&c, Verdict::Evasive, &[Deferred], &[]);
}

#[test]
fn a_forwarding_reply_is_not_also_a_deferral() {
    let a = audit(
        ROAD,
        "您的留言已收悉！我们已将您反映的问题转相关部门进行处理，敬请关注后续回复，谢谢！",
    );
    check(
        &a,
        Verdict::Perfunctory,
        &[Flag::ReferredWithoutResult],
        &[Flag::DeferredWithoutDate],
    );
}

#[test]
fn a_denial_inside_a_reason_is_not_bare() {
    let a = audit(
        "天气太热，建议镇上派洒水车给街道降温",
        "由于目前乡镇并未配备洒水车等设备，所以暂时无法使用洒水车降温。近几天镇区有阵雨，\
         高温扬尘已明显缓解，气温回升后镇里将视情况采取降温降尘措施。",
    );
    assert!(
        !a.flags.contains(&Flag::DeniedWithoutFacts),
        "{:?}",
        a.flags
    );
}

#[test]
fn a_question_answered_with_where_to_ask_is_answered() {
    let q = "咨询农村退休村干部的退休待遇标准，工龄如何计算";
    let to_ask = "网友：你好。你所反映的问题，建议你到D12市组织部咨询。";
    check(&audit(q, to_ask), Verdict::Substantive, &[], &[]);
    let phone = "您好，您的问题请致电省律师协会办公室0731-84567890咨询。";
    check(&audit(q, phone), Verdict::Substantive, &[], &[]);
    // The same reply to a complaint (no question) passes the problem back: perfunctory.
    check(&audit(ROAD, to_ask), Verdict::Perfunctory, &[], &[]);
}

#[test]
fn off_topic_needs_no_shared_words() {
    // On topic with few words in common: not off topic.
    let a = audit(
        "学校国庆假期违规组织学生补课，每人收费五百元，请教育部门查处",
        "经查，该校国庆期间确有组织初三学生补课，已责令学校立即停止，收取的费用全额退还学生。",
    );
    assert!(!a.flags.contains(&Flag::OffTopic), "{:?}", a.flags);
}

#[test]
fn summary_qualifies_generic_units_by_the_message_place() {
    let items = [
        input(
            "A7县城区路灯不亮",
            "您好，经查路灯线路老化，已于3月5日更换完毕。A7县人民政府",
        ),
        input(
            "K市城区路灯不亮",
            "您好，经查路灯线路老化，已于3月6日全部修复。县人民政府",
        ),
        input(
            "K2区城区路灯不亮",
            "您好，经查路灯线路老化，已于3月7日全部修复完毕。县人民政府",
        ),
    ];
    let audits: Vec<_> = engine()
        .audit_batch(&items, Some(1))
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let units: Vec<String> = audits.iter().map(|a| a.summary_unit()).collect();
    assert_eq!(units, ["A7县政府", "县政府（K市）", "县政府（K2区）"]);
    assert_eq!(audits[2].place.as_deref(), Some("K2区"));
    assert_eq!(suqiu::audit::summarize(&audits).len(), 3);
}

#[test]
fn a_condition_still_to_be_met_postpones() {
    use Flag::DeferredWithoutDate as Deferred;
    let lights = "小区门口新装的路灯一直不亮，晚上出行很不方便";
    // 等…完工后会…: the lights wait on the works, with no date.
    let a = audit(
        lights,
        "您好！目前路灯配套的供电线路还在建设当中，等线路完工后会尽快通电亮灯。",
    );
    check(&a, Verdict::Evasive, &[Deferred], &[]);
    // 待…后: the same with 待.
    let b = audit(
        lights,
        "您好！该路段路灯属新建工程，待工程竣工验收后统一通电。",
    );
    check(&b, Verdict::Evasive, &[Deferred], &[]);
    // Done, then what was done afterwards: a result, not a condition.
    let c = audit(
        lights,
        "您好！经现场核实，线路老化属实，更换线路后路灯已恢复正常。",
    );
    check(&c, Verdict::Substantive, &[], &[Deferred]);
}

#[test]
fn numbers_and_past_years_do_not_date_a_plan() {
    use Flag::DeferredWithoutDate as Deferred;
    let bus = "希望开通一条从新区到火车站的公交线路";
    // A document number (〔2015〕2号) or a house number (145号) is no date.
    let a = audit(
        bus,
        "您好！根据〔2015〕2号文件，新区的公交线路由市里统筹考虑，待条件成熟时开通。",
    );
    check(&a, Verdict::Evasive, &[Deferred], &[]);
    // A year before the reply's (2024) is a fact of the past, not the plan's date.
    let b = audit(
        bus,
        "您好！2019年新区曾开通过一条试运营线路，您的建议将纳入公交线网优化统筹考虑。",
    );
    check(&b, Verdict::Evasive, &[Deferred], &[]);
    // The reply's own year dates the plan.
    let c = audit(
        bus,
        "您好！新区至火车站的公交线路已纳入2024年公交线网优化计划，预计下半年开通运营，\
         途经新区管委会和人民医院。",
    );
    check(&c, Verdict::Substantive, &[], &[Deferred]);
}

#[test]
fn boilerplate_consideration_is_a_deferral_and_assigning_is_a_referral() {
    let a = audit(
        "建议在学校门口增设一个公交站",
        "您好！您的建议已收集，市交通运输局将认真考虑。感谢您对我们工作的支持！",
    );
    check(&a, Verdict::Evasive, &[Flag::DeferredWithoutDate], &[]);
    let b = audit(
        ROAD,
        "您好！您反映的问题我们已经受理，并已交办给镇政府进行处理，处理完后对您进行回复。",
    );
    check(
        &b,
        Verdict::Perfunctory,
        &[Flag::ReferredWithoutResult],
        &[],
    );
}

#[test]
fn people_sent_to_investigate_without_a_finding_are_no_result() {
    // Officers sent to look into it, and only what would follow if the claim is true (A6).
    let a = engine()
        .audit(&input(
            ROAD,
            "您好！您反映的问题我局已收悉，已派工作人员到村里现场调查取证，如路面确有破损，我局将安排修补。",
        ))
        .unwrap();
    assert_eq!(a.verdict, Verdict::Perfunctory, "{a:?}");
    assert!(a.cues.iter().any(|c| c.label == "dispatch"), "{:?}", a.cues);
    // The look-alike: people sent to do the work itself, and the work done.
    let b = engine()
        .audit(&input(
            ROAD,
            "您好！接到留言后，镇政府已安排施工队进场，破损路面已于上周修补完毕，积水问题同时解决。",
        ))
        .unwrap();
    assert_eq!(b.verdict, Verdict::Substantive, "{b:?}");
    // Sent to investigate, and what they found and did reported: a result.
    let c = engine()
        .audit(&input(
            ROAD,
            "您好！我们已安排工作人员调查核实，经查，该路段路面破损属实，已责令施工单位限期修复。",
        ))
        .unwrap();
    assert_eq!(c.verdict, Verdict::Substantive, "{c:?}");
}

const BUS: &str = "希望在我们小区附近开通一条公交线路，方便居民出行，现在要走两公里才能坐车";

#[test]
fn a_reply_that_only_promises_postpones_the_request() {
    // Long, but only what will be done: no facts, no action done, no date, no rule, no reason.
    let a = engine()
        .audit(&input(
            BUS,
            "网友您好！您的留言已收悉。公共交通关系群众切身利益，我们将全面贯彻公交优先战略，\
             与相关部门加强沟通协调，认真做好线网优化工作，进一步方便人民群众出行，\
             您反映的意见我们会积极向上级主管部门反馈，争取早日让周边居民享受到更加便捷的公交服务。",
        ))
        .unwrap();
    assert_eq!(
        (a.verdict, a.flags.clone()),
        (Verdict::Evasive, vec![Flag::DeferredWithoutDate])
    );
    // The look-alike: the same promises after a reason why not now — an answer.
    let b = engine()
        .audit(&input(
            BUS,
            "网友您好！您的留言已收悉。该小区周边道路目前尚不具备公交车通行和设站的条件，\
             道路拓宽后我们将全面贯彻公交优先战略，与相关部门加强沟通协调，认真做好线网优化工作，\
             进一步方便人民群众出行，争取早日让周边居民享受到更加便捷的公交服务。",
        ))
        .unwrap();
    assert_eq!(b.verdict, Verdict::Substantive, "{b:?}");
}

const WHEN: &str =
    "我们小区门口的道路什么时候能修好？已经挖开半年了，居民出行很不方便，希望尽快修好";

#[test]
fn a_when_question_answered_only_with_promises_is_deferred() {
    // The message asks when; the reply reports what was checked, but on the request itself
    // only promises, with no date and nothing done: the request is deferred (A6).
    let a = engine()
        .audit(&input(
            WHEN,
            "网友您好！您的留言已收悉。经了解，该道路为雨污分流改造工程的一部分，沿线管线迁改\
             涉及多家单位。我们将督促相关单位加强协调，争取早日让道路通车，请您耐心等待。",
        ))
        .unwrap();
    assert_eq!(
        (a.verdict, a.flags.clone()),
        (Verdict::Evasive, vec![Flag::DeferredWithoutDate]),
        "{a:?}"
    );
    // The look-alike with a date: the question is answered.
    let b = engine()
        .audit(&input(
            WHEN,
            "网友您好！您的留言已收悉。经了解，该道路为雨污分流改造工程的一部分，沿线管线迁改\
             涉及多家单位。目前管线迁改已基本完成，预计今年5月底前恢复通行。",
        ))
        .unwrap();
    assert_eq!(b.verdict, Verdict::Substantive, "{b:?}");
    // The look-alike with the thing done: promises after it do not postpone anything.
    let c = engine()
        .audit(&input(
            WHEN,
            "网友您好！您的留言已收悉。经现场核实，小区门口道路的管线迁改已完成，施工单位已于上周完成\
             路面修复，恢复通行。下一步我们将加强巡查。",
        ))
        .unwrap();
    assert_eq!(c.verdict, Verdict::Substantive, "{c:?}");
    // A reason why there is no date yet explains: an answer.
    let d = engine()
        .audit(&input(
            WHEN,
            "网友您好！您的留言已收悉。经了解，该道路为雨污分流改造工程的一部分，由于沿线管线迁改\
             涉及多家单位，完工时间尚无法确定。我们将督促相关单位加强协调，争取早日让道路通车。",
        ))
        .unwrap();
    assert_eq!(d.verdict, Verdict::Substantive, "{d:?}");
    // The first reply under a message that does not ask when: facts checked, still an answer
    // (the rule reads the message's question, not the reply's words).
    let e = engine()
        .audit(&input(
            "我们小区门口的道路已经挖开半年了，居民出行很不方便，希望尽快修好",
            "网友您好！您的留言已收悉。经了解，该道路为雨污分流改造工程的一部分，沿线管线迁改\
             涉及多家单位。我们将督促相关单位加强协调，争取早日让道路通车，请您耐心等待。",
        ))
        .unwrap();
    assert_eq!(e.verdict, Verdict::Substantive, "{e:?}");
}
