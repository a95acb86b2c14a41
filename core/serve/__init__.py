"""Serve: a finished model put to use.

Owns the predictor that loads a run's model once and answers texts (predictor), measuring it on a
labelled file (evaluate), reading back what a run measured on its validation rows (validation), and
handing it on as a zip with a model card (export, model_card). May import core.train (metrics),
core.data and core.store.
"""
