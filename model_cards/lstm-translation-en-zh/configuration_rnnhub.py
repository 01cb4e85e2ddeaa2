"""Configurations of the rnnhub model family.

Three config classes, one per model shape, sharing the recurrent fields:

* ``RnnHubConfig`` (``model_type="rnnhub-recurrent"``): one recurrent stack over token embeddings. Used by
  ``RnnHubModel``, ``RnnHubForSequenceClassification`` (many-to-one) and ``RnnHubForCausalLM``.
* ``RnnHubSeq2SeqConfig`` (``model_type="rnnhub-seq2seq"``): a recurrent encoder plus an attention decoder
  (sequence-to-sequence).
* ``RnnHubCaptioningConfig`` (``model_type="rnnhub-captioning"``): a small CNN image encoder plus the same
  attention decoder (one-to-many, Show-Attend-and-Tell).

This file imports only torch-free transformers code so that ``save_pretrained`` can copy it next to the weights.
"""

from __future__ import annotations

from transformers import PretrainedConfig

from .constants import (  # noqa: F401  (re-exported: rnnhub and remote code import them from here too)
    ATTENTION_TYPES,
    BOS_ID,
    CELL_TYPES,
    ENCODER_BLOCKS,
    ENCODER_NORMS,
    EOS_ID,
    NONLINEARITIES,
    PAD_ID,
    POOLING_TYPES,
    UNK_ID,
)


def _check_choice(name: str, value, allowed: tuple) -> None:
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not supported; choose one of {', '.join(map(repr, allowed))}.")


def _check_positive(**values) -> None:
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _check_probability(name: str, value) -> None:
    if not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}.")


class _RecurrentFields:
    """Validation shared by the three configs (a mixin so each config stays a flat PretrainedConfig)."""

    def _validate_recurrent(self) -> None:
        _check_choice("cell_type", self.cell_type, CELL_TYPES)
        _check_choice("nonlinearity", self.nonlinearity, NONLINEARITIES)
        _check_positive(
            vocab_size=self.vocab_size,
            embedding_size=self.embedding_size,
            hidden_size=self.hidden_size,
            num_hidden_layers=self.num_hidden_layers,
        )
        _check_probability("dropout", self.dropout)
        _check_probability("embedding_dropout", self.embedding_dropout)
        if self.nonlinearity != "tanh" and self.cell_type != "rnn":
            raise ValueError(
                f"nonlinearity={self.nonlinearity!r} only applies to cell_type='rnn'; GRU and LSTM gates use "
                "sigmoid/tanh. Leave nonlinearity='tanh' for them."
            )
        if self.pad_token_id is not None and not 0 <= self.pad_token_id < self.vocab_size:
            raise ValueError(
                f"pad_token_id={self.pad_token_id} is outside the vocabulary (size {self.vocab_size})."
            )

    @property
    def num_directions(self) -> int:
        return 2 if getattr(self, "bidirectional", False) else 1


class RnnHubConfig(_RecurrentFields, PretrainedConfig):
    r"""Configuration of a recurrent stack over token embeddings.

    Args:
        vocab_size: number of token ids.
        cell_type: ``"rnn"`` (Elman), ``"gru"`` or ``"lstm"``.
        embedding_size: width of the token embeddings fed to the first recurrent layer.
        hidden_size: width of each recurrent layer's state (per direction).
        num_hidden_layers: stacked recurrent layers.
        bidirectional: also read the sequence right-to-left (classification only; a causal LM must not see the future).
        dropout: dropout between recurrent layers and before the output head.
        embedding_dropout: dropout on the embeddings.
        nonlinearity: ``"tanh"`` or ``"relu"`` for the vanilla RNN cell.
        pooling: how a classifier turns the sequence into one vector: ``"last"`` state, ``"mean"`` or ``"max"``
            over the valid (non-padding) steps, or ``"concat"``: last, max and mean concatenated (ULMFiT).
        bigram_buckets: 0 (the default) or the size of a second, hashed embedding table for the pair (previous
            token, token), added to each token's embedding (character bigrams for a character-level
            tokenizer); pair ``(p, t)`` goes to bucket ``(p * vocab_size + t) % bigram_buckets``, the first token's
            previous token being ``<pad>``. Classification only (a causal LM's cache does not keep the previous
            token).
        classifier_dropout: dropout before the classification layer (defaults to ``dropout``).
        initializer_range: std of the normal init of the embeddings (linear and recurrent input weights get Xavier,
            recurrent weights orthogonal init, convolutions Kaiming).
        forget_bias: initial bias of the LSTM forget gate (1.0 keeps memory open at the start of training).
        use_cache: return the final recurrent state (the generation cache) from forward passes.
        tie_word_embeddings: share input embeddings and output projection of the causal LM
            (needs ``embedding_size == hidden_size`` or a projection, which rnnhub adds automatically).
    """

    model_type = "rnnhub-recurrent"

    def __init__(
        self,
        vocab_size: int = 8000,
        cell_type: str = "lstm",
        embedding_size: int = 128,
        hidden_size: int = 256,
        num_hidden_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        embedding_dropout: float = 0.0,
        nonlinearity: str = "tanh",
        pooling: str = "last",
        classifier_dropout: float | None = None,
        initializer_range: float = 0.1,
        forget_bias: float = 1.0,
        use_cache: bool = True,
        tie_word_embeddings: bool = False,
        bigram_buckets: int = 0,
        pad_token_id: int | None = PAD_ID,
        bos_token_id: int | None = BOS_ID,
        eos_token_id: int | None = EOS_ID,
        **kwargs,
    ):
        self.vocab_size = vocab_size
        self.cell_type = cell_type
        self.embedding_size = embedding_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.embedding_dropout = embedding_dropout
        self.nonlinearity = nonlinearity
        self.pooling = pooling
        self.classifier_dropout = classifier_dropout
        self.initializer_range = initializer_range
        self.forget_bias = forget_bias
        self.use_cache = use_cache
        self.bigram_buckets = bigram_buckets
        super().__init__(
            pad_token_id=pad_token_id,
            bos_token_id=bos_token_id,
            eos_token_id=eos_token_id,
            tie_word_embeddings=tie_word_embeddings,
            **kwargs,
        )
        self._validate_recurrent()
        _check_choice("pooling", self.pooling, POOLING_TYPES)
        if not isinstance(self.bigram_buckets, int) or self.bigram_buckets < 0:
            raise ValueError(
                f"bigram_buckets must be 0 (no bigram embeddings) or a positive number of buckets, got "
                f"{self.bigram_buckets!r}."
            )
        if self.classifier_dropout is not None:
            _check_probability("classifier_dropout", self.classifier_dropout)


