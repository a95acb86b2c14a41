"""Labels: labelling projects in the workspace database, and the model that suggests labels.

Owns the label store (store, queries, records) and model-assisted labelling (suggest). May import
core.store, core.data and core.serve (the predictor that makes suggestions); nothing imports it but the UI
and the CLI.
"""
