"""The Gradio demo: one app with a tab per capability (``rnnhub demo``, ``python demos/app.py``).

Each tab's work lives in a plain module with handler functions that take and return plain Python values (text,
numbers, dicts, matplotlib figures, tables for the native plots) and raise ``ValueError`` with a message for the
user on bad input, so they are tested without Gradio:

* :mod:`rnnhub.demo.sentiment` — label and confidence, the belief after each token, the gates per token;
* :mod:`rnnhub.demo.translation` — German -> English and English -> Chinese with the attention heatmap;
* :mod:`rnnhub.demo.captioning` — a caption per image with the attention map of every word;
* :mod:`rnnhub.demo.write` — character-level writers (plays, programs, music) whose text streams in;
* :mod:`rnnhub.demo.lab` — the memory lab live: gradient flow, remember-the-first-word, gates;
* :mod:`rnnhub.demo.models_tab` — the published models, their cards and metrics.

Beside them: :mod:`rnnhub.demo.plots` (tables for ``gr.LinePlot`` / ``gr.BarPlot``) and :mod:`rnnhub.demo.charts`
(the images: heatmaps, attention over a picture); :mod:`rnnhub.demo.caption_examples` (the captioning examples and
their "never seen" / "seen in training (variant)" labels); :mod:`rnnhub.demo.space` (``rnnhub demo --export-space``).

:mod:`rnnhub.demo.app` wires them into ``gr.Blocks`` (``build_demo()``); models load lazily, once, through
:mod:`rnnhub.demo.cache`. Importing this package does not import Gradio.
"""
