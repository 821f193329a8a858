"""Data: the validated `Market`, its checks and encoding, filters, and market files.

Read top to bottom: `countries` (ISO codes), `filters` (how ``country``/``kind``/... values
are cleaned and matched), `cells` (checks of one column), `validation` (checks of the tables),
`encoding` (integer codes), `market` (the `Market` value), `io` (CSV, Excel and TOML files).
"""
