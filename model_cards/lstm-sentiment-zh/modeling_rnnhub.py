"""rnnhub's `PreTrainedModel` heads: the three shapes of a recurrent network.

* many-to-one:  ``RnnHubForSequenceClassification`` (read a text, output one label)
* one-to-many:  ``RnnHubForImageCaptioning`` (see an image, write a caption)
* many-to-many: ``RnnHubForCausalLM`` (predict each next token) and ``RnnHubForSeq2SeqLM`` (read a source sentence,
  write its translation)

Every head returns a loss when given ``labels``; the generating heads work with ``model.generate()`` (greedy, beam
search, sampling), carrying the recurrent state as the cache so each new token costs one step.

Every head honours ``return_dict`` (False: a tuple of the non-None fields) and ``output_hidden_states`` (the
embeddings, then each recurrent layer's outputs). The safetensors-only loading policy is in ``loading.py``, the
transformers-version differences in ``compat.py``, the fused / transparent choice in ``RecurrentLayer``.

This module and its siblings import only torch and transformers, so ``save_pretrained`` copies them next to the
weights and ``from_pretrained(..., trust_remote_code=True)`` works where rnnhub is not installed.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers import GenerationMixin, PreTrainedModel
from transformers import initialization as init
from transformers.modeling_outputs import BaseModelOutput, ModelOutput

from .cache import RecurrentCache
from .compat import CACHE_ARGUMENT_NAMES, GENERATE_CACHE_KEY, cache_argument
from .configuration_rnnhub import UNK_ID, RnnHubCaptioningConfig, RnnHubConfig, RnnHubSeq2SeqConfig
from .decoder import AttentionDecoder, ConvImageEncoder
from .loading import SafetensorsOnlyLoading
from .recurrent import RecurrentLayer

# ----------------------------------------------------------------------------------------------------------------
# Outputs


@dataclass
class RnnHubModelOutput(ModelOutput):
    """last_hidden_state: (batch, time, directions * hidden); cache: the final state; hidden_states (with
    ``output_hidden_states``): the embeddings, then each recurrent layer's outputs; gates: see RecurrentLayerOutput."""

    last_hidden_state: torch.Tensor | None = None
    cache: RecurrentCache | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    gates: dict[str, torch.Tensor] | None = None


@dataclass
class RnnHubSequenceClassifierOutput(ModelOutput):
    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    gates: dict[str, torch.Tensor] | None = None


@dataclass
class RnnHubCausalLMOutput(ModelOutput):
    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    cache: RecurrentCache | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    gates: dict[str, torch.Tensor] | None = None


@dataclass
class RnnHubSeq2SeqLMOutput(ModelOutput):
    """cross_attentions: one tensor (batch, 1, target steps, source slots), the decoder's attention weights.

    ``decoder_attentions`` stays None (a recurrent decoder has no self-attention); generate() reads the field.
    """

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    cache: RecurrentCache | None = None
    decoder_attentions: tuple[torch.Tensor, ...] | None = None
    cross_attentions: tuple[torch.Tensor, ...] | None = None
    encoder_last_hidden_state: torch.Tensor | None = None
    encoder_hidden_states: tuple[torch.Tensor, ...] | None = None
    decoder_gates: dict[str, torch.Tensor] | None = None


# ----------------------------------------------------------------------------------------------------------------
# Base class: weight init (loading: loading.py)


