"""Spreadsheet imports: reading CSV/XLSX safely, and one module of rules per kind of row."""
