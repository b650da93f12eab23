"""The kernel: ids, money, clock, errors, events and the statutory rule table.

Imports only the standard library.
"""
