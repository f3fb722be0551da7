"""Fixtures for action tests: trackers built from dicts, a fake searcher, a small station directory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import resources
from retrieval.errors import RetrievalError
from retrieval.hits import Hit, SearchResult, Source
from retrieval.knowledge import STATION_TYPES_FILE, KnowledgeBase, load_station_types
from retrieval.schema import Locations, Park, Station, StationType, StationTypeSpec, Status, Street

ROOT = Path(__file__).resolve().parents[2]
T = StationType
KINDS: list[StationTypeSpec] = load_station_types(ROOT / "knowledge" / STATION_TYPES_FILE)
LABELLED = {k.code: k.type for k in KINDS}


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """The real domain, as the action server receives it."""
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return loaded


def make_tracker(
    text: str = "",
    intent: str = "",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    """A tracker whose latest message is `text`, classified as `intent`."""
    return Tracker.from_dict(
        {
            "sender_id": "test-user",
            "slots": dict(slots or {}),
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 0.9},
                "entities": list(entities or []),
            },
            "events": list(events or []),
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": "action_listen",
        }
    )


def hit(
    body: str,
    *,
    kind: str = "document",
    title: str = "上海市杨浦区关于国家知识产权强市建设试点城区工作方案（2024-2026年）",
    section: str = "四、（二）6.",
    number: str = "杨府发〔2024〕4号",
    date: str = "2024-03-15",
    status: Status = Status.current,
    demo: bool = False,
    score: float = 0.9,
) -> Hit:
    """A search hit with a real `Hit` value."""
    source = Source(title=title, number=number, date=date, url="", status=status, demo=demo)
    return Hit(
        chunk_id=f"{kind}:x#000",
        doc_id="x",
        kind=kind,  # type: ignore[arg-type]
        title=title,
        section=section,
        text=f"{title}\n{body}",
        body=body,
        score=score,
        source=source,
    )


@dataclass
class FakeSearcher:
    """Returns a fixed result and records the questions it was asked."""

    result: SearchResult
    queries: list[str] = field(default_factory=list)
    error: RetrievalError | None = None

    def correct(self, text: str) -> str:
        return text.replace("版全", "版权")  # the real speller's kind of fix, for one known typo

    def search(self, query: str, k: int = 5) -> SearchResult:
        self.queries.append(query)
        if self.error:
            raise self.error
        return self.result


def station(
    ident: str,
    type_: StationType,
    *,
    streets: tuple[str, ...] = (),
    parks: tuple[str, ...] = (),
    whole: bool = False,
    phone: str = "",
    address: str = "",
    demo: bool = False,
    services: tuple[str, ...] = (),
) -> Station:
    return Station(
        id=ident,
        name=f"站点{ident}",
        type=LABELLED.get(type_, type_),
        services=list(services),
        address=address,
        phone=phone,
        streets=list(streets),
        parks=list(parks),
        whole_district=whole,
        demo=demo,
    )


def build_directory(root: Path) -> KnowledgeBase:
    """A small directory with every station type, built in the test (no knowledge/ files)."""
    stations = [
        station("centre", T.service_center, whole=True, services=("政策咨询（含资助、质押融资）",)),
        station("hotline", T.service_center, whole=True, phone="12345"),
        station("tm-changyang", T.trademark_station, parks=("长阳创谷",), streets=("平凉路街道",), demo=True),
        station("tm-wujiaochang", T.trademark_station, parks=("大创智",), streets=("五角场街道",), demo=True),
        station("tm-yinhang", T.trademark_station, streets=("殷行街道",), demo=True),
        station("cr-changyang", T.copyright_station, parks=("长阳创谷",), demo=True),
        station("cr-wujiaochang", T.copyright_station, streets=("五角场街道",), demo=True),
        station("protect", T.protection_center, whole=True, phone="12330", services=("维权援助",)),
        station(
            "regulator-yp", T.regulator, whole=True, services=("侵权行为查处与维权",), address="长阳路1687号"
        ),
        station("regulator-city", T.regulator, whole=True, phone="021-23110888", services=("专项资金咨询",)),
        station("mediation", T.mediation, whole=True, services=("知识产权纠纷调解",)),
        station("court", T.court, whole=True, services=("知识产权案件审判",)),
        station("east", T.tech_transfer, whole=True, phone="021-35363288", address="国权北路1688弄"),
        station("exchange", T.tech_transfer, whole=True, services=("估值（技知融质押贷款参考）",)),
        station("overseas", T.overseas, whole=True, services=("海外纠纷应对指导",)),
    ]
    locations = Locations(
        streets=[
            Street(name="五角场街道", code="310110019", aliases=["五角场"]),
            Street(name="殷行街道", code="310110016", aliases=["殷行"]),
            Street(name="平凉路街道", code="310110006", aliases=["平凉路", "平凉"]),
        ],
        parks=[
            Park(name="长阳创谷", aliases=["长阳"]),
            Park(name="大创智", aliases=["创智天地"]),
        ],
    )
    return KnowledgeBase(
        root=root, documents=[], rules=[], stations=stations, locations=locations, faq=[], station_types=KINDS
    )


@pytest.fixture
def directory(tmp_path: Path) -> KnowledgeBase:
    return build_directory(tmp_path)


@pytest.fixture
def use_directory(monkeypatch: pytest.MonkeyPatch, directory: KnowledgeBase) -> KnowledgeBase:
    monkeypatch.setattr(resources, "get_knowledge", lambda: directory)
    return directory


@pytest.fixture(autouse=True)
def no_answer_searcher(monkeypatch: pytest.MonkeyPatch) -> None:
    """Actions search every message: by default they find nothing (tests install their own)."""
    fake = FakeSearcher(SearchResult(hits=[], answerable=False))
    monkeypatch.setattr(resources, "get_searcher", lambda: fake)


@pytest.fixture
def use_searcher(monkeypatch: pytest.MonkeyPatch) -> Callable[..., FakeSearcher]:
    """Install a fake searcher: use_searcher(hits, answerable=True, certain=True) or (error=...)."""

    def install(
        hits: list[Hit] | None = None,
        answerable: bool = True,
        error: RetrievalError | None = None,
        certain: bool = True,
    ) -> FakeSearcher:
        result = SearchResult(hits=hits or [], answerable=answerable, certain=answerable and certain)
        fake = FakeSearcher(result, error=error)
        monkeypatch.setattr(resources, "get_searcher", lambda: fake)
        return fake

    return install


@pytest.fixture
def anyio_backend() -> str:
    """Async action tests run on asyncio (anyio's pytest plugin)."""
    return "asyncio"


def shown(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    """The actions' messages as the chat API shows them: each rendered by the gateway (service.chat),
    its parts (text, body, sources, stations, tier) flat, with the turn's fallback flag; a template
    response keeps its name."""
    from service.chat import convert

    out: list[dict[str, Any]] = []
    for message in dispatcher.messages:
        rest = [{"text": message.get("text"), "buttons": message.get("buttons")}]
        if message.get("custom"):
            rest.append({"custom": message["custom"]})
        response = convert("t", rest).response
        reply = response.replies[0].model_dump() if response.replies else {}
        out.append({**reply, "fallback": response.fallback, "response": message.get("response")})
    return out