class _DecoderFields:
    def _validate_decoder(self) -> None:
        _check_choice("attention_type", self.attention_type, ATTENTION_TYPES)
        _check_positive(
            decoder_hidden_size=self.decoder_hidden_size,
            decoder_num_hidden_layers=self.decoder_num_hidden_layers,
            attention_size=self.attention_size,
        )


class RnnHubSeq2SeqConfig(_RecurrentFields, _DecoderFields, PretrainedConfig):
    r"""Configuration of a recurrent encoder-decoder with attention.

    The encoder reads the source (optionally in both directions); the decoder is a unidirectional stack of the same
    ``cell_type`` whose initial state is a projection of the mean encoder output. One vocabulary is shared by source and
    target (a joint tokenizer), with separate embeddings for encoder and decoder.

    Args (beyond those of ``RnnHubConfig``):
        decoder_hidden_size: decoder state width (defaults to ``hidden_size``).
        decoder_num_hidden_layers: decoder layers (defaults to ``num_hidden_layers``).
        attention_type: ``"bahdanau"`` (additive), ``"luong"`` (multiplicative) or ``"none"``.
        attention_size: width of the additive attention's hidden layer (Bahdanau).
        tie_decoder_embeddings: share the decoder's input embeddings with its output projection.
        attention_scaled: divide Luong scores by sqrt(decoder_hidden_size) so the softmax does not collapse onto
            one source position (off in configs saved before it existed, so their outputs do not change).
        word_dropout: in training, the probability of replacing a whole source or decoder-input token by
            ``<unk>`` (id 3) (Sennrich & Zhang 2019); no effect at inference.
    """

    model_type = "rnnhub-seq2seq"

    def __init__(
        self,
        vocab_size: int = 8000,
        cell_type: str = "lstm",
        embedding_size: int = 128,
        hidden_size: int = 256,
        num_hidden_layers: int = 1,
        bidirectional: bool = True,
        decoder_hidden_size: int | None = None,
        decoder_num_hidden_layers: int | None = None,
        attention_type: str = "bahdanau",
        attention_size: int | None = None,
        dropout: float = 0.0,
        embedding_dropout: float = 0.0,
        nonlinearity: str = "tanh",
        initializer_range: float = 0.1,
        forget_bias: float = 1.0,
        use_cache: bool = True,
        tie_decoder_embeddings: bool = False,
        attention_scaled: bool = False,
        word_dropout: float = 0.0,
        pad_token_id: int | None = PAD_ID,
        bos_token_id: int | None = BOS_ID,
        eos_token_id: int | None = EOS_ID,
        decoder_start_token_id: int | None = BOS_ID,
        is_encoder_decoder: bool = True,
        **kwargs,
    ):
        self.vocab_size = vocab_size
        self.cell_type = cell_type
        self.embedding_size = embedding_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.bidirectional = bidirectional
        self.attention_scaled = attention_scaled
        self.word_dropout = word_dropout
        self.decoder_hidden_size = decoder_hidden_size or hidden_size
        self.decoder_num_hidden_layers = decoder_num_hidden_layers or num_hidden_layers
        self.attention_type = attention_type
        self.attention_size = attention_size or self.decoder_hidden_size
        self.dropout = dropout
        self.embedding_dropout = embedding_dropout
        self.nonlinearity = nonlinearity
        self.initializer_range = initializer_range
        self.forget_bias = forget_bias
        self.use_cache = use_cache
        self.tie_decoder_embeddings = tie_decoder_embeddings
        super().__init__(
            pad_token_id=pad_token_id,
            bos_token_id=bos_token_id,
            eos_token_id=eos_token_id,
            decoder_start_token_id=decoder_start_token_id,
            is_encoder_decoder=is_encoder_decoder,
            **kwargs,
        )
        self._validate_recurrent()
        self._validate_decoder()
        _check_probability("word_dropout", self.word_dropout)

    @property
    def memory_size(self) -> int:
        """Width of what the decoder attends to: the encoder's outputs, both directions concatenated."""
        return self.hidden_size * self.num_directions


