"""Character-level writers: language models that write plays, programs and tunes.

* :mod:`~rnnhub.writers.char_tokenizer`: one token a character, whitespace kept, a stated ``<unk>`` rule;
* :mod:`~rnnhub.writers.ngram`: the interpolated Kneser-Ney character n-gram baseline (bits per character, samples);
* :mod:`~rnnhub.writers.validity`: does a sample parse? (programs: ``ast``; tunes: music21 and the meter; plays:
  the speaker/line format);
* :mod:`~rnnhub.writers.recipe` and :mod:`~rnnhub.writers.cli`: ``rnnhub train writer --corpus NAME``.
"""
