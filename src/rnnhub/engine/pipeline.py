"""The base class of rnnhub's generating pipelines; it lives in :mod:`rnnhub.pipelines.pipeline_rnnhub` (remote
code, copied next to the weights of translation and captioning models)."""

from rnnhub.pipelines.pipeline_rnnhub import RnnHubGenerationPipeline

__all__ = ["RnnHubGenerationPipeline"]
