"""What the bot's jobs do for demo members: birthday bonuses and their lapse, NPS surveys and
their answers, and the merchant's pushes (campaigns) with the visits they bring."""

from __future__ import annotations

import bisect
from datetime import date, timedelta
from typing import Any

from db.models import CampaignStatus, LedgerReason, OutboxStatus
from demo.messages import SEND_RATE, Messages
from demo.run import Run
from demo.timeline import BIRTHDAY, CAMPAIGN, DAY, HOUR, LAPSE, NPS, weighted
from demo.writer import CAMPAIGN as CAMPAIGN_TABLE
from demo.writer import NPS as NPS_TABLE

BIRTHDAY_REASON = LedgerReason.BIRTHDAY
EXPIRY = LedgerReason.EXPIRY
BIRTHDAY_VISIT_SHARE = 0.4
NPS_EVERY_DAYS = 91
NPS_ANSWER_SHARE = 0.35
NPS_WEIGHTS = tuple(
    (score, weight / 100) for score, weight in enumerate((2, 1, 1, 2, 2, 4, 6, 10, 16, 22, 34))
)  # of the scores 0..10
NPS_COMMENTS = {
    "low": ("Prices went up.", "Service is slow at lunch.", "Слишком дорого."),
    "mid": ("Good coffee, small tables.", "Nice, but often crowded."),
    "high": ("I bring all my friends here!", "Polecam każdemu.", "A kedvenc kávézóm."),
}
CAMPAIGNS_PER_MONTH = 0.75
CAMPAIGN_VISIT_SHARE = 0.03  # recipients who come in within a few days because of a push
# (segment as services/campaigns.py parses it, text): the pushes, in turn.
CAMPAIGNS = (
    ("all", "<b>New seasonal menu</b> is here: pumpkin latte and apple pie. See you soon!"),
    ("inactive:30", "We miss you! <b>Double points</b> on your next coffee this week."),
    ("joined:60", "Welcome aboard! Show your card at the counter: points on every coffee."),
    ("birthday", "<b>Birthday month</b>: a free cake with any coffee, all month long."),
    ("all", "Our <b>winter hot chocolate</b> is back. Warm up with us!"),
    ("inactive:60", "It has been a while: a <b>second coffee half price</b> until Sunday."),
    ("all", "We now bake <b>sourdough</b> every morning. Pre-order in the bot!"),
)


