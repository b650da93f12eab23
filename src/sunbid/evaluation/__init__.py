"""The evaluation room (评标): the scheme a tender declares, scoring methods, abnormally low
prices, arithmetic corrections and anonymised technical bids (暗标).

The modules here are pure: standard library and kernel only (``anonymity`` also reads PDF
files with pypdf). The stateful use cases (committees, locking, the report) call them.
"""