class RnnHubCaptioningConfig(_RecurrentFields, _DecoderFields, PretrainedConfig):
    r"""Configuration of an image captioner: a small CNN encoder and an attention decoder (Show, Attend and Tell).

    The CNN turns a ``num_channels x image_size x image_size`` image into a grid of feature vectors (one per cell of
    the final feature map); the decoder attends over the grid while it writes the caption.

    Args (beyond the decoder fields of ``RnnHubSeq2SeqConfig``):
        image_size: side of the square input image in pixels.
        num_channels: image channels (3 for RGB).
        encoder_channels: output channels of each conv block; each block halves the spatial size.
        encoder_block: ``"plain"`` (conv, norm, ReLU, pool: the first published captioner) or ``"residual"``
            (two convs and a skip connection per block).
        encoder_norm: ``"batch"`` or ``"group"`` normalisation in the CNN.
        encoder_dropout: share of the final feature grid's channels dropped in training.
    """

    model_type = "rnnhub-captioning"

    def __init__(
        self,
        vocab_size: int = 4000,
        cell_type: str = "lstm",
        embedding_size: int = 128,
        hidden_size: int = 256,
        num_hidden_layers: int = 1,
        attention_type: str = "bahdanau",
        attention_size: int | None = None,
        image_size: int = 64,
        num_channels: int = 3,
        encoder_channels: list[int] | tuple[int, ...] = (32, 64, 128, 128),
        encoder_block: str = "plain",
        encoder_norm: str = "batch",
        encoder_dropout: float = 0.0,
        dropout: float = 0.0,
        embedding_dropout: float = 0.0,
        nonlinearity: str = "tanh",
        initializer_range: float = 0.1,
        forget_bias: float = 1.0,
        use_cache: bool = True,
        pad_token_id: int | None = PAD_ID,
        bos_token_id: int | None = BOS_ID,
        eos_token_id: int | None = EOS_ID,
        decoder_start_token_id: int | None = BOS_ID,
        is_encoder_decoder: bool = True,
        **kwargs,
    ):
        self.vocab_size = vocab_size
        self.cell_type = cell_type
        self.embedding_size = embedding_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.attention_type = attention_type
        self.attention_size = attention_size or hidden_size
        self.image_size = image_size
        self.num_channels = num_channels
        self.encoder_channels = list(encoder_channels)
        self.encoder_block = encoder_block
        self.encoder_norm = encoder_norm
        self.encoder_dropout = encoder_dropout
        self.dropout = dropout
        self.embedding_dropout = embedding_dropout
        self.nonlinearity = nonlinearity
        self.initializer_range = initializer_range
        self.forget_bias = forget_bias
        self.use_cache = use_cache
        super().__init__(
            pad_token_id=pad_token_id,
            bos_token_id=bos_token_id,
            eos_token_id=eos_token_id,
            decoder_start_token_id=decoder_start_token_id,
            is_encoder_decoder=is_encoder_decoder,
            **kwargs,
        )
        self._validate_recurrent()
        self._validate_decoder()
        _check_positive(image_size=self.image_size, num_channels=self.num_channels)
        _check_choice("encoder_block", self.encoder_block, ENCODER_BLOCKS)
        _check_choice("encoder_norm", self.encoder_norm, ENCODER_NORMS)
        _check_probability("encoder_dropout", self.encoder_dropout)
        if not self.encoder_channels:
            raise ValueError("encoder_channels must list at least one conv block width, e.g. [32, 64, 128].")
        _check_positive(**{f"encoder_channels[{i}]": c for i, c in enumerate(self.encoder_channels)})
        if self.image_size % (2 ** len(self.encoder_channels)):
            raise ValueError(
                f"image_size={self.image_size} must be divisible by 2**len(encoder_channels)="
                f"{2 ** len(self.encoder_channels)} (each conv block halves the image)."
            )

    # The decoder reads the whole CNN grid; the encoder is not recurrent.
    @property
    def decoder_hidden_size(self) -> int:
        return self.hidden_size

    @property
    def decoder_num_hidden_layers(self) -> int:
        return self.num_hidden_layers

    @property
    def memory_size(self) -> int:
        return self.encoder_channels[-1]

    @property
    def feature_grid_size(self) -> int:
        return self.image_size // 2 ** len(self.encoder_channels)
