#!/usr/bin/env python3
"""Synthetic report lines for the aggregation soak (benches/soak/run.sh).

Usage: reports.py COUNT [SECONDS_BETWEEN_REPORTS] [SEED]

Deterministic for a seed. One report every SECONDS_BETWEEN_REPORTS (default 20: 4,320 a
day, about 389,000 in a 90-day window). A third of the reports start a new problem (a
template, a township of Zhuzhou, a building number and a shop or estate name); the rest
repeat one of the latest problems (most of them one of the 2,000 latest), reworded (a different opening and closing, the
filler words in another order), so issues of many sizes form, live and close as they would.
"""
import json
import os
import random
import sys
import time

DIVISIONS = os.path.join(os.path.dirname(__file__), "../../core/data/zhuzhou-divisions.csv")
with open(DIVISIONS, encoding="utf-8") as f:
    TOWNSHIPS = [(c, n) for c, n, level, _ in (l.rstrip("\n").split(",") for l in f) if level == "4"]
SUBJECTS = [
    "{name}楼下的路灯坏了", "{name}附近的下水道堵塞", "{name}每天晚上噪音扰民", "{name}物业乱收停车费",
    "{name}停水三天没有通知", "{name}占道经营堵死人行道", "{name}旁边工地夜间施工", "{name}附近乱倒建筑垃圾",
    "{name}拖欠员工工资", "{name}的电梯经常困人", "{name}门口的公交站台被拆", "{name}销售过期食品",
    "{name}的化粪池满溢", "{name}违章搭建阳光房", "{name}门前积水严重", "{name}的燃气管道漏气",
    "{name}的学校周边交通拥堵", "{name}的垃圾站没人清运", "{name}的广场舞音响太大", "{name}楼顶渗水",
]
THINGS = [
    "井盖", "围墙", "配电箱", "消防通道", "绿化带", "排水沟", "护栏", "台阶", "招牌", "窗户", "水管", "监控",
    "公厕", "停车位", "充电桩", "健身器材", "信号灯", "斑马线", "楼道灯", "化粪池", "空调外机", "油烟管道",
    "广告牌", "树木", "路面", "桥梁", "水塔", "变压器", "围挡", "岗亭",
]
DETAILS = [
    "晚上一片漆黑", "老人小孩出行很危险", "污水漫到路面", "臭味熏天", "居民无法休息", "业主多次反映",
    "没有任何结果", "生活非常困难", "行人只能走机动车道", "渣土车带泥上路", "灰尘很大", "无人清理",
    "老板联系不上", "维保单位敷衍了事", "上班族很不方便", "商家拒不退换", "蚊虫滋生", "影响市容",
    "存在安全隐患", "打了热线也没人管", "社区说不归他们管", "已经持续一个多月", "孩子上学要绕路",
    "下雨天更加严重", "周边商户意见很大", "希望派人现场看看", "街道办推来推去", "网格员来过一次",
]
OPENINGS = ["您好，", "领导好，", "我是附近居民，", "反映一个问题：", "", "请相关部门关注："]
CLOSINGS = ["", "希望尽快解决！", "谢谢！", "请领导重视。", "已经反映多次了。", "盼复。"]
FILLERS = ["情况", "已经", "持续", "多次", "投诉", "没有", "处理", "严重", "影响", "生活"]
NAME_CHARS = "金湘栗荷枫神钻华天书紫阳江泰福鑫佳宏美星康乐和平安顺兴旺富贵祥瑞龙凤翠碧锦绣明"
ESTATE_SUFFIXES = ["家园", "花园", "小区", "新城", "名苑", "公寓", "雅居", "山庄"]
SHOP_SUFFIXES = ["超市", "烧烤", "KTV", "汽修", "洗浴", "酒家", "网吧", "建材", "药房", "饭店"]


def name(rng, suffixes):
    """A made-up estate or shop name (two characters and a suffix): 11,520 estates, 14,400 shops."""
    return rng.choice(NAME_CHARS) + rng.choice(NAME_CHARS) + rng.choice(suffixes)


def main():
    count = int(sys.argv[1])
    step = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 14)
    start = 1_577_836_800  # 2020-01-01T00:00:00Z
    problems = []
    out = sys.stdout
    write = out.write
    for i in range(count):
        if not problems or rng.random() < 1 / 3:
            code, place = rng.choice(TOWNSHIPS)
            where = name(rng, rng.choice([ESTATE_SUFFIXES, SHOP_SUFFIXES]))
            subject = rng.choice(SUBJECTS).format(name=f"{place}{where}")
            # Details of their own (a thing and what is wrong with it), so that two problems of
            # one township share few content words, as two real ones do.
            details = [rng.choice(THINGS) + rng.choice(DETAILS) for _ in range(4)]
            problems.append((subject, code, details))
            if len(problems) > 40_000:
                del problems[:20_000]
            problem = problems[-1]
        else:
            problem = problems[-1 - min(int(rng.expovariate(1 / 2000)), len(problems) - 1)]
        subject, code, details = problem
        said = rng.sample(details, rng.randint(2, 4))
        text = (rng.choice(OPENINGS) + subject + "，" + "，".join(said) + "，"
                + "".join(rng.sample(FILLERS, 2)) + "。" + rng.choice(CLOSINGS))
        t = time.gmtime(start + i * step)
        write(json.dumps({
            "id": f"soak-{i}",
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", t),
            "group_division": code + "000",
            "likes": rng.randint(0, 3),
            "text": text,
        }, ensure_ascii=False))
        write("\n")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.exit(1)
