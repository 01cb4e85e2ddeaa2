"""The one fine-tuning engine every task uses, and what the tasks share around it.

* :mod:`~rnnhub.engine.data`: the user's data as named columns (file, folder, Hub id, built-in corpus, DatasetDict),
  and the model/tokenizer agreement check;
* :mod:`~rnnhub.engine.trainer`: checkpoints and resume, the TrainingArguments schedule, the time budget
  (:class:`~rnnhub.engine.trainer.BudgetSchedule`), the best step, the main-process check, progress bars;
* :mod:`~rnnhub.engine.report`: the run's result, ``eval_report.json`` and the facts and rows of the model card;
* :mod:`~rnnhub.engine.output`: the atomic output folder (staged beside ``OUTPUT``, renamed into place);
* :mod:`~rnnhub.engine.pipeline`: the base class of the generating pipelines;
* :mod:`~rnnhub.engine.batch` and :mod:`~rnnhub.engine.line_files`: the batch commands (``rnnhub translate``,
  ``caption``, ``predict --input``): a model over every line of a file, bad lines reported, the output atomic;
* :mod:`~rnnhub.engine.arguments`: command lines as transformers' examples have them (HfArgumentParser over
  dataclasses and TrainingArguments, a JSON/YAML file of arguments, the options given, the reproducing command);
  :mod:`~rnnhub.engine.launch`: the launch that started fewer processes than asked;
* :mod:`~rnnhub.engine.precision`: whether ``--bf16`` can train on this machine, asked before a run starts;
* :mod:`~rnnhub.engine.checks`, :mod:`~rnnhub.engine.settings`, :mod:`~rnnhub.engine.run_info`,
  :mod:`~rnnhub.engine.command_line`, :mod:`~rnnhub.engine.text_metrics`: small facts and helpers shared by tasks.

The engine imports no task package (``rnnhub.sentiment``, ``rnnhub.translation``, ``rnnhub.captioning``,
``rnnhub.lm``); they import it.
"""
