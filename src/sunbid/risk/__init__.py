"""The risk engine (风险预警): screens and indicators over tender data.

The room reads bids and computes per-tender statistics relationally (Polars lazy frames); it
never writes the domain. ``screens`` holds the seven price screens of the bid-rigging
literature as indicator classes, ``features`` the scale-free features of the collusion
classifier, ``model`` the shipped classifier and its scoring (numpy only), and ``training``
the retraining and the benchmark (scikit-learn, a development dependency).
"""
