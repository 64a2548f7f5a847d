"""Place-name normalisation for Arabic script and Latin transliterations.

Three keys per name, from light to heavy:

``name_key``
    case, diacritics, ʿ/’ marks, punctuation and articles removed (Latin ``al-``/``ad-``/
    ``ash-``..., Arabic ``ال``); Arabic alef/hamza forms, taa marbuta, alef maksura and
    tatweel folded. Two spellings with the same key are the same written name.
``fold_key``
    a phonetic fold of the name key for Latin transliterations: vowel runs become one
    vowel, doubled letters collapse, ``ou``/``u``, ``ei``/``ay``, ``e``/``a``, ``q``/``k``,
    ``dh``/``d`` style variants merge, a final ``-ah``/``-eh`` drops its ``h``. "Doumeir" and
    "Ad Dumayr" share a fold key. Arabic keys fold further by dropping long vowels.
``skeleton_key``
    the consonants of the fold key only; used to find candidates for fuzzy matching.

Descriptors users append ("town", "village", "governorate", "military airport",
"outskirts of") are split off by :func:`split_descriptors`, which also says which kind of
feature they point at.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Arabic letters folded to one form (alef/hamza variants, taa marbuta, alef maksura,
# Persian/Urdu letter shapes that appear in web text).
_AR_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ٲ": "ا",
        "ٳ": "ا",
        "ة": "ه",
        "ى": "ي",
        "ی": "ي",
        "ې": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ک": "ك",
        "ڪ": "ك",
        "ہ": "ه",
        "ە": "ه",
        "ھ": "ه",
        "ـ": "",  # tatweel
        "ء": "",
    }
)
# Arabic harakat, Quranic marks, superscript alef.
_AR_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_ARABIC_CHAR = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_CHAR = re.compile("[a-zA-Z\u00c0-\u024f\u1e00-\u1eff]")
# ʿ ʾ ’ ‘ ' ` ´ and friends: ayn / hamza marks in transliterations.
_MARKS = re.compile("[\u02b0-\u02ff'`\u00b4\u2018\u2019\u201b\u2032\u0060]")
_NON_WORD = re.compile(r"[^\w]+")
# Latin articles that stand as their own word after hyphens are split: al-, el-, and the
# sun-letter assimilated forms (ad-, ar-, as-, ash-, at-, ath-, az-, adh-, an-, ...).
_LATIN_ARTICLES = frozenset(
    [
        "al",
        "el",
        "il",
        "ul",
        "ad",
        "ed",
        "ar",
        "er",
        "as",
        "es",
        "ash",
        "esh",
        "at",
        "et",
        "ath",
        "eth",
        "az",
        "ez",
        "adh",
        "edh",
        "an",
        "en",
        "aj",
        "ag",
        "ads",
    ]
)
_LATIN_SPECIAL = str.maketrans(
    {
        "ı": "i",
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ʻ": "",
        "ʼ": "",
    }
)

# Descriptor words: (words, feature kind they point at). Matched at the end or start of
# the name key. Kinds: "place", "adm1", "adm2", "adm3", "site".
_DESCRIPTORS: tuple[tuple[str, str | None], ...] = (
    ("sub district", "adm3"),
    ("subdistrict", "adm3"),
    ("nahiya", "adm3"),
    ("nahiyah", "adm3"),
    ("nahiyat", "adm3"),
    ("mintaqat markaz", "adm2"),
    ("markaz", "adm2"),
    ("governorate", "adm1"),
    ("governate", "adm1"),
    ("governorat", "adm1"),
    ("province", "adm1"),
    ("muhafazah", "adm1"),
    ("muhafazat", "adm1"),
    ("mohafazat", "adm1"),
    ("district", "adm2"),
    ("mintaqat", "adm2"),
    ("mantiqat", "adm2"),
    ("mantika", "adm2"),
    ("city", "place"),
    ("town", "place"),
    ("village", "place"),
    ("hamlet", "place"),
    ("neighbourhood", "place"),
    ("neighborhood", "place"),
    ("quarter", "place"),
    ("military airport", "site"),
    ("military airbase", "site"),
    ("military base", "site"),
    ("air base", "site"),
    ("airbase", "site"),
    ("airport", "site"),
    ("camp", "site"),
    ("refugee camp", "site"),
    ("idp camp", "site"),
    ("the", None),
    ("city of", "place"),
    ("town of", "place"),
    ("village of", "place"),
    ("the city of", "place"),
    ("the town of", "place"),
    ("the village of", "place"),
    ("and its outskirts", "site"),
    ("and its countryside", "site"),
    ("outskirts", "site"),
    ("countryside", "site"),
    ("region", None),
    ("area", "site"),
    ("suburb", "place"),
    ("suburbs", "place"),
    ("city centre of", "place"),
    ("city center of", "place"),
    ("centre of", "place"),
    ("center of", "place"),
    ("downtown", "place"),
    ("mountain", "site"),
    ("mountains", "site"),
    ("island", "site"),
    ("sector", "site"),
    ("pocket", "site"),
    ("crossing", "site"),
    ("border crossing", "site"),
    ("checkpoint", "site"),
    ("military prison", "site"),
    ("prison", "site"),
    ("hospital", "site"),
    ("oil field", "site"),
    ("gas field", "site"),
    ("oilfield", "site"),
    ("water station", "site"),
    ("station", "site"),
    ("dam", "site"),
    ("bridge", "site"),
    ("farm", "site"),
    ("farms", "site"),
    ("roundabout", "site"),
    ("square", "site"),
    ("bakery", "site"),
    ("market", "site"),
    ("mosque", "site"),
    ("school", "site"),
    ("factory", "site"),
    ("base", "site"),
    # Arabic (after name_key folding: taa marbuta -> ه, article removed)
    ("محافظه", "adm1"),
    ("منطقه", "adm2"),
    ("ناحيه", "adm3"),
    ("مدينه", "place"),
    ("بلده", "place"),
    ("قريه", "place"),
    ("مخيم", "site"),
    ("مطار", "site"),
)
_DESCRIPTOR_TABLE = sorted(_DESCRIPTORS, key=lambda item: -len(item[0]))


def script_of(text: str) -> str:
    """ "arabic", "latin", "mixed" or "other" for the letters in ``text``."""
    has_ar = bool(_ARABIC_CHAR.search(text))
    has_la = bool(_LATIN_CHAR.search(text))
    if has_ar and has_la:
        return "mixed"
    return "arabic" if has_ar else "latin" if has_la else "other"


@lru_cache(maxsize=200_000)
def name_key(text: str) -> str:
    """The written-name key: see the module docstring. Empty for a name with no letters."""
    text = unicodedata.normalize("NFKC", text)
    text = _AR_DIACRITICS.sub("", text).translate(_AR_MAP)
    text = text.translate(_LATIN_SPECIAL)
    text = _MARKS.sub("", text)
    # Strip Latin diacritics (Ḑ -> D) but keep Arabic letters whole.
    text = "".join(
        ch
        for ch in unicodedata.normalize("NFKD", text)
        if not (unicodedata.combining(ch) and not _ARABIC_CHAR.match(ch))
    )
    text = unicodedata.normalize("NFC", text).casefold()
    words = [w for w in _NON_WORD.sub(" ", text).replace("_", " ").split() if w]
    kept: list[str] = []
    for word in words:
        if word in _LATIN_ARTICLES:
            continue
        if word.startswith("ال") and len(word) > 3:
            word = word[2:]
        kept.append(word)
    # A name made only of articles keeps them ("As" alone is still a name).
    return " ".join(kept or words)


@lru_cache(maxsize=200_000)
def fold_key(key: str) -> str:
    """The phonetic fold of a :func:`name_key` (see the module docstring)."""
    if not key:
        return ""
    if _ARABIC_CHAR.search(key):
        # Long vowels and the letters often dropped or doubled in spelling.
        words = [w[0] + re.sub("[اوي]", "", w[1:]).removesuffix("ه") for w in key.split()]
        folded = "".join(words)
        return re.sub(r"(.)\1+", r"\1", folded)
    out = []
    for word in key.split():
        out.append(_fold_latin_word(word))
    return "".join(out)


_DIGRAPHS = (
    ("kh", "x"),
    ("sh", "$"),
    ("sch", "$"),
    ("ch", "$"),
    ("ş", "$"),
    ("th", "t"),
    ("dh", "d"),
    ("zh", "z"),
    ("gh", "g"),
    ("ph", "f"),
    ("ck", "k"),
    ("dj", "j"),
    ("q", "k"),
    ("c", "k"),
    ("x", "ks"),
)


_DIGRAPH_MAP = {old: new for old, new in _DIGRAPHS if old != "x"}
# One pass over the word, longest digraph first ("sch" before "ch"): the same result as
# replacing one digraph after another on every word of the shipped gazetteer, faster.
_DIGRAPH_RE = re.compile("|".join(sorted(map(re.escape, _DIGRAPH_MAP), key=len, reverse=True)))
_UW_GLIDE = re.compile("uw(?=[aeiouy])")
_W_DIPHTHONG = re.compile("(?<=[aeiou])w(?![aeiouy])")
_VOWEL_RUN = re.compile("[aeiouy]+")
_DOUBLED = re.compile(r"(.)\1+")
# Word-level variants the letter folds cannot merge: the kunya / tribal prefix spelt as
# one word or two ("Albu Kamal" = "Abu Kamal" = "Bukamal", "Al Boleel" = "Abu al Layl"),
# and the vowel that moves in "Kafr"/"Kfar"/"Kefr"/"Kufr" (كفر).
_WORD_VARIANTS = {
    "abu": "bu",
    "albu": "bu",
    "abou": "bu",
    "bou": "bu",
    "kfar": "kafr",
    "kefr": "kafr",
    "kufr": "kafr",
    "kfr": "kafr",
}


@lru_cache(maxsize=100_000)
def _fold_latin_word(word: str) -> str:
    word = _WORD_VARIANTS.get(word, word)
    w = _DIGRAPH_RE.sub(lambda m: _DIGRAPH_MAP[m[0]], word.replace("x", "ks"))
    # "Suwayda" = "Sweida", "Tuways" = "Tweis": u+w before a vowel is one w.
    w = _UW_GLIDE.sub("w", w)
    # "Zawr" = "Zor": a w closing a diphthong (before a consonant or the end) is a vowel.
    w = _W_DIPHTHONG.sub("", w)
    # y at the start of a word is a consonant; elsewhere a vowel glide (ay = ei = i).
    head, tail = w[:1], _VOWEL_RUN.sub("a", w[1:])
    w = ("a" if head in "aeiou" else head) + tail
    w = w.replace("aa", "a")
    # Final taa marbuta / -ah, -eh: "Raqqah" = "Raqqa".
    if len(w) > 2 and w.endswith("ah"):
        w = w[:-1]
    return _DOUBLED.sub(r"\1", w)


@lru_cache(maxsize=200_000)
def skeleton_key(fold: str) -> str:
    """Consonants of a fold key (vowels dropped)."""
    if _ARABIC_CHAR.search(fold):
        return fold
    return re.sub(r"(.)\1+", r"\1", fold.replace("a", ""))


_DESCRIPTOR_KIND = dict(_DESCRIPTORS)
_DESCRIPTOR_WORDS = "|".join(re.escape(words) for words, _ in _DESCRIPTOR_TABLE)
_TRAILING = re.compile(rf"^(?P<rest>.+?) (?P<d>{_DESCRIPTOR_WORDS})$")
_LEADING = re.compile(rf"^(?P<d>{_DESCRIPTOR_WORDS}) (?P<rest>.+)$")


@lru_cache(maxsize=200_000)
def split_descriptors(key: str) -> tuple[str, str | None]:
    """Split descriptor words off a :func:`name_key`.

    Returns the remaining key and the feature kind the descriptors point at ("place",
    "adm1", "adm2", "adm3", "site") or None. A key made only of descriptors is kept.
    """
    kind: str | None = None
    while key:
        match = _TRAILING.match(key) or _LEADING.match(key)
        if match is None:
            break
        key = match["rest"]
        what = _DESCRIPTOR_KIND[match["d"]]
        # The most specific descriptor wins ("X district, Y governorate" -> adm2).
        if what is not None and (kind is None or kind in ("place", "site")):
            kind = what
    return key.strip(), kind


# Generic first words of village names ("Tall Abu Rasayn", "Mazra`at Sulayman Sari",
# "Khirbat al Baqar") that sources often leave out or add: the mound, ruin or farm is
# named after the village, and usually lies beside it.
GENERIC_PREFIXES = frozenset(
    {
        "tall",
        "tal",
        "tell",
        "tel",
        "til",
        "khirbat",
        "khirbet",
        "khirbit",
        "kherbet",
        "khirba",
        "khirbeh",
        "khirbah",
        "mazraat",
        "mazrat",
        "mazraa",
        "mazraet",
        "mazraah",
        "mazraeh",
        "izbat",
        "ezbet",
        "izbet",
        "qaryat",
    }
)


@lru_cache(maxsize=200_000)
def core_name(key: str) -> str | None:
    """A :func:`name_key` without its generic first word ("tall abu rasayn" ->
    "abu rasayn"), or None when it has none (or nothing of substance would remain)."""
    first, _, rest = key.partition(" ")
    if first not in GENERIC_PREFIXES or sum(ch.isalpha() for ch in rest) < 4:
        return None
    return rest


def keys(text: str) -> tuple[str, str, str]:
    """(name_key, fold_key, skeleton_key) of ``text``."""
    key = name_key(text)
    fold = fold_key(key)
    return key, fold, skeleton_key(fold)
