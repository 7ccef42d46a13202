"""The words of a message that are worth searching for, in English and Russian.

A natural question ("What was my ferritin last year?", "Какой у меня был ферритин?") is
reduced to its meaningful terms: stop-words of both languages and the small words of
conversation are dropped, each word is stemmed with the Snowball stemmer of its script
(Cyrillic: Russian, otherwise English), and common analytes bring their names in the
other language along (ферритин ↔ ferritin), so a question in one language finds a report
written in the other. Document search (both databases), memory search and the lab-values
table all read a message through `terms`.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

WORD = re.compile(r"\w+", re.UNICODE)
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
MAX_TERMS = 12

_STOP_WORDS = """
a about above after again all also am an and any are as at be because been before being
below between both but by can could did do does doing done down during each either else
ever every few for from further get got had has have having he her here hers him his how
i if in into is it its itself just know let like may me might mine more most much must my
myself need no nor not now of off on once one only or other our ours out over own please
same say see she should show so some such tell than thank thanks that the their theirs
them then there these they this those through to too under until up us very want was we
were what when where which while who whom why will with would you your yours yourself
ago last past previous recent recently latest current currently year years month months
week weeks day days today yesterday time times ever lately again still already
hi hello dear doctor okay ok yes
а без более бы был была были было быть в вам вас весь во вот все всего всех вы где да
даже для до его ее её если есть еще ещё же за здесь и из или им их к как какая какие
каким какой какое каких когда кто ли либо мне может мой моя моё мое мои моих мы на над
надо наш не него нее неё нет ни них но ну о об однако он она они оно от очень по под
при про с со так также такой там те тем то того тоже той только том ты у уже хотя чего
чей чем что чтобы чье чья эта эти это этот я меня мной мою моего моей моем моём моему
свой своя свои свое своё сейчас сегодня вчера год года году лет прошлый прошлом прошлого
прошлой прошлая последний последние последнего последней последнем последняя недавно
раньше месяц месяца месяцев неделю недели день дня дней время раз был была были было
скажи скажите подскажи подскажите покажи покажите расскажи расскажите пожалуйста
привет здравствуйте спасибо доктор ладно хорошо да можно нужно хочу
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

# Analytes people ask about, as the words they use in each language. A member of a group
# found in a message brings the others into the search.
SYNONYMS = [
    {"ferritin", "ферритин"},
    {"cholesterol", "холестерин"},
    {"hemoglobin", "haemoglobin", "гемоглобин"},
    {"glucose", "глюкоза"},
    {"tsh", "ттг", "thyrotropin", "тиреотропный"},
    {"hba1c", "гликированный"},
    {"triglycerides", "триглицериды"},
    {"ldl", "лпнп"},
    {"hdl", "лпвп"},
    {"creatinine", "креатинин"},
    {"iron", "железо"},
    {"vitamin", "витамин"},
    {"platelets", "тромбоциты"},
    {"leukocytes", "лейкоциты", "wbc"},
    {"erythrocytes", "эритроциты", "rbc"},
    {"bilirubin", "билирубин"},
    {"urea", "мочевина"},
    {"potassium", "калий"},
    {"sodium", "натрий"},
    {"calcium", "кальций"},
    {"insulin", "инсулин"},
    {"alt", "алт"},
    {"ast", "аст"},
    {"crp", "срб"},
    # Common words of medical letters, so a question in one language finds a letter
    # written in the other (a glossary, not a translator: what it lacks is not found).
    {"sugar", "сахар", "glucose", "глюкоза"},
    {"thyroid", "щитовидная", "щитовидной"},
    {"ultrasound", "узи"},
    {"blood", "крови", "кровь"},
    {"kidney", "kidneys", "почки", "почек"},
    {"liver", "печень", "печени"},
    {"heart", "сердце", "сердца"},
    {"pressure", "давление"},
    {"vaccine", "vaccination", "прививка", "вакцинация"},
    {"allergy", "аллергия"},
    {"nodule", "nodules", "узел", "узлов"},
    {"dizziness", "dizzy", "головокружение"},
    {"cardiologist", "cardiology", "кардиолог"},
    {"metformin", "метформин"},
    {"atorvastatin", "аторвастатин"},
    {"encephalitis", "энцефалит"},
    {"prescription", "рецепт", "назначение"},
]

_english = snowballstemmer.stemmer("english")
_russian = snowballstemmer.stemmer("russian")


@dataclass(frozen=True)
class Term:
    word: str  # lower case, as written (or a synonym's name)
    stem: str  # its Snowball stem
    cyrillic: bool
    group: int = 0  # terms of one group are one idea: a word and its other-language names

    @property
    def prefix(self) -> str:
        """What every form of the word starts with (a stem may end otherwise: happy → happi)."""
        word, length = self.word.replace("ё", "е"), 0
        while length < min(len(word), len(self.stem)) and word[length] == self.stem[length]:
            length += 1
        return self.stem[:length] or self.stem


@lru_cache(maxsize=20_000)
def stem(word: str) -> str:
    word = word.lower().replace("ё", "е")
    return (_russian if CYRILLIC.search(word) else _english).stemWord(word)


def words(text: str) -> list[str]:
    return [word.lower() for word in WORD.findall(text or "") if "_" not in word]


def _term(word: str, group: int = 0) -> Term:
    return Term(word, stem(word), bool(CYRILLIC.search(word)), group)


_SYNONYM_STEMS = {}
for _group in SYNONYMS:
    for _name in _group:
        _SYNONYM_STEMS[stem(_name)] = sorted(_group - {_name})


def synonyms(word: str) -> list[str]:
    """The other names of an analyte (in both languages), or []."""
    return _SYNONYM_STEMS.get(stem(word), [])


def meaningful(word: str) -> bool:
    if word.isdigit():
        return len(word) == 4  # a year says something; other numbers do not
    return len(word) > 1 and word not in STOP_WORDS


def terms(text: str, expand: bool = True) -> list[Term]:
    """The meaningful terms of `text`, one per stem, first seen first; with `expand`, each
    analyte's names in the other language follow it."""
    found: dict[str, Term] = {}
    for word in words(text):
        if not meaningful(word):
            continue
        group = len({term.group for term in found.values()})
        term = _term(word, group)
        if term.stem in found:
            continue
        found[term.stem] = term
        if expand:
            for other in synonyms(word):
                for part in words(other):
                    extra = _term(part, group)
                    found.setdefault(extra.stem, extra)
        if len(found) >= MAX_TERMS:
            break
    return list(found.values())


def groups(found: list[Term]) -> list[list[Term]]:
    by_group: dict[int, list[Term]] = {}
    for term in found:
        by_group.setdefault(term.group, []).append(term)
    return list(by_group.values())


def stems(text: str) -> set[str]:
    """Every word's stem, stop-words included (to match names that are short words)."""
    return {stem(word) for word in words(text)}


def prefix_pattern(found: list[Term]) -> re.Pattern | None:
    """A pattern matching any word that starts with one of the terms' prefixes (the part
    every form of the word shares)."""
    if not found:
        return None
    alternatives = "|".join(sorted({re.escape(term.prefix) for term in found}, key=len,
                                   reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})\w*", re.IGNORECASE)
