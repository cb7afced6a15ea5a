"""2019-template crawler dumps written from a gold, the way the crawler saves them (see
sample_inputs/pingtan_zonghe_shiyanqu_2021.txt): a header block, then the whole report on
one line with the table cells run together. Keyword switches print the layouts met in such
dumps; each dump is written with the values its text says, so a test can check every cell.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "gold" / "seeds" / "002_3a38b772f27b9fba.json"

Key = tuple[str, str, str]

REQUEST_COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total")
APPEAL_COLUMNS = ("upheld", "corrected", "other", "pending", "total")
# The requests table's rows as a 2019 dump prints them: (row, printed label).
REQUEST_ROWS = [
    ("new", "一、本年新收政府信息公开申请数量"),
    ("carried_over", "二、上年结转政府信息公开申请数量"),
    ("granted", "三、本年度办理结果（一）予以公开"),
    ("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("denied_state_secret", "（三）不予公开1.属于国家秘密"),
    ("denied_prohibited_by_law", "2.其他法律行政法规禁止公开"),
    ("denied_three_safeties", "3.危及“三安全一稳定”"),
    ("denied_third_party", "4.保护第三方合法权益"),
    ("denied_internal_affairs", "5.属于三类内部事务信息"),
    ("denied_process_info", "6.属于四类过程性信息"),
    ("denied_enforcement_files", "7.属于行政执法案卷"),
    ("denied_admin_query", "8.属于行政查询事项"),
    ("unavailable_not_held", "（四）无法提供1.本机关不掌握相关政府信息"),
    ("unavailable_needs_creation", "2.没有现成信息需要另行制作"),
    ("unavailable_unclear", "3.补正后申请内容仍不明确"),
    ("rejected_complaint", "（五）不予处理1.信访举报投诉类申请"),
    ("rejected_duplicate", "2.重复申请"),
    ("rejected_publication", "3.要求提供公开出版物"),
    ("rejected_mass_repeat", "4.无正当理由大量反复申请"),
    ("rejected_confirmation", "5.要求行政机关确认或重新出具已获取信息"),
    ("other", "（六）其他处理"),
    ("total", "（七）总计"),
    ("carried_forward", "四、结转下年度继续办理"),
]
# A busier table than the seed's (its requests are all 0), its arithmetic intact:
# 15 new + 2 carried over = 15 handled + 2 carried forward, in every column.
BUSY_REQUESTS = {
    "new": {"natural_person": 12, "commercial": 3, "total": 15},
    "carried_over": {"natural_person": 2, "total": 2},
    "granted": {"natural_person": 9, "commercial": 2, "total": 11},
    "unavailable_not_held": {"natural_person": 3, "commercial": 1, "total": 4},
    "total": {"natural_person": 12, "commercial": 3, "total": 15},
    "carried_forward": {"natural_person": 2, "total": 2},
}
BUSY_APPEALS = {"review": {"upheld": 12, "corrected": 1, "total": 13}}


def seed_cells() -> dict[Key, object]:
    return {(s, r, c): v for s, r, c, v in json.loads(SEED.read_text("utf-8"))["cells"]}


def busy_cells() -> dict[Key, object]:
    """Seed 002's gold with requests and appeals that are not all 0 (and the blank 总计 filled)."""
    cells = seed_cells()
    for key in cells:
        if key[0] in ("requests", "appeals"):
            cells[key] = 0
    for section, rows in (("requests", BUSY_REQUESTS), ("appeals", BUSY_APPEALS)):
        for row, values in rows.items():
            for col, value in values.items():
                cells[section, row, col] = value
    return cells


def _signed(value) -> str:
    return f"{value:+d}" if value else "0"


