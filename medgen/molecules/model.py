"""SMILES variational autoencoder: bidirectional GRU encoder, GRU decoder conditioned on z.

The layout follows the MOSES VAE baseline (Polykovskiy et al., Front. Pharmacol. 2020): the
encoder's last hidden states give the mean and log-variance of a diagonal Gaussian posterior; the
decoder's initial hidden state is a linear map of z and z is also concatenated to every input
embedding, so the decoder cannot ignore it entirely. Training uses teacher forcing (optionally
with word dropout on the decoder inputs, Bowman et al. 2016) and a KL weight annealed from 0.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from medgen.molecules.grammar import DecodingMask


@dataclass
class VAEConfig:
    """Architecture of :class:`SmilesVAE` (stored in checkpoints and model cards as ``model_args``)."""

    vocab_size: int = 32  # tokens including <pad> <bos> <eos> <unk> (set from the vocabulary)
    emb_dim: int = 64  # token embedding size (shared by encoder and decoder)
    enc_hidden: int = 256  # encoder GRU hidden size per direction
    enc_layers: int = 1  # encoder GRU layers
    latent: int = 64  # size of z
    dec_hidden: int = 512  # decoder GRU hidden size
    dec_layers: int = 2  # decoder GRU layers
    dropout: float = 0.0  # dropout between decoder GRU layers (0 = none)
    max_len: int = 100  # longest sequence generated, in tokens including <bos>/<eos>

    def __post_init__(self) -> None:
        for name in ("vocab_size", "emb_dim", "enc_hidden", "enc_layers", "latent", "dec_hidden",
                     "dec_layers", "max_len"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.vocab_size < 5:
            raise ValueError(f"vocab_size must be >= 5 (4 special tokens + 1), got {self.vocab_size}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")


class SmilesVAE(nn.Module):
    """SMILES VAE; token ids use the :class:`~medgen.molecules.tokenizer.Vocabulary` layout
    (``<pad>`` = 0, ``<bos>`` = 1, ``<eos>`` = 2)."""

    pad_id, bos_id, eos_id = 0, 1, 2

    def __init__(self, cfg: VAEConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embedding = nn.Embedding(cfg.vocab_size, cfg.emb_dim, padding_idx=self.pad_id)
        self.encoder = nn.GRU(
            cfg.emb_dim, cfg.enc_hidden, num_layers=cfg.enc_layers, batch_first=True,
            bidirectional=True,
        )
        self.to_mu = nn.Linear(2 * cfg.enc_hidden, cfg.latent)
        self.to_logvar = nn.Linear(2 * cfg.enc_hidden, cfg.latent)
        self.z_to_hidden = nn.Linear(cfg.latent, cfg.dec_hidden * cfg.dec_layers)
        self.decoder = nn.GRU(
            cfg.emb_dim + cfg.latent, cfg.dec_hidden, num_layers=cfg.dec_layers, batch_first=True,
            dropout=cfg.dropout if cfg.dec_layers > 1 else 0.0,
        )
        self.out = nn.Linear(cfg.dec_hidden, cfg.vocab_size)

    @property
    def model_args(self) -> dict[str, object]:
        return asdict(self.cfg)

    # --- encoder -------------------------------------------------------------------------------
    def encode(self, ids: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior mean and log-variance, each ``(B, latent)``.

        ``ids`` is ``(B, T)`` with ``<bos> ... <eos>`` and right padding; ``lengths`` counts the
        non-pad tokens of each row.
        """
        emb = self.embedding(ids)
        packed = pack_padded_sequence(emb, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, h = self.encoder(packed)  # (layers * 2, B, H)
        h = torch.cat([h[-2], h[-1]], dim=-1)  # last layer, both directions
        return self.to_mu(h), self.to_logvar(h)

    @staticmethod
    def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        return mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)

    # --- decoder -------------------------------------------------------------------------------
    def initial_hidden(self, z: torch.Tensor) -> torch.Tensor:
        h = self.z_to_hidden(z).view(z.shape[0], self.cfg.dec_layers, self.cfg.dec_hidden)
        return h.transpose(0, 1).contiguous()

    def decode_logits(self, z: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
        """Teacher-forced logits ``(B, T, vocab)`` for decoder ``inputs`` ``(B, T)``."""
        emb = self.embedding(inputs)
        zz = z.unsqueeze(1).expand(-1, inputs.shape[1], -1)
        out, _ = self.decoder(torch.cat([emb, zz], dim=-1), self.initial_hidden(z))
        return self.out(out)

    def forward(
        self, ids: torch.Tensor, lengths: torch.Tensor, word_dropout: float = 0.0
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Logits for ``ids[:, 1:]`` given ``ids[:, :-1]`` and z ~ q(z|ids); plus mu, logvar."""
        mu, logvar = self.encode(ids, lengths)
        z = self.reparameterize(mu, logvar) if self.training else mu
        inputs = ids[:, :-1]
        if self.training and word_dropout > 0:
            drop = (torch.rand(inputs.shape, device=inputs.device) < word_dropout)
            drop &= inputs != self.bos_id
            drop &= inputs != self.pad_id
            # Dropped words become <unk> (id 3): the decoder must lean on z for them.
            inputs = inputs.masked_fill(drop, 3)
        return self.decode_logits(z, inputs), mu, logvar

    @staticmethod
    def losses(
        logits: torch.Tensor, targets: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Reconstruction (mean cross-entropy per non-pad token) and KL (mean per molecule)."""
        recon = F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=SmilesVAE.pad_id
        )
        kl = 0.5 * (logvar.exp() + mu.pow(2) - 1.0 - logvar).sum(dim=1).mean()
        return recon, kl

    @staticmethod
    def kl_objective(mu: torch.Tensor, logvar: torch.Tensor, free_bits: float = 0.0) -> torch.Tensor:
        """KL term of the training loss with "free bits" (Kingma et al. 2016): per latent dimension,
        the batch-mean KL counts as at least ``free_bits`` nats, so pushing a dimension below the
        floor gains nothing and the posterior cannot collapse onto the prior.

        With ``free_bits`` 0 this equals the KL of :meth:`losses` (mean per molecule).
        """
        kl_dim = 0.5 * (logvar.exp() + mu.pow(2) - 1.0 - logvar).mean(dim=0)  # (latent,)
        if free_bits > 0:
            kl_dim = torch.clamp(kl_dim, min=free_bits)
        return kl_dim.sum()

    def _decoder_step_tables(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """First-layer input gates split into a per-token table ``(vocab, 3H)`` and a per-row
        term ``(B, 3H)``: ``W_ih [emb(t); z] + b_ih = table[t] + zterm`` (computed once per call
        instead of once per generated token)."""
        e = self.cfg.emb_dim
        w_ih = getattr(self.decoder, "weight_ih_l0")  # noqa: B009 - typed as Tensor | Module
        b_ih = getattr(self.decoder, "bias_ih_l0")  # noqa: B009
        table = self.embedding.weight @ w_ih[:, :e].T
        zterm = z @ w_ih[:, e:].T + b_ih
        return table, zterm

    def _gru_step(self, gi0: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One decoder GRU step (PyTorch's GRU equations) from the first layer's input gates
        ``gi0`` ``(B, 3H)`` and hidden ``h`` ``(layers, B, H)``; returns the top output and the
        new hidden state."""
        hs = []
        x = gi0
        for layer in range(self.cfg.dec_layers):
            if layer > 0:
                x = F.linear(x, getattr(self.decoder, f"weight_ih_l{layer}"),
                             getattr(self.decoder, f"bias_ih_l{layer}"))
            gh = F.linear(h[layer], getattr(self.decoder, f"weight_hh_l{layer}"),
                          getattr(self.decoder, f"bias_hh_l{layer}"))
            i_r, i_z, i_n = x.chunk(3, dim=1)
            h_r, h_z, h_n = gh.chunk(3, dim=1)
            r = torch.sigmoid(i_r + h_r)
            u = torch.sigmoid(i_z + h_z)
            n = torch.tanh(i_n + r * h_n)
            new = n + u * (h[layer] - n)  # (1 - u) * n + u * h
            hs.append(new)
            x = new
        return x, torch.stack(hs)

    @torch.no_grad()
    def generate(
        self,
        z: torch.Tensor,
        temperature: float = 1.0,
        generator: torch.Generator | None = None,
        max_len: int | None = None,
        grammar: DecodingMask | None = None,
    ) -> torch.Tensor:
        """Token ids ``(B, <= max_len - 1)`` sampled autoregressively from z (no ``<bos>``).

        With ``grammar`` each step's distribution is renormalised over the tokens the mask allows
        (syntax, or syntax and valences; see :mod:`medgen.molecules.grammar`).

        ``temperature`` 0 is greedy decoding. Rows end with ``<eos>`` (then padding) unless
        they ran out of length. The decoder runs step by step with the same equations as
        :meth:`decode_logits` (``nn.GRU``), with the token- and z-dependent input terms computed
        once (see :meth:`_decoder_step_tables`); finished rows leave the batch.
        """
        max_len = max_len or self.cfg.max_len
        b = z.shape[0]
        out = torch.full((b, max_len - 1), self.pad_id, dtype=torch.long, device=z.device)
        rows = torch.arange(b, device=z.device)
        h = self.initial_hidden(z)
        table, zterm = self._decoder_step_tables(z)
        token = torch.full((b,), self.bos_id, dtype=torch.long, device=z.device)
        state = grammar.start(b, z.device) if grammar is not None else None
        last = 0
        for t in range(max_len - 1):
            o, h = self._gru_step(table[token] + zterm, h)
            logits = self.out(o)
            if grammar is not None and state is not None:
                logits = logits.masked_fill(~grammar.mask(state), float("-inf"))
            if temperature <= 0:
                nxt = logits.argmax(dim=-1)
            else:
                probs = torch.softmax(logits / temperature, dim=-1)
                nxt = torch.multinomial(probs, 1, generator=generator).squeeze(1)
            out[rows, t] = nxt
            last = t
            if grammar is not None and state is not None:
                state = grammar.advance(state, nxt)
            keep = nxt != self.eos_id
            if not bool(keep.any()):
                break
            if not bool(keep.all()):
                rows, nxt, zterm, h = rows[keep], nxt[keep], zterm[keep], h[:, keep]
                if state is not None:
                    state = state.select(keep)
            token = nxt
        return out[:, : last + 1]
