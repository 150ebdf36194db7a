"""A non-executable snapshot of plain objects: JSON for structure, NumPy .npy for arrays.

Replaces pickle for the catalogue cache: loading a snapshot can only build the types below and
instances of the project's own classes (modules under `bot.`), by `object.__new__` plus attribute
assignment — never `__init__`, `__reduce__`, `__setstate__`, or an import outside `bot.`, and
arrays are read with `allow_pickle=False`. A planted file can at worst fail to load.

Encoded: None, bool, int, float, str, list, tuple, dict, set, frozenset, NumPy arrays and
scalars, and objects of `bot.*` classes (dataclasses, plain classes, `__slots__`).
Anything else raises `Unsupported` at save time, so the caller falls back to rebuilding.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import importlib
import io
import json
import os
import struct
import sys
from collections.abc import Iterator
from dataclasses import MISSING
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

MAGIC = b"TTHCSNAP4\n"
TUPLE = "\x01tuple"
ALLOWED_MODULE_PREFIX = "bot."


class Unsupported(TypeError):
    """A value the snapshot format cannot hold."""


class _Encoder:
    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self.memo: dict[
            int, int
        ] = {}  # id(obj) -> index in `objects` (shared references stay shared)
        self.defaults: dict[type, dict[str, Any]] = {}
        self.keep: list[Any] = []  # keeps encoded objects alive so their ids stay unique
        self.objects: list[Any] = []
        # (class, attribute names, those left out as equal to their field's default) -> index
        self.classes: dict[tuple[str, tuple[str, ...], tuple[str, ...]], int] = {}
        # each distinct text stored once; JSON holds its index. Index 0 marks a list as a tuple.
        self.strings: dict[str, int] = {TUPLE: 0}

    def text(self, v: str) -> int:
        if "\x00" in v or v == TUPLE:
            raise Unsupported("NUL in text")
        return self.strings.setdefault(v, len(self.strings))

    def enc(self, v: Any) -> Any:
        if type(v) is str:
            return self.text(v)
        if v is None or isinstance(v, bool):
            return v
        if isinstance(v, int):
            return {"i": v} if -(2**53) < v < 2**53 else {"I": str(v)}
        if isinstance(v, str):
            return self.text(str(v))
        if isinstance(v, float):
            return v if v == v and v not in (float("inf"), float("-inf")) else {"f": repr(v)}
        if isinstance(v, np.ndarray):
            if v.dtype == object:
                raise Unsupported("object arrays")
            self.arrays.append(v)
            return {"A": len(self.arrays) - 1}
        if isinstance(v, np.generic):
            return self.enc(v.item())
        if type(v) is list:
            return [self.enc(x) for x in v]
        if type(v) is tuple:
            return [0, *(self.enc(x) for x in v)]
        if type(v) in (set, frozenset):
            return {"S" if type(v) is set else "F": [self.enc(x) for x in v]}
        if type(v) is dict:
            if not v:
                return {}  # the JSON parser makes a new one each time
            if all(type(k) is str for k in v):
                keys = [self.text(k) for k in v]
                if all(type(x) is int and -(2**53) < x < 2**53 for x in v.values()):
                    return {"K": [keys, list(v.values())]}
                return {"D": [keys, [self.enc(x) for x in v.values()]]}
            return {"M": [[self.enc(k), self.enc(x)] for k, x in v.items()]}
        return self.obj(v)

    def obj(self, v: Any) -> Any:
        cls = type(v)
        if not cls.__module__.startswith(ALLOWED_MODULE_PREFIX):
            raise Unsupported(f"{cls.__module__}.{cls.__qualname__}")
        if id(v) in self.memo:
            return -1 - self.memo[id(v)]
        index = len(self.objects)
        self.memo[id(v)] = index
        self.keep.append(v)
        self.objects.append(None)
        names = tuple(_attributes(v))
        if cls not in self.defaults:
            self.defaults[cls] = _defaults(cls)
        defaults = self.defaults[cls]
        omitted = tuple(n for n in names if _is_default(getattr(v, n), defaults.get(n, _MISSING)))
        key = (f"{cls.__module__}:{cls.__qualname__}", names, omitted)
        klass = self.classes.setdefault(key, len(self.classes))
        values = [self.enc(getattr(v, n)) for n in names if n not in omitted]
        spec: list[Any] = [klass, values]
        if isinstance(v, (dict, list)):  # a bot.* subclass of a container (LineDict, …)
            spec.append(self.enc(dict(v) if isinstance(v, dict) else list(v)))
        self.objects[index] = spec
        return -1 - index


def _attributes(v: Any) -> list[str]:
    names = list(getattr(v, "__dict__", {}))
    for klass in type(v).__mro__:
        slots = klass.__dict__.get("__slots__", ())
        names += [
            s
            for s in ((slots,) if isinstance(slots, str) else slots)
            if s not in ("__dict__", "__weakref__")
        ]
    return [n for n in dict.fromkeys(names) if hasattr(v, n)]


_MISSING = object()


def _defaults(cls: type) -> dict[str, Any]:
    """A plain dataclass's field defaults (dataclasses refuse mutable ones): values equal to them
    are left out of the snapshot (about half of the catalogue's) and restored from here."""
    if not (dataclasses.is_dataclass(cls) and _plain(cls)):
        return {}
    return {f.name: f.default for f in dataclasses.fields(cls) if f.default is not MISSING}


def _is_default(value: Any, default: Any) -> bool:
    return type(value) is type(default) and value == default


def _class(path: str) -> type:
    module, _, qualname = path.partition(":")
    if not module.startswith(ALLOWED_MODULE_PREFIX):
        raise ValueError(f"class outside {ALLOWED_MODULE_PREFIX}: {path}")
    obj: Any = sys.modules.get(module) or importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    if not isinstance(obj, type) or not obj.__module__.startswith(ALLOWED_MODULE_PREFIX):
        raise ValueError(f"not a class of this project: {path}")
    return obj


_ATOMS = frozenset({type(None), bool, float})  # JSON values that decode to themselves


class _Decoder:
    """Every object is made first (empty), then filled from the last to the first: the encoder
    numbers an object before its attributes, so each is filled after the objects it holds (a
    set or a dict key hashes complete objects) and a reference is a list lookup."""

    def __init__(
        self, strings: list[str], classes: list[Any], objects: list[Any], arrays: list[np.ndarray]
    ) -> None:
        self.strings, self.arrays = strings, arrays
        kinds = [
            _Class(_class(strings[p]), [strings[n] for n in names], {strings[n] for n in omitted})
            for p, names, omitted in classes
        ]
        self.built = [kinds[spec[0]].new() for spec in objects]
        for index in range(len(objects) - 1, -1, -1):
            spec = objects[index]
            objects[index] = None  # the parsed JSON goes as the objects are filled (lower RSS)
            kinds[spec[0]].fill(self.built[index], self.items(spec[1]))
            if len(spec) > 2:  # a bot.* subclass of a container (LineDict, …)
                obj = self.built[index]
                (dict.update if isinstance(obj, dict) else list.extend)(obj, self.dec(spec[2]))

    def dec(self, v: Any) -> Any:
        t = type(v)
        if t is int:
            return self.strings[v] if v >= 0 else self.built[-1 - v]
        if t is list:
            if v and type(v[0]) is int and v[0] == 0:  # the tuple mark (False and 0.0 are not)
                return tuple(self.items(v[1:])) if len(v) > 1 else ()
            return self.items(v)
        if t is not dict or not v:
            return v
        ((tag, body),) = v.items()
        strings = self.strings
        if tag == "D":
            return dict(zip([strings[k] for k in body[0]], self.items(body[1]), strict=True))
        if tag == "K":
            return dict(zip([strings[k] for k in body[0]], body[1], strict=True))
        if tag == "i":
            return body
        if tag == "A":
            return self.arrays[body]
        if tag == "M":
            return {self.dec(k): self.dec(x) for k, x in body}
        if tag == "S":
            return set(self.items(body))
        if tag == "F":
            return frozenset(self.items(body))
        if tag == "I":
            return int(body)
        if tag == "f":
            return float(body)
        raise ValueError(f"unknown tag {tag!r}")

    def items(self, values: list[Any]) -> list[Any]:
        strings, built, dec = self.strings, self.built, self.dec
        return [
            (strings[x] if x >= 0 else built[-1 - x])
            if type(x) is int
            else x
            if type(x) in _ATOMS
            else dec(x)
            for x in values
        ]


class _Class:
    """How the decoder builds one class's objects: attributes stored in order, and the defaults
    of those left out, in a template (in field order) the stored values then overwrite."""

    def __init__(self, cls: type[Any], names: list[str], omitted: set[str]) -> None:
        self.cls: Any = cls  # a project class, made with its own __new__ (no __init__)
        self.plain = _plain(cls)
        self.stored = [n for n in names if n not in omitted]
        defaults = _defaults(cls)
        if not omitted <= defaults.keys():
            raise ValueError(f"{cls.__qualname__}: no default for {sorted(omitted)}")
        self.template = {n: defaults[n] if n in omitted else None for n in names} if omitted else {}

    def new(self) -> Any:
        return self.cls.__new__(self.cls)

    def fill(self, obj: Any, values: list[Any]) -> None:
        if self.plain:
            attributes = obj.__dict__
            attributes.update(self.template)
            attributes.update(zip(self.stored, values, strict=True))
        else:
            for name, value in zip(self.stored, values, strict=True):
                object.__setattr__(obj, name, value)


def _plain(cls: type) -> bool:
    """Instances keep every attribute in `__dict__` (no slots anywhere): set them in one update."""
    return "__dict__" in dir(cls) and not any(hasattr(k, "__slots__") for k in cls.__mro__[:-1])


def _pack(arrays: list[np.ndarray]) -> tuple[list[list[Any]], list[np.ndarray]]:
    """Many small arrays -> one buffer per dtype; table rows (buffer, offset, shape)."""
    by_dtype: dict[str, list[np.ndarray]] = {}
    sizes: dict[str, int] = {}
    table: list[tuple[str, int, list[int]]] = []
    for a in arrays:
        flat = np.ascontiguousarray(a).reshape(-1)
        by_dtype.setdefault(flat.dtype.str, []).append(flat)
        offset = sizes.get(flat.dtype.str, 0)
        sizes[flat.dtype.str] = offset + flat.size
        table.append((flat.dtype.str, offset, list(a.shape)))
    names = list(by_dtype)
    buffers = [np.concatenate(by_dtype[n]) if by_dtype[n] else np.empty(0, n) for n in names]
    return [[names.index(d), o, shape] for d, o, shape in table], buffers


def _unpack(table: list[list[Any]], buffers: list[np.ndarray]) -> list[np.ndarray]:
    out = []
    for b, offset, shape in table:
        size = int(np.prod(shape)) if shape else 1
        out.append(buffers[b][offset : offset + size].reshape(shape))
    return out


def dump(value: Any, fh: BinaryIO) -> None:
    """Write a snapshot to a seekable binary file: magic, lengths, texts, JSON, arrays (.npy).

    The JSON is streamed (no second copy of the whole document in memory)."""
    enc = _Encoder()
    root = enc.enc(value)
    table, buffers = _pack(enc.arrays)
    ordered = sorted(enc.classes.items(), key=lambda kv: kv[1])
    classes = [
        [enc.text(path), [enc.text(n) for n in names], [enc.text(n) for n in omitted]]
        for (path, names, omitted), _ in ordered
    ]
    doc = {"root": root, "classes": classes, "objects": enc.objects, "arrays": table}
    head = fh.tell()
    fh.write(MAGIC + struct.pack("<QQI", 0, 0, len(buffers)))
    texts = "\x00".join(enc.strings).encode("utf-8")
    fh.write(texts)
    del texts
    body_start = fh.tell()
    text = io.TextIOWrapper(fh, encoding="ascii", write_through=True)
    json.dump(doc, text, separators=(",", ":"))
    text.flush()
    text.detach()
    body_end = fh.tell()
    for buffer in buffers:
        np.save(fh, buffer, allow_pickle=False)
    end = fh.tell()
    fh.seek(head + len(MAGIC))
    fh.write(
        struct.pack(
            "<QQ", body_start - head - len(MAGIC) - struct.calcsize("<QQI"), body_end - body_start
        )
    )
    fh.seek(end)


def dumps(value: Any) -> bytes:
    """Snapshot bytes (see `dump`)."""
    out = io.BytesIO()
    dump(value, out)
    return out.getvalue()


def loads(data: bytes) -> Any:
    """Rebuild a snapshot from bytes (see `load`)."""
    return load(io.BytesIO(data))


def load(fh: BinaryIO) -> Any:
    """Rebuild a snapshot read from a binary file, part by part (no copy of the whole file in
    memory); raises ValueError (or KeyError/TypeError) on anything malformed."""
    head = fh.read(len(MAGIC) + struct.calcsize("<QQI"))
    if not head.startswith(MAGIC) or len(head) < len(MAGIC) + struct.calcsize("<QQI"):
        raise ValueError("not a snapshot")
    n_texts, size, count = struct.unpack_from("<QQI", head, len(MAGIC))
    with _no_collection():
        return _read(fh, n_texts, size, count)


def _read(fh: BinaryIO, n_texts: int, size: int, count: int) -> Any:
    strings = _exactly(fh, n_texts).decode("utf-8").split("\x00")
    doc = json.loads(_exactly(fh, size))
    buffers = [np.load(fh, allow_pickle=False) for _ in range(count)]
    arrays = _unpack(doc["arrays"], buffers)
    if strings[0] != TUPLE:
        raise ValueError("bad string table")
    decoder = _Decoder(strings, doc.pop("classes"), doc.pop("objects"), arrays)
    return decoder.dec(doc["root"])


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while loading: the parsed JSON and the objects built from
    it are a million new containers without cycles, which every collection would only rescan
    (about a third of a warm start)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if not gc.get_freeze_count():  # what was built goes to the oldest generation unscanned
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


def _exactly(fh: BinaryIO, size: int) -> bytes:
    data = fh.read(size)
    if len(data) != size:
        raise ValueError("truncated snapshot")
    return data


def owned_dir(path: Path) -> Path:
    """Create the cache folder for this user only (0700); refuse one another user could write."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = path.stat()
    if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
        raise PermissionError(
            f"{path}: cache folder must belong to this user and not be writable by others"
        )
    return path


def trusted_file(path: Path) -> bool:
    """A cache file is read only when this user owns it and nobody else can write it."""
    try:
        st = path.stat()
    except OSError:
        return False
    if not hasattr(os, "getuid"):
        return True
    return st.st_uid == os.getuid() and not st.st_mode & 0o022
