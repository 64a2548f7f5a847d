"""The gazetteer: resolve a place name (any spelling, Arabic or Latin) to a location.

Matching runs in stages and stops at the first that finds something: the exact written
name, a known alias (from a source or the project's curated files), the phonetic fold of
the name, then fuzzy similarity (rapidfuzz) on the fold. Candidates are then narrowed by
the row's admin hints and the other places named in the same text, and ranked by feature
importance (capital, admin seat, population). Several far-apart candidates that nothing
separates make the name *ambiguous*: reported with its candidates, never guessed.
"""

from __future__ import annotations

import bisect
import gc
import math
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import MISSING, dataclass, fields, replace
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import shapely
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel, Levenshtein
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geo.gazetteer.index import IndexData, load_or_build
from geo.gazetteer.normalize import (
    core_name,
    fold_key,
    name_key,
    script_of,
    skeleton_key,
    split_descriptors,
)
from geo.gazetteer.relative import (
    QUALIFIERS,
    Relative,
    modifier_variants,
    offset_point,
    parse_between,
    parse_relative,
)
from geo.schema import TO_ACLED, TO_UCDP
from geo.settings import PROJECT_DATA_DIR, resolve_data_dir, user_cache_dir

STATUSES: tuple[str, ...] = ("resolved", "ambiguous", "unresolved")

# Fuzzy thresholds on fuzz.ratio of fold keys (0-100).
FUZZY_CUTOFF = 86.0
SKELETON_CUTOFF = 72.0
# A fuzzy match is accepted alone at this score, or at the lower one when the row's admin
# hints (or the other places in the text) agree with it; below, it is reported.
FUZZY_ACCEPT = 90.0
FUZZY_ACCEPT_SUPPORTED = 80.0
# Similarity matrices larger than this are computed on every core.
_THREADED_CELLS = 4_000_000
# Score of a name matching once a generic first word ("Tall", "Khirbat", "Mazra`at") is
# dropped from it or from the gazetteer's name: accepted only with hints or context.
CORE_SCORE = 88.0
# Score of a name whose phonetic fold equals the query's (an alternate name's fold: less).
FOLD_SCORE = 95.0
FOLD_ALIAS_SCORE = 94.0
# Score ceiling of a fuzzy match whose consonants differ by a substitution.
SUBSTITUTION_SCORE = 85.0
# Candidates closer than this are one place (two sources, or a place and its centroid).
SAME_PLACE_KM = 6.0
# An importance lead this large (one tier: admin seat over village) decides between
# same-name places; less is ambiguous.
IMPORTANCE_MARGIN = 0.9
# Importance of a village (GeoNames PPL); "X village" (or suburb, farms, quarter: never a
# city) ranks no candidate above it.
VILLAGE_IMPORTANCE = 2.0
_VILLAGE_WORDS = frozenset(
    {
        "village",
        "hamlet",
        "suburb",
        "suburbs",
        "farm",
        "farms",
        "neighbourhood",
        "neighborhood",
        "quarter",
        "قريه",
        "مزرعه",
        "حي",
    }
)
# A district seat or bigger (GeoNames PPLA2): the town everyone means by its name.
WELL_KNOWN_IMPORTANCE = 4.0
# A fuzzy score lead this large decides between candidates.
SCORE_MARGIN = 6.0
# Latitude difference (degrees, with a margin for rounding) beyond which two points are
# surely more than SAME_PLACE_KM apart.
_SAME_PLACE_DEGREES = math.degrees(SAME_PLACE_KM / 6371.0088) * 1.001
# Other places named in the same text count as context within this distance.
CONTEXT_KM = 40.0
_AREA_KINDS = ("adm1", "adm2", "adm3", "region", "country")
# Hint tolerance: a candidate this close to the hinted unit still agrees with it (the
# source's borders and ours differ).
HINT_TOLERANCE_KM = 10.0
_SPLIT_PARTS = re.compile(
    r"\s*(?:[,;،]|\s-\s|\(|\)|\s+in\s+(?:the\s+)?|\s+near\s+)\s*", re.IGNORECASE
)
# The qualifier words' folds (see relative.QUALIFIERS): "Kafr Zita Tahtani" -> near Kafr Zita.
_QUALIFIER_FOLDS = frozenset(fold_key(name_key(word)) for word in QUALIFIERS)
_ARABIC_LETTER = re.compile("[\u0600-\u06ff]")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_SPLIT_ALTERNATIVES = re.compile(r"\s*(?:/|\bor\b|\baka\b|\balso known as\b)\s*", re.IGNORECASE)


class Candidate(NamedTuple):
    """One gazetteer feature a name may refer to (an immutable record; a tuple because
    ranking a batch of names makes thousands of them)."""

    name: str
    latitude: float
    longitude: float
    kind: str  # place / adm1 / adm2 / adm3 / region
    source: str
    source_id: str
    adm1_pcode: str
    score: float
    importance: float

    def __str__(self) -> str:
        where = f" in {self.adm1_pcode}" if self.adm1_pcode else ""
        return (
            f"{self.name} ({self.kind}{where}, {self.latitude:.4f} {self.longitude:.4f}, "
            f"{self.source}:{self.source_id}, score {self.score:.0f})"
        )


@dataclass(frozen=True)
class Resolution:
    """Where a name points: status, location, precision and how it was found.

    ``status`` is one of :data:`STATUSES`. A resolved area (a region such as the Badiya, an
    admin unit matched by name) has a polygon ``geometry`` and ``latitude``/``longitude`` of
    a point inside it. ``candidates`` are the best few features considered, for reports.
    """

    query: str
    status: str
    latitude: float | None = None
    longitude: float | None = None
    geometry: BaseGeometry | None = None
    precision: str | None = None
    method: str | None = None
    matched_name: str | None = None
    source: str | None = None
    source_id: str | None = None
    score: float = 0.0
    n_candidates: int = 0
    candidates: tuple[Candidate, ...] = ()
    reason: str = ""
    adm_pcodes: tuple[str, str, str] = ("", "", "")
    # Set when the name itself was not found and the location comes from the row's admin
    # hints ("admin hint"): an online geocoder may still do better.
    fallback: str = ""

    @property
    def precision_acled(self) -> int | None:
        return TO_ACLED.get(self.precision) if self.precision else None

    @property
    def precision_ucdp(self) -> int | None:
        return TO_UCDP.get(self.precision) if self.precision else None

    def describe_candidates(self, limit: int = 3) -> str:
        """The best candidates as one line, for problem reports."""
        return "; ".join(str(c) for c in self.candidates[:limit])


@dataclass
class _Match:
    """Candidates of one matching stage (plain lists: a name has a handful of candidates,
    and numpy's per-call overhead costs more than the work)."""

    entries: list[int]
    scores: list[float]
    method: str
    matched: list[str]
    # Curated project entries override the sources (see Gazetteer._decide).
    curated: list[bool]


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km (arrays or scalars)."""
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0088 * 2 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _haversine_km_scalar(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """:func:`haversine_km` for one pair, in plain Python (numpy costs more per call)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (lat1, lon1, lat2, lon2))
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0088 * 2 * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))