class RnnHubPreTrainedModel(SafetensorsOnlyLoading, PreTrainedModel):
    config_class = RnnHubConfig
    base_model_prefix = "rnnhub"
    main_input_name = "input_ids"
    # Losses are means over the batch's tokens; Trainer need not pass num_items_in_batch.
    accepts_loss_kwargs = False
    _no_split_modules = []

    def _init_weights(self, module: nn.Module) -> None:
        std = self.config.initializer_range
        if isinstance(module, (nn.RNN, nn.GRU, nn.LSTM)):
            self._init_recurrent(module)
        elif isinstance(module, nn.Embedding):
            init.normal_(module.weight, mean=0.0, std=std)
            if module.padding_idx is not None and not getattr(module.weight, "_is_hf_initialized", False):
                with torch.no_grad():
                    module.weight[module.padding_idx].zero_()
        elif isinstance(module, nn.Linear):
            init.xavier_uniform_(module.weight)
            if module.bias is not None:
                init.zeros_(module.bias)
        elif isinstance(module, nn.Conv2d):
            init.kaiming_normal_(module.weight, nonlinearity="relu")
            if module.bias is not None:
                init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d):
            init.ones_(module.weight)
            init.zeros_(module.bias)
            init.zeros_(module.running_mean)
            init.ones_(module.running_var)
            init.zeros_(module.num_batches_tracked)

    def _init_recurrent(self, module: nn.RNNBase) -> None:
        """Input weights Xavier-uniform, recurrent weights orthogonal per gate (norm-preserving at the start, so
        gradients neither vanish nor explode through the first steps), biases zero except the LSTM forget gate."""
        hidden = module.hidden_size
        for name, param in module.named_parameters():
            if getattr(param, "_is_hf_initialized", False):
                continue
            with torch.no_grad():
                if name.startswith("weight_ih"):
                    init.xavier_uniform_(param)
                elif name.startswith("weight_hh"):
                    for block in param.split(hidden, dim=0):
                        torch.nn.init.orthogonal_(block)
                elif name.startswith("bias"):
                    param.zero_()
                    if isinstance(module, nn.LSTM) and name.startswith("bias_ih"):
                        # Gate order i, f, g, o: an open forget gate lets memory (and gradient) flow from the start.
                        param[hidden : 2 * hidden].fill_(self.config.forget_bias)


def _return(output: ModelOutput, return_dict: bool | None, config) -> ModelOutput | tuple:
    """``output``, or its non-None fields as a tuple when ``return_dict`` (default: the config's) is False."""
    return_dict = getattr(config, "return_dict", True) if return_dict is None else return_dict
    return output if return_dict else output.to_tuple()


def check_input_ids(input_ids: torch.Tensor, vocab_size: int, *, min_length: int = 0) -> None:
    """Token ids must be (batch, length) with length >= ``min_length``, each in [0, vocab_size).

    Raises:
        ValueError: naming the shape or the id range found.
    """
    if input_ids.dim() != 2 or input_ids.shape[1] < min_length:
        needs = f" with length >= {min_length}" if min_length else ""
        raise ValueError(f"input_ids must be (batch, length){needs}, got shape {tuple(input_ids.shape)}.")
    if not input_ids.numel():
        return
    # One pass over the ids (not min() then max()): this runs at every generation step.
    low, high = (int(value) for value in torch.aminmax(input_ids))
    if low < 0 or high >= vocab_size:
        raise ValueError(
            f"input_ids must lie in [0, {vocab_size}); got values in [{low}, {high}]. Is the tokenizer the model's own?"
        )


def _dropout(module: nn.Dropout, hidden: torch.Tensor) -> torch.Tensor:
    """``module(hidden)``, without the module call where dropout is the identity (eval mode, or p = 0): at batch 1 a
    generation step is small enough that each call's overhead shows in characters per second."""
    return module(hidden) if module.training and module.p > 0 else hidden


