"""Recipes: the cures for mode collapse as named bundles of preset fields.

A recipe sets an objective, a regulariser, an optimizer and D-side wrappers together, because
each published method is all of these at once (WGAN-GP is not just a loss). ``apply`` returns a
preset with a recipe's fields set:

    preset = recipes.apply(get_preset("grid25"), "sharp+mbstd")      # recipes join with "+"
    preset = recipes.apply(preset, "wgan-gp").with_overrides(lr=1e-3)  # then change any field

The name of a plain objective ("hinge") counts as the smallest recipe: it sets the objective
alone. ``minigan train --objective`` takes the same text.
"""
from . import nn
from .losses import ALIASES, OBJECTIVES

RECIPES = {
    "wgan": {"fields": dict(objective="wasserstein", clip_value=0.01, n_critic=5, optimizer="rmsprop", lr=5e-5),
             "source": "Arjovsky et al. 2017, Algorithm 1: clip c = 0.01, n_critic 5, RMSprop 5e-5"},
    "wgan-gp": {"fields": dict(objective="wasserstein", gradient_penalty=10.0, n_critic=5, clip_value=None,
                               optimizer="adam", lr=1e-4, betas=(0.5, 0.9)),
                "source": "Gulrajani et al. 2017, Algorithm 1: lambda 10, n_critic 5, Adam 1e-4, betas (0.5, 0.9)"},
    "hinge-sn": {"fields": dict(objective="hinge", spectral_norm=True),
                 "source": "Miyato et al. 2018: hinge loss, spectral norm on every layer of D"},
    "r1": {"fields": dict(objective="non_saturating", r1=1.0),
           "source": "Mescheder et al. 2018 (R1, non-saturating loss); gamma 1 chosen in minigan for the 2D data"},
    # R1's gamma scales with the square of the data's length scale: D must change its logit by O(1) across
    # a mode of width sigma, so ||grad D|| ~ 1/sigma and gamma = 1 flattens D over the 2D presets' narrow
    # modes (sigma 0.01-0.05) until it cannot tell them from the gaps. A hundredth keeps the penalty's
    # stabilising effect (Mescheder et al. 2018) and lets D resolve them.
    "r1-narrow": {"fields": dict(objective="non_saturating", r1=0.01),
                  "source": "Mescheder et al. 2018 (R1); gamma 0.01 chosen by experiment in minigan for the "
                            "narrow modes of ring8/grid25, see experiments/mode_collapse"},
    "mbstd": {"fields": dict(mbstd=True), "source": "Karras et al. 2018, sec. 3"},
    # Ours, for 2D mixtures with narrow modes. G must learn steep steps between modes -- large weights --
    # so it gets twice D's learning rate (two time scales, Heusel et al. 2017, here with the faster G);
    # Adam without momentum (beta1 0, as in Zhang et al. 2019 (SAGAN) and Brock et al. 2019 (BigGAN))
    # keeps the two players from overshooting around each other; full lr for half the run, then a linear
    # decay to zero (Zhu et al. 2017, CycleGAN) lets the samples settle inside the modes.
    "sharp": {"fields": dict(objective="non_saturating", optimizer="adam", betas=(0.0, 0.999), g_lr_scale=2.0,
                             lr_decay=True, lr_hold=0.5),
              "source": "chosen by experiment in minigan, see experiments/mode_collapse: Adam beta1 0 (SAGAN, "
                        "BigGAN), G's lr twice D's (two time scales, Heusel et al. 2017), constant then linear "
                        "decay (CycleGAN)"},
    **{f"pacgan{m}": {"fields": dict(pack=m), "source": f"Lin et al. 2018: D sees {m} samples at once"}
       for m in (2, 3, 4)},
}


def spectral_normalize_all(model):
    """Wrap every Dense and Conv2d inside a Sequential (recursively) in SpectralNorm."""
    if isinstance(model, (nn.Dense, nn.Conv2d)):
        return nn.SpectralNorm(model)
    if isinstance(model, nn.Sequential):
        model.layers = [spectral_normalize_all(layer) for layer in model.layers]
    return model


def recipe_fields(token):
    """The preset fields a recipe name sets ("pacgan<M>" works for any M), or None if it is no recipe."""
    if token in RECIPES:
        return RECIPES[token]["fields"]
    if token.startswith("pacgan") and token[6:].isdigit() and int(token[6:]) >= 1:
        return {"pack": int(token[6:])}
    return None


def names():
    """Every name ``apply`` takes: the recipes, the objectives and their aliases."""
    return set(RECIPES) | set(OBJECTIVES) | set(ALIASES)


def is_recipe(text):
    """True if ``text`` names one recipe or joins several names with "+" (so is no plain objective)."""
    return "+" in text or recipe_fields(text) is not None


def apply(preset, recipe):
    """``preset`` with the fields of each recipe in ``recipe`` set in turn, left to right ("sharp+mbstd").

    A name that is no recipe but an objective ("hinge") sets the objective alone; where a name is
    both ("wgan"), the recipe wins. Fields to change on top go after: ``apply(...).with_overrides(...)``.
    """
    fields = {}
    for token in recipe.split("+"):
        token_fields = recipe_fields(token)
        if token_fields is None and token not in OBJECTIVES and token not in ALIASES:
            raise ValueError(f"unknown objective or recipe {token!r}: choose from {', '.join(sorted(names()))}, "
                             "or join recipes with '+'")
        fields.update({"objective": token} if token_fields is None else token_fields)
    return preset.with_overrides(**fields)
