"""keras3: a typed, functional binding over Keras 3 (placeholder until the wrapper generator lands)."""
