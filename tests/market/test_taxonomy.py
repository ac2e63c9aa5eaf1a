"""The sector taxonomy classifier: rules, the local model, tags."""

from __future__ import annotations

import pytest

from chanrong.market.taxonomy import (
    Field,
    Method,
    Tag,
    classify,
    classify_by_model,
    classify_by_rules,
    parse_field,
    parse_tags,
)


@pytest.mark.parametrize(
    ("description", "field"),
    [
        ("工业防火墙与工控安全态势感知", Field.SECURITY),
        ("网络安全产品与服务", Field.SECURITY),
        ("工业机器人系统集成", Field.INTELLIGENT_EQUIPMENT),
        ("金属3D打印设备", Field.INTELLIGENT_EQUIPMENT),
        ("面向制造业的MES与工业软件", Field.PLATFORM_SOFTWARE),
        ("工业互联网标识解析二级节点运营", Field.NETWORK_IDENTIFIER),
        ("PLC与伺服驱动", Field.AUTOMATION_EDGE),
        ("检测认证与咨询服务", Field.RELATED_SERVICES),
    ],
)
def test_keyword_rules_pick_the_field(description: str, field: Field) -> None:
    result = classify(description)
    assert result.field is field
    assert result.method is Method.RULES
    assert result.reasons and all("keyword" in r for r in result.reasons)


def test_without_a_keyword_the_local_model_decides() -> None:
    description = "锂离子电池后处理系统"
    assert classify_by_rules(description) is None
    result = classify(description)
    assert result.method is Method.MODEL
    assert result.field in set(Field)
    assert 0.0 < result.confidence <= 1.0
    # The model is fitted on the shipped examples, so it knows them.
    assert classify_by_model("工业以太网交换机和工业路由器").field is Field.NETWORK_IDENTIFIER


def test_tags_mark_ai_and_5g_without_matching_inside_words() -> None:
    assert classify("基于5G专网的工业视觉质检").tags == frozenset({Tag.FIVE_G})
    assert Tag.AI in classify("人工智能驱动的MES").tags
    assert Tag.AI in classify("AI 质检平台软件").tags
    assert Tag.AI not in classify("email 营销 SaaS 软件").tags


def test_fields_and_tags_parse_from_keys_and_chinese() -> None:
    assert parse_field("security") is Field.SECURITY
    assert parse_field("工业智能装备") is Field.INTELLIGENT_EQUIPMENT
    with pytest.raises(ValueError, match="not a field"):
        parse_field("农业")
    assert parse_tags("AI, 5G") == frozenset({Tag.AI, Tag.FIVE_G})
    with pytest.raises(ValueError, match="not a tag"):
        parse_tags("ai,iot")


def test_an_empty_description_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        classify("   ")
