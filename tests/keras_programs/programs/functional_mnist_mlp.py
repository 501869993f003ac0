"""The Functional API guide's first model: an MNIST MLP built from keras.Input, trained, evaluated, saved as a
.keras file and loaded back. KERAS_PROGRAM_SAMPLES and KERAS_PROGRAM_EPOCHS shorten the run."""

import os

import keras
import numpy as np
from keras import layers

samples = int(os.environ.get("KERAS_PROGRAM_SAMPLES", 60000))
epochs = int(os.environ.get("KERAS_PROGRAM_EPOCHS", 2))

inputs = keras.Input(shape=(784,))
x = layers.Dense(64, activation="relu")(inputs)
x = layers.Dense(64, activation="relu")(x)
outputs = layers.Dense(10)(x)
model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")
print("Parameters:", model.count_params())
print("Layers:", [type(layer).__name__ for layer in model.layers])

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train[:samples].reshape(-1, 784).astype("float32") / 255
x_test = x_test[: samples // 6].reshape(-1, 784).astype("float32") / 255
y_train, y_test = y_train[:samples], y_test[: samples // 6]

model.compile(
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer=keras.optimizers.RMSprop(),
    metrics=["accuracy"],
)
history = model.fit(x_train, y_train, batch_size=64, epochs=epochs, validation_split=0.2, verbose=0)
print("History keys:", sorted(history.history))
test_scores = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", round(float(test_scores[0]), 4))
print("Test accuracy:", round(float(test_scores[1]), 4))

model.save("my_model.keras")
before = model.predict(x_test, verbose=0)
del model
model = keras.models.load_model("my_model.keras")
print("Reloaded max difference:", float(np.abs(model.predict(x_test, verbose=0) - before).max()))
