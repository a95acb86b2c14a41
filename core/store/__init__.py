"""Store: where everything the user makes is kept, at the bottom of the engine.

Owns the workspace folder's layout (workspace), its SQLite database (database), the run store with
its records, metrics and queue columns (runs) and the layout of a run's folder (run_folder).
Imports nothing else of core but core.errors, so every other package may import it.
"""
