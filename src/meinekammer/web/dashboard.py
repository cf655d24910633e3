"""The start page's "Funktionen" area: apps contribute the tiles of what a user can do.

A provider is a function taking the request and returning tiles; it shows only what works for
that user right now.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class Tile:
    title: str
    description: str
    url: str
    icon: str = "arrow-forward"


TileProvider = Callable[[HttpRequest], list[Tile]]
_providers: list[TileProvider] = []


def register_function_tiles(provider: TileProvider) -> TileProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def list_function_tiles(request: HttpRequest) -> list[Tile]:
    return [tile for provider in _providers for tile in provider(request)]
