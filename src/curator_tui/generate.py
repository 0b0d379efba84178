"""A deterministic generator of realistic libraries, for benchmarks and tests.

``generate_cards(count, seed)`` yields ``count`` claim cards: statements, syntheses,
1–3 mechanisms of 3–7 steps citing DOIs, 1–5 studies (some contradicting) drawn from a
shared pool, 0–4 gold-standard designs, with unicode (é, –, µ, emoji) and Markdown
characters (* _ [ ] # `) in some of the text. The same ``(count, seed)`` always gives the
same cards; every statement is unique (it carries the claim's running number).

``populate(engine, count, seed)`` inserts those cards in bulk with SQLAlchemy Core
(``executemany``, explicit ids, one transaction per batch): about a minute or less for
100,000 claims, where one ``create_from_card`` per claim would take many.

    python -m curator_tui.generate --db /tmp/big.db --claims 100000 --seed 1
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from curator_tui import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from curator_tui.cards.model import Card, GoldItem, Mechanism, Stance, StudyRef
from curator_tui.cards.render import render_markdown
from curator_tui.cards.text import clean
from curator_tui.cards.words import claim_words
from curator_tui.delta import pack_full

Progress = Callable[[int, int], None]

# --- vocabulary ---------------------------------------------------------------------------
# Every piece is normalised with clean() once, here; the generator only joins clean pieces
# with single spaces, so every generated field is already what clean() would make of it.


def _clean_all(items: Iterable[str]) -> tuple[str, ...]:
    out = tuple(clean(item) for item in items)
    assert all(out), "empty vocabulary item"
    return out


POPULATIONS = _clean_all(
    [
        "older adults",
        "resistance-trained men",
        "untrained young women",
        "postmenopausal women",
        "adolescents with type 1 diabetes",
        "elite endurance cyclists",
        "night-shift café workers",
        "patients with COPD",
        "adults with obesity",
        "naïve C57BL/6 mice",
        "Wistar rats",
        "community-dwelling adults aged ≥ 65",
        "people with chronic low back pain",
        "recreational runners",
        "masters athletes",
        "children aged 8–12",
        "pregnant women",
        "patients after hip replacement",
        "adults with prediabetes",
        "healthy volunteers",
        "soccer players",
        "people with major depressive disorder",
        "heart-failure outpatients",
        "students during exam periods",
    ]
)
INTERVENTIONS = _clean_all(
    [
        "training to momentary muscular failure",
        "creatine monohydrate (5 g/day)",
        "vitamin D₃ at 50 µg/day",
        "time-restricted eating (8 h window)",
        "high-intensity interval training",
        "a Mediterranean diet",
        "omega-3 fatty acids (2 g/day EPA + DHA)",
        "extending sleep by 1–2 h",
        "caffeine at 3 mg/kg",
        "blood-flow restriction training",
        "alternate-day fasting",
        "a high-protein diet (1.6 g/kg/day)",
        "nitrate-rich beetroot juice",
        "mindfulness-based stress reduction",
        "eccentric-only hamstring training",
        "whole-body vibration",
        "a ketogenic diet",
        "daily walking of 8,000 steps",
        "β-alanine supplementation",
        "cold-water immersion after exercise",
        "low-load training with 30 % 1RM",
        "magnesium citrate at 300 mg/day",
        "yoga twice a week",
        "probiotic Lactobacillus strains",
        "metformin at 1,500 mg/day",
        "heavy slow resistance exercise",
    ]
)
VERBS = _clean_all(
    [
        "slightly increases",
        "may increase",
        "does not change",
        "reduces",
        "modestly improves",
        "markedly lowers",
        "may slightly reduce",
        "improves",
        "has no clear effect on",
        "raises",
        "probably preserves",
        "worsens",
    ]
)
OUTCOMES = _clean_all(
    [
        "hypertrophy of the vastus lateralis",
        "rectus femoris cross-sectional area",
        "fasting insulin",
        "VO₂max",
        "LDL cholesterol",
        "sleep quality",
        "bone mineral density at the hip",
        "systolic blood pressure",
        "working memory",
        "HbA1c",
        "one-repetition-maximum strength",
        "lean body mass",
        "C-reactive protein",
        "time-trial performance",
        "perceived fatigue",
        "muscle protein synthesis",
        "hamstring strain injuries",
        "resting heart rate",
        "depressive symptoms",
        "gut microbiota diversity",
        "grip strength",
        "visceral fat",
        "mitochondrial density",
        "tendon stiffness",
        "serum 25(OH)D",
        "falls",
    ]
)
DURATIONS = _clean_all(
    [
        "over 8 weeks",
        "over 12–16 weeks",
        "after 6 months",
        "within 24 h",
        "over one year",
        "after a single session",
        "over 4 weeks",
        "during a 10-day trial",
        "over 2 years",
        "after 3 weeks",
    ]
)
COMPARATORS = _clean_all(
    [
        "training with 1–2 reps in reserve",
        "placebo",
        "usual care",
        "a low-fat diet",
        "no intervention",
        "moderate-intensity continuous training",
        "a waitlist control",
        "maltodextrin",
        "stretching alone",
        "habitual sleep",
        "an isocaloric control diet",
        "high-load training with 80 % 1RM",
    ]
)
# Bits that mean something to Markdown, and unicode beyond Latin-1.
ASIDES = _clean_all(
    [
        "*not* in every subgroup",
        "in _vivo_ only",
        "[sic] as reported",
        "#1 in the ranking of effect sizes",
        "via `mTOR` signalling",
        "— a small effect 💪",
        "with effects ≈ 0.3 SD",
        "(p < 0.05)",
        "in both sexes ♀/♂",
        "per the authors’ reanalysis 🧬",
        "despite a café-au-lait confounder",
        "with ~10 µmol/L changes",
        "[preprint] pending peer review",
        "at 3 × 10 sets",
        "_if_ adherence is high",
        "🏋️ for the trained subgroup",
    ]
)
MECHANISM_SUMMARIES = _clean_all(
    [
        "More mechanical tension on the working muscle fibres drives more growth signalling.",
        "Less fatigue lets the next exercise recruit more motor units.",
        "The intervention lowers the inflammatory load, so tissues recover faster.",
        "Better glucose uptake by muscle lowers the insulin the body needs.",
        "More sleep restores the hormonal rhythm that regulates appetite.",
        "Higher phosphocreatine stores buffer energy during short efforts.",
        "Vasodilation from nitric oxide lowers the work of the heart.",
        "Changes in gut bacteria alter short-chain fatty acids and signalling to the brain.",
        "The stimulus is too small to change the outcome at this dose.",
        "Adaptation of the tendon's collagen makes it stiffer and more resilient.",
        "Mitochondrial biogenesis raises the muscle's oxidative capacity.",
        "Reduced sympathetic drive lowers vascular resistance.",
    ]
)
STEP_SUBJECTS = _clean_all(
    [
        "Multi-joint exercises",
        "Repeated high-intensity efforts",
        "Higher circulating levels of the compound",
        "Motor-unit recruitment",
        "Satellite-cell activation",
        "Phosphorylation of p70S6K",
        "AMPK activation",
        "Insulin-independent GLUT4 translocation",
        "Reduced cortisol exposure",
        "Expression of PGC-1α",
        "Increased nitric-oxide bioavailability",
        "Lower IL-6 and TNF-α concentrations",
        "Greater ribosome biogenesis",
        "Neuromuscular fatigue",
        "Collagen synthesis in the tendon",
        "Short-chain fatty-acid production",
        "Endothelial shear stress",
        "Melatonin secretion",
    ]
)
STEP_EFFECTS = _clean_all(
    [
        "preferentially load the vastus lateralis through hip and knee extension",
        "raise mechanical tension in the trained fibres",
        "increase muscle protein synthesis for up to 48 h",
        "reduce force production in the following exercise",
        "activate mTORC1-dependent translation",
        "improve insulin sensitivity in skeletal muscle",
        "lower systemic inflammation",
        "increase capillary density",
        "shift substrate use towards fat oxidation",
        "raise the lactate threshold",
        "restore the circadian rhythm of appetite hormones",
        "protect against oxidative damage",
        "increase the number of mitochondria per fibre",
        "stiffen the tendon and lower the strain per load",
        "strengthen the gut barrier",
        "dilate the resistance arteries",
    ]
)
STEP_LINKS = _clean_all(
    [
        "which in turn",
        "and over weeks this",
        "and this",
        "an effect that",
        "a change that",
    ]
)
# A modal before each effect keeps the verb right for singular and plural subjects alike.
STEP_MODALS = ("can", "may", "could", "would")
STEP_ENDS = _clean_all(
    [
        "accumulates into measurable hypertrophy",
        "shows up as better performance",
        "lowers the outcome measured in the trials",
        "is detectable only with imaging",
        "fades within two weeks of stopping",
        "is larger in those with a low baseline",
        "explains most of the observed effect",
        "is dose-dependent",
    ]
)
SYNTHESIS_OPENERS = _clean_all(
    [
        "When people follow this routine,",
        "In the trials so far,",
        "Put simply,",
        "Across the studies,",
        "In everyday terms,",
        "For most people,",
    ]
)
SYNTHESIS_BODIES = _clean_all(
    [
        "the effect is real but small, and it needs weeks to show.",
        "the benefit appears mainly in those who start from a low level.",
        "the change is similar to what a comparable dose of exercise gives.",
        "results differ between studies, so the size of the effect is uncertain.",
        "the effect holds for both men and women, with wide confidence intervals.",
        "benefits fade once the intervention stops.",
        "the outcome improves, but the mechanism is still debated.",
        "side effects were rare and mild (mostly gastrointestinal).",
    ]
)
TITLE_PATTERNS = _clean_all(
    [
        "Effects of {i} on {o} in {p}: a randomised controlled trial",
        "{i} and {o}: a systematic review and meta-analysis",
        "Similar {o} following {i} or {c} in {p}",
        "Does {i} change {o}? A crossover study in {p}",
        "Dose–response of {o} to {i} in {p}",
        "{o} after {i}: a prospective cohort of {p}",
        "Mechanisms linking {i} to {o}",
    ]
)
FIRST_NAMES = _clean_all(
    [
        "Martin C.",
        "Eric R.",
        "Zoë",
        "José",
        "Ana",
        "Jürgen",
        "Siobhán",
        "Łukasz",
        "Hiroshi",
        "Chloé",
        "Oluwaseun",
        "Ingrid",
        "Rafael",
        "Mei",
        "Søren",
        "Priya",
        "D. Lee",
        "Jackson J.",
        "François",
        "Ayşe",
    ]
)
LAST_NAMES = _clean_all(
    [
        "Refalo",
        "Helms",
        "Robinson",
        "Hamilton",
        "Fyfe",
        "García",
        "Müller",
        "Nakamura",
        "O'Connor",
        "Nowak",
        "Østergaard",
        "Okafor",
        "Schoenfeld",
        "Phillips",
        "Dupont",
        "Yılmaz",
        "Chen",
        "Santos",
        "Kowalski",
        "Lindqvist",
        "Patel",
        "van der Berg",
    ]
)
JOURNALS = _clean_all(
    [
        "Journal of Sports Sciences",
        "Medicine & Science in Sports & Exercise",
        "The Lancet",
        "BMJ",
        "American Journal of Clinical Nutrition",
        "Journal of Applied Physiology",
        "Sports Medicine",
        "Nature Metabolism",
        "Diabetes Care",
        "Sleep",
        "European Journal of Applied Physiology",
        "Cell Metabolism",
        "JAMA Internal Medicine",
        "Nutrients",
        "Journal of Physiology",
    ]
)
DESIGNS = _clean_all(
    [
        "randomised controlled trial",
        "randomised within-participant trial (one leg per condition)",
        "crossover trial",
        "prospective cohort",
        "systematic review and meta-analysis",
        "case–control study",
        "animal study",
        "cross-sectional study",
        "pilot trial",
    ]
)
GOLD_DESIGNS = _clean_all(
    [
        "Large pre-registered randomised controlled trial",
        "Meta-analysis of individual participant data",
        "Randomised crossover trial with washout",
        "Prospective cohort with repeated measures",
        "Mendelian randomisation study",
        "Within-participant unilateral trial",
        "Dose–response randomised trial",
        "N-of-1 trials pooled across participants",
    ]
)
GOLD_DESCRIPTIONS = _clean_all(
    [
        "≥ 200 participants, 12 months, blinded outcome assessors",
        "MRI-measured outcome, 16 weeks, trained and untrained groups",
        "3 doses plus placebo, 8 weeks each",
        "objective adherence tracking and intention-to-treat analysis",
        "ages 18–80, both sexes, stratified by baseline",
        "primary outcome *pre-specified*, with [open] data",
        "10,000+ people followed for 5 years",
        "wash-out of ≥ 4 weeks between conditions",
    ]
)
NOTES = _clean_all(
    [
        "effect only above 3 g/day",
        "high risk of bias (no blinding)",
        "small sample; wide CI",
        "industry-funded",
        "subgroup analysis, not pre-specified",
        "per-protocol analysis only",
    ]
)
REGISTRANTS = ("1080", "1249", "1152", "1016", "1136", "3390", "1093", "1113", "1038", "2337")


# --- generation ---------------------------------------------------------------------------


def _pick(rng: random.Random, items: Sequence[str]) -> str:
    # random.choice, without its overhead (it is called millions of times for 100k claims).
    return items[int(rng.random() * len(items))]


def _authors(rng: random.Random) -> str:
    return "; ".join(
        f"{_pick(rng, FIRST_NAMES)} {_pick(rng, LAST_NAMES)}" for _ in range(rng.randint(1, 6))
    )


def _study(rng: random.Random, index: int) -> StudyRef:
    year = rng.randint(1995, 2025)
    registrant = _pick(rng, REGISTRANTS)
    doi = f"10.{registrant}/gen.{year}.{index:06d}"
    title = _pick(rng, TITLE_PATTERNS).format(
        i=_pick(rng, INTERVENTIONS),
        o=_pick(rng, OUTCOMES),
        p=_pick(rng, POPULATIONS),
        c=_pick(rng, COMPARATORS),
    )
    title = title[0].upper() + title[1:]
    first_page = rng.randint(1, 1900)
    rich = rng.random() < 0.8  # some records are bare (only a DOI and a title)
    return StudyRef(
        doi=doi,
        title=title,
        authors=_authors(rng) if rich else "",
        journal=_pick(rng, JOURNALS) if rich else "",
        year=year if rich else None,
        volume=str(rng.randint(1, 140)) if rich else "",
        issue=str(rng.randint(1, 24)) if rich and rng.random() < 0.7 else "",
        pages=f"{first_page}–{first_page + rng.randint(4, 20)}" if rich else "",
        pmid=str(rng.randint(10_000_000, 39_999_999)) if rich and rng.random() < 0.6 else "",
        design=_pick(rng, DESIGNS) if rich else "",
        sample_size=rng.randint(8, 5000) if rich and rng.random() < 0.9 else None,
    )


def _maybe_aside(rng: random.Random, text: str, chance: float) -> str:
    if rng.random() >= chance:
        return text
    aside = _pick(rng, ASIDES)
    # Inside the sentence: before its full stop, if it has one.
    return f"{text[:-1]} {aside}." if text.endswith(".") else f"{text} {aside}"


def _statement(rng: random.Random, number: int) -> str:
    sentence = (
        f"In {_pick(rng, POPULATIONS)}, {_pick(rng, INTERVENTIONS)} {_pick(rng, VERBS)} "
        f"{_pick(rng, OUTCOMES)} {_pick(rng, DURATIONS)} compared with {_pick(rng, COMPARATORS)}"
    )
    sentence = _maybe_aside(rng, sentence, 0.25)
    # The running number makes every statement of a library unique.
    statement = f"{sentence} (#{number})"
    if rng.random() < 0.03:
        # Cut off by the page it was copied from, as real pasted claims sometimes are.
        statement += f", while {_pick(rng, INTERVENTIONS)} {_pick(rng, VERBS)}..."
    return statement


def _synthesis(rng: random.Random, dois: list[str]) -> str:
    if rng.random() < 0.1:
        return ""
    parts = [f"{_pick(rng, SYNTHESIS_OPENERS)} {_pick(rng, SYNTHESIS_BODIES)}"]
    for _ in range(rng.randint(0, 2)):
        parts.append(_pick(rng, SYNTHESIS_BODIES).capitalize())
    if dois and rng.random() < 0.5:
        parts.append(f"This pattern is seen in the study with DOI {_pick(rng, dois)}.")
    return _maybe_aside(rng, " ".join(parts), 0.15)


def _step(rng: random.Random, doi: str) -> str:
    text = (
        f"{_pick(rng, STEP_SUBJECTS)} {_pick(rng, STEP_MODALS)} {_pick(rng, STEP_EFFECTS)}, "
        f"{_pick(rng, STEP_LINKS)} {_pick(rng, STEP_ENDS)}"
    )
    return f"{_maybe_aside(rng, text, 0.1)} ({doi})."


def _mechanism(rng: random.Random, dois: list[str]) -> Mechanism:
    summary = "" if rng.random() < 0.1 else _maybe_aside(rng, _pick(rng, MECHANISM_SUMMARIES), 0.1)
    steps = tuple(_step(rng, _pick(rng, dois)) for _ in range(rng.randint(3, 7)))
    return Mechanism(summary, steps)


def _gold(rng: random.Random) -> GoldItem:
    description = _pick(rng, GOLD_DESCRIPTIONS) if rng.random() < 0.7 else ""
    return GoldItem(_pick(rng, GOLD_DESIGNS), description)


def pool_size(count: int) -> int:
    """How many distinct studies a library of ``count`` claims cites (shared between claims)."""
    return max(8, count // 3)


def generate_cards(count: int, seed: int) -> Iterator[Card]:
    """``count`` realistic cards, the same for the same ``(count, seed)``; statements unique."""
    if count < 0:
        raise ValueError("count must be >= 0")
    rng = random.Random(seed)
    pool = [_study(rng, index) for index in range(pool_size(count))]
    for number in range(1, count + 1):
        chosen = rng.sample(pool, rng.randint(1, 5))
        supporting: list[StudyRef] = []
        contradicting: list[StudyRef] = []
        for study in chosen:
            note = _pick(rng, NOTES) if rng.random() < 0.1 else ""
            if rng.random() < 0.2:
                contradicting.append(replace(study, stance=Stance.CONTRADICTING, note=note))
            else:
                supporting.append(replace(study, note=note) if note else study)
        # A card lists its supporting studies first, then the contradicting ones.
        studies = (*supporting, *contradicting)
        cited = [s.doi for s in supporting] or [s.doi for s in contradicting]
        yield Card(
            statement=_statement(rng, number),
            synthesis=_synthesis(rng, cited),
            mechanisms=tuple(_mechanism(rng, cited) for _ in range(rng.randint(1, 3))),
            studies=studies,
            gold=tuple(_gold(rng) for _ in range(rng.randint(0, 4))),
        )


# --- bulk insert --------------------------------------------------------------------------

_EPOCH = datetime(2022, 1, 1, tzinfo=UTC)
_IN_CHUNK = 500


def _tables() -> dict[str, Table]:
    tables = SQLModel.metadata.tables
    return {
        name: tables[name]
        for name in (
            "claim",
            "mechanism",
            "mechanismstep",
            "study",
            "evidence",
            "goldstandarditem",
            "claim_revision",
        )
    }


def _next_ids(conn: Connection, tables: dict[str, Table]) -> dict[str, int]:
    ids = {
        name: int(conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1
        for name, table in tables.items()
    }
    # Never the id of a deleted claim, whose history goes on (services/history.py).
    deleted = conn.execute(select(func.max(tables["claim_revision"].c.claim_id))).scalar()
    ids["claim"] = max(ids["claim"], int(deleted or 0) + 1)
    return ids


def _existing_studies(conn: Connection, study: Table, dois: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    query = select(study.c.doi, study.c.id).where(
        study.c.doi.in_(bindparam("dois", expanding=True))
    )
    for start in range(0, len(dois), _IN_CHUNK):
        for doi, study_id in conn.execute(query, {"dois": dois[start : start + _IN_CHUNK]}):
            found[doi] = study_id
    return found


def _timestamps(number: int) -> tuple[datetime, datetime]:
    # Deterministic, spread over a few years; edited some time after creation.
    created = _EPOCH + timedelta(minutes=13 * number + (number * 7919) % 11)
    updated = created + timedelta(minutes=(number * 104_729) % (400 * 24 * 60))
    return created, updated


def _insert_batch(
    conn: Connection,
    tables: dict[str, Table],
    cards: list[Card],
    first_number: int,
    study_ids: dict[str, int],
) -> None:
    ids = _next_ids(conn, tables)
    new_dois = sorted({s.doi for card in cards for s in card.studies if s.doi not in study_ids})
    study_ids.update(_existing_studies(conn, tables["study"], new_dois))
    claims: list[dict[str, Any]] = []
    mechanisms: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    studies: list[dict[str, Any]] = []
    evidence: list[dict[str, Any]] = []
    gold: list[dict[str, Any]] = []
    claim_id, mechanism_id, step_id = ids["claim"], ids["mechanism"], ids["mechanismstep"]
    study_id, evidence_id, gold_id = ids["study"], ids["evidence"], ids["goldstandarditem"]
    for offset, card in enumerate(cards):
        created, updated = _timestamps(first_number + offset)
        claims.append(
            {
                "id": claim_id,
                "statement": card.statement,
                "synthesis": card.synthesis,
                "created_at": created,
                "updated_at": updated,
                "version": 1,
            }
        )
        for rank, mechanism in enumerate(card.mechanisms):
            mechanisms.append(
                {
                    "id": mechanism_id,
                    "claim_id": claim_id,
                    "rank": rank,
                    "summary": mechanism.summary,
                }
            )
            for position, text in enumerate(mechanism.steps):
                steps.append(
                    {
                        "id": step_id,
                        "mechanism_id": mechanism_id,
                        "position": position,
                        "text": text,
                    }
                )
                step_id += 1
            mechanism_id += 1
        for position, ref in enumerate(card.studies):
            linked = study_ids.get(ref.doi)
            if linked is None:
                linked = study_ids[ref.doi] = study_id
                study_id += 1
                studies.append(
                    {
                        "id": linked,
                        "doi": ref.doi,
                        "title": ref.title,
                        "authors": ref.authors,
                        "journal": ref.journal,
                        "year": ref.year,
                        "volume": ref.volume,
                        "issue": ref.issue,
                        "pages": ref.pages,
                        "pmid": ref.pmid,
                        "design": ref.design,
                        "sample_size": ref.sample_size,
                    }
                )
            evidence.append(
                {
                    "id": evidence_id,
                    "claim_id": claim_id,
                    "study_id": linked,
                    "stance": ref.stance.value,
                    "note": ref.note,
                    "position": position,
                }
            )
            evidence_id += 1
        for position, item in enumerate(card.gold):
            gold.append(
                {
                    "id": gold_id,
                    "claim_id": claim_id,
                    "position": position,
                    "design": item.design,
                    "description": item.description,
                }
            )
            gold_id += 1
        claim_id += 1
    # Parents before children: foreign keys are on.
    for name, rows in (
        ("claim", claims),
        ("study", studies),
        ("mechanism", mechanisms),
        ("mechanismstep", steps),
        ("evidence", evidence),
        ("goldstandarditem", gold),
    ):
        if rows:
            conn.execute(insert(tables[name]), rows)
    claim_table = tables["claim"]
    if "markdown" in claim_table.c:
        # The stored rendering, as the services keep it (services/rendered.py). Stored last:
        # the triggers of migration 0003 cleared it as each child row went in. The card
        # loads back equal to the generated one, so this is exactly its export.
        # Its words for the filter go in with it (cards/words.py), as rendered.py stores them.
        store = (
            update(claim_table)
            .where(claim_table.c.id == bindparam("claim_id"))
            .values(markdown=bindparam("text"), words=bindparam("words"))
        )
        texts = [render_markdown(card) for card in cards]
        conn.execute(
            store,
            [
                {"claim_id": row["id"], "text": text, "words": claim_words(card)}
                for row, text, card in zip(claims, texts, cards, strict=True)
            ],
        )
        # Each claim's first history entry, as the services record it (history.py).
        conn.execute(
            insert(tables["claim_revision"]),
            [
                {
                    "claim_id": row["id"],
                    "revision": 1,
                    "at": row["created_at"],
                    "author": "curator generate",
                    "summary": "generated",
                    "kind": "created",
                    "full": True,
                    "data": pack_full(text),
                }
                for row, text in zip(claims, texts, strict=True)
            ],
        )


def populate(
    engine: Engine,
    count: int,
    seed: int,
    batch: int = 2000,
    progress: Progress | None = None,
) -> int:
    """Insert ``generate_cards(count, seed)`` in bulk; returns the number of claims added.

    Ids continue after the largest of each table; studies already in the library (same
    DOI) are linked, not duplicated. Each batch is one transaction; ``progress(done,
    count)`` is called after each. The FTS index follows through the triggers on ``claim``;
    each claim's stored rendering and words (``claim.markdown``, ``claim.words``) are
    filled as the services would.
    """
    if batch < 1:
        raise ValueError("batch must be >= 1")
    tables = _tables()
    study_ids: dict[str, int] = {}
    cards = generate_cards(count, seed)
    done = 0
    while chunk := list(islice(cards, batch)):
        with engine.begin() as conn:
            _insert_batch(conn, tables, chunk, done + 1, study_ids)
        done += len(chunk)
        if progress is not None:
            progress(done, count)
    return done


# --- command line -------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """``python -m curator_tui.generate --db PATH --claims N --seed S``."""
    parser = argparse.ArgumentParser(
        prog="python -m curator_tui.generate",
        description="Add a deterministic, realistic set of generated claims to a library.",
    )
    parser.add_argument(
        "--db",
        required=True,
        metavar="PATH|URL",
        help="library file (created) or postgresql:// URL",
    )
    parser.add_argument("--claims", type=int, default=1000, metavar="N", help="how many claims")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="random seed")
    parser.add_argument("--batch", type=int, default=2000, metavar="N", help="claims per commit")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress, no summary")
    args = parser.parse_args(argv)
    if args.claims < 0 or args.batch < 1:
        parser.error("--claims must be >= 0 and --batch >= 1")

    from curator_tui.db import LibraryError, display_name, is_url, open_library

    try:
        engine = open_library(args.db if is_url(args.db) else Path(args.db))
    except LibraryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    if args.quiet or not sys.stderr.isatty():
        added = populate(engine, args.claims, args.seed, args.batch)
    else:
        from rich.console import Console
        from rich.progress import Progress as Bar

        with Bar(console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("Generating", total=args.claims)
            added = populate(
                engine,
                args.claims,
                args.seed,
                args.batch,
                lambda done, _total: bar.update(task, completed=done),
            )
    engine.dispose()
    if not args.quiet:
        elapsed = time.perf_counter() - started
        where = display_name(args.db)
        print(f"added {added} claim(s) to {where} in {elapsed:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
