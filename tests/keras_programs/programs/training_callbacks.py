"""The callbacks of the "training and evaluation with the built-in methods" guide: a learning-rate schedule,
EarlyStopping, ModelCheckpoint keeping the best model, and a callback of one's own recording every batch's loss.
The weights are drawn with NumPy so that runs start from the same point. KERAS_PROGRAM_SAMPLES shortens the run."""

import os

import keras
import numpy as np
from keras import layers

samples = int(os.environ.get("KERAS_PROGRAM_SAMPLES", 60000))


def get_compiled_model():
    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    schedule = keras.optimizers.schedules.ExponentialDecay(0.05, decay_steps=20, decay_rate=0.5, staircase=True)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(0, 0.05, w.shape).astype("float32") for w in model.get_weights()])
    return model


class LossHistory(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.per_batch_losses = []

    def on_batch_end(self, batch, logs=None):
        self.per_batch_losses.append(logs.get("loss"))


(x_train, y_train), _ = keras.datasets.mnist.load_data()
x_train = x_train[:samples].reshape(-1, 784).astype("float32") / 255
y_train = y_train[:samples]

model = get_compiled_model()
losses = LossHistory()
callbacks = [
    keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=1e-2, patience=2, verbose=1),
    keras.callbacks.ModelCheckpoint(filepath="mymodel_{epoch}.keras", save_best_only=True, monitor="val_loss",
                                    verbose=1),
    losses,
]
history = model.fit(x_train, y_train, epochs=20, batch_size=64, callbacks=callbacks, validation_split=0.2,
                    shuffle=False, verbose=0)
print("Epochs run:", len(history.history["loss"]))
print("Val losses:", [round(v, 4) for v in history.history["val_loss"]])
print("Batches recorded:", len(losses.per_batch_losses))
print("Checkpoints:", sorted(f for f in os.listdir(".") if f.startswith("mymodel_")))
