"""Layer configs as Keras 3 writes them in a ``.keras`` file's config.json, and layers made back from them.

``layer_config(layer)`` gives the arguments Keras's own class takes (so Keras 3 rebuilds the layer from our file);
``from_config(class_name, config)`` makes our layer from Keras's config. Of Keras's own classes only those in
``LAYERS`` are made (a user's class comes through ``registry``): any other name is refused by name, and nothing in
a config is ever run (a ``Lambda``'s code is refused too, as
Keras's ``safe_mode`` does). Arguments that we do not implement must hold Keras's default (``dilation_rate`` of 1,
no regularizer, ...); otherwise loading stops naming the layer, the argument and its value.
"""

from __future__ import annotations

from typing import Any, Callable

from . import layers as L
from .base import Layer, snake_case

# Arguments a config may carry that change nothing here when they hold this value.
NEUTRAL: dict[str, Any] = {
    "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
    "bias_constraint": None, "quantization_config": None, "lora_rank": None, "lora_alpha": None,
    "dilation_rate": [1, 1], "groups": 1, "keepdims": False, "center": True, "scale": True, "synchronized": False,
    "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None,
    "noise_shape": None, "seed": None, "threshold": 0.0, "sparse": False, "ragged": False, "optional": False,
    "data_format": "channels_last", "gamma_initializer": "ones", "beta_initializer": "zeros",
    "moving_mean_initializer": "zeros", "moving_variance_initializer": "ones", "renorm": False,
}
IGNORED = {"name", "trainable", "dtype", "autocast", "input_shape", "batch_input_shape"}


def _initializer(value: Any) -> Any:
    """Keras's initializer config ({"class_name": "GlorotUniform", ...}) as our name ("glorot_uniform")."""
    return snake_case(value["class_name"]) if isinstance(value, dict) and "class_name" in value else value


def _window(layer: Any) -> dict[str, Any]:
    return {"pool_size": list(layer.pool_size), "strides": list(layer.strides), "padding": layer.padding,
            "data_format": "channels_last"}


def _kernel(layer: Any) -> dict[str, Any]:
    return {"activation": layer.activation_name, "use_bias": layer.use_bias,
            "kernel_initializer": layer.kernel_initializer, "bias_initializer": layer.bias_initializer}


def _pairs(sides: tuple[int, int, int, int]) -> list[list[int]]:
    return [[sides[0], sides[1]], [sides[2], sides[3]]]


def _fill(layer: Any) -> dict[str, Any]:
    return {"fill_mode": layer.fill_mode, "interpolation": layer.interpolation, "fill_value": layer.fill_value,
            "data_format": "channels_last"}


def _conv(layer: Any) -> dict[str, Any]:
    return {"kernel_size": list(layer.kernel_size), "strides": list(layer.strides), "padding": layer.padding,
            "data_format": "channels_last", "dilation_rate": [1, 1], "activation": layer.activation_name,
            "use_bias": layer.use_bias, "bias_initializer": layer.bias_initializer}


# class name -> (our class, its Keras arguments as a dict)
LAYERS: dict[str, tuple[type, Callable[[Any], dict[str, Any]]]] = {
    "Dense": (L.Dense, lambda l: {"units": l.units, **_kernel(l)}),
    "Conv2D": (L.Conv2D, lambda l: {"filters": l.filters, "kernel_size": list(l.kernel_size),
                                    "strides": list(l.strides), "padding": l.padding, "data_format": "channels_last",
                                    "dilation_rate": [1, 1], "groups": 1, **_kernel(l)}),
    "MaxPooling2D": (L.MaxPooling2D, _window),
    "AveragePooling2D": (L.AveragePooling2D, _window),
    "GlobalAveragePooling2D": (L.GlobalAveragePooling2D, lambda l: {"data_format": "channels_last"}),
    "GlobalMaxPooling2D": (L.GlobalMaxPooling2D, lambda l: {"data_format": "channels_last"}),
    "Flatten": (L.Flatten, lambda l: {"data_format": "channels_last"}),
    "Dropout": (L.Dropout, lambda l: {"rate": l.rate}),
    "BatchNormalization": (L.BatchNormalization, lambda l: {"axis": -1, "momentum": l.momentum,
                                                            "epsilon": l.epsilon}),
    "Activation": (L.Activation, lambda l: {"activation": l.activation_name}),
    "ReLU": (L.ReLU, lambda l: {"max_value": l.max_value, "negative_slope": l.negative_slope}),
    "Reshape": (L.Reshape, lambda l: {"target_shape": list(l.target_shape)}),
    "Concatenate": (L.Concatenate, lambda l: {"axis": l.axis}),
    **{name: (getattr(L, name), lambda l: {}) for name in ("Add", "Subtract", "Multiply", "Average", "Maximum",
                                                            "Minimum", "Identity")},
    "Rescaling": (L.Rescaling, lambda l: {"scale": l.scale, "offset": l.offset}),
    "Normalization": (L.Normalization, lambda l: {"axis": l.axis, "mean": None, "variance": None, "invert": False}),
    "ZeroPadding2D": (L.ZeroPadding2D, lambda l: {"padding": _pairs(l.padding), "data_format": "channels_last"}),
    "Cropping2D": (L.Cropping2D, lambda l: {"cropping": _pairs(l.cropping), "data_format": "channels_last"}),
    "UpSampling2D": (L.UpSampling2D, lambda l: {"size": list(l.size), "data_format": "channels_last",
                                                "interpolation": l.interpolation}),
    "Permute": (L.Permute, lambda l: {"dims": list(l.dims)}),
    "RepeatVector": (L.RepeatVector, lambda l: {"n": l.n}),
    "LayerNormalization": (L.LayerNormalization, lambda l: {"axis": l.axis, "epsilon": l.epsilon,
                                                            "center": l.center, "scale": l.scale}),
    "LeakyReLU": (L.LeakyReLU, lambda l: {"negative_slope": l.negative_slope}),
    "PReLU": (L.PReLU, lambda l: {"alpha_initializer": l.alpha_initializer, "shared_axes": None}),
    "Softmax": (L.Softmax, lambda l: {"axis": l.axis}),
    "ELU": (L.ELU, lambda l: {"alpha": l.alpha}),
    "SpatialDropout2D": (L.SpatialDropout2D, lambda l: {"rate": l.rate, "data_format": "channels_last"}),
    "Embedding": (L.Embedding, lambda l: {"input_dim": l.input_dim, "output_dim": l.output_dim,
                                          "embeddings_initializer": l.embeddings_initializer}),
    "GaussianNoise": (L.GaussianNoise, lambda l: {"stddev": l.stddev}),
    "RandomFlip": (L.RandomFlip, lambda l: {"mode": l.mode}),
    "RandomTranslation": (L.RandomTranslation, lambda l: {"height_factor": l.height_factor,
                                                          "width_factor": l.width_factor, **_fill(l)}),
    "RandomRotation": (L.RandomRotation, lambda l: {"factor": l.factor, **_fill(l)}),
    "RandomZoom": (L.RandomZoom, lambda l: {"height_factor": l.height_factor, "width_factor": l.width_factor,
                                            **_fill(l)}),
    "DepthwiseConv2D": (L.DepthwiseConv2D, lambda l: {**_conv(l), "depth_multiplier": l.depth_multiplier,
                                                      "depthwise_initializer": l.depthwise_initializer}),
    "SeparableConv2D": (L.SeparableConv2D, lambda l: {**_conv(l), "filters": l.filters,
                                                      "depth_multiplier": l.depth_multiplier,
                                                      "depthwise_initializer": l.depthwise_initializer,
                                                      "pointwise_initializer": l.pointwise_initializer}),
    "Conv2DTranspose": (L.Conv2DTranspose, lambda l: {**_conv(l), "filters": l.filters,
                                                      "kernel_initializer": l.kernel_initializer}),
}


