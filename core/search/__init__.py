"""Settings search: an Optuna study whose trials are ordinary runs in the queue.

Owns the study (its storage in the workspace, `search/studies.db`, beside studio.db), the search space,
the driver that queues one trial run at a time and prunes it from the evaluations its training callback
writes to the run store, and the study's summary. Sits above runs: may import runs, train, data, models
and store; nothing below imports it.
"""
