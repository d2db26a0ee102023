"""How each member buys: how often (a buyer archetype, then a stream of regular visits thinned
by the weekday and the season until they drift away; some come back once), how much, and how
keen they are to pay with points. Tuned so 100,000 members over 12 months make about a
million purchases."""

from __future__ import annotations

import math
import random

from demo.people import People
from demo.program import Program
from demo.timeline import DAY, HOUR, PURCHASE, Timeline, cafe_time, weighted

# (name, share, daily rate median, rate spread, mean active days; rate 0 = buys once at most)
ARCHETYPES = (
    ("never", 0.12, 0.0, 0.0, 0.0),
    ("once", 0.26, 0.0, 0.0, 0.0),
    ("occasional", 0.40, 1 / 14, 0.5, 160.0),
    ("regular", 0.22, 1 / 3.6, 0.4, 220.0),
)
COMEBACK_SHARE = 0.2  # of churned repeat buyers, who come back once after a pause
FIRST_AT_JOIN = 0.65  # joined at the counter and bought in the same visit
REDEEM_KEENNESS = ((0.0, 0.3), (0.35, 0.5), (0.85, 0.2))  # (chance to pay with points, share)


class Habits:
    """Each member's buying habits, and their regular visits scheduled one at a time."""

    def __init__(
        self, rng: random.Random, timeline: Timeline, program: Program, people: People
    ) -> None:
        self.rng, self.timeline, self.people = rng, timeline, people
        self.unit, self.point_value = program.unit, program.point_value
        n = people.n
        self.rate = [0.0] * n  # regular visits a day; 0: none
        self.cursor = [0.0] * n  # the regular stream's position, in days
        self.act_end = [0.0] * n  # the active period's end, in days
        self.comeback = [0.0] * n  # days of pause before coming back once; 0: never
        self.redeem_p = [0.0] * n  # the chance to pay with points when the balance allows
        self.redeem_min = [0] * n  # points worth using
        self.spend = [1.0] * n  # the check size, as a factor of the café's median

    def plan(self, i: int) -> None:
        """The member's habits and first purchase, if they ever buy."""
        rng = self.rng
        r = rng.random()
        if self.people.referrer[i] is not None:
            r = min(0.999, r + 0.05)  # a friend who brought you: fewer who never buy
        kind = ARCHETYPES[-1]
        for archetype in ARCHETYPES:
            r -= archetype[1]
            if r < 0:
                kind = archetype
                break
        self.spend[i] = math.exp(rng.gauss(0.0, 0.3))
        self.redeem_p[i] = weighted(rng, REDEEM_KEENNESS)
        self.redeem_min[i] = self.unit * rng.choice((1, 2, 5, 10)) // self.point_value
        if kind[0] == "never":
            return
        t = self.people.join[i]
        if rng.random() < FIRST_AT_JOIN:
            first = t + rng.randrange(120, 900)
        else:
            day = t // DAY + 1 + int(rng.expovariate(1 / 7))
            first = day * DAY + cafe_time(rng)
        if first >= self.people.stop[i]:
            return
        self.timeline.push(first, PURCHASE, i)
        if kind[2] > 0:
            self.rate[i] = kind[2] * math.exp(rng.gauss(0.0, kind[3]))
            self.cursor[i] = first / DAY
            self.act_end[i] = first / DAY + rng.expovariate(1 / kind[4])
            if rng.random() < COMEBACK_SHARE:
                self.comeback[i] = rng.uniform(45, 200)

    def next_visit(self, last: int, i: int) -> None:
        """The member's next regular visit: a Poisson stream thinned by the day's weight
        (weekday and month), until the active period ends; some come back once later."""
        rate = self.rate[i]
        if rate <= 0:
            return
        random_, log = self.rng.random, math.log
        weights, top = self.timeline.day_weight, self.timeline.max_weight
        stop = self.people.stop[i]
        x, end, stop_day = self.cursor[i], self.act_end[i], stop / DAY
        scale = 1.0 / (rate * top)
        while True:
            x -= log(1.0 - random_()) * scale
            if x >= end:
                pause = self.comeback[i]
                if pause <= 0:
                    return
                self.comeback[i] = 0.0
                x = end + pause
                end = x - log(1.0 - random_()) * 60.0
                self.act_end[i] = end
                continue
            if x >= stop_day:
                return
            d = int(x)
            if random_() * top < weights[d]:
                break
        self.cursor[i] = x
        t = d * DAY + cafe_time(self.rng)
        if t <= last:
            t = last + HOUR + int(random_() * 2 * HOUR)
        if t < stop:
            self.timeline.push(t, PURCHASE, i)