class Gazetteer:
    """An offline place-name index built from a data directory.

    Build it with :meth:`from_data_dir`; resolve names with :meth:`resolve` (one name) or
    :meth:`resolve_many` (many, with the fuzzy stage batched).
    """

    def __init__(self, data: IndexData, *, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.signature = data.signature
        self.notes = list(data.notes)
        # Area polygons (WKB) stay out of the public entries table.
        self._area_wkb = data.entries["area_wkb"].tolist()
        self.entries = data.entries.drop(columns="area_wkb")
        # Country names resolve like any other, but ``names`` (the place-name vocabulary
        # other modules scan text with) leaves them out: a country is not a place to
        # find in running text by the gazetteer's index.
        is_country = (data.entries["kind"].to_numpy()[data.names["entry"].to_numpy()]) == "country"
        self.names = data.names[~is_country].reset_index(drop=True)
        entries = data.entries
        self._lat = entries["latitude"].to_numpy(dtype=float)
        self._lon = entries["longitude"].to_numpy(dtype=float)
        self._kind = entries["kind"].to_numpy(dtype=object)
        self._is_area: list[bool] = np.isin(self._kind, ("region", "country")).tolist()
        self._importance = entries["importance"].to_numpy(dtype=float)
        self._adm1 = entries["adm1_pcode"].to_numpy(dtype=object)
        self._adm2 = entries["adm2_pcode"].to_numpy(dtype=object)
        self._adm3_codes = entries["adm3_pcode"].to_numpy(dtype=object)
        self._name = entries["name"].to_numpy(dtype=object)
        self._source = entries["source"].to_numpy(dtype=object)
        self._source_id = entries["source_id"].to_numpy(dtype=object)
        self._pcode = entries["pcode"].to_numpy(dtype=object)
        self._members = entries["members"].to_numpy(dtype=object)
        names = data.names
        self._by_key = _group_names(names, "key")
        self._by_fold = _group_names(names, "fold")
        cores = [core_name(k) for k in names["key"].tolist()]
        has_core = np.array([c is not None for c in cores], dtype=bool)
        self._by_core = _group_names(
            names[has_core].assign(core=[fold_key(c) for c in cores if c is not None]), "core"
        )
        folds = names.drop_duplicates("fold")
        self._fold_vocab: list[str] = folds["fold"].tolist()
        self._by_skeleton: dict[str, list[str]] = {}
        for skeleton, fold in zip(folds["skeleton"], folds["fold"], strict=True):
            self._by_skeleton.setdefault(skeleton, []).append(fold)
        # Fuzzy blocking: folds by first letter.
        self._vocab_by_initial: dict[str, list[str]] = {}
        for fold in self._fold_vocab:
            self._vocab_by_initial.setdefault(fold[:1], []).append(fold)
        # fold -> (candidate folds, their scores), best first: two tuples, not one per pair.
        self._fuzzy_cache: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {}
        # name (no hints) or (name, admin1, admin2) -> its resolution
        self._resolve_cache: dict[str | tuple, Resolution] = {}
        self._hint_cache: dict[tuple, frozenset[str]] = {}
        self._area_cache: dict[int, BaseGeometry] = {}

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_data_dir(
        cls,
        data_dir: str | os.PathLike | None = None,
        *,
        cache_dir: str | os.PathLike | None = None,
    ) -> Gazetteer:
        """Load (or build and cache) the gazetteer of a data directory.

        Parameters
        ----------
        data_dir
            Directory laid out like ``../shared/data`` (``boundaries/``, ``gazetteer/``);
            resolved with :func:`geo.settings.resolve_data_dir`.
        cache_dir
            Where the built index is cached; default: ``user_cache_dir()/gazetteer``.

        Raises
        ------
        geo.report.DataDirError
            The data directory is missing, or a gazetteer file in it is corrupt.
        """
        root = resolve_data_dir(data_dir)
        cache = Path(cache_dir) if cache_dir is not None else user_cache_dir() / "gazetteer"
        return cls(load_or_build(root, PROJECT_DATA_DIR, cache), data_dir=root)

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self) -> str:
        kinds = self.entries["kind"].value_counts().to_dict()
        return f"Gazetteer({self.data_dir}, {len(self)} entries {kinds}, {len(self.names)} names)"

    # -- public resolution -------------------------------------------------------------

    def resolve(
        self, name: object, *, admin1: str | None = None, admin2: str | None = None
    ) -> Resolution:
        """Resolve one place name.

        Parameters
        ----------
        name
            The location text as written ("Ad Dumayr town", "الضمير", "35 km east of
            Deir ez-Zor", "near Dumayr", "the Badiya").
        admin1, admin2
            The source's own governorate / district names, if any; they narrow same-name
            candidates to the right unit.

        Returns
        -------
        Resolution
            ``status`` "resolved" (with location), "ambiguous" or "unresolved" (with
            ``reason`` and the best ``candidates``).
        """
        return self._resolve_clean(name, (_clean_hint(admin1), _clean_hint(admin2)))

    def _resolve_clean(self, name: object, hints: tuple[str | None, str | None]) -> Resolution:
        """``resolve`` with cleaned hints."""
        if not isinstance(name, str) or not name.strip():
            return Resolution(
                query="" if name is None or _is_missing(name) else str(name),
                status="unresolved",
                reason="empty or non-text location name",
            )
        # The bare name as key when there are no hints: one object fewer per name.
        cache_key = name if hints == (None, None) else (name, *hints)
        cached = self._resolve_cache.get(cache_key)
        if cached is None:
            codes = self._hint_codes(*hints)
            cached = self._resolve_text(name.strip(), codes, depth=0)
            if cached.status != "resolved":
                cached = self._hint_fallback(cached, codes, hints)
            if cached.query != name:
                cached = replace(cached, query=name)
            if len(self._resolve_cache) < 500_000:
                self._resolve_cache[cache_key] = cached
        return cached

    def _hint_fallback(self, failed: Resolution, codes: tuple, hints: tuple) -> Resolution:
        """A name the gazetteer cannot place, in a row whose source names its district or
        governorate: the event is in that unit (a human coder's fallback), at that unit's
        precision, with the reason kept."""
        for level, found, text in ((2, codes[1], hints[1]), (1, codes[0], hints[0])):
            if len(found) != 1:
                continue
            entry = self._unit_entry.get((level, next(iter(found))))
            if entry is None:
                continue
            why = "not found" if failed.status == "unresolved" else "ambiguous"
            located = self._resolution(
                failed.query,
                entry,
                50.0,
                "area",
                failed.n_candidates,
                failed.candidates,
                f"name {why} in the gazetteer; placed in the admin unit the source names "
                f"({text!r})",
            )
            return replace(located, fallback="admin hint")
        return failed

    def resolve_many(
        self,
        names: Sequence[object],
        *,
        admin1: Sequence[str | None] | None = None,
        admin2: Sequence[str | None] | None = None,
        progress: bool = False,
    ) -> list[Resolution]:
        """Resolve many names; the fuzzy stage for all of them runs in one batch.

        ``progress`` shows a tqdm bar (for long runs on a terminal)."""
        n = len(names)
        admin1 = list(admin1) if admin1 is not None else [None] * n
        admin2 = list(admin2) if admin2 is not None else [None] * n
        with _gc_paused():
            self._prefetch_fuzzy([nm for nm in names if isinstance(nm, str)])
            out: list[Resolution | None] = [None] * n
            # Hint-free names first, so hinted repeats of a clear name reuse their answer.
            order = sorted(range(n), key=lambda i: admin1[i] is not None or admin2[i] is not None)
            if progress:
                from tqdm import tqdm

                order = tqdm(order, desc="geocoding names", unit="name", leave=False)
            for i in order:
                out[i] = self._resolve_reusing(names[i], admin1[i], admin2[i])
        return out  # type: ignore[return-value]

    def _resolve_reusing(self, name: object, admin1: str | None, admin2: str | None) -> Resolution:
        """``resolve``, reusing the hint-free answer when it is a single place that the
        hints agree with (the same name usually comes with and without hints)."""
        hints = (_clean_hint(admin1), _clean_hint(admin2))
        if hints == (None, None):
            return self._resolve_clean(name, hints)
        if isinstance(name, str) and name.strip():
            plain = self._resolve_cache.get(name)
            if (
                plain is not None
                and plain.status == "resolved"
                and plain.precision == "point"
                and plain.n_candidates == 1
                and not plain.reason
            ):
                codes1, codes2 = self._hint_codes(*hints)
                if (not codes1 or plain.adm_pcodes[0] in codes1) and (
                    not codes2 or plain.adm_pcodes[1] in codes2
                ):
                    return plain
        return self._resolve_clean(name, hints)

    def area_geometry(self, entry: int) -> BaseGeometry | None:
        """The polygon of an admin unit or region entry (None for a place)."""
        if entry in self._area_cache:
            return self._area_cache[entry]
        if self._kind[entry] not in _AREA_KINDS:
            return None
        # Built with the index (see index._area_wkb): no boundary layer is read here.
        wkb = self._area_wkb[entry]
        shape = shapely.from_wkb(wkb) if wkb is not None else None
        self._area_cache[entry] = shape
        return shape

    # -- internals: text handling ------------------------------------------------------

    def _resolve_text(self, text: str, hints: tuple, *, depth: int) -> Resolution:
        # 1. the text as a whole (a name may contain commas or directions: "Eastern Ghouta")
        whole = self._match_name(text, hints, context=())
        if whole.status == "resolved" or depth > 2:
            return whole
        if whole.status == "ambiguous" and whole.score >= 95:
            return whole
        if text.isalpha() and script_of(text) != "mixed" and self._unglue_articles(text) is None:
            # One word of one script, no article glued to it: no reading below applies.
            return whole
        # 2. "Western Ghariyeh" = "Ghariyah al Gharbiyah"
        for variant in modifier_variants(text):
            out = self._match_name(variant, hints, context=(), fuzzy=False)
            if out.status == "resolved":
                return replace(out, query=text)
        # 2b. an article glued to its word: "Jinn Elalbawi" = "Jinn al Albawi"
        unglued = self._unglue_articles(text)
        if unglued is not None:
            out = self._match_name(unglued, hints, context=())
            if out.status == "resolved":
                return replace(out, query=text)
        # 2c. "Kafr Zita Tahtani" (lower / upper / eastern / new ... X) that the gazetteer
        # lacks: near X.
        base = self._drop_qualifier(text)
        if base is not None:
            out = self._match_name(base, hints, context=())
            if out.status == "resolved" and out.precision == "point":
                return replace(
                    out,
                    query=text,
                    precision="near",
                    method="relative",
                    reason=f"{text!r} not found; located at {out.matched_name!r}, which it "
                    "qualifies",
                )
        # 3. "road between A and B": the midpoint
        between = parse_between(text)
        if between is not None:
            ends = [self._resolve_text(p, hints, depth=depth + 1) for p in between]
            if all(e.status == "resolved" for e in ends):
                return self._midpoint(text, ends[0], ends[1])
        # 4. relative phrases
        relative = parse_relative(text)
        if relative is not None:
            base = self._resolve_text(relative.place, hints, depth=depth + 1)
            if base.status == "resolved":
                return self._apply_relative(base, relative, text)
            if base.status == "ambiguous":
                return replace(base, query=text)
        # 3. several parts: "Mihsenli village, Manbij", "Tadmur/Palmyra town"
        parts = [p for p in _SPLIT_PARTS.split(text) if p and p.strip()]
        if len(parts) > 1:
            return self._resolve_parts(text, parts, hints, depth)
        alternatives = [p for p in _SPLIT_ALTERNATIVES.split(text) if p and p.strip()]
        if len(alternatives) > 1:
            return self._resolve_alternatives(text, alternatives, hints, depth)
        # 4. mixed scripts: "Dumayr الضمير"
        if script_of(text) == "mixed":
            latin = re.sub("[\u0600-\u06ff]+", " ", text).strip()
            arabic = re.sub("[^\u0600-\u06ff\\s]+", " ", text).strip()
            for piece in (latin, arabic):
                if piece:
                    out = self._resolve_text(piece, hints, depth=depth + 1)
                    if out.status != "unresolved":
                        return replace(out, query=text)
        return whole

    def _unglue_articles(self, text: str) -> str | None:
        """``text`` with "el"/"al" split off the words that begin with it and are no
        gazetteer word themselves ("Elasad" -> "asad"), or None when there is none."""
        words = name_key(text).split()
        changed = False
        for i, word in enumerate(words):
            if (
                len(word) >= 6
                and word[:2] in ("el", "al")
                and word not in self._name_words
                and not _ARABIC_LETTER.match(word)
            ):
                words[i] = word[2:]
                changed = True
        return " ".join(words) if changed else None

    @staticmethod
    def _drop_qualifier(text: str) -> str | None:
        """The name key without a last qualifier word ("kafr zita tahtani" -> "kafr zita"), or
        None when it has none (or nothing would be left)."""
        key = split_descriptors(name_key(text))[0]
        words = key.split()
        if len(words) < 2 or fold_key(words[-1]) not in _QUALIFIER_FOLDS:
            return None
        return " ".join(words[:-1])

    @cached_property
    def _name_words(self) -> frozenset[str]:
        """Every word of every gazetteer name key."""
        return frozenset(" ".join(self._by_key).split())

    def _resolve_parts(self, text: str, parts: list[str], hints: tuple, depth: int) -> Resolution:
        """The first part is the place; the others are context ("X village, Manbij")."""
        resolved = [self._resolve_text(p, hints, depth=depth + 1) for p in parts]
        later = [r for r in resolved[1:] if r.status == "resolved"]
        # Admin units named later ("X, al-Bab district, Aleppo governorate") act as hints;
        # places named later are context points.
        codes1, codes2 = hints
        for r in later:
            if r.precision == "adm1" and not codes1:
                codes1 = frozenset({r.adm_pcodes[0]})
            elif r.precision in ("adm2", "adm3") and not codes2:
                codes2 = frozenset({r.adm_pcodes[1]})
        # Only sure matches steer the others (a fuzzy guess must not move an exact name).
        context = tuple(
            (r.latitude, r.longitude)
            for r in later
            if r.precision in ("point", "near") and r.score >= 95
        )
        head = resolved[0]
        if context or (codes1, codes2) != hints:
            head = self._resolve_text(parts[0], (codes1, codes2), depth=depth + 1)
            if context and head.status != "unresolved":
                head = self._match_name(parts[0], (codes1, codes2), context=context)
        if head.status == "resolved":
            return replace(head, query=text)
        # The named place is unknown, but the text places it near a known one.
        for later in resolved[1:]:
            if later.status == "resolved":
                precision = (
                    later.precision
                    if later.geometry is not None and later.geometry.geom_type != "Point"
                    else "near"
                )
                return replace(
                    later,
                    query=text,
                    precision=precision,
                    method="relative" if precision == "near" else later.method,
                    reason=f"{parts[0]!r} not found; located by {later.matched_name!r} in the same text",
                )
        return replace(head, query=text)

    def _resolve_alternatives(
        self, text: str, alternatives: list[str], hints: tuple, depth: int
    ) -> Resolution:
        """ "Tadmur/Palmyra" (one place, two names) or "Kafaldin/Kafr Lusin" (two places)."""
        resolved = [self._resolve_text(a, hints, depth=depth + 1) for a in alternatives]
        found = [r for r in resolved if r.status == "resolved"]
        if not found:
            return replace(resolved[0], query=text)
        best = found[0]
        far = [
            r
            for r in found[1:]
            if haversine_km(best.latitude, best.longitude, r.latitude, r.longitude) > SAME_PLACE_KM
        ]
        if far:
            return replace(
                best,
                query=text,
                precision="near" if best.precision == "point" else best.precision,
                reason="several places named; located at the first",
            )
        return replace(best, query=text)

    def _midpoint(self, text: str, a: Resolution, b: Resolution) -> Resolution:
        lat, lon = (a.latitude + b.latitude) / 2, (a.longitude + b.longitude) / 2
        span = float(haversine_km(a.latitude, a.longitude, b.latitude, b.longitude))
        return replace(
            a,
            query=text,
            latitude=lat,
            longitude=lon,
            geometry=Point(lon, lat),
            precision="near" if span <= 50 else "region",
            method="relative",
            matched_name=f"{a.matched_name} - {b.matched_name}",
            score=min(a.score, b.score),
            reason=f"midpoint of {a.matched_name!r} and {b.matched_name!r} ({span:.0f} km apart)",
            adm_pcodes=self._admin_codes_at(lon, lat),
        )

    def _apply_relative(self, base: Resolution, relative: Relative, text: str) -> Resolution:
        assert base.latitude is not None and base.longitude is not None
        if relative.kind == "offset":
            lon, lat = offset_point(
                base.longitude,
                base.latitude,
                bearing=relative.bearing,
                distance_km=relative.distance_km,
            )
            return replace(
                base,
                query=text,
                latitude=lat,
                longitude=lon,
                geometry=Point(lon, lat),
                precision="near",
                method="relative",
                adm_pcodes=self._admin_codes_at(lon, lat),
            )
        if relative.kind == "near":
            if base.precision == "point":
                return replace(base, query=text, precision="near", method="relative")
            return replace(base, query=text, method="relative")
        # "northern X": a part of X
        if base.geometry is not None and base.geometry.geom_type != "Point":
            return replace(
                base,
                query=text,
                precision="region",
                method="area",
                adm_pcodes=(base.adm_pcodes[0], "", "")
                if base.precision == "adm1"
                else base.adm_pcodes,
            )
        return replace(base, query=text, precision="near", method="relative")

    # -- internals: matching -------------------------------------------------------------

    def _match_name(
        self, text: str, hints: tuple, *, context: tuple, fuzzy: bool = True
    ) -> Resolution:
        key = name_key(text)
        if not _HAS_LETTER.search(key):
            return Resolution(query=text, status="unresolved", reason="no letters in location name")
        stripped, kind = split_descriptors(key)
        # An admin descriptor ("X district", "منطقة X") asks for the unit, whole or not.
        whole_kind = kind if kind in ("adm1", "adm2", "adm3", "place") else None
        variants = [(key, whole_kind)]
        if stripped and stripped != key:
            variants.append((stripped, kind))
        elif kind:
            variants[0] = (key, kind)
        village = bool(_VILLAGE_WORDS.intersection(key.split()))
        best_failure: Resolution | None = None
        stages = self._STAGES if fuzzy else self._STAGES[:2]
        # An admin descriptor first asks for that level in every stage ("Albu Kamal
        # district" is the district, found by the fold, before the same-name subdistrict).
        passes = (True, False) if kind in ("adm1", "adm2", "adm3", "place") else (False,)
        for strict in passes:
            for stage in stages:
                for variant, wanted in variants:
                    match = stage(self, variant)
                    if match is None or not len(match.entries):
                        continue
                    result = self._decide(
                        text, match, wanted, hints, context, strict=strict, village=village
                    )
                    if result.status != "unresolved":
                        if wanted == "site" and variant != key and result.precision == "point":
                            # "Sidnaya Military Prison" -> Sidnaya: near the town, not at it.
                            result = replace(result, precision="near", method="relative")
                        return result
                    best_failure = best_failure or result
        return best_failure or Resolution(
            query=text, status="unresolved", reason="no gazetteer name matches"
        )

    def _stage_exact(self, key: str) -> _Match | None:
        hit = self._by_key.get(key)
        if hit is None:
            return None
        entries, primary, curated = hit
        methods = ["exact" if own else "alias" for own in primary.tolist()]
        return _Match(entries.tolist(), [100.0] * len(methods), "exact", methods, curated.tolist())

    def _stage_fold(self, key: str) -> _Match | None:
        hit = self._by_fold.get(fold_key(key))
        if hit is None:
            return None
        entries, primary, curated = (values.tolist() for values in hit)
        curated = self._curated_here(entries, curated)
        # A place whose own name folds to the key ranks above one that only an alternate
        # name does ("Marea" is Mari`, not Ma`arrat an Nu`man through its alias "Ma`arra").
        scores = [
            FOLD_SCORE if own or cur else FOLD_ALIAS_SCORE
            for own, cur in zip(primary, curated, strict=True)
        ]
        return _Match(entries, scores, "fuzzy", ["fuzzy"] * len(entries), curated)

    def _curated_here(self, entries: list[int], curated: list[bool]) -> list[bool]:
        """Curated flags of a match on a name that is not the curated spelling itself: a
        curated alias speaks for its own spelling only, one that merely folds the same is
        only similar ("Kabani", a Latakia village, is not "Kobani"); curated regions (the
        project's own areas) still override."""
        if not any(curated):
            return curated
        is_area = self._is_area
        return [cur and is_area[entry] for entry, cur in zip(entries, curated, strict=True)]

    def _stage_core(self, key: str) -> _Match | None:
        """The name with a generic first word ("Tall", "Khirbat", "Mazra`at") dropped on
        either side: "Tunaynir" finds "Tall Tunaynir", "Tall Kafr Zita" finds "Kafr Zayta"."""
        hits = [self._by_core.get(fold_key(key))]
        core = core_name(key)
        if core is not None:
            hits += [self._by_fold.get(fold_key(core)), self._by_core.get(fold_key(core))]
        first: dict[int, bool] = {}
        for hit in hits:
            if hit is not None:
                for entry, cur in zip(hit[0].tolist(), hit[2].tolist(), strict=True):
                    first.setdefault(entry, cur)
        if not first:
            return None
        entries = sorted(first)
        curated = self._curated_here(entries, [first[e] for e in entries])
        n = len(entries)
        return _Match(entries, [CORE_SCORE] * n, "fuzzy", ["fuzzy"] * n, curated)

    def _stage_fuzzy(self, key: str) -> _Match | None:
        fold = fold_key(key)
        if len(fold) < 4:
            return None
        folds, fold_scores = self._fuzzy_candidates(fold)
        if not folds:
            return None
        # Candidates come best first: an entry keeps the score of its first (best) fold.
        best: dict[int, tuple[float, bool]] = {}
        by_fold = self._by_fold
        for cand, score in zip(folds, fold_scores, strict=True):
            ents, _, cur = by_fold[cand]
            for e, c in zip(ents.tolist(), cur.tolist(), strict=True):
                if e not in best:
                    best[e] = (score, c)
        entries = list(best)
        scores = [score for score, _ in best.values()]
        curated = self._curated_here(entries, [cur for _, cur in best.values()])
        return _Match(entries, scores, "fuzzy", ["fuzzy"] * len(entries), curated)

    # Plain functions (not bound methods, which would tie the instance in a cycle).
    _STAGES = (_stage_exact, _stage_fold, _stage_core, _stage_fuzzy)

    def _fuzzy_candidates(self, fold: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
        if fold not in self._fuzzy_cache:
            # The same batched search as resolve_many, so one name gets the same answer
            # alone or in a batch.
            self._fill_fuzzy_cache({fold})
        return self._fuzzy_cache[fold]

    def _finish_fuzzy(
        self, fold: str, found: dict[str, float]
    ) -> tuple[tuple[str, ...], tuple[float, ...]]:
        """Add same-skeleton names; drop candidates whose consonants differ by more than one
        edit (vowel-only differences are what transliterations vary in)."""
        self._add_skeleton_matches(fold, found)
        skeleton = skeleton_key(fold)
        kept: dict[str, float] = {}
        for cand, score in found.items():
            other = skeleton_key(cand)
            if Levenshtein.distance(skeleton, other, score_cutoff=2) > 1:
                continue
            if Indel.distance(skeleton, other, score_cutoff=3) == 2:
                # One consonant replaced by another ("Naasan" / "Numan") is how two
                # different places differ; only hints or context may accept it.
                score = min(score, SUBSTITUTION_SCORE)
            kept[cand] = score
        best = sorted(kept.items(), key=lambda kv: -kv[1])[:25]
        return tuple(c for c, _ in best), tuple(score for _, score in best)

    def _add_skeleton_matches(self, fold: str, found: dict[str, float]) -> None:
        skeleton = skeleton_key(fold)
        if len(skeleton) < 3:
            return
        for cand in self._by_skeleton.get(skeleton, ()):
            if cand not in found:
                score = fuzz.ratio(fold, cand)
                if score >= SKELETON_CUTOFF:
                    found[cand] = score

    def _vocab_block(self, initial: str, length: int) -> list[str]:
        """Folds starting with ``initial`` whose length allows a ratio >= FUZZY_CUTOFF
        with a ``length``-letter query (ratio <= 2 * min / (a + b))."""
        cache = self.__dict__.setdefault("_vocab_blocks", {})
        key = (initial, length)
        if key not in cache:
            low = length * FUZZY_CUTOFF / (200 - FUZZY_CUTOFF)
            high = length * (200 - FUZZY_CUTOFF) / FUZZY_CUTOFF
            folds, lengths = self._vocab_by_length(initial)
            start = bisect.bisect_left(lengths, math.ceil(low))
            stop = bisect.bisect_right(lengths, math.floor(high))
            cache[key] = folds[start:stop]
        return cache[key]

    def _vocab_by_length(self, initial: str) -> tuple[list[str], list[int]]:
        """Folds starting with ``initial``, sorted by length, and their lengths."""
        cache = self.__dict__.setdefault("_vocab_sorted", {})
        if initial not in cache:
            folds = sorted(self._vocab_by_initial.get(initial, []), key=len)
            cache[initial] = (folds, [len(f) for f in folds])
        return cache[initial]

    def _prefetch_fuzzy(self, names: Iterable[str]) -> None:
        """Fill the fuzzy cache for the names that no exact/alias/fold key matches."""
        wanted: set[str] = set()
        for name in set(names):
            key = name_key(name)
            for variant in {key, split_descriptors(key)[0]}:
                if not variant or variant in self._by_key:
                    continue
                fold = fold_key(variant)
                if len(fold) >= 4 and fold not in self._by_fold and fold not in self._fuzzy_cache:
                    wanted.add(fold)
        if wanted:
            self._fill_fuzzy_cache(wanted)

    def _fill_fuzzy_cache(self, wanted: set[str]) -> None:
        """Fuzzy candidates of folds that no key matches, with one ``cdist`` per block of
        folds sharing an initial and a length (both CPU cores on big blocks)."""
        by_block: dict[tuple[str, int], list[str]] = {}
        for fold in wanted:
            by_block.setdefault((fold[:1], len(fold)), []).append(fold)
        for (initial, length), queries in by_block.items():
            vocab = self._vocab_block(initial, length)
            results: dict[str, dict[str, float]] = {q: {} for q in queries}
            if vocab:
                for start in range(0, len(queries), 2000):
                    chunk = queries[start : start + 2000]
                    matrix = process.cdist(
                        chunk,
                        vocab,
                        scorer=fuzz.ratio,
                        score_cutoff=FUZZY_CUTOFF,
                        dtype=np.uint8,
                        # Threads pay off on big blocks only; most blocks are small.
                        workers=-1 if len(chunk) * len(vocab) > _THREADED_CELLS else 1,
                    )
                    rows, cols = np.nonzero(matrix)
                    for r, c in zip(rows, cols, strict=True):
                        # Rescored in double precision: the same score a single name gets.
                        results[chunk[r]][vocab[c]] = fuzz.ratio(chunk[r], vocab[c])
            for query, found in results.items():
                cutoff = _fuzzy_cutoff(query)
                found = {c: s for c, s in found.items() if s >= cutoff}
                self._fuzzy_cache[query] = self._finish_fuzzy(query, found)

    # -- internals: deciding -------------------------------------------------------------

    def _decide(
        self,
        text: str,
        match: _Match,
        wanted: str | None,
        hints: tuple,
        context: tuple,
        *,
        strict: bool = False,
        village: bool = False,
    ) -> Resolution:
        # Plain Python on small lists: a name has a handful of candidates, and numpy's
        # per-call overhead cost more than the work (issue 3's fuzzy speed target).
        if len(match.entries) == 1 and not context:
            fast = self._decide_single(text, match, wanted, hints)
            if fast is not None:
                return fast
        rows = self._rows
        kind_of = rows["kind"]
        entries = match.entries
        scores = match.scores
        methods = match.matched
        kinds = [kind_of[e] for e in entries]
        curated = match.curated
        if any(curated) or wanted in ("adm1", "adm2", "adm3") or any(k != "place" for k in kinds):
            # (Only places, none curated, no unit asked for: every candidate stays.)
            positions = self._kept_by_kind(kinds, methods, curated, wanted, strict)
            if not positions:
                return Resolution(
                    query=text, status="unresolved", reason="no candidate of the kind named"
                )
            entries = [entries[i] for i in positions]
            scores = [scores[i] for i in positions]
            methods = [methods[i] for i in positions]
        # Admin hints: drop candidates outside the hinted units, prefer the most specific.
        hinted = any(hints)
        agreement_max = 0
        if hinted:
            agrees, agreement = self._hint_agreement(entries, hints)
            if not any(agrees):
                cands = tuple(
                    self._candidate(e, s) for e, s in zip(entries[:3], scores[:3], strict=False)
                )
                return Resolution(
                    query=text,
                    status="unresolved",
                    n_candidates=len(entries),
                    candidates=cands,
                    score=float(max(scores)),
                    reason="every place of that name lies outside the admin units the source names",
                )
            agreement_max = max(s for a, s in zip(agrees, agreement, strict=True) if a)
            positions = [
                i
                for i, (a, s) in enumerate(zip(agrees, agreement, strict=True))
                if a and s == agreement_max
            ]
            entries = [entries[i] for i in positions]
            scores = [scores[i] for i in positions]
            methods = [methods[i] for i in positions]
        if context:
            ents = np.array(entries, dtype=np.int64)
            lat, lon = self._lat[ents], self._lon[ents]
            distance = np.min(
                [haversine_km(lat, lon, c_lat, c_lon) for c_lat, c_lon in context], axis=0
            )
            # Near the other places, and clearly the nearest of the candidates.
            near = (distance <= CONTEXT_KM) & (distance <= max(10.0, 1.5 * distance.min()))
            if near.any():
                positions = np.flatnonzero(near).tolist()
                entries = [entries[i] for i in positions]
                scores = [scores[i] for i in positions]
                methods = [methods[i] for i in positions]
            elif all(s < 100 for s in scores) or distance.min() > 3 * CONTEXT_KM:
                return Resolution(
                    query=text,
                    status="unresolved",
                    reason="no similar name near the other places in the text",
                )
        # Best score first, then importance (a stable sort, like numpy's lexsort).
        importance = rows["importance"]
        if village:
            # "X village": a city or admin seat of the same name is no better a guess.
            importance_of = [min(importance[e], VILLAGE_IMPORTANCE) for e in entries]
        else:
            importance_of = [importance[e] for e in entries]
        order = sorted(range(len(entries)), key=lambda i: (-scores[i], -importance_of[i]))
        entries = [entries[i] for i in order]
        scores = [scores[i] for i in order]
        methods = [methods[i] for i in order]
        importance_of = [importance_of[i] for i in order]
        clusters = self._clusters(entries)
        supported = bool(context) or (hinted and agreement_max > 0)
        # A fuzzy match too weak to stand alone (not backed by hints or context).
        weak = scores[0] < FUZZY_ACCEPT and not (supported and scores[0] >= FUZZY_ACCEPT_SUPPORTED)
        top = clusters[0]
        n_places = len(clusters)
        picked = ""
        if n_places > 1:
            second = clusters[1]
            lead_score = scores[top[0]] - scores[second[0]]
            lead_importance = importance_of[top[0]] - importance_of[second[0]]
            if lead_score < SCORE_MARGIN and lead_importance < IMPORTANCE_MARGIN:
                cands = tuple(self._candidate(entries[c[0]], scores[c[0]]) for c in clusters[:5])
                floor = scores[top[0]] - SCORE_MARGIN
                common = self._common_unit(
                    [entries[c[0]] for c in clusters if scores[c[0]] >= floor]
                )
                if common is not None and not weak:
                    return self._resolution(
                        text,
                        common,
                        float(scores[top[0]]),
                        "area",
                        n_places,
                        cands,
                        f"{n_places} places of that name, all in this admin unit",
                    )
                return Resolution(
                    query=text,
                    status="ambiguous",
                    n_candidates=n_places,
                    candidates=cands,
                    score=float(scores[top[0]]),
                    reason=(
                        f"{n_places} places match equally well"
                        + (
                            " and the admin hints do not separate them"
                            if hinted
                            else "; give admin1/admin2 hints to choose"
                        )
                    ),
                )
            if lead_score < SCORE_MARGIN and importance_of[top[0]] < WELL_KNOWN_IMPORTANCE:
                # Importance alone chose, and not a town everyone means by the name: said,
                # so the pick is never silent.
                picked = f"the most important of {n_places} places of that name" + (
                    "" if hinted else "; admin1/admin2 hints would confirm it"
                )
        candidates = tuple(
            self._candidate(e, s) for e, s in zip(entries[:5], scores[:5], strict=False)
        )
        if weak:
            return Resolution(
                query=text,
                status="unresolved",
                n_candidates=n_places,
                candidates=candidates,
                score=float(scores[0]),
                reason=f"only a similar name (score {scores[0]:.0f}); not accepted without "
                "admin hints or nearby places that agree",
            )
        best = entries[top[0]]
        score = float(scores[top[0]])
        method = str(methods[top[0]])
        if kind_of[best] in ("adm2", "adm3") and wanted not in ("adm1", "adm2", "adm3"):
            # "Tal Tamer" names a subdistrict and the town it is named after: the town.
            seat = self._seat_town(best, text)
            if seat is None and strict and wanted == "place":
                return Resolution(query=text, status="unresolved", reason="no town of that name")
            if seat is not None:
                return self._resolution(
                    text,
                    seat[0],
                    min(score, seat[1]),
                    "fuzzy" if seat[1] < 100 else method,
                    n_places,
                    candidates,
                    picked,
                )
        return self._resolution(text, best, score, method, n_places, candidates, picked)

    @staticmethod
    def _kept_by_kind(
        kinds: list[str], methods: list[str], curated: list[bool], wanted: str | None, strict: bool
    ) -> list[int]:
        """Positions of the candidates of the kind the name asks for."""
        # Curated project entries (aliases, regions) override the sources.
        keep = list(curated) if any(curated) else [True] * len(kinds)
        named_area = [
            k and kd in ("region", "country") and (m == "exact" or c)
            for k, kd, m, c in zip(keep, kinds, methods, curated, strict=True)
        ]
        if wanted in ("adm1", "adm2", "adm3"):
            exact_kind = [k and kd == wanted for k, kd in zip(keep, kinds, strict=True)]
            if strict or any(exact_kind):
                keep = exact_kind
            else:
                keep = [k and kd in _AREA_KINDS for k, kd in zip(keep, kinds, strict=True)]
        elif wanted == "place" and any(
            k and kd == "place" for k, kd in zip(keep, kinds, strict=True)
        ):
            # "Damascus city" is the city, not the governorate that has it as an alias.
            keep = [k and kd == "place" for k, kd in zip(keep, kinds, strict=True)]
        elif wanted == "place" and strict:
            # Only units match: their seat town may be the place ("Karama town").
            keep = [k and kd in ("adm2", "adm3") for k, kd in zip(keep, kinds, strict=True)]
        elif any(named_area):
            keep = [k and a for k, a in zip(keep, named_area, strict=True)]
        elif any(k and kd == "place" for k, kd in zip(keep, kinds, strict=True)):
            # A town and the unit named after it: the town ("Idlib" is the city).
            keep = [k and kd == "place" for k, kd in zip(keep, kinds, strict=True)]
        return [i for i, k in enumerate(keep) if k]

    def _decide_single(
        self, text: str, match: _Match, wanted: str | None, hints: tuple
    ) -> Resolution | None:
        """The common case, without array work: one place, its name matched well, and the
        hints (if any) containing it. None when the general path must decide."""
        entry = match.entries[0]
        score = match.scores[0]
        if self._kind[entry] != "place" or wanted in ("adm1", "adm2", "adm3"):
            return None
        if score < FUZZY_ACCEPT:
            return None
        codes1, codes2 = hints
        if (codes1 and self._adm1[entry] not in codes1) or (
            codes2 and self._adm2[entry] not in codes2
        ):
            return None
        return self._resolution(
            text, entry, score, match.matched[0], 1, (self._candidate(entry, score),), ""
        )

    def _seat_town(self, unit: int, text: str) -> tuple[int, float] | None:
        """The place inside admin unit ``unit`` whose name matches ``text`` or the unit's
        own name best (ratio >= 80 on fold keys), with its score."""
        level = int(self._kind[unit][-1])
        pcode = self._pcode[unit]
        places = self._places_in_unit(level).get(pcode)
        if places is None or not len(places):
            return None
        wanted = {fold_key(split_descriptors(name_key(text))[0])}
        wanted |= set(self._entry_folds(unit))
        wanted_folds = [w for w in wanted if w]
        owners, folds = self._unit_folds(level, pcode)
        if not wanted_folds or not folds:
            return None
        # Each place's best ratio over (wanted, its folds), all pairs in one rapidfuzz call.
        ratios = process.cdist(wanted_folds, folds, scorer=fuzz.ratio, dtype=np.float64)
        by_fold = ratios.max(axis=0).tolist()
        place_score: dict[int, float] = {}
        for owner, ratio in zip(owners, by_fold, strict=True):
            if ratio > place_score.get(owner, -1.0):
                place_score[owner] = ratio
        importance = self._rows["importance"]
        best: tuple[int, float] | None = None
        for place in places.tolist():
            score = place_score.get(place, 0.0)
            if score >= 80 and (
                best is None
                or score > best[1]
                or (score == best[1] and importance[place] > importance[best[0]])
            ):
                best = (place, float(score))
        return best

    def _unit_folds(self, level: int, pcode: str) -> tuple[list[int], list[str]]:
        """The (non-empty) folds of every place in an admin unit, each with its place."""
        cache = self.__dict__.setdefault("_folds_by_unit", {})
        key = (level, pcode)
        if key not in cache:
            owners: list[int] = []
            folds: list[str] = []
            for place in self._places_in_unit(level).get(pcode, np.empty(0, int)).tolist():
                for fold in self._entry_folds(place):
                    if fold:
                        owners.append(place)
                        folds.append(fold)
            cache[key] = (owners, folds)
        return cache[key]

    def _common_unit(self, entries: list[int]) -> int | None:
        """The smallest admin unit holding every entry (as an entry index), if any."""
        rows = self._rows
        if not entries or any(rows["kind"][e] != "place" for e in entries):
            return None
        adm1 = rows["adm1"]
        if any(adm1[e] != adm1[entries[0]] for e in entries):
            return None  # no common governorate: no common unit below it either
        for level, codes in ((3, rows["adm3"]), (2, rows["adm2"]), (1, adm1)):
            found = {codes[e] for e in entries}
            if len(found) == 1 and "" not in found:
                return self._unit_entry.get((level, found.pop()))
        return None

    def _clusters(self, entries: list[int]) -> list[list[int]]:
        """Group positions of ``entries`` (already ranked) that are one place: each joins
        the first (best-ranked) cluster head within SAME_PLACE_KM."""
        if len(entries) == 1:
            return [[0]]
        if all(self._rows["kind"][e] == "place" for e in entries):
            if len(entries) == 2:  # the commonest case, without the general machinery
                a, b = entries
                lat = self._rows["lat"]
                apart = abs(lat[a] - lat[b]) > _SAME_PLACE_DEGREES
                return [[0], [1]] if apart or not self._within_same_place(a, b) else [[0, 1]]
            # Plain lists: these sets are small, and per-row numpy calls cost more.
            neighbours = self._near_pairs(entries)
            n = len(entries)
            if not any(neighbours):
                return [[pos] for pos in range(n)]
            owner = [-1] * n
            groups: list[list[int]] = []
            for pos in range(n):
                if owner[pos] >= 0:
                    continue
                # Every earlier position already has a group: only later ones can join.
                members = [pos] + sorted(j for j in neighbours[pos] if owner[j] < 0)
                for j in members:
                    owner[j] = len(groups)
                groups.append(members)
            return groups
        clusters: list[list[int]] = []
        heads: list[int] = []
        for pos, entry in enumerate(entries):
            for cluster, head in zip(clusters, heads, strict=True):
                if self._same_place(head, entry):
                    cluster.append(pos)
                    break
            else:
                clusters.append([pos])
                heads.append(entry)
        return clusters

    def _near_pairs(self, entries: list[int]) -> list[list[int]]:
        """For each of ``entries`` (places), the positions of the others within
        SAME_PLACE_KM. Only pairs whose latitudes are that close get the haversine (a
        great-circle distance is at least R * |latitude difference|); most candidates of a
        name are far apart."""
        lat_of = self._rows["lat"]
        lats = [lat_of[e] for e in entries]
        n = len(entries)
        neighbours: list[list[int]] = [[] for _ in range(n)]
        by_lat = sorted(range(n), key=lats.__getitem__)
        for i, a in enumerate(by_lat):
            for b in by_lat[i + 1 :]:
                if lats[b] - lats[a] > _SAME_PLACE_DEGREES:
                    break
                if self._within_same_place(entries[a], entries[b]):
                    neighbours[a].append(b)
                    neighbours[b].append(a)
        return neighbours

    def _within_same_place(self, a: int, b: int) -> bool:
        """Places ``a`` and ``b`` are within SAME_PLACE_KM (plain Python; at the threshold
        itself, the array formula's answer, as libm and numpy may differ in the last bit)."""
        rows = self._rows
        lat_a, lon_a, lat_b, lon_b = rows["lat"][a], rows["lon"][a], rows["lat"][b], rows["lon"][b]
        km = _haversine_km_scalar(lat_a, lon_a, lat_b, lon_b)
        if abs(km - SAME_PLACE_KM) < 1e-6:
            km = float(haversine_km(lat_a, lon_a, lat_b, lon_b))
        return km <= SAME_PLACE_KM

    def _same_place(self, a: int, b: int) -> bool:
        kind_a, kind_b = self._kind[a], self._kind[b]
        if kind_a in _AREA_KINDS or kind_b in _AREA_KINDS:
            if kind_a == kind_b:
                return self._pcode[a] == self._pcode[b] and self._members[a] == self._members[b]
            # A unit and a unit inside it (the district and its central subdistrict).
            units = {(kind_a, self._pcode[a]), (kind_b, self._pcode[b])}
            codes_a = {self._adm1[a], self._adm2[a], self._adm3_codes[a]}
            codes_b = {self._adm1[b], self._adm2[b], self._adm3_codes[b]}
            return any(code and (code in codes_a and code in codes_b) for _, code in units)
        return self._within_same_place(a, b)

    def _resolution(
        self,
        text: str,
        entry: int,
        score: float,
        method: str,
        n_candidates: int,
        candidates: tuple[Candidate, ...],
        reason: str,
    ) -> Resolution:
        entry = int(entry)
        rows = self._rows
        kind = rows["kind"][entry]
        lat, lon = rows["lat"][entry], rows["lon"][entry]
        if kind in _AREA_KINDS:
            geometry = self.area_geometry(entry) or Point(lon, lat)
            precision = {"region": "region", "country": "country"}.get(kind, kind)
            method = "area"
        else:
            geometry = self._points[entry]
            precision = "point"
        return _new_resolution(
            query=text,
            status="resolved",
            latitude=lat,
            longitude=lon,
            geometry=geometry,
            precision=precision,
            method=method,
            matched_name=rows["name"][entry],
            source=rows["source"][entry],
            source_id=rows["source_id"][entry],
            score=score,
            n_candidates=n_candidates,
            candidates=candidates,
            reason=reason,
            adm_pcodes=(rows["adm1"][entry], rows["adm2"][entry], rows["adm3"][entry]),
        )

    def _candidate(self, entry: int, score: float) -> Candidate:
        name, lat, lon, kind, source, source_id, adm1, importance = self._candidate_columns
        # tuple.__new__ skips the NamedTuple's Python-level __new__ (thousands per batch).
        return _new_tuple(
            Candidate,
            (
                name[entry],
                lat[entry],
                lon[entry],
                kind[entry],
                source[entry],
                source_id[entry],
                adm1[entry],
                float(score),
                importance[entry],
            ),
        )

    @cached_property
    def _candidate_columns(self) -> tuple[list, ...]:
        rows = self._rows
        keys = ("name", "lat", "lon", "kind", "source", "source_id", "adm1", "importance")
        return tuple(rows[key] for key in keys)

    @cached_property
    def _points(self) -> list[Point]:
        """One (immutable) point per entry, made at once, shared by every result there."""
        return shapely.points(self._lon, self._lat).tolist()

    @cached_property
    def _rows(self) -> dict[str, list]:
        """Entry attributes as Python lists (str / float), for building results."""
        return {
            "name": [str(v) for v in self._name],
            "lat": self._lat.tolist(),
            "lon": self._lon.tolist(),
            "kind": [str(v) for v in self._kind],
            "source": [str(v) for v in self._source],
            "source_id": [str(v) for v in self._source_id],
            "adm1": [str(v) for v in self._adm1],
            "adm2": [str(v) for v in self._adm2],
            "adm3": [str(v) for v in self._adm3_codes],
            "importance": self._importance.tolist(),
        }

    # -- internals: admin hints ------------------------------------------------------------

    def _hint_codes(self, admin1: str | None, admin2: str | None) -> tuple:
        """(adm1 P-codes, adm2 P-codes) the hint names point at (empty when unknown)."""
        codes1 = self._hint_level(admin1, "adm1", frozenset()) if admin1 else frozenset()
        codes2 = self._hint_level(admin2, "adm2", codes1) if admin2 else frozenset()
        return codes1, codes2

    def _hint_level(self, text: str, kind: str, within: frozenset[str]) -> frozenset[str]:
        cache_key = (text, kind, within)
        if cache_key in self._hint_cache:
            return self._hint_cache[cache_key]
        key = name_key(text)
        stripped = split_descriptors(key)[0] or key
        found: frozenset[str] = frozenset()
        # The descriptor-free name first ("Atarib district" is "Atarib"), unless the whole
        # name picks one unit where the bare name picks several ("Damascus Governorate").
        variants = list(dict.fromkeys((stripped, key)))
        whole = self._hint_match(self._stage_exact, key, kind, within)
        if len(whole) == 1:
            variants = []
            found = whole
        for variant in variants:
            for stage in (self._stage_exact, self._stage_fold, self._stage_fuzzy):
                found = self._hint_match(stage, variant, kind, within)
                if found:
                    break
            if found:
                break
        self._hint_cache[cache_key] = found
        return found

    def _hint_match(self, stage, variant: str, kind: str, within: frozenset[str]) -> frozenset:
        match = stage(variant)
        if match is None:
            return frozenset()
        found = np.asarray(match.entries, dtype=np.int64)
        kinds = self._kind[found]
        ents = found[kinds == kind]
        codes = self._pcode[ents]
        if not len(ents) and kind == "adm2":
            # Sources often give a subdistrict as the district: use its parent.
            ents = found[kinds == "adm3"]
            codes = self._adm2[ents]
        if within and kind == "adm2":
            inside = np.isin(self._adm1[ents], list(within))
            codes = codes[inside]
        return frozenset(codes)

    def _hint_agreement(self, entries: list[int], hints: tuple) -> tuple[list[bool], list[int]]:
        """(agrees, strength): a candidate agrees when it lies in (or within
        HINT_TOLERANCE_KM of) every hinted unit, or, for a region, overlaps it ("the Badiya"
        with the governorate Homs); strength 1 for the governorate, +2 for the district,
        counting exact containment only."""
        codes1, codes2 = hints
        n = len(entries)
        agrees = [True] * n
        strength = [0] * n
        if not codes1 and not codes2:
            return agrees, strength
        rows = self._rows
        for level, codes, weight in ((1, codes1, 1), (2, codes2, 2)):
            if not codes:
                continue
            column = rows["adm1"] if level == 1 else rows["adm2"]
            inside = [
                not codes.isdisjoint(self._region_units(e)[level - 1])
                if rows["kind"][e] == "region"
                else column[e] in codes
                for e in entries
            ]
            strength = [s + weight * i for s, i in zip(strength, inside, strict=True)]
            # Border tolerance only when no candidate lies inside the hinted units.
            loose = [
                j for j, e in enumerate(entries) if rows["kind"][e] not in ("region", "country")
            ]
            if loose and not any(inside):
                shape = self._hint_shape(level, codes)
                index = np.array([entries[j] for j in loose], dtype=np.int64)
                points = shapely.points(self._lon[index], self._lat[index])
                # Degrees to km at these latitudes; a tolerance, not a measurement.
                near = shapely.dwithin(shape, points, HINT_TOLERANCE_KM / 111.0).tolist()
                for j, hit in zip(loose, near, strict=True):
                    inside[j] = hit
            agrees = [a and i for a, i in zip(agrees, inside, strict=True)]
        return agrees, strength

    def _region_units(self, entry: int) -> tuple[frozenset[str], frozenset[str]]:
        """(governorate, district) P-codes a region's subdistricts lie in."""
        cache = self.__dict__.setdefault("_region_unit_cache", {})
        if entry not in cache:
            units = [self._unit_entry.get((3, code)) for code in str(self._members[entry]).split()]
            units = [u for u in units if u is not None]
            cache[entry] = (
                frozenset(self._adm1[u] for u in units) - {""},
                frozenset(self._adm2[u] for u in units) - {""},
            )
        return cache[entry]

    def _admin_codes_at(self, lon: float, lat: float) -> tuple[str, str, str]:
        """(adm1, adm2, adm3) P-codes of the subdistrict holding a point ('' outside), from
        the index's own subdistrict polygons (no boundary file is read again)."""
        units, tree = self._subdistricts
        hits = tree.query(Point(lon, lat), predicate="within")
        if not len(hits):
            return ("", "", "")
        unit = int(units[int(hits.min())])
        return (self._adm1[unit], self._adm2[unit], self._pcode[unit])

    @cached_property
    def _subdistricts(self) -> tuple[np.ndarray, shapely.STRtree]:
        """The ADM3 entries that have a polygon, and a spatial index of those polygons."""
        units = np.flatnonzero(self._kind == "adm3")
        shapes = [self.area_geometry(int(unit)) for unit in units]
        has_shape = np.array([shape is not None for shape in shapes], dtype=bool)
        polygons = [shape for shape in shapes if shape is not None]
        return units[has_shape], shapely.STRtree(polygons)

    def _hint_shape(self, level: int, codes: frozenset[str]) -> BaseGeometry:
        cache = self.__dict__.setdefault("_hint_shapes", {})
        key = (level, codes)
        if key not in cache:
            shape = shapely.union_all([self._unit_shape(level, c) for c in codes])
            shapely.prepare(shape)
            cache[key] = shape
        return cache[key]

    def _unit_shape(self, level: int, pcode: str) -> BaseGeometry:
        entry = self._unit_entry.get((level, pcode))
        shape = self.area_geometry(entry) if entry is not None else None
        return shape if shape is not None else shapely.Point()

    @cached_property
    def _unit_entry(self) -> dict[tuple[int, str], int]:
        """(level, P-code) -> entry index of the admin unit."""
        out = {}
        for i, (kind, pcode) in enumerate(zip(self._kind, self._pcode, strict=True)):
            if kind in ("adm1", "adm2", "adm3") and pcode:
                out.setdefault((int(kind[-1]), pcode), i)
        return out

    def _places_in_unit(self, level: int) -> dict[str, np.ndarray]:
        """Admin P-code of ``level`` -> the place entries inside it."""
        cache = self.__dict__.setdefault("_places_by_unit", {})
        if level not in cache:
            places = np.flatnonzero(self._kind == "place")
            codes = (self._adm1, self._adm2, self._adm3_codes)[level - 1][places].astype(str)
            order = np.argsort(codes, kind="stable")
            runs = _runs(codes[order], places[order])
            cache[level] = {code: group for code, (group,) in runs.items() if code}
        return cache[level]

    def _entry_folds(self, entry: int) -> list[str]:
        """An entry's distinct folds, in the order the names table gives them."""
        if "_folds_by_entry" not in self.__dict__:
            entries = self.names["entry"].to_numpy()
            order = np.argsort(entries, kind="stable")
            folds = self.names["fold"].to_numpy(dtype=object)
            self.__dict__["_folds_by_entry"] = _runs(entries[order], folds[order])
        found = self.__dict__["_folds_by_entry"].get(entry)
        return list(dict.fromkeys(found[0].tolist())) if found else []

    @cached_property
    def kinds(self) -> dict[str, int]:
        """Entry counts by kind."""
        return self.entries["kind"].value_counts().to_dict()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a batch: resolving allocates many small
    objects (results, candidate lists) and none forms a cycle, so collections there only
    rescan the index's large tables (a fifth of the batch's time); refcounting still frees
    everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_new_tuple = tuple.__new__
