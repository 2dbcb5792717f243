"""The narrative sections of generated reports (一、总体情况, 五、存在的主要问题及改进情况,
六、其他需要报告的事项) and the preface, in the register of real reports.

Every count the text states is read from the report's own cells, so text and tables agree
(「全年共收到政府信息公开申请N件」 is ``t3.new.total``). Paragraph lists hold plain strings; a short
paragraph that starts with （一） and the like is a sub-heading.
"""
from __future__ import annotations

import random
import re
from datetime import datetime
from typing import TYPE_CHECKING

from .layout import Number, t3_outcome_rows

if TYPE_CHECKING:
    from .generator import Issuer

SITE_NAME = "洛阳市涧西区人民政府"

_SUBHEADING = re.compile(r"^（[一二三四五六七八九十]+）\S{0,30}$|^[一二三四五六七八九十]+、\S{0,30}$")


def is_subheading(paragraph: str) -> bool:
    """A short paragraph such as 「（一）主动公开」 that heads the paragraphs after it."""
    return bool(_SUBHEADING.match(paragraph))


def chinese_date(day: datetime) -> str:
    """2021年2月26日"""
    return f"{day.year}年{day.month}月{day.day}日"

_GUIDING = {
    2019: "党的十九大和十九届二中、三中、四中全会精神",
    2020: "党的十九大和十九届二中、三中、四中、五中全会精神",
    2021: "党的十九大和十九届历次全会精神",
    2022: "党的二十大精神",
    2023: "党的二十大精神",
    2024: "党的二十大和二十届二中、三中全会精神",
}

_FORMAT_NOTICE = {
    "2019": "《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2019〕60号）",
    "2021": "《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2021〕30号）",
}

# Subject matter by kind of body: (what it publishes, its key-area topics, its channels)
_FOCUS = {
    "government": ("围绕全区经济社会发展大局和群众关注关切，持续深化决策、执行、管理、服务、结果公开",
                   ("财政预决算", "重大建设项目", "城乡征迁", "社会救助", "生态环境", "公共资源配置"),
                   "区政府门户网站、“魅力涧西”政务微信、《涧西区人民政府公报》和政务公开专区"),
    "finance": ("以预决算公开为重点，推进财政资金分配和使用情况公开透明",
                ("部门预决算", "“三公”经费", "政府采购", "惠民惠农财政补贴资金", "政府债务"),
                "区政府门户网站财政信息专栏和政府采购网"),
    "education": ("聚焦招生入学、教育收费等群众关心的热点，做好教育领域信息公开",
                  ("义务教育招生入学", "学区划分", "教育收费", "学生资助", "教师招聘", "校园安全"),
                  "区政府门户网站、“涧西教育”微信公众号和学校公示栏"),
    "housing": ("围绕城市更新和民生工程，推进住房城乡建设领域信息公开",
                ("老旧小区改造", "保障性住房", "城乡征迁", "建筑市场监管", "物业服务管理"),
                "区政府门户网站、政务服务大厅电子屏和项目现场公示牌"),
    "subdistrict": ("以基层政务公开标准化规范化为抓手，推进基层事务公开",
                    ("城乡低保", "高龄津贴", "城乡征迁", "就业帮扶", "社区网格化管理"),
                    "区政府门户网站、街道便民服务中心和各社区政务公开栏"),
    "heritage": ("围绕工业遗产保护利用工作，及时公开保护规划和项目实施情况",
                 ("工业遗产保护规划", "文物安全巡查", "保护利用项目招标", "开放参观服务"),
                 "区政府门户网站和中心公示栏"),
    "zone": ("围绕片区开发建设，及时公开规划、项目和征迁安置信息",
             ("片区规划", "重点项目建设", "征迁安置", "招商引资", "生态修复"),
             "区政府门户网站和片区项目公示栏"),
}


def _n(value: Number | None) -> str:
    return "" if value is None else str(value)


def _sum(cells: dict[str, Number | None], keys: list[str]) -> int:
    return sum(int(cells.get(k) or 0) for k in keys)


def preface(issuer: "Issuer", year: int, template: str) -> list[str]:
    return [
        f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和{_FORMAT_NOTICE[template]}要求编制。"
        f"报告全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
        f"政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。"
        f"本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
        f"本报告电子版可在“{SITE_NAME}”门户网站查阅或下载。如对本报告有疑问，请与{issuer.office}联系"
        f"（地址：{issuer.address}；联系电话：{issuer.phone}）。"
    ]


