"""The sector taxonomy of the industrial-internet investment reports, and a local classifier.

Six fields (the reports' 六大领域) with AI and 5G as tags. A company is classified from its
business description by keyword rules first; when no rule fires, by a small character
n-gram model trained at first use on the labelled examples shipped in ``data/`` (so nothing
is downloaded and nothing executable is stored). The operator's override always wins and
is recorded as the method ``operator``.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field as dc_field
from enum import StrEnum
from functools import cache, lru_cache
from importlib import resources
from typing import Any


class Field(StrEnum):
    NETWORK_IDENTIFIER = "network_identifier"
    PLATFORM_SOFTWARE = "platform_software"
    SECURITY = "security"
    AUTOMATION_EDGE = "automation_edge"
    INTELLIGENT_EQUIPMENT = "intelligent_equipment"
    RELATED_SERVICES = "related_services"

    @property
    def label_zh(self) -> str:
        """The field's name in the reports."""
        return FIELD_ZH[self]


FIELD_ZH = {
    Field.NETWORK_IDENTIFIER: "网络与标识",
    Field.PLATFORM_SOFTWARE: "平台与工业软件",
    Field.SECURITY: "安全",
    Field.AUTOMATION_EDGE: "工业自动化与边缘",
    Field.INTELLIGENT_EQUIPMENT: "工业智能装备",
    Field.RELATED_SERVICES: "相关服务",
}


# Each field's place in GB/T 4754-2017 (国民经济行业分类), at division level: where a company of
# the field is usually registered. A field spans several divisions (platforms and software are
# registered as I64 or I65; automation and edge hardware as C38, C39 or C40), and a division
# holds companies of more than one field, so the map goes one way — field → divisions — and
# ``fields_for_industry`` lists every field whose divisions include a code.
FIELD_GBT4754: dict[Field, tuple[str, ...]] = {
    Field.NETWORK_IDENTIFIER: ("I63", "C39"),  # telecoms, network equipment
    Field.PLATFORM_SOFTWARE: ("I64", "I65"),  # internet services, software and IT services
    Field.SECURITY: ("I65",),  # information security services sit in software and IT services
    Field.AUTOMATION_EDGE: ("C38", "C39", "C40"),  # electrical, electronic, instruments
    Field.INTELLIGENT_EQUIPMENT: ("C34", "C35"),  # general and special-purpose machinery
    Field.RELATED_SERVICES: ("M75", "I65", "L72"),  # technology, IT and business services
}


def gbt4754_divisions(field: Field) -> tuple[str, ...]:
    """The GB/T 4754-2017 divisions a field's companies are registered under."""
    return FIELD_GBT4754[field]


def fields_for_industry(code: str) -> tuple[Field, ...]:
    """Every field whose divisions hold a GB/T 4754 code (``C3411`` is in ``C34``)."""
    code = code.strip().upper()
    return tuple(f for f, divs in FIELD_GBT4754.items() if any(code.startswith(d) for d in divs))


class Tag(StrEnum):
    AI = "ai"
    FIVE_G = "5g"


class Method(StrEnum):
    RULES = "rules"
    MODEL = "model"
    OPERATOR = "operator"


# Keyword → weight per field. Longer, more specific words weigh more.
RULES: dict[Field, dict[str, int]] = {
    Field.NETWORK_IDENTIFIER: {
        "标识解析": 3, "工业网络": 2, "tsn": 2, "时间敏感网络": 2, "交换机": 2, "路由器": 2,
        "通信模组": 2, "专网": 2, "网关": 1, "物联网芯片": 2, "wi-fi": 2, "nb-iot": 2,
        "rfid": 2, "车联网": 2, "现场总线": 2, "光纤": 1, "无线通信": 2,
    },
    Field.PLATFORM_SOFTWARE: {
        "工业互联网平台": 3, "工业软件": 3, "mes": 2, "erp": 2, "plm": 2, "cad": 2, "cae": 2,
        "eda": 2, "saas": 2, "低代码": 2, "数字孪生": 2, "中间件": 2, "工业app": 2, "云计算": 1,
        "工业云": 2, "大数据": 1, "操作系统": 2, "数据库": 2, "bios": 2, "软件": 1,
    },
    Field.SECURITY: {
        "网络安全": 3, "工控安全": 3, "信息安全": 3, "数据安全": 3, "防火墙": 2, "态势感知": 2,
        "漏洞": 2, "入侵": 2, "零信任": 2, "密码": 1, "安全": 1,
    },
    Field.AUTOMATION_EDGE: {
        "plc": 3, "dcs": 3, "scada": 3, "边缘计算": 3, "控制器": 2, "伺服": 2, "变频器": 2,
        "传感器": 2, "仪器仪表": 2, "机器视觉": 2, "工业相机": 2, "运动控制": 2, "红外": 2,
        "芯片": 1, "自动化": 1,
    },
    Field.INTELLIGENT_EQUIPMENT: {
        "工业机器人": 3, "协作机器人": 3, "机器人": 2, "智能装备": 3, "智能制造装备": 3,
        "数控机床": 3, "3d打印": 3, "增材制造": 3, "agv": 2, "检测设备": 2, "生产线": 2,
        "装备": 1, "设备": 1,
    },
    Field.RELATED_SERVICES: {
        "解决方案": 1, "咨询": 2, "检测认证": 3, "认证": 1, "培训": 2, "运维服务": 2,
        "供应链金融": 2, "孵化": 2, "工业设计": 2, "服务": 1,
    },
}  # fmt: skip
TAG_RULES: dict[Tag, tuple[str, ...]] = {
    Tag.AI: ("人工智能", "ai", "机器学习", "深度学习", "大模型", "视觉算法", "计算机视觉",
             "智能算法", "机器视觉"),
    Tag.FIVE_G: ("5g",),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Classification:
    """A field with the tags, how it was decided, how sure, and why."""

    field: Field
    tags: frozenset[Tag]
    method: Method
    confidence: float
    reasons: tuple[str, ...] = dc_field(default_factory=tuple)


def _text(description: str) -> str:
    return unicodedata.normalize("NFKC", description).lower()


@cache
def _latin_word(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z]){re.escape(word)}(?![a-z])")