_RESOLUTION_DEFAULTS = {f.name: f.default for f in fields(Resolution) if f.default is not MISSING}


def _new_resolution(**values) -> Resolution:
    """``Resolution(**values)`` without the frozen dataclass's per-field
    ``object.__setattr__`` calls, which dominate when thousands of names resolve (same
    object, same fields; see ``Gazetteer._candidate``)."""
    found = object.__new__(Resolution)
    found.__dict__.update(_RESOLUTION_DEFAULTS, **values)
    return found


def _runs(keys: np.ndarray, *columns: np.ndarray) -> dict:
    """key -> its rows of each of ``columns``, for ``keys`` already grouped (sorted)."""
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.empty(0, int)
    bounds = list(zip(starts.tolist(), np.r_[starts[1:], len(keys)].tolist(), strict=True))
    # Column by column (a generator per key cost more than the slicing: this runs at load).
    sliced = [[column[a:b] for a, b in bounds] for column in columns]
    return dict(zip(keys[starts], zip(*sliced, strict=True), strict=True))


def _group_names(names: pd.DataFrame, column: str) -> dict[str, tuple]:
    """key -> (unique entries, primary flags, curated flags); an entry named both ways
    counts as primary."""
    frame = names[[column, "entry", "primary", "curated"]].sort_values(
        [column, "entry", "primary"], ascending=[True, True, False], kind="stable"
    )
    frame = frame.drop_duplicates([column, "entry"])
    return _runs(
        frame[column].to_numpy(),
        frame["entry"].to_numpy(dtype=np.int64),
        frame["primary"].to_numpy(dtype=bool),
        frame["curated"].to_numpy(dtype=bool),
    )


def _fuzzy_cutoff(fold: str) -> float:
    """Similarity needed for a fuzzy match: short names need near-identity (one wrong
    letter in a five-letter name is another name), so below 6 letters only same-skeleton
    matches count."""
    if len(fold) < 6:
        return 101.0
    return FUZZY_CUTOFF if len(fold) >= 9 else 90.0


def _is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _clean_hint(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()