def overview(rng: random.Random, issuer: "Issuer", year: int, template: str,
             cells: dict[str, Number | None]) -> list[str]:
    focus, topics, channels = _FOCUS[issuer.kind]
    name = issuer.name
    paragraphs = [
        f"{year}年，{name}坚持以习近平新时代中国特色社会主义思想为指导，深入贯彻{_GUIDING[year]}，"
        f"认真落实《条例》和省、市、区关于政务公开工作的部署要求，{focus}，"
        f"以公开促落实、以公开强监管、以公开优服务，政府信息公开工作取得新成效。",
        "（一）主动公开",
        _active_disclosure(rng, year, template, cells, topics, channels),
        "（二）依申请公开",
        _applications(template, cells),
        "（三）政府信息管理",
        rng.choice((
            "严格落实政府信息公开保密审查制度，坚持“先审查、后公开”和“一事一审”原则，"
            "对拟公开的信息实行初审、复审、终审“三审”把关。",
            "健全政府信息公开审查机制，明确信息发布的审核程序和责任人，全年未发生泄密和不当公开事件。",
        )) + rng.choice((
            "按照主动公开基本目录动态调整公开事项，对已公开的行政规范性文件开展清理，及时标注失效、废止信息。",
            "持续开展政府信息公开目录动态更新，逐项核对公开事项、公开时限和责任单位。",
        )),
        "（四）政府信息公开平台建设",
        f"坚持把{channels}作为政府信息公开的主要载体，"
        + rng.choice((
            "优化栏目设置，完善检索功能，提升网站适老化和无障碍水平。",
            "加强政务新媒体内容审核和日常监管，做到信息发布及时、准确、规范。",
            "落实网站内容更新、信息审核、安全防护等制度，确保平台安全平稳运行。",
        ))
        + f"在政务服务大厅设置政府信息公开查阅点，方便群众现场查阅和申请。",
        "（五）监督保障",
        _oversight(rng, name, cells),
    ]
    return paragraphs


def _active_disclosure(rng: random.Random, year: int, template: str, cells: dict[str, Number | None],
                       topics: tuple[str, ...], channels: str) -> str:
    picked = rng.sample(topics, k=min(3, len(topics)))
    published = rng.randint(180, 5200)
    text = (f"{year}年，通过{channels}等渠道主动公开政府信息{published}条，"
            f"重点做好{'、'.join(picked)}等领域信息公开。")
    clauses: list[str] = []
    if template == "2021":
        issued, repealed, in_force = (cells.get(f"t2.normative.{k}") for k in ("issued", "repealed", "in_force"))
        if None not in (issued, repealed, in_force):
            clauses.append(f"本年制发行政规范性文件{issued}件，废止{repealed}件，现行有效{in_force}件")
    else:
        made, new, total = (cells.get(f"t2.normative.{k}") for k in ("made", "published", "total"))
        if None not in (made, new, total):
            clauses.append(f"本年新制作规范性文件{made}件，新公开{new}件，对外公开规范性文件总数{total}件")
    decisions = [(label, cells.get(f"t2.{key}.decisions")) for key, label in
                 (("licensing", "行政许可"), ("penalty", "行政处罚"), ("coercion", "行政强制"))]
    stated = [f"{label}决定{value}件" for label, value in decisions if value]
    if stated:
        clauses.append("作出" + "、".join(stated))
    if clauses:
        text += "；".join(clauses) + "。"
    return text


def _applications(template: str, cells: dict[str, Number | None]) -> str:
    new, carried = cells.get("t3.new.total"), cells.get("t3.carried_over.total")
    forward = cells.get("t3.carried_forward.total")
    handled = cells.get("t3.total.total")
    text = f"全年共收到政府信息公开申请{_n(new)}件，上年结转{_n(carried)}件。"
    if not new and not carried:
        return text + "本年度无需要办理的政府信息公开申请，依申请公开渠道保持畅通。"
    natural = cells.get("t3.new.natural_person")
    organisations = _sum(cells, [f"t3.new.{c}" for c in ("commercial", "research", "social", "legal", "other_org")])
    text += f"从申请主体看，自然人提出申请{_n(natural)}件，法人或其他组织提出申请{organisations}件。"
    rows = t3_outcome_rows(template)
    groups = {
        "予以公开": ["granted"], "部分公开": ["partial"],
        "不予公开": [r for r in rows if r.startswith("denied_")],
        "无法提供": [r for r in rows if r.startswith("unable_")],
        "不予处理": [r for r in rows if r.startswith("rejected_")],
        "其他处理": [r for r in rows if r == "other" or r.startswith("other_")],
    }
    parts = [f"{label}{_sum(cells, [f't3.{r}.total' for r in keys])}件" for label, keys in groups.items()]
    text += f"本年度办结{_n(handled)}件，其中" + "，".join(parts) + f"；结转下年度继续办理{_n(forward)}件。"
    return text + "所有申请均在法定期限内答复。"


