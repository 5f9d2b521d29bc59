"""The dashboards: ILO programme, partner portfolio, brand suppliers, and the public impact
page. Parse the filters, read through the selectors, render (or export a table)."""
