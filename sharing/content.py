"""What a share link shows: the owner's record as it is at the moment of opening (live, not
a copy made when the link was made), reduced to the parts the owner chose. The page, the
PDF and the document downloads all read it from here."""

from dataclasses import dataclass, field

from django.utils import timezone

from documents.models import Document
from documents.trends import lab_series, range_text, short_number
from memory import vitals
from memory.clinical import noted_only
from memory.models import Allergy, Condition, HealthPreference, Medication

from .links import shared_documents
from .models import ShareLink

MAX_POINTS = 60  # the latest values of one series


@dataclass
class Shared:
    link: ShareLink
    owner: object
    generated: object
    vitals: list = field(default_factory=list)
    medications: list = field(default_factory=list)
    allergies: list = field(default_factory=list)
    conditions: list = field(default_factory=list)
    noted_allergies: list = field(default_factory=list)  # memory entries, free text
    noted_conditions: list = field(default_factory=list)
    series: list = field(default_factory=list)
    documents: list = field(default_factory=list)

    @property
    def document_ids(self) -> set[str]:
        return {str(document.pk) for document in self.documents}

    @property
    def empty(self) -> bool:
        return not (self.vitals or self.medications or self.allergies or self.conditions
                    or self.noted_allergies or self.noted_conditions or self.series
                    or self.documents)


def _series(user) -> list[dict]:
    shown = []
    for one in lab_series(user):
        points = one.points[-MAX_POINTS:]
        shown.append({
            "series": one, "more": len(one.points) - len(points),
            "rows": [{"point": point, "range": range_text(point.low, point.high, short_number)}
                     for point in reversed(points)],
        })
    return shown


def shared(link: ShareLink, now=None) -> Shared:
    """The chosen parts of the owner's record, read now. Call it in the language the page
    is shown in (names of analytes and units follow it)."""
    user = link.user
    result = Shared(link=link, owner=user, generated=now or timezone.now())
    if link.summary:
        result.vitals = vitals.latest(user, HealthPreference.for_user(user))
    if link.medications:
        result.medications = list(Medication.objects.for_user(user).filter(is_active=True))
    if link.conditions:
        result.allergies = list(Allergy.objects.for_user(user))
        result.conditions = list(Condition.objects.for_user(user))
        result.noted_allergies = noted_only(user, Allergy, [a.substance for a in result.allergies])
        result.noted_conditions = noted_only(user, Condition,
                                             [c.name for c in result.conditions])
    if link.labs:
        result.series = _series(user)
    result.documents = list(shared_documents(link).filter(status=Document.Status.COMPLETED)
                            .order_by("-document_date", "-created"))
    return result


def document(link: ShareLink, pk) -> Document | None:
    """One of the chosen documents, or None (any other id, the owner's or anyone's)."""
    return shared_documents(link).filter(pk=pk, status=Document.Status.COMPLETED).first()
