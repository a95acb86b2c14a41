"""The model card's "How to use it" for a quick or few-shot run: an encoder and a head, not a transformers
classifier, so `pipeline` cannot load it; sentence-transformers (and, for few-shot, SetFit) can."""

from __future__ import annotations

_COMMON = ("## How to use it\n\nThis model is a sentence encoder (`encoder/`) with a logistic-regression head "
           "(`head.json`, plain numbers), made by Fine-Tune Studio's {method} method.\n\n```bash\n"
           "pip install sentence-transformers numpy\npython predict.py \"a text to classify\"\n```\n\n"
           "or in Python, with the path of this folder (`predict.py` holds the same few lines):\n\n```python\n"
           "import json, numpy as np\nfrom sentence_transformers import SentenceTransformer\n\n"
           "folder = \"path/to/this/folder\"\nhead = json.load(open(f\"{{folder}}/head.json\"))\n"
           "labels = json.load(open(f\"{{folder}}/config.json\"))[\"id2label\"]\n"
           "vectors = SentenceTransformer(f\"{{folder}}/encoder\").encode([\"a text to classify\"])\n"
           "scores = vectors @ np.array(head[\"coef\"]).T + np.array(head[\"intercept\"])  # one column: two labels\n"
           "```")
_SETFIT = ("\n\nThe encoder folder is also SetFit's own save, so SetFit loads it (its head is scikit-learn's, "
           "pickled: load only files you trust):\n\n```python\nfrom setfit import SetFitModel\n\n"
           "model = SetFitModel.from_pretrained(\"path/to/this/folder/encoder\")\n"
           "print(model.predict_proba([\"a text to classify\"]))  # columns in the order of config.json's id2label\n"
           "```")


def embedding_usage(method: str) -> str:
    return _COMMON.format(method=method) + (_SETFIT if method == "few-shot" else "")
