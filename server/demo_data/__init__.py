"""Fictional demo data as semicolon CSV files: organisation, activities, accounts, users, UBW actuals.

Load them with the functions of `planround.server.reference` and `planround.server.ubw`.
Usernames are `firstname.lastname` in lower case without å, ä, ö; find a unit's economist or
head with `reference.holders_of(session, Role.economist, "D110")`.
"""

from pathlib import Path

DEMO_DATA_DIR = Path(__file__).parent
