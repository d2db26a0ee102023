"""Rewards (issue 15): the catalogue, vouchers, stamp cards, gifts and promotions."""
