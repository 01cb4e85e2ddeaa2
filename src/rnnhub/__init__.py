"""rnnhub: vanilla RNN, GRU and LSTM as Hugging Face transformers models.

Importing rnnhub registers its configs and models with transformers' Auto classes, so stock
``AutoModelForSequenceClassification.from_pretrained(folder)`` (and friends) load rnnhub folders, and registers
the ``rnnhub-translation`` and ``rnnhub-image-captioning`` pipelines.
"""

from .auto import register_auto_classes, register_pipelines
from .models import *  # noqa: F403
from .models import __all__ as _model_names

register_auto_classes()
register_pipelines()

__version__ = "0.1.0"
__all__ = [*_model_names, "register_auto_classes", "register_pipelines", "__version__"]
