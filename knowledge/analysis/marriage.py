"""Marriage and family case types: divorce, child support, bride price, inheritance.

The helpers are small pure functions returning :class:`~.money.Breakdown`; the
functions registered with :func:`~.registry.computes` only wire them to the facts,
check facts against each other (a :class:`CalcError` names the fact at fault) and add deadlines.
The legal wording and the citations are in ``knowledge/cases/{divorce,child_support,bride_price,
inheritance}.yml``.

Sources (texts in shared/data/statutes):
  child support - 婚姻家庭编解释（一）第49条 (20%-30% of the payer's monthly total income for one
                  child; "may be raised" for two or more, generally not above 50%; without a fixed
                  income, the year's income or the trade average with the same shares).
  inheritance   - 民法典第1127、1130条 (first order in equal shares), 第1128条 (a predeceased
                  child's descendants take that child's share), 第1153条 (the surviving spouse's
                  half of community property first), 第1159、1161条 (debts, only up to the estate).
  deadlines     - 民法典第1077条 (cooling-off), 第188条 (three-year limitation).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from . import deadlines as dl
from .registry import Computed, Context, computes
# The calculators' own checks, rounding and number formatting, so every report reads the same.
from .money import Breakdown, _cent, _count, _money, _money_float, _pct, _y, invalid

#: 婚姻家庭编解释（一）第49条: shares of the payer's monthly total income (low, high).
#: Two or more children: the interpretation lets the share rise above 30% but "generally" not
#: above 50%, and names no floor other than the one-child share, so the range is 20%-50%.
SUPPORT_SHARES_ONE_CHILD = (Decimal("0.20"), Decimal("0.30"))
SUPPORT_SHARES_SEVERAL = (Decimal("0.20"), Decimal("0.50"))


# -- pure helpers --------------------------------------------------------------------------------
def child_support_range(income, children_count: int, *, annual: bool = False,
                        fact: str = "payer_monthly_income") -> Breakdown:
    """Monthly child support for all the payer's children together, as a low-high range.

    ``income`` is the payer's monthly total income, or with ``annual=True`` the year's total
    income (divided by 12 first). ``amount`` is the low end; the court decides within or even
    outside the range (第49条第4款), so ``basis`` says where the shares come from."""
    money = _money(income, fact)
    n = _count(children_count, "children_count", minimum=1, label="子女人数")
    monthly = money / 12 if annual else money
    low_rate, high_rate = SUPPORT_SHARES_ONE_CHILD if n == 1 else SUPPORT_SHARES_SEVERAL
    low, high = _cent(monthly * low_rate), _cent(monthly * high_rate)
    base = (f"年收入 {_y(money)} 元 ÷ 12 = {_y(monthly)} 元/月" if annual
            else f"月总收入 {_y(money)} 元")
    formula = f"{base} × {_pct(low_rate)} ～ {_pct(high_rate)} = {_y(low)} ～ {_y(high)} 元/月"
    if n > 1:
        formula += f"（{n} 个孩子合计）"
    figures = {"income": float(money), "annual": annual, "monthly_income": float(_cent(monthly)),
               "children_count": n, "low_rate": float(low_rate), "high_rate": float(high_rate)}
    return Breakdown("child_support", _money_float(low), formula, figures, "statute",
                     low=_money_float(low), high=_money_float(high))


def bride_price_paid(amount) -> Breakdown:
    """The bride price paid, shown as given: whether and how much comes back is for the court
    (彩礼规定第5、6条 fix no share), so nothing is computed from it."""
    money = _money(amount, "bride_price_amount")
    return Breakdown("bride_price_paid", _money_float(money), f"已给付彩礼 {_y(money)} 元",
                     {"bride_price_amount": float(money)})


def spouse_community_half(total) -> Breakdown:
    """The surviving spouse's own half of the couple's community property (民法典第1153条)."""
    money = _money(total, "estate_value")
    half = money / 2
    return Breakdown("spouse_community_half", _money_float(half),
                     f"夫妻共同财产 {_y(money)} 元 ÷ 2 = {_y(half)} 元",
                     {"community_property": float(money)})


def net_estate(estate, debts=0, *, halved_from=None) -> Breakdown:
    """The estate left after taxes and debts (第1159条); never below zero, because heirs answer
    for debts only up to what they inherit (第1161条). ``halved_from`` is the community total
    when ``estate`` is the deceased's half of it, to show that step."""
    value = _money(estate, "estate_value")
    owed = _money(debts, "debts")
    net = max(value - owed, Decimal(0))
    start = (f"{_y(_money(halved_from, 'estate_value'))} 元 ÷ 2 = {_y(value)} 元"
             if halved_from is not None else f"遗产 {_y(value)} 元")
    formula = f"{start} − 债务 {_y(owed)} 元 = {_y(net)} 元"
    if owed > value:
        formula = f"{start} − 债务 {_y(owed)} 元，不足清偿，按 0.00 元计"
    return Breakdown("net_estate", _money_float(net), formula,
                     {"estate": float(value), "debts": float(owed),
                      "shortfall": float(max(owed - value, Decimal(0)))})


