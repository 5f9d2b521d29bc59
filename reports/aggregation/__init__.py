"""Computing the reports tables (kpis.md) with set-based SQL: see ``recompute`` for the
runs, ``statements`` for the SQL, ``functions`` for the percentile and mean."""
