"""Named FastAPI dependencies; tests override them through app.dependency_overrides."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.rasa_client import RasaClient
from service.settings import Settings, get_settings
from service.store import Store


def get_rasa(request: Request) -> RasaClient:
    rasa: RasaClient = request.app.state.rasa
    return rasa


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


SettingsDep = Annotated[Settings, Depends(get_settings)]
RasaDep = Annotated[RasaClient, Depends(get_rasa)]
StoreDep = Annotated[Store, Depends(get_store)]
