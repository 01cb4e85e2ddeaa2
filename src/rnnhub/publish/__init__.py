"""Publishing: the registry of published folders and the upload to the Hub (``hub``), the checks a folder must
pass first (``verify``) and the generated model cards (``cards``)."""
