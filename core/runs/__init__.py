"""Runs: trainings that live on their own, in processes of their own.

Owns creating and queueing runs and what a user does to them (runner), the worker process that
trains one (worker), warmed-up standby workers (standby), starting and recognising processes
(processes) and the history of runs: names, settings compared, best scores (history).
May import core.train, core.serve, core.data and core.store; nothing in core imports it but the CLI.
"""
