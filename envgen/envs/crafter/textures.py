"""Procedurally drawn tile and sprite textures (no asset downloads), cached per tile size."""

from __future__ import annotations

import functools

import numpy as np

from envgen.envs.crafter.constants import MATERIALS

SPRITES = ("zombie", "cow", "skeleton", "arrow", "player_left", "player_right", "player_up", "player_down",
           "player_sleep")
SPRITE_ID = {name: i for i, name in enumerate(SPRITES)}

_BASE = {
    "out_of_bounds": (0, 0, 0), "water": (52, 98, 200), "grass": (96, 168, 66), "stone": (128, 128, 132),
    "path": (190, 168, 128), "sand": (222, 206, 150), "tree": (96, 168, 66), "lava": (226, 92, 24),
    "coal": (128, 128, 132), "iron": (128, 128, 132), "diamond": (128, 128, 132), "table": (150, 98, 46),
    "furnace": (84, 84, 88), "sapling": (96, 168, 66), "ripe_plant": (96, 168, 66),
}
_SPECK = {
    "water": (110, 150, 235), "grass": (76, 146, 52), "stone": (104, 104, 110), "path": (170, 148, 110),
    "sand": (200, 184, 130), "lava": (255, 200, 60), "coal": (20, 20, 20), "iron": (214, 160, 120),
    "diamond": (220, 250, 255),
}
_DIGITS = {  # 3x5 pixel font
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111", "3": "111001111001111",
    "4": "101101111001001", "5": "111100111001111", "6": "111100111101111", "7": "111001001001001",
    "8": "111101111101111", "9": "111101111001111",
}


def _disc(p: int, cx: float, cy: float, r: float) -> np.ndarray:
    yy, xx = np.mgrid[0:p, 0:p] + 0.5
    return (xx - cx * p) ** 2 + (yy - cy * p) ** 2 <= (r * p) ** 2


