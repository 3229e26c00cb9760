"""One hypothesis profile for the property tests: a fixed, modest number of examples drawn the same way
on every run (``derandomize``), so CI sees the same inputs each time and a failure reproduces as is;
no example database, no deadline (a request through the app's full stack takes what it takes on a
loaded machine). ``HYPOTHESIS_PROFILE=explore`` draws afresh and more, for a local search."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# The callback properties share one app and one database transaction across a test's examples on
# purpose: each example compares the database before and after its own request.
_SHARED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile("bangban", max_examples=60, deadline=None, derandomize=True, database=None,
                          print_blob=False, suppress_health_check=_SHARED)
settings.register_profile("explore", max_examples=1000, deadline=None, derandomize=False, database=None,
                          suppress_health_check=_SHARED)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "bangban"))
