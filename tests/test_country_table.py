"""reopt's ISO 3166-1 table (reopt/data/countries.csv) against pycountry's, when installed.

reopt ships its own 249-row table rather than depend on pycountry (23 MB installed for the
same names); this test says when the two drift apart, e.g. after an ISO name change.
"""

from __future__ import annotations

import pytest

from reopt.data.countries import country_names


def test_reopts_country_table_matches_pycountry():
    pycountry = pytest.importorskip("pycountry")
    theirs = {c.alpha_2: getattr(c, "common_name", c.name) for c in pycountry.countries}
    ours = dict(country_names())
    assert set(ours) == set(theirs), "codes added or withdrawn: update reopt/data/countries.csv"
    renamed = {code: (ours[code], theirs[code]) for code in ours if ours[code] != theirs[code]}
    assert not renamed, f"names changed: update reopt/data/countries.csv: {renamed}"
