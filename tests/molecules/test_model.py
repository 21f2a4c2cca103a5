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