def _oversight(rng: random.Random, name: str, cells: dict[str, Number | None]) -> str:
    trainings = rng.randint(1, 4)
    text = (f"将政务公开工作纳入年度目标考核，组织政务公开业务培训{trainings}次，"
            "对网站和政务新媒体开展常态化检查，发现问题及时督促整改。")
    review = cells.get("t4.review.total")
    suits = _sum(cells, ["t4.suit_direct.total", "t4.suit_after_review.total"])
    if review or suits:
        corrected = _sum(cells, ["t4.review.corrected"])
        text += (f"全年发生政府信息公开行政复议案件{_n(review)}件（其中结果纠正{corrected}件），"
                 f"行政诉讼案件{suits}件，{name}认真分析案件成因，举一反三，进一步规范答复文书和办理程序。")
    else:
        text += "全年未发生因政府信息公开引发的行政复议、行政诉讼案件。"
    return text


_PROBLEMS = (
    "部分工作人员对新《条例》的理解不够深入，依申请公开答复的规范性有待提高",
    "主动公开的深度和广度还不够，政策解读形式较为单一，图解、音视频解读偏少",
    "政府信息公开平台栏目更新不够及时，个别栏目内容较少",
    "基层政务公开标准化规范化水平仍需提升，群众知晓率有待提高",
    "政务新媒体互动回应不够及时，与群众的交流还不够充分",
)
_MEASURES = (
    "加强业务培训，组织工作人员深入学习《条例》和相关法律法规，提升依法答复水平",
    "丰富政策解读形式，做好政策文件与解读材料同步组织、同步审签、同步发布",
    "完善栏目内容保障机制，明确责任人和更新时限，确保信息及时准确发布",
    "深化基层政务公开标准化规范化建设，推动公开事项向社区延伸",
    "畅通政民互动渠道，及时回应社会关切，提升回应实效",
)
_ORDINALS = ("一是", "二是", "三是")


def problems(rng: random.Random, issuer: "Issuer", year: int) -> list[str]:
    picks = rng.sample(range(len(_PROBLEMS)), k=rng.choice((2, 3)))
    found = "；".join(f"{_ORDINALS[i]}{_PROBLEMS[p]}" for i, p in enumerate(picks)) + "。"
    fixes = "；".join(f"{_ORDINALS[i]}{_MEASURES[p]}" for i, p in enumerate(picks)) + "。"
    paragraphs = []
    if year > 2019:
        paragraphs.append(f"针对上年度报告中提出的问题，{issuer.name}逐项制定整改措施，"
                          "通过加强培训、完善制度、强化督查等方式推动整改落实，上年度问题已基本整改到位。")
    paragraphs += [
        f"{year}年，{issuer.name}政府信息公开工作虽然取得了一定成效，但仍存在一些不足：{found}",
        f"{year + 1}年，{issuer.name}将着力抓好以下工作：{fixes}",
    ]
    return paragraphs


def other_matters(rng: random.Random, issuer: "Issuer", year: int, template: str) -> list[str]:
    if template == "2019":
        return [rng.choice(("无。", f"{issuer.name}本年度无其他需要报告的事项。"))]
    paragraphs = [f"依据《政府信息公开信息处理费管理办法》，{issuer.name}本年度未收取信息处理费。"]
    if issuer.kind == "government":
        proposals, suggestions = rng.randint(40, 90), rng.randint(30, 70)
        paragraphs.append(f"本年度共承办人大代表建议{suggestions}件、政协委员提案{proposals}件，"
                          "均已按期办结，办理结果依法予以公开。")
    paragraphs.append("无其他需要报告的事项。")
    return paragraphs