def register(name: str, cls: type, config: Callable[[Any], dict[str, Any]]) -> None:
    """Make layer class ``cls`` saveable and loadable under Keras's class name ``name``."""
    LAYERS[name] = (cls, config)


def is_builtin(layer: Layer) -> bool:
    """Whether ``layer`` is one of the layer classes here (saved by Keras's class name), not a user's class."""
    entry = LAYERS.get(type(layer).__name__)
    return entry is not None and type(layer) is entry[0]


def layer_config(layer: Layer) -> dict[str, Any]:
    """The layer's Keras config: name, trainable and dtype, then the arguments of its class."""
    if not is_builtin(layer):
        return {"name": layer.name, "trainable": layer.trainable, "dtype": "float32"}
    config = {"name": layer.name, "trainable": layer.trainable, "dtype": "float32",
              **LAYERS[type(layer).__name__][1](layer)}
    if config.get("activation") not in (None, "linear", "relu", "sigmoid", "tanh", "softmax") and \
            "activation" in config:
        raise ValueError(
            f'Layer "{layer.name}" has the activation {config["activation"]!r}, a Python callable: a .keras file '
            "holds activations by name only. Use a name (\"relu\", ...) or an Activation layer to save this model."
        )
    return config


def from_config(class_name: str, config: dict[str, Any]) -> Layer:
    """Our layer for a Keras layer entry; unknown classes, Lambda code and unsupported arguments are refused."""
    if class_name == "Lambda":
        raise ValueError(
            f'Layer "{config.get("name")}" is a Lambda layer: its function is Python code stored in the file, and '
            "loading it would run that code. Such layers are never loaded (Keras's safe_mode); rebuild the model "
            "in code and load its weights with load_weights."
        )
    if class_name not in LAYERS:
        raise ValueError(
            f"Could not locate class {class_name!r} (layer {config.get('name')!r}): scratchgrad.keras has no such "
            f"layer. Known layer classes: {', '.join(sorted(LAYERS))}."
        )
    cls = LAYERS[class_name][0]
    arguments = _arguments(cls)
    kwargs: dict[str, Any] = {"name": config.get("name"), "trainable": config.get("trainable", True)}
    for key, value in config.items():
        value = _initializer(value)
        if key in IGNORED:
            continue
        if key.endswith("_initializer") and value not in L.INITIALIZERS:
            continue  # the weights come from the file: an initializer we lack changes nothing loaded
        if key in arguments:  # our class checks the value itself
            kwargs[key] = tuple(value) if isinstance(value, list) else value
        elif key in NEUTRAL and value != NEUTRAL[key]:
            raise ValueError(
                f'Layer "{config.get("name")}" ({class_name}) sets {key}={value!r}, which scratchgrad.keras '
                f"does not support (only {key}={NEUTRAL[key]!r})."
            )
        # any other key is an argument of a newer Keras without effect on what we compute
    return cls(**kwargs)


def _arguments(cls: type) -> list[str]:
    import inspect

    names: list[str] = []
    for klass in cls.__mro__:
        if "__init__" in klass.__dict__:
            names += [p for p in inspect.signature(klass.__init__).parameters if p not in ("self", "kwargs")]
    return names
