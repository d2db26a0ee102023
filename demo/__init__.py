"""Demo data: months of a café's loyalty program (`loyalty-bot demo-data`).

generator.py   the entry: generate_demo_data, DemoSummary, ProgramNotEmpty
program.py     the merchant's settings, the demo staff and menu
timeline.py    the period in local days, the event queue, café hours
people.py      members: joins, referral chains, erasure, blocking; their customer rows
habits.py      how often and how much each member buys
simulation.py  the event loop, day by day
purchases.py   purchases, refunds and ratings, settled by services/policy/settlement.py
accounts.py    balances and counters, ledger rows, welcome bonus, erasure, final totals
engagement.py  birthday bonuses, NPS surveys, pushes
orders.py      carts and pre-orders
messages.py    outbox rows and the visits messages bring
writer.py      the bulk table writer
run.py         what the parts of one run share
"""
