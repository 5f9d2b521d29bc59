"""The fixed part of the demo world: organisations, licences, trainers, logins.

Each record is looked up by its natural key (organisation name, licence reference,
trainer email, username) and created only when missing, so a second run changes
nothing. The enterprise layer then reads licences and certifications back from the
database, so it always fits what is really there.
"""

import random
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from modules.models import TrainingModule
from partners.models import Licence, Organisation
from partners.services import user_create_with_membership
from score_platform.demo import reference as ref
from trainers.models import Certification, Trainer


@dataclass
class Created:
    organisations: int = 0
    licences: int = 0
    trainers: int = 0
    certifications: int = 0
    users: int = 0


def in_force_until(as_of: date) -> date:
    return date(as_of.year + 2, 12, 31)


def ensure_catalogue(*, as_of: date) -> Created:
    created = Created()
    organisations = _ensure_organisations(created)
    modules = {module.code: module for module in TrainingModule.objects.all()}
    _ensure_licences(created, organisations, modules, as_of=as_of)
    _ensure_trainers(created, organisations, modules, as_of=as_of)
    _ensure_logins(created, organisations)
    return created


def _ensure_organisations(created: Created) -> dict[str, Organisation]:
    # Where a partner works: the countries of its active licences.
    countries = defaultdict(set)
    for _reference, partner, licence_countries, *_rest, status in ref.LICENCES:
        if status == Licence.Status.ACTIVE:
            countries[partner].update(licence_countries)
    existing = {o.name: o for o in Organisation.objects.filter(name__in=ref.DEMO_ORGANISATIONS)}
    missing = [
        Organisation(
            name=name,
            short_name=short,
            kind=kind,
            countries=sorted(own_countries or countries[name]),
            website=website,
        )
        for name, short, kind, own_countries, website in ref.ORGANISATIONS
        if name not in existing
    ]
    Organisation.objects.bulk_create(missing)
    created.organisations = len(missing)
    return {o.name: o for o in Organisation.objects.filter(name__in=ref.DEMO_ORGANISATIONS)}


def _ensure_licences(created, organisations, modules, *, as_of: date) -> None:
    existing = set(
        Licence.objects.filter(reference__in=[row[0] for row in ref.LICENCES]).values_list(
            "reference", flat=True
        )
    )
    new = []
    for reference, partner, countries, codes, valid_from, valid_until, status in ref.LICENCES:
        if reference in existing:
            continue
        licence = Licence(
            partner=organisations[partner],
            reference=reference,
            countries=countries,
            valid_from=valid_from,
            valid_until=valid_until or in_force_until(as_of),
            status=status,
        )
        new.append((licence, codes))
    Licence.objects.bulk_create([licence for licence, _codes in new])
    through = Licence.modules.through
    through.objects.bulk_create(
        [
            through(licence_id=licence.pk, trainingmodule_id=modules[code].pk)
            for licence, codes in new
            for code in codes
        ]
    )
    created.licences = len(new)


def trainer_specs(*, as_of: date):
    """Trainers per partner and country, with their certifications.

    In each (partner, country): a master trainer of every licensed module, certified
    trainers for most modules, and a candidate who may not lead yet. One certification
    (an SGS trainer in China, Workplace Cooperation) has expired. The same for every
    seed: the seed varies the enterprises, not the fixed part of the world, so seeding
    again with another seed never adds a second set of trainers.
    """
    rng = random.Random("trainers")
    licensed = defaultdict(set)
    first_day = {}
    for _reference, partner, countries, codes, valid_from, _until, _status in ref.LICENCES:
        for country in countries:
            licensed[(partner, country)].update(codes)
            first_day[(partner, country)] = min(
                first_day.get((partner, country), valid_from), valid_from
            )
    emails = set()
    specs = []
    for (partner, country), codes in sorted(licensed.items()):
        codes = [code for code in ref.ALL_MODULES if code in codes]
        team_size = 5 if country in ("CN", "IN") else 3
        start = first_day[(partner, country)]
        for position in range(team_size):
            gender = "female" if (position + len(specs)) % 2 == 0 else "male"
            name = person_name(rng, country, gender)
            email = unique_email(name, partner, emails)
            awarded = start - timedelta(days=rng.randint(30, 240))
            certs = []
            for code in codes:
                if position == 0:
                    level = "master"
                elif position == 2:
                    # Certified in three modules, still a candidate in the others.
                    level = "certified" if code in ("WCO", "OSH", "HRM") else "candidate"
                else:
                    level = "certified" if position == 1 or rng.random() < 0.6 else None
                if level == "candidate":
                    certs.append((code, level, as_of - timedelta(days=200), None))
                elif level is not None:
                    certs.append((code, level, awarded, None))
            if partner == ref.SGS and country == "CN" and position == 4:
                # The one certification that lapsed: this trainer may no longer lead WCO.
                certs = [c for c in certs if c[0] != "WCO"]
                certs.append(("WCO", "certified", date(2017, 10, 2), date(2020, 10, 1)))
            specs.append((partner, name, email, gender, [country], ref.LANGUAGES[country], certs))
        # A newcomer per team, candidate for the foundation module only.
        name = person_name(rng, country, "female")
        specs.append(
            (
                partner,
                name,
                unique_email(name, partner, emails),
                "female",
                [country],
                ref.LANGUAGES[country],
                [("WCO", "candidate", as_of - timedelta(days=90), None)],
            )
        )
    return specs


