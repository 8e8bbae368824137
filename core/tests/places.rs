//! Place resolution across provinces: one test per cause of issue 13, with texts written for
//! these tests. The divisions are the embedded Zhuzhou table plus a few dozen real units
//! elsewhere (and one made-up 三都镇, to have a township of that name outside 修水县).

use std::sync::OnceLock;
use suqiu::{Engine, Location};

/// Units outside Zhuzhou that the texts below name, or that their stray names could mean.
const MORE: &str = "\
4301,长沙市,2,43\n430121,长沙县,3,4301\n430111,雨花区,3,4301\n430111101,跳马镇,4,430111\n\
4303,湘潭市,2,43\n430321,湘潭县,3,4303\n430321100,易俗河镇,4,430321\n\
4311,永州市,2,43\n431122,东安县,3,4311\n\
4331,湘西土家族苗族自治州,2,43\n433123,凤凰县,3,4331\n\
44,广东省,1,\n4403,深圳市,2,44\n440303,罗湖区,3,4403\n4420,中山市,2,44\n\
33,浙江省,1,\n3301,杭州市,2,33\n330108,滨江区,3,3301\n330108001,西兴街道,4,330108\n\
330106,西湖区,3,3301\n3302,宁波市,2,33\n330212,鄞州区,3,3302\n3306,绍兴市,2,33\n\
3310,台州市,2,33\n331083,玉环市,3,3310\n\
37,山东省,1,\n3709,泰安市,2,37\n\
35,福建省,1,\n3508,龙岩市,2,35\n350821,长汀县,3,3508\n350821100,河田镇,4,350821\n\
350821100201,梅市村村民委员会,5,350821100\n\
45,广西壮族自治区,1,\n4503,桂林市,2,45\n4501,南宁市,2,45\n450103,青秀区,3,4501\n\
450103199,三都镇,4,450103\n\
31,上海市,1,\n3101,市辖区,2,31\n310115,浦东新区,3,3101\n\
41,河南省,1,\n4115,信阳市,2,41\n411524,商城县,3,4115\n4103,洛阳市,2,41\n410302,老城区,3,4103\n\
50,重庆市,1,\n5002,县,2,50\n500229,城口县,3,5002\n\
42,湖北省,1,\n4206,襄阳市,2,42\n\
21,辽宁省,1,\n2101,沈阳市,2,21\n210115,辽中区,3,2101\n\
36,江西省,1,\n3604,九江市,2,36\n360424,修水县,3,3604\n3601,南昌市,2,36\n360103,西湖区,3,3601\n\
64,宁夏回族自治区,1,\n65,新疆维吾尔自治区,1,\n6528,巴音郭楞蒙古自治州,2,65\n\
15,内蒙古自治区,1,\n51,四川省,1,\n5104,攀枝花市,2,51\n510402,东区,3,5104\n";

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("suqiu-places-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let csv = dir.join("divisions.csv");
        let mut text = suqiu::jurisdiction::gazetteer::EMBEDDED_DIVISIONS.to_string();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(MORE);
        std::fs::write(&csv, text).unwrap();
        Engine::builder().divisions_csv(&csv).build().unwrap()
    })
}

fn locate(text: &str) -> Location {
    engine().locate(text, None).unwrap()
}

fn code(l: &Location) -> Option<&str> {
    l.division.as_ref().map(|d| d.code.as_str())
}

#[test]
fn stray_names_do_not_cancel_an_explicit_chain() {
    // 凤凰 (凤凰县) in a road name, 中山 (中山市) in an estate's.
    let l = locate("深圳市罗湖区凤凰路中山花园3栋楼道灯不亮");
    assert_eq!(code(&l), Some("440303"), "{l:?}");
    // 泰安 (泰安市) in a road name.
    let l = locate("杭州市滨江区西兴街道泰安路的井盖丢了");
    assert_eq!(code(&l), Some("330108001"));
    // A village of that name in another province: a candidate, not a veto.
    let l = locate("湘潭县易俗河镇梅市村的水渠堵了");
    assert_eq!(code(&l), Some("430321100"));
    assert!(l.candidates.iter().any(|c| c.name == "梅市村"));
    // 桂林 inside 小桂林, a place name of the county.
    let l = locate("东安县霞栖至小桂林那段路塌方了");
    assert_eq!(code(&l), Some("431122"));
}

