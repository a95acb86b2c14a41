"""Fine-Tune Studio's engine: data, models, training, evaluation and prediction.

Never imports streamlit. torch and transformers are imported only inside the modules that
need them, so importing `core` stays fast for the dashboard's pages.
"""

__version__ = "0.1.0"
