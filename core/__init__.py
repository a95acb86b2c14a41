"""Fine-Tune Studio's engine: data, models, training, runs and serving, in packages by job.

Top to bottom, each layer imports only the ones below it:

    labels/  label store, suggestions from the latest model
    runs/    runner, worker, standby workers, run history
    serve/   predictor, evaluation, validation report, export (zip, model card)
    train/   TrainConfig, presets, estimate, Trainer set-up, callbacks, the full fine-tune
    data/    reading any file, encodings, columns, the data check, splits, saved datasets
    models/  catalogue, Hub, inspection, loading (encoder, decoder, LoRA)
    store/   workspace, database, run store, run folder layout

Beside them: errors (the typed errors users see), wording (sentences for one or many), device
(the hardware) and cli (`python -m core`). Never imports streamlit. torch and transformers are
imported only inside the functions that need them, so importing `core` stays fast for the pages.
"""

__version__ = "0.1.0"
