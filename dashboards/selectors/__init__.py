"""What the dashboards show, read from the computed tables through the reports selectors.

Every figure of a KPI result or of reach comes from the tables the aggregation writes
(``KpiSummary``, ``ReachSummary``, ``EnterpriseKpiResult``); no page scans the monthly
measurements, and each function runs a fixed number of queries, so a dashboard's query
count stays the same from the demo world to profile L.
"""