def check_not_empty(input_ids: torch.Tensor, attention_mask: torch.Tensor | None, config) -> None:
    """Classifying (no labels): every row must hold a token besides ``<pad>``/``<bos>``/``<eos>``. An empty text
    encodes to ``<eos>`` alone, and a label for it would be a guess dressed as an answer.

    Raises:
        ValueError: naming the empty rows (1-based, as ``rnnhub predict`` numbers texts).
    """
    if input_ids.dim() != 2 or (attention_mask is not None and attention_mask.shape != input_ids.shape):
        return  # a malformed batch: the stack's own checks name what is wrong
    special = sorted({config.pad_token_id, config.bos_token_id, config.eos_token_id} - {None})
    content = ~torch.isin(input_ids, torch.tensor(special, device=input_ids.device))
    if attention_mask is not None:
        content &= attention_mask.bool()
    empty = (~content.any(dim=1)).nonzero().flatten().tolist()
    if empty:
        raise ValueError(
            f"Text {', '.join(str(i + 1) for i in empty)} is empty (no tokens besides special ones): there is "
            "nothing to classify. Give each text some words."
        )


class _EmbeddedRecurrentStack:
    """Token embeddings, their dropout and the recurrent stack: what ``RnnHubModel`` and the translation encoder
    share (built by :meth:`_build_stack`, run by :meth:`_run_stack`; parameter names ``embeddings.*`` and
    ``recurrent.*``)."""

    def _build_stack(self, config) -> None:
        self.embeddings = nn.Embedding(
            config.vocab_size, config.embedding_size, padding_idx=config.pad_token_id
        )
        self.embedding_dropout = nn.Dropout(config.embedding_dropout)
        self.recurrent = RecurrentLayer(
            config.cell_type,
            config.embedding_size,
            config.hidden_size,
            num_layers=config.num_hidden_layers,
            bidirectional=config.bidirectional,
            dropout=config.dropout,
            nonlinearity=config.nonlinearity,
        )

    def _run_stack(
        self,
        inputs_embeds: torch.Tensor,
        attention_mask: torch.Tensor | None,
        state=None,
        output_gates: bool = False,
        implementation: str | None = None,
        output_hidden_states: bool = False,
    ):
        """``(recurrent run, hidden_states or None)`` over already embedded inputs."""
        if attention_mask is not None and attention_mask.shape[:2] != inputs_embeds.shape[:2]:
            raise ValueError(
                f"attention_mask shape {tuple(attention_mask.shape)} does not match the inputs "
                f"{tuple(inputs_embeds.shape[:2])}."
            )
        embedded = _dropout(self.embedding_dropout, inputs_embeds)
        run = self.recurrent(
            embedded,
            attention_mask=attention_mask,
            state=state,
            implementation=implementation,
            output_gates=output_gates,
            output_hidden_states=bool(output_hidden_states),
        )
        hidden_states = (embedded, *run.layer_outputs) if output_hidden_states else None
        return run, hidden_states


# ----------------------------------------------------------------------------------------------------------------
# Generation glue shared by the generating heads


# What generate() passes for transformer caches (and a Seq2SeqTrainer's labels): a recurrent state needs none of it.
_GENERATE_BOOKKEEPING = ("next_sequence_length", "is_first_iteration", "cache_position", "labels")


class RecurrentGenerationMixin(GenerationMixin):
    """generate() support for a recurrent state: no transformer KV cache, one new token per step after the prompt."""

    @classmethod
    def _supports_default_dynamic_cache(cls) -> bool:
        return False  # our cache is the RecurrentCache the forward pass returns, not a DynamicCache

    def prepare_inputs_for_generation(self, input_ids, attention_mask=None, use_cache=True, **kwargs):
        cache = None
        for name in CACHE_ARGUMENT_NAMES:
            found = kwargs.pop(name, None)
            cache = found if cache is None else cache
        for name in _GENERATE_BOOKKEEPING:
            kwargs.pop(name, None)
        if cache is not None:
            input_ids = input_ids[:, -1:]  # the state already holds everything before the last token
        inputs = {"cache": cache, "use_cache": use_cache, **kwargs}
        if self.config.is_encoder_decoder:
            inputs.update(decoder_input_ids=input_ids, attention_mask=attention_mask)
        else:
            if attention_mask is not None:
                attention_mask = attention_mask[:, -input_ids.shape[1] :]
            inputs.update(input_ids=input_ids, attention_mask=attention_mask)
        return inputs

    def _update_model_kwargs_for_generation(
        self, outputs, model_kwargs, is_encoder_decoder=False, num_new_tokens=1
    ):
        cache = getattr(outputs, "cache", None)
        if cache is not None and not is_encoder_decoder:
            # The state has read the prompt through its mask, and every later token is real (generate() appends
            # ones), so the mask is not needed again: drop it rather than grow it by one column each step
            # (transformers drops an all-ones prompt mask itself). An encoder-decoder's mask is the source's: kept.
            model_kwargs["attention_mask"] = None
        model_kwargs = super()._update_model_kwargs_for_generation(
            outputs, model_kwargs, is_encoder_decoder=is_encoder_decoder, num_new_tokens=num_new_tokens
        )
        if cache is not None:
            model_kwargs[GENERATE_CACHE_KEY] = cache
        return model_kwargs