#[test]
fn a_stray_name_alone_does_not_win() {
    // 商城 (商城县) is a road here; 上海浦东 is the place.
    let l = locate("上海浦东商城路那边的路灯坏了");
    assert_eq!(code(&l), Some("310115"), "{l:?}");
    // A road named after a city names no place.
    assert_eq!(code(&locate("绍兴路12号门口积水")), None);
    // One-character names (重庆's placeholder 县) never match alone.
    let l = locate("县里的路灯坏了半个月");
    assert_eq!(code(&l), None);
    assert!(l.candidates.is_empty(), "{l:?}");
    // A generic district name needs a chain: 东区 of an estate is not 攀枝花's 东区.
    assert_eq!(code(&locate("绿园小区东区7号楼漏水")), None);
}

#[test]
fn former_names_resolve_and_are_reported() {
    let l = locate("湖北省襄樊市的公交车太挤");
    assert_eq!(code(&l), Some("4206"));
    let m = l.mentions.iter().find(|m| m.code == "4206").unwrap();
    assert_eq!(m.former_name.as_deref(), Some("襄樊市"));
    assert_eq!(code(&locate("辽中县城里的供暖不热")), Some("210115"));
    // 老城区 is also an ordinary word: it does not outweigh the former name.
    let l = locate("我在襄樊市住了二十年，老城区的下水道一直没修");
    assert_eq!(code(&l), Some("4206"), "{l:?}");
    assert_eq!(code(&locate("宁波市江东区的小区停水了")), Some("330212"));
    assert_eq!(code(&locate("玉环县的渔港")), Some("331083"));
    // 长沙县跳马镇 became 雨花区跳马镇; people also write the older 乡.
    let l = locate("长沙县跳马乡的村道坏了");
    assert_eq!(code(&l), Some("430111101"), "{l:?}");
    let m = l.mentions.iter().find(|m| m.code == "430111101").unwrap();
    assert_eq!(m.former_name.as_deref(), Some("跳马乡"));
    // The current name wins over an old one written the same way.
    let l = locate("株洲市荷塘区");
    assert!(l.mentions.iter().all(|m| m.former_name.is_none()));
}

#[test]
fn short_forms_alone() {
    assert_eq!(code(&locate("宁夏的枸杞熟了")), Some("64"));
    assert_eq!(code(&locate("新疆巴音郭楞的棉花")), Some("6528"));
    assert_eq!(code(&locate("内蒙的草原")), Some("15"));
    assert_eq!(code(&locate("浦东的地铁站")), Some("310115"));
}

#[test]
fn a_named_county_with_an_unknown_township_keeps_the_county() {
    let l = locate("修水县三都镇的桥断了");
    assert_eq!(code(&l), Some("360424"), "{l:?}");
    assert!(l.candidates.iter().any(|c| c.name == "三都镇"));
}

#[test]
fn two_equal_readings_without_a_chain_or_group_are_left_for_review() {
    let l = locate("西湖区的路灯坏了");
    assert_eq!(code(&l), None);
    assert!(l.needs_review);
    assert_eq!(l.candidates.len(), 2);
    // A chain decides.
    assert_eq!(code(&locate("杭州西湖区的路灯坏了")), Some("330106"));
    assert_eq!(code(&locate("江西南昌西湖区的路灯坏了")), Some("360103"));
}

#[test]
fn the_chain_is_reported_from_the_province_down() {
    let l = locate("湖南省湘潭县易俗河镇");
    assert_eq!(l.chain, ["43", "4303", "430321", "430321100"]);
    let used: Vec<&str> = l.mentions.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(used, ["湖南省", "湘潭县", "易俗河镇"]);
}