def dump(
    cells: dict[Key, object],
    *,
    signs: bool = True,
    amount_in_yuan: bool = False,
    caption_six: bool = True,
    change_header: str = "本年增/减",
    part_three: str = "三",
    handled_twice: bool = False,
) -> str:
    """A crawler dump of a 2019-template report holding `cells`.

    signs: 本年增/减 printed with its sign (+15, -1; 0 unsigned), glued to the cells beside it;
    amount_in_yuan: 采购总金额 printed in 元 after the project count and its unit (1个246900元);
    caption_six: the （六） caption printed (else 行政处罚 follows the （五） rows straight away);
    change_header: how the 本年增/减 column is headed; part_three: the numeral of part 三;
    handled_twice: the heading 三、本年度办理结果 printed twice.
    """

    def v(key: Key) -> object:
        value = cells.get(key)
        return "" if value is None else value  # a blank cell prints nothing

    def change(section: str, row: str) -> str:
        value = v((section, row, "change"))
        return _signed(value) if signs else str(value)

    head = f"信息内容上一年项目数量{change_header}处理决定数量"
    art20 = (
        "二、主动公开政府信息情况 第二十条第（一）项信息内容本年新制作数量本年新公开数量对外公开总数量"
        + "".join(
            f"{label}{v(('art20_1', row, 'produced'))}{v(('art20_1', row, 'published'))}"
            f"{v(('art20_1', row, 'total_published'))}"
            for row, label in (("regulations", "规章"), ("normative_documents", "规范性文件"))
        )
        + "第二十条第（五）项"
        + head
        + "".join(
            f"{label}{v(('art20_5', row, 'prior_items'))}{change('art20_5', row)}{v(('art20_5', row, 'decisions'))}"
            for row, label in (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项"))
        )
        + (("第二十条第（六）项" + head) if caption_six else "")
        + "".join(
            f"{label}{v(('art20_6', row, 'prior_items'))}{change('art20_6', row)}{v(('art20_6', row, 'decisions'))}"
            for row, label in (("penalties", "行政处罚"), ("enforcement", "行政强制"))
        )
        + f"第二十条第（八）项信息内容上一年项目数量{change_header}"
        + f"行政事业性收费{v(('art20_8', 'fees', 'prior_items'))}{change('art20_8', 'fees')}"
        + "第二十条第（九）项信息内容采购项目数量采购总金额政府集中采购"
    )
    projects, amount = (
        v(("art20_9", "central_procurement", "projects")),
        v(("art20_9", "central_procurement", "amount")),
    )
    if amount_in_yuan:
        yuan = round(float(amount) * 10000)
        art20 += f"{projects}个{yuan}元"
    else:
        art20 += f"{projects}{amount}"
    requests = (
        f"{part_three}、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
        "申请人情况自然人法人或其他组织总计 商业企业科研机构社会公益组织法律服务机构其他"
    )
    for row, label in REQUEST_ROWS:
        if handled_twice and row == "granted":
            label = "三、本年度办理结果" + label
        requests += label + "".join(str(v(("requests", row, c))) for c in REQUEST_COLUMNS)
    appeals = (
        " 四、政府信息公开行政复议、行政诉讼情况 行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"
        "未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计"
        + "".join(
            str(v(("appeals", r, c))) for r in ("review", "suit_direct", "suit_after_review") for c in APPEAL_COLUMNS
        )
    )
    body = (
        "当前位置： 首页政务公开政府信息公开年报 渭南市行政审批服务局2020年政府信息公开工作年度报告 "
        "一、总体情况2020年度我局在网站主动公开信息214条，其中工作动态174条。"
        + art20
        + requests
        + appeals
        + "五、存在的主要问题及改进措施（一）存在的主要问题政务服务事项标准化程度不够。"
        "六、其它需要报告的事项2020年我局无其它需要报告事项。 附件下载"
    )
    header = (
        "标题: 渭南市行政审批服务局2020年政府信息公开工作年度报告\n"
        "发布时间: 2021-01-13 16:07\n文号: \n发布机构: 渭南市行政审批服务局\n栏目: 政府信息公开年报\n"
        "==================== 正文 ====================\n"
    )
    return header + body + "\n"