# ----------------------------------------------------------------------------------------------------------------
# The recurrent stack over token embeddings


class RnnHubModel(_EmbeddedRecurrentStack, RnnHubPreTrainedModel):
    """Token embeddings followed by a stack of recurrent layers (no head)."""

    def __init__(self, config: RnnHubConfig):
        super().__init__(config)
        self._build_stack(config)
        # Hashed (previous token, token) pairs, e.g. character bigrams; absent unless asked for (old configs).
        buckets = getattr(config, "bigram_buckets", 0)
        self.bigram_embeddings = nn.Embedding(buckets, config.embedding_size) if buckets else None
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.embeddings = value

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        cache: RecurrentCache | None = None,
        use_cache: bool | None = None,
        output_gates: bool = False,
        implementation: str | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> RnnHubModelOutput | tuple:
        cache = cache_argument(cache, kwargs)
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("Pass exactly one of input_ids or inputs_embeds.")
        if inputs_embeds is None:
            check_input_ids(input_ids, self.config.vocab_size)
            inputs_embeds = self.embeddings(input_ids)
            if self.bigram_embeddings is not None:
                inputs_embeds = inputs_embeds + self.bigram_embeddings(self.bigram_ids(input_ids))
        run, hidden_states = self._run_stack(
            inputs_embeds,
            attention_mask,
            state=None if cache is None else cache.state,
            output_gates=output_gates,
            implementation=implementation,
            output_hidden_states=output_hidden_states,
        )
        use_cache = self.config.use_cache if use_cache is None else use_cache
        new_cache = None
        if use_cache:
            seen = 0 if cache is None else cache.seen_tokens
            new_cache = RecurrentCache(run.state, seen + inputs_embeds.shape[1])
        output = RnnHubModelOutput(
            last_hidden_state=run.outputs, cache=new_cache, hidden_states=hidden_states, gates=run.gates
        )
        return _return(output, return_dict, self.config)

    def bigram_ids(self, input_ids: torch.Tensor) -> torch.Tensor:
        """(batch, time) token ids -> the bucket of each (previous token, token) pair; the first token's previous
        token is ``<pad>``, so a text's buckets do not depend on padding after it."""
        pad = self.config.pad_token_id or 0
        previous = F.pad(input_ids[:, :-1], (1, 0), value=pad)
        return (previous * self.config.vocab_size + input_ids) % self.config.bigram_buckets