def _ensure_trainers(created, organisations, modules, *, as_of: date) -> None:
    specs = trainer_specs(as_of=as_of)
    existing = set(
        Trainer.objects.filter(email__in=[spec[2] for spec in specs]).values_list(
            "email", flat=True
        )
    )
    new = [spec for spec in specs if spec[2] not in existing]
    trainers = Trainer.objects.bulk_create(
        [
            Trainer(
                full_name=name,
                email=email,
                organisation=organisations[partner],
                countries=countries,
                languages=languages,
                gender=gender,
            )
            for partner, name, email, gender, countries, languages, _certs in new
        ]
    )
    certifications = [
        Certification(
            trainer=trainer,
            module=modules[code],
            level=level,
            awarded_on=awarded,
            expires_on=expires,
        )
        for trainer, spec in zip(trainers, new, strict=True)
        for code, level, awarded, expires in spec[6]
    ]
    Certification.objects.bulk_create(certifications)
    created.trainers = len(trainers)
    created.certifications = len(certifications)


def _ensure_logins(created, organisations) -> None:
    users = get_user_model().objects
    for username, first, last, organisation, role, is_staff, is_superuser in ref.DEMO_LOGINS:
        if users.filter(username=username).exists():
            continue
        user_create_with_membership(
            actor=None,
            username=username,
            password=settings.DEMO_PASSWORD,
            organisation=organisations[organisation],
            role=role,
            first_name=first,
            last_name=last,
            email=f"{username}@demo.score.example.org",
            is_staff=is_staff,
            is_superuser=is_superuser,
        )
        created.users += 1


def person_name(rng, country: str, gender: str) -> str:
    female, male, family, family_first = ref.PEOPLE[country]
    given = rng.choice(female if gender == "female" else male)
    surname = rng.choice(family)
    return f"{surname} {given}" if family_first else f"{given} {surname}"


def unique_email(name: str, partner: str, taken: set) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    local = ".".join(part.lower() for part in ascii_name.replace("-", " ").split())
    domain = unicodedata.normalize("NFKD", partner).encode("ascii", "ignore").decode()
    domain = "".join(ch for ch in domain.lower() if ch.isalnum())[:12]
    candidate, number = f"{local}@{domain}.demo.example.org", 1
    while candidate in taken:
        number += 1
        candidate = f"{local}{number}@{domain}.demo.example.org"
    taken.add(candidate)
    return candidate


# --- what the enterprise layer reads back --------------------------------------------


@dataclass
class Coverage:
    """Active licence intervals per (partner id, country, module id), merged."""

    intervals: dict = field(default_factory=dict)

    @classmethod
    def load(cls) -> "Coverage":
        raw = defaultdict(list)
        licences = Licence.objects.filter(status=Licence.Status.ACTIVE).prefetch_related("modules")
        for licence in licences:
            for country in licence.countries:
                for module in licence.modules.all():
                    raw[(licence.partner_id, str(country), module.pk)].append(
                        (licence.valid_from, licence.valid_until)
                    )
        merged = {}
        for key, spans in raw.items():
            spans.sort()
            result = [list(spans[0])]
            for start, end in spans[1:]:
                if start <= result[-1][1] + timedelta(days=1):
                    result[-1][1] = max(result[-1][1], end)
                else:
                    result.append([start, end])
            merged[key] = [tuple(span) for span in result]
        return cls(merged)

    def covers(self, partner_id: int, country: str, module_id: int, day: date) -> bool:
        for start, end in self.intervals.get((partner_id, country, module_id), ()):
            if start <= day <= end:
                return True
        return False

    def running_since(self, partner_id, country, module_id, *, through: date) -> date | None:
        """Start of the unbroken coverage that lasts until ``through``, or None."""
        for start, end in self.intervals.get((partner_id, country, module_id), ()):
            if start <= timezone.localdate() and end >= through:
                return start
        return None


@dataclass
class TrainerPool:
    """Who may lead which module when: certified or master, valid on the day."""

    leading: dict  # (trainer id, module id) -> (awarded_on, expires_on)
    teams: dict  # (partner id, country) -> [trainer id], and (partner id, None) -> all

    @classmethod
    def load(cls, partner_ids) -> "TrainerPool":
        leading = {}
        teams = defaultdict(list)
        trainers = Trainer.objects.filter(organisation_id__in=partner_ids).order_by("email")
        for trainer in trainers:
            teams[(trainer.organisation_id, None)].append(trainer.pk)
            for country in trainer.countries:
                teams[(trainer.organisation_id, str(country))].append(trainer.pk)
        certifications = Certification.objects.filter(
            trainer__organisation_id__in=partner_ids, level__in=Certification.LEADING_LEVELS
        )
        for certification in certifications:
            leading[(certification.trainer_id, certification.module_id)] = (
                certification.awarded_on,
                certification.expires_on,
            )
        return cls(leading, dict(teams))

    def can_lead(self, trainer_id, module_id, day: date) -> bool:
        validity = self.leading.get((trainer_id, module_id))
        if validity is None:
            return False
        awarded, expires = validity
        return awarded <= day and (expires is None or day <= expires)

    def pick(self, rng, partner_id, country, module_id, day, *, prefer=None):
        if prefer is not None and self.can_lead(prefer, module_id, day):
            return prefer
        for team in ((partner_id, country), (partner_id, None)):
            able = [t for t in self.teams.get(team, ()) if self.can_lead(t, module_id, day)]
            if able:
                return able[rng.randrange(len(able))]
        return None
