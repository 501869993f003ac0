"""The Functional API guide's toy ResNet for CIFAR-10: three blocks joined by Add shortcuts, trained one epoch on
random CIFAR-shaped data (offline), saved and loaded back. KERAS_PROGRAM_SAMPLES shortens the run."""

import os

import keras
import numpy as np
from keras import layers

samples = int(os.environ.get("KERAS_PROGRAM_SAMPLES", 1000))

inputs = keras.Input(shape=(32, 32, 3), name="img")
x = layers.Conv2D(32, 3, activation="relu")(inputs)
x = layers.Conv2D(64, 3, activation="relu")(x)
block_1_output = layers.MaxPooling2D(3)(x)

x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_1_output)
x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
block_2_output = layers.add([x, block_1_output])

x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_2_output)
x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
block_3_output = layers.add([x, block_2_output])

x = layers.Conv2D(64, 3, activation="relu")(block_3_output)
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dense(256, activation="relu")(x)
x = layers.Dropout(0.5)(x)
outputs = layers.Dense(10)(x)

model = keras.Model(inputs, outputs, name="toy_resnet")
print("Parameters:", model.count_params())
print("Layers:", [type(layer).__name__ for layer in model.layers])

rng = np.random.default_rng(0)
x_train = rng.random((samples, 32, 32, 3)).astype("float32")
y_train = keras.utils.to_categorical(rng.integers(0, 10, samples), 10)

model.compile(
    optimizer=keras.optimizers.RMSprop(1e-3),
    loss=keras.losses.CategoricalCrossentropy(from_logits=True),
    metrics=["acc"],
)
history = model.fit(x_train, y_train, batch_size=64, epochs=1, validation_split=0.2, verbose=0)
print("History keys:", sorted(history.history))
print("Finite loss:", bool(np.isfinite(history.history["loss"][0])))

model.save("toy_resnet.keras")
reloaded = keras.models.load_model("toy_resnet.keras")
print("Reloaded max difference:", float(np.abs(reloaded.predict(x_train[:8], verbose=0)
                                              - model.predict(x_train[:8], verbose=0)).max()))