def statutory_share(net, heirs: int) -> Breakdown:
    """Equal statutory share of each first-order heir (第1127、1130条); a predeceased child's
    descendants together count as one heir, taking that child's share (第1128条)."""
    value = _money(net, "estate_value")
    n = _count(heirs, "children_count", minimum=1, label="继承人人数")
    share = value / n
    return Breakdown("statutory_share_per_heir", _money_float(share),
                     f"{_y(value)} 元 ÷ {n} 份 = {_y(share)} 元/份",
                     {"net_estate": float(value), "shares": n})


def full_years(start: date, end: date) -> int:
    """Whole years from ``start`` to ``end``."""
    years = end.year - start.year
    return years - 1 if (end.month, end.day) < (start.month, start.day) else years


# -- compute functions ---------------------------------------------------------------------------
def _add_deadlines(out: Computed, items) -> None:
    out.deadlines.extend(items)
    if dl.NOTE not in out.uncertainties:
        out.uncertainties.append(dl.NOTE)


@computes("divorce")
def divorce(f: dict, ctx: Context) -> Computed:
    out = Computed()
    young, old = f.get("youngest_child_age"), f.get("oldest_child_age")
    if young is not None and old is not None and old < young:
        raise invalid("oldest_younger_than_youngest", "oldest_child_age")
    married, applied = f.get("marriage_date"), f.get("application_date")
    if married is not None:
        out.derived["marriage_years"] = full_years(married, ctx.today)
        if applied is not None and applied < married:
            raise invalid("application_before_marriage", "application_date")
    if applied is not None:
        _add_deadlines(out, dl.divorce_cooling_off(applied))
    return out


@computes("child_support")
def child_support(f: dict, ctx: Context) -> Computed:
    out = Computed()
    n = f.get("children_count")
    if n is None:
        return out
    if f.get("has_fixed_income") and f.get("payer_monthly_income") is not None:
        b = child_support_range(f["payer_monthly_income"], n)
    elif f.get("has_fixed_income") is False and f.get("payer_annual_income") is not None:
        b = child_support_range(f["payer_annual_income"], n, annual=True,
                                fact="payer_annual_income")
    else:
        return out
    out.amounts.append(b)
    out.derived["support_low"], out.derived["support_high"] = b.low, b.high
    return out


@computes("bride_price")
def bride_price(f: dict, ctx: Context) -> Computed:
    out = Computed()
    if f.get("bride_price_amount") is not None:
        out.amounts.append(bride_price_paid(f["bride_price_amount"]))
    if f.get("breakup_date") is not None:
        _add_deadlines(out, [dl.limitation_period(f["breakup_date"])])
    return out


@computes("inheritance")
def inheritance(f: dict, ctx: Context) -> Computed:
    # No deadline is computed from the death: the three years of 民法典第188条 run from when an heir
    # knew or should have known that the inheritance right was infringed (rule "limitation").
    out = Computed()
    counts = [f.get("children_count"), f.get("parents_alive_count"), f.get("spouse_alive")]
    if any(c is None for c in counts):
        return out
    heirs = (int(f["spouse_alive"]) + f["children_count"] + f["parents_alive_count"]
             + (f.get("predeceased_children_with_heirs") or 0))
    out.derived["first_order_shares"] = heirs
    if f.get("estate_value") is None:
        return out
    estate, whole = f["estate_value"], None
    if f["spouse_alive"] and f.get("estate_includes_spouse_half"):
        out.amounts.append(spouse_community_half(estate))
        whole, estate = estate, Decimal(str(estate)) / 2
    net = net_estate(estate, f.get("debts") or 0, halved_from=whole)
    out.amounts.append(net)
    if f.get("has_will") is False and heirs > 0:
        out.amounts.append(statutory_share(net.amount, heirs))
    return out
