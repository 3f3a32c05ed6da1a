"""Op return annotations against what each backend returns: `make test` runs this once per
backend of the matrix (tests/backends/conftest.py), so `Tensor`, the tuples and the lists that
keras3's op wrappers promise hold on jax, torch, tensorflow and numpy alike."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import typeguard

import keras3.ops
from tests import op_samples
from tests.delegation_runner import op_wrappers
from tests.typecheck import hints


def as_zero_d_arrays(result: Any) -> Any:
    """The numpy backend returns a NumPy scalar (`np.float32`) where the others return a 0-d
    tensor; keras3/types.py counts it as the 0-d tensor it stands for (it has every member of
    `Tensor` that a 0-d tensor can use), so it is checked as `np.asarray` of it."""
    if isinstance(result, np.generic):
        return np.asarray(result)
    if isinstance(result, (tuple, list)):
        items = [as_zero_d_arrays(item) for item in result]
        return type(result)(*items) if hasattr(result, "_fields") else type(result)(items)  # a named tuple
    return result


def test_every_op_returns_what_its_annotation_says(backend):
    """Each `op_*` wrapper called on its sample inputs (tests/op_samples.py) on the active backend:
    the value it returns passes its return annotation at run time (typeguard)."""
    checked, problems = 0, []
    for name, _, params in op_wrappers():
        wrapper = getattr(keras3.ops, name)
        try:
            args, kwargs = op_samples.build_call(name, params, keras.ops.convert_to_tensor)
            result = wrapper(*args, **kwargs)
        except Exception:  # noqa: BLE001 - an op the backend lacks; delegation tests judge calls
            continue
        checked += 1
        try:
            typeguard.check_type(as_zero_d_arrays(result), hints(wrapper)["return"],
                                 collection_check_strategy=typeguard.CollectionCheckStrategy.ALL_ITEMS)
        except typeguard.TypeCheckError as error:
            problems.append(f"{backend}: {name} -> {type(result).__name__}: {error}")
    assert checked > 300, checked
    assert not problems, "\n".join(problems)
