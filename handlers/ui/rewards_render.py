"""How the reward catalogue, a reward, the admins' form and members' vouchers read, and
their buttons. Pure formatting in the reader's language."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.ui.render import N_, points, translated_level, whole_number
from handlers.ui.rewards_callbacks import (
    AdminAction,
    RewardAction,
    RewardAdminCb,
    RewardCb,
    VoucherAction,
    VoucherCb,
)
from services.rewards.values import (
    MAX_DESCRIPTION,
    MAX_LIMIT,
    MAX_NAME,
    MAX_STOCK,
    MAX_VALID_DAYS,
    RewardField,
    RewardView,
    Shelf,
)

FIELD_NAMES = {
    RewardField.NAME: N_("Name"),
    RewardField.DESCRIPTION: N_("Description"),
    RewardField.PHOTO: N_("Photo"),
    RewardField.PRICE: N_("Price"),
    RewardField.STOCK: N_("Stock"),
    RewardField.LIMIT: N_("Limit per member"),
    RewardField.DAYS: N_("Valid for"),
    RewardField.LEVEL: N_("From level"),
}


def button(text: str, data: RewardCb | RewardAdminCb | VoucherCb) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def _days(count: int) -> str:
    return ngettext("{n} day", "{n} days", count).format(n=whole_number(count))


def stock_text(stock: int | None) -> str:
    return _("unlimited") if stock is None else _("{n} left").format(n=whole_number(stock))


def details(reward: RewardView) -> list[str]:
    """Every field of a reward, a line each (the admins' view and the form's preview)."""
    limit = reward.per_member_limit
    return [
        f"<b>{escape(reward.name)}</b>",
        escape(reward.description) if reward.description else _("(no description)"),
        "",
        _("Price: {points}").format(points=points(reward.price)),
        _("Stock: {stock}").format(stock=stock_text(reward.stock_left)),
        _("Limit per member: {limit}").format(
            limit=_("none") if limit is None else whole_number(limit)
        ),
        _("Valid for {days} after claiming").format(days=_days(reward.valid_days)),
        _("From level: {level}").format(level=escape(translated_level(reward.level_name))),
        _("Photo: {photo}").format(photo=_("yes") if reward.photo else _("none")),
    ]


# --- the admins' side ----------------------------------------------------------------------


def admin_list_text(rewards: tuple[RewardView, ...]) -> str:
    if not rewards:
        return _(
            "🎁 <b>Rewards</b>\n\nNo rewards yet. Add the first one: members claim them "
            "for points."
        )
    lines = [_("🎁 <b>Rewards</b>"), ""]
    for reward in rewards:
        lines.append(
            f"• {escape(reward.name)} — {points(reward.price)}, {stock_text(reward.stock_left)}"
        )
    return "\n".join(lines)


def admin_list_keyboard(rewards: tuple[RewardView, ...]) -> InlineKeyboardMarkup:
    rows = [
        [button(r.name, RewardAdminCb(action=AdminAction.OPEN, reward_id=r.id))] for r in rewards
    ]
    rows.append([button(_("➕ Add a reward"), RewardAdminCb(action=AdminAction.ADD))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def admin_reward_keyboard(reward: RewardView) -> InlineKeyboardMarkup:
    edits = [
        button(
            "✏️ " + _(FIELD_NAMES[f]),
            RewardAdminCb(action=AdminAction.EDIT, reward_id=reward.id, field=f),
        )
        for f in RewardField
    ]
    rows = [edits[i : i + 2] for i in range(0, len(edits), 2)]
    rows.append(
        [
            button(_("🗄 Archive"), RewardAdminCb(action=AdminAction.ARCHIVE, reward_id=reward.id)),
            button(_("◀️ Back"), RewardAdminCb(action=AdminAction.LIST)),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def prompt(field: RewardField) -> str:
    match field:
        case RewardField.NAME:
            return _("Send the reward's name (up to {n} characters).").format(n=MAX_NAME)
        case RewardField.DESCRIPTION:
            return _("Send a description (up to {n} characters), or press Skip.").format(
                n=MAX_DESCRIPTION
            )
        case RewardField.PHOTO:
            return _("Send a photo of the reward, or press Skip.")
        case RewardField.PRICE:
            return _("How many points does it cost? Send a whole number, for example 300.")
        case RewardField.STOCK:
            return _("How many are there? Send a number up to {n}, or press Unlimited.").format(
                n=whole_number(MAX_STOCK)
            )
        case RewardField.LIMIT:
            return _(
                "How many may one member claim? Send a number up to {n}, or press No limit."
            ).format(n=whole_number(MAX_LIMIT))
        case RewardField.DAYS:
            return _("For how many days is a voucher valid after claiming? Send 1 to {n}.").format(
                n=MAX_VALID_DAYS
            )
        case RewardField.LEVEL:
            return _("From which level may members claim it?")


SKIPS = {
    RewardField.DESCRIPTION: N_("Skip"),
    RewardField.PHOTO: N_("Skip"),
    RewardField.STOCK: N_("♾ Unlimited"),
    RewardField.LIMIT: N_("No limit"),
}


def prompt_keyboard(
    field: RewardField, reward_id: int, levels: tuple[tuple[int, str], ...]
) -> InlineKeyboardMarkup | None:
    if field == RewardField.LEVEL:
        rows = [
            [
                button(
                    translated_level(name),
                    RewardAdminCb(action=AdminAction.LEVEL, reward_id=reward_id, value=rank),
                )
            ]
            for rank, name in levels
        ]
        return InlineKeyboardMarkup(inline_keyboard=rows)
    if field in SKIPS:
        data = RewardAdminCb(action=AdminAction.SKIP, reward_id=reward_id, field=field)
        return InlineKeyboardMarkup(inline_keyboard=[[button(_(SKIPS[field]), data)]])
    return None


def preview_text(reward: RewardView) -> str:
    return "\n".join([_("Preview: this is how the reward reads."), "", *details(reward)])


def preview_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(_("✅ Save"), RewardAdminCb(action=AdminAction.SAVE)),
                button(_("✖️ Cancel"), RewardAdminCb(action=AdminAction.CANCEL)),
            ]
        ]
    )


def archive_confirm(reward: RewardView) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "Archive {name}? Members will no longer see it; vouchers already claimed stay valid."
    ).format(name=f"<b>{escape(reward.name)}</b>")
    return text, InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(
                    _("🗄 Yes, archive"),
                    RewardAdminCb(action=AdminAction.ARCHIVE_OK, reward_id=reward.id),
                ),
                button(_("◀️ Back"), RewardAdminCb(action=AdminAction.OPEN, reward_id=reward.id)),
            ]
        ]
    )


# --- the members' side ---------------------------------------------------------------------


def shelf_text(shelf: Shelf) -> str:
    lines = [
        _("🎁 <b>Rewards</b>"),
        _("You have {points}.").format(points=points(shelf.balance)),
        "",
    ]
    if not shelf.rewards:
        lines.append(_("There are no rewards yet. Come back soon!"))
    for reward in shelf.rewards:
        lines.append(f"<b>{escape(reward.name)}</b> — {points(reward.price)}")
        lines.append("    " + reach_text(shelf, reward))
    return "\n".join(lines)


def reach_text(shelf: Shelf, reward: RewardView) -> str:
    """Whether the member can have it now, and if not, why."""
    if shelf.paused:
        return _("⏸ paused")
    if reward.id in shelf.at_limit:
        return _("limit reached")
    if shelf.level_rank < reward.min_level_rank:
        return _("🔒 from level {level}").format(level=escape(translated_level(reward.level_name)))
    if reward.stock_left == 0:
        return _("out of stock")
    if shelf.balance < reward.price:
        return _("{points} more to go").format(points=points(reward.price - shelf.balance))
    if reward.stock_left is not None:
        return _("✅ yours for the claiming, {n} left").format(n=whole_number(reward.stock_left))
    return _("✅ yours for the claiming")


def shelf_keyboard(shelf: Shelf) -> InlineKeyboardMarkup:
    rows = [
        [button(f"🎁 {r.name}", RewardCb(action=RewardAction.OFFER, reward_id=r.id))]
        for r in shelf.rewards
    ]
    rows.append([button(_("🎟 My vouchers"), VoucherCb(action=VoucherAction.LIST))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def offer_text(shelf: Shelf) -> str:
    reward = shelf.rewards[0]
    lines = [f"🎁 <b>{escape(reward.name)}</b>"]
    if reward.description:
        lines.append(escape(reward.description))
    lines += [
        "",
        _("Price: {points}").format(points=points(reward.price)),
        _("You have {points}; after claiming: {left}.").format(
            points=points(shelf.balance), left=points(shelf.balance - reward.price)
        ),
        _("The voucher is valid for {days}.").format(days=_days(reward.valid_days)),
    ]
    return "\n".join(lines)


def offer_keyboard(shelf: Shelf) -> InlineKeyboardMarkup:
    reward = shelf.rewards[0]
    claim = RewardCb(
        action=RewardAction.CLAIM, reward_id=reward.id, seen=shelf.balance, terms=reward.terms
    )
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("✅ Claim for {points}").format(points=points(reward.price)), claim)],
            [button(_("◀️ Back"), RewardCb(action=RewardAction.LIST))],
        ]
    )


def admin_refusal(reason: str) -> str:
    texts = {
        "name_empty": _("The name can't be empty. Send the reward's name."),
        "name_long": _("That name is too long: 60 characters at most."),
        "name_taken": _("There is a reward with this name already. Choose another name."),
        "description_long": _("That description is too long: 300 characters at most."),
        "price": _("Please send the price as a whole number of points above 0, for example 300."),
        "stock": _("Please send how many there are as a whole number, for example 20."),
        "limit": _("Please send a whole number from 1 to 1000, or press No limit."),
        "days": _("Please send a number of days from 1 to 365."),
        "level": _("Please pick one of the levels with the buttons."),
    }
    return texts.get(reason, _("This reward is no longer in the catalogue. Open /rewards."))
