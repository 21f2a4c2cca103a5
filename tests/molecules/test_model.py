from __future__ import annotations

import pytest
import torch

from medgen.molecules.model import SmilesVAE, VAEConfig
from medgen.molecules.tokenizer import Vocabulary
from medgen.molecules.train import pad_batch, train_step

SMILES = ["CC(=O)Oc1ccccc1C(=O)O", "Cn1c(=O)c2c(ncn2C)n(C)c1=O", "CCO", "c1ccccc1Cl"]


@pytest.mark.parametrize(
    "args",
    [
        {"emb_dim": 8, "enc_hidden": 16, "latent": 4, "dec_hidden": 16, "dec_layers": 1},
        {"emb_dim": 8, "enc_hidden": 12, "enc_layers": 2, "latent": 6, "dec_hidden": 10,
         "dec_layers": 2, "dropout": 0.1},
    ],
)
def test_shapes(args: dict) -> None:
    vocab = Vocabulary.build(SMILES)
    model = SmilesVAE(VAEConfig(vocab_size=len(vocab), max_len=20, **args))
    ids, lengths = pad_batch([vocab.encode(s) for s in SMILES], torch.device("cpu"))
    logits, mu, logvar = model(ids, lengths, word_dropout=0.2)
    assert logits.shape == (4, ids.shape[1] - 1, len(vocab))
    assert mu.shape == logvar.shape == (4, args["latent"])
    out = model.generate(torch.zeros(3, args["latent"]), temperature=1.0)
    assert out.shape[0] == 3 and out.shape[1] <= 19
    greedy1 = model.eval().generate(torch.ones(2, args["latent"]), temperature=0)
    greedy2 = model.generate(torch.ones(2, args["latent"]), temperature=0)
    assert torch.equal(greedy1, greedy2)


def test_config_checks_arguments() -> None:
    with pytest.raises(ValueError, match="latent"):
        VAEConfig(latent=0)
    with pytest.raises(ValueError, match="dropout"):
        VAEConfig(dropout=1.0)


def test_one_training_step_lowers_the_loss() -> None:
    torch.manual_seed(0)
    vocab = Vocabulary.build(SMILES)
    model = SmilesVAE(VAEConfig(vocab_size=len(vocab), emb_dim=16, enc_hidden=32, latent=8,
                                dec_hidden=32))
    ids, lengths = pad_batch([vocab.encode(s) for s in SMILES], torch.device("cpu"))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)

    def eval_loss() -> float:
        model.eval()
        with torch.no_grad():
            logits, mu, logvar = model(ids, lengths)
            recon, _ = model.losses(logits, ids[:, 1:], mu, logvar)
        return float(recon)

    before = eval_loss()
    train_step(model, opt, ids, lengths, kl_w=0.0)
    after = eval_loss()
    assert after < before - 0.01


def test_free_bits_floor_the_kl_per_dimension() -> None:
    torch.manual_seed(0)
    mu = torch.zeros(8, 4, requires_grad=True)
    logvar = torch.zeros(8, 4, requires_grad=True)
    # At the prior the KL is 0: the plain objective is 0, the free-bits one counts the floor.
    assert float(SmilesVAE.kl_objective(mu, logvar).detach()) == 0.0
    assert float(SmilesVAE.kl_objective(mu, logvar, free_bits=0.25).detach()) == pytest.approx(1.0)
    # Below the floor a dimension gets no gradient: nothing pushes it onto the prior.
    mu2 = torch.full((8, 4), 0.3, requires_grad=True)  # KL per dim 0.045 < 0.25
    SmilesVAE.kl_objective(mu2, logvar, free_bits=0.25).backward()
    assert mu2.grad is not None and float(mu2.grad.abs().sum()) == 0.0
    mu3 = torch.full((8, 4), 2.0, requires_grad=True)  # KL per dim 2.0 > 0.25
    SmilesVAE.kl_objective(mu3, logvar, free_bits=0.25).backward()
    assert mu3.grad is not None and float(mu3.grad.abs().min()) > 0
    # Without free bits it is the mean-per-molecule KL of losses().
    mu4, lv4 = torch.randn(8, 4), torch.randn(8, 4) * 0.3
    _, kl = SmilesVAE.losses(torch.zeros(8, 2, 5), torch.ones(8, 2, dtype=torch.long), mu4, lv4)
    assert float(SmilesVAE.kl_objective(mu4, lv4)) == pytest.approx(float(kl), rel=1e-6)


@pytest.mark.parametrize("layers", [1, 2])
def test_step_decoder_matches_the_teacher_forced_gru(layers: int) -> None:
    """generate() runs its own GRU step; it must give nn.GRU's logits (greedy path replayed)."""
    torch.manual_seed(layers)
    vocab = Vocabulary.build(SMILES)
    model = SmilesVAE(VAEConfig(vocab_size=len(vocab), emb_dim=8, enc_hidden=12, latent=6,
                                dec_hidden=16, dec_layers=layers, max_len=30)).eval()
    z = torch.randn(5, 6)
    with torch.no_grad():
        h = model.initial_hidden(z)
        table, zterm = model._decoder_step_tables(z)
        token = torch.full((5,), model.bos_id)
        inputs, step_logits = [token], []
        for _ in range(8):
            o, h = model._gru_step(table[token] + zterm, h)
            step_logits.append(model.out(o))
            token = step_logits[-1].argmax(-1)
            inputs.append(token)
        ref = model.decode_logits(z, torch.stack(inputs[:-1], dim=1))
    assert torch.allclose(torch.stack(step_logits, dim=1), ref, atol=1e-5)
    greedy = model.generate(z, temperature=0.0, max_len=9).tolist()
    replay = torch.stack(inputs[1:], dim=1).tolist()
    for g, r in zip(greedy, replay, strict=True):
        end = r.index(model.eos_id) + 1 if model.eos_id in r else len(r)
        assert g[:end] == r[:end]