def _rect(p: int, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    yy, xx = np.mgrid[0:p, 0:p] + 0.5
    return (xx >= x0 * p) & (xx < x1 * p) & (yy >= y0 * p) & (yy < y1 * p)


@functools.lru_cache(maxsize=8)
def material_atlas(p: int) -> np.ndarray:
    """(num_materials, p, p, 3) uint8 textures, row = y."""
    rng = np.random.default_rng(7)
    atlas = np.zeros((len(MATERIALS), p, p, 3), np.uint8)
    for i, name in enumerate(MATERIALS):
        tex = np.empty((p, p, 3), np.uint8)
        tex[:] = _BASE[name]
        if name in _SPECK:
            specks = rng.random((p, p)) < (0.28 if name in ("coal", "iron", "diamond") else 0.15)
            tex[specks] = _SPECK[name]
        if name == "tree":
            tex[_disc(p, 0.5, 0.4, 0.38)] = (34, 100, 34)
            tex[_rect(p, 0.42, 0.7, 0.58, 1.0)] = (110, 70, 30)
        elif name == "table":
            tex[_rect(p, 0.0, 0.15, 1.0, 0.45)] = (186, 128, 62)
            tex[_rect(p, 0.1, 0.45, 0.25, 1.0)] = (96, 60, 24)
            tex[_rect(p, 0.75, 0.45, 0.9, 1.0)] = (96, 60, 24)
        elif name == "furnace":
            tex[_rect(p, 0.25, 0.45, 0.75, 0.9)] = (255, 140, 30)
        elif name in ("sapling", "ripe_plant"):
            tex[_rect(p, 0.45, 0.35, 0.58, 0.95)] = (40, 120, 30)
            tex[_disc(p, 0.5, 0.35, 0.22)] = (60, 200, 60)
            if name == "ripe_plant":
                tex[_disc(p, 0.35, 0.3, 0.12)] = (220, 40, 40)
                tex[_disc(p, 0.65, 0.4, 0.12)] = (220, 40, 40)
        atlas[i] = tex
    return atlas


@functools.lru_cache(maxsize=8)
def sprite_atlas(p: int) -> tuple[np.ndarray, np.ndarray]:
    """(num_sprites, p, p, 3) colours and (num_sprites, p, p) opacity masks."""
    rgb = np.zeros((len(SPRITES), p, p, 3), np.uint8)
    mask = np.zeros((len(SPRITES), p, p), bool)

    def draw(name, shape, colour):
        k = SPRITE_ID[name]
        rgb[k][shape] = colour
        mask[k] |= shape

    for name, body, head in (("zombie", (40, 120, 60), (90, 200, 90)), ("skeleton", (200, 200, 200),
                                                                           (240, 240, 240))):
        draw(name, _rect(p, 0.3, 0.4, 0.7, 0.95), body)
        draw(name, _disc(p, 0.5, 0.28, 0.2), head)
        draw(name, _rect(p, 0.38, 0.22, 0.46, 0.3) | _rect(p, 0.56, 0.22, 0.64, 0.3), (200, 20, 20))
    draw("cow", _rect(p, 0.1, 0.3, 0.9, 0.75), (120, 80, 50))
    draw("cow", _rect(p, 0.3, 0.35, 0.55, 0.55), (240, 240, 240))
    draw("cow", _rect(p, 0.15, 0.75, 0.3, 1.0) | _rect(p, 0.7, 0.75, 0.85, 1.0), (80, 50, 30))
    draw("arrow", _rect(p, 0.15, 0.45, 0.85, 0.58), (90, 60, 30))
    draw("arrow", _rect(p, 0.7, 0.35, 0.9, 0.68), (180, 180, 190))
    for name, eye in (("player_left", (0.28, 0.3)), ("player_right", (0.72, 0.3)), ("player_up", None),
                      ("player_down", (0.5, 0.32)), ("player_sleep", None)):
        shirt = (60, 90, 200) if name != "player_sleep" else (40, 50, 110)
        draw(name, _rect(p, 0.28, 0.45, 0.72, 1.0), shirt)
        draw(name, _disc(p, 0.5, 0.3, 0.22), (240, 200, 160) if name != "player_sleep" else (150, 120, 100))
        if eye is not None:
            draw(name, _disc(p, eye[0], eye[1], 0.08), (20, 20, 20))
        if name == "player_up":
            draw(name, _rect(p, 0.3, 0.1, 0.7, 0.3), (90, 60, 30))  # hair seen from behind
    return rgb, mask


def digit_mask(p: int, digit: int) -> np.ndarray:
    """A p x p mask with the digit drawn in the lower-right corner (for inventory counts)."""
    out = np.zeros((p, p), bool)
    glyph = np.array([c == "1" for c in _DIGITS[str(digit)]]).reshape(5, 3)
    scale = max(1, p // 10)
    glyph = np.repeat(np.repeat(glyph, scale, 0), scale, 1)
    glyph = glyph[-p:, -p:]  # tiny tiles show the lower-right part of the digit
    h, w = glyph.shape
    out[p - h:, p - w:] = glyph
    return out


ITEM_COLOURS = {
    "health": (220, 40, 40), "food": (200, 120, 50), "drink": (60, 120, 230), "energy": (240, 220, 60),
    "sapling": (60, 180, 60), "wood": (140, 90, 40), "stone": (130, 130, 135), "coal": (30, 30, 30),
    "iron": (210, 160, 120), "diamond": (200, 245, 255), "wood_pickaxe": (160, 110, 60),
    "stone_pickaxe": (150, 150, 155), "iron_pickaxe": (220, 180, 150), "wood_sword": (160, 110, 60),
    "stone_sword": (150, 150, 155), "iron_sword": (220, 180, 150),
}


@functools.lru_cache(maxsize=8)
def item_atlas(p: int) -> np.ndarray:
    """(16 items, 10 counts, p, p, 3): an icon per inventory entry with its count (0 = empty slot)."""
    names = list(ITEM_COLOURS)
    atlas = np.zeros((len(names), 10, p, p, 3), np.uint8)
    for i, name in enumerate(names):
        icon = np.zeros((p, p, 3), np.uint8)
        tool = name.endswith(("pickaxe", "sword"))
        shape = (_rect(p, 0.15, 0.15, 0.3, 0.75) | _rect(p, 0.15, 0.15, 0.6, 0.3)) if tool else \
            _disc(p, 0.35, 0.35, 0.25)
        icon[shape] = ITEM_COLOURS[name]
        for count in range(1, 10):
            tex = icon.copy()
            tex[digit_mask(p, count)] = (255, 255, 255)
            atlas[i, count] = tex
    return atlas