def _has_word(text: str, word: str) -> bool:
    # Latin keywords ("ai", "mes") must stand alone, not sit inside "email" or "times".
    if word.isascii() and word.replace("-", "").isalnum():
        return _latin_word(word).search(text) is not None
    return word in text


def tags_of(description: str) -> frozenset[Tag]:
    """The AI and 5G tags a description earns."""
    text = _text(description)
    return frozenset(
        tag for tag, words in TAG_RULES.items() if any(_has_word(text, w) for w in words)
    )


def classify_by_rules(description: str) -> Classification | None:
    """The field whose keywords weigh most, or None when no keyword occurs."""
    text = _text(description)
    scores: dict[Field, int] = {}
    hits: dict[Field, list[str]] = {}
    for fld, words in RULES.items():
        for word, weight in words.items():
            if _has_word(text, word):
                scores[fld] = scores.get(fld, 0) + weight
                hits.setdefault(fld, []).append(word)
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], list(Field).index(kv[0])))
    best, score = ranked[0]
    total = sum(scores.values())
    reasons = tuple(f"keyword {w!r} → {best.label_zh}" for w in hits[best])
    return Classification(
        best, tags_of(description), Method.RULES, round(score / total, 3), reasons
    )


@cache
def _examples() -> tuple[list[str], list[str]]:
    text = (
        resources.files("chanrong.market")
        .joinpath("data", "taxonomy_examples.csv")
        .read_text(encoding="utf-8")
    )
    rows = list(csv.DictReader(text.splitlines()))
    return [r["description"] for r in rows], [r["field"] for r in rows]


@cache
def _model() -> Any:
    """A TF-IDF character n-gram logistic regression, fitted on the shipped examples."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts, labels = _examples()
    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), preprocessor=_text),
        LogisticRegression(max_iter=2000, C=10.0),
    )
    model.fit(texts, labels)
    return model


def classify_by_model(description: str) -> Classification:
    """The shipped-example model's most probable field, with its probability."""
    model = _model()
    probs = model.predict_proba([description])[0]
    classes = list(model.classes_)
    best = max(range(len(classes)), key=lambda i: probs[i])
    fld = Field(classes[best])
    reason = f"model trained on {len(_examples()[0])} labelled examples → {fld.label_zh}"
    return Classification(
        fld, tags_of(description), Method.MODEL, round(float(probs[best]), 3), (reason,)
    )


@lru_cache(maxsize=4096)
def classify(description: str) -> Classification:
    """Rules when a keyword fires, else the local model (answers are cached: imports repeat
    descriptions)."""
    if not description.strip():
        raise ValueError("the business description is empty")
    return classify_by_rules(description) or classify_by_model(description)


def parse_field(raw: str) -> Field:
    """A field by its key or Chinese label."""
    text = raw.strip()
    for fld in Field:
        if text in (fld.value, fld.label_zh):
            return fld
    allowed = ", ".join(f"{f.value} ({f.label_zh})" for f in Field)
    raise ValueError(f"{raw!r} is not a field; expected one of {allowed}")


def parse_tags(raw: str) -> frozenset[Tag]:
    """Tags written as "ai,5g" (or 人工智能 / 5G)."""
    tags = set()
    for part in re.split(r"[,;，；/\s]+", raw.strip()):
        if not part:
            continue
        key = part.lower()
        if key in ("ai", "人工智能"):
            tags.add(Tag.AI)
        elif key == "5g":
            tags.add(Tag.FIVE_G)
        else:
            raise ValueError(f"{part!r} is not a tag (ai, 5g)")
    return frozenset(tags)
