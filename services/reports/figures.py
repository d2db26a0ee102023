"""Exact rates and scores, shared by every report: a Ratio (2/3, shown as 67 %), NPS and CSAT."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True, slots=True)
class Ratio:
    """An exact rate or mean; `value` is None when there is nothing to divide by."""

    num: int
    den: int

    @property
    def value(self) -> float | None:
        return None if self.den == 0 else self.num / self.den

    @property
    def minor(self) -> int | None:
        """A mean amount of money in whole minor units, rounded down (an average check)."""
        return None if self.den == 0 else self.num // self.den


def ratio(num: int, den: int) -> Ratio:
    return Ratio(int(num), int(den))


@dataclass(frozen=True, slots=True)
class Nps:
    promoters: int  # 9-10
    passives: int  # 7-8
    detractors: int  # 0-6

    @property
    def answers(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> int | None:
        """% promoters minus % detractors, rounded to a whole number."""
        if not self.answers:
            return None
        # Half away from zero, as NPS is usually rounded (Python's round() goes to even).
        score = Decimal(100 * (self.promoters - self.detractors)) / self.answers
        return int(score.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def nps_of(scores: dict[int, int]) -> Nps:
    return Nps(
        promoters=sum(n for s, n in scores.items() if s >= 9),
        passives=sum(n for s, n in scores.items() if 7 <= s <= 8),
        detractors=sum(n for s, n in scores.items() if s <= 6),
    )


def csat_of(stars: dict[int, int]) -> tuple[Ratio, Ratio]:
    """(average stars, share of 4 and 5) of a ratings distribution."""
    count = sum(stars.values())
    return (
        Ratio(sum(s * n for s, n in stars.items()), count),
        Ratio(sum(n for s, n in stars.items() if s >= 4), count),
    )