class RnnHubForSequenceClassification(RnnHubPreTrainedModel):
    """Many-to-one: pool the recurrent outputs into one vector and classify it.

    ``config.pooling``: ``"last"`` uses the final state (both directions' final states when bidirectional), which
    for a padded batch is the state after each text's last real token; ``"mean"`` / ``"max"`` pool over real tokens;
    ``"concat"`` is ``[last; max; mean]`` (ULMFiT's concat pooling), so the classifier reads three times as much.
    """

    def __init__(self, config: RnnHubConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.rnnhub = RnnHubModel(config)
        dropout = config.dropout if config.classifier_dropout is None else config.classifier_dropout
        self.dropout = nn.Dropout(dropout)
        pooled_size = config.hidden_size * config.num_directions * (3 if config.pooling == "concat" else 1)
        self.classifier = nn.Linear(pooled_size, config.num_labels)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.rnnhub.embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.rnnhub.embeddings = value

    def pool(self, outputs: torch.Tensor, final_hidden: torch.Tensor, attention_mask: torch.Tensor | None):
        """(batch, time, features) -> (batch, features) by ``config.pooling`` (``"concat"``: 3 x features)."""
        pooling = self.config.pooling
        if pooling == "concat":
            return torch.cat(
                [self._pool(kind, outputs, final_hidden, attention_mask) for kind in ("last", "max", "mean")],
                dim=-1,
            )
        return self._pool(pooling, outputs, final_hidden, attention_mask)

    def _pool(self, pooling: str, outputs: torch.Tensor, final_hidden: torch.Tensor, attention_mask):
        if pooling == "last":
            top = final_hidden[-self.config.num_directions :]  # (directions, batch, hidden) of the top layer
            return torch.cat(list(top), dim=-1)
        mask = (
            torch.ones(outputs.shape[:2], device=outputs.device) if attention_mask is None else attention_mask
        )
        mask = mask.to(outputs.dtype)[..., None]
        if pooling == "mean":
            return (outputs * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return outputs.masked_fill(mask == 0, torch.finfo(outputs.dtype).min).amax(dim=1)

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_gates: bool = False,
        implementation: str | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> RnnHubSequenceClassifierOutput | tuple:
        if labels is None and input_ids is not None:
            check_not_empty(input_ids, attention_mask, self.config)
        base = self.rnnhub(
            input_ids=input_ids,
            attention_mask=attention_mask,
            inputs_embeds=inputs_embeds,
            use_cache=True,  # the final state is what "last" pooling reads
            output_gates=output_gates,
            implementation=implementation,
            output_hidden_states=output_hidden_states,
            return_dict=True,
        )
        pooled = self.pool(base.last_hidden_state, base.cache.state[0], attention_mask)
        logits = self.classifier(self.dropout(pooled))
        loss = None if labels is None else self._loss(logits, labels)
        output = RnnHubSequenceClassifierOutput(
            loss=loss, logits=logits, hidden_states=base.hidden_states, gates=base.gates
        )
        return _return(output, return_dict, self.config)

    def _loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        problem_type = self.config.problem_type
        if problem_type is None:
            if self.num_labels == 1:
                problem_type = "regression"
            elif labels.dtype in (torch.long, torch.int):
                problem_type = "single_label_classification"
            else:
                problem_type = "multi_label_classification"
        if problem_type == "regression":
            return F.mse_loss(logits.squeeze(-1), labels.to(logits.dtype).view(-1))
        if problem_type == "single_label_classification":
            if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= self.num_labels):
                raise ValueError(
                    f"labels must be class ids in [0, {self.num_labels}) ({self.config.id2label}); got values in "
                    f"[{int(labels.min())}, {int(labels.max())}]. Map label names with config.label2id."
                )
            return F.cross_entropy(logits, labels.view(-1))
        return F.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))


