"""Personal data (phone numbers, names) never reaches the logs, whatever handler formats them."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from service.middleware import install_log_redaction
from service.redaction import redact
from service.schemas import Referral


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("用户留下电话13812345678请回电", "用户留下电话***请回电"),
        ("mobile +86 138-1234-5678.", "mobile ***."),
        ("座机 021-65123456 转 8", "座机 *** 转 8"),
        ("座机02165123456", "座机***"),
        ("姓名：张三，公司：某某科技", "姓名：***，公司：某某科技"),
        ("name='李四' company='甲公司' phone='13900001111'", "name='***' company='甲公司' phone='***'"),
        ('{"name": "王五", "phone": "021-55550000"}', '{"name": "***", "phone": "***"}'),
        ("联系人=赵六;", "联系人=***;"),
    ],
)
def test_phone_numbers_and_named_fields_are_masked(raw: str, expected: str) -> None:
    assert redact(raw) == expected


@pytest.mark.parametrize(
    "harmless",
    [
        "MsgId 23456789012345678901 answered in 0.25 s",
        "timestamp 1700000000 nonce n12345",
        "2024-05-01 上海市杨浦区 12345市民服务热线",
        "station_name=五角场 username=admin",
        "port 127.0.0.1:5432, 3 workers",
    ],
)
def test_ids_times_and_other_numbers_are_left_alone(harmless: str) -> None:
    assert redact(harmless) == harmless


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    install_log_redaction()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # added after install: redaction must not depend on handlers
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("tests.security.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)


def test_records_arguments_and_tracebacks_are_redacted(captured: io.StringIO) -> None:
    log = logging.getLogger("tests.security.redaction")
    referral = Referral(name="张三", company="甲公司", phone="13812345678")
    log.info("referral stored: %s", referral)
    log.warning("callback %s failed after %d tries", "021-65123456", 3)
    try:
        raise ValueError("bad phone 13912345678 for 姓名：李四")
    except ValueError:
        log.exception("could not save")
    output = captured.getvalue()
    for secret in ("张三", "13812345678", "021-65123456", "13912345678", "李四"):
        assert secret not in output
    assert "after 3 tries" in output and "甲公司" in output
    assert "ValueError: bad phone *** for 姓名：***" in output


def test_uvicorn_style_access_records_keep_their_argument_tuple(captured: io.StringIO) -> None:
    log = logging.getLogger("tests.security.redaction")
    log.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/healthz?tel=13812345678", "1.1", 200)
    assert captured.getvalue().strip() == 'INFO 127.0.0.1:5000 - "GET /healthz?tel=*** HTTP/1.1" 200'