class Engagement:
    def __init__(self, run: Run, messages: Messages) -> None:
        self.run, self.messages = run, messages
        self.rng, self.timeline, self.program = run.rng, run.timeline, run.program
        self.people, self.accounts = run.people, run.accounts

    def next_birthday(self, i: int, after: int) -> None:
        """The member's next birthday (29 February on the 28th in common years) at the
        merchant's birthday hour, after `after`."""
        day, month = self.people.birthday[i] or (1, 1)
        first_day = self.timeline.first_day
        for year in range(first_day.year, first_day.year + 12):
            try:
                when = date(year, month, day)
            except ValueError:
                when = date(year, 2, 28)
            t = (when - first_day).days * DAY + self.program.birthday_hour * HOUR
            if t >= self.timeline.end:
                return
            if t > after:
                self.timeline.push(t + self.rng.randrange(300), BIRTHDAY, i, when.year)
                return

    def birthday(self, t: int, i: int, year: int) -> None:
        """services.jobs birthday_offers: a bonus once a year, to opted-in reachable members."""
        self.next_birthday(i, t)
        accounts = self.accounts
        if not self.messages.reachable(t, i) or accounts.granted_year[i] == year:
            return
        rng, at = self.rng, self.timeline.at(t)
        bonus, days = self.program.birthday_bonus, self.program.birthday_days
        accounts.granted_year[i], accounts.granted_at[i] = year, t
        accounts.bonus_left[i] = bonus
        accounts.redeemed_at_grant[i] = accounts.redeemed[i]
        accounts.credit(i, bonus, BIRTHDAY_REASON, at)
        key = f"birthday:{self.program.merchant_id}:{year}:birthday:{self.people.chat(i)}"
        self.messages.outbox(i, "birthday", key, at, at + timedelta(seconds=rng.randrange(1, 90)))
        self.run.counts["birthdays"] += 1
        self.timeline.push(t + days * DAY + rng.randrange(60, HOUR), LAPSE, i)
        if rng.random() < BIRTHDAY_VISIT_SHARE:
            self.messages.bring_visit(i, t, max(0, days - 1))

    def lapse(self, t: int, i: int, _: Any) -> None:
        """services.jobs lapse_birthday_bonuses: what was not spent since the gift expires."""
        accounts = self.accounts
        if accounts.book[i].erased or not accounts.bonus_left[i]:
            return
        spent = accounts.redeemed[i] - accounts.redeemed_at_grant[i]
        left = min(max(0, accounts.bonus_left[i] - spent), accounts.book[i].balance)
        accounts.bonus_left[i] = 0
        if left:
            accounts.post(i, -left, EXPIRY, self.timeline.at(t), note="birthday")

    def nps(self, t: int, i: int, _: Any) -> None:
        """services.jobs nps_surveys: asked after the third purchase, then every 90 days."""
        if not self.messages.reachable(t, i):
            return
        rng, people, accounts = self.rng, self.people, self.accounts
        at = self.timeline.at(t)
        accounts.nps_at[i] = t
        key = f"nps:{self.program.merchant_id}:{at:%Y%m%d}:nps:{people.chat(i)}"
        self.messages.outbox(i, "nps", key, at, at + timedelta(seconds=rng.randrange(1, 90)))
        if rng.random() < NPS_ANSWER_SHARE:
            when = t + rng.randrange(60, 6 * HOUR)
            if when < min(people.live[i], people.blocked_at[i]):
                score = weighted(rng, NPS_WEIGHTS)
                comment = None
                if rng.random() < 0.25:
                    group = "low" if score <= 6 else "mid" if score <= 8 else "high"
                    comment = rng.choice(NPS_COMMENTS[group])
                self.run.writer.add(
                    NPS_TABLE,
                    {
                        "merchant_id": self.program.merchant_id,
                        "membership_id": people.mid0 + i,
                        "survey_key": f"demo:{people.mid0 + i}:{accounts.nps_n[i]}",
                        "score": score,
                        "comment": None if people.erased(i) else comment,
                        "created_at": self.timeline.at(when),
                    },
                )
        accounts.nps_n[i] += 1
        self.timeline.push(t + NPS_EVERY_DAYS * DAY, NPS, i)

    def plan_campaigns(self) -> None:
        """A push every six weeks or so, on a Tuesday or Thursday morning; the first after a
        month, when there is someone to send it to."""
        days, first_day = self.timeline.days, self.timeline.first_day
        count = max(1, round(days / 30.4 * CAMPAIGNS_PER_MONTH))
        for k in range(count):
            d = int(days * (k + 0.5) / count) + self.rng.randint(-3, 3)
            d = min(max(d, 1), days - 4)
            while (first_day + timedelta(days=d)).weekday() not in (1, 3) and d > 1:
                d -= 1
            self.timeline.push(d * DAY + 10 * HOUR + self.rng.randrange(HOUR), CAMPAIGN, -1, k)

    def campaign(self, t: int, _: int, k: int) -> None:
        """services.campaigns: opted-in, reachable members of the segment; the first push
        after a member blocked the bot comes back blocked, and none are queued for them after."""
        rng, people, accounts, writer = self.rng, self.people, self.accounts, self.run.writer
        cid = writer.reserve(CAMPAIGN_TABLE)
        at = self.timeline.at(t)
        segment, text = CAMPAIGNS[k % len(CAMPAIGNS)]
        kind, _colon, value = segment.partition(":")
        days = int(value) * DAY if value else 0
        month = at.astimezone(self.program.tz).month
        sent = blocked = 0
        for i in range(bisect.bisect_right(people.join, t)):
            if not people.opt_in[i] or accounts.book[i].erased or accounts.blocked_seen[i]:
                continue
            if t >= people.live[i]:
                continue
            if kind == "inactive" and accounts.last_buy[i] >= t - days:
                continue
            if kind == "joined" and people.join[i] < t - days:
                continue
            if kind == "birthday" and (people.birthday[i] or (0, 0))[1] != month:
                continue
            key = f"push:{cid}:{people.chat(i)}"
            if t >= people.blocked_at[i]:
                accounts.blocked_seen[i] = True
                self.messages.outbox(i, "push", key, at, None, OutboxStatus.BLOCKED, cid)
                blocked += 1
                continue
            sent_at = at + timedelta(seconds=1 + sent / SEND_RATE)
            self.messages.outbox(i, "push", key, at, sent_at, OutboxStatus.SENT, cid)
            sent += 1
            if rng.random() < CAMPAIGN_VISIT_SHARE:
                self.messages.bring_visit(i, t + HOUR, 4)
        writer.put(
            CAMPAIGN_TABLE,
            {
                "id": cid,
                "merchant_id": self.program.merchant_id,
                "created_by": self.run.admin_id,
                "text": text,
                "photo": None,
                "button_text": None,
                "button_url": None,
                "segment": segment,
                "recipients": sent + blocked,
                "send_at": at,
                "status": CampaignStatus.DONE,
                "idempotency_key": f"demo-campaign-{cid}",
                "created_at": at - timedelta(minutes=rng.randrange(5, 30)),
                "finished_at": at + timedelta(seconds=2 + sent / SEND_RATE),
            },
        )
        self.run.counts["pushes"] += sent