class RnnHubForCausalLM(RecurrentGenerationMixin, RnnHubPreTrainedModel):
    """Next-token language model: p(x_t | x_<t) from the recurrent state after x_<t."""

    _tied_weights_keys = {"lm_head.weight": "rnnhub.embeddings.weight"}

    def __init__(self, config: RnnHubConfig):
        super().__init__(config)
        if config.bidirectional:
            raise ValueError("A causal language model must read left to right: set bidirectional=False.")
        if getattr(config, "bigram_buckets", 0):
            raise ValueError(
                "bigram_buckets is for classifiers: a causal language model's cache does not keep the previous "
                "token. Set bigram_buckets=0."
            )
        self.rnnhub = RnnHubModel(config)
        self.dropout = nn.Dropout(config.dropout)
        # Tied embeddings need the state mapped back to the embedding width first.
        tie = config.tie_word_embeddings and config.embedding_size != config.hidden_size
        self.output_projection = (
            nn.Linear(config.hidden_size, config.embedding_size, bias=False) if tie else None
        )
        head_in = config.embedding_size if config.tie_word_embeddings else config.hidden_size
        self.lm_head = nn.Linear(head_in, config.vocab_size, bias=False)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.rnnhub.embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.rnnhub.embeddings = value

    def get_output_embeddings(self) -> nn.Linear:
        return self.lm_head

    def set_output_embeddings(self, value: nn.Linear) -> None:
        self.lm_head = value

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.LongTensor | None = None,
        cache: RecurrentCache | None = None,
        use_cache: bool | None = None,
        output_gates: bool = False,
        implementation: str | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> RnnHubCausalLMOutput | tuple:
        cache = cache_argument(cache, kwargs)
        base = self.rnnhub(
            input_ids=input_ids,
            attention_mask=attention_mask,
            inputs_embeds=inputs_embeds,
            cache=cache,
            use_cache=use_cache,
            output_gates=output_gates,
            implementation=implementation,
            output_hidden_states=output_hidden_states,
            return_dict=True,
        )
        hidden = _dropout(self.dropout, base.last_hidden_state)
        if self.output_projection is not None:
            hidden = self.output_projection(hidden)
        logits = self.lm_head(hidden)
        loss = None
        if labels is not None:
            # Position t predicts token t + 1; -100 marks positions to ignore (padding).
            loss = F.cross_entropy(
                logits[:, :-1].reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1), ignore_index=-100
            )
        output = RnnHubCausalLMOutput(
            loss=loss, logits=logits, cache=base.cache, hidden_states=base.hidden_states, gates=base.gates
        )
        return _return(output, return_dict, self.config)


# ----------------------------------------------------------------------------------------------------------------
# Encoder-decoder heads


@dataclass
class RnnHubEncoderOutput(BaseModelOutput):
    """last_hidden_state: the memory the decoder attends to, (batch, slots, memory size) (which slots are real is
    the source's ``attention_mask``; every slot of an image grid is); hidden_states: see ``RnnHubModelOutput``;
    gates: the encoder's, with ``output_gates``."""

    gates: dict[str, torch.Tensor] | None = None


