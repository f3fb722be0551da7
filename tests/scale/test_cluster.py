"""Two Rasa servers, two action servers and two gateways on PostgreSQL + Redis: no turn lost,
duplicated or out of order; a WeChat message retried at different gateways is answered once."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import xmltodict
from sqlalchemy import create_engine, text

from bench.load.cluster import Cluster, replica_settings, running_cluster
from service.wechat.signature import sign
from tests.e2e.conftest import RASA_BIN, RASA_MODEL
from tests.scale.conftest import REDIS_URL, PgDatabase

pytestmark = pytest.mark.scale

TOKEN = "scale-cluster-token"
QUESTIONS = [
    "你好",
    "专利资助怎么申请？",
    "知识产权质押贷款有贴息吗？",
    "我们在五角场，想注册商标",
    "商标被人抢注了怎么办？",
    "有没有专利保险？",
]
CONVERSATIONS = 8
TURNS = 4
BURSTS = 6


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, pg_database_module: PgDatabase, redis_prefix_module: str
) -> Iterator[Cluster]:
    for needed in (RASA_BIN, RASA_MODEL):
        if not needed.exists():
            pytest.fail(f"{needed} is missing: run `make test`, which builds it first")
    var_dir = tmp_path_factory.mktemp("cluster")
    replicas = replica_settings(
        2,
        var_dir,
        scale_out=True,
        redis_url=REDIS_URL,
        redis_prefix=redis_prefix_module,
        pg_host=pg_database_module.host,
        pg_port=pg_database_module.port,
        pg_user=pg_database_module.user,
        pg_db=pg_database_module.name,
        database_url=pg_database_module.url,
        wechat_token=TOKEN,
        rasa_timeout_s=60.0,
        wechat_reply_deadline_s=30.0,  # a busy CI machine: the retry test needs the passive answer
        rate_ip_per_s=0,
    )
    with running_cluster(replicas, RASA_BIN, RASA_MODEL, var_dir / "logs", timeout_s=300) as running:
        with ThreadPoolExecutor(2) as pool:  # the first retrieval question loads the embedding model
            list(
                pool.map(
                    lambda url: chat(url, f"warm-{uuid.uuid4().hex[:6]}", QUESTIONS[1]), running.gateway_urls
                )
            )
        yield running


def chat(gateway: str, sender: str, message: str) -> dict[str, Any]:
    response = httpx.post(f"{gateway}/api/chat", json={"sender_id": sender, "message": message}, timeout=90)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def reply_texts(body: dict[str, Any]) -> list[str]:
    """The words of each reply as the tracker holds them: the gateway adds station lines and the
    citation line to `text`, so the reply's lead and body are compared."""
    return [
        "\n".join(p for p in (r["lead"], r["body"]) if p) for r in body["replies"] if r["lead"] or r["body"]
    ]


def same_turn(tracked: list[str], answered: list[str]) -> bool:
    """Each reply's words begin the tracker's text of the same message, in order."""
    return len(tracked) == len(answered) and all(
        t.startswith(a) for t, a in zip(tracked, answered, strict=True)
    )


def tracker_turns(rasa_url: str, sender: str, channel: str = "web") -> list[tuple[str, list[str]]]:
    """(user text, bot texts that followed it) in tracker order; Rasa knows senders as channel:id."""
    events = httpx.get(f"{rasa_url}/conversations/{channel}:{sender}/tracker", timeout=30).json()["events"]
    turns: list[tuple[str, list[str]]] = []
    for event in events:
        if event["event"] == "user":
            turns.append((event["text"], []))
        elif event["event"] == "bot" and event.get("text") and turns:
            turns[-1][1].append(event["text"])
    return turns


def test_random_gateways_lose_duplicate_and_reorder_no_turn(
    cluster: Cluster, pg_database_module: PgDatabase
) -> None:
    run = uuid.uuid4().hex[:8]
    rng = random.Random(run)
    plans = {f"scale-{run}-{n}": rng.sample(QUESTIONS, TURNS) for n in range(CONVERSATIONS)}

    def converse(sender: str) -> list[list[str]]:
        return [reply_texts(chat(rng.choice(cluster.gateway_urls), sender, q)) for q in plans[sender]]

    with ThreadPoolExecutor(CONVERSATIONS) as pool:
        answers = dict(zip(plans, pool.map(converse, plans), strict=True))

    for sender, questions in plans.items():
        turns = tracker_turns(rng.choice(cluster.rasa_urls), sender)
        assert [user for user, _ in turns] == questions, f"{sender}: turns lost, duplicated or reordered"
        for (user, bot), answered in zip(turns, answers[sender], strict=True):
            assert same_turn(bot, answered), (
                f"{sender}: the reply to {user!r} is not the one the tracker holds"
            )
    engine = create_engine(pg_database_module.url)
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT sender_id, message FROM turns WHERE sender_id LIKE :run ORDER BY id"),
            {"run": f"web:scale-{run}-%"},
        ).all()
    engine.dispose()
    for sender, questions in plans.items():
        assert [message for who, message in stored if who == f"web:{sender}"] == questions


def test_simultaneous_turns_of_one_conversation_are_serialised(cluster: Cluster) -> None:
    messages = [QUESTIONS[1], QUESTIONS[2]]
    for burst in range(BURSTS):  # one burst passed by luck before the lock store was atomic
        sender = f"scale-burst-{burst}-{uuid.uuid4().hex[:8]}"
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(chat, cluster.gateway_urls, [sender] * 2, messages))
        turns = dict(tracker_turns(cluster.rasa_urls[1], sender))
        assert sorted(turns) == sorted(messages)  # both kept once, whichever Rasa took the lock first
        for message, body in zip(messages, answers, strict=True):
            assert same_turn(
                turns[message], reply_texts(body)
            )  # each answer is whole, not interleaved with the other


def wechat_post(gateway: str, msg_id: int, openid: str, content: str) -> httpx.Response:
    timestamp, nonce = str(int(time.time())), f"n{msg_id}"
    xml = (
        f"<xml><ToUserName><![CDATA[gh_ipgp]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )
    params = {
        "signature": sign(TOKEN, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "openid": openid,
    }
    return httpx.post(f"{gateway}/wechat", params=params, content=xml.encode(), timeout=60)


def test_a_wechat_message_retried_at_other_gateways_is_answered_once(cluster: Cluster) -> None:
    openid = f"oScale{uuid.uuid4().hex[:10]}"
    msg_id = random.randrange(10**15, 10**16)
    targets = [cluster.gateway_urls[n % 2] for n in range(4)]  # first attempt and retries, alternating
    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(lambda url: wechat_post(url, msg_id, openid, QUESTIONS[2]), targets))
    assert all(response.status_code == 200 for response in responses)
    contents = {xmltodict.parse(response.text)["xml"]["Content"] for response in responses}
    assert len(contents) == 1, "retries got different answers"
    turns = tracker_turns(cluster.rasa_urls[0], openid, channel="wechat")
    assert [user for user, _ in turns] == [QUESTIONS[2]], "the message reached Rasa more than once"
