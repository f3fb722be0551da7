"""Parsing names, companies, phone numbers and places typed into the forms."""

from __future__ import annotations

import pytest

from actions.parsing import mask_phone, parse_company, parse_name, parse_phone, parse_place


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13812345678", "13812345678"),
        ("我的手机是 138 1234 5678", "13812345678"),
        ("+86 139-1234-5678", "13912345678"),
        ("021-65432100", "021-65432100"),
        ("座机（021）55667788", "021-55667788"),
        ("0512-6543210", "0512-6543210"),
        ("６５４３２１００", "65432100"),  # full-width digits, Shanghai local number
        ("12345", None),
        ("1381234567", None),
        ("23812345678", None),
        ("不告诉你", None),
    ],
)
def test_parse_phone(text: str, expected: str | None) -> None:
    assert parse_phone(text) == expected


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("021-65432100") == "021-****2100"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我叫张伟", "张伟"),
        ("张先生", "张先生"),
        ("叫我李经理。", "李经理"),
        ("13812345678", None),
        ("你们会怎么用我的信息？", None),
        ("", None),
    ],
)
def test_parse_name(text: str, expected: str | None) -> None:
    assert parse_name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我们公司是上海某某科技有限公司", "上海某某科技有限公司"),
        ("复旦某某生物医药公司", "复旦某某生物医药公司"),
        ("A", None),
        ("123456", None),
        ("公司是什么意思？", None),
    ],
)
def test_parse_company(text: str, expected: str | None) -> None:
    assert parse_company(text) == expected


def test_parse_place() -> None:
    assert parse_place("我们公司在浦东张江附近") == "浦东张江"
    assert parse_place("在") is None