class RnnHubTextEncoder(_EmbeddedRecurrentStack, nn.Module):
    """Embeddings + a (usually bidirectional) recurrent stack; its outputs, after dropout, are the decoder's
    memory. The same stack as ``RnnHubModel``, without its PreTrainedModel machinery."""

    main_input_name = "input_ids"

    def __init__(self, config: RnnHubSeq2SeqConfig):
        super().__init__()
        self.config = config
        self._build_stack(config)
        self.dropout = nn.Dropout(config.dropout)

    def forward(
        self,
        input_ids: torch.LongTensor,
        attention_mask: torch.Tensor | None = None,
        output_gates: bool = False,
        implementation: str | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> RnnHubEncoderOutput | tuple:
        check_input_ids(input_ids, self.config.vocab_size, min_length=1)
        run, hidden_states = self._run_stack(
            self.embeddings(input_ids),
            attention_mask,
            output_gates=output_gates,
            implementation=implementation,
            output_hidden_states=output_hidden_states,
        )
        output = RnnHubEncoderOutput(
            last_hidden_state=self.dropout(run.outputs), hidden_states=hidden_states, gates=run.gates
        )
        return _return(output, return_dict, self.config)


class RnnHubImageEncoder(nn.Module):
    """Wraps the CNN so generate() can call it like a text encoder (``encoder(pixel_values=..., return_dict=True)``)."""

    main_input_name = "pixel_values"

    def __init__(self, config: RnnHubCaptioningConfig):
        super().__init__()
        self.cnn = ConvImageEncoder(config)

    def forward(self, pixel_values: torch.Tensor, return_dict: bool | None = None, **kwargs):
        output = RnnHubEncoderOutput(last_hidden_state=self.cnn(pixel_values))
        return output if return_dict is not False else output.to_tuple()


def word_dropout(input_ids: torch.Tensor, probability: float) -> torch.Tensor:
    """Replace each ordinary token (not <pad> <bos> <eos>) by <unk> with ``probability`` (training only).

    Whole-word dropout (Sennrich & Zhang 2019): the model cannot lean on any one token, which regularises
    small-data translation more than dropping embedding units does.
    """
    if probability <= 0.0:
        return input_ids
    ordinary = input_ids > UNK_ID  # ids 0-3 are the special tokens
    dropped = ordinary & (torch.rand(input_ids.shape, device=input_ids.device) < probability)
    return input_ids.masked_fill(dropped, UNK_ID)


def shift_tokens_right(labels: torch.Tensor, pad_token_id: int, decoder_start_token_id: int) -> torch.Tensor:
    """Teacher forcing: the decoder reads <start> y_1 ... y_{n-1} and predicts y_1 ... y_n."""
    shifted = labels.new_full(labels.shape, pad_token_id)
    shifted[:, 1:] = labels[:, :-1]
    shifted[:, 0] = decoder_start_token_id
    return shifted.masked_fill(shifted == -100, pad_token_id)


class _EncoderDecoderBase(RecurrentGenerationMixin, RnnHubPreTrainedModel):
    """An encoder producing a memory, and the attention decoder writing tokens from it."""

    def get_encoder(self, modality: str | None = None):
        return self.encoder

    def get_decoder(self):
        return self.decoder

    def get_output_embeddings(self) -> nn.Linear:
        return self.decoder.lm_head

    def set_output_embeddings(self, value: nn.Linear) -> None:
        self.decoder.lm_head = value

    def _decode(
        self,
        encoder_outputs,
        memory_mask: torch.Tensor | None,
        decoder_input_ids: torch.LongTensor | None,
        labels: torch.LongTensor | None,
        cache: RecurrentCache | None,
        use_cache: bool | None,
        output_attentions: bool | None,
        output_gates: bool,
        implementation: str | None,
        return_dict: bool | None,
    ) -> RnnHubSeq2SeqLMOutput | tuple:
        if isinstance(encoder_outputs, (tuple, list)):
            encoder_outputs = RnnHubEncoderOutput(last_hidden_state=encoder_outputs[0])
        memory = encoder_outputs.last_hidden_state
        if decoder_input_ids is None:
            if labels is None:
                raise ValueError("Pass decoder_input_ids or labels (the decoder needs its inputs).")
            decoder_input_ids = shift_tokens_right(
                labels, self.config.pad_token_id, self.config.decoder_start_token_id
            )
        if self.training:
            decoder_input_ids = word_dropout(decoder_input_ids, getattr(self.config, "word_dropout", 0.0))
        logits, state, weights, gates = self.decoder(
            decoder_input_ids,
            memory,
            memory_mask,
            state=None if cache is None else cache.state,
            implementation=implementation,
            output_gates=output_gates,
        )
        loss = None
        if labels is not None:
            loss = F.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100
            )
        use_cache = self.config.use_cache if use_cache is None else use_cache
        new_cache = None
        if use_cache:
            seen = 0 if cache is None else cache.seen_tokens
            new_cache = RecurrentCache(state, seen + decoder_input_ids.shape[1])
        output = RnnHubSeq2SeqLMOutput(
            loss=loss,
            logits=logits,
            cache=new_cache,
            cross_attentions=(weights[:, None],) if output_attentions and weights is not None else None,
            encoder_last_hidden_state=memory,
            encoder_hidden_states=getattr(encoder_outputs, "hidden_states", None),
            decoder_gates=gates,
        )
        return _return(output, return_dict, self.config)


class RnnHubForSeq2SeqLM(_EncoderDecoderBase):
    """Sequence-to-sequence: a recurrent encoder reads the source, an attention decoder writes the target."""

    config_class = RnnHubSeq2SeqConfig

    def __init__(self, config: RnnHubSeq2SeqConfig):
        super().__init__(config)
        self.encoder = RnnHubTextEncoder(config)
        self.decoder = AttentionDecoder(config)
        if config.tie_decoder_embeddings:
            if config.embedding_size != config.decoder_hidden_size:
                raise ValueError("tie_decoder_embeddings needs embedding_size == decoder_hidden_size.")
            self.decoder.lm_head.weight = self.decoder.embeddings.weight
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.encoder.embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.encoder.embeddings = value

    def prepare_decoder_input_ids_from_labels(self, labels: torch.Tensor) -> torch.Tensor:
        """Teacher-forcing inputs from ``labels`` (DataCollatorForSeq2Seq calls this, e.g. for label smoothing)."""
        return shift_tokens_right(labels, self.config.pad_token_id, self.config.decoder_start_token_id)

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        decoder_input_ids: torch.LongTensor | None = None,
        labels: torch.LongTensor | None = None,
        encoder_outputs: RnnHubEncoderOutput | tuple | None = None,
        cache: RecurrentCache | None = None,
        use_cache: bool | None = None,
        output_attentions: bool | None = None,
        output_gates: bool = False,
        implementation: str | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> RnnHubSeq2SeqLMOutput | tuple:
        cache = cache_argument(cache, kwargs)
        if encoder_outputs is None:
            if input_ids is None:
                raise ValueError("Pass input_ids (the source) or precomputed encoder_outputs.")
            if self.training:
                input_ids = word_dropout(input_ids, self.config.word_dropout)
            encoder_outputs = self.encoder(
                input_ids,
                attention_mask,
                output_gates=output_gates,
                implementation=implementation,
                output_hidden_states=output_hidden_states,
                return_dict=True,
            )
        return self._decode(
            encoder_outputs,
            attention_mask,
            decoder_input_ids,
            labels,
            cache,
            use_cache,
            output_attentions,
            output_gates,
            implementation,
            return_dict,
        )


class RnnHubForImageCaptioning(_EncoderDecoderBase):
    """One-to-many: a CNN sees the image, an attention decoder writes the caption (Show, Attend and Tell)."""

    config_class = RnnHubCaptioningConfig
    main_input_name = "pixel_values"
    input_modalities = ("image", "text")

    def __init__(self, config: RnnHubCaptioningConfig):
        super().__init__(config)
        self.encoder = RnnHubImageEncoder(config)
        self.decoder = AttentionDecoder(config)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.decoder.embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.decoder.embeddings = value

    def forward(
        self,
        pixel_values: torch.Tensor | None = None,
        decoder_input_ids: torch.LongTensor | None = None,
        labels: torch.LongTensor | None = None,
        encoder_outputs: RnnHubEncoderOutput | tuple | None = None,
        cache: RecurrentCache | None = None,
        use_cache: bool | None = None,
        output_attentions: bool | None = None,
        output_gates: bool = False,
        implementation: str | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> RnnHubSeq2SeqLMOutput | tuple:
        cache = cache_argument(cache, kwargs)
        # Every grid cell is real; generate() may still pass a mask built for the pixel inputs.
        kwargs.pop("attention_mask", None)
        if encoder_outputs is None:
            if pixel_values is None:
                raise ValueError("Pass pixel_values (from the model's image processor) or encoder_outputs.")
            encoder_outputs = self.encoder(pixel_values, return_dict=True)
        return self._decode(
            encoder_outputs,
            None,
            decoder_input_ids,
            labels,
            cache,
            use_cache,
            output_attentions,
            output_gates,
            implementation,
            return_dict,
        )
